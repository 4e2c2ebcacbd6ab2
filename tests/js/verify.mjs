#!/usr/bin/env node
// Second-opinion NATS JWT check with the official JavaScript library
// (@nats-io/jwt 0.0.11 + @nats-io/nkeys 2.0.3, see package.json).
//
// Usage:
//   node verify.mjs [--no-prefix-check] [FILE|-]...
//
// Reads JWT tokens, one per line, from the FILEs (or stdin when there are
// none, or for "-"). Blank lines and lines starting with '#' are skipped.
// A line starting with '{' is taken as a JSON object (JSONL vector files):
// its "jwt" string member is checked, and lines without one are skipped.
//
// For every token it prints exactly one line:
//   OK <type> <sub>
//   FAIL <reason>
// and exits 1 if any token failed (2 on usage errors or when no token was read).
//
// What is checked:
//   * jwt.decode() from @nats-io/jwt: 3 segments, header typ JWT/jwt, alg
//     ed25519-nkey (v2) or ed25519 (v1), payload JSON, issuer is a valid
//     public nkey, and the ed25519 signature verifies (v2: over
//     "header.payload"; v1: over "payload").
//   * issuer prefix by claim type, like the Go library's ExpectedPrefixes
//     (disable with --no-prefix-check): operator -> O, account/activation ->
//     A or O, user/authorization_response -> A, authorization_request -> N.
//     Generic claims are not prefix-checked.
//   * sub must be a string, nats.type must be a string when present.
// Expiry (exp/nbf) is deliberately NOT checked.
//
// Note: the library decodes the payload with atob(), i.e. as Latin-1, so
// non-ASCII strings inside claims come out mangled in its result. The
// signature check is unaffected (it is done over the ASCII segments). This
// script only prints "type" and "sub", which are ASCII for valid tokens.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let jwtlib;
try {
  jwtlib = require("@nats-io/jwt");
} catch (e) {
  process.stderr.write(
    `verify.mjs: cannot load @nats-io/jwt (${e.message}); run tests/js/install.sh first\n`,
  );
  process.exit(2);
}
const { decode } = jwtlib;

// Same as ExpectedPrefixes() in github.com/nats-io/jwt/v2 (v2.7.3).
const EXPECTED_ISSUER_PREFIX = {
  operator: ["O"],
  account: ["A", "O"],
  user: ["A"],
  activation: ["A", "O"],
  authorization_request: ["N"],
  authorization_response: ["A"],
};

let prefixCheck = true;
const inputs = [];
for (const a of process.argv.slice(2)) {
  if (a === "--no-prefix-check") prefixCheck = false;
  else if (a === "-h" || a === "--help") {
    process.stdout.write("usage: node verify.mjs [--no-prefix-check] [FILE|-]...\n");
    process.exit(0);
  } else if (a.startsWith("--")) {
    process.stderr.write(`verify.mjs: unknown option ${a}\n`);
    process.exit(2);
  } else inputs.push(a);
}
if (inputs.length === 0) inputs.push("-");

function readInput(name) {
  try {
    return readFileSync(name === "-" ? 0 : name, "utf8");
  } catch (e) {
    process.stderr.write(`verify.mjs: cannot read ${name === "-" ? "stdin" : name}: ${e.message}\n`);
    process.exit(2);
  }
}

// The claim type lives in nats.type for v2 tokens (header alg "ed25519-nkey")
// and at the top level ("type") for v1 tokens (alg "ed25519"); in v1
// activations nats.type is the import kind (stream/service), not the claim type.
function headerAlg(token) {
  try {
    const seg = token.split(".")[0];
    return JSON.parse(Buffer.from(seg, "base64url").toString("utf8")).alg;
  } catch {
    return undefined;
  }
}

function claimType(c, alg) {
  const nats = c && typeof c.nats === "object" && c.nats !== null ? c.nats : undefined;
  if (alg === "ed25519") return c.type !== undefined ? c.type : "generic";
  if (nats && nats.type !== undefined) return nats.type;
  return "generic";
}

function check(token) {
  let c;
  try {
    c = decode(token);
  } catch (e) {
    return `${e && e.message ? e.message : String(e)}`;
  }
  if (c === null || typeof c !== "object" || Array.isArray(c)) return "payload is not a JSON object";
  const type = claimType(c, headerAlg(token));
  if (typeof type !== "string" || type === "") return "claim type is not a non-empty string";
  if (typeof c.sub !== "string" || c.sub === "") return `${type}: missing or non-string sub`;
  if (prefixCheck && EXPECTED_ISSUER_PREFIX[type]) {
    const want = EXPECTED_ISSUER_PREFIX[type];
    const got = String(c.iss).charAt(0);
    if (!want.includes(got)) {
      return `${type}: issuer prefix ${got} not allowed (want ${want.join("|")})`;
    }
  }
  return { type, sub: c.sub };
}

let total = 0;
let failed = 0;
for (const name of inputs) {
  const lines = readInput(name).split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${name === "-" ? "stdin" : name}:${idx + 1}`;
    let token = line;
    if (line.startsWith("{")) {
      let obj;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        total++;
        failed++;
        process.stdout.write(`FAIL ${where}: bad JSON line: ${e.message}\n`);
        return;
      }
      if (typeof obj.jwt !== "string") return; // meta/nkey/... lines
      token = obj.jwt;
    }
    total++;
    const r = check(token);
    if (typeof r === "string") {
      failed++;
      process.stdout.write(`FAIL ${where}: ${r}\n`);
    } else {
      process.stdout.write(`OK ${r.type} ${r.sub}\n`);
    }
  });
}

if (total === 0) {
  process.stderr.write("verify.mjs: no tokens read\n");
  process.exit(2);
}
process.stderr.write(`verify.mjs: ${total - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
