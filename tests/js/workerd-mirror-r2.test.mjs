// The mirror's R2 destination (`r2Destination`, and a bare bucket binding given to `mirror`)
// inside workerd: tests/worker/mirror-r2-worker.mjs is bundled by wrangler ("passerelle" through
// its `workerd` condition) and run by Miniflare with an R2 bucket simulated, against the fake
// Échange server over HTTP. Objects are compared byte for byte (SHA-256) with the fake's files;
// downloads are counted from the fake's request log.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readdirSync, rmSync } from "node:fs";
import { Miniflare } from "miniflare";
import { ROOT, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";
import { assertEachOnce, downloads, fakeTree, fakeTrees, upload } from "../worker/mirror-harness.mjs";

const OUT = `${ROOT}target/worker-mirror-r2-bundle`;
const MANIFEST = ".passerelle-mirror.json";
let mf;
let fake;

before(async () => {
  fake = fakeControls(await fakeUrl());
  rmSync(OUT, { recursive: true, force: true });
  await promisify(execFile)(`${ROOT}node_modules/.bin/wrangler`, [
    "deploy", "--dry-run", "--outdir", OUT, "--name", "passerelle-mirror-r2-test",
    "--compatibility-date", "2025-06-01", `${ROOT}tests/worker/mirror-r2-worker.mjs`,
  ], {
    cwd: `${ROOT}target`,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    timeout: 120_000,
  });
  assert.ok(readdirSync(OUT).some((f) => f.endsWith(".wasm")), "wrangler bundled the .wasm as a module");
  mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT}/mirror-r2-worker.js`,
    modulesRoot: OUT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    r2Buckets: { FILES: "files" },
    bindings: { FAKE_URL: fake.base },
  });
});

after(async () => {
  await mf?.dispose();
});

beforeEach(() => fake.reset());

async function call(path, body) {
  const res = await mf.dispatchFetch(`http://worker.test${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  const out = await res.json();
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(out)}`);
  return out;
}

/** Mirrors in the Worker; resolves with the summary. */
const runMirror = async (params) => (await call("/mirror", params)).summary;
/** Every object under `prefix`: key → { size, sha256, customMetadata }. */
const objects = async (prefix) => new Map(Object.entries(await call(`/objects?prefix=${encodeURIComponent(prefix)}`)));
const remove = (key) => call(`/delete?key=${encodeURIComponent(key)}`, {});
async function manifestOf(prefix) {
  const res = await mf.dispatchFetch(`http://worker.test/object?key=${encodeURIComponent(prefix + MANIFEST)}`);
  if (res.status === 404) {
    await res.arrayBuffer();
    return null;
  }
  return JSON.parse(await res.text());
}

/** Asserts that R2 holds exactly `files` under `prefix`, byte-exact, with the remote times. */
async function assertObjects(prefix, files, username = "fournisseur") {
  const objs = await objects(prefix);
  const keys = [...objs.keys()].filter((k) => !k.endsWith(MANIFEST)).sort();
  assert.deepEqual(keys, files.map((f) => prefix + f.path.slice(1)).sort(), "exactly the remote files are objects");
  for (const f of files) {
    const o = objs.get(prefix + f.path.slice(1));
    const want = await fake.sha256(f.path, username);
    assert.equal(o.sha256, want.sha256, `${f.path} byte-exact`);
    assert.equal(o.size, f.size);
    assert.equal(o.customMetadata.source, f.path);
    assert.equal(Date.parse(o.customMetadata.last_modified), Date.parse(f.last_modified), `${f.path} carries its remote time`);
    assert.equal(o.customMetadata.size, String(f.size));
  }
}

/** Asserts that the manifest lists exactly `files` (size, time; SHA-256 of the object). */
async function assertManifest(prefix, files) {
  const m = await manifestOf(prefix);
  assert.ok(m, "the manifest is an object of the bucket");
  assert.deepEqual(m.files.map((f) => f.path), files.map((f) => f.path), "the manifest lists every file, in path order");
  const objs = await objects(prefix);
  for (const [i, f] of files.entries()) {
    assert.equal(m.files[i].size, f.size);
    assert.equal(Date.parse(m.files[i].mtime), Date.parse(f.last_modified));
    assert.equal(m.files[i].sha256, objs.get(prefix + f.path.slice(1)).sha256, `the manifest's hash of ${f.path} is the object's`);
  }
}

