# natsauth jwt sign. The three reference tokens of /work/shared/reference/vectors/
# gen_jwts.txt (byte-identical to nats-io/jwt v2.7.3) must come out byte for byte.

# user alice signed by the account seed 32x0x22 at iat 1700000000: gen_jwts.txt line 3
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 alice.json
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
? 0

# the same claims from stdin (explicit - and the default)
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 -
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","name":"alice","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1}}
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 < alice.json
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
? 0

# -t is --type; the seed from the environment; field order in the input does not matter
$ S=$(cat acct.seed) natsauth jwt sign -t user --seed env:S --iat 1700000000
< {"nats":{"payload":-1,"data":-1,"subs":-1,"sub":{},"pub":{}},"name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47"}
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
? 0

# the operator, self-signed (line 1), and the account signed by it (line 2)
$ natsauth jwt sign --type operator --seed op.seed --iat 1700000000
< {"sub":"ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4","name":"O"}
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJQVzRLVkJZUUJBTkVLRVdXVTU2S1dDRkJYVVlJUkVBUUhESDNCMzNBR1VOQVNDRFlGSDdRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJPRElFVk1SU09RVjNKS1oyQ05VTDJSUVY0VFROQUlTS1c0TkFDMjVQUVVRS0dNV0pPNkRUT0FQNCIsIm5hbWUiOiJPIiwic3ViIjoiT0RJRVZNUlNPUVYzSktaMkNOVUwyUlFWNFRUTkFJU0tXNE5BQzI1UFFVUUtHTVdKTzZEVE9BUDQiLCJuYXRzIjp7InR5cGUiOiJvcGVyYXRvciIsInZlcnNpb24iOjJ9fQ.4Oj_ep0LSGFeG7_lwrjNGW3ured-tUBU6naFoEzCz9P-1_b3P6ujVfqw4_kkqUkGapYNswzk6i_AcQTajU--DQ
? 0

$ natsauth jwt sign --type account --seed op.seed --iat 1700000000
< {"sub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"A","nats":{"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1}}}
> eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiI1UFZKUFRDSUtYN1JIS1hLWTIyUUs2QktCRExTTUZITU1PU1dUWFpCUlVDUlRXU1RTUEhBIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJPRElFVk1SU09RVjNKS1oyQ05VTDJSUVY0VFROQUlTS1c0TkFDMjVQUVVRS0dNV0pPNkRUT0FQNCIsIm5hbWUiOiJBIiwic3ViIjoiQUNRSlZKUFVQSlRWVEFCUDdGSzdSWEJORklLS0xTTTVFTzdKUDZERUNKNzdTT0JVS1dTUEJJM0kiLCJuYXRzIjp7ImxpbWl0cyI6eyJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJpbXBvcnRzIjotMSwiZXhwb3J0cyI6LTEsIndpbGRjYXJkcyI6dHJ1ZSwiY29ubiI6LTEsImxlYWYiOi0xfSwiZGVmYXVsdF9wZXJtaXNzaW9ucyI6eyJwdWIiOnt9LCJzdWIiOnt9fSwiYXV0aG9yaXphdGlvbiI6e30sInR5cGUiOiJhY2NvdW50IiwidmVyc2lvbiI6Mn19.-ERLu2HEaaWq6L9paSTfbVNfavWoN_1yQYEK-kflZEijO6gcdmaerArYmGaEltOs8ifoyzz0E6vRAeQdLnoIDA
? 0

# the signed token decodes, verifies and round-trips through decode
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 alice.json | natsauth decode --verify --now 1700000000 --account acct.jwt - | grep -c '^\[verify\] ok'
> 1
? 0

# --expiry is relative to iat (30m, 1h, 2d, 90s, 1h30m, plain seconds)
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 1h alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700003600,
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 30m alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700001800,
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 2d alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700172800,
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 90s alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700000090,
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 1h30m alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700005400,
? 0

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 120 alice.json | natsauth decode --json --now 1700000000 -
* "exp":1700000120,
? 0

# the token with --expiry 100 is the fixture alice-exp.jwt
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --expiry 100 alice.json | cmp - alice-exp.jwt && echo same
> same
? 0

# --exp and --nbf are absolute
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --exp 1800000000 --nbf 1700000500 alice.json | natsauth decode --json --now 1700000000 -
* "exp":1800000000,
* "nbf":1700000500,
* {"description":"claim is not yet valid","blocking":false,"time_check":true}
? 0

