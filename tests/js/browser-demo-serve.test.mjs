// How scripts/demo serves the page (scripts/lib/static-server.mjs): brotli or gzip for HTML, CSS,
// JS and the .wasm, an ETag with `Cache-Control: no-cache` on everything so that a reload gets
// `304 Not Modified` for unchanged files. Measures, in Chromium (DevTools protocol), the page
// weight on the wire for a plain server (no compression, no-store: the server before issue 13)
// and for this one, a reload, and on a throttled connection (1.6 Mbps, 150 ms) the time to the
// first paint and to a usable sign-in (performance mark "demo:ready"). Figures go to
// tests/artifacts/page-weight.json and the test diagnostics; only sizes are asserted, never times.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { serveStatic, pickEncoding } from "../../scripts/lib/static-server.mjs";
import { startDemo, ARTIFACTS, SIZES } from "../demo/harness.mjs";
import { ROOT } from "./helpers.mjs";

const figures = {};
after(() => {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, "page-weight.json"), JSON.stringify(figures, null, 2));
});

test("Accept-Encoding: brotli preferred, then gzip; q=0 refuses; nothing accepted → identity", () => {
  assert.equal(pickEncoding("gzip, deflate, br, zstd"), "br");
  assert.equal(pickEncoding("gzip"), "gzip");
  assert.equal(pickEncoding("br;q=0, gzip;q=0.5"), "gzip");
  assert.equal(pickEncoding("identity"), null);
  assert.equal(pickEncoding(undefined), null);
  assert.equal(pickEncoding("*"), "br");
  assert.equal(pickEncoding("*, br;q=0"), "gzip");
});

