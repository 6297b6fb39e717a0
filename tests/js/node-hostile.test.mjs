// The hostile-server suite (issue 10): one case per defect, each in a fresh Node process
// (tests/hostile/cases.mjs) against a programmable hostile server (tests/hostile/server.mjs),
// then a normal call in the same process to check the module still works. Each case checks the
// typed error; elapsed time, peak RSS and peak wasm memory are printed as figures (diagnostics),
// and only memory is asserted, with generous bounds.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startHostile, SECRETS } from "../hostile/server.mjs";

const RUNNER = fileURLToPath(new URL("../hostile/cases.mjs", import.meta.url));
const MiB = 1 << 20;
let hostile;

before(async () => {
  hostile = await startHostile();
});
after(async () => {
  await hostile?.close();
});

/** Runs one case in a child process; resolves to its RESULT record. */
function runCase(name, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, name], {
      env: { ...process.env, HOSTILE_URL: hostile.url, HOSTILE_FOREIGN_URL: hostile.foreignUrl, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const kill = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(kill);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) {
        resolve({ case: name, died: true, exitCode: code, signal, stderr: err.slice(-2000) });
        return;
      }
      resolve(JSON.parse(line.slice(7)));
    });
  });
}

const mb = (n) => (n === undefined ? "?" : `${(n / MiB).toFixed(1)} MiB`);

/** Runs the case, prints its figures, checks the common invariants, returns the record. */
async function hostileCase(t, name, env) {
  const r = await runCase(name, env);
  const what = r.rejected ? `rejected ${r.error.code}` : r.resolved ? "resolved" : r.pending ? "still pending" : "died";
  t.diagnostic(`${name}: ${what}; ${r.elapsedMs} ms; peak RSS ${mb(r.peakRss)}; wasm ${mb(r.startWasm)} → peak ${mb(r.peakWasm)}`);
  assert.ok(!r.died, `the process died (exit ${r.exitCode}, signal ${r.signal}): ${r.stderr}`);
  assert.ok(!r.crashed, r.error);
  assert.equal(r.after?.ok, true, `a normal call afterwards fails: ${JSON.stringify(r.after)}`);
  return r;
}

function assertRejected(r, code) {
  assert.equal(r.pending, undefined, "the call is still pending");
  assert.ok(r.rejected, `expected a rejection, got ${JSON.stringify(r.value)}`);
  assert.equal(r.error.isPasserelleError, true, `not a PasserelleError: ${r.error.name}: ${r.error.message}`);
  if (code) assert.equal(r.error.code, code, r.error.message);
}

function assertNoSecret(r) {
  for (const s of Object.values(SECRETS)) {
    assert.ok(!r.error.renderings.includes(s), `a secret appears in the error's renderings: ${s}`);
  }
  const basic = Buffer.from(`${SECRETS.username}:${SECRETS.password}`).toString("base64");
  assert.ok(!r.error.renderings.includes(basic), "the Basic header's base64 appears in the error");
}


// ───────────── 1. Credentials follow redirects to another origin ─────────────

test("1. a cross-origin 307 from PRE-ETAT.DATE is not followed with credentials", async (t) => {
  const seen = hostile.foreignLog.length;
  const r = await hostileCase(t, "redirect-cross-ped");
  assertRejected(r);
  assert.match(r.error.message, new RegExp(hostile.foreignUrl.replace(/[.:/]/g, "\\$&")), "the error names the target origin");
  const leaked = hostile.foreignLog.slice(seen).filter((q) => q.headers["x-auth-key"] || q.body.includes(SECRETS.pedPassword));
  assert.deepEqual(leaked, [], "no API key or password reached the foreign origin");
});

test("1. a cross-origin 302 on an Échange listing is an error, not the foreign answer", async (t) => {
  const seen = hostile.foreignLog.length;
  const r = await hostileCase(t, "redirect-cross-echange");
  assertRejected(r);
  const leaked = hostile.foreignLog.slice(seen).filter((q) => q.headers.authorization);
  assert.deepEqual(leaked, [], "no Authorization reached the foreign origin");
});

