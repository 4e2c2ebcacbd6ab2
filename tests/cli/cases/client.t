# natsauth connect-test: usage errors, bad creds, passwords and tokens, and no
# server. The server side (allowed and refused publishes; --user/--password and
# --creds with --token through auth callout) is tests/integration/test_readme_demo.sh.
# Port 1 on 127.0.0.1 has no server. Format: see tests/cli/run_cli_tests.py.

# help comes from the command table
$ natsauth connect-test --help
* usage: natsauth connect-test [--server URL] [--creds FILE] [--user NAME --password FILE] [--token FILE] [--pub SUBJECT]... [--sub SUBJECT]... [--timeout DUR] [--json]
* --creds FILE
* --user NAME
* --password FILE
* --token FILE
* --timeout DUR
? 0

$ natsauth help connect-test
* usage: natsauth connect-test
? 0

# the command table lists it
$ natsauth help
* connect-test
? 0

# something to connect with is required: creds, a user and password, or a token
$ natsauth connect-test --server nats://127.0.0.1:1 --pub a.b
! natsauth: connect-test: give --creds FILE, --user NAME with --password FILE, or --token FILE (or --creds with --token or --password)
? 2

$ natsauth connect-test --creds ''
! natsauth: connect-test: --creds is empty (want a file, - or env:NAME)
? 2

$ natsauth connect-test --creds
! natsauth: connect-test: option '--creds' needs an argument (FILE)
? 2

$ natsauth connect-test --creds alice.creds --bogus
! natsauth: connect-test: unknown option '--bogus'
? 2

$ natsauth connect-test --creds alice.creds extra
! natsauth: connect-test: unexpected argument 'extra'
? 2

# subjects are checked before anything is read or tried
$ natsauth connect-test --creds missing.creds --pub 'orders.*'
! natsauth: connect-test: --pub 'orders.*': a publish subject cannot have wildcards
? 2

$ natsauth connect-test --creds alice.creds --pub 'a.>'
! natsauth: connect-test: --pub 'a.>': a publish subject cannot have wildcards
? 2

$ natsauth connect-test --creds alice.creds --sub 'a..b'
! natsauth: connect-test: --sub 'a..b': the subject has an empty token
? 2

$ natsauth connect-test --creds alice.creds --sub 'a.>.b'
! natsauth: connect-test: --sub 'a.>.b': '>' must be the last token
? 2

$ natsauth connect-test --creds alice.creds --sub 'a b'
! natsauth: connect-test: --sub 'a b': the subject has whitespace or control characters
? 2

$ natsauth connect-test --creds alice.creds --pub ''
! natsauth: connect-test: --pub '': the subject is empty
? 2

# --timeout is a Go-style duration of 1ms to 60s
$ natsauth connect-test --creds alice.creds --timeout soon
! natsauth: connect-test: --timeout 'soon' is not a duration of 1ms to 60s (e.g. 300ms, 2s)
? 2

$ natsauth connect-test --creds alice.creds --timeout 2m
! natsauth: connect-test: --timeout '2m' is not a duration of 1ms to 60s (e.g. 300ms, 2s)
? 2

# a creds file that is not there, not readable as one, or not a creds file
$ natsauth connect-test --creds missing.creds --server nats://127.0.0.1:1
! natsauth: cannot open 'missing.creds': no such file or directory
? 1

$ natsauth connect-test --creds hello.txt --server nats://127.0.0.1:1
! natsauth: bad creds in 'hello.txt': no JWT found in creds
? 1

$ : > empty.creds
+ natsauth connect-test --creds empty.creds --server nats://127.0.0.1:1
! natsauth: bad creds in 'empty.creds': the creds are empty
? 1

# a bare seed is not a creds file
$ natsauth connect-test --creds user.seed --server nats://127.0.0.1:1
! natsauth: bad creds in 'user.seed': no JWT found in creds (the text is a seed)
? 1

