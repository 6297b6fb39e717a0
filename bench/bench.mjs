// Throughput comparisons (run through scripts/bench, which builds and installs the package):
//   1. unzip: passerelle's streaming `unzip` vs fflate's streaming `Unzip` and `unzipSync`, on the
//      same Go-layout archives produced by the fake's streamzip (held in memory, fed in 64 KiB
//      chunks to the streaming readers);
//   2. download: `EchangeClient.downloadZip` vs a raw `fetch` of the same streamzip, body read to
//      the end (and the end-to-end downloadZip + unzip).
// Prints MB/s (10^6 bytes per second of uncompressed output for unzip, of zip bytes for
// downloads) and ratios. Options (env): BENCH_REPS (default 5; the best run is kept),
// PASSERELLE_FAKE_URL (use a running fake instead of starting one), PASSERELLE_FAKE_BIN.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import { EchangeClient, unzip, wasmMemoryBytes } from "passerelle";
import { Unzip, UnzipInflate, unzipSync } from "fflate";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
const REPS = Number(process.env.BENCH_REPS ?? 5);
const CHUNK = 64 * 1024;

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

function chunks(bytes, size = CHUNK) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.byteLength) return c.close();
      c.enqueue(bytes.subarray(at, at + size));
      at += size;
    },
  });
}

async function drain(stream) {
  const r = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) return n;
    n += value.byteLength;
  }
}

/** passerelle: every entry read through stream(); returns { files, bytes }. */
async function passerelleUnzip(stream) {
  let files = 0;
  let bytes = 0;
  for await (const e of unzip(stream)) {
    if (e.is_dir) continue;
    files++;
    bytes += await drain(e.stream());
  }
  return { files, bytes };
}

/** fflate streaming Unzip fed 64 KiB chunks; returns { files, bytes }. */
function fflateStream(zip) {
  let files = 0;
  let bytes = 0;
  let pending = 0;
  const u = new Unzip((file) => {
    if (file.name.endsWith("/")) return;
    files++;
    pending++;
    file.ondata = (err, data, final) => {
      if (err) throw err;
      bytes += data.byteLength;
      if (final) pending--;
    };
    file.start();
  });
  u.register(UnzipInflate);
  for (let at = 0; at < zip.byteLength; at += CHUNK) {
    const end = Math.min(at + CHUNK, zip.byteLength);
    u.push(zip.subarray(at, end), end === zip.byteLength);
  }
  if (pending !== 0) throw new Error(`fflate Unzip left ${pending} files unfinished`);
  return { files, bytes };
}

function fflateSync(zip) {
  let files = 0;
  let bytes = 0;
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    if (name.endsWith("/")) continue;
    files++;
    bytes += data.byteLength;
  }
  return { files, bytes };
}

async function best(fn) {
  let bestMs = Infinity;
  let out;
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    out = await fn();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  return { ms: bestMs, out };
}

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const fmt = (x, w = 8, d = 1) => x.toFixed(d).padStart(w);

