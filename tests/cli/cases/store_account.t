# natsauth account add|edit|show|list|rm|revoke. Each case makes its own store.
# Claims are checked through `account show --json` (a python3 one-liner prints fields).

# add with limits: every option maps to its nats.limits field; SIZE units
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --conn 10 --leaf 2 --subs 100 --data 10K --payload 1Ki --imports 3 --exports 4 --no-wildcards --disallow-bearer
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["claims"]["nats"]["limits"], sort_keys=True))'
~ created account 'A' \(A[A-Z2-7]{55}\)
> {"conn": 10, "data": 10000, "disallow_bearer": true, "exports": 4, "imports": 3, "leaf": 2, "payload": 1024, "subs": 100}
? 0

# JetStream limits; sizes 5M, 2G, 1Gi, -1
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --js-mem 5M --js-disk 2G --js-streams 10 --js-consumers -1 --js-max-ack-pending 1000 > /dev/null
+ natsauth account add B --js-mem 1Gi --js-disk -1 > /dev/null
+ for a in A B; do natsauth account show $a --json | python3 -c 'import json,sys; l=json.load(sys.stdin)["claims"]["nats"]["limits"]; print({k: l.get(k) for k in ("mem_storage","disk_storage","streams","consumer","max_ack_pending")})'; done
> {'mem_storage': 5000000, 'disk_storage': 2000000000, 'streams': 10, 'consumer': -1, 'max_ack_pending': 1000}
> {'mem_storage': 1073741824, 'disk_storage': -1, 'streams': None, 'consumer': None, 'max_ack_pending': None}
? 0

# --js-tier puts the --js-* limits under nats.limits.tiered_limits.<TIER>
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --js-tier R1 --js-mem 1M --js-disk 10M --js-streams 5 > /dev/null
+ natsauth account edit A --js-tier R3 --js-disk -1 > /dev/null
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["claims"]["nats"]["limits"]["tiered_limits"], sort_keys=True))'
> {"R1": {"disk_storage": 10000000, "mem_storage": 1000000, "streams": 5}, "R3": {"disk_storage": -1}}
? 0

# tiered and plain JetStream limits together are refused by validation
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --js-disk 1G > /dev/null
+ natsauth account edit A --js-tier R1 --js-disk 1G
! natsauth: account 'A' would not be valid: JetStream Limits and tiered JetStream Limits are mutually exclusive
? 1

# default permissions, tags, description, info URL, expiry
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --allow-pub 'a.>' --allow-sub b --deny-pub c --deny-sub d --allow-pubsub 'e.*' --tag Prod --tag team:x --description 'the A team' --info-url https://example.com/a --exp 4102444800 > /dev/null
+ natsauth account show A --json | python3 -c 'import json,sys; n=json.load(sys.stdin)["claims"]; print(json.dumps(n["nats"]["default_permissions"], sort_keys=True)); print(n["nats"]["tags"], n["nats"]["description"], n["nats"]["info_url"], n["exp"])'
> {"pub": {"allow": ["a.>", "e.*"], "deny": ["c"]}, "sub": {"allow": ["b", "e.*"], "deny": ["d"]}}
> ['prod', 'team:x'] the A team https://example.com/a 4102444800
? 0

# edit: change, remove (--rm, --rm-tag, "" description, --exp 0), and no-op edits
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --allow-pubsub x --tag t1 --tag t2 --description d --expiry 1d --conn 5 > /dev/null
+ natsauth account edit A --rm x --rm-tag T1 --description '' --exp 0 --conn -1 --wildcards --allow-bearer
+ natsauth account show A --json | python3 -c 'import json,sys; n=json.load(sys.stdin)["claims"]; print(n["nats"]["default_permissions"], n["nats"]["tags"], n["nats"].get("description"), n.get("exp"), n["nats"]["limits"]["conn"])'
+ natsauth account show A --json > before.json
+ natsauth account edit A --conn -1
+ natsauth account show A --json | cmp - before.json && echo same
~ updated account 'A' \(A[A-Z2-7]{55}\)
> {'pub': {}, 'sub': {}} ['t2'] None None -1
~ unchanged: account 'A' \(A[A-Z2-7]{55}\)
> same
? 0

# --expiry sets exp relative to now
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --expiry 1h > /dev/null
+ natsauth account show A --json | python3 -c 'import json,sys,time; n=json.load(sys.stdin)["claims"]; print(abs(n["exp"] - n["iat"] - 3600) <= 2)'
> True
? 0

