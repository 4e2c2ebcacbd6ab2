# natsauth callout serve|check|status: the daemon's config is checked before
# anything connects (docs/callout.md). Every case writes its config next to
# the fixtures; acct.seed is an account seed (the issuer), mode 0600.

# --config is required
$ natsauth callout check
! --config FILE is required
? 2

# a config file that does not exist
$ natsauth callout check --config nope.json
! nope.json
? 1

# a config that is not JSON names the file and the line
$ printf '{\n "mode": "config",\n oops\n}\n' > c.json && natsauth callout check --config c.json
! natsauth: config 'c.json': line 3:
? 1

# an unknown key is an error naming it (top level and inside a section)
$ printf '{"nats":{"url":"nats://127.0.0.1:4222"},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"store","path":"s.db"}],"bogus":1}' > c.json
+ natsauth callout check --config c.json || echo "rc=$?"
+ printf '{"nats":{"url":"nats://127.0.0.1:4222","passwd":"x"},"issuer":{"seed_file":"acct.seed"},"authorizers":[]}' > d.json
+ natsauth callout check --config d.json || echo "rc=$?"
> rc=1
> rc=1
! natsauth: config 'c.json': config: unknown key 'bogus'
! natsauth: config 'd.json': nats: unknown key 'passwd'
? 0

# a seed file readable by others is refused, naming the file
$ chmod 644 acct.seed && printf '{"nats":{},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout check --config c.json
! issuer: seed file './acct.seed' is accessible by group or others (mode 0644): chmod 600 it
? 1

# the issuer must be an account seed
$ printf '{"nats":{},"issuer":{"seed_file":"bob.seed"},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout check --config c.json
! issuer: seed file './bob.seed' holds user key, not account key
? 1

# an unknown authorizer type
$ printf '{"nats":{},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"ldap"}]}' > c.json
+ natsauth callout check --config c.json
! authorizers[0]: unknown authorizer type 'ldap'
? 1

# the store authorizer grants the store's accounts: operator mode only
$ printf '{"mode":"config","nats":{},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"store","path":"s.db"}]}' > c.json
+ natsauth callout check --config c.json
! the "store" authorizer grants the store's accounts: it needs mode "operator"
? 1

# a password comes from the environment (or a file), never from the config text
$ printf '{"nats":{"user":"auth","password":"env:CALLOUT_PW"},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout check --config c.json
! environment variable 'CALLOUT_PW' is not set
? 1

# check: a valid config-mode config with a grants file
$ printf '{"grants":[{"user":"alice","password_hash":"$2b$04$uxiuSzWDqLEzT/gKh85vWuQPvjhMsdtsXsdB5fadrbCiSn9.VllXu","account":"APP"}]}' > g.json
+ printf '{"nats":{"url":"nats://127.0.0.1:4222","user":"auth","password":"env:CALLOUT_PW"},"mode":"config","issuer":{"seed_file":"acct.seed"},"deadline":"2s","max_ttl":"2h","default_ttl":"5m","authorizers":[{"type":"file","path":"g.json"}],"default":"deny","allowed_accounts":["APP"]}' > c.json
+ CALLOUT_PW=secret natsauth callout check --config c.json
> config 'c.json' is valid
> mode: config
> nats: nats://127.0.0.1:4222 as user/password
> issuer: ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I
> xkey: none (requests are not sealed)
> servers: any
> deadline 2000 ms, default ttl 300s, max ttl 7200s, workers auto
> authorizer 1: file
> default: deny
> allowed account: APP
? 0

# check: config mode without 'allowed_accounts' works but warns that any account may be granted
$ printf '{"grants":[]}' > g.json
+ printf '{"nats":{},"mode":"config","issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout check --config c.json | grep warning
> warning: no 'allowed_accounts': a grant may name any account of the server (except $SYS), including the callout's own
? 0

# placement options belong to their mode; $SYS is never allowed
$ printf '{"grants":[]}' > g.json
+ printf '{"nats":{},"mode":"config","issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}],"allowed_accounts":["APP","$SYS"]}' > c.json
+ natsauth callout check --config c.json
! 'allowed_accounts' may not name $SYS
? 1

$ printf '{"grants":[]}' > g.json
+ printf '{"nats":{},"mode":"config","issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}],"allow_callout_account":true}' > c.json
+ natsauth callout check --config c.json
! 'allow_callout_account' is for operator mode
? 1

# check: operator mode with the store authorizer and an account map
$ export NATSAUTH_STORE=s.db; natsauth init --account AUTH > /dev/null
+ natsauth tenant add acme > /dev/null
+ printf '{"mode":"operator","nats":{"creds":"alice.creds"},"issuer":{"seed_file":"acct.seed"},"accounts":{"SELF":{"public_key":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I"}},"authorizers":[{"type":"store","path":"s.db"}]}' > c.json
+ natsauth callout check --config c.json | grep -v '^issuer\|^xkey\|^servers\|^deadline'
> config 'c.json' is valid
> mode: operator
> nats: nats://127.0.0.1:4222 as the creds file
> account SELF: ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I (callout issuer)
> authorizer 1: store
> default: deny
? 0

# operator mode: an account other than the callout account needs its signing key
$ printf '{"mode":"operator","nats":{},"issuer":{"seed_file":"acct.seed"},"accounts":{"APP":{"public_key":"ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA"}},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout check --config c.json
! accounts.APP: 'signing_key_file' is required
? 1

# status needs a stats subject to ask
$ printf '{"grants":[]}' > g.json
+ printf '{"nats":{},"issuer":{"seed_file":"acct.seed"},"authorizers":[{"type":"file","path":"g.json"}]}' > c.json
+ natsauth callout status --config c.json
! has no 'stats_subject'
? 1

# help lists the verbs
$ natsauth callout --help | grep -c '^  \(serve\|check\|status\) '
> 3
? 0
