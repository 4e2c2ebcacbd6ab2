# natsauth keys: gen, pub, sign, verify, seal, open.
# Vectors: /work/shared/reference/nats-auth-reference.md section 8 (nkeys README
# seed, raw 00..1F keys, the abcdefgh signature, the xkv1 seal of "hello xkey").

# ---- keys gen ----

# gen prints a new seed on stdout and its public key on stderr
$ natsauth keys gen user
~ SU[A-Z2-7]{56}
! public key: U
? 0
@ allow-seed

# --pub puts the public key on stdout after the seed; every type has its prefixes
$ natsauth keys gen operator --pub
~ SO[A-Z2-7]{56}
~ O[A-Z2-7]{55}
? 0
@ allow-seed

$ natsauth keys gen account --pub
~ SA[A-Z2-7]{56}
~ A[A-Z2-7]{55}
? 0
@ allow-seed

$ natsauth keys gen server --pub
~ SN[A-Z2-7]{56}
~ N[A-Z2-7]{55}
? 0
@ allow-seed

$ natsauth keys gen cluster --pub
~ SC[A-Z2-7]{56}
~ C[A-Z2-7]{55}
? 0
@ allow-seed

$ natsauth keys gen curve --pub
~ SX[A-Z2-7]{56}
~ X[A-Z2-7]{55}
? 0
@ allow-seed

$ natsauth keys gen xkey --pub
~ SX[A-Z2-7]{56}
~ X[A-Z2-7]{55}
? 0
@ allow-seed

# the printed public key is the one the printed seed derives
$ natsauth keys gen account --pub > k && tail -n1 k > p && head -n1 k | natsauth keys pub | cmp - p && echo same
> same
? 0

# two generated seeds differ
$ test "$(natsauth keys gen user 2>/dev/null)" != "$(natsauth keys gen user 2>/dev/null)" && echo different
> different
? 0

# -o writes the seed to a 0600 file and prints only the public key
$ P=$(natsauth keys gen account -o new.seed) && test "$P" = "$(natsauth keys pub new.seed)" && stat -c %a new.seed && echo "$P" | grep -c '^A'
> 600
> 1
? 0

# gen needs exactly one TYPE, and a known one
$ natsauth keys gen
! keys gen: missing argument
? 2

$ natsauth keys gen bogus
! unknown key type 'bogus'
? 2

$ natsauth keys gen user extra
! unexpected argument 'extra'
? 2

# ---- keys pub ----

# the nkeys README example, from stdin
$ natsauth keys pub -
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
> UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT
? 0

# stdin is the default
$ natsauth keys pub
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
> UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT
? 0

# from a file, for each key type (raw seed 00..1F)
$ natsauth keys pub raw.seed
> UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK
? 0

$ natsauth keys pub op.seed && natsauth keys pub acct.seed && natsauth keys pub user.seed
> ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4
> ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 0

$ natsauth keys pub xkey1.seed && natsauth keys pub xkey.seed
> XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7
> XD7S5ZCWAHWBWZZRBR3ZAQCFQWXGS4ZR53Q4D6GPEQMXGHA7747GWLBY
? 0

# server and cluster seeds (raw 00..1F)
$ natsauth keys pub - && natsauth keys pub ./raw.seed
< SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U
> NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB
> UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK
? 0

$ natsauth keys pub -
< SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q
> CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J
? 0

# a .creds file works as a seed file (the user seed inside it)
$ natsauth keys pub alice.creds
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 0

# surrounding whitespace and CRLF are ignored
$ printf '  SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY\r\n\n' | natsauth keys pub
> UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT
? 0

# env:NAME reads the seed from an environment variable
$ NA_TEST_SEED=SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY natsauth keys pub env:NA_TEST_SEED
> UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT
? 0

$ natsauth keys pub env:NA_TEST_UNSET
! natsauth: environment variable 'NA_TEST_UNSET' is not set
? 1

$ natsauth keys pub env:
! needs a variable name
? 1

# a seed on the command line is refused and not echoed
$ natsauth keys pub SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
! seeds are never taken from the command line
? 1

$ natsauth keys sign --seed SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY abcdefgh.txt
! seeds are never taken from the command line
? 1

# bad seeds: wrong prefix, bad checksum, bad base32, bad length, bad type are distinct errors
$ natsauth keys pub -
< UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT
! natsauth: cannot load seed from stdin: not a seed (does not start with 'S')
? 1

$ natsauth keys pub -
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZA
! natsauth: cannot load seed from stdin: seed has an invalid checksum
? 1

$ natsauth keys pub -
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43I1Y
! natsauth: cannot load seed from stdin: seed is not valid base32
? 1