# show: a summary and the decoded claims
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth account show A
> account:        A
~ public key:     A[A-Z2-7]{55}
~ signed by:      O[A-Z2-7]{55}
> system account: no
> users:          1
> signing keys:   1
> exports:        0
> imports:        0
~ issued:         20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC
> expires:        never
>
> [claims]
> {
~   "jti": "[A-Z2-7]{52}",
~   "iat": \d+,
~   "iss": "O[A-Z2-7]{55}",
>   "name": "A",
~   "sub": "A[A-Z2-7]{55}",
>   "nats": {
>     "limits": {
>       "subs": -1,
>       "data": -1,
>       "payload": -1,
>       "imports": -1,
>       "exports": -1,
>       "wildcards": true,
>       "conn": -1,
>       "leaf": -1
>     },
>     "signing_keys": [
~       "A[A-Z2-7]{55}"
>     ],
>     "default_permissions": {
>       "pub": {},
>       "sub": {}
>     },
>     "authorization": {},
>     "type": "account",
>     "version": 2
>   }
> }
? 0

# show --json: the JWT verifies against the operator; the account may be named by key
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account show A --json > a.json
+ python3 -c 'import json; d=json.load(open("a.json")); print(sorted(d)); print(d["name"], d["system"], d["deleted"], d["users"]); open("a.jwt","w").write(d["jwt"]); open("pub","w").write(d["pub"])'
+ natsauth operator show --json | python3 -c 'import json,sys; open("o.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --operator o.jwt a.jwt | grep -e '^\[verify\]' -e chain | sed 's/ at [0-9]*//'
+ natsauth account show "$(cat pub)" --json | cmp - a.json && echo by-key
> ['claims', 'deleted', 'jwt', 'name', 'pub', 'signer', 'system', 'users']
> A False False 0
> [verify] ok
> chain:      ok
> by-key
? 0

# list: name, key, users, flags (system, deleted); --json
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth account rm B > /dev/null
+ natsauth account list
> NAME  PUBLIC KEY                                                USERS  FLAGS
~ A     A[A-Z2-7]{55}      0
~ B     A[A-Z2-7]{55}      0  deleted
~ SYS   A[A-Z2-7]{55}      1  system
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account list --json | python3 -c 'import json,sys; print([(a["name"], a["users"], a["system"], a["deleted"], len(a["pub"])) for a in json.load(sys.stdin)])'
> [('A', 0, False, False, 56), ('SYS', 1, True, False, 56)]
? 0

# rm: users revoked, the account kept as deleted until push; then it is "not found"
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth account rm A
+ natsauth account show A --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["deleted"], "*" in d["claims"]["nats"]["revocations"])'
+ natsauth account edit A --conn 1 || echo "rc=$?"
~ removed account 'A' \(A[A-Z2-7]{55}\): its users are revoked; the next push deletes it from the servers
> True True
> rc=1
! natsauth: account 'A' was removed from store 's.db' (its deletion is pending the next push)
? 0

# a removed account's name can be used again
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account rm A > /dev/null
+ natsauth account add A
~ created account 'A' \(A[A-Z2-7]{55}\)
? 0

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account rm SYS
! natsauth: the system account 'SYS' of store 's.db' cannot be removed
? 1

# revoke --all-before: the "*" revocation; again with the same time changes nothing
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account revoke A --all-before 1700000000
+ natsauth account revoke A --all-before 1700000000
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"]["nats"]["revocations"])'
~ account 'A' \(A[A-Z2-7]{55}\): users issued at or before 2023-11-14 22:13:20 UTC are revoked
~ unchanged: account 'A' \(A[A-Z2-7]{55}\): users issued at or before 2023-11-14 22:13:20 UTC are revoked
> {'*': 1700000000}
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account revoke A --all-before now --json | python3 -c 'import json,sys,time; d=json.load(sys.stdin); print(d["name"], d["changed"], abs(d["all_before"] - time.time()) < 5)'
> A True True
? 0

# conflicts: strict (default) names the account and the store; idempotent shows the difference
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth account add A
! natsauth: account 'A' already exists in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add A --conn 5 > /dev/null
+ natsauth account add A --conn 5 --conflict idempotent
+ NATSAUTH_CONFLICT=idempotent natsauth account add A --conn 5
+ natsauth --conflict idempotent account add A --conn 6
~ unchanged: account 'A' \(A[A-Z2-7]{55}\)
~ unchanged: account 'A' \(A[A-Z2-7]{55}\)
! natsauth: account 'A' exists with different settings: nats.limits.conn: 5 -> 6
? 1

# --conflict on the command line wins over NATSAUTH_CONFLICT
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ NATSAUTH_CONFLICT=idempotent natsauth account add A --conflict strict
! natsauth: account 'A' already exists in store 's.db'
? 1

$ natsauth account add A --conflict sometimes
! natsauth: account add: --conflict 'sometimes' is not a conflict policy (strict or idempotent)
? 2

$ NATSAUTH_CONFLICT=maybe natsauth account add A
! natsauth: account add: NATSAUTH_CONFLICT 'maybe' is not a conflict policy (strict or idempotent)
? 2

# unknown accounts name themselves and the store
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account show NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account edit NOPE --conn 1
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account rm NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account revoke NOPE --all-before now
! natsauth: account 'NOPE' not found in store 's.db'
? 1

