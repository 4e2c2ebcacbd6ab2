# natsauth config: the nats-server configuration for the store's operator.

# memory resolver: operator JWT, system account, every account preloaded
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth config --resolver memory > c.conf
+ grep -c -e '^operator: eyJ' -e '^system_account: A' -e '^resolver: MEMORY' -e '// Account "A"' -e '// Account "SYS"' c.conf
> 5
? 0

# the operator line holds the store's operator JWT
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth config --resolver memory | sed -n 's/^operator: //p' > o.jwt
+ natsauth operator show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["jwt"] == open("o.jwt").read().strip())'
> True
? 0

# full resolver: a JWT directory, only the system account preloaded
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth config --resolver full --dir /var/lib/nats/jwt | grep -v -e '^operator:' -e '^  A[A-Z2-7]*: eyJ' | sed 's/A[A-Z2-7]\{55\}/ACCT/'
> // Operator "natsauth"
>
> system_account: ACCT
>
> resolver {
>   type: full
>   dir: '/var/lib/nats/jwt'
>   allow_delete: true
>   interval: "2m"
>   timeout: "1.9s"
> }
>
> resolver_preload: {
>   // System Account "SYS"
> }
? 0

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth config --resolver full | grep dir:
>   dir: './jwt'
? 0

# -o writes the file; --json
$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth config --resolver memory -o nats.conf
+ grep -c '^operator:' nats.conf
+ natsauth config --resolver memory --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["resolver"], d["config"] == open("nats.conf").read())'
+ natsauth config --resolver full -o f.conf --json
> 1
> memory True
> {"resolver":"full","file":"f.conf"}
? 0

# errors
$ natsauth config
! natsauth: config: --resolver is required (memory or full)
? 2

$ natsauth config --resolver url
! natsauth: config: --resolver 'url' is not memory or full
? 2

$ natsauth config --resolver memory --dir x
! natsauth: config: --dir applies to --resolver full only
? 2

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth config --resolver full --dir "it's"
! natsauth: resolver dir 'it's' or interval '2m' contains a quote
? 1

$ natsauth --store s.db config --resolver memory
! natsauth: store 's.db' does not exist (run 'natsauth init' first)
? 1

$ natsauth config --help
* --resolver TYPE
* --dir DIR
? 0
