# natsauth import-nsc: an nsc store (built by fixtures/nsc-tree.sh from the reference
# tokens and seeds, the way nsc writes it) into a natsauth store, all or nothing.
# The tree: operator O, accounts A (signing key ask) and B (no seed), users alice
# (signed by A) and bob (signed by ask).

# the operator directory, its keys, into a new store file
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db
> imported operator 'O' from 'n/stores/O' into store 's.db': 2 accounts, 2 users, 1 signing key, 5 seeds
! natsauth: warning: no seed in 'n/keys' for 1 of 2 accounts (first: B)
? 0

# the store file it creates is 0600
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && stat -c %a s.db
> 600
? 0

# --json, and the natsauth store from the global --store
$ sh nsc-tree.sh && natsauth --store s.db import-nsc --store n/stores/O --keys n/keys --json 2>/dev/null
> {"store":"s.db","operator":"O","from":"n/stores/O","accounts":2,"users":2,"signing_keys":1,"seeds":5,"unchanged":0}
? 0

# ... or from NATSAUTH_STORE
$ sh nsc-tree.sh && NATSAUTH_STORE=env.db natsauth import-nsc --store n/stores/O --keys n/keys 2>/dev/null && test -f env.db && echo env
> imported operator 'O' from 'n/stores/O' into store 'env.db': 2 accounts, 2 users, 1 signing key, 5 seeds
> env
? 0

# the stores directory holding one operator, or nsc's data directory holding stores/
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores --keys n/keys --into a.db 2>/dev/null && natsauth import-nsc --store n --keys n/keys --into b.db 2>/dev/null
> imported operator 'O' from 'n/stores/O' into store 'a.db': 2 accounts, 2 users, 1 signing key, 5 seeds
> imported operator 'O' from 'n/stores/O' into store 'b.db': 2 accounts, 2 users, 1 signing key, 5 seeds
? 0

# --operator picks one of several operators; a stores directory with two needs it
$ sh nsc-tree.sh && mkdir -p n/stores/P && printf '{"managed":false,"name":"P","kind":"operator","version":"1"}' > n/stores/P/.nsc && natsauth import-nsc --store n/stores --keys n/keys --into s.db
! natsauth: 'n/stores' holds 2 nsc operators ('O', 'P'): choose one
? 1

$ sh nsc-tree.sh && mkdir -p n/stores/P && printf '{"managed":false,"name":"P","kind":"operator","version":"1"}' > n/stores/P/.nsc && natsauth import-nsc --store n/stores --keys n/keys --operator O --into s.db 2>/dev/null
> imported operator 'O' from 'n/stores/O' into store 's.db': 2 accounts, 2 users, 1 signing key, 5 seeds
? 0

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores --operator X --into s.db; test ! -e s.db && echo clean
> clean
! natsauth: no nsc operator 'X' in 'n/stores'
? 0

# the JWTs are kept byte for byte: exporting the store gives the nsc tree back
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && diff -r n/stores out/stores && diff -r n/keys/keys out/keys/keys && echo same
> same
? 0

# without --keys: JWTs only, and a warning says so
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --into s.db && natsauth --store s.db export-nsc out >/dev/null && find out/keys -name '*.nk' | wc -l
> imported operator 'O' from 'n/stores/O' into store 's.db': 2 accounts, 2 users, 1 signing key, 0 seeds
> 0
! natsauth: warning: no nsc keys directory: importing JWTs without seeds
? 0

