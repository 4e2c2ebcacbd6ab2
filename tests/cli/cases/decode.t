# natsauth decode: inputs, human and --json output, --verify and chain checks.
# Chain fixtures (make_fixtures.sh) were cross-checked with the Go oracle
# (jwtoracle verify-chain, nats-io/jwt v2.7.3): same verdict for every case here.

# ---- inputs and human output ----

# a .jwt file: header, claims (pretty JSON) and issues, each under a title line
$ natsauth decode --now 1700000000 alice.jwt
> [header]
> {"typ":"JWT","alg":"ed25519-nkey"}
>
> [claims] user UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
> {
>   "jti": "VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ",
>   "iat": 1700000000,
>   "iss": "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I",
>   "name": "alice",
>   "sub": "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47",
>   "nats": {
>     "pub": {},
>     "sub": {},
>     "subs": -1,
>     "data": -1,
>     "payload": -1,
>     "type": "user",
>     "version": 2
>   }
> }
>
> [issues] none
? 0

# the same token as a bare argument, from stdin (explicit and default), decorated
# and inside a .creds file (whose seed is never shown: the runner checks every output)
$ natsauth decode --json --now 1700000000 eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":false,"error":null}
? 0

$ natsauth decode --json --now 1700000000 - < alice.jwt
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":false,"error":null}
? 0

$ natsauth decode --json --now 1700000000
< eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJWTjNLWklZMldNUkVPUFRZNktWUExJM1hIVVg1RzU2VUFZT0dMVUpMVjI0QllJVzdJNVRRIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBQ1FKVkpQVVBKVFZUQUJQN0ZLN1JYQk5GSUtLTFNNNUVPN0pQNkRFQ0o3N1NPQlVLV1NQQkkzSSIsIm5hbWUiOiJhbGljZSIsInN1YiI6IlVBTDRXNlAzRk5BU0I0VlI1UlM2SUdNTk5ZRUxGRFVCSDdWUURaRkVBQ0JaWEJQQlFDQU00QzQ3IiwibmF0cyI6eyJwdWIiOnt9LCJzdWIiOnt9LCJzdWJzIjotMSwiZGF0YSI6LTEsInBheWxvYWQiOi0xLCJ0eXBlIjoidXNlciIsInZlcnNpb24iOjJ9fQ.Y-KnEo3OHidwAkrvJfhqMyEztvTN4W6uVf9YDlWvtAXvvvk4pc9vV6ONNs6gUpBle0kbfnKT7xuhPJJNMUSVCQ
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":false,"error":null}
? 0

$ natsauth decode --json --now 1700000000 alice.decorated
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":false,"error":null}
? 0

$ natsauth decode --json --now 1700000000 alice.creds
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":false,"error":null}
? 0

$ natsauth decode --now 1700000000 alice.creds
* [claims] user UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47
? 0

$ natsauth decode --now 1700000000 < alice.creds
* "name": "alice",
? 0

# operator and account tokens
$ natsauth decode --now 1700000000 op.jwt
* [claims] operator ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4
* "type": "operator",
? 0

$ natsauth decode --json --now 1700000000 acct.decorated
* "type":"account","issues":[],"verified":false,"error":null}
* "wildcards":true,
? 0

# ---- expiry: reported without --verify, fatal with it ----

$ natsauth decode --now 1700000200 alice-exp.jwt
* "exp": 1700000100,
* [issues]
* - claim is expired (time check)
? 0

$ natsauth decode --json --now 1700000200 alice-exp.jwt
* "issues":[{"description":"claim is expired","blocking":false,"time_check":true}],"verified":false,"error":null}
? 0

$ natsauth decode --verify --now 1700000200 alice-exp.jwt
* [verify] FAILED at 1700000200
* times:      claim is expired (exp 1700000100, now 1700000200)
! natsauth: verification failed: claim is expired (exp 1700000100, now 1700000200)
? 1

$ natsauth decode --json --verify --now 1700000200 alice-exp.jwt
* "verified":false,"error":"verification failed: claim is expired (exp 1700000100, now 1700000200)"}
! verification failed: claim is expired
? 1

# before expiry --verify passes
$ natsauth decode --verify --now 1700000050 alice-exp.jwt
* [verify] ok at 1700000050
* chain:      not checked (no --operator/--account)
? 0

$ natsauth decode --json --verify --now 1700000050 alice-exp.jwt
* "verified":true,"error":null}
? 0

# ---- tampered tokens ----

# a payload edited after signing (name alice -> alicf)
$ natsauth decode alice-tampered.jwt
! natsauth: cannot decode 'alice-tampered.jwt': signature verification failed
? 1

# one character of the signature changed
$ natsauth decode --verify alice-badsig.jwt
! signature verification failed
? 1

