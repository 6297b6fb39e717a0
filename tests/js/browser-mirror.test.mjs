// Mirror in headless Chromium into the origin private file system (navigator.storage
// .getDirectory()), cross-origin to the fake, through the package's "passerelle/web" entry:
// the fake's tree byte-exact, changed/new/deleted files counted from the fake's request log,
// abort half-way and resume, and figures for the 1,500-file folder (printed, not asserted).
import { test, before, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { chromium } from "playwright-core";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import { ROOT, CHROMIUM_ARGS, USER, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";
import { EchangeClient } from "passerelle";

const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
const FILES = "/api/v2/user/files";
const MANIFEST = ".passerelle-mirror.json";
let browser, server, page, fake;
const logs = [];
let folderN = 0;

before(async () => {
  fake = fakeControls(await fakeUrl());
  server = await serveStatic({ "/pkg/": PKG_DIR, "/": `${ROOT}tests/browser` });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}/mirror-page/?${new URLSearchParams({ fake: fake.base })}`);
  await page.waitForSelector("html[data-state=ready]", { timeout: 30_000 }).catch((e) => {
    throw new Error(`page did not load: ${e.message}\n${logs.join("\n")}`);
  });
});
beforeEach(() => fake.reset());
after(async () => {
  await browser?.close();
  await server?.close();
});

const newFolder = () => `t${++folderN}-${Date.now()}`;
const call = (fn, ...args) => page.evaluate(([f, a]) => window[f](...a), [fn, args]);
const run = (params) => call("mirrorRun", params);
const files = (folder) => call("opfsFiles", folder);
const client = () => new EchangeClient({ baseUrl: fake.base, ...USER });

async function remoteFiles(root) {
  return (await client().walk(root)).filter((e) => e.type === "file").sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function downloads() {
  return (await fake.requestsTo(FILES, "GET")).map((r) => new URLSearchParams(r.query).get("path"));
}

/** The OPFS folder holds exactly the manifest and `want` (remote entries), byte-exact. */
async function assertHolds(folder, want) {
  const got = await files(folder);
  assert.deepEqual(Object.keys(got).sort(), [MANIFEST, ...want.map((f) => f.path.slice(1))].sort());
  for (const f of want) {
    const sum = await fake.sha256(f.path);
    assert.deepEqual(got[f.path.slice(1)], { size: sum.size, sha256: sum.sha256 }, f.path);
  }
}

const ok = (r) => {
  assert.ok(r.ok, `mirror rejected: ${JSON.stringify(r.error)}\n${logs.join("\n")}`);
  return r.summary;
};

test("chromium: the fake's whole tree into OPFS byte-exact; a second run downloads nothing", async () => {
  const folder = newFolder();
  const want = await remoteFiles("/");
  const s = ok(await run({ folder, remote: "/", concurrency: 6 }));
  assert.deepEqual(s.fetched, want.map((f) => f.path));
  assert.deepEqual(s.skipped, [{ path: "/lien.csv", reason: "a symbolic link (not followed)" }]);
  assert.deepEqual(s.failed, []);
  await assertHolds(folder, want);
  const before = (await downloads()).length;
  assert.equal(before, want.length);
  const again = ok(await run({ folder, remote: "/" }));
  assert.deepEqual([again.fetched, again.unchanged], [[], want.length]);
  assert.equal((await downloads()).length, before);
});

test("chromium: changed, new, deleted and locally lost files", async () => {
  const folder = newFolder();
  const roots = ["/Relevés", "/Archives"];
  ok(await run({ folder, remote: roots }));
  const c = client();
  const later = new Date(Date.UTC(2026, 0, 2));
  await c.uploadFile("/Relevés/Nov 2025/notes.txt", new TextEncoder().encode("nouveau contenu\n"), { mtime: later });
  await c.uploadFile("/Archives/neuf.txt", new TextEncoder().encode("neuf\n"), { mtime: later });
  await c.deleteFile("/Archives/vide.txt");
  await call("opfsRemove", folder, "Relevés/Déc 2025/synthèse.xml");
  const n = (await downloads()).length;
  const s = ok(await run({ folder, remote: roots, del: true }));
  const want = ["/Archives/neuf.txt", "/Relevés/Déc 2025/synthèse.xml", "/Relevés/Nov 2025/notes.txt"];
  assert.deepEqual(s.fetched, want);
  assert.deepEqual(s.deleted, ["/Archives/vide.txt"]);
  assert.deepEqual((await downloads()).slice(n).sort(), want);
  await assertHolds(folder, [...(await remoteFiles("/Relevés")), ...(await remoteFiles("/Archives"))]);
});

test("chromium: a stale answer from the HTTP cache is never written (size checked against the listing)", async () => {
  const folder = newFolder();
  ok(await run({ folder, remote: "/Archives", noStore: false }));
  await client().uploadFile("/Archives/2024.csv", new TextEncoder().encode("autre\n"), { mtime: new Date(Date.UTC(2026, 0, 3)) });
  // Without `cache: "no-store"` Chromium may answer from its cache: the runner must then refuse
  // the body (other size than listed) rather than record stale bytes as the new version.
  const s = ok(await run({ folder, remote: "/Archives", noStore: false }));
  const fresh = await fake.sha256("/Archives/2024.csv");
  const got = (await files(folder))["Archives/2024.csv"];
  if (s.fetched.includes("/Archives/2024.csv")) {
    assert.deepEqual(got, { size: fresh.size, sha256: fresh.sha256 });
  } else {
    // The cached body (the old file) is longer than the new one the listing describes.
    assert.deepEqual(s.failed.map((f) => [f.path, f.error.code]), [["/Archives/2024.csv", "invalid_response"]]);
    assert.notEqual(got.sha256, fresh.sha256, "the old copy stays");
    const again = ok(await run({ folder, remote: "/Archives" }));
    assert.deepEqual(again.fetched, ["/Archives/2024.csv"], "not recorded: fetched at the next run");
  }
  assert.deepEqual((await files(folder))["Archives/2024.csv"], { size: fresh.size, sha256: fresh.sha256 });
});

const lotText = (n) => `id;valeur;libelle\n${n};${n * 7};ligne ${n}\n`;
const sha = (text) => createHash("sha256").update(text).digest("hex");

test("chromium: abort half-way through 1,500 files, then resume without downloading completed files", async () => {
  const folder = newFolder();
  const r = await run({ folder, remote: "/Lot-1500", concurrency: 8, abortAt: 300 });
  assert.equal(r.ok, false);
  assert.equal(r.error.code, "aborted");
  const got = await files(folder);
  const complete = Object.keys(got).filter((p) => p !== MANIFEST);
  for (const p of complete) {
    assert.ok(!p.endsWith(".passerelle-part"), `partial file left: ${p}`);
    const n = Number(/f(\d{4})\.csv$/.exec(p)[1]);
    assert.equal(got[p].sha256, sha(lotText(n)), p);
  }
  assert.ok(complete.length >= 300 && complete.length < 1500, `${complete.length} complete`);
  const first = (await downloads()).length;
  const s = ok(await run({ folder, remote: "/Lot-1500", concurrency: 8 }));
  const second = (await downloads()).slice(first);
  const done = new Set(complete.map((p) => `/${p}`));
  assert.deepEqual(second.filter((p) => done.has(p)), []);
  assert.equal(second.length, 1500 - complete.length);
  assert.equal(s.fetched.length, 1500 - complete.length);
  const all = await files(folder);
  assert.equal(Object.keys(all).length, 1501);
  for (let n = 0; n < 1500; n += 1) {
    const p = `Lot-1500/f${String(n).padStart(4, "0")}.csv`;
    assert.equal(all[p]?.sha256, sha(lotText(n)), p);
  }
});

test("chromium: abort inside a 64 MiB file leaves no file under its final name; resume completes it", async () => {
  const folder = newFolder();
  const r = await run({ folder, remote: "/Volumineux", concurrency: 1, abortAtBytes: 4 << 20 });
  assert.equal(r.error?.code, "aborted", JSON.stringify(r));
  assert.deepEqual(await files(folder), {});
  ok(await run({ folder, remote: "/Volumineux" }));
  await assertHolds(folder, await remoteFiles("/Volumineux"));
});

test("chromium: one run at a time per folder (Web Locks): a second run is refused with conflict", async () => {
  const r = await call("mirrorTwice", { folder: newFolder() });
  assert.equal(r.second?.code, "conflict", JSON.stringify(r));
  assert.equal(r.second.name, "PasserelleError");
  assert.deepEqual([r.firstFetched, r.thirdFetched], [1500, 3], "both runs complete once the lock is free");
});

test("chromium figures: mirror of the 1,500-file folder, first and second run (printed, not asserted)", async (t) => {
  const folder = newFolder();
  for (const label of ["first run", "second run"]) {
    // The raw log, CORS preflights included (each file URL has its own preflight).
    const all = () => fake.control("GET", "/__fake/requests");
    const before = (await all()).length;
    const r = await run({ folder, remote: "/Lot-1500", concurrency: 8 });
    const s = ok(r);
    const log = (await all()).slice(before);
    const gets = log.filter((x) => x.path === FILES && x.method === "GET").length;
    const preflights = log.filter((x) => x.method === "OPTIONS").length;
    assert.equal(gets, label === "first run" ? 1500 : 0);
    t.diagnostic(`chromium mirror /Lot-1500 ${label}: ${r.ms.toFixed(0)} ms, ${log.length} requests ` +
      `(${gets} downloads, ${preflights} CORS preflights), fetched ${s.fetched.length}, unchanged ${s.unchanged}, ` +
      `JS heap ${(r.heap / 2 ** 20).toFixed(1)} MiB, wasm memory ${(r.wasm / 2 ** 20).toFixed(1)} MiB`);
  }
});
