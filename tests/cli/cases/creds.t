# natsauth creds: the .creds text must be byte-identical to jwt.FormatUserConfig
# (the reference vectors/alice.creds). Only the cases marked allow-seed may show a seed.

# the creds text on stdout is exactly the reference file
$ natsauth creds --jwt alice.jwt --seed user.seed | cmp - alice.creds && echo same
> same
? 0

# printing it is what was asked for: it holds the seed
$ natsauth creds --jwt alice.jwt --seed user.seed
* -----BEGIN NATS USER JWT-----
* ------END NATS USER JWT------
* -----BEGIN USER NKEY SEED-----
* SUADGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGM6RL4
? 0
@ allow-seed

# -o writes a 0600 file, atomically, and prints nothing
$ natsauth creds --jwt alice.jwt --seed user.seed -o out.creds && stat -c %a out.creds && cmp out.creds alice.creds && echo same
> 600
> same
? 0

# -o replaces an existing world-readable file with a 0600 one; no temp file is left
$ echo old > out.creds && chmod 644 out.creds && natsauth creds --jwt alice.jwt --seed user.seed --output out.creds && stat -c %a out.creds && cmp out.creds alice.creds && ! ls -a | grep -q tmp && echo clean
> 600
> clean
? 0

# the JWT may be decorated or come from a .creds file; the seed from a .creds file,
# stdin or the environment
$ natsauth creds --jwt alice.decorated --seed alice.creds | cmp - alice.creds && echo same
> same
? 0

$ natsauth creds --jwt alice.creds --seed - < user.seed | cmp - alice.creds && echo same
> same
? 0

$ natsauth creds --jwt - --seed user.seed < alice.jwt | cmp - alice.creds && echo same
> same
? 0

$ S=$(cat user.seed) natsauth creds --jwt alice.jwt --seed env:S | cmp - alice.creds && echo same
> same
? 0

# round trip: the written creds decode to the same user and give the same key
$ natsauth creds --jwt alice.jwt --seed user.seed -o rt.creds && natsauth decode --json --now 1700000000 rt.creds | grep -o '"sub":"U[A-Z0-9]*"' && natsauth keys pub rt.creds
> "sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47"
> UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 0

# a freshly generated user: creds built from a new key and a new JWT verify
$ natsauth keys gen user -o u.seed > u.pub && printf '{"sub":"%s","name":"new","nats":{"subs":-1,"data":-1,"payload":-1}}' "$(cat u.pub)" | natsauth jwt sign --type user --seed acct.seed > u.jwt && natsauth creds --jwt u.jwt --seed u.seed -o u.creds && natsauth decode --account acct.jwt u.creds | grep -c '^\[verify\] ok' && natsauth keys pub u.creds | cmp - u.pub && echo same
> 1
> same
? 0

# the seed must be the user's: another user, an account seed
$ natsauth creds --jwt alice.jwt --seed bob.seed
! natsauth: cannot build creds: seed does not match the JWT subject 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47'
? 1

$ natsauth creds --jwt alice.jwt --seed acct.seed
! natsauth: cannot build creds: seed is a account seed, want a user (SU) seed
? 1

# only user JWTs make creds
$ natsauth creds --jwt acct.jwt --seed user.seed
! natsauth: cannot build creds: "account" cannot be serialized as a user config
? 1

# a tampered JWT is refused
$ natsauth creds --jwt alice-tampered.jwt --seed user.seed
! natsauth: cannot build creds: claim failed V2 signature verification
? 1

# bad inputs name the file
$ natsauth creds --jwt missing.jwt --seed user.seed
! natsauth: cannot open 'missing.jwt': no such file or directory
? 1

$ natsauth creds --jwt alice.jwt --seed abcdefgh.txt
! natsauth: cannot load seed from 'abcdefgh.txt': not a seed
? 1

$ natsauth creds --jwt hello.txt --seed user.seed
! natsauth: cannot read a JWT from 'hello.txt': no JWT found in creds
? 1

# -o into a missing directory fails without writing anything
$ natsauth creds --jwt alice.jwt --seed user.seed -o nodir/out.creds
! natsauth: cannot create a temporary file next to 'nodir/out.creds': no such file or directory
? 1

# usage errors
$ natsauth creds --seed user.seed
! creds: --jwt is required
? 2

$ natsauth creds --jwt alice.jwt
! creds: --seed is required
? 2

$ natsauth creds --jwt - --seed -
! creds: --jwt - and --seed - cannot both read stdin
? 2

$ natsauth creds --jwt alice.jwt --seed user.seed extra
! creds: unexpected argument 'extra'
? 2

$ natsauth creds --jwt alice.jwt --seed user.seed -o
! creds: option '-o' needs an argument (OUT)
? 2