test("compressed text and wasm, ETag per encoding, 304 when unchanged, plain mode as before", async () => {
  const server = await serveStatic({ "/": join(ROOT, "www") });
  const plain = await serveStatic({ "/": join(ROOT, "www") }, { compress: false, revalidate: false });
  try {
    const css = readFileSync(join(ROOT, "www/style.css"));
    for (const [enc, decode] of [["br", "brotliDecompressSync"], ["gzip", "gunzipSync"]]) {
      const res = await fetch(`${server.url}/style.css`, { headers: { "accept-encoding": enc } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-encoding"), enc);
      assert.equal(res.headers.get("vary"), "Accept-Encoding");
      assert.equal(res.headers.get("cache-control"), "no-cache");
      const etag = res.headers.get("etag");
      assert.match(etag, new RegExp(`^"[0-9a-f]+-[0-9a-f]+-${enc}"$`));
      // Node's fetch decodes the body: it must be the file itself.
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), css);
      const again = await fetch(`${server.url}/style.css`, { headers: { "accept-encoding": enc, "if-none-match": etag } });
      assert.equal(again.status, 304);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
      const zlib = await import("node:zlib");
      const raw = await new Promise((ok, ko) => {
        import("node:http").then(({ get }) =>
          get(`${server.url}/style.css`, { headers: { "accept-encoding": enc } }, (r) => {
            const chunks = [];
            r.on("data", (c) => chunks.push(c)).on("end", () => ok(Buffer.concat(chunks))).on("error", ko);
          }).on("error", ko));
      });
      assert.ok(raw.length < css.length / 2, `${enc}: ${raw.length} bytes on the wire for ${css.length}`);
      assert.deepEqual(zlib[decode](raw), css);
    }
    // Another encoding is another ETag: a gzip validator does not revalidate the identity body.
    const id = await fetch(`${server.url}/style.css`, { headers: { "accept-encoding": "identity" } });
    assert.equal(id.headers.get("content-encoding"), null);
    assert.doesNotMatch(id.headers.get("etag"), /-(br|gzip)"$/);
    // The plain mode is the old behaviour: no compression, no validator, no-store.
    const p = await fetch(`${plain.url}/style.css`, { headers: { "accept-encoding": "br" } });
    assert.equal(p.headers.get("content-encoding"), null);
    assert.equal(p.headers.get("etag"), null);
    assert.equal(p.headers.get("cache-control"), "no-store");
  } finally {
    await server.close();
    await plain.close();
  }
});

/** Loads the page in a fresh context; returns bytes on the wire (own origin) per load. */
async function weigh(demo, { throttle = false, reload = false } = {}) {
  const context = await demo.browser.newContext({ viewport: SIZES.desktop, locale: "fr-FR" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  if (throttle) {
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 1_600_000 / 8,
    });
  }
  const reqs = new Map();
  cdp.on("Network.responseReceived", (e) => reqs.set(e.requestId, { url: e.response.url, status: e.response.status, bytes: 0 }));
  cdp.on("Network.loadingFinished", (e) => {
    const r = reqs.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  const load = async () => {
    reqs.clear();
    await page.waitForSelector('html[data-ready="1"]', { timeout: 120_000 });
    await page.waitForLoadState("networkidle");
    const own = [...reqs.values()].filter((r) => r.url.startsWith(demo.url));
    const times = await page.evaluate(() => ({
      firstPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
      ready: performance.getEntriesByName("demo:ready")[0]?.startTime ?? null,
    }));
    return {
      bytes: own.reduce((n, r) => n + r.bytes, 0),
      files: own.length,
      notModified: own.filter((r) => r.status === 304).length,
      requests: own,
      wasm: own.find((r) => r.url.endsWith(".wasm")),
      firstPaintMs: times.firstPaint && Math.round(times.firstPaint),
      readyMs: times.ready && Math.round(times.ready),
    };
  };
  try {
    await page.goto(`${demo.url}/`, { waitUntil: "commit" });
    const first = await load();
    let second = null;
    if (reload) {
      await page.reload({ waitUntil: "commit" });
      second = await load();
    }
    return { first, second };
  } finally {
    await context.close();
  }
}

test("page weight on the wire: plain server vs compressed; a reload transfers only headers", async (t) => {
  const before = await startDemo({ compress: false, revalidate: false });
  let plain;
  try {
    plain = await weigh(before, { reload: true });
  } finally {
    await before.close();
  }
  const demo = await startDemo();
  let now;
  try {
    now = await weigh(demo, { reload: true });
  } finally {
    await demo.close();
  }
  figures.plain = { first: plain.first.bytes, reload: plain.second.bytes, files: plain.first.files, wasm: plain.first.wasm?.bytes };
  figures.compressed = {
    first: now.first.bytes, reload: now.second.bytes, files: now.first.files,
    notModifiedOnReload: now.second.notModified, wasm: now.first.wasm?.bytes,
  };
  t.diagnostic(`page weight: ${JSON.stringify(figures.plain)} → ${JSON.stringify(figures.compressed)}`);
  assert.ok(now.first.bytes < plain.first.bytes * 0.6, `compressed ${now.first.bytes} B vs plain ${plain.first.bytes} B`);
  assert.ok(now.first.wasm.bytes < plain.first.wasm.bytes * 0.7, "the wasm is compressed too");
  // Reload: every file of our own origin answered 304 or came from the cache, headers only on the
  // wire (config.json is fetched with no-store, on purpose).
  const heavy = now.second.requests.filter((r) => !r.url.endsWith("/demo/config.json") && r.bytes > 1024);
  assert.deepEqual(heavy, [], "no body sent again on reload");
  assert.ok(now.second.notModified >= now.second.files / 2, `${now.second.notModified} of ${now.second.files} answered 304`);
  assert.ok(now.second.bytes < now.first.bytes / 10, `reload ${now.second.bytes} B (first load ${now.first.bytes} B)`);
  assert.ok(plain.second.bytes > plain.first.bytes * 0.9, "the plain server sends everything again");
});

test("throttled connection (1.6 Mbps, 150 ms): first paint and usable sign-in, plain vs compressed (reported)", async (t) => {
  for (const [label, options] of [["plain", { compress: false, revalidate: false }], ["compressed", {}]]) {
    const demo = await startDemo(options);
    try {
      const { first } = await weigh(demo, { throttle: true });
      figures[`throttled_${label}`] = { firstPaintMs: first.firstPaintMs, readyMs: first.readyMs, bytes: first.bytes };
      t.diagnostic(`${label}: first paint ${first.firstPaintMs} ms, sign-in usable at ${first.readyMs} ms (${first.bytes} B)`);
      assert.ok(first.readyMs > 0 && first.firstPaintMs > 0);
    } finally {
      await demo.close();
    }
  }
});
