// unzip() of archives with many small entries, in Node through the npm-installed package: the
// entries come to JavaScript in batches and small Deflate entries are decoded in one go, so
// these tests check that what is handed out, its order, the forward-only rule, errors and
// limits are those of an entry-by-entry reader. The archives are built here in Go's streaming
// layout (Deflate, data descriptors, extended timestamps), no server needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";

import * as passerelle from "passerelle";
import { endOfCentralDirectory } from "../worker/echange-common.mjs";

const { unzip, PasserelleError } = passerelle;
const enc = new TextEncoder();

/**
 * A zip in Go's streaming layout. `entries`: [{ name, data?: string | Uint8Array, mtime?:
 * seconds (extended timestamp; else the DOS time 2024-05-17 10:30:00), stored?: true (method 0,
 * sizes in the header), badCrc?: true (the descriptor's CRC is off by one) }].
 */
function goZip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  const dosTime = (10 << 11) | (30 << 5);
  const dosDate = ((2024 - 1980) << 9) | (5 << 5) | 17;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const data = typeof e.data === "string" ? enc.encode(e.data) : (e.data ?? new Uint8Array());
    const isDir = e.name.endsWith("/");
    const stored = e.stored || isDir;
    const body = stored ? data : zlib.deflateRawSync(data, { level: 6 });
    const crc = zlib.crc32(data);
    const extra = new Uint8Array(e.mtime === undefined ? 0 : 9);
    if (e.mtime !== undefined) {
      const xv = new DataView(extra.buffer);
      xv.setUint16(0, 0x5455, true);
      xv.setUint16(2, 5, true);
      xv.setUint8(4, 1);
      xv.setUint32(5, e.mtime, true);
    }
    const flags = 0x0800 | (stored ? 0 : 0x0008);
    const local = new Uint8Array(30 + name.length + extra.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, stored ? 0 : 8, true);
    lv.setUint16(10, dosTime, true);
    lv.setUint16(12, dosDate, true);
    if (stored) {
      lv.setUint32(14, crc, true);
      lv.setUint32(18, data.length, true);
      lv.setUint32(22, data.length, true);
    }
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    local.set(name, 30);
    local.set(extra, 30 + name.length);
    parts.push(local, body);
    let size = local.length + body.length;
    if (!stored) {
      const dd = new Uint8Array(16);
      const dv = new DataView(dd.buffer);
      dv.setUint32(0, 0x08074b50, true);
      dv.setUint32(4, e.badCrc ? (crc + 1) >>> 0 : crc, true);
      dv.setUint32(8, body.length, true);
      dv.setUint32(12, data.length, true);
      parts.push(dd);
      size += dd.length;
    }
    const c = new Uint8Array(46 + name.length + extra.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, stored ? 0 : 8, true);
    cv.setUint16(12, dosTime, true);
    cv.setUint16(14, dosDate, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra.length, true);
    cv.setUint32(42, offset, true);
    c.set(name, 46);
    c.set(extra, 46 + name.length);
    central.push(c);
    offset += size;
  }
  return Buffer.concat([...parts, ...central, endOfCentralDirectory(central, offset)]);
}

function chunked(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
      at += size;
    },
  });
}

