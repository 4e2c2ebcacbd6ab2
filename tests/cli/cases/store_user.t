# natsauth user add|edit|show|list|rm|revoke. Each case makes its own store.

# add: every option maps to its user claim
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A alice --allow-pub 'a.>' --allow-sub b --deny-pub c --deny-sub d --allow-pubsub 'e.{{name()}}' --resp-max 2 --resp-ttl 1500ms --src 10.0.0.0/8 --src 192.168.1.1/32 --time 08:00:00-17:00:00 --time 20:00:00-21:30:00 --time-zone Europe/Berlin --conn-type standard --conn-type WEBSOCKET --bearer --tag Dev --subs 10 --data 1M --payload 1Ki --exp 4102444800
+ natsauth user show A alice --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["claims"]; n=c["nats"]; print(json.dumps({k: n[k] for k in ("pub","sub","resp","src","times","times_location","allowed_connection_types","bearer_token","tags","subs","data","payload")}, sort_keys=True)); print(c["exp"], c["name"])'
~ created user 'alice' in account 'A' \(U[A-Z2-7]{55}\)
> {"allowed_connection_types": ["STANDARD", "WEBSOCKET"], "bearer_token": true, "data": 1000000, "payload": 1024, "pub": {"allow": ["a.>", "e.{{name()}}"], "deny": ["c"]}, "resp": {"max": 2, "ttl": 1500000000}, "src": ["10.0.0.0/8", "192.168.1.1/32"], "sub": {"allow": ["b", "e.{{name()}}"], "deny": ["d"]}, "subs": 10, "tags": ["dev"], "times": [{"end": "17:00:00", "start": "08:00:00"}, {"end": "21:30:00", "start": "20:00:00"}], "times_location": "Europe/Berlin"}
> 4102444800 alice
? 0

# a new user: no limits, signed by the account key; its JWT verifies against the account
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth user show A u
+ natsauth user show A u --json | python3 -c 'import json,sys; open("u.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --account a.jwt u.jwt | grep chain
> user:       u
~ account:    A \(A[A-Z2-7]{55}\)
~ public key: U[A-Z2-7]{55}
~ signed by:  A[A-Z2-7]{55} \(the account's identity key\)
> revoked:    no
~ issued:     20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC
> expires:    never
>
> [claims]
> {
~   "jti": "[A-Z2-7]{52}",
~   "iat": \d+,
~   "iss": "A[A-Z2-7]{55}",
>   "name": "u",
~   "sub": "U[A-Z2-7]{55}",
>   "nats": {
>     "pub": {},
>     "sub": {},
>     "subs": -1,
>     "data": -1,
>     "payload": -1,
>     "type": "user",
>     "version": 2
>   }
> }
> chain:      ok
? 0

# --signing-key by public key: issuer_account is set, the chain holds
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ K=$(natsauth sk list A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pub"])')
+ natsauth user add A u --signing-key "$K" --allow-pub x > /dev/null
+ natsauth user show A u --json > u.json
+ python3 -c 'import json; d=json.load(open("u.json")); print(d["signer"] == "'"$K"'", d["claims"]["nats"]["issuer_account"] == d["account_pub"]); open("u.jwt","w").write(d["jwt"])'
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --account a.jwt u.jwt | grep chain
+ natsauth user show A u | grep 'signed by' | sed "s/$K/KEY/"
> True True
> chain:      ok
> signed by:  KEY (plain signing key)
? 0

# --signing-key by role: a scoped user carries no permissions of its own
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth sk add A --role app --allow-pub 'users.{{name()}}.>' > /dev/null
+ natsauth user add A bob --signing-key app
+ natsauth user show A bob | grep 'signed by' | sed 's/A[A-Z2-7]\{55\}/KEY/'
+ natsauth user add A carol --signing-key app --allow-pub x || echo "rc=$?"
~ created user 'bob' in account 'A' \(U[A-Z2-7]{55}\)
> signed by:  KEY (scoped signing key, role 'app')
> rc=1
! natsauth: user 'carol' of account 'A' is signed by scoped signing key
! cannot carry permissions or limits of its own (nats.pub is set): the scope template supplies them
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --signing-key nosuchrole
! natsauth: signing key 'nosuchrole' not found in account 'A' of store 's.db'
? 1

# edit: add and remove; the user is re-signed; a no-op edit changes nothing
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --allow-pubsub x --src 10.0.0.0/8 --time 01:00:00-02:00:00 --conn-type mqtt --tag a --bearer --expiry 1d > /dev/null
+ natsauth user edit A u --rm x --rm-src 10.0.0.0/8 --clear-times --rm-conn-type MQTT --rm-tag A --no-bearer --exp 0 --allow-pub y
+ natsauth user show A u --json | python3 -c 'import json,sys; c=json.load(sys.stdin)["claims"]; n=c["nats"]; print(n["pub"], n["sub"], [k for k in ("src","times","allowed_connection_types","tags","bearer_token") if k in n], "exp" in c)'
+ natsauth user show A u --json > before.json
+ natsauth user edit A u --allow-pub y
+ natsauth user show A u --json | cmp - before.json && echo same
~ updated user 'u' in account 'A' \(U[A-Z2-7]{55}\)
> {'allow': ['y']} {} [] False
~ unchanged: user 'u' in account 'A' \(U[A-Z2-7]{55}\)
> same
? 0

# list: all users, one account's, --json; revoked users are flagged
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth user add A alice > /dev/null
+ natsauth user add B bob > /dev/null
+ natsauth user revoke B bob > /dev/null
+ natsauth user list
+ natsauth user list A
+ natsauth user list B --json | python3 -c 'import json,sys; print([(u["account"], u["name"], u["revoked"]) for u in json.load(sys.stdin)])'
> ACCOUNT  NAME   PUBLIC KEY                                                FLAGS
~ A        alice  U[A-Z2-7]{55}
~ B        bob    U[A-Z2-7]{55}  revoked
~ SYS      sys    U[A-Z2-7]{55}
> ACCOUNT  NAME   PUBLIC KEY                                                FLAGS
~ A        alice  U[A-Z2-7]{55}
> [('B', 'bob', True)]
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user list A
> account 'A' has no users
? 0

# revoke: the account JWT revokes the user's key; the user stays; again: unchanged
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth user revoke A u
+ natsauth user revoke A u
+ natsauth user show A u --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["revoked"])'
+ natsauth user show A u --json | python3 -c 'import json,sys; open("u.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --account a.jwt u.jwt > /dev/null || echo "rc=$?"
~ revoked user 'u' of account 'A' \(U[A-Z2-7]{55}\)
~ unchanged: already revoked user 'u' of account 'A' \(U[A-Z2-7]{55}\)
> True
> rc=1
! revoked
? 0

# rm: revoked in the account JWT, then gone from the store
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --json | python3 -c 'import json,sys; open("pub","w").write(json.load(sys.stdin)["pub"])'
+ natsauth user rm A u --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["removed"], d["pub"] == open("pub").read())'
+ natsauth account show A --json | python3 -c 'import json,sys; print(open("pub").read() in json.load(sys.stdin)["claims"]["nats"]["revocations"])'
+ natsauth user show A u || echo "rc=$?"
> True True
> True
> rc=1
! natsauth: user 'u' not found in account 'A' of store 's.db'
? 0

