# natsauth operator show|edit. Each case makes its own store (NATSAUTH_STORE=s.db).

# show: name, key, signing keys, service URLs, system account
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator show
> operator:        natsauth
~ public key:      O[A-Z2-7]{55}
> signing keys:    (none)
> strict signing:  no
> service URLs:    (none)
> account server:  (none)
~ system account:  SYS \(A[A-Z2-7]{55}\)
~ issued:          20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC
> expires:         never
? 0

# --json has the JWT, and the JWT decodes to the same operator
$ export NATSAUTH_STORE=s.db; natsauth init --signing-keys > /dev/null
+ natsauth operator show --json > op.json
+ python3 -c 'import json; d=json.load(open("op.json")); print(sorted(d)); print(d["name"], len(d["signing_keys"]), d["strict_signing_keys"], d["system_account"]["name"], d["claims"]["sub"] == d["pub"]); open("op.jwt","w").write(d["jwt"])'
+ natsauth decode --json op.jwt | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["type"], d["claims"]["name"])'
> ['account_server_url', 'claims', 'exp', 'iat', 'jwt', 'name', 'pub', 'service_urls', 'signing_keys', 'strict_signing_keys', 'system_account']
> natsauth 1 False SYS True
> operator natsauth
? 0

# edit: service URLs (repeatable), account server URL, removal
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator edit --service-url nats://a:4222 --service-url tls://b:4222 --account-server-url http://x/jwt/v1
+ natsauth operator show | grep -A1 -e URLs -e server
+ natsauth operator edit --rm-service-url nats://a:4222 --account-server-url ''
+ natsauth operator show --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["service_urls"], d["account_server_url"])'
~ operator 'natsauth' updated \(O[A-Z2-7]{55}\)
> service URLs:    nats://a:4222
>                  tls://b:4222
> account server:  http://x/jwt/v1
~ system account:  SYS \(A[A-Z2-7]{55}\)
~ operator 'natsauth' updated \(O[A-Z2-7]{55}\)
> ['tls://b:4222'] None
? 0

# an edit that changes nothing says so and leaves the JWT as it was
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator edit --service-url nats://a:4222 > /dev/null
+ natsauth operator show --json > before.json
+ natsauth operator edit --service-url nats://a:4222
+ natsauth operator show --json | cmp - before.json && echo same
~ operator 'natsauth' unchanged \(O[A-Z2-7]{55}\)
> same
? 0

# a bad service URL is refused by validation, nothing is written
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator edit --service-url ftp://x || echo "rc=$?"
+ natsauth operator show | grep URLs
> rc=1
> service URLs:    (none)
! natsauth: operator 'natsauth' would not be valid
? 0

# signing keys: add, then strict; accounts are re-signed by the signing key
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth operator edit --sk-add --strict-signing-keys > out.txt
+ grep -c 'added operator signing key O' out.txt
+ natsauth operator show --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["signing_keys"]), d["strict_signing_keys"]); open("sk","w").write(d["signing_keys"][0])'
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["signer"] == open("sk").read())'
> 1
> 1 True
> True
? 0

# strict without any signing key is refused
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth operator edit --strict-signing-keys
! natsauth: operator 'natsauth' requires signing keys (strict_signing_key_usage)
? 1

# rotate: a new key replaces the old one and every account is re-signed with it
$ export NATSAUTH_STORE=s.db; natsauth init --signing-keys --account A > /dev/null
+ OLD=$(natsauth operator show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["signing_keys"][0])')
+ natsauth operator edit --sk-rotate "$OLD" --json > r.json
+ python3 -c 'import json; d=json.load(open("r.json")); print(d["changed"], d["signing_keys_removed"] == ["'"$OLD"'"], len(d["signing_keys_added"]))'
+ NEW=$(natsauth operator show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["signing_keys"][0])')
+ test "$NEW" != "$OLD" && natsauth account show A --json | grep -c "\"signer\":\"$NEW\""
+ natsauth operator show --json | python3 -c 'import json,sys; open("o.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --operator o.jwt a.jwt | grep chain
> True True 1
> 1
> chain:      ok
? 0

# sk-rm: the accounts it signed move to the identity key (not strict)
$ export NATSAUTH_STORE=s.db; natsauth init --signing-keys --account A > /dev/null
+ SK=$(natsauth operator show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["signing_keys"][0])')
+ natsauth operator edit --sk-rm "$SK" | grep -c "removed operator signing key $SK"
+ OP=$(natsauth operator show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pub"])')
+ natsauth account show A --json | grep -c "\"signer\":\"$OP\""
> 1
> 1
? 0

# idempotent --sk-add keeps the existing key
$ export NATSAUTH_STORE=s.db; natsauth init --signing-keys > /dev/null
+ natsauth --conflict idempotent operator edit --sk-add
~ operator already has signing key O[A-Z2-7]{55}
~ operator 'natsauth' unchanged \(O[A-Z2-7]{55}\)
? 0

# unknown keys
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator edit --sk-rm OBOGUS
! natsauth: operator signing key 'OBOGUS' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator edit --sk-rotate OBOGUS
! natsauth: operator signing key 'OBOGUS' not found in store 's.db'
? 1

# usage errors
$ natsauth operator edit --store s.db
! natsauth: operator edit: nothing to change (give at least one option)
? 2

$ natsauth operator edit --strict-signing-keys --no-strict-signing-keys
! cannot be used together
? 2

$ natsauth operator edit --sk-rotate
! needs an argument (PUB)
? 2

$ natsauth operator
! natsauth: operator: missing command
? 2

$ natsauth operator frob
! natsauth: operator: unknown command 'frob'
? 2

$ natsauth operator show extra
! unexpected argument 'extra'
? 2

# no store yet
$ natsauth --store s.db operator show
! natsauth: store 's.db' does not exist (run 'natsauth init' first)
? 1

$ natsauth operator --help
* show
* edit
? 0

$ natsauth operator edit --help
* --service-url URL...
* --sk-rotate PUB
* --conflict POLICY
? 0
