# Store commands, across nouns: a missing store, sealed stores, one transaction per
# command, global options, natsauth store path|seal|unseal.

# every store command refuses a store that does not exist (only init creates one)
$ for c in "operator show" "account list" "account add A" "sk list A" "user list" "user add A u" "export add A x" "import add A --from B x" "creds A u" "mint A --name n --expiry 1m" "config --resolver memory" "tenant list" "store seal"; do natsauth --store s.db $c 2>&1; echo "rc=$?"; done | sort | uniq -c | sed 's/^ *//'
> 13 natsauth: store 's.db' does not exist (run 'natsauth init' first)
> 13 rc=1
? 0

# ... and none of them creates it
$ natsauth --store s.db account add A; test ! -e s.db && echo absent
! natsauth: store 's.db' does not exist (run 'natsauth init' first)
> absent
? 0

# a file that is not a store
$ echo hello > bad.db && natsauth --store bad.db account list
! natsauth: 
! bad.db
? 1

# one command, one transaction: a failure later in the command undoes the earlier part
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth operator show --json > before.json
+ natsauth operator edit --sk-add --service-url nats://x:4222 --sk-rm OBOGUS || echo "rc=$?"
+ natsauth operator show --json | cmp - before.json && echo untouched
> rc=1
> untouched
! natsauth: operator signing key 'OBOGUS' not found in store 's.db'
? 0

# a sealed store: reading needs no passphrase, signing does
$ export NATSAUTH_STORE=s.db; NATSAUTH_PASSPHRASE=pw natsauth init --seal --account A > /dev/null
+ natsauth account list | tail -n +2 | cut -c1-3
+ natsauth account add B || echo "rc=$?"
+ NATSAUTH_PASSPHRASE=nope natsauth account add B || echo "rc=$?"
+ NATSAUTH_PASSPHRASE=pw natsauth account add B | cut -c1-19
> A  
> SYS
> rc=1
> rc=1
> created account 'B'
! natsauth: store 's.db' is sealed: set NATSAUTH_PASSPHRASE (or run on a terminal to be asked for it)
! natsauth: wrong passphrase for store 's.db'
? 0

# every signing command asks for the passphrase of a sealed store
$ export NATSAUTH_STORE=s.db; NATSAUTH_PASSPHRASE=pw natsauth init --seal --account A --account B > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth user add A u > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth export add A x > /dev/null
+ for c in "operator edit --sk-add" "account edit A --conn 1" "account rm B" "account revoke A --all-before now" "sk add A" "user add A v" "user edit A u --tag x" "user revoke A u" "user rm A u" "export add A y" "import add B --from A x" "creds A u" "mint A --name n --expiry 1m" "tenant add o"; do natsauth $c 2>&1 || echo "rc=$?"; done | sort | uniq -c | sed 's/^ *//'
> 14 natsauth: store 's.db' is sealed: set NATSAUTH_PASSPHRASE (or run on a terminal to be asked for it)
> 14 rc=1
? 0

# store path; seal and unseal an existing store
$ natsauth --store x/s.db store path && natsauth store path --store y.db --json
> x/s.db
> {"path":"y.db","exists":false}
? 0

$ NATSAUTH_STORE=e.db natsauth store path
> e.db
? 0

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth store seal
+ NATSAUTH_PASSPHRASE=pw natsauth store seal
+ natsauth user add A v || echo "rc=$?"
+ NATSAUTH_PASSPHRASE=pw natsauth creds A u | grep -c SEED
+ natsauth store unseal || echo "rc=$?"
+ NATSAUTH_PASSPHRASE=pw natsauth store unseal --json
+ natsauth store unseal
+ natsauth creds A u | grep -c SEED
> store 's.db' sealed: its seeds are encrypted with the passphrase
> unchanged: store 's.db' is already sealed
> rc=1
> 2
> rc=1
> {"path":"s.db","sealed":false,"changed":true}
> unchanged: store 's.db' is not sealed
> 2
! natsauth: store 's.db' is sealed: set NATSAUTH_PASSPHRASE (or run on a terminal to be asked for it)
? 0