# an account JWT with a seed is not a user's creds
$ (cat acct.decorated; echo; echo '-----BEGIN ACCOUNT NKEY SEED-----'; cat acct.seed; echo '------END ACCOUNT NKEY SEED------') > acct.creds
+ natsauth connect-test --creds acct.creds --server nats://127.0.0.1:1
! natsauth: bad creds in 'acct.creds': the creds' JWT is not a user JWT
? 1

# the seed must be the JWT user's key (else the server only says "authorization violation")
$ (sed -n 1,4p alice.creds; echo '-----BEGIN USER NKEY SEED-----'; cat bob.seed; echo '------END USER NKEY SEED------') > mixed.creds
+ natsauth connect-test --creds mixed.creds --server nats://127.0.0.1:1
! natsauth: bad creds in 'mixed.creds': the creds' seed is the key of U
! not of the JWT's user UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 1

$ natsauth connect-test --creds env:NATSAUTH_NO_SUCH_VAR --server nats://127.0.0.1:1
! natsauth: environment variable 'NATSAUTH_NO_SUCH_VAR' is not set
? 1

# no server: the error names the URL and the user; nothing on stdout
$ natsauth connect-test --creds alice.creds --server nats://127.0.0.1:1 --pub a.b
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47: no server available for connection
? 1

# the creds can come on stdin or from the environment
$ natsauth connect-test --creds - --server nats://127.0.0.1:1 < alice.creds
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 1

$ CREDS=$(cat alice.creds) natsauth connect-test --creds env:CREDS --server nats://127.0.0.1:1
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 1

# NATS_URL is the default server
$ NATS_URL=nats://127.0.0.1:1 natsauth connect-test --creds alice.creds
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