test("r2Destination: folders mirrored into R2 byte-exact under the prefix; the next run fetches only new and changed files", async () => {
  const folders = ["/Relevés", "/Archives", "/Volumineux"];
  const files = await fakeTrees(folders);
  assert.ok(files.some((f) => f.size >= 64 * 1024 * 1024), "a 64 MiB file is among them (streamed, never buffered)");
  await fake.reset();
  const first = await runMirror({ folders, prefix: "m1/" });
  assert.deepEqual(first.failed, []);
  assert.deepEqual(first.fetched, files.map((f) => f.path));
  assert.equal(first.bytesFetched, files.reduce((n, f) => n + f.size, 0));
  assertEachOnce(await downloads(fake), files.map((f) => f.path), "first run");
  await assertObjects("m1/", files);
  await assertManifest("m1/", files);

  // Nothing changed: listings only.
  await fake.reset();
  const second = await runMirror({ folders, prefix: "m1/" });
  assert.deepEqual([second.fetched, second.unchanged], [[], files.length]);
  assert.deepEqual(await downloads(fake), [], "no download when nothing changed");

  // One changed file and one new: exactly those two are downloaded.
  await upload("/Relevés/Nov 2025/notes.txt", "notes modifiées\n", Date.UTC(2026, 0, 2));
  await upload("/Archives/nouveau.txt", "nouveau\n", Date.UTC(2026, 0, 3));
  const third = await runMirror({ folders, prefix: "m1/" });
  assert.deepEqual(third.fetched, ["/Archives/nouveau.txt", "/Relevés/Nov 2025/notes.txt"]);
  assert.deepEqual((await downloads(fake)).sort(), ["/Archives/nouveau.txt", "/Relevés/Nov 2025/notes.txt"]);
  const now = await fakeTrees(folders);
  await assertObjects("m1/", now);
  await assertManifest("m1/", now);
});

test("r2Destination: a download cut mid-body leaves no object (nor a partial one) and the next run fetches just it", async () => {
  const files = await fakeTree("/Relevés");
  await fake.reset();
  // One download at a time: the first file in path order is the one cut, 4 bytes in.
  const cut = files[0].path;
  assert.ok(files[0].size > 4, `${cut} is longer than what is sent of it`);
  await fake.fault({ method: "GET", path: "/api/v2/user/files", kind: "drop_mid_body", after_bytes: 4 });
  const first = await runMirror({ folders: ["/Relevés"], prefix: "cut/", concurrency: 1 });
  assert.deepEqual(first.failed.map((f) => f.path), [cut]);
  assert.ok(["network", "truncated"].includes(first.failed[0].code), `a download error: ${JSON.stringify(first.failed[0])}`);
  const objs = await objects("cut/");
  assert.equal(objs.has("cut/" + cut.slice(1)), false, "no object under the cut file's key");
  await assertObjects("cut/", files.slice(1));
  assert.deepEqual((await manifestOf("cut/")).files.map((f) => f.path), files.slice(1).map((f) => f.path));

  // The next run fetches just the file that was cut.
  await fake.reset();
  const second = await runMirror({ folders: ["/Relevés"], prefix: "cut/", concurrency: 1 });
  assert.deepEqual([second.fetched, second.failed], [[cut], []]);
  assert.deepEqual(await downloads(fake), [cut]);
  await assertObjects("cut/", files);
  await assertManifest("cut/", files);
});