$ natsauth keys pub -
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43I
! natsauth: cannot load seed from stdin: seed is 56 characters, want 58
? 1

$ natsauth keys pub -
< SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZYAA
! natsauth: cannot load seed from stdin: seed is 60 characters, want 58
? 1

$ natsauth keys pub badtype.seed
! natsauth: cannot load seed from 'badtype.seed': seed has an invalid key type
? 1

# an empty seed file, a missing file, a directory, a JWT where a seed belongs
$ : > empty.seed && natsauth keys pub empty.seed
! cannot load seed from 'empty.seed': seed is 0 characters, want 58
? 1

$ natsauth keys pub nonexistent.seed
! natsauth: cannot open 'nonexistent.seed': no such file or directory
? 1

$ mkdir d && natsauth keys pub d
! natsauth: cannot read 'd': it is a directory
? 1

$ natsauth keys pub alice.jwt
! cannot load seed from 'alice.jwt': not a seed
? 1

# a multi-line file without a seed line
$ printf 'hello\nworld\n' > notes && natsauth keys pub notes
! cannot load seed from 'notes': no nkey seed found in creds
? 1

# a seed file readable by group or others works, with a warning on stderr
$ chmod 644 user.seed && natsauth keys pub user.seed
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
! natsauth: warning: seed file 'user.seed' is accessible by group or others (mode 0644)
? 0

$ chmod 640 user.seed && natsauth keys pub user.seed
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
! (mode 0640)
? 0

# an oversized seed file is refused before it is parsed
$ head -c 2000000 /dev/zero > big.seed && natsauth keys pub big.seed
! 'big.seed' is larger than the maximum of
? 1

# ---- keys sign ----

# the reference signature of "abcdefgh" by the raw 00..1F user seed
$ natsauth keys sign --seed raw.seed abcdefgh.txt
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

# DATA from stdin (explicit - and default)
$ printf abcdefgh | natsauth keys sign --seed raw.seed -
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

$ printf abcdefgh | natsauth keys sign --seed raw.seed
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

# the seed from stdin or the environment
$ natsauth keys sign --seed - abcdefgh.txt
< SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

$ S=$(cat raw.seed) natsauth keys sign --seed env:S abcdefgh.txt
> ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg
? 0

# sign with the user seed inside a .creds file, then verify with its public key
$ S=$(natsauth keys sign --seed alice.creds hello.txt) && natsauth keys verify --key UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 --sig "$S" hello.txt
> signature verified
? 0

# an empty message can be signed and verified
$ : > empty && S=$(natsauth keys sign --seed user.seed empty) && natsauth keys verify --key UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 --sig "$S" empty
> signature verified
? 0

# sign needs --seed; seed and data cannot both come from stdin
$ natsauth keys sign abcdefgh.txt
! keys sign: --seed is required
? 2

$ natsauth keys sign --seed - -
! cannot both read stdin
? 2

$ natsauth keys sign --seed - 
! cannot both read stdin
? 2

$ natsauth keys sign --seed raw.seed abcdefgh.txt extra
! unexpected argument 'extra'
? 2

# a curve seed cannot sign
$ natsauth keys sign --seed xkey.seed abcdefgh.txt
! natsauth: cannot sign: curve key is not valid for sign/verify
? 1

$ natsauth keys sign --seed raw.seed missing.txt
! natsauth: cannot open 'missing.txt': no such file or directory
? 1

# ---- keys verify ----

$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
> signature verified
? 0

# data from stdin
$ printf abcdefgh | natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg -
> signature verified
? 0

# the standard alphabet with padding is accepted too
$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig 'ALKQyS1iAgKCfr+/DqqchOJt7A0uEqWhJ9l8rXLzl/77K3J/IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt/nAg==' abcdefgh.txt
> signature verified
? 0

# a changed signature, other data, or another key fail with exit 1
$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig BLKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
! natsauth: signature verification failed
? 1

$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg hello.txt
! natsauth: signature verification failed
? 1

$ natsauth keys verify --key UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
! natsauth: signature verification failed
? 1

# malformed signatures and keys
$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig 'not*base64' abcdefgh.txt
! natsauth: invalid --sig: input is not valid base64
? 1

$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK --sig ALKQyS1iAgKCfr abcdefgh.txt
! natsauth: invalid --sig: signature is 10 bytes, want 64
? 1

$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKA --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
! natsauth: invalid --key: public key has an invalid checksum
? 1

$ natsauth keys verify --key SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
! natsauth: invalid --key: expected a public key but got a seed
? 1