# no seed is stored in the clear in a sealed store
$ export NATSAUTH_STORE=s.db; NATSAUTH_PASSPHRASE=pw natsauth init --seal --account A > /dev/null
+ NATSAUTH_PASSPHRASE=pw natsauth user add A u > /dev/null
+ python3 -c 'import sqlite3; print(sorted(set((s, bytes(b[:1]) == b"S") for s, b in sqlite3.connect("s.db").execute("SELECT sealed, seed FROM keys"))))'
> [(1, False)]
? 0

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth store seal
! natsauth: sealing store 's.db' needs a passphrase: set NATSAUTH_PASSPHRASE
? 1

$ natsauth store
! natsauth: store: missing command
? 2

$ natsauth store --help
* path
* seal
* unseal
? 0

# global options: before the command; a bad one is a usage error
$ natsauth --conflict bogus --store s.db init
! natsauth: init: --conflict 'bogus' is not a conflict policy (strict or idempotent)
? 2

$ natsauth --conflict
! natsauth: option '--conflict' needs an argument
? 2

$ natsauth --store=s.db init > /dev/null && natsauth --conflict=idempotent --store=s.db account add A > /dev/null && natsauth --conflict=idempotent --store=s.db account add A
~ unchanged: account 'A' \(A[A-Z2-7]{55}\)
? 0

# global options before a command that does not use the store are harmless
$ natsauth --store s.db version
> natsauth 0.1.0
? 0

# the help lists the store commands and the global options
$ natsauth help
* init
* operator
* account
* sk
* user
* export
* import
* mint
* config
* tenant
* --store PATH (before or after the command)
* NATSAUTH_STORE
* NATSAUTH_PASSPHRASE
* NATSAUTH_CONFLICT
? 0

# every store command has --help
$ for c in init "operator show" "operator edit" "account add" "account edit" "account show" "account list" "account rm" "account revoke" "sk add" "sk list" "sk rm" "user add" "user edit" "user show" "user list" "user rm" "user revoke" "export add" "export rm" "import add" "import rm" mint config "tenant add" "tenant rm" "tenant list" "tenant app add" "tenant app rm" "tenant member add" "tenant member rm" "store path" "store seal" "store unseal"; do natsauth $c --help | head -1 | cut -d' ' -f1-2; done | sort | uniq -c | sed 's/^ *//'
> 34 usage: natsauth
? 0

# --json is accepted by every store command that prints a report
$ for c in init "operator show" "operator edit" "account add" "account edit" "account show" "account list" "account rm" "account revoke" "sk add" "sk list" "sk rm" "user add" "user edit" "user show" "user list" "user rm" "user revoke" "export add" "export rm" "import add" "import rm" mint config "tenant add" "tenant rm" "tenant list" "tenant app add" "tenant app rm" "tenant member add" "tenant member rm" "store path" "store seal" "store unseal" creds; do natsauth $c --help | grep -cE '^ +--json +'; done | sort | uniq -c | sed 's/^ *//'
> 35 1
? 0

# on a terminal the passphrase is asked for, without echo (twice to seal)
$ export NATSAUTH_STORE=s.db; python3 store-tty.py hunter22 hunter22 -- natsauth init --seal --account A > out.txt
+ grep -v created out.txt
+ python3 store-tty.py hunter22 -- natsauth account add B > out2.txt
+ grep -c "created account 'B'" out2.txt
+ python3 store-tty.py wrong -- natsauth account add C || echo "rc=$?"
+ cat out.txt out2.txt | grep -c hunter22 || true
~ natsauth: passphrase for store 's.db': ?
~ natsauth: the same passphrase again: ?
> store 's.db' initialised
> 1
~ natsauth: passphrase for store 's.db': ?
> natsauth: wrong passphrase for store 's.db'
> rc=1
> 0
? 0

$ python3 store-tty.py one two -- natsauth --store s.db init --seal || test ! -e s.db && echo gone
~ natsauth: passphrase for store 's.db': ?
~ natsauth: the same passphrase again: ?
> natsauth: the passphrases differ
> gone
? 0

# the audit log names the command behind every change, creds read and mint
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth user add A u --tag x > /dev/null
+ natsauth user show A u > /dev/null
+ natsauth creds A u > /dev/null
+ natsauth mint A --name m --expiry 1m > /dev/null 2>&1
+ natsauth account add A || true
+ python3 -c 'import sqlite3; [print(c) for (c,) in sqlite3.connect("s.db").execute("SELECT command FROM audit GROUP BY command ORDER BY min(rowid)")]'
> init --account A
> user add A u --tag x
> creds A u
> mint A --name m --expiry 1m
! natsauth: account 'A' already exists in store 's.db'
? 0
