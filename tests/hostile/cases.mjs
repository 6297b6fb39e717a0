// One hostile case, run in a fresh Node process by tests/js/node-hostile.test.mjs:
//   node tests/hostile/cases.mjs <case>      (env HOSTILE_URL, HOSTILE_FOREIGN_URL)
// Prints one line `RESULT <json>`: the outcome (resolved value summary or the error's code,
// message and renderings), the elapsed time, peak RSS and peak wasm memory, and whether a
// normal call succeeded afterwards in the same process. A case still pending after
// HOSTILE_CASE_MS (default 30 s: a loaded 2-core CI machine is slow) is reported as `pending`.

import { inspect } from "node:util";
import * as P from "passerelle";
import { SECRETS } from "./server.mjs";

const { EchangeClient, PreEtatDateClient, unzip, wasmMemoryBytes } = P;
const URL_ = process.env.HOSTILE_URL;
const CASE_MS = Number(process.env.HOSTILE_CASE_MS ?? 30_000);

const echange = (scenario, extra = {}) =>
  new EchangeClient({ baseUrl: `${URL_}/s/${scenario}`, username: SECRETS.username, password: SECRETS.password, retries: 0, ...extra });
const ped = (scenario, extra = {}) =>
  new PreEtatDateClient({ baseUrl: `${URL_}/s/${scenario}`, apiKey: SECRETS.apiKey, email: SECRETS.email, password: SECRETS.pedPassword, retries: 0, ...extra });

async function drain(iterable, { read = true, keep = false } = {}) {
  let n = 0;
  const kept = [];
  for await (const e of iterable) {
    n++;
    if (read && !e.is_dir) await e.bytes();
    if (keep) kept.push(e);
  }
  return { entries: n, kept: kept.length };
}

async function readStream(stream) {
  let n = 0;
  for await (const c of stream) n += c.byteLength;
  return n;
}

const zipOf = (variant) => echange(`zips${variant}`).downloadZip(["/docs"]);

/** The cases: each returns a summary of what resolved (or throws). */
const CASES = {
  // Item 1
  "redirect-cross-ped": () => ped("redirect-cross").authenticate(),
  "redirect-cross-echange": () => echange("redirect-cross-data").listDir("/"),
  "redirect-loop": () => echange("redirect-loop").listDir("/"),
  // Item 2
  "echo-ped": () => ped("echo").authenticate(),
  "echo-echange": () => echange("echo-json").listDir("/"),
  // Item 3
  "zip-long-names-default": async () => drain(unzip(await zipOf("~zip.longnames~n.1000~len.60000")), { keep: true }),
  "zip-long-names-kept": async () =>
    drain(unzip(await zipOf("~zip.longnames~n.1000~len.60000"), { maxNameBytes: 65535 }), { keep: true }),
  "walk-gzip-folders": () => echange("gzip-folders~mib.24").walk("/"),
  // Item 4
  "stalled-download": async () => readStream(await echange("stall", { timeoutMs: 2000, idleTimeoutMs: 2000 }).downloadFile("/f.bin")),
  "stalled-zip": async () => drain(unzip(await echange("stall", { timeoutMs: 2000, idleTimeoutMs: 2000 }).downloadZip(["/docs"]))),
  // Item 5
  "gzip-bomb-listing": () => echange("gzip-bomb~mib.300").listDir("/"),
  // Item 6
  "unzip-retention": async () => {
    const before = wasmMemoryBytes();
    for (let i = 0; i < 1000; i++) await drain(unzip(new Blob([SMALL]).stream()));
    return { runs: 1000, wasmGrowth: wasmMemoryBytes() - before };
  },
  "unzip-break-retention": async () => {
    const before = wasmMemoryBytes();
    for (let i = 0; i < 1000; i++) {
      for await (const e of unzip(new Blob([SMALL]).stream())) {
        if (e.is_dir) break;
      }
    }
    return { runs: 1000, wasmGrowth: wasmMemoryBytes() - before };
  },
  "big-listing": async () => {
    const before = wasmMemoryBytes();
    const entries = await echange("big-listing").listDir("/");
    const last = entries[entries.length - 1];
    return { entries: entries.length, last: last.path, size: last.size, wasmGrowth: wasmMemoryBytes() - before };
  },
  "unzip-bomb-bytes": async () => drain(unzip(await zipOf("~zip.bomb~mib.300"))),
  // Item 7
  "walk-endless": () => echange("endless-tree").walk("/"),
  // Item 8
  "zipentry-read-twice": async () => {
    for await (const e of unzip(new Blob([SMALL]).stream())) {
      if (e.is_dir) continue;
      const first = await e.text();
      await e.text(); // must reject
      return { first };
    }
  },
  "zipentry-after-free": async () => {
    for await (const e of unzip(new Blob([SMALL]).stream())) {
      if (e.is_dir) continue;
      e.free();
      await e.bytes(); // must reject
    }
  },
  // Item 9
  "huge-header": () => echange("huge-header").listDir("/"),
  "redirect-file": () => echange("redirect-file").listDir("/"),
  "short-body-listing": () => echange("short-body").listDir("/"),
  "short-body-download": async () => readStream(await echange("short-body").downloadFile("/f.bin")),
};

