#!/usr/bin/env node
// responder.mjs - a NATS auth callout responder in JavaScript: the
// comparison for bench/bench_callout (see bench/README.md).
//
//   node responder.mjs --url nats://127.0.0.1:4222 --secrets FILE [--queue Q]
//
// It is what a careful JS deployment would write with the official client
// (@nats-io/transport-node, pinned in package.json) and node's native
// ed25519 (OpenSSL, through node:crypto) instead of the pure-JS tweetnacl
// that @nats-io/nkeys uses: per request it decodes the authorization
// request JWT, checks its header, audience, expiry, issuer (a server key N…,
// CRC checked) and ed25519 signature, compares connect_opts.auth_token with
// the configured token, then signs a user JWT (audience = the target
// account, config mode) and the authorization response, both in the exact
// NATS JWT v2 bytes (Go field order, jti = base32(SHA-512/256 of the
// ClaimsData JSON without jti)). Public key objects of servers are cached,
// as a real responder would.
//
// Config mode only, and no xkey: node has no NaCl box (x25519 +
// XSalsa20-Poly1305), so a sealed request (Nats-Server-Xkey header) is
// answered with nothing and counted; the benchmark runs the JS responder
// against the server without xkey only.
//
// FILE (mode 0600, written by bench_callout) holds key=value lines:
//   issuer_seed=SA…   signs the user JWT and the response (auth_callout.issuer)
//   auth_user=…       the auth_callout user this responder connects as
//   auth_pass=…
//   token=…           the token a client must present to be allowed
//   account=APP       the target account (config mode: its name)
// It prints "ready" on stdout once subscribed, and exits on SIGTERM/SIGINT.
// Secrets are never printed.

import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";

let connect;
try {
  ({ connect } = await import("@nats-io/transport-node"));
} catch (e) {
  process.stderr.write(
    `responder.mjs: cannot load @nats-io/transport-node (${e.message}); run bench/js/install.sh\n`,
  );
  process.exit(2);
}

const SUBJECT = "$SYS.REQ.USER.AUTH";
const REQUEST_AUDIENCE = "nats-authorization-request";
const USER_TTL_S = 600; // as natsauth's default_ttl for a grant without expiry
const HEADER_B64 = Buffer.from('{"typ":"JWT","alg":"ed25519-nkey"}').toString("base64url");

// ---- nkeys: base32 + CRC16 (XMODEM), prefix bytes --------------------------

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B32_VAL = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) B32_VAL[B32.charCodeAt(i)] = i;

function b32decode(s) {
  const out = Buffer.alloc(Math.floor((s.length * 5) / 8));
  let bits = 0, acc = 0, n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B32_VAL[c] : -1;
    if (v < 0) throw new Error("bad base32 character");
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function b32encode(buf) {
  let s = "", bits = 0, acc = 0;
  for (const b of buf) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += B32[(acc >> bits) & 31];
    }
  }
  if (bits > 0) s += B32[(acc << (5 - bits)) & 31];
  return s;
}

function crc16(buf) {
  let crc = 0;
  for (const b of buf) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function checkCrc(raw) {
  const body = raw.subarray(0, raw.length - 2);
  if (crc16(body) !== raw.readUInt16LE(raw.length - 2)) throw new Error("bad nkey checksum");
  return body;
}

const PREFIX = { seed: 18 << 3, server: 13 << 3, account: 0, user: 20 << 3 };

// Raw 32-byte public key of an encoded public nkey of the expected type.
function decodePublic(pub, prefix) {
  if (typeof pub !== "string" || pub.length !== 56) throw new Error("bad public key length");
  const body = checkCrc(b32decode(pub));
  if (body[0] !== prefix) throw new Error("unexpected public key type");
  return body.subarray(1);
}

function encodePublic(raw, prefix) {
  const body = Buffer.concat([Buffer.from([prefix]), raw]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crc16(body));
  return b32encode(Buffer.concat([body, crc]));
}

// An account seed (SA…) -> { priv: KeyObject, pub: "A…" }. The seed bytes
// are overwritten once the KeyObject holds them.
function accountKeyFromSeed(seed) {
  const body = checkCrc(b32decode(seed.trim()));
  if ((body[0] & 0xf8) !== PREFIX.seed) throw new Error("not a seed");
  const type = ((body[0] & 7) << 5) | ((body[1] & 0xf8) >> 3);
  if (type !== PREFIX.account) throw new Error("issuer seed is not an account seed");
  const d = body.subarray(2, 34);
  // OKP JWK import wants x too: derive it from a PKCS#8 import first.
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), d]);
  const tmp = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const x = createPublicKey(tmp).export({ format: "jwk" }).x;
  const priv = createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", x, d: d.toString("base64url") },
    format: "jwk",
  });
  pkcs8.fill(0);
  body.fill(0);
  return { priv, pub: encodePublic(Buffer.from(x, "base64url"), PREFIX.account) };
}

