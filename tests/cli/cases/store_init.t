# natsauth init: create a store (operator, system account + "sys" user, accounts,
# signing keys); re-runs create only what is missing. Keys are random: `~` lines.
# Format: see tests/cli/run_cli_tests.py (`+` continues a case's script).

# a new store: operator, system account with its user, and the named accounts
$ natsauth --store ./s.db init --account A --account B
~ created operator 'natsauth' \(O[A-Z2-7]{55}\)
~ created system account 'SYS' \(A[A-Z2-7]{55}\)
~ created account 'A' \(A[A-Z2-7]{55}\)
~ created account 'B' \(A[A-Z2-7]{55}\)
~ created user 'sys' in account 'SYS' \(U[A-Z2-7]{55}\)
> store './s.db' initialised
? 0

# the store file and its directory are private
$ natsauth --store ./d/sub/s.db init > /dev/null && stat -c %a d/sub/s.db d/sub
> 600
> 700
? 0

# --store may follow the command too, and NATSAUTH_STORE names it when neither is given
$ natsauth init --store s.db --operator acme --system-account SYSTEM
~ created operator 'acme' \(O[A-Z2-7]{55}\)
~ created system account 'SYSTEM' \(A[A-Z2-7]{55}\)
~ created user 'sys' in account 'SYSTEM' \(U[A-Z2-7]{55}\)
> store 's.db' initialised
? 0

$ NATSAUTH_STORE=env.db natsauth init > /dev/null && ls env.db
> env.db
? 0

# the global --store wins over NATSAUTH_STORE, a command's --store over both
$ NATSAUTH_STORE=env.db natsauth --store g.db init > /dev/null && natsauth --store g.db init --store c.db > /dev/null && ls *.db
> c.db
> g.db
? 0

# --signing-keys: the operator and each named account get one (the system account does not)
$ natsauth --store s.db init --account A --signing-keys
~ created operator 'natsauth' \(O[A-Z2-7]{55}\)
~ created operator signing key O[A-Z2-7]{55}
~ created system account 'SYS' \(A[A-Z2-7]{55}\)
~ created account 'A' \(A[A-Z2-7]{55}\)
~ created signing key A[A-Z2-7]{55} of account 'A'
~ created user 'sys' in account 'SYS' \(U[A-Z2-7]{55}\)
> store 's.db' initialised
? 0

# init twice: "nothing to do", and every JWT stays byte-identical
$ natsauth --store s.db init --account A --signing-keys > /dev/null
+ natsauth --store s.db operator show --json > op1.json
+ natsauth --store s.db account show A --json > a1.json
+ natsauth --store s.db account show SYS --json > sys1.json
+ natsauth --store s.db init --account A --signing-keys
+ natsauth --store s.db init
+ natsauth --store s.db operator show --json | cmp - op1.json
+ natsauth --store s.db account show A --json | cmp - a1.json
+ natsauth --store s.db account show SYS --json | cmp - sys1.json && echo unchanged
> nothing to do: store 's.db' already initialised
> nothing to do: store 's.db' already initialised
> unchanged
? 0

# a re-run adds only what is missing: a new account, missing signing keys
$ natsauth --store s.db init --account A > /dev/null
+ natsauth --store s.db init --account A --account B --signing-keys
~ created operator signing key O[A-Z2-7]{55}
~ created account 'B' \(A[A-Z2-7]{55}\)
~ created signing key A[A-Z2-7]{55} of account 'A'
~ created signing key A[A-Z2-7]{55} of account 'B'
> store 's.db' updated
? 0

# --json lists what was created; a re-run has an empty list
$ natsauth --store s.db init --json --account A | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["store"], d["changed"], [(c["kind"], c.get("name"), c.get("system")) for c in d["created"]])'
+ natsauth --store s.db init --json --account A
> s.db True [('operator', 'natsauth', None), ('account', 'SYS', True), ('account', 'A', False), ('user', 'sys', None)]
> {"store":"s.db","changed":false,"created":[]}
? 0

# another operator name than the store's is an error naming both
$ natsauth --store s.db init > /dev/null
+ natsauth --store s.db init --operator other
! natsauth: store 's.db' already holds operator 'natsauth', not 'other'
? 1

$ natsauth --store s.db init > /dev/null
+ natsauth --store s.db init --system-account OTHER
! already has system account 'SYS', not 'OTHER'
? 1

# a failed init leaves no store file behind
$ natsauth --store new.db init --account "$(printf 'a\tb')" || test ! -e new.db && echo gone
! natsauth: account name 'a?b' contains a control character
> gone
? 0

$ natsauth --store s.db init --operator ''
! natsauth: init: --operator needs a name
? 2

$ natsauth init --store
! option '--store' needs an argument (PATH)
? 2

$ natsauth --store
! natsauth: option '--store' needs an argument
? 2

$ natsauth init extra
! natsauth: init: unexpected argument 'extra'
? 2

# the store path must be a file
$ mkdir dir.db && natsauth --store dir.db init
! natsauth: store 'dir.db' is not a regular file
? 1

# --seal: a new store whose seeds are encrypted with NATSAUTH_PASSPHRASE
$ NATSAUTH_PASSPHRASE=secret natsauth --store s.db init --seal --account A | tail -1
+ natsauth --store s.db store unseal || echo "rc=$?"
+ NATSAUTH_PASSPHRASE=secret natsauth --store s.db account add B
> store 's.db' initialised
> rc=1
~ created account 'B' \(A[A-Z2-7]{55}\)
! natsauth: store 's.db' is sealed: set NATSAUTH_PASSPHRASE (or run on a terminal to be asked for it)
? 0

# --seal on an initialised, unsealed store points at 'store seal'
$ natsauth --store s.db init > /dev/null
+ NATSAUTH_PASSPHRASE=x natsauth --store s.db init --seal
! natsauth: store 's.db' is already initialised: seal it with 'natsauth store seal'
? 1

# --seal without a passphrase and without a terminal
$ natsauth --store s.db init --seal < /dev/null || test ! -e s.db && echo gone
! natsauth: sealing store 's.db' needs a passphrase: set NATSAUTH_PASSPHRASE
> gone
? 0

$ NATSAUTH_PASSPHRASE= natsauth --store s.db init --seal
! natsauth: NATSAUTH_PASSPHRASE is set but empty
? 1

# help
$ natsauth init --help
* usage: natsauth init [--operator NAME] [--account NAME]...
* --account NAME...
* --signing-keys
* --seal
* --json
? 0

$ natsauth help init
* usage: natsauth init
? 0

# without --store or NATSAUTH_STORE: $XDG_DATA_HOME/natsauth/store.db, else
# ~/.local/share/natsauth/store.db (HOME is the case's directory here)
$ natsauth init > /dev/null && natsauth store path | sed "s|$PWD|PWD|" && stat -c %a .local/share/natsauth/store.db
> PWD/.local/share/natsauth/store.db
> 600
? 0

$ XDG_DATA_HOME=$PWD/xdg natsauth init | tail -1 | sed "s|$PWD|PWD|"
> store 'PWD/xdg/natsauth/store.db' initialised
? 0
