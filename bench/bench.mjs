// Speed comparisons (run through scripts/bench, which builds and installs the package), in Node
// and in headless Chromium, side by side in one run (bench/suite.mjs does the measuring):
//   1. unzip: passerelle's streaming `unzip` (entries read with stream(), and with bytes()) vs
//      fflate `unzipSync` and streaming `Unzip`, and the platform's native raw-Deflate inflater on
//      the same entries (Node: zlib.inflateRawSync; Chromium: DecompressionStream), on the same
//      archives (the fake's streamzip, Go's layout, held in memory, 64 KiB chunks);
//   2. download: `EchangeClient.downloadZip` vs a raw `fetch` of the same streamzip, body drained;
//   3. listDir of a 5,000-entry folder vs `fetch` + `response.json()`;
//   4. peak WebAssembly memory while unzipping a 256 MiB archive (first thing in a fresh instance).
// Prints medians (ms), MB/s, ratios and whether each issue-11 bar is met; `--markdown` also prints
// the tables as Markdown (for bench/RESULTS.md).
// Env: BENCH_REPS (default 5, at least 5 for the record), BENCH_CSV_MIB (CSV-like file, default
// 32), BENCH_PACKAGE (a built pkg/ directory to measure instead of the installed package),
// BENCH_SKIP (comma list: node, chromium), PASSERELLE_FAKE_URL, PASSERELLE_FAKE_BIN, CHROMIUM.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { inflateRawSync, deflateRawSync, crc32, constants as zc } from "node:zlib";
import * as fflate from "fflate";
import { runSuite, chunks } from "./suite.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BENCH = fileURLToPath(new URL(".", import.meta.url));
const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
const REPS = Number(process.env.BENCH_REPS ?? 5);
const CSV_MIB = Number(process.env.BENCH_CSV_MIB ?? 32);
const SKIP = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
const MARKDOWN = process.argv.includes("--markdown");
const LIST_PATH = "/Liste-5000";
const MEMORY_MIB = 256;

const rootRequire = createRequire(join(ROOT, "package.json"));
const PKG_DIR = process.env.BENCH_PACKAGE ?? dirname(rootRequire.resolve("passerelle/package.json"));

async function startFake() {
  if (process.env.PASSERELLE_FAKE_URL) return { url: process.env.PASSERELLE_FAKE_URL.replace(/\/+$/, ""), kind: "given" };
  const candidates = [process.env.PASSERELLE_FAKE_BIN, `${ROOT}target/release/passerelle-fakes`, `${ROOT}target/debug/passerelle-fakes`];
  const bin = candidates.find((p) => p && existsSync(p));
  if (!bin) throw new Error("no passerelle-fakes binary (scripts/bench builds one)");
  const child = spawn(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGTERM"));
  const url = await new Promise((ok, ko) => {
    createInterface({ input: child.stdout }).once("line", ok);
    child.once("exit", (c) => ko(new Error(`fake exited (${c})`)));
  });
  child.unref();
  return { url: url.trim(), kind: bin.includes("/release/") ? "release" : "debug" };
}

/** CSV-like text (meter readings), `mib` MiB, made of one pseudo-random MiB repeated. */
function csvText(mib) {
  const lines = [];
  let x = 12345;
  let len = 0;
  for (let i = 0; len < 1 << 20; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const line = `PRM${String(14000000000000 + i).padStart(14, "0")};2025-12-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:30:00Z;${(x % 100000) / 10};kWh;R\n`;
    lines.push(line);
    len += line.length;
  }
  const one = new TextEncoder().encode(lines.join("")).subarray(0, 1 << 20);
  const text = new Uint8Array(mib * one.byteLength);
  for (let i = 0; i < mib; i++) text.set(one, i * one.byteLength);
  return text;
}

/**
 * A Go-layout archive (Deflate, flag bit 3, zero sizes in the local header, signed data
 * descriptor) of `count` copies of `data` (compressed once): for the memory run.
 */
function goZip(data, count) {
  const packed = deflateRawSync(data, { level: 6, strategy: zc.Z_DEFAULT_STRATEGY });
  const crc = crc32(data);
  const parts = [];
  const central = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = new TextEncoder().encode(`courbes-${i}.csv`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x6000, 10); // 12:00
    local.writeUInt16LE(0x5b8f, 12); // 2025-12-15
    local.writeUInt16LE(name.length, 26);
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(packed.length, 8);
    desc.writeUInt32LE(data.length, 12);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    local.copy(cen, 8, 6, 16); // flags, method, time, date
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(packed.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    parts.push(local, name, packed, desc);
    central.push(cen, name);
    offset += 30 + name.length + packed.length + 16;
  }
  const cdSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, ...central, end]));
}