# without --iat the current time is used
$ natsauth jwt sign --type user --seed acct.seed alice.json | natsauth decode --json - | grep -c '"iat":1[7-9][0-9]\{8\},'
> 1
? 0

# an activation can be signed too
$ natsauth jwt sign --type activation --seed acct.seed --iat 1700000000
< {"sub":"ADEFHLIPBTJLMGNOVEWO5RH5K2RE2ZEZ2WCM46JFPZC47WATTNQKOXGS","name":"svc","nats":{"subject":"svc.>","kind":"service"}}
~ eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}
? 0

# a token that would already be expired when issued is refused
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 --exp 1600000000 alice.json
! natsauth: the token would be expired when issued (exp 1600000000, iat 1700000000)
? 1

# blocking validation issues refuse the token and are listed
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{"allow":["a..b"]}}}
! natsauth: blocking issue: subject "a..b" cannot contain consecutive
! natsauth: refusing to sign: the claims have 1 blocking issue
? 1

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"src":["300.1.1.1"],"times":[{"start":"25:00:00","end":"01:00:00"}]}}
! blocking issue: invalid cidr "300.1.1.1"
! blocking issue: start in time range is invalid "25:00:00"
! the claims have 2 blocking issues
? 1

# the signing seed must fit the claim type
$ natsauth jwt sign --type user --seed user.seed --iat 1700000000 alice.json
! natsauth: cannot sign user claims: user claims must be signed by an account key, not a user key
? 1

$ natsauth jwt sign --type account --seed user.seed --iat 1700000000
< {"sub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I"}
! cannot sign account claims: account claims must be signed by
? 1

# the subject must be a public key of the claim type (a seed there is not echoed)
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY"}
! natsauth: cannot sign user claims: expected subject to be user public key
? 1

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"name":"nobody"}
! natsauth: cannot sign user claims: subject is not set
? 1

# claims JSON problems name the input and the field
$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47",
! natsauth: invalid claims in stdin: claims is not valid JSON
? 1

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{"allow":"x"}}}
! natsauth: invalid claims in stdin: field 'nats.pub.allow' must be a list of strings
? 1

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000
< {"sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"type":"operator"}}
! natsauth: invalid claims in stdin: claims say type 'operator' but 'user' was asked for
? 1

$ natsauth jwt sign --type user --seed acct.seed --iat 1700000000 missing.json
! natsauth: cannot open 'missing.json': no such file or directory
? 1

# usage errors: missing or unknown type, missing seed, bad numbers and durations
$ natsauth jwt sign --seed acct.seed alice.json
! jwt sign: --type is required
? 2

$ natsauth jwt sign --type bogus --seed acct.seed alice.json
! jwt sign: unknown claim type 'bogus'
? 2

$ natsauth jwt sign --type user alice.json
! jwt sign: --seed is required
? 2

$ natsauth jwt sign --type user --seed - -
! cannot both read stdin
? 2

$ natsauth jwt sign --type user --seed acct.seed --iat yesterday alice.json
! --iat 'yesterday' is not a positive unix time
? 2

$ natsauth jwt sign --type user --seed acct.seed --iat 0 alice.json
! --iat '0' is not a positive unix time
? 2

$ natsauth jwt sign --type user --seed acct.seed --expiry 1x alice.json
! --expiry '1x' is not a duration
? 2

$ natsauth jwt sign --type user --seed acct.seed --expiry 0 alice.json
! --expiry '0' is not a duration
? 2

$ natsauth jwt sign --type user --seed acct.seed --expiry h alice.json
! is not a duration
? 2

$ natsauth jwt sign --type user --seed acct.seed --expiry 99999999999999999999 alice.json
! is not a duration
? 2

$ natsauth jwt sign --type user --seed acct.seed --expiry 1h --exp 1800000000 alice.json
! --expiry and --exp cannot be used together
? 2

$ natsauth jwt sign --type user --seed acct.seed --exp -5 alice.json
! --exp '-5' is not a positive unix time
? 2

$ natsauth jwt sign --type user --seed acct.seed --nbf 12abc alice.json
! --nbf '12abc' is not a positive unix time
? 2

$ natsauth jwt sign --type user --seed acct.seed alice.json extra
! unexpected argument 'extra'
? 2

# non-blocking issues are printed as warnings, and the token is still printed
$ natsauth jwt sign --type account --seed acct.seed --iat 1700000000
< {"sub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"A","nats":{"limits":{"conn":-1}}}
~ eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}
! natsauth: warning: self-signed account JWTs shouldn't contain operator limits
? 0