# --json: the refusal as JSON on stdout (and the error on stderr)
$ natsauth connect-test --json --creds alice.creds --server nats://127.0.0.1:1 --pub a.b --sub 'c.>'
> {"connected":false,"server":"nats://127.0.0.1:1","user":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","login":null,"token":false,"error":"no server available for connection","publish":[],"subscribe":[]}
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

# a creds file others can read is used, with a warning
$ chmod 644 alice.creds
+ natsauth connect-test --creds alice.creds --server nats://127.0.0.1:1
! natsauth: warning: creds file 'alice.creds' is accessible by group or others (mode 0644); run chmod 600 on it
! natsauth: cannot connect to 'nats://127.0.0.1:1'
? 1

# ---- --user / --password / --token --------------------------------------------------

# a password or token on the command line is refused (not echoed): it must be a file, - or env:NAME
$ natsauth connect-test --user alice --password hunter2 2>err.txt || echo "rc=$?"
+ head -n 1 err.txt
+ grep -c hunter2 err.txt || true
> rc=2
> natsauth: connect-test: --password takes a file, - (stdin) or env:NAME, never the password itself: no file of that name
> 0
? 0

$ natsauth connect-test --token s3cr3t-t0ken 2>err.txt || echo "rc=$?"
+ head -n 1 err.txt
+ grep -c s3cr3t err.txt || true
> rc=2
> natsauth: connect-test: --token takes a file, - (stdin) or env:NAME, never the token itself: no file of that name
> 0
? 0

# --user and --password go together
$ natsauth connect-test --user alice
! natsauth: connect-test: --user needs --password FILE (a file, - or env:NAME)
? 2

$ natsauth connect-test --password pw.txt
! natsauth: connect-test: --password needs --user NAME
? 2

$ natsauth connect-test --user '' --password -
! natsauth: connect-test: --user is empty (want a user name)
? 2

$ natsauth connect-test --user alice --password ''
! natsauth: connect-test: --password is empty (want a file, - or env:NAME)
? 2

$ natsauth connect-test --token
! natsauth: connect-test: option '--token' needs an argument (FILE)
? 2

# stdin can feed only one secret
$ natsauth connect-test --creds - --token -
! natsauth: connect-test: only one of --creds, --password and --token can be - (stdin)
? 2

$ natsauth connect-test --user alice --password - --token -
! natsauth: connect-test: only one of --creds, --password and --token can be - (stdin)
? 2

# subjects are still checked first
$ natsauth connect-test --user alice --password missing.pw --pub 'a.*'
! natsauth: connect-test: --pub 'a.*': a publish subject cannot have wildcards
? 2

# an empty password or token, an unset variable
$ : > empty.pw
+ natsauth connect-test --user alice --password empty.pw --server nats://127.0.0.1:1
! natsauth: the password in 'empty.pw' is empty or has a NUL byte
? 1

$ printf '\nsecond line\n' > blank.tok && chmod 600 blank.tok
+ natsauth connect-test --token blank.tok --server nats://127.0.0.1:1
! natsauth: the token in 'blank.tok' is empty or has a NUL byte
? 1

$ natsauth connect-test --user alice --password env:NATSAUTH_NO_SUCH_VAR --server nats://127.0.0.1:1
! natsauth: environment variable 'NATSAUTH_NO_SUCH_VAR' is not set
? 1

$ natsauth connect-test --user alice --password /nonexistent-dir/pw --server nats://127.0.0.1:1
! natsauth: connect-test: --password takes a file, - (stdin) or env:NAME, never the password itself
? 2

# no server: the error says who tried (never the password or token)
$ (umask 077; printf 'hunter2\n' > pw.txt)
+ natsauth connect-test --user alice --password pw.txt --server nats://127.0.0.1:1 --pub a.b 2>err.txt || echo "rc=$?"
+ cat err.txt
+ grep -c hunter2 err.txt || true
> rc=1
> natsauth: cannot connect to 'nats://127.0.0.1:1' as alice: no server available for connection
> 0
? 0

$ natsauth connect-test --user alice --password - --server nats://127.0.0.1:1
< hunter2
! natsauth: cannot connect to 'nats://127.0.0.1:1' as alice: no server available for connection
? 1

$ PW=hunter2 natsauth connect-test --user alice --password env:PW --server nats://127.0.0.1:1
! natsauth: cannot connect to 'nats://127.0.0.1:1' as alice: no server available for connection
? 1

$ natsauth connect-test --token - --server nats://127.0.0.1:1
< app.s3cr3t
! natsauth: cannot connect to 'nats://127.0.0.1:1' with a token: no server available for connection
? 1

# the auth callout sentinel flow: creds with a token or a password
$ (umask 077; printf 'app.s3cr3t\n' > tok.txt)
+ natsauth connect-test --creds alice.creds --token tok.txt --server nats://127.0.0.1:1
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 with a token: no server available for connection
? 1

$ natsauth connect-test --creds alice.creds --user bob --password - --server nats://127.0.0.1:1
< hunter2
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 (user bob): no server available for connection
? 1

# bad creds are still found with a token
$ natsauth connect-test --creds hello.txt --token - --server nats://127.0.0.1:1
< app.s3cr3t
! natsauth: bad creds in 'hello.txt': no JWT found in creds
? 1

# --json: who tried, never the secret
$ natsauth connect-test --json --user alice --password - --server nats://127.0.0.1:1
< hunter2
> {"connected":false,"server":"nats://127.0.0.1:1","user":null,"login":"alice","token":false,"error":"no server available for connection","publish":[],"subscribe":[]}
! natsauth: cannot connect to 'nats://127.0.0.1:1' as alice
? 1

$ natsauth connect-test --json --creds alice.creds --token - --server nats://127.0.0.1:1
< app.s3cr3t
> {"connected":false,"server":"nats://127.0.0.1:1","user":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","login":null,"token":true,"error":"no server available for connection","publish":[],"subscribe":[]}
! natsauth: cannot connect to 'nats://127.0.0.1:1' as UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 with a token
? 1

# a password file others can read is used, with a warning
$ printf 'hunter2\n' > open.pw && chmod 644 open.pw
+ natsauth connect-test --user alice --password open.pw --server nats://127.0.0.1:1
! natsauth: warning: password file 'open.pw' is accessible by group or others (mode 0644); run chmod 600 on it
! natsauth: cannot connect to 'nats://127.0.0.1:1' as alice
? 1
