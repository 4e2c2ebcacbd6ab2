# natsauth export-nsc: the store in nsc's layout. The deterministic cases import the
# nsc tree of fixtures/nsc-tree.sh first (reference keys: operator O, accounts A and
# B, users alice and bob), then export it again.

# what it prints, and how nsc is pointed at it
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out
> exported operator 'O' to 'out/stores/O': 2 accounts, 2 users, 1 signing key
> wrote 5 seeds and 2 creds files to 'out/keys'
> nsc reads it with: nsc --data-dir 'out/stores' --keystore-dir 'out/keys' env -o 'O'
? 0

# the layout, file by file: JWTs under stores/<op>, seeds sharded by pk[1:3],
# creds under creds/<op>/<account>; files 0600, directories 0700
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && find out -mindepth 1 -printf '%m %P\n' | sort -k2
> 700 keys
> 600 keys/.gitignore
> 700 keys/creds
> 700 keys/creds/O
> 700 keys/creds/O/A
> 600 keys/creds/O/A/alice.creds
> 600 keys/creds/O/A/bob.creds
> 700 keys/keys
> 700 keys/keys/A
> 700 keys/keys/A/CQ
> 600 keys/keys/A/CQ/ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I.nk
> 700 keys/keys/A/DD
> 600 keys/keys/A/DD/ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I.nk
> 700 keys/keys/O
> 700 keys/keys/O/DI
> 600 keys/keys/O/DI/ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4.nk
> 700 keys/keys/U
> 700 keys/keys/U/A2
> 600 keys/keys/U/A2/UA2LJWIEGFLMW3OPBPVQUKKJW5KZZFANFPFW3PUMKOU3GATY4OTUNWQG.nk
> 700 keys/keys/U/AL
> 600 keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk
> 700 stores
> 700 stores/O
> 600 stores/O/.nsc
> 600 stores/O/O.jwt
> 700 stores/O/accounts
> 700 stores/O/accounts/A
> 600 stores/O/accounts/A/A.jwt
> 700 stores/O/accounts/A/users
> 600 stores/O/accounts/A/users/alice.jwt
> 600 stores/O/accounts/A/users/bob.jwt
> 700 stores/O/accounts/B
> 600 stores/O/accounts/B/B.jwt
? 0

# .nsc is nsc's store.Info as json.Marshal writes it (no newline)
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && cat out/stores/O/.nsc && echo && od -c out/stores/O/.nsc | tail -2 | head -1
> {"managed":false,"name":"O","kind":"operator","version":"1"}
~ .*"   \}$
? 0

# JWT files are the raw tokens; .nk files the bare seed (no newline); .creds exactly
# what `natsauth creds` (jwt.FormatUserConfig) writes
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && tr -d '\n' < op.jwt | cmp - out/stores/O/O.jwt && tr -d '\n' < user.seed | cmp - out/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk && cmp alice.creds out/keys/creds/O/A/alice.creds && echo same
> same
? 0

# the .gitignore nsc writes in its keys directory
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && cat out/keys/.gitignore
> # ignore all nk files 
> **/*.nk
>
> # ignore all creds files
> **/*.creds
? 0

# --json
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out --json
> {"operator":"O","dir":"out/stores/O","stores":"out/stores","keys":"out/keys","accounts":2,"users":2,"signing_keys":1,"seeds":5,"creds":2}
? 0

# --no-keys writes only JWTs; --no-creds seeds but no creds; --keys elsewhere
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out --no-keys && test ! -e out/keys && echo nokeys
> exported operator 'O' to 'out/stores/O': 2 accounts, 2 users, 1 signing key
> nsc reads it with: nsc --data-dir 'out/stores' env -o 'O'
> nokeys
? 0

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out --no-creds --keys k2 >/dev/null && test ! -e out/keys && test ! -e k2/creds/O && find k2 -name '*.nk' | wc -l
> 5
? 0

# into nsc's own data directory, next to another operator: only additions, and a
# key file already there with the same seed is fine
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && mkdir -p home/stores/OTHER home/keys/keys/O/DI && echo x > home/stores/OTHER/.nsc && cp n/keys/keys/O/DI/*.nk home/keys/keys/O/DI/ && natsauth --store s.db export-nsc home --json && ls home/stores && cat home/stores/OTHER/.nsc
> {"operator":"O","dir":"home/stores/O","stores":"home/stores","keys":"home/keys","accounts":2,"users":2,"signing_keys":1,"seeds":4,"creds":2}
> O
> OTHER
> x
? 0

# never overwrites: an existing operator directory, a key file with another seed
$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && natsauth --store s.db export-nsc out >/dev/null && natsauth --store s.db export-nsc out
! natsauth: nsc operator directory 'out/stores/O' already exists (export-nsc does not merge into or replace an nsc store)
? 1

$ sh nsc-tree.sh && natsauth import-nsc --store n/stores/O --keys n/keys --into s.db 2>/dev/null >/dev/null && mkdir -p out/keys/keys/U/AL && cp bob.seed out/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk && natsauth --store s.db export-nsc out; find out | sort
> out
> out/keys
> out/keys/keys
> out/keys/keys/U
> out/keys/keys/U/AL
> out/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk
! natsauth: 'out/keys/keys/U/AL/UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47.nk' exists with other contents (not overwriting it)
? 0

# a store made by natsauth itself: export, import the export into a new store,
# export that: the same tree, byte for byte
$ natsauth --store s.db init --operator ACME --account APP --signing-keys >/dev/null && natsauth --store s.db export-nsc out >/dev/null && natsauth import-nsc --store out/stores/ACME --keys out/keys --into s2.db >/dev/null && natsauth --store s2.db export-nsc out2 >/dev/null && diff -r out out2 && ls out/stores/ACME/accounts && ls out/keys/creds/ACME/SYS
> APP
> SYS
> sys.creds
? 0

# names that cannot be nsc file names are refused, and nothing is written
$ natsauth --store s.db init --operator ACME >/dev/null && natsauth --store s.db account add 'a/b' >/dev/null && natsauth --store s.db export-nsc out; test ! -e out && echo nothing
> nothing
! natsauth: account name 'a/b' contains '/' and cannot be an nsc file name
? 0

# a store without an operator, a missing store
$ natsauth --store nope.db export-nsc out
! natsauth: store 'nope.db' does not exist (run 'natsauth init' first)
? 1

# usage errors
$ natsauth export-nsc
! natsauth: export-nsc: missing argument
? 2

$ natsauth export-nsc out --no-keys --keys k
! natsauth: export-nsc: --no-keys cannot be combined with --keys or --no-creds
? 2

$ natsauth export-nsc --help
* usage: natsauth export-nsc DIR [--keys KEYSDIR | --no-keys] [--no-creds]
? 0
