# natsauth push / pull: what they refuse before and while connecting. The
# server side (updates, deletions, pulls) is tests/integration/test_store_server.c.
# Port 1 on 127.0.0.1 has no server. Format: see tests/cli/run_cli_tests.py.

# help comes from the command table
$ natsauth push --help
* usage: natsauth push [--server URL] [--json] [ACCOUNT...]
* --timeout DURATION
? 0

$ natsauth pull --help
* usage: natsauth pull [--server URL] [--dry-run] [--json]
? 0

# no store: nothing is created
$ natsauth --store none.db push --server nats://127.0.0.1:1 || ls none.db
! natsauth: store 'none.db' does not exist
! cannot access 'none.db'
? 2

# an unknown account is named before any connection is tried
$ natsauth --store s.db init > /dev/null
+ natsauth --store s.db push --server nats://127.0.0.1:1 SYS NOPE
! natsauth: account 'NOPE' not found in store 's.db'
? 1

# no server: the error names the URL and who we tried to connect as
$ natsauth --store s.db init > /dev/null
+ natsauth --store s.db push --server nats://127.0.0.1:1
! natsauth: cannot connect to 'nats://127.0.0.1:1' as user 'sys' (U
! of system account 'SYS': No server available for connection
? 1

# --json prints nothing when nothing was pushed
$ natsauth --store s.db init > /dev/null
+ natsauth --store s.db push --json -s nats://127.0.0.1:1
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

# NATS_URL is the default server
$ natsauth --store s.db init > /dev/null
+ NATS_URL=nats://127.0.0.1:1 natsauth --store s.db push
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

$ natsauth --store s.db init > /dev/null
+ NATS_URL=nats://127.0.0.1:1 natsauth --store s.db pull
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

# usage errors
$ natsauth push --timeout soon
! natsauth: push: --timeout 'soon' is not a duration of 1s to 1h (e.g. 30s, 2m)
? 2

$ natsauth pull --timeout 0
! natsauth: pull: --timeout '0' is not a duration of 1s to 1h (e.g. 30s, 2m)
? 2

$ natsauth push --bogus
! natsauth: push: unknown option '--bogus'
? 2

$ natsauth pull SYS
! natsauth: pull: unexpected argument 'SYS'
? 2
