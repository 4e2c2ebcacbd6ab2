#!/usr/bin/env python3
"""Regenerate / re-check the auth callout vectors in tests/vectors/callout/.

Test-DATA tooling only (not part of the build or the tests). It drives the
`jwtoracle` binary built from the official Go libraries (nats-io/jwt v2 +
nkeys; see tests/vectors/go/PROVENANCE.md) to write:

  requests.jsonl   authorization requests as nats-server 2.10 sends them
                   (server-signed, plain or xkey-sealed) and broken ones,
                   each with the outcome na_callout_open must report;
  responses.jsonl  grants and the exact user JWT and authorization response
                   bytes the Go library encodes for them (iat = now).

  gen_callout_vectors.py [--oracle BIN] write   # (re)write both files
  gen_callout_vectors.py [--oracle BIN] check   # regenerate in memory, diff

The oracle defaults to $JWTORACLE or /tmp/oracle/jwtoracle. One case (a
request signed by an account key) cannot be made with the Go library, which
refuses to encode it; it is signed here with the `cryptography` package's
Ed25519 over the same header.payload bytes Go would sign.

All keys are test-only keys from 32 repeated bytes (0x61..0x6a); they protect
nothing.
"""

import argparse
import base64
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
IAT = 1700000000            # request iat (server clock)
REQ_EXP = IAT + 2           # the server's auth_timeout (2 s) as the request exp
NOW = IAT + 1               # the responder's clock for every case
HEADER_B64 = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ"
SEAL_NONCE = "a1" * 24      # fixed nonce for the sealed vectors (never reuse in real life)

KEY_SPECS = {
    "server": ("server", 0x61),
    "server2": ("server", 0x62),
    "server_xkey": ("curve", 0x63),
    "xkey": ("curve", 0x64),
    "issuer": ("account", 0x65),            # auth_callout.issuer / the callout account
    "issuer_sk": ("account", 0x66),         # a signing key of the callout account
    "target": ("account", 0x67),            # another account (operator mode)
    "target_sk": ("account", 0x68),         # a signing key of the target account
    "user": ("user", 0x69),                 # the user nkey the server made
    "other_xkey": ("curve", 0x6A),          # a curve key that is not the server's
}


def die(msg):
    sys.stderr.write("gen_callout_vectors.py: " + msg + "\n")
    sys.exit(1)


