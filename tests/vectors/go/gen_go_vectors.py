#!/usr/bin/env python3
"""Regenerate / re-check the Go-oracle test data in tests/vectors/go/.

This is test-DATA tooling only (not part of the build). It drives the
`jwtoracle` binary built from the official Go libraries (nats-io/jwt v2.7.3 +
nkeys v0.4.10, Debian trixie packages; see /work/shared/oracle/README.md and
PROVENANCE.md here):

  gen_go_vectors.py [--oracle BIN] vectors       # vectors-go.jsonl   (jwtoracle gen-vectors)
  gen_go_vectors.py [--oracle BIN] encode-cases  # encode-cases.jsonl (jwtoracle encode, cases below)
  gen_go_vectors.py [--oracle BIN] real-tokens   # re-verify real-tokens.jsonl, refresh claim_type/iss/sub
  gen_go_vectors.py [--oracle BIN] all           # all three
  gen_go_vectors.py [--oracle BIN] check         # regenerate into memory and diff against the files

The oracle defaults to $JWTORACLE or /tmp/oracle/jwtoracle. Build it with
  ORACLE_WORK=/tmp/oracle/build /work/shared/oracle/build.sh /tmp/oracle/jwtoracle

All seeds used are fixed, test-only seeds (32 repeated bytes), the same as
in the oracle's own vectors (meta line of vectors-go.jsonl).
"""

import argparse
import base64
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
IAT = 1700000000


def die(msg):
    sys.stderr.write("gen_go_vectors.py: " + msg + "\n")
    sys.exit(1)


