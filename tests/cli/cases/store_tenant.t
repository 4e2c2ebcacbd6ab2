# natsauth tenant: organisations (accounts), apps (users), members.

# add: an organisation gets an account of its name
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme
+ natsauth account list | grep -c '^acme '
~ created organisation 'acme' \(account A[A-Z2-7]{55}\)
> 1
? 0

# apps and members; list all and one
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web
+ natsauth tenant app add acme ci --robot
+ natsauth tenant member add acme ann@example.com --owner
+ natsauth tenant member add acme bob@example.com
+ natsauth tenant list
+ natsauth tenant list acme
~ created app 'web' in organisation 'acme' \(user U[A-Z2-7]{55}\)
~ created robot app 'ci' in organisation 'acme' \(user U[A-Z2-7]{55}\)
> added owner member 'ann@example.com' of organisation 'acme'
> added member 'bob@example.com' of organisation 'acme'
> acme  account 'acme'  2 apps  2 members
> organisation: acme (account 'acme')
> apps:
~   ci \(robot\)  U[A-Z2-7]{55}
~   web  U[A-Z2-7]{55}
> members:
>   ann@example.com (owner)
>   bob@example.com
? 0

# --json, and an app is a user of the organisation's account
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["org"], d["app"], d["changed"], d["pub"][0])'
+ natsauth tenant member add acme a@b --json
+ natsauth tenant list --json
+ natsauth tenant list acme --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["account"], [(a["name"], a["user"], a["robot"]) for a in d["apps"]], d["members"])'
+ natsauth user list acme | grep -c web
> acme web True U
> {"org":"acme","email":"a@b","changed":true}
> [{"org":"acme","account":"acme","apps":1,"members":1}]
> acme [('web', 'web', False)] [{'email': 'a@b', 'owner': False}]
> 1
? 0

# remove: app (its user goes), member, organisation (its account is removed)
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant member add acme a@b > /dev/null
+ natsauth tenant app rm acme web
+ natsauth tenant member rm acme a@b
+ natsauth tenant rm acme
+ natsauth tenant list
+ natsauth account list --json | python3 -c 'import json,sys; print([(a["name"], a["deleted"]) for a in json.load(sys.stdin)])'
> removed app 'web' from organisation 'acme' (its user is revoked)
> removed member 'a@b' from organisation 'acme'
> removed organisation 'acme': account 'acme' is removed (its users are revoked; the next push deletes it from the servers)
> no organisations in store 's.db'
> [('SYS', False), ('acme', True)]
? 0

# conflicts: strict names what exists; idempotent accepts the same, refuses a different flag
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant add acme
! natsauth: organisation 'acme' already exists in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant member add acme a@b --owner > /dev/null
+ natsauth --conflict idempotent tenant add acme
+ natsauth --conflict idempotent tenant app add acme web
+ natsauth --conflict idempotent tenant member add acme a@b --owner
+ natsauth tenant app add acme web || echo "rc=$?"
+ natsauth --conflict idempotent tenant app add acme web --robot || echo "rc=$?"
+ natsauth --conflict idempotent tenant member add acme a@b || echo "rc=$?"
~ unchanged: organisation 'acme' \(account A[A-Z2-7]{55}\)
~ unchanged: app 'web' in organisation 'acme' \(user U[A-Z2-7]{55}\)
> unchanged: owner member 'a@b' of organisation 'acme'
> rc=1
> rc=1
> rc=1
! natsauth: app 'web' already exists in organisation 'acme' of store 's.db'
! natsauth: app 'web' exists in organisation 'acme' with different settings: robot: false -> true
! natsauth: member 'a@b' exists in organisation 'acme' with different settings: owner: true -> false
? 0

# unknown organisation, app, member
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant app add nope web
! natsauth: organisation 'nope' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant rm nope
! natsauth: organisation 'nope' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant list nope
! natsauth: organisation 'nope' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app rm acme nope
! natsauth: app 'nope' not found in organisation 'acme' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant member rm acme nope@x
! natsauth: member 'nope@x' not found in organisation 'acme'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant member add nope a@b
! natsauth: organisation 'nope' not found in store 's.db'
? 1

# usage
$ natsauth tenant
! natsauth: tenant: missing command
? 2

$ natsauth tenant --help
* app
* member
* list
? 0

$ natsauth tenant app
! natsauth: tenant app: missing command
? 2

$ natsauth tenant member frob
! natsauth: tenant member: unknown command 'frob'
? 2

$ natsauth tenant app add acme
! natsauth: tenant app add: missing argument
? 2

