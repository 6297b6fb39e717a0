// Mirror figures (issue 12; not in CI): the fake's 1,500-file folder (/Lot-1500) mirrored in
// Node (into a temporary directory) and in headless Chromium (into the origin private file
// system, through playwright-core and Debian's chromium), first run and second run. For each
// run: wall time, HTTP requests seen by the fake (its request log: downloads, listings, tokens,
// CORS preflights), and memory — Node: peak RSS of a fresh process (`resourceUsage().maxRSS`)
// and its RSS before the run, peak JS heap (`memoryUsage().heapUsed` sampled every 50 ms);
// Chromium: peak JS heap (DevTools `Performance.getMetrics`,
// sampled every 50 ms during the run) and the WebAssembly memory (`wasmMemoryBytes()`, which
// only grows, so its value after the run is its peak). BENCH_REPS repetitions (default 5), each
// on a fresh folder after a reset of the fake; medians printed, with min–max.
//
//   node bench/mirror.mjs                  (after scripts/build and the package install, as
//                                           scripts/test's install_package does)
//   BENCH_REPS=3 BENCH_CONCURRENCY=8 node bench/mirror.mjs
//   PASSERELLE_FAKE_URL=http://127.0.0.1:PORT node bench/mirror.mjs   (a running fake)
// Without PASSERELLE_FAKE_URL, target/release or target/debug passerelle-fakes is started.
import { spawn, execFile } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdtempSync, rmSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { serveStatic } from "../scripts/lib/static-server.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const REPS = Number(process.env.BENCH_REPS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const REMOTE = "/Lot-1500";
const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
const FILES = "/api/v2/user/files";
const MANIFEST = ".passerelle-mirror.json";
const MiB = 2 ** 20;
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
];

async function startFake() {
  if (process.env.PASSERELLE_FAKE_URL) return { url: process.env.PASSERELLE_FAKE_URL.replace(/\/+$/, ""), kind: "given" };
  const bin = [process.env.PASSERELLE_FAKE_BIN, `${ROOT}target/release/passerelle-fakes`, `${ROOT}target/debug/passerelle-fakes`]
    .find((b) => b && existsSync(b));
  if (!bin) throw new Error("no fake server: cargo build -p passerelle-fakes, or set PASSERELLE_FAKE_URL");
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGTERM"));
  const url = await new Promise((ok, ko) => {
    createInterface({ input: child.stdout }).once("line", ok);
    child.once("exit", (c) => ko(new Error(`passerelle-fakes exited (${c})`)));
  });
  return { url: url.trim().replace(/\/+$/, ""), kind: bin.includes("/release/") ? "release" : "debug" };
}

const fake = await startFake();

async function control(method, path, body) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** What the fake received since `from` (an index into its log): totals by kind. */
async function requestsSince(from) {
  const log = (await control("GET", "/__fake/requests")).slice(from);
  return {
    next: from + log.length,
    total: log.length,
    downloads: log.filter((r) => r.method === "GET" && r.path === FILES).length,
    listings: log.filter((r) => r.method === "GET" && r.path === "/api/v2/user/dirs").length,
    tokens: log.filter((r) => r.method === "GET" && r.path === "/api/v2/user/token").length,
    preflights: log.filter((r) => r.method === "OPTIONS").length,
  };
}

// ───────────────────────────── Node ─────────────────────────────

/** One mirror run in a fresh Node process; its figures as JSON on stdout. */
const NODE_RUN = `
  import { EchangeClient, mirror, wasmMemoryBytes } from "passerelle";
  const [base, username, password, dir, remote, concurrency] = process.argv.slice(1);
  const client = new EchangeClient({ baseUrl: base, username, password });
  const before = process.memoryUsage();
  // Live JS objects (heapUsed) and buffers outside the heap, sampled every 50 ms (no GC forced).
  let heapPeak = before.heapUsed, externalPeak = before.external;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed);
    externalPeak = Math.max(externalPeak, m.external);
  }, 50);
  const t0 = performance.now();
  const s = await mirror(client, remote, dir, { concurrency: Number(concurrency) });
  const ms = performance.now() - t0;
  clearInterval(sample);
  console.log(JSON.stringify({ ms, fetched: s.fetched.length, unchanged: s.unchanged, failed: s.failed.length,
    rssBefore: before.rss, maxRss: process.resourceUsage().maxRSS * 1024, heapBefore: before.heapUsed, heapPeak,
    externalPeak, wasm: wasmMemoryBytes() }));
`;