# a byte flipped in the middle of the payload, given as an argument
$ T=$(python3 -c 'import sys; t=open("alice.jwt").read().strip(); i=t.index(".")+40; print(t[:i]+("B" if t[i]!="B" else "C")+t[i+1:])') && natsauth decode "$T"
! natsauth: cannot decode the token argument:
? 1

# --json still prints one object, with the error
$ natsauth decode --json alice-tampered.jwt
> {"header":null,"claims":null,"type":null,"issues":[],"verified":false,"error":"cannot decode 'alice-tampered.jwt': signature verification failed: claim failed V2 signature verification"}
! signature verification failed
? 1

# malformed tokens and inputs
$ natsauth decode eyJ.x.y
! natsauth: cannot decode the token argument: token header is not valid base64url
? 1

$ natsauth decode hello.txt
! natsauth: cannot read a JWT from 'hello.txt': no JWT found in creds
? 1

$ natsauth decode missing.jwt
! natsauth: cannot open 'missing.jwt': no such file or directory
? 1

$ : > empty.jwt && natsauth decode empty.jwt
! cannot read a JWT from 'empty.jwt'
? 1

$ head -c 2000000 /dev/zero | tr '\0' a > big.jwt && natsauth decode big.jwt
! natsauth: 'big.jwt' is larger than the maximum of
? 1

$ natsauth decode --json missing.jwt
> {"header":null,"claims":null,"type":null,"issues":[],"verified":false,"error":"cannot open 'missing.jwt': no such file or directory"}
! cannot open 'missing.jwt'
? 1

# ---- chains ----

# account against its operator (raw and decorated files)
$ natsauth decode --verify --now 1700000000 --operator op.jwt acct.jwt
* [verify] ok at 1700000000
* chain:      ok
? 0

$ natsauth decode --json --now 1700000000 --operator op.decorated acct.decorated
* "verified":true,"error":null}
? 0

# user against account and operator (--operator/--account imply --verify)
$ natsauth decode --json --now 1700000000 --operator op.jwt --account acct.jwt alice.jwt
> {"header":{"typ":"JWT","alg":"ed25519-nkey"},"claims":{"jti":"VN3KZIY2WMREOPTY6KVPLI3XHUX5G56UAYOGLUJLV24BYIW7I5TQ","iat":1700000000,"iss":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"alice","sub":"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47","nats":{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}},"type":"user","issues":[],"verified":true,"error":null}
? 0

$ natsauth decode --now 1700000000 --account acct.decorated alice.creds
* [verify] ok at 1700000000
? 0

# a user signed by a signing key the account lists, and one it does not list
$ natsauth decode --now 1700000000 --operator op.jwt --account acct-sk.jwt bob-by-sk.jwt
* [verify] ok
? 0

$ natsauth decode --now 1700000000 --account acct.jwt bob-by-sk.jwt
* [verify] FAILED
! natsauth: verification failed: user 'UA2LJWIEGFLMW3OPBPVQUKKJW5KZZFANFPFW3PUMKOU3GATY4OTUNWQG' is signed by 'ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I', which is neither account 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I' nor one of its signing keys
? 1

# a revoked user (revoked_at >= iat)
$ natsauth decode --now 1700000000 --account acct-revoked.jwt alice.jwt
* chain:      user 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47' is revoked by account
! natsauth: verification failed: user 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47' is revoked by account 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I'
? 1

$ natsauth decode --json --now 1700000000 --account acct-revoked.jwt alice.jwt
* "verified":false,"error":"verification failed: user 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47' is revoked by account 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I'"}
! is revoked
? 1

# a strict operator refuses accounts signed by its identity key, accepts its signing key
$ natsauth decode --now 1700000000 --operator op-strict.jwt acct.jwt
! natsauth: verification failed: account 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I' is signed by the operator identity key, but the operator requires signing keys (strict_signing_key_usage)
* [verify] FAILED
? 1

$ natsauth decode --now 1700000000 --operator op-strict.jwt acct-by-osk.jwt
* [verify] ok
? 0

# ... and through a user token, the account is checked against the operator too
$ natsauth decode --now 1700000000 --operator op-strict.jwt --account acct.jwt alice.jwt
* [verify] FAILED
! strict_signing_key_usage
? 1

# an account signed by a key the operator does not list
$ natsauth decode --now 1700000000 --operator op.jwt acct-by-osk.jwt
* [verify] FAILED
! natsauth: verification failed: account 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I' is signed by 'OCZESHMVAKXCQYYKFOWLFYGHIUIP7TOTFDBTJ7Z6COJ6OWZNGHT5ZNP6', which is neither operator
? 1