$ natsauth tenant member add --help
* usage: natsauth tenant member add ORG EMAIL [--owner]
? 0

# app tokens: printed once (nat_ + 43 base64url chars), listed by id only, never the secret
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app token acme web > out.txt
+ head -1 out.txt | sed 's/token [0-9a-f]\{12\} /token ID /'
+ tail -1 out.txt | grep -c '^nat_[A-Za-z0-9_-]\{43\}$'
+ natsauth tenant app tokens acme web > list.txt
+ grep -c "$(tail -1 out.txt)" list.txt || true
+ grep -c "^$(head -1 out.txt | cut -d' ' -f3)  created .*  expires never$" list.txt
+ python3 -c 'import sqlite3,sys; t=open("out.txt").read().split()[-1]; d=sqlite3.connect("s.db"); print(sum(t in " ".join(map(str,r)) for r in d.execute("select * from audit")), d.execute("select count(*) from audit where entity like ?", ("token %",)).fetchone()[0])'
> created token ID for app 'web' of organisation 'acme' (expires never); it is shown only now:
> 1
> 0
> 1
> 0 1
? 0

# only a SHA-256 of the token is stored
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app token acme web --json > t.json
+ python3 -c 'import json,sqlite3,hashlib; t=json.load(open("t.json")); d=sqlite3.connect("s.db"); r=d.execute("select id, hash from app_tokens").fetchall(); print(len(r), r[0][0] == t["id"], bytes(r[0][1]) == hashlib.sha256(t["token"].encode()).digest(), t["org"], t["app"], t["account"], t["user"], t["expires"])'
> 1 True True acme web acme web 0
? 0

# --ttl sets an expiry; --json lists; revoke one by id, then all
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app token acme web --ttl 1h --json > a.json
+ natsauth tenant app token acme web > /dev/null
+ natsauth tenant app token acme web > /dev/null
+ natsauth tenant app tokens acme web --json | python3 -c 'import json,sys; l=json.load(sys.stdin); a=json.load(open("a.json")); print(len(l), [t["expires"] - t["created"] for t in l if t["id"] == a["id"]], any("token" in t for t in l))'
+ natsauth tenant app token acme web --revoke --id "$(python3 -c 'import json; print(json.load(open("a.json"))["id"])')"
+ natsauth tenant app token acme web --revoke --json
+ natsauth tenant app tokens acme web
> 3 [3600] False
> revoked 1 token of app 'web' of organisation 'acme'
> {"org":"acme","app":"web","revoked":2}
> no tokens for app 'web' of organisation 'acme'
? 0

# token errors: unknown app or organisation, unknown id, bad --ttl, --id without --revoke
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app token acme nope || echo "rc=$?"
+ natsauth tenant app token nope web || echo "rc=$?"
+ natsauth tenant app token acme web --revoke --id 0123456789ab || echo "rc=$?"
+ natsauth tenant app token acme web --ttl soon || echo "rc=$?"
+ natsauth tenant app token acme web --id 0123456789ab || echo "rc=$?"
+ natsauth tenant app tokens acme web
> rc=1
> rc=1
> rc=1
> rc=2
> rc=2
> no tokens for app 'web' of organisation 'acme'
! natsauth: app 'nope' not found in organisation 'acme' of store 's.db'
! natsauth: organisation 'nope' not found in store 's.db'
! natsauth: token '0123456789ab' not found for app 'web' of organisation 'acme'
! --ttl 'soon' is not a duration
! --id needs --revoke
? 0

# removing the app removes its tokens (a re-added app starts with none)
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app token acme web > /dev/null
+ natsauth tenant app rm acme web > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ natsauth tenant app tokens acme web
+ python3 -c 'import sqlite3; print(sqlite3.connect("s.db").execute("select count(*) from app_tokens").fetchone()[0])'
> no tokens for app 'web' of organisation 'acme'
> 0
? 0

# a store made before app tokens (schema 1) gets the table when opened, and keeps its data
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth tenant add acme > /dev/null
+ natsauth tenant app add acme web > /dev/null
+ python3 -c 'import sqlite3; d=sqlite3.connect("s.db"); d.executescript("DROP TABLE app_tokens; PRAGMA user_version=1;"); d.close()'
+ natsauth tenant app token acme web | head -1 | cut -d' ' -f1,4-
+ python3 -c 'import sqlite3; d=sqlite3.connect("s.db"); print(d.execute("PRAGMA user_version").fetchone()[0], d.execute("select count(*) from app_tokens").fetchone()[0])'
> created for app 'web' of organisation 'acme' (expires never); it is shown only now:
> 2 1
? 0