# bad values are usage errors (nothing is opened)
$ natsauth account add A --data 10X
! natsauth: account add: --data '10X' is not a size (like 1024, 10K, 5M, 2G, 1Gi, or -1 for unlimited)
! usage: natsauth account add NAME [OPTIONS]
? 2

$ natsauth account add A --payload -2
! --payload '-2' is not a size
? 2

$ natsauth account add A --js-mem 99999999999999999999
! --js-mem '99999999999999999999' is not a size
? 2

$ natsauth account add A --js-disk 90000000000G
! --js-disk '90000000000G' is not a size
? 2

$ natsauth account add A --conn ten
! natsauth: account add: --conn 'ten' is not a count (a number, or -1 for unlimited)
? 2

$ natsauth account add A --subs -5
! --subs '-5' is not a count
? 2

$ natsauth account add A --expiry 5x
! natsauth: account add: --expiry '5x' is not a duration (like 90s, 30m, 1h, 2d, 1w)
? 2

$ natsauth account add A --expiry 1h --exp 5
! --expiry and --exp cannot be used together
? 2

$ natsauth account add A --exp yesterday
! --exp 'yesterday' is not a unix time (0 for no expiry)
? 2

$ natsauth account add A --js-tier R1
! natsauth: account add: --js-tier needs at least one --js-* limit
? 2

$ natsauth account add A --js-tier gold --js-mem 1
! --js-tier 'gold' is not a tier (R1, R3, ...)
? 2

$ natsauth account add A --wildcards --no-wildcards
! --wildcards and --no-wildcards cannot be used together
? 2

$ natsauth account edit A
! natsauth: account edit: nothing to change (give at least one option)
? 2

$ natsauth account revoke A
! natsauth: account revoke: --all-before is required (a unix time, or now)
? 2

$ natsauth account revoke A --all-before soon
! --all-before 'soon' is not a unix time or now
? 2

$ natsauth account add
! natsauth: account add: missing argument
? 2

$ natsauth account add A B
! unexpected argument 'B'
? 2

$ natsauth account add A --conn 1 --conn 2
! option '--conn' is given more than once
? 2

# no store
$ natsauth --store s.db account list
! natsauth: store 's.db' does not exist (run 'natsauth init' first)
? 1

# help lists every option
$ natsauth account add --help
* --conn N
* --leaf N
* --data SIZE
* --js-max-ack-pending N
* --js-tier TIER
* --allow-pubsub SUBJECT...
* --disallow-bearer
* --info-url URL
* --conflict POLICY
* --store PATH
* --json
? 0

$ natsauth account --help
* add
* edit
* show
* list
* rm
* revoke
? 0

# auth callout section: --auth-user, --allowed-account, --auth-xkey, and their removal
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add AUTH > /dev/null
+ natsauth account edit AUTH --auth-user UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R --allowed-account ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH --auth-xkey XA62W77IFWV63UA6I3YUYK6NF5DMV5PSQUS7BO6PYTPMB67M7AQFWUZL > /dev/null
+ natsauth account show AUTH --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["claims"]["nats"]["authorization"], sort_keys=True))'
+ natsauth account edit AUTH --rm-allowed-account ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH --allowed-account '*' --auth-xkey '' > /dev/null
+ natsauth account show AUTH --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["claims"]["nats"]["authorization"], sort_keys=True))'
> {"allowed_accounts": ["ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH"], "auth_users": ["UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R"], "xkey": "XA62W77IFWV63UA6I3YUYK6NF5DMV5PSQUS7BO6PYTPMB67M7AQFWUZL"}
> {"allowed_accounts": ["*"], "auth_users": ["UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R"]}
? 0

# "*" and named allowed accounts together are refused (the reference's rule)
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add AUTH > /dev/null
+ natsauth account edit AUTH --auth-user UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R --allowed-account ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH --allowed-account '*'
! natsauth: account 'AUTH' would not be valid: AllowedAccounts can only be a list of accounts or "*"
? 1

# an xkey of the wrong type is refused by validation, and nothing is written
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add AUTH > /dev/null
+ natsauth account edit AUTH --auth-xkey UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R || natsauth account show AUTH --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"]["nats"].get("authorization"))'
! natsauth: account 'AUTH' would not be valid: XKey "UDOIZJURRLPTKRWLZXNYQ4UNZ3M2VQDOT4OZV4FA24Z6IFXWRYHHTO5R" is not a valid public xkey
> {}
? 0

# an auth user that is not a user key is refused
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth account add AUTH > /dev/null
+ natsauth account edit AUTH --auth-user ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH
! natsauth: account 'AUTH' would not be valid: AuthUser "ACHGQOYWDXPMQV2LX43FZVKP2KPW2TIN2BUSYI4F7IJ7IO2Z2IV5FNGH" is not a valid user public key
? 1
