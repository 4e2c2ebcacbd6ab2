# natsauth CLI cases: the top level (help, version, usage errors, stdout errors).
# Format: see tests/cli/run_cli_tests.py. Fixtures: tests/cli/fixtures (see make_fixtures.sh).

# no command is a usage error and shows the command table on stderr
$ natsauth
! usage: natsauth COMMAND
! commands:
? 2

# --version and version print the library version
$ natsauth --version
> natsauth 0.1.0
? 0

$ natsauth version
> natsauth 0.1.0
? 0

# version takes no arguments
$ natsauth version extra
! unexpected argument 'extra'
? 2

# help lists every command group
$ natsauth help
* commands:
* keys
* jwt
* decode
* creds
* env:NAME
? 0

$ natsauth --help
* usage: natsauth COMMAND
? 0

# help COMMAND is the command's --help
$ natsauth help keys
* usage: natsauth keys COMMAND
* seal
? 0

$ natsauth help decode
* usage: natsauth decode
* "verified":true|false
? 0

$ natsauth help bogus
! help: unknown command 'bogus'
? 2

# unknown commands are usage errors
$ natsauth frobnicate
! natsauth: unknown command 'frobnicate'
? 2

# a noun without a verb is a usage error; with --help it lists its verbs
$ natsauth keys
! natsauth: keys: missing command
! gen
? 2

$ natsauth keys --help
* usage: natsauth keys COMMAND
* gen
* pub
* sign
* verify
* seal
* open
? 0

$ natsauth jwt
! natsauth: jwt: missing command
? 2

$ natsauth jwt --help
* sign
? 0

$ natsauth keys frob
! natsauth: keys: unknown command 'frob'
? 2

# --help works on every command, and comes from the command tables
$ natsauth keys gen --help
* usage: natsauth keys gen TYPE
* --pub
? 0

$ natsauth keys pub --help
* usage: natsauth keys pub
? 0

$ natsauth keys sign --help
* usage: natsauth keys sign --seed FILE [DATA|-]
? 0

$ natsauth keys verify -h
* usage: natsauth keys verify --key PUB --sig SIG
? 0

$ natsauth keys seal --help
* usage: natsauth keys seal --seed FILE --to XPUB
? 0

$ natsauth keys open --help
* usage: natsauth keys open --seed FILE --from XPUB
? 0

$ natsauth jwt sign --help
* usage: natsauth jwt sign --type TYPE --seed FILE
* --expiry DUR
? 0

$ natsauth decode --help
* usage: natsauth decode
* --operator JWTFILE
? 0

$ natsauth creds --help
* usage: natsauth creds --jwt FILE --seed FILE
? 0

# --help wins over other (even missing) arguments
$ natsauth keys sign --help --bogus
* usage: natsauth keys sign
? 0

# unknown options, missing option values and repeated options are usage errors
$ natsauth keys pub --bogus
! natsauth: keys pub: unknown option '--bogus'
! usage: natsauth keys pub
? 2

$ natsauth keys sign -x
! unknown option '-x'
? 2

$ natsauth keys sign abcdefgh.txt --seed
! option '--seed' needs an argument (FILE)
? 2

$ natsauth keys gen user --pub=yes
! option '--pub' takes no argument
? 2

$ natsauth keys sign --seed raw.seed --seed raw.seed abcdefgh.txt
! option '--seed' is given more than once
? 2

# --opt=value works like --opt value
$ natsauth keys sign --seed=raw.seed abcdefgh.txt
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

# "--" ends the options: a file named like an option can still be read
$ cp raw.seed ./--odd && natsauth keys pub -- --odd
> UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK
? 0

# a write error on stdout is a failure (exit 1), not silent success
$ natsauth --version > /dev/full
! natsauth: cannot write to stdout
? 1

$ natsauth keys pub user.seed > /dev/full
! cannot write to stdout
? 1
