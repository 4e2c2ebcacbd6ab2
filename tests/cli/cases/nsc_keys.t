# natsauth export-keys ACCOUNT --env FILE: an account signing key for minting users
# outside natsauth. The deterministic cases use the store imported from
# fixtures/nsc-tree.sh: account A with signing key ask (ask.seed).

# the .env file: exactly these lines, mode 0600; the seed never on stdout
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env && stat -c %a a.env && cat a.env
> wrote signing key ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I of account 'A' to 'a.env'
> 600
> # natsauth export-keys: a signing key of account 'A', for minting user JWTs
> # outside natsauth (issuer = the key, issuer_account = NATS_ACCOUNT).
> # This file holds a secret seed: keep it private.
> NATS_ACCOUNT_NAME=A
> NATS_ACCOUNT=ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I
> NATS_ACCOUNT_SIGNING_KEY=SAAFKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVMAMQ
> NATS_ACCOUNT_SIGNING_KEY_PUBLIC=ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I
? 0
@ allow-seed

# the file is usable as is: sourced by a shell, the seed signs a user that verifies
# against the account
$ natsauth --store s.db init --account APP --signing-keys >/dev/null && natsauth --store s.db export-keys APP --env app.env >/dev/null && . ./app.env && umask 077 && printf '%s' "$NATS_ACCOUNT_SIGNING_KEY" > sk.seed && natsauth keys gen user -o u.seed > u.pub && printf '{"sub":"%s","name":"minted","nats":{"issuer_account":"%s"}}' "$(cat u.pub)" "$NATS_ACCOUNT" | natsauth jwt sign --type user --seed sk.seed > u.jwt && natsauth keys pub sk.seed | grep -qx "$NATS_ACCOUNT_SIGNING_KEY_PUBLIC" && natsauth --store s.db export-nsc out --no-keys >/dev/null && natsauth decode --account out/stores/natsauth/accounts/APP/APP.jwt u.jwt | grep -c '^\[verify\] ok'
> 1
? 0

# --json names the key and the file, never the seed
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env --json
> {"account":"A","account_pub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","signing_key":"ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I","role":null,"file":"a.env"}
? 0

# --env - prints the file on stdout, because it was asked for explicitly
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env - | grep '^NATS_ACCOUNT_SIGNING_KEY='
> NATS_ACCOUNT_SIGNING_KEY=SAAFKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVMAMQ
? 0
@ allow-seed

# a key by public key (or role)
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env --signing-key ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I
> wrote signing key ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I of account 'A' to 'a.env'
? 0

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env --signing-key admin; test ! -e a.env && echo none
> none
! natsauth: account 'A' has no signing key 'admin' in store 's.db'
? 0

# each export is in the audit log (without the seed)
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env >/dev/null && python3 -c "import sqlite3; [print(r[0], '|', r[1]) for r in sqlite3.connect('s.db').execute(\"select command, entity from audit where entity like '%exported%'\")]"
> export-keys A --env a.env | signing key ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I of account A (ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I) exported to a.env
? 0

# an existing file is replaced only with --force
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && echo keep > a.env && natsauth --store s.db export-keys A --env a.env; cat a.env
> keep
! natsauth: 'a.env' already exists (--force replaces it)
? 0

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && echo keep > a.env && chmod 644 a.env && natsauth --store s.db export-keys A --env a.env --force >/dev/null && stat -c %a a.env && grep -c '^NATS_' a.env
> 600
> 4
? 0

# no signing key: an error that says how to add one; no file
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys B --env b.env; test ! -e b.env && echo none
> none
! natsauth: account 'B' has no signing key: add one with 'natsauth sk add B'
? 0

# a signing key without a seed in the store
$ sh nsc-tree.sh && rm n/keys/keys/A/DD/*.nk && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-keys A --env a.env
! natsauth: account 'A' has no plain signing key with a seed in store 's.db' (add one with 'natsauth sk add')
? 1

$ natsauth --store s.db init >/dev/null && natsauth --store s.db export-keys NOPE --env x.env
! natsauth: account 'NOPE' not found in store 's.db'
? 1

# usage errors
$ natsauth export-keys A
! natsauth: export-keys: --env FILE is required (- for stdout)
? 2

$ natsauth export-keys A --env - --json
! natsauth: export-keys: --json cannot be combined with --env - (both use stdout)
? 2

$ natsauth export-keys --env a.env
! natsauth: export-keys: missing argument
? 2

$ natsauth export-keys --help
* usage: natsauth export-keys ACCOUNT --env FILE [--signing-key PUB|ROLE] [--force]
? 0