async function main() {
  const fake = await startFake();
  const base = fake.url;
  await fetch(`${base}/__fake/reset`, { method: "POST", body: "{}" });
  const client = new EchangeClient({ baseUrl: base, ...USER });
  const { access_token } = await client.token();
  const rawZip = (paths) =>
    fetch(`${base}/api/v2/user/streamzip`, {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      body: JSON.stringify(paths),
    });

  // A compressible file (CSV-like text, deflated for real by the fake; the generated seed files
  // are random and travel in stored deflate blocks, as klauspost's writer does with such data).
  const lines = [];
  let x = 12345;
  for (let i = 0; lines.join("").length < 1 << 20; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    lines.push(`PRM${String(14000000000000 + i).padStart(14, "0")};2025-12-${String(1 + (i % 28)).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:30:00Z;${(x % 100000) / 10};kWh;R\n`);
  }
  const mib = new TextEncoder().encode(lines.join(""));
  const text = new Uint8Array(32 * mib.byteLength);
  for (let i = 0; i < 32; i++) text.set(mib, i * mib.byteLength);
  await client.uploadFile("/Bench/courbes-32MiB.csv", text, { mkdirParents: true });

  const sets = [
    { label: "1,500 small files (/Lot-1500)", paths: ["/Lot-1500"] },
    { label: "64 MiB random file (stored blocks)", paths: ["/Volumineux/gros-64MiB.bin"] },
    { label: "32 MiB CSV text (deflated)", paths: ["/Bench/courbes-32MiB.csv"] },
  ];
  console.log(`passerelle bench — node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? "?"}), fake: ${fake.kind}, best of ${REPS}`);
  console.log("");
  console.log("unzip (MB/s of uncompressed output; archives in memory, 64 KiB chunks for the streaming readers)");
  console.log(`${"archive".padEnd(36)} ${"zip MB".padStart(7)} ${"out MB".padStart(7)} ${"passerelle".padStart(10)} ${"fflate Unzip".padStart(12)} ${"unzipSync".padStart(10)}  ${"p/Unzip".padStart(8)} ${"p/Sync".padStart(7)}  ${"files/s (p, Unzip, Sync)"}`);
  const rows = [];
  for (const set of sets) {
    const zip = new Uint8Array(await (await rawZip(set.paths)).arrayBuffer());
    const p = await best(() => passerelleUnzip(chunks(zip)));
    const fs = await best(() => fflateStream(zip));
    const fy = await best(() => fflateSync(zip));
    for (const [name, r] of [["fflate Unzip", fs], ["unzipSync", fy]]) {
      if (r.out.files !== p.out.files || r.out.bytes !== p.out.bytes) {
        throw new Error(`${set.label}: ${name} read ${JSON.stringify(r.out)}, passerelle ${JSON.stringify(p.out)}`);
      }
    }
    const bytes = p.out.bytes;
    const [a, b, c] = [mbps(bytes, p.ms), mbps(bytes, fs.ms), mbps(bytes, fy.ms)];
    rows.push({ set: set.label, zipMB: zip.byteLength / 1e6, passerelle: a, fflateUnzip: b, unzipSync: c });
    const fps = [p, fs, fy].map((r) => Math.round(r.out.files / (r.ms / 1000))).join(", ");
    console.log(`${set.label.padEnd(36)} ${fmt(zip.byteLength / 1e6, 7)} ${fmt(bytes / 1e6, 7)} ${fmt(a, 10)} ${fmt(b, 12)} ${fmt(c, 10)}  ${fmt(a / b, 8, 2)} ${fmt(a / c, 7, 2)}  ${fps}`);
  }

  console.log("");
  console.log("download (MB/s of zip bytes over loopback from the fake; body read to the end)");
  console.log(`${"archive".padEnd(36)} ${"raw fetch".padStart(10)} ${"downloadZip".padStart(12)} ${"ratio".padStart(6)}  ${"dlZip+unzip".padStart(12)} ${"fetch+fflate".padStart(12)}`);
  for (const set of sets) {
    const raw = await best(async () => drain((await rawZip(set.paths)).body));
    const dl = await best(async () => drain(await client.downloadZip(set.paths)));
    const e2e = await best(async () => passerelleUnzip(await client.downloadZip(set.paths)));
    const ff = await best(async () => {
      const res = await rawZip(set.paths);
      const u = new Unzip((f) => {
        f.ondata = () => {};
        f.start();
      });
      u.register(UnzipInflate);
      for await (const chunk of res.body) u.push(chunk);
      u.push(new Uint8Array(0), true);
    });
    const size = raw.out;
    if (dl.out !== size) throw new Error(`downloadZip read ${dl.out} bytes, raw fetch ${size}`);
    const [r, d, e, f] = [mbps(size, raw.ms), mbps(size, dl.ms), mbps(size, e2e.ms), mbps(size, ff.ms)];
    console.log(`${set.label.padEnd(36)} ${fmt(r, 10)} ${fmt(d, 12)} ${fmt(d / r, 6, 2)}  ${fmt(e, 12)} ${fmt(f, 12)}`);
  }
  console.log("");
  console.log(`wasm memory after the runs: ${(wasmMemoryBytes() / 1048576).toFixed(1)} MiB`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