const serverKeys = new Map(); // N… -> KeyObject
function serverKey(pub) {
  let k = serverKeys.get(pub);
  if (!k) {
    const x = decodePublic(pub, PREFIX.server).toString("base64url");
    k = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
    if (serverKeys.size > 1000) serverKeys.clear();
    serverKeys.set(pub, k);
  }
  return k;
}

// ---- JWT v2 -----------------------------------------------------------------

// Go's encoding/json string: JSON.stringify plus <, >, & escaped.
const GO_ESC = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026" };
function goStr(s) {
  return JSON.stringify(s).replace(/[<>&]/g, (c) => GO_ESC[c]);
}

// ClaimsData fields in Go order (aud exp jti iat iss name nbf sub), omitempty.
function claimsData(c, jti) {
  let s = "";
  if (c.aud) s += `,"aud":${goStr(c.aud)}`;
  if (c.exp) s += `,"exp":${c.exp}`;
  if (jti) s += `,"jti":"${jti}"`;
  if (c.iat) s += `,"iat":${c.iat}`;
  if (c.iss) s += `,"iss":${goStr(c.iss)}`;
  if (c.name) s += `,"name":${goStr(c.name)}`;
  if (c.sub) s += `,"sub":${goStr(c.sub)}`;
  return s;
}

// Sign claims c (ClaimsData fields) with nats = the JSON text of the nats
// object's fields (without braces, type and version appended here).
function encodeJwt(c, natsFields, type, key) {
  const jti = b32encode(createHash("sha512-256").update(`{${claimsData(c).slice(1)}}`).digest());
  const payload = `{${claimsData(c, jti).slice(1)},"nats":{${natsFields}${natsFields ? "," : ""}"type":"${type}","version":2}}`;
  const signing = `${HEADER_B64}.${Buffer.from(payload).toString("base64url")}`;
  const sig = sign(null, Buffer.from(signing), key);
  return `${signing}.${sig.toString("base64url")}`;
}

// Decode and check an authorization request; throws with a reason.
function openRequest(data, now) {
  const token = Buffer.from(data).toString("latin1");
  const dot1 = token.indexOf("."), dot2 = token.lastIndexOf(".");
  if (dot1 < 0 || dot2 === dot1) throw new Error("request is not a JWT");
  const header = JSON.parse(Buffer.from(token.slice(0, dot1), "base64url").toString());
  if (header.alg !== "ed25519-nkey" || String(header.typ).toUpperCase() !== "JWT")
    throw new Error("request JWT header is not a NATS v2 header");
  const claims = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), "base64url").toString());
  const sig = Buffer.from(token.slice(dot2 + 1), "base64url");
  if (sig.length !== 64 ||
      !verify(null, Buffer.from(token.slice(0, dot2), "latin1"), serverKey(claims.iss), sig))
    throw new Error("request signature does not verify");
  const nats = claims.nats || {};
  if (nats.type !== "authorization_request") throw new Error("not an authorization request");
  if (claims.aud !== REQUEST_AUDIENCE) throw new Error("request audience is wrong");
  if (claims.exp && claims.exp < now) throw new Error("request expired");
  if (claims.nbf && claims.nbf > now) throw new Error("request not yet valid");
  decodePublic(nats.user_nkey, PREFIX.user);
  if (!nats.server_id || !nats.server_id.id) throw new Error("request has no server id");
  return nats;
}