const mb = (bytes) => bytes / 1e6;
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

async function main() {
  const fake = await startFake();
  const base = fake.url;
  const say = (line) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  await fetch(`${base}/__fake/reset`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  // Set-up through plain HTTP (nothing of passerelle runs before the memory measurement).
  const basic = Buffer.from(`${USER.username}:${USER.password}`).toString("base64");
  const { access_token } = await (await fetch(`${base}/api/v2/user/token`, { headers: { authorization: `Basic ${basic}` } })).json();
  const auth = { authorization: `Bearer ${access_token}` };
  const csvPath = `/Bench/courbes-${CSV_MIB}MiB.csv`;
  say(`uploading ${csvPath}, creating ${LIST_PATH} (5,000 files)`);
  const up = await fetch(`${base}/api/v2/user/files/upload?path=${encodeURIComponent(csvPath)}&mkdir_parents=true`, {
    method: "POST",
    headers: auth,
    body: csvText(CSV_MIB),
  });
  if (!up.ok) throw new Error(`upload: ${up.status} ${await up.text()}`);
  for (let i = 0; i < 5000; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        fetch(`${base}/__fake/echange/generate`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ path: `${LIST_PATH}/releve-${String(i + j).padStart(4, "0")}.csv`, size: 100 + ((i + j) % 977), username: USER.username }),
        }).then((r) => {
          if (!r.ok) throw new Error(`generate: ${r.status}`);
          return r.arrayBuffer();
        }),
      ),
    );
  }

  const sets = [
    { label: "1,500 small files", paths: ["/Lot-1500"], barred: true },
    { label: `${CSV_MIB} MiB CSV (deflated)`, paths: [csvPath], barred: true },
    { label: "64 MiB random (stored blocks)", paths: ["/Volumineux/gros-64MiB.bin"], barred: false },
  ];
  const data = mkdtempSync(join(tmpdir(), "passerelle-bench-"));
  process.on("exit", () => rmSync(data, { recursive: true, force: true }));
  const zips = [];
  for (const [i, set] of sets.entries()) {
    say(`fetching the streamzip of ${set.paths.join(", ")}`);
    const res = await fetch(`${base}/api/v2/user/streamzip`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(set.paths) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    writeFileSync(join(data, `set-${i}.zip`), bytes);
    zips.push({ label: set.label, bytes, url: `/data/set-${i}.zip` });
  }
  say(`building the ${MEMORY_MIB} MiB archive for the memory run`);
  const memoryZip = goZip(csvText(64), MEMORY_MIB / 64);
  writeFileSync(join(data, "memory.zip"), memoryZip);

  const common = {
    base,
    user: USER,
    listPath: LIST_PATH,
    download: sets.map(({ label, paths }) => ({ label, paths })),
    reps: REPS,
  };
  const results = {};
  if (!SKIP.has("node")) {
    say("Node run");
    const passerelle = await import(pathToFileURL(join(PKG_DIR, "index.node.js")).href);
    results.node = await runSuite({
      ...common,
      passerelle,
      fflate,
      inflateRaw: (b) => inflateRawSync(b),
      zips: zips.map(({ label, bytes }) => ({ label, bytes })),
      memoryZip: async () => chunks(memoryZip),
      log: say,
    });
  }
  if (!SKIP.has("chromium")) {
    say("Chromium run");
    const { chromium } = rootRequire("playwright-core");
    const { serveStatic } = await import(pathToFileURL(join(ROOT, "scripts/lib/static-server.mjs")).href);
    const server = await serveStatic(
      { "/bench/": BENCH, "/pkg/": PKG_DIR, "/fflate/": join(BENCH, "node_modules/fflate"), "/data/": data },
      { compress: false },
    );
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      page.on("console", (m) => say(`chromium: ${m.text()}`));
      page.on("pageerror", (e) => say(`chromium pageerror: ${e.message}`));
      await page.goto(`${server.url}/bench/page.html`);
      await page.waitForSelector('html[data-ready="1"]', { timeout: 60_000 });
      results.chromium = await page.evaluate((cfg) => window.runBench(cfg), {
        ...common,
        zips: zips.map(({ label, url }) => ({ label, url })),
        memoryUrl: "/data/memory.zip",
      });
      results.chromiumVersion = browser.version();
    } finally {
      await browser.close();
      await server.close();
    }
  }
  report(results, fake.kind, sets);
  process.exit(0);
}

