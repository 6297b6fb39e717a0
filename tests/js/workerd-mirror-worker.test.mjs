// examples/worker's scheduled sync in workerd: the library's mirror run by one Durable Object
// per account (lock + manifest in its SQLite storage) into R2, all simulated by Miniflare, against
// the fake Échange server over HTTP. The Worker reaches the fake through a gate proxy
// (tests/worker/gate-proxy.mjs) that can hold chosen downloads: a run is stopped half-way for
// sure while a second one is started, without any timing. Objects are compared byte for byte
// with the fake's files; downloads are counted from the fake's request log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { Miniflare } from "miniflare";
import { EXAMPLE_DIR, QUIET, R2_OBJECTS_SOURCE, buildExample as buildExampleInto } from "../worker/example-harness.mjs";
import { ROOT, USER, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";
import { startGateProxy } from "../worker/gate-proxy.mjs";
import { USERS, assertEachOnce, downloads, fakeTree, fakeTrees, upload } from "../worker/mirror-harness.mjs";

const OUT = `${ROOT}target/worker-example-mirror-bundle`;
const GATEWAY_SECRET = "passerelle-gateway-secret-for-tests";
const auth = { authorization: `Bearer ${GATEWAY_SECRET}` };
const FILES = "/api/v2/user/files";

let fake;
let proxy;

const buildExample = () => buildExampleInto(OUT);

// A second Worker in the same workerd, bound to the example's R2 bucket and Durable Object
// namespace, through which the tests read what the example stored (hashing inside workerd).
const INSPECTOR = `${R2_OBJECTS_SOURCE}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/coordinator") {
      const stub = env.SYNC.get(env.SYNC.idFromName(url.searchParams.get("account")));
      const [status, manifest] = await Promise.all([stub.status(), stub.manifestText()]);
      return Response.json({ ...status, manifest: manifest === null ? null : JSON.parse(manifest) });
    }
    return r2Objects(env.FILES, url.searchParams.get("prefix") ?? "");
  },
};`;

/** Runs the bundled example in workerd (Miniflare): R2, KV and the Durable Objects simulated. */
/** Starts the example with `vars`, resets the fake and runs `body(w)`; then releases every
 * request the gate proxy still holds and disposes of the Worker, whatever happened. */
async function withExample(vars, body) {
  const w = await startExample(vars);
  try {
    await fake.reset();
    return await body(w);
  } finally {
    proxy.releaseAll();
    await w.dispose();
  }
}

async function startExample(vars, persistTo) {
  const storage = { compatibilityDate: "2025-06-01", kvNamespaces: { STATE: "state" }, r2Buckets: { FILES: "files" } };
  // With `persistTo`, R2, KV and the Durable Objects' storage live on disk and outlast the
  // instance (a restart); otherwise in memory.
  const persist = persistTo ? { durableObjectsPersist: `${persistTo}/do`, r2Persist: `${persistTo}/r2`, kvPersist: `${persistTo}/kv` } : {};
  const mf = new Miniflare({
    ...persist,
    workers: [
      {
        name: "example",
        modules: true,
        scriptPath: `${OUT}/index.js`,
        modulesRoot: OUT,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        bindings: {
          ECHANGE_URL: proxy.url, ECHANGE_USERNAME: USER.username, ECHANGE_PASSWORD: USER.password,
          ECHANGE_PASSWORD_LECTEUR: USERS.lecteur.password, GATEWAY_SECRET,
          SYNC_PREFIX: "echange/", SYNC_CONCURRENCY: "4", SYNC_MAX_FILES: "5000", ...vars,
        },
        durableObjects: { SYNC: { className: "SyncCoordinator", useSQLite: true } },
        ...storage,
      },
      {
        name: "inspector", modules: true, script: INSPECTOR, ...storage,
        durableObjects: { SYNC: { className: "SyncCoordinator", scriptName: "example", useSQLite: true } },
      },
    ],
  });
  await mf.ready;
  const inspect = async (path) => {
    const res = await (await mf.getWorker("inspector")).fetch(`http://inspector.test${path}`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  };
  return {
    fetch: (path, init) => mf.dispatchFetch(`http://worker.test${path}`, init),
    /** POST /api/sync[?account=]: { status, accounts }. */
    sync: async (account) => {
      const res = await mf.dispatchFetch(`http://worker.test/api/sync${account ? `?account=${account}` : ""}`, { method: "POST", headers: auth });
      return { status: res.status, accounts: (await res.json()).accounts };
    },
    scheduled: async () => (await mf.getWorker("example")).scheduled({ cron: "*/15 * * * *", scheduledTime: new Date() }),
    /** An account's coordinator: { lastRun, running, files, manifest }. */
    coordinator: (account) => inspect(`/coordinator?account=${encodeURIComponent(account)}`),
    /** Every R2 object under `prefix`: key → { size, sha256, customMetadata }. */
    r2: async (prefix) => new Map(Object.entries(await inspect(`/r2?prefix=${encodeURIComponent(prefix)}`))),
    dispose: () => mf.dispose(),
  };
}

before(async () => {
  fake = fakeControls(await fakeUrl());
  proxy = await startGateProxy(fake.base);
  await buildExample();
});

after(async () => {
  await proxy?.close();
});

/** Asserts that R2 holds exactly `files` under `prefix`, byte-exact, with their remote times. */
async function assertMirrored(w, files, prefix = "echange/", username = "fournisseur") {
  const objects = await w.r2(prefix);
  assert.deepEqual([...objects.keys()].sort(), files.map((f) => prefix + f.path.slice(1)).sort(), "exactly the tree's files are in R2");
  for (const f of files) {
    const obj = objects.get(prefix + f.path.slice(1));
    const want = await fake.sha256(f.path, username);
    assert.equal(obj.sha256, want.sha256, `${f.path} byte-exact`);
    assert.equal(obj.size, want.size);
    assert.equal(Date.parse(obj.customMetadata.last_modified), Date.parse(f.last_modified));
    assert.equal(obj.customMetadata.source, f.path);
  }
}

/** Asserts that the account's manifest (in its Durable Object) lists exactly `files`. */
async function assertManifest(w, account, files) {
  const { manifest, files: count } = await w.coordinator(account);
  assert.equal(count, files.length);
  assert.deepEqual(manifest.files.map((f) => f.path), files.map((f) => f.path), "the manifest lists every file");
  for (const [i, f] of files.entries()) {
    assert.equal(manifest.files[i].size, f.size, `size of ${f.path}`);
    assert.equal(Date.parse(manifest.files[i].mtime), Date.parse(f.last_modified), `time of ${f.path}`);
  }
}

test("a cron run mirrors the account through its Durable Object into R2 byte-exact; the next runs fetch only new and changed files", async () => {
  const folders = ["/Relevés", "/Archives", "/Lot-1500"];
  await withExample({ SYNC_FOLDERS: JSON.stringify(folders) }, async (w) => {
    const files = await fakeTrees(folders);
    assert.ok(files.length > 1500, `${files.length} files`);
    await fake.reset();
    assert.equal((await w.scheduled()).outcome, "ok");
    assertEachOnce(await downloads(fake), files.map((f) => f.path), "first run");
    await assertMirrored(w, files);
    await assertManifest(w, "fournisseur", files);
    const { lastRun } = await w.coordinator("fournisseur");
    assert.deepEqual([lastRun.status, lastRun.trigger, lastRun.fetched, lastRun.failed], ["ok", "cron", files.length, 0]);
    const requests1 = (await fake.requests()).length;
    console.log(`figures: first run, ${files.length} files: ${Date.parse(lastRun.finished) - Date.parse(lastRun.started)} ms in the Durable Object, ${requests1} requests to Échange`);

    // Nothing changed: listings only.
    await fake.reset();
    assert.equal((await w.scheduled()).outcome, "ok");
    assert.deepEqual(await downloads(fake), [], "no download when nothing changed");
    const run2 = (await w.coordinator("fournisseur")).lastRun;
    assert.deepEqual([run2.fetched, run2.unchanged], [0, files.length]);
    console.log(`figures: second run: ${Date.parse(run2.finished) - Date.parse(run2.started)} ms, ${(await fake.requests()).length} requests to Échange`);

    // A changed and a new file: only those two are downloaded.
    await upload("/Relevés/Nov 2025/notes.txt", "notes modifiées\n", Date.UTC(2026, 0, 2));
    await upload("/Relevés/Nov 2025/nouveau.txt", "nouveau\n", Date.UTC(2026, 0, 2));
    assert.equal((await w.scheduled()).outcome, "ok");
    assert.deepEqual((await downloads(fake)).sort(), ["/Relevés/Nov 2025/notes.txt", "/Relevés/Nov 2025/nouveau.txt"]);
    const now = await fakeTrees(folders);
    await assertMirrored(w, now);
    await assertManifest(w, "fournisseur", now);

    // The gateway shows the account's last run.
    const res = await w.fetch("/api/sync", { headers: auth });
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual(body.accounts.map((a) => [a.account, a.lastRun.fetched, a.files, a.running]), [["fournisseur", 2, now.length, null]]);
  });
});

test("overlapping runs: a run started while the first is half-way answers already-running and fetches nothing; no file is fetched twice or lost", async () => {
  await withExample({ SYNC_FOLDERS: "/Lot-1500" }, async (w) => {
    const files = await fakeTree("/Lot-1500");
    await fake.reset();
    // The four downloads in flight when the run reaches the middle of the folder are held, so
    // the first run stands still half-way until they are released.
    const middle = files.slice(750, 754).map((f) => f.path);
    const held = middle.map((p) => proxy.hold((r) => r.method === "GET" && r.path === FILES && r.query.get("path") === p));
    const first = w.scheduled();
    await Promise.all(held.map((h) => h.arrived));
    const before = (await fake.requests()).length;
    const done = await downloads(fake);
    assert.equal(done.length, 750, "the first run stands half-way: every file before the held ones, none after");

    // A second scheduled run and a manual one while the first is held.
    assert.equal((await w.scheduled()).outcome, "ok", "an overlapping cron run is not a failure");
    const manual = await w.sync();
    assert.equal(manual.status, 200);
    assert.deepEqual(manual.accounts.map((a) => [a.account, a.status, a.runningTrigger]), [["fournisseur", "already-running", "cron"]]);
    const during = await w.coordinator("fournisseur");
    assert.equal(during.running.trigger, "cron");
    assert.equal((await fake.requests()).length, before, "the overlapping runs sent no request at all (no listing, no download)");

    for (const h of held) h.release();
    assert.equal((await first).outcome, "ok");
    assertEachOnce(await downloads(fake), files.map((f) => f.path), "the overlapped run");
    await assertMirrored(w, files);
    await assertManifest(w, "fournisseur", files);
    const { lastRun, running } = await w.coordinator("fournisseur");
    assert.deepEqual([lastRun.status, lastRun.fetched, running], ["ok", files.length, null]);

    // The lock is free again: the next run runs (and has nothing to fetch).
    await fake.reset();
    const again = await w.sync();
    assert.deepEqual(again.accounts.map((a) => [a.status, a.fetched, a.unchanged]), [["ok", 0, files.length]]);
    assert.deepEqual(await downloads(fake), []);
  });
});

test("a run killed half-way (workerd restarted): the next run notes it and fetches only what the manifest lacks", async () => {
  const dir = `${ROOT}target/worker-mirror-restart`;
  rmSync(dir, { recursive: true, force: true });
  let w = await startExample({ SYNC_FOLDERS: "/Lot-1500" }, dir);
  try {
    await fake.reset();
    const files = await fakeTree("/Lot-1500");
    await fake.reset();
    const middle = files.slice(750, 754).map((f) => f.path);
    const held = middle.map((p) => proxy.hold((r) => r.method === "GET" && r.path === FILES && r.query.get("path") === p));
    const first = w.scheduled().catch((e) => e);
    await Promise.all(held.map((h) => h.arrived));
    // Wait until the manifest holds the 750 completed files (the run saves them within 250 ms;
    // the loop bounds the wait, nothing is timed).
    for (let i = 0; (await w.coordinator("fournisseur")).files < 750; i++) {
      assert.ok(i < 500, "the completed files reach the manifest");
      await new Promise((r) => setTimeout(r, 20));
    }
    // workerd goes away in the middle of the run; the held downloads never reach the fake.
    await w.dispose();
    proxy.dropAll();
    await first;

    await fake.reset();
    w = await startExample({ SYNC_FOLDERS: "/Lot-1500" }, dir);
    assert.equal((await w.scheduled()).outcome, "ok");
    const { lastRun } = await w.coordinator("fournisseur");
    assert.deepEqual([lastRun.status, lastRun.resumedAfterInterruption, lastRun.fetched, lastRun.unchanged], ["ok", true, 750, 750]);
    assertEachOnce(await downloads(fake), files.slice(750).map((f) => f.path), "the run after the restart");
    await assertMirrored(w, files);
    await assertManifest(w, "fournisseur", files);
  } finally {
    proxy.releaseAll();
    await w.dispose();
  }
});

test("two accounts fan out to two Durable Objects: each its own lock, manifest and prefix", async () => {
  const folders = ["/Relevés", "/Archives"];
  const accounts = [
    { id: "fournisseur", username: "fournisseur", folders },
    { id: "lecteur", username: "lecteur", passwordSecret: "ECHANGE_PASSWORD_LECTEUR", folders },
  ];
  await withExample({ SYNC_ACCOUNTS: JSON.stringify(accounts) }, async (w) => {
    await fake.generate("/Archives/seulement-lecteur.bin", 5000, "lecteur");
    const mine = await fakeTrees(folders);
    const theirs = await fakeTrees(folders, USERS.lecteur);
    assert.equal(theirs.length, mine.length + 1);

    // lecteur's run is held at its first download; fournisseur's runs meanwhile, to the end.
    const held = proxy.hold((r) => r.method === "GET" && r.path === FILES && r.user === "lecteur");
    const theirRun = w.sync("lecteur");
    await held.arrived;
    const myRun = await w.sync("fournisseur");
    assert.deepEqual(myRun.accounts.map((a) => [a.account, a.status, a.fetched]), [["fournisseur", "ok", mine.length]]);
    const busy = await w.sync("lecteur");
    assert.deepEqual(busy.accounts.map((a) => [a.account, a.status]), [["lecteur", "already-running"]]);
    held.release();
    const theirDone = await theirRun;
    assert.deepEqual(theirDone.accounts.map((a) => [a.account, a.status, a.fetched]), [["lecteur", "ok", theirs.length]]);

    assertEachOnce(await downloads(fake, "fournisseur"), mine.map((f) => f.path), "fournisseur");
    assertEachOnce(await downloads(fake, "lecteur"), theirs.map((f) => f.path), "lecteur");
    await assertMirrored(w, mine, "echange/fournisseur/");
    await assertMirrored(w, theirs, "echange/lecteur/", "lecteur");
    await assertManifest(w, "fournisseur", mine);
    await assertManifest(w, "lecteur", theirs);

    // A cron run fans out to both; only lecteur's new file is fetched.
    await fake.generate("/Relevés/nouveau-lecteur.bin", 700, "lecteur");
    const before = (await downloads(fake)).length;
    assert.equal((await w.scheduled()).outcome, "ok");
    assert.deepEqual((await downloads(fake)).slice(before), ["/Relevés/nouveau-lecteur.bin"]);
    const status = await (await w.fetch("/api/sync", { headers: auth })).json();
    assert.deepEqual(status.accounts.map((a) => [a.account, a.lastRun.trigger, a.lastRun.status, a.lastRun.fetched, a.files]),
      [["fournisseur", "cron", "ok", 0, mine.length], ["lecteur", "cron", "ok", 1, theirs.length + 1]]);
    const unknown = await w.fetch("/api/sync?account=personne", { method: "POST", headers: auth });
    assert.equal(unknown.status, 404);
    await unknown.arrayBuffer();
  });
});

test("a run with a failed download reports it, stores everything else, and the next run fetches just that file", async () => {
  // One download at a time, so that the fault queued while the 200th is held hits that one.
  await withExample({ SYNC_FOLDERS: '["/Lot-1500", "/Relevés"]', SYNC_CONCURRENCY: "1" }, async (w) => {
    const files = await fakeTrees(["/Lot-1500", "/Relevés"]);
    await fake.reset();
    // The 200th download is cut after 10 bytes.
    const cutPath = files[199].path;
    const gate = proxy.hold((r) => r.method === "GET" && r.path === FILES && r.query.get("path") === cutPath);
    const running = w.scheduled();
    await gate.arrived;
    await fake.fault({ method: "GET", path: FILES, kind: "drop_mid_body", after_bytes: 10 });
    gate.release();
    assert.equal((await running).outcome, "exception", "the cron invocation reports the failure");
    const { lastRun } = await w.coordinator("fournisseur");
    assert.deepEqual([lastRun.status, lastRun.failed, lastRun.fetched], ["failed", 1, files.length - 1]);
    assert.deepEqual(lastRun.failures.map((f) => f.path), [cutPath]);
    const stored = await w.r2("echange/");
    assert.equal(stored.has("echange/" + cutPath.slice(1)), false, "no object (not even a partial one) for the cut file");
    await assertManifest(w, "fournisseur", files.filter((f) => f.path !== cutPath));

    await fake.reset();
    assert.equal((await w.scheduled()).outcome, "ok");
    assert.deepEqual(await downloads(fake), [cutPath], "the next run fetches just the cut file");
    await assertMirrored(w, files);
    await assertManifest(w, "fournisseur", files);
  });
});

test("SYNC_MAX_FILES bounds a run's downloads; successive runs converge to the full mirror", async () => {
  await withExample({ SYNC_FOLDERS: "/Relevés,/Archives", SYNC_MAX_FILES: "4" }, async (w) => {
    const files = await fakeTrees(["/Relevés", "/Archives"]);
    await fake.reset();
    for (let i = 0; i < Math.ceil(files.length / 4); i++) {
      assert.equal((await w.scheduled()).outcome, "ok");
      const { lastRun } = await w.coordinator("fournisseur");
      assert.equal(lastRun.fetched, Math.min(4, files.length - i * 4));
      assert.equal(lastRun.deferred, Math.max(0, files.length - (i + 1) * 4));
    }
    assertEachOnce(await downloads(fake), files.map((f) => f.path), "all runs");
    await assertMirrored(w, files);
    await assertManifest(w, "fournisseur", files);
  });
});

test("Échange token IP binding: when the egress IP changes mid-run, the sync gets one fresh token and completes", async () => {
  await withExample({ SYNC_FOLDERS: "/Lot-1500" }, async (w) => {
    const files = await fakeTree("/Lot-1500");
    await fake.reset();
    const gate = proxy.hold((r) => r.method === "GET" && r.path === FILES && r.query.get("path") === files[100].path);
    const running = w.scheduled();
    await gate.arrived;
    // The fake now sees the Worker at another IP: the token in use is refused from now on.
    await fake.ipChange();
    gate.release();
    assert.equal((await running).outcome, "ok");
    const tokens = await fake.requestsTo("/api/v2/user/token");
    assert.equal(tokens.length, 2, "one token, then exactly one fresh token after the IP change");
    await assertMirrored(w, files);
  });
});