let SMALL;

function describe(err) {
  let json;
  try {
    json = JSON.stringify(err);
  } catch (_) {
    json = "";
  }
  return {
    isPasserelleError: err instanceof P.PasserelleError,
    name: err?.name,
    code: err?.code,
    status: err?.status,
    message: String(err?.message ?? err),
    renderings: [String(err), err?.stack ?? "", json, inspect(err, { depth: 5 })].join("\n"),
  };
}

async function main() {
  const name = process.argv[2];
  const run = CASES[name];
  if (!run) throw new Error(`unknown case ${name}`);
  SMALL = new Uint8Array(await (await fetch(`${URL_}/s/zips/api/v2/user/streamzip`, { method: "POST", body: "[]" })).arrayBuffer());
  let peakWasm = wasmMemoryBytes();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakWasm = Math.max(peakWasm, wasmMemoryBytes());
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const startWasm = wasmMemoryBytes();
  const t0 = performance.now();
  let outcome;
  const watchdog = new Promise((resolve) => setTimeout(() => resolve({ pending: true }), CASE_MS).unref());
  try {
    const value = await Promise.race([run().then((v) => ({ value: v ?? null })), watchdog]);
    outcome = value.pending ? { pending: true } : { resolved: true, value: summary(value.value) };
  } catch (err) {
    outcome = { rejected: true, error: describe(err) };
  }
  const elapsedMs = Math.round(performance.now() - t0);
  clearInterval(sampler);
  peakWasm = Math.max(peakWasm, wasmMemoryBytes());
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  // The module still works: a normal listing and a normal archive.
  let after;
  try {
    // With the default retries, as a normal caller would: a pooled connection the server
    // dropped during the case is then not mistaken for a broken module.
    const entries = await echange("normal", { retries: 2 }).listDir("/");
    const z = await drain(unzip(new Blob([SMALL]).stream()));
    after = { ok: entries.length === 2 && z.entries === 3 };
  } catch (err) {
    after = { ok: false, error: String(err) };
  }
  const result = { case: name, ...outcome, elapsedMs, startWasm, peakWasm, peakRss, after };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

function summary(v) {
  if (Array.isArray(v)) return { length: v.length };
  if (v && typeof v === "object") return JSON.parse(JSON.stringify(v, (k, x) => (typeof x === "string" && x.length > 200 ? `${x.slice(0, 200)}…` : x)));
  return v;
}

main().catch((err) => {
  process.stdout.write(`RESULT ${JSON.stringify({ crashed: true, error: String(err?.stack ?? err) })}\n`);
  process.exit(0);
});