/** The tables, with ratios and the issue-11 bars. */
function report(results, fakeKind, sets) {
  const lines = [];
  const table = (head, rows) => {
    if (MARKDOWN) {
      lines.push(`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
      for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
    } else {
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
      const fmt = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
      lines.push(fmt(head));
      for (const r of rows) lines.push(fmt(r));
    }
    lines.push("");
  };
  const bar = (ok) => (ok ? "met" : "**not met**");
  lines.push(
    `passerelle bench — ${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, ${results.chromiumVersion ? `Chromium ${results.chromiumVersion}, ` : ""}` +
      `${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"}), fake: ${fakeKind}, medians of ${REPS} runs (after a warm-up run)`,
    "",
  );
  const runtimes = Object.entries(results).filter(([k]) => k === "node" || k === "chromium");

  lines.push("unzip — MB/s of uncompressed output (median); ratio = passerelle ÷ other (≥ 1: passerelle as fast or faster)", "");
  const urows = [];
  for (const [rt, r] of runtimes) {
    for (const u of r.unzip) {
      u.barred = sets.find((x) => x.label === u.label)?.barred;
      const s = (n) => mbps(u.outBytes, u.ms[n]);
      const p = s("passerelle");
      const pb = s("passerelle bytes()");
      const sync = s("fflate unzipSync");
      urows.push([
        `${rt}: ${u.label}`,
        f(mb(u.zipBytes)),
        f(mb(u.outBytes)),
        f(p),
        f(pb),
        f(sync),
        f(s("fflate Unzip")),
        f(s("native")),
        f(p / sync, 2),
        f(pb / sync, 2),
        f(p / s("native"), 2),
        u.files >= 100 ? f(s("stream floor") / sync, 2) : "–",
        u.barred ? bar(p >= sync) : "(no bar)",
      ]);
    }
  }
  table(["runtime: archive", "zip MB", "out MB", "passerelle stream()", "passerelle bytes()", "fflate unzipSync", "fflate Unzip", "native", "stream÷Sync", "bytes÷Sync", "stream÷native", "floor÷Sync", "bar: stream() ≥ unzipSync"], urows);
  lines.push("(The bar is issue 11's, for the CSV archive and the small files; the stored random data is shown for reference: there `unzipSync` hands out views of the input, with no copy and no CRC check. floor÷Sync, for the small files: the ceiling of stream()÷Sync in that runtime — the same iteration with a ReadableStream per file and nothing decoded; see bench/README.md.)", "");

  lines.push("download — MB/s of zip bytes (median); ratio = time of downloadZip ÷ time of raw fetch (bar ≤ 1.05)", "");
  const drows = [];
  for (const [rt, r] of runtimes) {
    for (const d of r.download) {
      const ratio = d.ms.downloadZip / d.ms["raw fetch"];
      drows.push([`${rt}: ${d.label}`, f(mb(d.zipBytes)), f(mbps(d.zipBytes, d.ms["raw fetch"])), f(mbps(d.zipBytes, d.ms.downloadZip)), f(ratio, 2), bar(ratio <= 1.05)]);
    }
  }
  table(["runtime: archive", "zip MB", "raw fetch", "downloadZip", "time ratio", "bar ≤ 1.05"], drows);

  lines.push("listDir — median ms; ratio = listDir ÷ fetch + response.json() (bar ≤ 1.25)", "");
  const lrows = [];
  for (const [rt, r] of runtimes) {
    if (!r.listDir) continue;
    const ratio = r.listDir.ms.listDir / r.listDir.ms["fetch + json()"];
    lrows.push([`${rt}: ${r.listDir.entries} entries`, f(r.listDir.ms["fetch + json()"]), f(r.listDir.ms.listDir), f(ratio, 2), bar(ratio <= 1.25)]);
  }
  table(["runtime", "fetch + json() ms", "listDir ms", "ratio", "bar ≤ 1.25"], lrows);

  lines.push(`WebAssembly memory — unzipping a ${MEMORY_MIB} MiB archive (deflated CSV, ${MEMORY_MIB / 64} × 64 MiB entries) first thing in a fresh instance`, "");
  const mrows = [];
  for (const [rt, r] of runtimes) {
    if (!r.memory) continue;
    mrows.push([rt, f(r.memory.before / 1048576, 2), f(r.memory.after / 1048576, 2), f(r.memory.bytes / 1048576, 0), f(mbps(r.memory.bytes, r.memory.ms))]);
  }
  table(["runtime", "MiB before", "MiB after (peak)", "MiB inflated", "MB/s"], mrows);
  console.log(lines.join("\n"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
