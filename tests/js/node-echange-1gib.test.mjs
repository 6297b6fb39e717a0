// A 1 GiB file streamed as a zip through downloadZip + unzip in Node, hashed as it streams,
// with the WebAssembly memory staying bounded.
//
// The bound: unzip keeps the unconsumed input (one fetch chunk at a time, 16–64 KiB from Node's
// fetch), one header (≤ ~192 KiB), the inflater (32 KiB window + state) and one 64 KiB output
// block; downloadZip passes the body through JavaScript without copying it into wasm memory.
// The module starts at ~1.2 MiB and wasm memory never shrinks, so the peak is the high-water
// mark: measured 1.6 MiB here (13:23 UTC, 2 cores). 16 MiB is ten times that — room for larger
// fetch chunks and allocator fragmentation — while any accumulation of even 1/64 of the 1 GiB
// entry would exceed it.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { EchangeClient, unzip, wasmMemoryBytes } from "passerelle";
import { USER, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";

const SIZE = 1024 * 1024 * 1024;
const PATH = "/Big/one-gib.bin";
const BOUND = 16 * 1024 * 1024;
let fake;

before(async () => {
  fake = fakeControls(await fakeUrl());
});

test("a 1 GiB zip streams through downloadZip + unzip byte-exact with wasm memory under 16 MiB", { timeout: 600_000 }, async () => {
  await fake.reset();
  await fake.generate(PATH, SIZE, "fournisseur");
  const want = await fake.sha256(PATH);
  assert.equal(want.size, SIZE);

  const client = new EchangeClient({ baseUrl: fake.base, ...USER });
  const startMem = wasmMemoryBytes();
  let peak = startMem;
  let zipBytes = 0;
  const t0 = performance.now();
  const stream = await client.downloadZip([PATH], {
    onProgress: (p) => {
      zipBytes = p.loaded;
    },
  });
  const names = [];
  let entryBytes = 0;
  let chunks = 0;
  let digest;
  for await (const entry of unzip(stream)) {
    names.push(entry.name);
    if (entry.is_dir) continue;
    const h = createHash("sha256");
    const reader = entry.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      h.update(value);
      entryBytes += value.byteLength;
      if (++chunks % 256 === 0) peak = Math.max(peak, wasmMemoryBytes());
    }
    digest = h.digest("hex");
    peak = Math.max(peak, wasmMemoryBytes());
  }
  peak = Math.max(peak, wasmMemoryBytes());
  const secs = (performance.now() - t0) / 1000;
  const mib = (n) => (n / 1048576).toFixed(1);
  console.log(`# 1 GiB zip: ${mib(zipBytes)} MiB of zip → ${mib(entryBytes)} MiB of entry in ${secs.toFixed(1)} s ` +
    `(${(entryBytes / 1048576 / secs).toFixed(0)} MiB/s); wasm memory ${mib(startMem)} MiB at start, peak ${mib(peak)} MiB`);

  assert.deepEqual(names, [PATH.slice(1)], "one entry, named after the path");
  assert.equal(entryBytes, SIZE);
  assert.equal(digest, want.sha256, "byte-exact");
  assert.ok(zipBytes > SIZE, "the whole zip went through onProgress");
  assert.ok(peak < BOUND, `wasm memory peak ${mib(peak)} MiB < ${mib(BOUND)} MiB`);
});