def run(oracle, args, stdin=None):
    p = subprocess.run([oracle] + args, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        die("jwtoracle %s failed: %s" % (args[0], p.stderr.strip()))
    return p.stdout.strip()


def load_keys(oracle):
    keys = {}
    for name, (typ, b) in KEY_SPECS.items():
        k = json.loads(run(oracle, ["nkey", "--raw", ("%02x" % b) * 32, "--type", typ]))
        keys[name] = {"public": k["public"], "seed": k["seed"], "raw": "32x0x%02x" % b}
    return keys


def j(obj):
    return json.dumps(obj, separators=(",", ":"))


def encode(oracle, seed, payload, iat):
    return run(oracle, ["encode", "--seed", seed, "--iat", str(iat), "--json", "-"], j(payload))


def seal(oracle, K, token, to="xkey"):
    b64 = run(oracle, ["xkey-seal", "--seed", K["server_xkey"]["seed"], "--to", K[to]["public"],
                       "--msg", token, "--nonce", SEAL_NONCE])
    return base64.b64decode(b64)


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def request_payload(K, **over):
    """An authorization request as nats-server 2.10 builds it
    (processClientOrLeafCallout): sub = auth_callout.issuer / callout account,
    aud = nats-authorization-request, exp = now + auth_timeout."""
    p = {
        "aud": "nats-authorization-request",
        "exp": REQ_EXP,
        "sub": K["issuer"]["public"],
        "nats": {
            "server_id": {"name": "n1", "host": "0.0.0.0", "id": K["server"]["public"],
                          "version": "2.10.27", "cluster": "c1", "xkey": K["server_xkey"]["public"]},
            "user_nkey": K["user"]["public"],
            "client_info": {"host": "127.0.0.1", "id": 7, "user": "alice", "name": "app-1",
                            "kind": "Client", "type": "nats"},
            "connect_opts": {"user": "alice", "pass": "s3cret", "name": "app-1", "lang": "go",
                             "version": "1.31.0", "protocol": 1},
            "client_tls": {"version": "1.3", "cipher": "TLS_AES_128_GCM_SHA256"},
            "type": "authorization_request",
            "version": 2,
        },
    }
    for k, v in over.items():
        if v is None:
            p.pop(k, None)
        else:
            p[k] = v
    return p


def account_signed(K, token):
    """Re-sign a request's payload (iss = the callout account) with the
    account key: a request no server could have made."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    payload = json.loads(unb64url(token.split(".")[1]))
    payload["iss"] = K["issuer"]["public"]
    signed = HEADER_B64 + "." + b64url(j(payload).encode())
    sk = Ed25519PrivateKey.from_private_bytes(bytes([0x65]) * 32)
    return signed + "." + b64url(sk.sign(signed.encode()))


def flip_sig(token):
    """Change one character in the middle of the signature (still base64url)."""
    i = token.rindex(".") + 40
    c = "A" if token[i] != "A" else "B"
    return token[:i] + c + token[i + 1:]


def requests(oracle, K):
    S = K["server"]["seed"]
    U, N1 = K["user"]["public"], K["server"]["public"]
    plain = encode(oracle, S, request_payload(K), IAT)
    sealed = seal(oracle, K, plain)
    out = []

    def add(case, note, msg, want, header=None, conf=None, now=NOW, partial=None):
        row = {"case": case, "note": note, "msg_b64": base64.b64encode(
            msg if isinstance(msg, bytes) else msg.encode()).decode(),
            "header": header, "conf": conf or {}, "now": now, "want": want}
        if partial is not None:
            row["partial"] = partial
        out.append(row)

    ok = {"status": "ok"}
    full = {"user_nkey": U, "server_id": N1}
    add("plain", "server-signed request, no xkey", plain, ok)
    add("sealed", "the same request sealed server_xkey -> xkey (nonce a1 x24)", sealed, ok,
        header=K["server_xkey"]["public"], conf={"xkey": True})
    add("pinned-ok", "request from a pinned server", plain, ok, conf={"servers": ["server2", "server"]})
    add("tampered-signature", "one signature character changed", flip_sig(plain),
        {"status": "signature verification failed", "contains": "signature"}, partial=full)
    add("wrong-audience", "aud is not nats-authorization-request",
        encode(oracle, S, request_payload(K, aud="nats-authorization-requests"), IAT),
        {"status": "invalid argument", "contains": "audience"}, partial=full)
    add("account-signed", "iss = an account key (signed with cryptography's Ed25519)",
        account_signed(K, plain), {"status": "invalid prefix", "contains": "server key"}, partial=full)
    add("expired", "now is past the request exp", plain,
        {"status": "expired", "contains": "expired"}, now=REQ_EXP + 1, partial=full)
    add("pinned-mismatch", "signed by a server that is not pinned", plain,
        {"status": "trust chain failed", "contains": "not pinned"}, conf={"servers": ["server2"]}, partial=full)
    add("unsealed-with-xkey", "plain request to a responder with an xkey (downgrade)", plain,
        {"status": "invalid argument", "contains": "unsealed request refused"}, conf={"xkey": True})
    add("sealed-no-header", "sealed payload without the Nats-Server-Xkey header", sealed,
        {"status": "invalid argument", "contains": "Nats-Server-Xkey"}, conf={"xkey": True})
    add("sealed-no-xkey", "sealed payload to a responder without an xkey", sealed,
        {"status": "invalid argument", "contains": "no xkey is configured"})
    add("sealed-header-no-xkey", "header given to a responder without an xkey", sealed,
        {"status": "invalid argument", "contains": "no xkey is configured"},
        header=K["server_xkey"]["public"])
    add("sealed-bad-header", "header is not a curve key", sealed,
        {"status": "invalid argument", "contains": "not a curve public key"},
        header=K["server"]["public"], conf={"xkey": True})
    add("sealed-wrong-header", "header names another curve key: the box does not open", sealed,
        {"status": "could not decrypt", "contains": "cannot open the sealed request"},
        header=K["other_xkey"]["public"], conf={"xkey": True})
    tampered = bytearray(sealed)
    tampered[60] ^= 1
    add("sealed-tampered", "one ciphertext bit flipped", bytes(tampered),
        {"status": "could not decrypt", "contains": "cannot open the sealed request"},
        header=K["server_xkey"]["public"], conf={"xkey": True})
    add("garbage", "not a JWT", "hello, world", {"status": "malformed token", "contains": "3 chunks"})
    add("empty", "zero bytes", b"", {"status": "invalid argument", "contains": "empty"})
    add("not-a-request", "a user JWT (signed by an account) instead of a request",
        encode(oracle, K["issuer"]["seed"], {"sub": U, "nats": {"type": "user", "version": 2}}, IAT),
        {"status": "invalid argument", "contains": "not an authorization request"})
    p = request_payload(K)
    p["nats"]["user_nkey"] = K["target"]["public"]
    add("bad-user-nkey", "user_nkey is an account key", encode(oracle, S, p, IAT),
        {"status": "invalid argument", "contains": "user_nkey"},
        partial={"user_nkey": "", "server_id": N1})
    p = request_payload(K)
    del p["nats"]["server_id"]["id"]
    add("no-server-id", "server_id.id missing", encode(oracle, S, p, IAT),
        {"status": "invalid argument", "contains": "server_id"},
        partial={"user_nkey": U, "server_id": ""})
    return out


def responses(oracle, K):
    """Grants answered for the 'plain' request at NOW, and the bytes the Go
    library writes for the same user claims and response claims."""
    U, N1 = K["user"]["public"], K["server"]["public"]
    A, ASK, T, TSK = (K[k]["public"] for k in ("issuer", "issuer_sk", "target", "target_sk"))
    out = []

    def user_payload(nats, **cd):
        p = {"sub": U}
        p.update(cd)
        n = {"subs": -1, "data": -1, "payload": -1}
        n.update(nats)
        n.update({"type": "user", "version": 2})
        p["nats"] = n
        return p

    def add(case, note, mode, conf, grant, user_signer, user_claims, resp_signer, resp_nats):
        ujwt = encode(oracle, K[user_signer]["seed"], user_claims, NOW) if user_claims else None
        rn = dict(resp_nats)
        if ujwt:
            rn["jwt"] = ujwt
        rn.update({"type": "authorization_response", "version": 2})
        resp = encode(oracle, K[resp_signer]["seed"], {"sub": U, "aud": N1, "nats": rn}, NOW)
        out.append({"case": case, "note": note, "mode": mode, "conf": conf, "grant": grant,
                    "now": NOW, "want_user_jwt": ujwt, "want_response": resp})

    add("config-templates", "config mode, account APP, templates, expiry capped at max_ttl",
        "config", {"max_ttl": 3600},
        {"account": "APP", "name": "alice-app", "expires": NOW + 86400,
         "user": {"sub": U, "nats": {"pub": {"allow": ["orders.{{name}}.>", "_INBOX.>"],
                                             "deny": ["orders.{{ name() }}.admin"]},
                                     "sub": {"allow": ["replies.{{nkey}}.>", "acct.{{account}}.*",
                                                       "tag.{{tag(team)}}.>"]},
                                     "tags": ["team:blue"], "subs": -1, "data": -1, "payload": -1,
                                     "type": "user", "version": 2}}},
        "issuer",
        user_payload({"pub": {"allow": ["orders.alice-app.>", "_INBOX.>"], "deny": ["orders.alice-app.admin"]},
                      "sub": {"allow": ["replies.%s.>" % U, "acct.APP.*", "tag.blue.>"]},
                      "tags": ["team:blue"]},
                     aud="APP", name="alice-app", exp=NOW + 3600),
        "issuer", {})
    add("config-default", "config mode, no template, no account: $G, default ttl 600",
        "config", {}, {"account": "", "name": ""},
        "issuer", user_payload({}, aud="$G", exp=NOW + 600), "issuer", {})
    add("operator-signing-keys", "operator mode: target account's signing key signs the user, "
        "the callout account's signing key the response",
        "operator", {"issuer": "issuer_sk", "issuer_account": A, "default_ttl": 120},
        {"account": T, "name": "bob", "signer": "target_sk",
         "user": {"sub": U, "nats": {"pub": {"allow": ["t.{{account}}.>"]}, "subs": -1, "data": -1,
                                     "payload": -1, "type": "user", "version": 2}}},
        "target_sk",
        user_payload({"pub": {"allow": ["t.%s.>" % T]}, "issuer_account": T}, name="bob", exp=NOW + 120),
        "issuer_sk", {"issuer_account": A})
    add("operator-callout-account", "operator mode, grant account '' = the callout account, "
        "signed by its own key", "operator", {}, {"account": "", "name": "carol", "expires": NOW + 60},
        "issuer", user_payload({}, name="carol", exp=NOW + 60), "issuer", {})
    add("error-default", "no grant: error 'not authorized'", "config", {}, None,
        None, None, "issuer", {"error": "not authorized"})
    add("error-sanitized", "reason with control characters", "config", {"reason": "bad\r\nuser\tx"},
        None, None, None, "issuer", {"error": "bad??user?x"})
    return out


def write_jsonl(path, meta, rows):
    with open(path, "w") as f:
        f.write(j(meta) + "\n")
        for r in rows:
            f.write(j(r) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", default=os.environ.get("JWTORACLE", "/tmp/oracle/jwtoracle"))
    ap.add_argument("what", choices=["write", "check"])
    a = ap.parse_args()
    K = load_keys(a.oracle)
    meta = {"meta": True, "keys": K, "iat": IAT, "now": NOW,
            "oracle": run(a.oracle, ["version"]).splitlines()}
    files = {"requests.jsonl": requests(a.oracle, K), "responses.jsonl": responses(a.oracle, K)}
    bad = 0
    for name, rows in files.items():
        path = os.path.join(HERE, name)
        if a.what == "write":
            write_jsonl(path, meta, rows)
            print("wrote %s (%d cases)" % (path, len(rows)))
        else:
            want = [j(meta)] + [j(r) for r in rows]
            have = open(path).read().splitlines()
            if want != have:
                print("DIFF %s" % name)
                bad = 1
            else:
                print("same %s" % name)
    sys.exit(bad)


if __name__ == "__main__":
    main()