// ---- the responder ----------------------------------------------------------

function readSecrets(path) {
  const conf = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) conf[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  for (const k of ["issuer_seed", "auth_user", "auth_pass", "token", "account"])
    if (!conf[k]) throw new Error(`secrets file has no ${k}`);
  return conf;
}

function parseArgs(argv) {
  const a = { queue: "natsauth-bench-js" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    if (k === "--url") a.url = v;
    else if (k === "--secrets") a.secrets = v;
    else if (k === "--queue") a.queue = v;
    else throw new Error(`unknown option ${k}`);
    i++;
  }
  if (!a.url || !a.secrets) throw new Error("usage: responder.mjs --url URL --secrets FILE [--queue Q]");
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const conf = readSecrets(args.secrets);
  const issuer = accountKeyFromSeed(conf.issuer_seed);
  delete conf.issuer_seed;
  const token = Buffer.from(conf.token);
  // The grant: target account APP, a couple of permissions, default limits.
  const allow = (subjects) => `{"allow":[${subjects.map(goStr).join(",")}]}`;
  const userNats =
    `"pub":${allow(["app.>"])},"sub":${allow(["_INBOX.>", "app.>"])},"subs":-1,"data":-1,"payload":-1`;
  let answered = 0, denied = 0, sealed = 0;

  function respond(userNkey, serverId, inner, now) {
    return encodeJwt({ aud: serverId, iat: now, iss: issuer.pub, sub: userNkey }, inner,
      "authorization_response", issuer.priv);
  }

  function decide(msg) {
    const now = Math.floor(Date.now() / 1000);
    if (msg.headers && msg.headers.has("Nats-Server-Xkey")) {
      sealed++; // cannot open (no NaCl box in node): left unanswered
      return;
    }
    let req;
    try {
      req = openRequest(msg.data, now);
    } catch (e) {
      denied++;
      // answer with an error (unsigned by a trusted request: fresh subject)
      msg.respond(respond(encodePublic(Buffer.alloc(32), PREFIX.user), "", `"error":${goStr(e.message)}`, now));
      return;
    }
    const given = Buffer.from((req.connect_opts && req.connect_opts.auth_token) || "");
    let ok = given.length === token.length;
    if (ok) {
      let diff = 0;
      for (let i = 0; i < token.length; i++) diff |= given[i] ^ token[i];
      ok = diff === 0;
    }
    let inner;
    if (ok) {
      const user = encodeJwt(
        { aud: conf.account, exp: now + USER_TTL_S, iat: now, iss: issuer.pub, name: "bench", sub: req.user_nkey },
        userNats, "user", issuer.priv);
      inner = `"jwt":"${user}"`;
      answered++;
    } else {
      inner = '"error":"not authorized"';
      denied++;
    }
    msg.respond(respond(req.user_nkey, req.server_id.id, inner, now));
  }

  const nc = await connect({
    servers: args.url,
    user: conf.auth_user,
    pass: conf.auth_pass,
    name: "natsauth-bench-js",
    maxReconnectAttempts: -1,
  });
  nc.subscribe(SUBJECT, {
    queue: args.queue,
    callback: (err, msg) => {
      if (err) {
        process.stderr.write(`responder.mjs: subscription error: ${err.message}\n`);
        return;
      }
      try {
        decide(msg);
      } catch (e) {
        process.stderr.write(`responder.mjs: cannot answer: ${e.message}\n`);
      }
    },
  });
  await nc.flush();
  process.stdout.write("ready\n");

  const stop = async () => {
    try {
      await nc.drain();
    } catch {
      // already closed
    }
    process.stderr.write(
      `responder.mjs: ${answered} allowed, ${denied} denied, ${sealed} sealed (unanswered)\n`);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  process.stderr.write(`responder.mjs: ${e.message}\n`);
  process.exit(1);
});