$ natsauth keys verify --key XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 --sig ALKQyS1iAgKCfr-_DqqchOJt7A0uEqWhJ9l8rXLzl_77K3J_IdGvVmgUL1KZzG2kFidR6zc2lQanXesBmt_nAg abcdefgh.txt
! natsauth: cannot verify: curve key is not valid for sign/verify
? 1

# verify needs --key and --sig
$ natsauth keys verify --sig ALKQ abcdefgh.txt
! keys verify: --key is required
? 2

$ natsauth keys verify --key UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK abcdefgh.txt
! keys verify: --sig is required
? 2

# ---- keys seal / open ----

# the reference vector (section 8.3) opens: raw and base64 input
$ natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 ref-sealed.bin
> hello xkey
? 0

$ natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 --base64 ref-sealed.b64
> hello xkey
? 0

# base64 input is recognised without --base64, from stdin too
$ natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 < ref-sealed.b64
> hello xkey
? 0

# seal writes "xkv1" | nonce(24) | box: 44 bytes more than the input
$ natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt > s && head -c 4 s && echo && wc -c < s
> xkv1
> 54
? 0

# round trip, raw
$ natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt > s && natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 s
> hello xkey
? 0

# round trip, base64, through a pipe
$ natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE --base64 hello.txt | natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 --base64
> hello xkey
? 0

$ natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE --base64 hello.txt
~ eGt2M[A-Za-z0-9+/]{67}
? 0

# the input of seal comes from stdin by default; binary data survives
$ head -c 3000 /dev/urandom > blob && natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE < blob | natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 | cmp - blob && echo same
> same
? 0

# each seal uses a fresh nonce
$ natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt > a && natsauth keys seal --seed xkey1.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt > b && ! cmp -s a b && echo different
> different
? 0

# the wrong sender, a flipped byte, or garbage do not open
$ natsauth keys open --seed xkey2.seed --from XD7S5ZCWAHWBWZZRBR3ZAQCFQWXGS4ZR53Q4D6GPEQMXGHA7747GWLBY ref-sealed.bin
! natsauth: cannot open 'ref-sealed.bin': could not decrypt input
? 1

$ python3 -c 'import sys; b=bytearray(open("ref-sealed.bin","rb").read()); b[-1]^=1; sys.stdout.buffer.write(b)' > t.bin && natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 t.bin
! could not decrypt input
? 1

$ natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 hello.txt
! natsauth: cannot open 'hello.txt': encrypted input is not valid
? 1

$ natsauth keys open --seed xkey2.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 --base64 ref-sealed.bin
! natsauth: cannot open 'ref-sealed.bin': input is not valid base64
? 1

# seal and open need curve keys on both sides
$ natsauth keys seal --seed user.seed --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt > s
! natsauth: cannot seal: only curve keys can seal (this is a user key)
? 1

$ natsauth keys seal --seed xkey1.seed --to UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47 hello.txt > s
! natsauth: cannot seal: recipient is a user key, want a curve (X...) key
? 1

$ natsauth keys open --seed acct.seed --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7 ref-sealed.bin
! only curve keys can open (this is a account key)
? 1

# missing options and double stdin are usage errors
$ natsauth keys seal --to XA2YA4WWGZMIBUNO5IZJVX4REE4DQUPNEGRI4O3V5FS5BUWNCZRFI2LE hello.txt
! keys seal: --seed is required
? 2

$ natsauth keys seal --seed xkey1.seed hello.txt
! keys seal: --to is required
? 2

$ natsauth keys open --seed xkey2.seed ref-sealed.bin
! keys open: --from is required
? 2

$ natsauth keys open --seed - --from XCHUBRNNW2HSKYSK4WZBJ2TWPJXMSTMCTU6XWXQ22G5G6PRBHAUF76G7
! cannot both read stdin
? 2

# a seed passed as an extra argument is not echoed in the usage error
$ natsauth keys pub user.seed SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
! natsauth: keys pub: unexpected argument '<redacted seed>'
? 2

# a seed given as --key, --to or --from is refused without being echoed
$ natsauth keys seal --seed xkey1.seed --to SXAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H74KM hello.txt > s
! natsauth: cannot seal: recipient is not a valid curve public key: expected a public key but got a seed
? 1

$ natsauth keys open --seed xkey2.seed --from SXAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H74KM ref-sealed.bin
! natsauth: cannot open 'ref-sealed.bin': sender is not a valid curve public key: expected a public key but got a seed
? 1

# gen -o never overwrites an existing (key) file
$ natsauth keys gen user -o user.seed
! natsauth: 'user.seed' already exists (not overwriting it)
? 1

$ natsauth keys gen user -o user.seed; natsauth keys pub user.seed && ! ls -a | grep -q tmp && echo clean
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
> clean
! already exists
? 0