# activations are checked against the exporting account
$ natsauth decode --now 1700000000 --operator op.jwt --account acct.jwt act.jwt
* [claims] activation ADEFHLIPBTJLMGNOVEWO5RH5K2RE2ZEZ2WCM46JFPZC47WATTNQKOXGS
* [verify] ok
? 0

$ natsauth decode --now 1700000000 --account acct2.jwt act.jwt
* [verify] FAILED
! natsauth: verification failed: activation 'ADEFHLIPBTJLMGNOVEWO5RH5K2RE2ZEZ2WCM46JFPZC47WATTNQKOXGS' is signed by 'ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I', which is neither account
? 1

# several failures are all named: expired user and revoked
$ natsauth decode --now 1700000200 --account acct-revoked.jwt alice-exp.jwt
! verification failed: claim is expired (exp 1700000100, now 1700000200); user 'UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47' is revoked
* [verify] FAILED
? 1

# an expired chain token fails verification
$ printf '{"sub":"ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I","name":"A","nats":{"limits":{"conn":-1}}}' | natsauth jwt sign --type account --seed op.seed --iat 1700000000 --expiry 10 > acct-short.jwt && natsauth decode --now 1700000100 --account acct-short.jwt alice.jwt
* [verify] FAILED
! natsauth: verification failed: account 'acct-short.jwt': claim is expired (exp 1700000010, now 1700000100)
? 1

# a chain file of the wrong type, a tampered chain file
$ natsauth decode --now 1700000000 --operator acct.jwt acct.jwt
! natsauth: --operator 'acct.jwt' holds account claims, want operator claims
? 1

$ natsauth decode --now 1700000000 --account alice-tampered.jwt alice.jwt
! natsauth: --account 'alice-tampered.jwt': claim failed V2 signature verification
? 1

$ natsauth decode --now 1700000000 --account missing.jwt alice.jwt
! natsauth: cannot open 'missing.jwt'
? 1

# options that do not fit the token are usage errors
$ natsauth decode --now 1700000000 --operator op.jwt alice.jwt
! decode: checking a user token against --operator also needs --account
? 2

$ natsauth decode --now 1700000000 --account acct.jwt acct.jwt
! decode: --account does not apply to an account token
? 2

$ natsauth decode --now 1700000000 --operator op.jwt op.jwt
! decode: --operator and --account do not apply to operator tokens
? 2

# ---- usage errors ----

$ natsauth decode --now soon alice.jwt
! decode: --now 'soon' is not a unix time
? 2

$ natsauth decode --operator - -
! decode: only one input can be read from stdin
? 2

$ natsauth decode --bogus alice.jwt
! decode: unknown option '--bogus'
? 2

$ natsauth decode alice.jwt acct.jwt
! decode: unexpected argument 'acct.jwt'
? 2

# a seed given where a token belongs is treated as a path and redacted in errors
$ natsauth decode SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
! natsauth: cannot open '<redacted seed>': no such file or directory
? 1

$ natsauth decode --json SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY
> {"header":null,"claims":null,"type":null,"issues":[],"verified":false,"error":"cannot open '<redacted seed>': no such file or directory"}
! <redacted seed>
? 1

# text from a token cannot drive the terminal: control characters become '?'
# (a generic claim whose subject holds an ESC sequence; --json escapes it)
$ printf '{"sub":"x\\u001b[31mred","name":"g"}' | natsauth jwt sign --type generic --seed acct.seed --iat 1700000000 > g.jwt && ! natsauth decode --now 1700000000 g.jwt | grep -q "$(printf '\033')" && echo clean
> clean
? 0

$ printf '{"sub":"x\\u001b[31mred","name":"g"}' | natsauth jwt sign --type generic --seed acct.seed --iat 1700000000 > g.jwt && natsauth decode --now 1700000000 g.jwt
* [claims] generic x?[31mred
? 0

$ printf '{"sub":"x\\u001b[31mred","name":"g"}' | natsauth jwt sign --type generic --seed acct.seed --iat 1700000000 > g.jwt && natsauth decode --json --now 1700000000 g.jwt
* "sub":"x\u001b[31mred"},"type":"generic"
? 0

# blocking validation issues are shown; with --verify they fail
# (user-blocking.jwt was made by the Go oracle: natsauth refuses to sign it)
$ natsauth decode --now 1700000000 user-blocking.jwt
* - subject "a..b" cannot contain consecutive `.` (blocking)
? 0

$ natsauth decode --json --now 1700000000 user-blocking.jwt
* "issues":[{"description":"subject \"a..b\" cannot contain consecutive `.`","blocking":true,"time_check":false}],"verified":false,"error":null}
? 0

$ natsauth decode --verify --now 1700000000 user-blocking.jwt
* validation: 1 blocking issue: subject "a..b" cannot contain consecutive `.`
! natsauth: verification failed: 1 blocking issue: subject "a..b" cannot contain consecutive `.`
? 1