# conflicts
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth user add A u
! natsauth: user 'u' already exists in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --allow-pub x > /dev/null
+ natsauth user add A u --allow-pub x --conflict idempotent
+ natsauth user add A u --allow-pub y --conflict idempotent
~ unchanged: user 'u' in account 'A' \(U[A-Z2-7]{55}\)
! natsauth: user 'u' exists in account 'A' with different settings: nats.pub.allow: ["x"] -> ["y"]
? 1

# validation: a bad CIDR is refused and nothing is written
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --src not-a-net || echo "rc=$?"
+ natsauth user list A
> rc=1
> account 'A' has no users
! natsauth: user 'u' would not be valid: invalid cidr "not-a-net" in user src limits
? 0

# unknown account and user name themselves and the store
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth user add NOPE u
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user show A nobody
! natsauth: user 'nobody' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user edit A nobody --tag x
! natsauth: user 'nobody' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user rm A nobody
! natsauth: user 'nobody' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user revoke A nobody
! natsauth: user 'nobody' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth user list NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

# bad values are usage errors
$ natsauth user add A u --resp-ttl soon
! natsauth: user add: --resp-ttl 'soon' is not a duration (like 500ms, 5s, 1m)
? 2

$ natsauth user add A u --resp-max many
! --resp-max 'many' is not a count
? 2

$ natsauth user add A u --time 8:00-17:00
! natsauth: user add: --time '8:00-17:00' is not HH:MM:SS-HH:MM:SS
? 2

$ natsauth user add A u --time 08:00:00-25:00:00
! --time '08:00:00-25:00:00' is not HH:MM:SS-HH:MM:SS
? 2

$ natsauth user add A u --conn-type carrier-pigeon
! --conn-type 'carrier-pigeon' is not a connection type (STANDARD, WEBSOCKET, LEAFNODE, LEAFNODE_WS, MQTT, MQTT_WS, IN_PROCESS)
? 2

$ natsauth user add A u --data lots
! --data 'lots' is not a size
? 2

$ natsauth user add A u --subs -2
! --subs '-2' is not a count
? 2

$ natsauth user add A u --bearer --no-bearer
! --bearer and --no-bearer cannot be used together
? 2

$ natsauth user add A u --expiry never
! --expiry 'never' is not a duration
? 2

$ natsauth user edit A u
! natsauth: user edit: nothing to change (give at least one option)
? 2

# edit cannot move a user to another signing key; naming the one it has is fine
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth sk add A --role app > /dev/null
+ natsauth user add A u --signing-key app > /dev/null
+ natsauth user edit A u --signing-key app --tag x | cut -c1-25
+ natsauth user edit A u --tag y > /dev/null
+ natsauth user edit A u --signing-key "$(natsauth account show A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pub"])')" --tag z
> updated user 'u' in accou
! natsauth: user 'u' of account 'A' is signed by
! edit cannot change the signing key (remove the user and add it with --signing-key)
? 1

$ natsauth user add A
! natsauth: user add: missing argument
? 2

$ natsauth user add --help
* --allow-pubsub SUBJECT...
* --resp-ttl DUR
* --src CIDR...
* --time START-END...
* --time-zone TZ
* --conn-type TYPE...
* --signing-key PUB|ROLE
* --conflict POLICY
? 0

$ natsauth user --help
* revoke
* list
? 0
