# natsauth export add|rm and import add|rm. Each case makes its own store.

# a stream export (the default); a service export with a response type
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth export add A 'feed.>'
+ natsauth export add A 'svc.>' --service --response-type chunked --name api --description 'the API'
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["claims"]["nats"]["exports"], sort_keys=True))'
> added stream export 'feed.>' to account 'A'
> added service export 'svc.>' to account 'A'
> [{"name": "feed.>", "subject": "feed.>", "type": "stream"}, {"description": "the API", "name": "api", "response_type": "Chunked", "subject": "svc.>", "type": "service"}]
? 0

# the same export again changes nothing; another one for the subject replaces it
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth export add A 'feed.>' > /dev/null
+ natsauth export add A 'feed.>'
+ natsauth export add A 'feed.>' --private --json
+ natsauth account show A --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["claims"]["nats"]["exports"])'
> unchanged: account 'A' already has this export of 'feed.>'
> {"account":"A","export":"feed.>","changed":true}
> [{'name': 'feed.>', 'subject': 'feed.>', 'type': 'stream', 'token_req': True}]
? 0

# import from another account of the store; a private export gets an activation token
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth export add A 'svc.>' --service > /dev/null
+ natsauth export add A 'feed.>' --private > /dev/null
+ natsauth import add B --from A 'svc.x' --local-subject 'my.x'
+ natsauth import add B --from A 'feed.a' --stream --name feed
+ natsauth import add B --from A 'feed.a' --stream --name feed
+ natsauth account show B --json | python3 -c 'import json,sys; im=json.load(sys.stdin)["claims"]["nats"]["imports"]; print([(i["name"], i["subject"], i["type"], i.get("local_subject"), len(i["account"]), "token" in i) for i in im])'
> added import 'svc.x' to account 'B'
> added import 'feed.a' to account 'B'
> unchanged: account 'B' already has this import of 'feed.a'
> [('feed', 'feed.a', 'stream', None, 56, True), ('svc.x', 'svc.x', 'service', 'my.x', 56, False)]
? 0

# the activation token is signed by the exporter for the importer
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth export add A 'feed.>' --private > /dev/null
+ natsauth import add B --from A 'feed.a' > /dev/null
+ natsauth account show A --json | python3 -c 'import json,sys; open("a.jwt","w").write(json.load(sys.stdin)["jwt"])'
+ natsauth account show B --json | python3 -c 'import json,sys; open("act.jwt","w").write(json.load(sys.stdin)["claims"]["nats"]["imports"][0]["token"])'
+ natsauth decode --verify --account a.jwt act.jwt | grep -e chain -e '"subject"'
>     "subject": "feed.a",
> chain:      ok
? 0

# rm
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth export add A 'svc.>' --service > /dev/null
+ natsauth import add B --from A svc.x > /dev/null
+ natsauth import rm B svc.x
+ natsauth export rm A 'svc.>' --json
+ natsauth account show A --json | python3 -c 'import json,sys; print("exports" in json.load(sys.stdin)["claims"]["nats"])'
+ natsauth account show B --json | python3 -c 'import json,sys; print("imports" in json.load(sys.stdin)["claims"]["nats"])'
> removed import 'svc.x' from account 'B'
> {"account":"A","export":"svc.>","changed":true}
> False
> False
? 0

# errors: nothing exported, no such export/import, importing from itself, unknown accounts
$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth import add B --from A 'svc.x'
! natsauth: account 'A' has no export matching 'svc.x'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A --account B > /dev/null
+ natsauth export add A 'svc.>' --service > /dev/null
+ natsauth import add B --from A 'svc.x' --stream
! natsauth: account 'A' has no stream export matching 'svc.x'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth export add A 'x.>' > /dev/null
+ natsauth import add A --from A x.y
! natsauth: account 'A' cannot import 'x.y' from itself
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth import add A --from NOPE x
! natsauth: account 'NOPE' not found in store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth export rm A nope
! natsauth: export 'nope' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth import rm A nope
! natsauth: import 'nope' not found in account 'A' of store 's.db'
? 1

$ export NATSAUTH_STORE=s.db; natsauth init > /dev/null
+ natsauth export add NOPE x
! natsauth: account 'NOPE' not found in store 's.db'
? 1

# an invalid subject is refused by validation, and nothing is written
$ export NATSAUTH_STORE=s.db; natsauth init --account A > /dev/null
+ natsauth export add A 'foo bar' || echo "rc=$?"
+ natsauth account show A --json | python3 -c 'import json,sys; print("exports" in json.load(sys.stdin)["claims"]["nats"])'
> rc=1
> False
! natsauth: account 'A' would not be valid: subject "foo bar" cannot have spaces
? 0

# usage errors
$ natsauth export add A x --service --stream
! natsauth: export add: --service and --stream cannot be used together
? 2

$ natsauth export add A x --response-type Stream
! natsauth: export add: --response-type applies to --service exports only
? 2

$ natsauth export add A x --service --response-type lots
! --response-type 'lots' is not Singleton, Stream or Chunked
? 2

$ natsauth export add A ''
! natsauth: export add: the subject is empty
? 2

$ natsauth import add B x
! natsauth: import add: --from is required (the exporting account)
? 2

$ natsauth import add B --from A x --service --stream
! --service and --stream cannot be used together
? 2

$ natsauth export add A
! natsauth: export add: missing argument
? 2

$ natsauth import
! natsauth: import: missing command
? 2

$ natsauth export add --help
* --private
* --response-type TYPE
? 0

$ natsauth import add --help
* --from ACCOUNT
* --local-subject SUBJECT
? 0