async function nodeRun(dir) {
  const { stdout } = await promisify(execFile)(process.execPath,
    ["--input-type=module", "-e", NODE_RUN, fake.url, USER.username, USER.password, dir, REMOTE, String(CONCURRENCY)],
    { cwd: ROOT, maxBuffer: 1 << 20 });
  return JSON.parse(stdout);
}

/** Files in `dir` (the manifest included in `n`) and their bytes (manifest apart). */
function countFiles(dir) {
  let n = 0;
  let bytes = 0;
  let manifest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      n += 1;
      const size = statSync(join(e.parentPath ?? e.path, e.name)).size;
      if (e.name === MANIFEST) manifest = size;
      else bytes += size;
    }
  }
  return { n, bytes, manifest };
}

async function benchNode() {
  const reps = [];
  for (let i = 0; i < REPS; i += 1) {
    await control("POST", "/__fake/reset", {});
    const dir = mkdtempSync(join(tmpdir(), "passerelle-bench-mirror-"));
    try {
      let at = 0;
      const rep = {};
      for (const label of ["first", "second"]) {
        const r = await nodeRun(dir);
        const q = await requestsSince(at);
        at = q.next;
        rep[label] = { ...r, requests: q };
      }
      rep.onDisk = countFiles(dir);
      reps.push(rep);
      process.stderr.write(`node rep ${i + 1}/${REPS}: ${rep.first.ms.toFixed(0)} ms / ${rep.second.ms.toFixed(0)} ms\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return reps;
}

// ───────────────────────────── Chromium ─────────────────────────────

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>mirror bench</title></head>
<body><script type="module">
  import init, { EchangeClient, wasmMemoryBytes } from "/pkg/web.js";
  await init();
  window.benchRun = async ({ base, username, password, folder, remote, concurrency }) => {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(folder, { create: true });
    const client = new EchangeClient({ baseUrl: base, username, password });
    const wasmBefore = wasmMemoryBytes();
    const t0 = performance.now();
    const s = await client.mirror(remote, dir, { concurrency });
    const ms = performance.now() - t0;
    client.free();
    return { ms, fetched: s.fetched.length, unchanged: s.unchanged, failed: s.failed.length, wasmBefore, wasm: wasmMemoryBytes() };
  };
  window.benchCount = async (folder) => {
    let n = 0, bytes = 0, manifest = 0;
    const walk = async (dir) => {
      for await (const [name, h] of dir.entries()) {
        if (h.kind === "directory") await walk(h);
        else {
          n += 1;
          const size = (await h.getFile()).size;
          if (name === ".passerelle-mirror.json") manifest = size;
          else bytes += size;
        }
      }
    };
    await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle(folder));
    return { n, bytes, manifest };
  };
  document.documentElement.dataset.ready = "1";
</script></body></html>`;

/** Samples the page's JS heap through the DevTools protocol until stopped; resolves with the peak. */
function heapSampler(cdp) {
  let peak = 0;
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const { metrics } = await cdp.send("Performance.getMetrics");
      const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
      if (used > peak) peak = used;
      await new Promise((r) => setTimeout(r, 50));
    }
    return peak;
  })();
  return {
    async stop() {
      stop = true;
      return done;
    },
  };
}

async function benchChromium() {
  const pkgDir = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
  const pageDir = mkdtempSync(join(tmpdir(), "passerelle-bench-page-"));
  writeFileSync(join(pageDir, "index.html"), PAGE);
  const server = await serveStatic({ "/pkg/": pkgDir, "/": pageDir });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const reps = [];
  try {
    for (let i = 0; i < REPS; i += 1) {
      await control("POST", "/__fake/reset", {});
      // A fresh context per repetition: its own process, heap and WebAssembly memory.
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.goto(`${server.url}/`);
      await page.waitForSelector("html[data-ready='1']", { timeout: 30_000 });
      const folder = `bench-${i}-${Date.now()}`;
      let at = (await control("GET", "/__fake/requests")).length;
      const rep = {};
      for (const label of ["first", "second"]) {
        await cdp.send("HeapProfiler.enable").then(() => cdp.send("HeapProfiler.collectGarbage")).catch(() => {});
        const { metrics } = await cdp.send("Performance.getMetrics");
        const heapBefore = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
        const sampler = heapSampler(cdp);
        const r = await page.evaluate((p) => window.benchRun(p), {
          base: fake.url, ...USER, folder, remote: REMOTE, concurrency: CONCURRENCY,
        });
        const heapPeak = await sampler.stop();
        const q = await requestsSince(at);
        at = q.next;
        rep[label] = { ...r, heapBefore, heapPeak, requests: q };
      }
      rep.onDisk = await page.evaluate((f) => window.benchCount(f), folder);
      await page.evaluate(async (f) => (await navigator.storage.getDirectory()).removeEntry(f, { recursive: true }), folder);
      await context.close();
      reps.push(rep);
      process.stderr.write(`chromium rep ${i + 1}/${REPS}: ${rep.first.ms.toFixed(0)} ms / ${rep.second.ms.toFixed(0)} ms\n`);
    }
  } finally {
    await browser.close();
    await server.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
  return reps;
}

// ───────────────────────────── report ─────────────────────────────

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "median (min–max)" of `f(rep)` over the repetitions, formatted by `fmt`. */
function stat(reps, f, fmt) {
  const xs = reps.map(f);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? fmt(lo) : `${fmt(median(xs))} (${fmt(lo)}–${fmt(hi)})`;
}

const ms = (x) => `${Math.round(x).toLocaleString("en-US")} ms`;
const mib = (x) => `${(x / MiB).toFixed(1)} MiB`;
const int = (x) => String(Math.round(x));

function check(reps, where) {
  for (const r of reps) {
    const ok = r.first.fetched === 1500 && r.first.failed === 0 && r.second.fetched === 0 && r.second.unchanged === 1500
      && r.first.requests.downloads === 1500 && r.second.requests.downloads === 0 && r.onDisk.n === 1501;
    if (!ok) throw new Error(`${where}: unexpected run ${JSON.stringify(r)}`);
  }
}

const nodeReps = await benchNode();
check(nodeReps, "node");
const chromeReps = await benchChromium();
check(chromeReps, "chromium");

const out = [];
out.push(`Mirror of ${REMOTE} (1,500 files, ${nodeReps[0].onDisk.bytes.toLocaleString("en-US")} bytes; manifest ` +
  `${nodeReps[0].onDisk.manifest.toLocaleString("en-US")} bytes in Node, ${chromeReps[0].onDisk.manifest.toLocaleString("en-US")} in Chromium), concurrency ${CONCURRENCY}, ` +
  `${REPS} repetitions (median, min–max), fake: ${fake.kind}, Node ${process.version}, ${cpus().length} CPU, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
out.push("");
out.push("| | run | wall time | requests (downloads + listings + tokens + preflights) | memory |");
out.push("|---|---|---:|---|---|");
for (const label of ["first", "second"]) {
  const q = (r) => r[label].requests;
  out.push(`| Node | ${label} | ${stat(nodeReps, (r) => r[label].ms, ms)} | ` +
    `${stat(nodeReps, (r) => q(r).total, int)} (${int(median(nodeReps.map((r) => q(r).downloads)))} + ${int(median(nodeReps.map((r) => q(r).listings)))} + ` +
    `${int(median(nodeReps.map((r) => q(r).tokens)))} + ${int(median(nodeReps.map((r) => q(r).preflights)))}) | ` +
    `peak RSS ${stat(nodeReps, (r) => r[label].maxRss, mib)} (before the run ${stat(nodeReps, (r) => r[label].rssBefore, mib)}); ` +
    `peak JS heap ${stat(nodeReps, (r) => r[label].heapPeak, mib)} (before ${stat(nodeReps, (r) => r[label].heapBefore, mib)}); ` +
    `wasm ${stat(nodeReps, (r) => r[label].wasm, mib)} |`);
}
for (const label of ["first", "second"]) {
  const q = (r) => r[label].requests;
  out.push(`| Chromium | ${label} | ${stat(chromeReps, (r) => r[label].ms, ms)} | ` +
    `${stat(chromeReps, (r) => q(r).total, int)} (${int(median(chromeReps.map((r) => q(r).downloads)))} + ${int(median(chromeReps.map((r) => q(r).listings)))} + ` +
    `${int(median(chromeReps.map((r) => q(r).tokens)))} + ${int(median(chromeReps.map((r) => q(r).preflights)))}) | ` +
    `peak JS heap ${stat(chromeReps, (r) => r[label].heapPeak, mib)} (before ${stat(chromeReps, (r) => r[label].heapBefore, mib)}); ` +
    `wasm ${stat(chromeReps, (r) => r[label].wasm, mib)} (before ${stat(chromeReps, (r) => r[label].wasmBefore, mib)}) |`);
}
console.log(out.join("\n"));
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ node: nodeReps, chromium: chromeReps }, null, 2));
process.exit(0);