test("r2Destination: a changed file whose download is cut keeps its previous object, whole", async () => {
  const folder = "/Relevés/Nov 2025";
  await runMirror({ folders: [folder], prefix: "chg/" });
  const changed = `${folder}/releve-01.csv`;
  const before = (await objects("chg/")).get("chg/" + changed.slice(1));
  await upload(changed, "x".repeat(50_000), Date.UTC(2026, 0, 4));
  await fake.fault({ method: "GET", path: "/api/v2/user/files", kind: "drop_mid_body", after_bytes: 1000 });
  const cutRun = await runMirror({ folders: [folder], prefix: "chg/" });
  assert.deepEqual(cutRun.failed.map((f) => f.path), [changed]);
  assert.deepEqual((await objects("chg/")).get("chg/" + changed.slice(1)), before, "the previous version stays, whole");
  const m = (await manifestOf("chg/")).files.find((f) => f.path === changed);
  assert.equal(m.size, before.size, "the manifest still describes the previous version");

  const next = await runMirror({ folders: [folder], prefix: "chg/" });
  assert.deepEqual([next.fetched, next.failed], [[changed], []]);
  const now = await fakeTree(folder);
  await assertObjects("chg/", now);
  await assertManifest("chg/", now);
});

test("r2Destination: objects lost from the bucket are fetched again; objects a run stored but did not record are adopted", async () => {
  const files = await fakeTree("/Archives");
  await fake.reset();
  await runMirror({ folders: ["/Archives"], prefix: "st/" });
  assertEachOnce(await downloads(fake), files.map((f) => f.path), "first run");

  // An object removed behind the mirror's back comes back at the next run (one download).
  const lost = files[0].path;
  await remove("st/" + lost.slice(1));
  await fake.reset();
  const again = await runMirror({ folders: ["/Archives"], prefix: "st/" });
  assert.deepEqual(again.fetched, [lost]);
  assert.deepEqual(await downloads(fake), [lost]);

  // With checkObjects: false the manifest is trusted: a lost object is not noticed.
  await remove("st/" + lost.slice(1));
  await fake.reset();
  const trusting = await runMirror({ folders: ["/Archives"], prefix: "st/", checkObjects: false });
  assert.deepEqual(trusting.fetched, []);
  assert.deepEqual(await downloads(fake), []);

  // The manifest lost (a run stopped before saving it): complete objects are recognised by
  // their size and remote time, nothing is downloaded but the one really missing.
  await remove("st/" + MANIFEST);
  await fake.reset();
  const adopted = await runMirror({ folders: ["/Archives"], prefix: "st/" });
  assert.deepEqual(adopted.fetched, [lost]);
  assert.equal(adopted.unchanged, files.length - 1);
  assert.deepEqual(await downloads(fake), [lost]);
  assert.deepEqual((await manifestOf("st/")).files.map((f) => f.path), files.map((f) => f.path));
  await assertObjects("st/", files);
});

test("mirror() takes a bare R2 bucket binding: objects at the bucket's root, the manifest beside them", async () => {
  const files = await fakeTree("/Relevés/Nov 2025");
  await fake.reset();
  const summary = await runMirror({ folders: ["/Relevés/Nov 2025"], bare: true });
  assert.deepEqual(summary.fetched, files.map((f) => f.path));
  const objs = await objects("Relevés/Nov 2025/");
  assert.deepEqual([...objs.keys()].sort(), files.map((f) => f.path.slice(1)).sort());
  assert.deepEqual((await manifestOf("")).files.map((f) => f.path), files.map((f) => f.path));
  await fake.reset();
  assert.deepEqual((await runMirror({ folders: ["/Relevés/Nov 2025"], bare: true })).fetched, []);
  assert.deepEqual(await downloads(fake), []);
});

test("r2Destination: two prefixes of one bucket are mirrored independently (two users' trees)", async () => {
  const mine = await fakeTree("/Archives");
  await fake.generate("/Archives/seulement-lecteur.bin", 3000, "lecteur");
  const theirs = await fakeTree("/Archives", { username: "lecteur", password: "lecteur-pw" });
  assert.equal(theirs.length, mine.length + 1);
  await runMirror({ folders: ["/Archives"], prefix: "u/fournisseur/" });
  await runMirror({ folders: ["/Archives"], prefix: "u/lecteur/", username: "lecteur", password: "lecteur-pw" });
  await assertObjects("u/fournisseur/", mine);
  await assertObjects("u/lecteur/", theirs, "lecteur");
  assert.deepEqual((await downloads(fake, "lecteur")).sort(), theirs.map((f) => f.path).sort());
  assert.deepEqual((await downloads(fake, "fournisseur")).sort(), mine.map((f) => f.path).sort());
});