# a user's seed is also found in its .creds file
$ sh nsc-tree.sh && rm n/keys/keys/U/AL/*.nk && mkdir -p n/keys/creds/O/A && cp alice.creds n/keys/creds/O/A/ && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null && natsauth --store s.db export-nsc out >/dev/null && cmp out/keys/creds/O/A/alice.creds alice.creds && echo same
> imported operator 'O' from 'n/stores/O' into store 's.db': 2 accounts, 2 users, 1 signing key, 5 seeds
> same
? 0

# a second import: strict refuses; idempotent finds everything identical
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db
! natsauth: store 's.db' already holds operator 'O' (ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4): an nsc import fills an empty store (with --conflict idempotent it adds only what is missing)
? 1

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth import-nsc --conflict idempotent --store n/stores/O --keys n/keys --into s.db 2>/dev/null
> imported operator 'O' from 'n/stores/O' into store 's.db': 0 accounts, 0 users, 0 signing keys, 0 seeds
> 5 already in the store unchanged
? 0

# idempotent adds what is new (an account nsc added since) and names what differs
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && mkdir n/stores/O/accounts/B2 && mv n/stores/O/accounts/B/B.jwt n/stores/O/accounts/B2/B2.jwt && rmdir n/stores/O/accounts/B && NATSAUTH_CONFLICT=idempotent natsauth import-nsc --store n/stores/O --keys n/keys --into s.db
! natsauth: account 'B2' (ADEFHLIPBTJLMGNOVEWO5RH5K2RE2ZEZ2WCM46JFPZC47WATTNQKOXGS) is 'B' in store 's.db'
? 1

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && cp alice-exp.jwt n/stores/O/accounts/A/users/alice.jwt && natsauth import-nsc --conflict idempotent --store n/stores/O --keys n/keys --into s.db
! natsauth: user 'alice' (UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47) differs between the nsc store and store 's.db'
? 1

# a store of another operator is never mixed with this one
$ sh nsc-tree.sh && natsauth --store s.db init --operator OTHER >/dev/null && natsauth import-nsc --conflict idempotent --store n/stores/O --keys n/keys --into s.db
! natsauth: store 's.db' holds operator 'OTHER'
? 1

# all or nothing: a broken file fails the import and a new store file is removed
$ sh nsc-tree.sh && cp alice-tampered.jwt n/stores/O/accounts/A/users/alice.jwt && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db; test ! -e s.db && echo clean
> clean
! natsauth: 'n/stores/O/accounts/A/users/alice.jwt':
? 0

# ... and a store that existed keeps what it had: the seeds stored before the bad
# one are rolled back too
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --into s.db >/dev/null 2>&1 && cp bob.seed n/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk && natsauth import-nsc --conflict idempotent --store n/stores/O --keys n/keys --into s.db; python3 -c "import sqlite3; print(sqlite3.connect('s.db').execute('select count(*) from keys').fetchone()[0])"
> 0
! natsauth: 'n/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk' holds the seed of another key, not of 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47'
? 0

# a user filed under an account that did not sign it
$ sh nsc-tree.sh && mkdir -p n/stores/O/accounts/B/users && cp n/stores/O/accounts/A/users/alice.jwt n/stores/O/accounts/B/users/ && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db
! natsauth: user 'alice' ('n/stores/O/accounts/B/users/alice.jwt') is issued by 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I', not by account 'B' (ADEFHLIPBTJLMGNOVEWO5RH5K2RE2ZEZ2WCM46JFPZC47WATTNQKOXGS) it is filed under
? 1

# not an nsc store
$ natsauth import-nsc --store nowhere --into s.db; test ! -e s.db && echo clean
> clean
! natsauth: nsc store directory 'nowhere' does not exist
? 0

$ mkdir empty && natsauth import-nsc --store empty --into s.db
! natsauth: no nsc operator in 'empty' (want an operator directory holding .nsc, or a stores directory holding one)
? 1

$ sh nsc-tree.sh && printf '{"name":"O","kind":"account"}' > n/stores/O/.nsc && natsauth import-nsc --store n/stores/O --into s.db
! natsauth: 'n/stores/O/.nsc' does not describe an operator (kind 'account')
? 1

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys nokeys --into s.db
! natsauth: nsc keys directory 'nokeys' does not exist
? 1

# usage errors
$ natsauth import-nsc --keys n/keys
! natsauth: import-nsc: --store DIR (the nsc store) is required
? 2

$ natsauth import-nsc --store n/stores/O extra
! natsauth: import-nsc: unexpected argument 'extra'
? 2

$ natsauth import-nsc --store n --conflict sometimes
! natsauth: import-nsc: --conflict 'sometimes' is not a conflict policy (strict or idempotent)
? 2

$ natsauth import-nsc --help
* usage: natsauth import-nsc --store DIR [--keys DIR] [--operator NAME] [--into PATH]
? 0
