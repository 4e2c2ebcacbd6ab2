# natsauth creds ACCOUNT USER (the store form of creds) and natsauth mint.
# These print seeds when asked: such cases are marked allow-seed.

# creds of a stored user on stdout: a .creds file whose seed is the user's
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pub"])' > pub
+ natsauth creds A u > u.creds && chmod 600 u.creds
+ grep -c -e '-----BEGIN NATS USER JWT-----' -e '-----BEGIN USER NKEY SEED-----' u.creds
+ natsauth keys pub u.creds | cmp - pub && echo same-key
> 2
> same-key
? 0

# the creds verify against the account, which verifies against the operator
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth creds A u -o u.creds
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth operator show --json | python3 -c 'import json,sys; open("o.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --operator o.jwt --account a.jwt u.creds | grep -e '^\[verify\]' -e chain | sed 's/ at [0-9]*//'
> [verify] ok
> chain:      ok
? 0

# printing them is what was asked for
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth creds A u
* -----BEGIN NATS USER JWT-----
* -----BEGIN USER NKEY SEED-----
? 0
@ allow-seed

# -o: a 0600 file, replacing an existing one atomically, nothing on stdout
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ echo old > u.creds && chmod 644 u.creds
+ natsauth creds A u -o u.creds
+ stat -c %a u.creds && ! ls -a | grep -q tmp && grep -c SEED u.creds
> 600
> 2
? 0

# --json: with -o it names the file; without, it holds the creds
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth creds A u -o u.creds --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d), d["account"], d["user"], d["file"], d["expires"])'
> ['account', 'expires', 'file', 'pub', 'user'] A u u.creds 0
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ natsauth creds A u --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d), "SEED" in d["creds"])'
> ['account', 'creds', 'expires', 'pub', 'user'] True
? 0

# the old form still works next to the store form
$ natsauth creds --jwt alice.jwt --seed user.seed | cmp - alice.creds && echo same
> same
? 0

# errors: unknown account/user (named, with the store), mixed forms, one argument
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth creds A nobody
! natsauth: user 'nobody' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth creds NOPE u
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ natsauth --store s.db creds A u
! natsauth: store 's.db' does not exist (run 'natsauth init' first)
? 1

$ natsauth creds A u --jwt alice.jwt
! natsauth: creds: unexpected argument 'A' (ACCOUNT USER is the store form, without --jwt/--seed)
? 2

$ natsauth creds A
! natsauth: creds: the store form needs ACCOUNT USER
? 2

$ natsauth creds --jwt alice.jwt --seed user.seed --store s.db
! natsauth: creds: --store applies to the store form (creds ACCOUNT USER)
? 2

$ natsauth creds A u v
! natsauth: creds: unexpected argument 'v'
? 2

# a sealed store needs the passphrase to read a seed
$ export NATSAUTH_STORE=s.db; NATSAUTH_PASSPHRASE=pw natsauth init --seal --account A > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth user add A u > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth creds A u | grep -c SEED
+ natsauth creds A u
> 2
! natsauth: store 's.db' is sealed: set NATSAUTH_PASSPHRASE (or run on a terminal to be asked for it)
? 1

$ export NATSAUTH_STORE=s.db; NATSAUTH_PASSPHRASE=pw natsauth init --seal --account A > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth user add A u > /dev/null
+ NATSAUTH_PASSPHRASE=wrong natsauth creds A u
! natsauth: wrong passphrase for store 's.db'
? 1

$ natsauth creds --help
* --jwt FILE --seed FILE [-o OUT] | ACCOUNT USER [-o OUT]
* --store PATH
? 0

# ---- mint ----

# short-lived creds, signed by an account signing key (issuer_account), that verify
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth mint A --name temp --allow-pub 'a.>' --allow-sub b --allow-pubsub c --expiry 30m > t.creds
+ natsauth decode --json t.creds | python3 -c 'import json,sys; c=json.load(sys.stdin)["claims"]; n=c["nats"]; print(c["name"], c["exp"] - c["iat"], n["pub"], n["sub"], len(n["issuer_account"]))'
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth decode --verify --account a.jwt t.creds | grep chain
+ natsauth user list A
> temp 1800 {'allow': ['a.>', 'c']} {'allow': ['b', 'c']} 56
> chain:      ok
> account 'A' has no users
? 0

# an account without a signing key gets one (a warning says to push it)
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth mint A --name t --expiry 1m -o t.creds
+ stat -c %a t.creds
+ natsauth sk list A --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
+ natsauth mint A --name t --expiry 1m -o t2.creds
> 600
> 1
! natsauth: warning: account 'A' had no signing key: one was created to sign minted users; push the account so that servers accept them
? 0

# --json: public key, expiry and the creds (or the file)
$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth mint A --name t --expiry 1h --json | python3 -c 'import json,sys,time; d=json.load(sys.stdin); print(sorted(d), d["name"], abs(d["expires"] - time.time() - 3600) < 5, d["pub"][0])'
+ natsauth mint A --name t --expiry 1h --json -o t.creds | python3 -c 'import json,sys; print(json.load(sys.stdin)["file"])'
> ['account', 'creds', 'expires', 'name', 'pub'] t True U
> t.creds
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A --signing-keys > /dev/null
+ natsauth mint A --name t --expiry 5m
* -----BEGIN USER NKEY SEED-----
? 0
@ allow-seed

# mint errors
$ natsauth mint A --expiry 5m
! natsauth: mint: --name is required
? 2

$ natsauth mint A --name t
! natsauth: mint: --expiry is required (like 30m)
? 2

$ natsauth mint A --name t --expiry forever
! natsauth: mint: --expiry 'forever' is not a duration (like 90s, 30m, 1h, 2d)
? 2

$ natsauth mint --name t --expiry 1m
! natsauth: mint: missing argument
? 2

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth mint NOPE --name t --expiry 1m
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ natsauth mint --help
* --name NAME
* --expiry DUR
* --allow-pubsub SUBJECT...
? 0
