# natsauth sk add|list|rm: account signing keys, plain and scoped.

# a plain key; list shows it; the account JWT lists it
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A
+ natsauth sk list A
+ natsauth account show A --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["claims"]["nats"]["signing_keys"]))'
~ created signing key A[A-Z2-7]{55} of account 'A'
> PUBLIC KEY                                                KIND    ROLE
~ A[A-Z2-7]{55}  plain
> 1
? 0

# a scoped key: role, template kept exactly ({{name()}} included), description,
# and NewUserScope's defaults (-1 limits) filled in
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role app --allow-pub 'users.{{name()}}.>' --allow-sub '_INBOX.>' --deny-pub 'admin.>' --deny-sub x --allow-pubsub 'both.*' --description 'app users'
+ natsauth account show A --json | python3 -c 'import json,sys; k=json.load(sys.stdin)["claims"]["nats"]["signing_keys"][0]; t=k["template"]; print(k["kind"], k["role"], k["description"]); print(json.dumps(t, sort_keys=True))'
+ natsauth sk list A --json | python3 -c 'import json,sys; print([(k["scoped"], k["role"]) for k in json.load(sys.stdin)])'
~ created scoped signing key A[A-Z2-7]{55} \(role 'app'\) of account 'A'
> user_scope app app users
> {"data": -1, "payload": -1, "pub": {"allow": ["users.{{name()}}.>", "both.*"], "deny": ["admin.>"]}, "sub": {"allow": ["_INBOX.>", "both.*"], "deny": ["x"]}, "subs": -1}
> [(True, 'app')]
? 0

# --role alone, or --description alone, makes a scoped key with an empty template
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role r1 > /dev/null
+ natsauth sk add A --description 'no role' > /dev/null
+ natsauth sk list A --json | python3 -c 'import json,sys; print(sorted((k["scoped"], k["role"] or "-") for k in json.load(sys.stdin)))'
> [(True, '-'), (True, 'r1')]
? 0

# a role exists once: strict refuses, idempotent accepts the same scope, refuses another
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role app --allow-pub a > /dev/null
+ natsauth sk add A --role app --allow-pub a
! natsauth: signing key role 'app' already exists in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role app --allow-pub a > /dev/null
+ natsauth sk add A --role app --allow-pub a --conflict idempotent
+ natsauth sk add A --role app --allow-pub b --conflict idempotent
~ unchanged: account 'A' already has the scoped signing key A[A-Z2-7]{55}
! natsauth: signing key role 'app' exists in account 'A' with different settings: template.pub.allow: ["a"] -> ["b"]
? 1

# idempotent plain add: the account has one already
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth --conflict idempotent sk add A --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["account"], d["changed"], d["scoped"], d["role"])'
> A False False None
? 0

# rm by key or by role; the account JWT no longer lists it
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ K=$(natsauth sk add A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pub"])')
+ natsauth sk add A --role app > /dev/null
+ natsauth sk rm A "$K" | sed "s/$K/KEY/"
+ natsauth sk rm A app
+ natsauth sk list A
+ natsauth account show A --json | grep -c signing_keys || true
> removed signing key KEY from account 'A'
> removed signing key app from account 'A'
> account 'A' has no signing keys
> 0
? 0

# users of a removed key can no longer be edited
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role app > /dev/null
+ natsauth user add A u --signing-key app > /dev/null
+ natsauth sk rm A app > /dev/null
+ natsauth user edit A u --tag x
! natsauth: user 'u' of account 'A' was signed by
! which is no longer a signing key of the account (remove and add the user again)
? 1

# errors: unknown account, unknown key
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth sk add NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth sk list NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk rm A ABOGUS
! natsauth: signing key 'ABOGUS' not found in account 'A' of store 's.db'
? 1

$ natsauth sk add A --role ''
! natsauth: sk add: --role needs a name
? 2

$ natsauth sk rm A
! natsauth: sk rm: missing argument
? 2

$ natsauth sk
! natsauth: sk: missing command
? 2

$ natsauth sk add --help
* --role ROLE
* --allow-pub SUBJECT...
* users.{{name()}}.>
? 0