async function readAll(stream) {
  const parts = [];
  for await (const p of stream) parts.push(p);
  return Buffer.concat(parts);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/** 400 small files (a few empty), a folder, one 300 KB file in the middle, more small files. */
function manyFiles() {
  const entries = [{ name: "Lot/", mtime: 1_700_000_000 }];
  for (let i = 0; i < 400; i++) {
    const data = i % 50 === 7 ? "" : `PRM;${String(i).padStart(14, "0")};2026-07-${(i % 28) + 1};${(i * 37) % 1000}.5;kWh\n`.repeat(1 + (i % 5));
    entries.push({ name: `Lot/releve-${i}.csv`, data, mtime: 1_700_000_000 + i, stored: i % 97 === 3 });
    if (i === 200) {
      const big = new Uint8Array(300_000);
      for (let k = 0; k < big.length; k++) big[k] = (k * 7919) % 251;
      entries.push({ name: "Lot/gros.bin", data: big });
    }
  }
  return entries;
}

const expectedData = (e) => Buffer.from(typeof e.data === "string" ? enc.encode(e.data) : (e.data ?? new Uint8Array()));

test("many small entries: every one handed out in order, byte-exact, through bytes(), text() and stream(), at any chunk size", async () => {
  const entries = manyFiles();
  const zip = goZip(entries);
  for (const size of [1, 13, 4096, 65536, zip.length]) {
    let i = 0;
    for await (const e of unzip(chunked(zip, size))) {
      const want = entries[i];
      assert.equal(e.name, want.name, `chunk ${size}`);
      assert.equal(e.is_dir, want.name.endsWith("/"));
      if (want.mtime !== undefined) {
        assert.equal(e.last_modified, new Date(want.mtime * 1000).toISOString().replace(".000Z", "Z"));
      } else {
        assert.equal(e.last_modified, "2024-05-17T10:30:00Z");
      }
      if (!e.is_dir) {
        const how = want.name.endsWith(".bin") ? 2 : i % 3; // text() only for text
        const got = how === 0 ? Buffer.from(await e.bytes()) : how === 1 ? Buffer.from(enc.encode(await e.text())) : await readAll(e.stream());
        assert.ok(got.equals(expectedData(want)), `${want.name} at chunk ${size}`);
      }
      i++;
    }
    assert.equal(i, entries.length, `chunk ${size}`);
  }
});

test("entries are forward-only even when read ahead: an earlier entry rejects once the iterator moved on; skipped entries are skipped", async () => {
  const entries = manyFiles();
  const it = unzip(chunked(goZip(entries), 65536))[Symbol.asyncIterator]();
  await it.next(); // the folder
  const first = (await it.next()).value;
  const second = (await it.next()).value;
  const err = await rejection(first.bytes());
  assert.ok(err instanceof PasserelleError);
  assert.equal(err.code, "invalid_input");
  assert.ok(Buffer.from(await second.bytes()).equals(expectedData(entries[2])));
  const again = await rejection(second.bytes());
  assert.equal(again.code, "invalid_input", "a second read rejects");
  // Skip every other entry without reading it, the large one included.
  let n = 3;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    assert.equal(r.value.name, entries[n].name);
    if (n % 2 === 0 && !r.value.is_dir) assert.ok(Buffer.from(await r.value.bytes()).equals(expectedData(entries[n])));
    n++;
  }
  assert.equal(n, entries.length);
});

test("a corrupt entry among small ones: those before it are handed out and read, it fails invalid_response, none after it comes", async () => {
  const entries = manyFiles().slice(0, 120);
  entries[90].badCrc = true;
  const zip = goZip(entries);
  for (const size of [7, 65536, zip.length]) {
    const names = [];
    const err = await rejection((async () => {
      for await (const e of unzip(chunked(zip, size))) {
        names.push(e.name);
        if (!e.is_dir) assert.ok(Buffer.from(await e.bytes()).equals(expectedData(entries[names.length - 1])), e.name);
      }
    })());
    assert.ok(err instanceof PasserelleError);
    assert.equal(err.code, "invalid_response", `chunk ${size}: ${err.message}`);
    assert.match(err.message, /releve-89\.csv/);
    assert.deepEqual(names, entries.slice(0, 91).map((e) => e.name), `chunk ${size}`);
  }
});

test("limits among small entries: maxTotalBytes and maxEntryBytes fail at the entry that crosses them, after the earlier ones", async () => {
  const entries = manyFiles().slice(0, 150);
  const zip = goZip(entries);
  const sizes = entries.map((e) => expectedData(e).length);
  const total = sizes.reduce((a, b) => a + b, 0);
  // The limit is crossed inside entry 100.
  const upTo = sizes.slice(0, 100).reduce((a, b) => a + b, 0);
  for (const [opts, crossing] of [
    [{ maxTotalBytes: upTo + 1 }, 100],
    [{ maxTotalBytes: total }, -1],
    [{ maxEntryBytes: Math.max(...sizes) - 1 }, sizes.indexOf(Math.max(...sizes))],
  ]) {
    const names = [];
    const run = (async () => {
      for await (const e of unzip(chunked(zip, 65536), opts)) {
        names.push(e.name);
        if (!e.is_dir) await e.bytes();
      }
    })();
    if (crossing < 0) {
      await run;
      assert.equal(names.length, entries.length);
    } else {
      const err = await rejection(run);
      assert.equal(err.code, "limit_exceeded", JSON.stringify(opts));
      assert.deepEqual(names, entries.slice(0, crossing + 1).map((e) => e.name), JSON.stringify(opts));
    }
  }
});

test("unzip's signal is honoured between entries already read ahead", async () => {
  const ctl = new AbortController();
  const it = unzip(chunked(goZip(manyFiles()), 65536), { signal: ctl.signal })[Symbol.asyncIterator]();
  await it.next();
  await it.next();
  ctl.abort();
  const err = await rejection(it.next());
  assert.equal(err.code, "aborted");
  assert.deepEqual(await it.next(), { done: true, value: undefined });
});
