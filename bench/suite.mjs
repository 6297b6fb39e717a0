// The measurements, shared by Node (bench/bench.mjs) and headless Chromium (bench/page.html):
// the caller passes the modules and the platform's native raw-Deflate inflater, so the same code
// runs in both. Every figure is the median of `reps` timed runs after one warm-up run; the
// contestants of a comparison run in turn within each repetition (A B C, A B C, …), so a
// slow-down of this shared machine hits them alike. Workloads shorter than ~40 ms are repeated
// inside a run and divided.

const CHUNK = 64 * 1024;
const MIN_RUN_MS = 40;
const LIST_RUN_MS = 200;

/** The archive as a ReadableStream of 64 KiB chunks (what a network body looks like). */
export function chunks(bytes, size = CHUNK) {
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs `contestants` ({ name: async fn → result }) in turn, `reps` times after a warm-up: for
 * each, the median ms per call and the last result. Each timed block repeats the call until it
 * lasts about `minRunMs` (judged from the warm-up call).
 */
export async function compare(contestants, reps, minRunMs = MIN_RUN_MS) {
  const names = Object.keys(contestants);
  const inner = {};
  const out = {};
  for (const n of names) {
    const t0 = performance.now();
    const result = await contestants[n]();
    const ms = performance.now() - t0;
    inner[n] = Math.max(1, Math.min(200, Math.ceil(minRunMs / Math.max(ms, 0.01))));
    out[n] = { times: [], result };
  }
  for (let r = 0; r < reps; r++) {
    for (const n of names) {
      const t0 = performance.now();
      let result;
      for (let i = 0; i < inner[n]; i++) result = await contestants[n]();
      out[n].times.push((performance.now() - t0) / inner[n]);
      out[n].result = result;
    }
  }
  for (const n of names) out[n].ms = median(out[n].times);
  return out;
}

/** Entries from the central directory (no zip64: the bench archives are far below 4 GiB). */
export function centralEntries(zip) {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.byteLength - 22;
  while (end >= 0 && dv.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("no end of central directory record");
  const count = dv.getUint16(end + 10, true);
  let at = dv.getUint32(end + 16, true);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (dv.getUint32(at, true) !== 0x02014b50) throw new Error("bad central record");
    const method = dv.getUint16(at + 10, true);
    const csize = dv.getUint32(at + 20, true);
    const usize = dv.getUint32(at + 24, true);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    const local = dv.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen));
    const data = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    entries.push({ name, method, data, csize, usize });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** passerelle: every file entry read through `read(entry)`; { files, bytes }. */
async function passerelleUnzip(unzip, stream, read) {
  let files = 0;
  let bytes = 0;
  for await (const e of unzip(stream)) {
    if (e.is_dir) continue;
    files++;
    bytes += await read(e);
  }
  return { files, bytes };
}

const viaStream = (e) => drain(e.stream());
const viaBytes = async (e) => (await e.bytes()).byteLength;

function fflateStream(fflate, zip) {
  let files = 0;
  let bytes = 0;
  let pending = 0;
  const u = new fflate.Unzip((file) => {
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
  u.register(fflate.UnzipInflate);
  for (let at = 0; at < zip.byteLength; at += CHUNK) {
    const end = Math.min(at + CHUNK, zip.byteLength);
    u.push(zip.subarray(at, end), end === zip.byteLength);
  }
  if (pending !== 0) throw new Error(`fflate Unzip left ${pending} files unfinished`);
  return { files, bytes };
}

function fflateSync(fflate, zip) {
  let files = 0;
  let bytes = 0;
  for (const [name, data] of Object.entries(fflate.unzipSync(zip))) {
    if (name.endsWith("/")) continue;
    files++;
    bytes += data.byteLength;
  }
  return { files, bytes };
}

/**
 * What any reader that hands out a ReadableStream per entry costs at the least: the same async
 * iteration, a ReadableStream per file (a view of zeros of the file's size, nothing decoded)
 * drained as `passerelle` drains `stream()`. Not a contestant: the ceiling of `stream()`.
 */
async function streamFloor(entries, zeros) {
  let files = 0;
  let bytes = 0;
  async function* iterate() {
    for (const e of entries) yield e;
  }
  for await (const e of iterate()) {
    if (e.name.endsWith("/")) continue;
    files++;
    const view = zeros.subarray(0, e.usize);
    bytes += await drain(
      new ReadableStream({
        start(c) {
          if (view.byteLength > 0) c.enqueue(view);
          c.close();
        },
      }),
    );
  }
  return { files, bytes };
}

/** The platform's inflater on each entry's compressed bytes (located by the central directory). */
async function nativeInflate(inflateRaw, zip, entries) {
  let files = 0;
  let bytes = 0;
  for (const e of entries) {
    if (e.name.endsWith("/")) continue;
    files++;
    const raw = zip.subarray(e.data, e.data + e.csize);
    bytes += e.method === 0 ? raw.byteLength : (await inflateRaw(raw)).byteLength;
  }
  return { files, bytes };
}

/**
 * One runtime's whole run. `env`: { passerelle, fflate, inflateRaw, zips: [{ label, bytes }],
 * memoryZip: () => ReadableStream (the 256 MiB archive), base, user, listPath, download: [{
 * label, paths }], reps, log }.
 */
export async function runSuite(env) {
  const { passerelle, fflate, inflateRaw, reps, log } = env;
  const { unzip, EchangeClient, wasmMemoryBytes } = passerelle;
  const out = { memory: null, unzip: [], download: [], listDir: null };

  // Memory first, in a fresh instance: WebAssembly memory never shrinks, so its size after the
  // run is the peak of the run.
  if (env.memoryZip) {
    const before = wasmMemoryBytes();
    const t0 = performance.now();
    const r = await passerelleUnzip(unzip, await env.memoryZip(), viaStream);
    out.memory = { before, after: wasmMemoryBytes(), bytes: r.bytes, files: r.files, ms: performance.now() - t0 };
    log(`memory: ${(out.memory.after / 1048576).toFixed(2)} MiB after unzipping ${(r.bytes / 1048576).toFixed(0)} MiB`);
  }

  for (const { label, bytes: zip } of env.zips) {
    const entries = centralEntries(zip);
    const zeros = new Uint8Array(Math.max(0, ...entries.map((e) => e.usize)));
    const res = await compare(
      {
        passerelle: () => passerelleUnzip(unzip, chunks(zip), viaStream),
        "passerelle bytes()": () => passerelleUnzip(unzip, chunks(zip), viaBytes),
        "fflate unzipSync": async () => fflateSync(fflate, zip),
        "fflate Unzip": async () => fflateStream(fflate, zip),
        native: () => nativeInflate(inflateRaw, zip, entries),
        "stream floor": async () => streamFloor(entries, zeros),
      },
      reps,
    );
    const ref = res.passerelle.result;
    for (const [n, r] of Object.entries(res)) {
      if (r.result.files !== ref.files || r.result.bytes !== ref.bytes) {
        throw new Error(`${label}: ${n} read ${JSON.stringify(r.result)}, passerelle ${JSON.stringify(ref)}`);
      }
    }
    const row = { label, zipBytes: zip.byteLength, outBytes: ref.bytes, files: ref.files, ms: {} };
    for (const [n, r] of Object.entries(res)) row.ms[n] = r.ms;
    out.unzip.push(row);
    log(`unzip ${label}: ${Object.entries(row.ms).map(([n, ms]) => `${n} ${ms.toFixed(1)} ms`).join(", ")}`);
  }

  const client = new EchangeClient({ baseUrl: env.base, ...env.user });
  const { access_token } = await client.token();
  const auth = { authorization: `Bearer ${access_token}` };
  for (const { label, paths } of env.download) {
    const raw = async () => {
      const res = await fetch(`${env.base}/api/v2/user/streamzip`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(paths),
      });
      return drain(res.body);
    };
    const res = await compare({ "raw fetch": raw, downloadZip: async () => drain(await client.downloadZip(paths)) }, reps);
    if (res.downloadZip.result !== res["raw fetch"].result) throw new Error(`${label}: downloadZip and fetch read different sizes`);
    out.download.push({ label, zipBytes: res.downloadZip.result, ms: { "raw fetch": res["raw fetch"].ms, downloadZip: res.downloadZip.ms } });
    log(`download ${label}: fetch ${res["raw fetch"].ms.toFixed(1)} ms, downloadZip ${res.downloadZip.ms.toFixed(1)} ms`);
  }

  if (env.listPath) {
    const url = `${env.base}/api/v2/user/dirs?path=${encodeURIComponent(env.listPath)}`;
    const res = await compare(
      {
        "fetch + json()": async () => (await (await fetch(url, { headers: auth })).json()).length,
        listDir: async () => (await client.listDir(env.listPath)).length,
      },
      reps,
      // ~20 ms calls that each build 5,000 objects: blocks of ~10 calls, so that a garbage
      // collection (of these objects, or of the unzip runs' buffers before) lands in every
      // block instead of in one contestant's pair of calls.
      LIST_RUN_MS,
    );
    if (res.listDir.result !== res["fetch + json()"].result) {
      throw new Error(`listDir read ${res.listDir.result} entries, fetch ${res["fetch + json()"].result}`);
    }
    out.listDir = { entries: res.listDir.result, ms: { "fetch + json()": res["fetch + json()"].ms, listDir: res.listDir.ms } };
    log(`listDir ${res.listDir.result}: fetch ${res["fetch + json()"].ms.toFixed(1)} ms, listDir ${res.listDir.ms.toFixed(1)} ms`);
  }
  return out;
}