test("1/9. a redirect loop says so (not a file-path message)", async (t) => {
  const r = await hostileCase(t, "redirect-loop");
  assertRejected(r);
  assert.match(r.error.message, /redirect/i);
  assert.doesNotMatch(r.error.message, /is a file/i);
});

// ───────────── 2. Secrets reach error renderings when a server echoes the request ─────────────

test("2. an echoed API key / password in a non-JSON body never reaches the error", async (t) => {
  const r = await hostileCase(t, "echo-ped");
  assertRejected(r, "server");
  assertNoSecret(r);
});

test("2. an echoed Basic header / password in serverMessage is scrubbed", async (t) => {
  const r = await hostileCase(t, "echo-echange");
  assertRejected(r);
  assertNoSecret(r);
});

// ───────────── 3. Running out of wasm memory kills the process ─────────────

test("3. 1,000 entries with 60 KB names: refused by the default maxNameBytes, memory flat", async (t) => {
  const r = await hostileCase(t, "zip-long-names-default");
  assertRejected(r, "limit_exceeded");
  assert.match(r.error.message, /maxNameBytes/);
  assert.ok(r.peakWasm - r.startWasm < 16 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

test("3. 1,000 entries with 60 KB names kept without free(): wasm memory stays small", async (t) => {
  const r = await hostileCase(t, "zip-long-names-kept");
  assert.ok(r.resolved, JSON.stringify(r.error ?? r));
  assert.equal(r.value.entries, 1000);
  // Before: ~64 KB of wasm memory per entry kept (~64 MB here).
  assert.ok(r.peakWasm - r.startWasm < 32 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

test("3. walk() over folders answering big gzip listings ends typed, in bounded wasm memory", async (t) => {
  // Three folders of ~24 MiB of JSON each (~1.1 million entries): over the default walk budget
  // (100,000 entries), which must be enforced while the listings are read, not after.
  const r = await hostileCase(t, "walk-gzip-folders");
  assertRejected(r, "limit_exceeded");
  // Each listing's entries go to JavaScript as they are parsed: the module holds one body chunk
  // and a batch of entries per listing in flight (it held every listing whole before: 50 MiB).
  assert.ok(r.peakWasm - r.startWasm < 8 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

// ───────────── 4. timeoutMs does not cover download bodies ─────────────

test("4. a download body that stalls after 1,000 bytes times out", async (t) => {
  const r = await hostileCase(t, "stalled-download");
  assertRejected(r, "timeout");
});

test("4. unzip(downloadZip(…)) of a stalled archive times out", async (t) => {
  const r = await hostileCase(t, "stalled-zip");
  assertRejected(r, "timeout");
});

// ───────────── 5. Body caps are checked after reading ─────────────

test("5. a 1 MB gzip listing inflating to 300 MiB is refused while inflating, in bounded memory", async (t) => {
  const r = await hostileCase(t, "gzip-bomb-listing");
  assertRejected(r, "limit_exceeded");
  assert.ok(r.peakRss < 768 * MiB, `peak RSS ${mb(r.peakRss)}`);
  // A listing is parsed while it arrives and never held whole (before: the JSON text in a
  // buffer growing to 64 MiB, ~130 MiB of wasm memory with its doubling).
  assert.match(r.error.message, /64 MiB/);
  assert.ok(r.peakWasm - r.startWasm < 8 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

// ───────────── 6. Wasm memory is retained ─────────────

test("6. 1,000 unzip() runs read to the end keep no wasm memory (no GC needed)", async (t) => {
  const r = await hostileCase(t, "unzip-retention");
  assert.ok(r.resolved, JSON.stringify(r.error ?? r));
  t.diagnostic(`wasm growth over 1,000 runs: ${mb(r.value.wasmGrowth)}`);
  // Before: ~100 KB per run until a GC (~108 MB for 1,000 runs).
  assert.ok(r.value.wasmGrowth <= 4 * MiB, `wasm grew by ${mb(r.value.wasmGrowth)}`);
});

test("6. 1,000 unzip() loops broken out of keep no wasm memory", async (t) => {
  const r = await hostileCase(t, "unzip-break-retention");
  assert.ok(r.resolved, JSON.stringify(r.error ?? r));
  t.diagnostic(`wasm growth over 1,000 runs: ${mb(r.value.wasmGrowth)}`);
  assert.ok(r.value.wasmGrowth <= 4 * MiB, `wasm grew by ${mb(r.value.wasmGrowth)}`);
});

test("6. a 549,451-entry listing costs wasm memory for one chunk, not for the listing", async (t) => {
  const r = await hostileCase(t, "big-listing");
  assert.ok(r.resolved, JSON.stringify(r.error ?? r));
  assert.equal(r.value.entries, 549_451);
  assert.equal(r.value.last, "/releve-0549450.csv");
  assert.equal(r.value.size, 549_450);
  // Before: wasm memory from 1 MB to 258 MB (the JSON, then the parsed entries, then a copy).
  // Now each entry becomes a JavaScript object as it is parsed: what the caller keeps is in the
  // JavaScript heap, the module holds one body chunk.
  assert.ok(r.peakWasm - r.startWasm < 8 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

test("6. bytes() of a 300 MiB bomb entry rejects at the cap without growing wasm memory", async (t) => {
  const r = await hostileCase(t, "unzip-bomb-bytes");
  assertRejected(r, "limit_exceeded");
  // Before: ~514 MB of wasm memory kept for the life of the process.
  assert.ok(r.peakWasm - r.startWasm < 16 * MiB, `wasm grew by ${mb(r.peakWasm - r.startWasm)}`);
});

// ───────────── 7. Unbounded walk() ─────────────

test("7. walk() of an endless tree stops with limit_exceeded", async (t) => {
  const before = hostile.counts.get("endless-tree") ?? 0;
  const r = await hostileCase(t, "walk-endless");
  assertRejected(r, "limit_exceeded");
  const requests = (hostile.counts.get("endless-tree") ?? 0) - before;
  t.diagnostic(`walk-endless: ${requests} listings requested`);
  assert.ok(requests <= 100, `${requests} listings`);
});

// ───────────── 8. ZipEntry misuse ─────────────

test("8. reading a ZipEntry twice rejects with a PasserelleError", async (t) => {
  const r = await hostileCase(t, "zipentry-read-twice");
  assertRejected(r, "invalid_input");
  assert.match(r.error.message, /already read/);
});

test("8. using a ZipEntry after free() rejects with a PasserelleError", async (t) => {
  const r = await hostileCase(t, "zipentry-after-free");
  assertRejected(r, "invalid_input");
  assert.match(r.error.message, /free\(\)/);
});

// ───────────── 9. Misleading messages ─────────────

test("9. a 1 MB response header is reported as such", async (t) => {
  const r = await hostileCase(t, "huge-header");
  assertRejected(r);
  assert.match(r.error.message, /header/i);
  assert.doesNotMatch(r.error.message, /is a file/i);
});

test("9. a redirect to file: is reported as a redirect", async (t) => {
  const r = await hostileCase(t, "redirect-file");
  assertRejected(r);
  assert.match(r.error.message, /redirect/i);
  assert.doesNotMatch(r.error.message, /is a file/i);
});

test("9. a listing shorter than its Content-Length is truncated", async (t) => {
  const r = await hostileCase(t, "short-body-listing");
  assertRejected(r, "truncated");
});

test("9. a download shorter than its Content-Length is truncated", async (t) => {
  const r = await hostileCase(t, "short-body-download");
  assertRejected(r, "truncated");
});