def run(oracle, args, stdin=None):
    p = subprocess.run([oracle] + args, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def b64url_decode(seg):
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


# ---------------------------------------------------------------- keys

KEY_SPECS = {
    # name: (nkey type, raw byte)
    "operator": ("operator", 0x11),
    "operator_signing_key": ("operator", 0x12),
    "system_account": ("account", 0x21),
    "account": ("account", 0x22),
    "account_signing_key": ("account", 0x23),
    "account_scoped_signing_key": ("account", 0x24),
    "partner_account": ("account", 0x25),
    "user": ("user", 0x33),
    "user2": ("user", 0x34),
    "xkey": ("curve", 0x44),
    "server": ("server", 0x55),
    "server_xkey": ("curve", 0x56),
}


def load_keys(oracle):
    keys = {}
    for name, (typ, b) in KEY_SPECS.items():
        rc, out, err = run(oracle, ["nkey", "--raw", ("%02x" % b) * 32, "--type", typ])
        if rc != 0:
            die("nkey %s failed: %s" % (name, err.strip()))
        k = json.loads(out)
        k["raw"] = "32x0x%02x" % b
        keys[name] = k
    return keys


# ---------------------------------------------------------------- cases


def encode_cases(K, activation_token):
    """(name, signer key name, input JSON text, note). Input is given as text so
    that exact bytes (escapes, number formats, key order) are recorded."""
    P = {k: v["public"] for k, v in K.items()}
    U, U2, A, A2, O = P["user"], P["user2"], P["account"], P["partner_account"], P["operator"]
    ASK, ASCOPED, OSK, SYS = P["account_signing_key"], P["account_scoped_signing_key"], P["operator_signing_key"], P["system_account"]
    X, SRV = P["xkey"], P["server"]

    def j(obj):
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    cases = []

    def add(name, signer, obj_or_text, note=""):
        text = obj_or_text if isinstance(obj_or_text, str) else j(obj_or_text)
        cases.append((name, signer, text, note))

    # ---- user claims (signed by account 0x22 unless noted)
    add("user/minimal", "account", {"sub": U, "nats": {"type": "user", "version": 2}},
        "no permissions/limits given: unmarshal applies NO defaults (no -1 limits), only empty pub/sub objects are written")
    add("user/name-unicode", "account",
        {"sub": U, "name": "Ünïcødé 名前 🚀 ñ", "nats": {"type": "user", "version": 2}},
        "non-ASCII name: Go writes raw UTF-8 (no \\u escapes) in the payload")
    add("user/name-u2028-u2029", "account",
        {"sub": U, "name": "line\u2028sep\u2029para", "nats": {"type": "user", "version": 2}},
        "Go json escapes U+2028/U+2029 as \\u2028/\\u2029")
    add("user/name-escapes", "account",
        '{"sub":"%s","name":"q\\"b\\\\s\\/t\\tn\\nc\\u0001d\\u007f\\u00e9","nats":{"type":"user","version":2}}' % U,
        "quotes, backslash, escaped slash, control chars, DEL, \\u00e9 input escape")
    add("user/html-chars-in-subjects", "account",
        {"sub": U, "name": "a<b>&c", "nats": {
            "pub": {"allow": ["foo.>", "a<b", "x&y"], "deny": ["secret.>"]},
            "sub": {"allow": [">"], "deny": ["<", "&&"]},
            "type": "user", "version": 2}},
        "Go escapes < > & as \\u003c \\u003e \\u0026 everywhere in the payload")
    add("user/permissions-full", "account",
        {"sub": U, "name": "perm", "nats": {
            "pub": {"allow": ["orders.*", "_INBOX.>"], "deny": ["orders.admin"]},
            "sub": {"allow": ["orders.* workers", "events.>"], "deny": ["events.private.>"]},
            "resp": {"max": 5, "ttl": 1500000000},
            "type": "user", "version": 2}},
        "queue permission 'subject queue', resp ttl in nanoseconds")
    add("user/limits-src-times", "account",
        {"sub": U, "name": "limited", "nats": {
            "subs": 10, "data": 1048576, "payload": 4096,
            "src": ["192.168.1.0/24", "10.0.0.1/32"],
            "times": [{"start": "08:00:00", "end": "17:00:00"}, {"start": "20:00:00", "end": "21:30:00"}],
            "times_location": "Europe/Berlin",
            "type": "user", "version": 2}},
        "")
    add("user/bearer-connection-types", "account",
        {"sub": U, "nats": {"bearer_token": True,
                            "allowed_connection_types": ["STANDARD", "WEBSOCKET", "MQTT", "LEAFNODE", "IN_PROCESS"],
                            "type": "user", "version": 2}},
        "")
    add("user/issuer-account-signing-key", "account_signing_key",
        {"sub": U, "name": "sk-user", "nats": {"issuer_account": A, "type": "user", "version": 2}},
        "signed by account signing key 0x23")
    add("user/tags", "account",
        {"sub": U, "nats": {"tags": ["Foo", " bar ", "BAZ:Qux", "dup", "dup"], "type": "user", "version": 2}},
        "tags given directly in JSON are NOT normalised by Unmarshal (only TagList.Add lowercases)")
    add("user/exp-nbf-aud", "account",
        {"sub": U, "aud": "NATS", "exp": 1900000000, "nbf": 1690000000, "name": "timed",
         "nats": {"type": "user", "version": 2}},
        "aud/exp/nbf are part of ClaimsData and so of the jti hash")
    add("user/input-iss-jti-iat-overwritten", "account",
        {"jti": "SHOULDBEREPLACED", "iat": 1, "iss": O, "sub": U, "nats": {"type": "user", "version": 2}},
        "iss is replaced by the signer, iat by --iat, jti recomputed")
    add("user/unknown-fields-dropped", "account",
        {"sub": U, "foo": "bar", "nats": {"bogus": {"x": 1}, "type": "user", "version": 2}},
        "fields unknown to UserClaims are dropped on re-encode")
    add("user/empty-lists", "account",
        {"sub": U, "nats": {"pub": {"allow": [], "deny": []}, "sub": {}, "src": [], "times": [],
                            "tags": [], "type": "user", "version": 2}},
        "empty lists are omitted (omitempty)")
    add("user/big-int64", "account",
        '{"sub":"%s","nats":{"data":9007199254740993,"payload":-1,"subs":9223372036854775807,"type":"user","version":2}}' % U,
        "int64 values beyond 2^53 must survive exactly")
    add("user/float-for-int", "account",
        '{"sub":"%s","nats":{"subs":1.5,"type":"user","version":2}}' % U,
        "Go: cannot unmarshal number 1.5 into int64 -> error")
    add("user/string-ttl", "account",
        '{"sub":"%s","nats":{"resp":{"max":1,"ttl":"1s"},"type":"user","version":2}}' % U,
        "resp.ttl must be a number (time.Duration) -> error")
    add("user/no-version", "account",
        {"sub": U, "nats": {"type": "user"}},
        "nats.version omitted in input; the library writes version 2")
    add("user/signed-by-operator", "operator",
        {"sub": U, "nats": {"type": "user", "version": 2}},
        "user claims signed by an operator key: the library refuses to encode (issuer prefix)")
    add("user/sub-not-user-key", "account",
        {"sub": A, "nats": {"type": "user", "version": 2}},
        "subject is an account key: does Encode check the subject?")

    # ---- account claims (signed by operator 0x11 unless noted)
    add("account/minimal", "operator", {"sub": A, "name": "A", "nats": {"type": "account", "version": 2}}, "")
    add("account/limits-all", "operator",
        {"sub": A, "name": "limits", "nats": {"limits": {
            "subs": 100, "conn": 10, "leaf": 2, "imports": 5, "exports": 6, "data": 1 << 30, "payload": 1 << 20,
            "wildcards": False, "disallow_bearer": True,
            "mem_storage": 1 << 28, "disk_storage": 1 << 34, "streams": 10, "consumer": 100,
            "max_ack_pending": 1000, "mem_max_stream_bytes": 1 << 20, "disk_max_stream_bytes": 1 << 30,
            "max_bytes_required": True},
            "type": "account", "version": 2}},
        "")
    add("account/tiered-limits", "operator",
        {"sub": A, "nats": {"limits": {"subs": -1, "conn": -1, "leaf": -1, "imports": -1, "exports": -1,
                                       "data": -1, "payload": -1, "wildcards": True,
                                       "tiered_limits": {
                                           "R3": {"mem_storage": 3000, "disk_storage": 30000, "streams": 3, "consumer": 30},
                                           "R1": {"mem_storage": 1000, "disk_storage": 10000, "streams": -1, "consumer": -1,
                                                  "max_ack_pending": 7}}},
                            "type": "account", "version": 2}},
        "tiered_limits map keys come out sorted (R1 before R3)")
    add("account/exports-unsorted", "operator",
        {"sub": A, "nats": {"limits": {"exports": -1, "wildcards": True}, "exports": [
            {"name": "z-stream", "subject": "z.>", "type": "stream"},
            {"name": "svc", "subject": "svc.*", "type": "service", "token_req": True, "response_type": "Chunked",
             "response_threshold": 2000000000, "latency": {"sampling": 50, "results": "lat.results"},
             "account_token_position": 2, "advertise": True, "allow_trace": True,
             "revocations": {U2: 1690000000, "*": 1600000000},
             "description": "a service", "info_url": "http://example.invalid/info"},
            {"name": "m", "subject": "m", "type": "stream"},
            {"name": "a-stream", "subject": "a.*", "type": "stream", "token_req": True}],
            "type": "account", "version": 2}},
        "exports are written sorted by subject; export revocations map sorted")
    add("account/imports", "operator",
        {"sub": A, "nats": {"limits": {"imports": -1}, "imports": [
            {"name": "partner-help", "subject": "partner.help", "account": A2, "token": activation_token,
             "local_subject": "local.help", "type": "service", "share": True},
            {"name": "partner-stream", "subject": "partner.events.>", "account": A2,
             "local_subject": "ev.>", "type": "stream", "allow_trace": True},
            {"name": "old-to", "subject": "old.svc", "account": A2, "to": "mine.old", "type": "service"}],
            "type": "account", "version": 2}},
        "imports sorted by subject; activation token (vector activation/partner-to-A-service) embedded; "
        "deprecated 'to' gives a validation warning")
    add("account/wildcard-export-zero-limits", "operator",
        {"sub": A, "nats": {"exports": [{"subject": "w.>", "type": "stream"}], "type": "account", "version": 2}},
        "no limits in the input means exports=0 and wildcards=false: encodes fine but Validate reports blocking issues")
    add("account/signing-keys-plain-unsorted", "operator",
        {"sub": A, "nats": {"signing_keys": [ASCOPED, ASK], "type": "account", "version": 2}},
        "plain signing keys written as strings, sorted")
    add("account/signing-keys-scoped", "operator",
        {"sub": A, "nats": {"signing_keys": [
            ASK,
            {"kind": "user_scope", "key": ASCOPED, "role": "dept-user", "description": "scoped",
             "template": {"pub": {"allow": ["{{name()}}.>", "dept.{{tag(dept)}}.>"]},
                          "sub": {"allow": ["_INBOX.>", "{{account-name()}}.{{subject()}}"]},
                          "resp": {"max": 1, "ttl": 0}, "subs": -1, "data": -1, "payload": -1,
                          "allowed_connection_types": ["STANDARD"]}}],
            "type": "account", "version": 2}},
        "scoped signing key written as object")
    add("account/mappings", "operator",
        {"sub": A, "nats": {"mappings": {
            "foo.*": [{"subject": "bar.{{wildcard(1)}}", "weight": 50}, {"subject": "baz.$1", "weight": 50, "cluster": "c1"}],
            "a.>": [{"subject": "b.>"}]},
            "type": "account", "version": 2}},
        "mappings map sorted by key")
    add("account/revocations", "operator",
        {"sub": A, "nats": {"revocations": {U2: 1690000000, "*": 1700000000, U: 1600000000},
                            "type": "account", "version": 2}},
        "revocations map sorted by key ('*' sorts first)")
    add("account/authorization-callout", "operator",
        {"sub": A, "nats": {"authorization": {"auth_users": [U2, U], "allowed_accounts": ["*"], "xkey": X},
                            "type": "account", "version": 2}},
        "")
    add("account/misc", "operator",
        {"sub": A, "name": "Åccount ✓", "nats": {
            "description": "desc with <html> & \u2028 sep", "info_url": "https://example.invalid/a?b=1&c=2",
            "tags": ["prod", "eu"], "trace": {"dest": "trace.dest", "sampling": 25},
            "cluster_traffic": "owner",
            "default_permissions": {"pub": {"deny": ["$SYS.>"]}, "sub": {"allow": [">"]}},
            "type": "account", "version": 2}},
        "")
    add("account/self-signed-with-limits", "account",
        {"sub": A, "name": "self", "nats": {"limits": {"conn": 5}, "type": "account", "version": 2}},
        "self-signed account (signed by its own key)")
    add("account/signed-by-user-seed", "user",
        {"sub": A, "nats": {"type": "account", "version": 2}},
        "account claims signed by a user key -> library refuses")
    add("account/signed-by-operator-signing-key", "operator_signing_key",
        {"sub": SYS, "name": "SYS", "nats": {"type": "account", "version": 2}}, "")

    # ---- operator claims
    add("operator/full", "operator",
        {"sub": O, "name": "OP", "nats": {
            "signing_keys": [OSK], "account_server_url": "nats://127.0.0.1:4222",
            "operator_service_urls": ["nats://127.0.0.1:4222", "tls://127.0.0.1:4443"],
            "system_account": SYS, "assert_server_version": "2.10.0", "strict_signing_key_usage": True,
            "tags": ["a", "b"], "type": "operator", "version": 2}},
        "")
    add("operator/signed-by-account", "account",
        {"sub": O, "nats": {"type": "operator", "version": 2}},
        "operator claims signed by an account key -> library refuses")

    # ---- activation claims (partner 0x25 grants to account 0x22)
    add("activation/service", "partner_account",
        {"sub": A, "name": "act", "nats": {"subject": "partner.svc", "kind": "service", "type": "activation", "version": 2}}, "")
    add("activation/stream-wildcard-exp", "partner_account",
        {"sub": A, "exp": 1900000000, "nats": {"subject": "partner.events.>", "kind": "stream",
                                              "type": "activation", "version": 2}}, "")
    add("activation/issuer-account", "account_signing_key",
        {"sub": A2, "nats": {"subject": "svc.x", "kind": "service", "issuer_account": A,
                             "type": "activation", "version": 2}}, "")

    # ---- authorization callout claims
    add("authorization/response", "account",
        {"sub": U, "aud": SRV, "nats": {"jwt": "eyJhbGciOiJub25lIn0.e30.", "type": "authorization_response", "version": 2}}, "")
    add("authorization/response-error", "account",
        {"sub": U, "aud": SRV, "nats": {"error": "not allowed: <bad> & \"quoted\"", "type": "authorization_response",
                                        "version": 2}}, "")
    add("authorization/request", "server",
        {"sub": U, "aud": "nats-authorization-request", "nats": {
            "server_id": {"name": "srv", "host": "127.0.0.1", "id": SRV, "version": "2.10.27", "xkey": X},
            "user_nkey": U, "client_info": {"host": "127.0.0.1", "id": 7, "user": "bob", "kind": "Client", "type": "nats"},
            "connect_opts": {"user": "bob", "pass": "s3cr3t", "lang": "c", "version": "0.1", "protocol": 1},
            "request_nonce": "bm9uY2U", "type": "authorization_request", "version": 2}}, "")

    # ---- generic claims
    add("generic/nested-floats", "account",
        '{"sub":"%s","name":"gen","nats":{"type":"custom","a":{"b":[1,2.5,1e21,0.1,-0.0,1E-7,123456789012345678]},'
        '"z":true,"n":null,"s":"<&>"},"extra":{"k":null,"arr":[[],{}]}}' % U,
        "GenericClaims keeps unknown data via map[string]interface{}: floats re-rendered by Go, keys sorted")
    add("generic/no-nats", "account", {"sub": U, "foo": "bar", "num": 42}, "no nats section at all")
    add("generic/uppercase-type", "account", {"sub": U, "nats": {"type": "USER", "version": 2}},
        "type is case-sensitive: 'USER' is not a user claim, so GenericClaims")
    add("invalid/not-json", "account", '{"sub": "x", nats: }', "invalid JSON -> error")
    add("invalid/json-array", "account", '[1,2,3]', "top-level array -> error")
    add("invalid/type-not-string", "account", '{"sub":"x","nats":{"type":5}}', "nats.type a number -> error")
    return cases


def build_encode_cases(oracle, K, activation_token):
    out = []
    for name, signer, text, note in encode_cases(K, activation_token):
        key = K[signer]
        rec = {"name": name, "signer": "%s %s" % (signer, key["raw"]), "seed": key["seed"],
               "signer_public": key["public"], "iat": IAT, "input_json": text}
        rc, stdout, stderr = run(oracle, ["encode", "--seed", key["seed"], "--iat", str(IAT), "--json", "-"], stdin=text)
        if rc == 0:
            tok = stdout.strip()
            h, p, _ = tok.split(".")
            rec["jwt"] = tok
            rec["header_json"] = b64url_decode(h).decode("utf-8")
            rec["payload_json"] = b64url_decode(p).decode("utf-8")
            # what the library decodes it back as (signature + prefix check + validation)
            drc, dout, _ = run(oracle, ["decode", tok])
            try:
                d = json.loads(dout)
                rec["claim_type"] = d.get("claim_type")
                rec["decoder"] = d.get("decoder")
                rec["validation"] = d.get("issues") or []
            except ValueError:
                rec["decode_error"] = dout.strip()
            rec["decode_exit"] = drc
        else:
            msg = stderr.strip()
            if msg.startswith("jwtoracle: "):
                msg = msg[len("jwtoracle: "):]
            rec["error"] = msg
            rec["exit"] = rc
        if note:
            rec["note"] = note
        out.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(out) + "\n"


def build_vectors(oracle):
    rc, stdout, stderr = run(oracle, ["gen-vectors", "--iat", str(IAT)])
    if rc != 0:
        die("gen-vectors failed: " + stderr)
    return stdout


def refresh_real_tokens(oracle, text):
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        rc, stdout, stderr = run(oracle, ["decode", rec["jwt"]])
        if rc == 1:
            die("real-tokens.jsonl:%d (%s): oracle cannot decode/verify: %s" % (n, rec.get("source"), stderr.strip()))
        d = json.loads(stdout)
        c = d.get("claims") or {}
        hdr = json.loads(d.get("header_json") or "{}")
        new = {"source": rec["source"], "jwt": rec["jwt"], "claim_type": d.get("claim_type"),
               "iss": c.get("iss"), "sub": c.get("sub"), "name": c.get("name", ""),
               "alg": hdr.get("alg"), "iat": c.get("iat"), "decoder": d.get("decoder")}
        for k in ("producer", "note"):
            if k in rec:
                new[k] = rec[k]
        out.append(json.dumps(new, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle", default=os.environ.get("JWTORACLE", "/tmp/oracle/jwtoracle"))
    ap.add_argument("what", choices=["vectors", "encode-cases", "real-tokens", "all", "check"])
    a = ap.parse_args()
    if not (os.path.isfile(a.oracle) and os.access(a.oracle, os.X_OK)):
        die("oracle %s not found; build it with /work/shared/oracle/build.sh" % a.oracle)

    files = {}
    if a.what in ("vectors", "all", "check"):
        files["vectors-go.jsonl"] = build_vectors(a.oracle)
    vec = files.get("vectors-go.jsonl")
    if vec is None:
        with open(os.path.join(HERE, "vectors-go.jsonl"), encoding="utf-8") as f:
            vec = f.read()
    act = None
    for line in vec.splitlines():
        r = json.loads(line)
        if r.get("name") == "activation/partner-to-A-service":
            act = r["jwt"]
    if act is None:
        die("activation/partner-to-A-service not found in vectors-go.jsonl")
    if a.what in ("encode-cases", "all", "check"):
        files["encode-cases.jsonl"] = build_encode_cases(a.oracle, load_keys(a.oracle), act)
    if a.what in ("real-tokens", "all", "check"):
        with open(os.path.join(HERE, "real-tokens.jsonl"), encoding="utf-8") as f:
            files["real-tokens.jsonl"] = refresh_real_tokens(a.oracle, f.read())

    if a.what == "check":
        bad = 0
        for fn, content in files.items():
            with open(os.path.join(HERE, fn), encoding="utf-8") as f:
                same = f.read() == content
            print("%s %s" % ("same" if same else "DIFFERS", fn))
            bad += 0 if same else 1
        sys.exit(1 if bad else 0)
    for fn, content in files.items():
        with open(os.path.join(HERE, fn), "w", encoding="utf-8") as f:
            f.write(content)
        print("wrote %s (%d lines)" % (fn, content.count("\n")))


if __name__ == "__main__":
    main()
