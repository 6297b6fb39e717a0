// Mirror in Node through the npm-installed package against the fake server: the fake's tree
// into a temp folder (byte-exact, mtimes), changed/added/deleted files (counted from the fake's
// request log), abort half-way and resume, the CLI end to end, and figures for the 1,500-file
// folder (printed, not asserted: speed belongs to bench/).
import { test, before, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import * as passerelle from "passerelle";
import { USER, ROOT, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";

const { EchangeClient, PasserelleError, MirrorManifest, planMirror, mirror } = passerelle;
const FILES = "/api/v2/user/files";
const MANIFEST = ".passerelle-mirror.json";
const LOCK = ".passerelle-mirror.lock";
const CLI = `${ROOT}node_modules/.bin/passerelle`;

let base;
let fake;
const temps = [];

before(async () => {
  base = await fakeUrl();
  fake = fakeControls(base);
});
beforeEach(() => fake.reset());
after(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

const client = (over = {}) => new EchangeClient({ baseUrl: base, ...USER, ...over });

async function tempDir() {
  const d = await mkdtemp(join(tmpdir(), "passerelle-mirror-"));
  temps.push(d);
  return d;
}

/** Every file under `dir` (relative, `/`-separated), sorted. */
async function localFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const parent = e.parentPath ?? e.path;
    out.push(join(parent, e.name).slice(dir.length + 1).split("\\").join("/"));
  }
  return out.sort();
}

/** Remote files (type "file") under `roots`, from a raw walk through the package. */
async function remoteFiles(roots) {
  const c = client();
  const all = [];
  for (const r of roots) all.push(...(await c.walk(r)));
  return all.filter((e) => e.type === "file").sort((a, b) => (a.path < b.path ? -1 : 1));
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Asserts that `dir` holds every remote file byte-exact with the remote mtime. */
async function assertMirrored(dir, files) {
  for (const f of files) {
    const local = join(dir, ...f.path.slice(1).split("/"));
    const bytes = await readFile(local);
    const want = await fake.sha256(f.path);
    assert.equal(bytes.length, want.size, `size of ${f.path}`);
    assert.equal(sha256(bytes), want.sha256, `content of ${f.path}`);
    const st = await stat(local);
    assert.equal(Math.floor(st.mtimeMs / 1000), Date.parse(f.last_modified) / 1000, `mtime of ${f.path}`);
  }
}

/** Remote paths of the file downloads the fake logged, in order. */
async function downloads() {
  return (await fake.requestsTo(FILES, "GET")).map((r) => new URLSearchParams(r.query).get("path"));
}

test("planMirror and MirrorManifest from JavaScript: plan, unsafe names, bounded hostile input", () => {
  const m = new MirrorManifest();
  m.record({ path: "/R/a.csv", size: 3, mtime: "2025-12-15T08:30:00Z" });
  const entries = [
    { name: "a.csv", size: 3, mode: 420, last_modified: "2025-12-15T08:30:00Z", type: "file", path: "/R/a.csv" },
    { name: "b.csv", size: 4, mode: 420, last_modified: "2025-12-15T08:30:00Z", type: "file", path: "/R/b.csv" },
    { name: "..", size: 1, mode: 420, last_modified: "2025-12-15T08:30:00Z", type: "file", path: "/R/../x" },
  ];
  const plan = planMirror(entries, m, { roots: ["/R"] });
  assert.deepEqual(plan.fetch, [{ path: "/R/b.csv", local: "R/b.csv", size: 4, mtime: "2025-12-15T08:30:00Z", reason: "new" }]);
  assert.deepEqual(plan.unchanged, ["/R/a.csv"]);
  assert.equal(plan.bytesToFetch, 4);
  assert.equal(plan.skipped.length, 1);
  assert.match(plan.skipped[0].reason, /`\.\.`/);
  assert.deepEqual(MirrorManifest.parse(m.stringify()).files(), m.files());

  // Letter case beyond ASCII (lowered by the JavaScript host in the module): on a
  // case-insensitive destination `ÉTÉ.csv`, `été.csv` and `e\u0301te\u0301.csv` are one file, and
  // `ΟΔΟΣ.txt` is `οδος.txt` (both sigmas fold to σ); on a case-sensitive one all are kept.
  const file = (name) => ({ name, size: 1, mode: 420, last_modified: "2025-12-15T08:30:00Z", type: "file", path: `/U/${name}` });
  const cased = ["ÉTÉ.csv", "été.csv", "e\u0301te\u0301.csv", "ΟΔΟΣ.txt", "οδος.txt", "Zoë.txt"].map(file);
  const folded = planMirror(cased, new MirrorManifest(), { roots: ["/U"], caseInsensitive: true });
  assert.deepEqual(folded.fetch.map((f) => f.path), ["/U/Zoë.txt"]);
  assert.deepEqual(folded.skipped.map((k) => k.path).sort(), cased.slice(0, 5).map((f) => f.path).sort());
  for (const k of folded.skipped) assert.match(k.reason, /letter case/);
  const kept = planMirror(cased, new MirrorManifest(), { roots: ["/U"] });
  assert.equal(kept.fetch.length, cased.length);

  const cyclic = [];
  cyclic.push(cyclic);
  for (const bad of [() => planMirror(cyclic, m, { roots: ["/"] }), () => planMirror(entries, m, {}),
    () => planMirror("x", m, { roots: ["/"] }), () => MirrorManifest.parse("{}"), () => m.record({ path: "x" })]) {
    assert.throws(bad, (e) => e instanceof PasserelleError && e.code === "invalid_input");
  }
});

test("every Node entry with Échange mirrors into a directory (import and require, one instance); pre-etat-date has no mirror", async () => {
  const require = createRequire(import.meta.url);
  const entries = [
    ["import passerelle", passerelle],
    ["require passerelle", require("passerelle")],
    ["import passerelle/echange", await import("passerelle/echange")],
    ["require passerelle/echange", require("passerelle/echange")],
  ];
  // Node's import re-exports the CommonJS build: the same classes whichever way it is loaded.
  assert.equal(entries[1][1].EchangeClient, EchangeClient);
  assert.equal(entries[3][1].EchangeClient, entries[2][1].EchangeClient);
  for (const [what, m] of entries) {
    assert.equal(typeof m.mirror, "function", what);
    const c = new m.EchangeClient({ baseUrl: base, ...USER });
    const dir = await tempDir();
    const viaMethod = await c.mirror("/Archives", dir, { dryRun: true });
    const viaFunction = await m.mirror(c, "/Archives", dir, { dryRun: true });
    assert.deepEqual(viaMethod.fetched, ["/Archives/2024.csv", "/Archives/ancien rapport.xml", "/Archives/vide.txt"], what);
    assert.deepEqual(viaFunction, viaMethod, what);
    const s = await c.mirror("/Archives", dir);
    assert.equal(s.fetched.length, 3, what);
    assert.deepEqual(await localFiles(dir), [MANIFEST, "Archives/2024.csv", "Archives/ancien rapport.xml", "Archives/vide.txt"].sort(), what);
  }
  for (const ped of [await import("passerelle/pre-etat-date"), require("passerelle/pre-etat-date")]) {
    assert.equal(ped.mirror, undefined);
    assert.equal(ped.planMirror, undefined);
  }
});

test("the fake's whole tree: byte-exact with mtimes, symlink skipped; a second run downloads nothing", async () => {
  const dir = await tempDir();
  const files = await remoteFiles(["/"]);
  const c = client();
  const seen = [];
  const summary = await c.mirror("/", dir, { concurrency: 6, onProgress: (p) => seen.push(p) });
  assert.deepEqual(summary.fetched, files.map((f) => f.path));
  assert.deepEqual(summary.failed, []);
  assert.deepEqual(summary.skipped, [{ path: "/lien.csv", reason: "a symbolic link (not followed)" }]);
  assert.equal(summary.unchanged, 0);
  assert.equal(summary.bytesFetched, files.reduce((n, f) => n + f.size, 0));
  assert.deepEqual(await localFiles(dir), [MANIFEST, ...files.map((f) => f.path.slice(1))].sort());
  await assertMirrored(dir, files);
  const last = seen.at(-1);
  assert.deepEqual([last.filesDone, last.filesTotal, last.bytesDone, last.bytesTotal],
    [files.length, files.length, summary.bytesFetched, summary.bytesFetched]);
  assert.ok(seen.some((p) => p.current === "/Volumineux/gros-64MiB.bin"));
  const manifest = MirrorManifest.parse(await readFile(join(dir, MANIFEST), "utf8"));
  assert.equal(manifest.count(), files.length);
  const rec = manifest.get("/Relevés/Déc 2025/R&D <notes>.txt");
  assert.equal(rec.sha256, (await fake.sha256("/Relevés/Déc 2025/R&D <notes>.txt")).sha256);

  const before = (await downloads()).length;
  assert.equal(before, files.length, "one download per file");
  const again = await mirror(c, ["/"], dir);
  assert.deepEqual(again.fetched, []);
  assert.equal(again.unchanged, files.length);
  assert.equal((await downloads()).length, before, "the second run downloads nothing");
});

test("changed and new files on the fake: only those are downloaded; --delete removes what is gone", async () => {
  const dir = await tempDir();
  const c = client();
  await c.mirror(["/Relevés", "/Archives"], dir);
  const first = (await downloads()).length;

  const later = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  await c.uploadFile("/Relevés/Nov 2025/notes.txt", new TextEncoder().encode("Autre contenu, autre taille.\n"), { mtime: later });
  const same = await readFile(join(dir, "Archives", "2024.csv"));
  await c.uploadFile("/Archives/2024.csv", same, { mtime: later }); // same bytes, new mtime
  await c.uploadFile("/Relevés/Déc 2025/nouveau.csv", new TextEncoder().encode("a;b\n1;2\n"), { mtime: later });
  const afterUploads = (await downloads()).length;
  assert.equal(afterUploads, first);

  const plans = [];
  const s = await c.mirror(["/Relevés", "/Archives"], dir, { onPlan: (p) => plans.push(p) });
  const want = ["/Archives/2024.csv", "/Relevés/Déc 2025/nouveau.csv", "/Relevés/Nov 2025/notes.txt"];
  assert.deepEqual(s.fetched, want);
  assert.deepEqual((await downloads()).slice(afterUploads).sort(), want);
  assert.deepEqual(plans[0].fetch.map((f) => f.reason), ["changed", "new", "changed"]);
  await assertMirrored(dir, await remoteFiles(["/Relevés", "/Archives"]));

  // Gone remotely: kept without `delete`, removed with it; a file the mirror did not write stays.
  await c.deleteFile("/Relevés/Nov 2025/releve-02.csv");
  await writeFile(join(dir, "Relevés", "mine.txt"), "mine");
  const keep = await c.mirror(["/Relevés", "/Archives"], dir);
  assert.deepEqual([keep.fetched, keep.deleted], [[], []]);
  assert.ok(existsSync(join(dir, "Relevés", "Nov 2025", "releve-02.csv")));
  const del = await c.mirror(["/Relevés", "/Archives"], dir, { delete: true });
  assert.deepEqual(del.deleted, ["/Relevés/Nov 2025/releve-02.csv"]);
  assert.ok(!existsSync(join(dir, "Relevés", "Nov 2025", "releve-02.csv")));
  assert.ok(existsSync(join(dir, "Relevés", "mine.txt")));
  // A file lost locally is fetched again.
  await rm(join(dir, "Archives", "vide.txt"));
  const lost = await c.mirror(["/Archives"], dir);
  assert.deepEqual(lost.fetched, ["/Archives/vide.txt"]);
});

/** Final-named files of the Lot-1500 folder must hold exactly what the fake serves. */
async function assertLotFilesComplete(dir) {
  // The mirror's own files: manifest, its temporary copy (left by a kill), lock.
  const names = (await localFiles(dir)).filter((p) => !p.startsWith(".passerelle-mirror."));
  for (const p of names) {
    assert.ok(!p.endsWith(".passerelle-part"), `no partial file left: ${p}`);
    const n = Number(/f(\d{4})\.csv$/.exec(p)[1]);
    assert.equal(await readFile(join(dir, p), "utf8"), `id;valeur;libelle\n${n};${n * 7};ligne ${n}\n`, p);
  }
  return names.map((p) => `/${p}`);
}

/** A mirror aborted by its AbortSignal once `when(progress)` holds; it must reject `aborted`. */
async function abortedRun(c, remote, dir, concurrency, when) {
  const ctl = new AbortController();
  const err = await c.mirror(remote, dir, {
    concurrency, signal: ctl.signal,
    onProgress: (p) => { if (when(p)) ctl.abort(); },
  }).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(err instanceof PasserelleError, String(err));
  assert.equal(err.code, "aborted");
}

test("abort half-way (1,500 small files), then resume: nothing complete is downloaded again", async () => {
  const dir = await tempDir();
  const c = client();
  await abortedRun(c, "/Lot-1500", dir, 8, (p) => p.filesDone >= 400);
  const complete = await assertLotFilesComplete(dir);
  assert.ok(complete.length >= 400 && complete.length < 1500, `${complete.length} complete`);
  const firstRun = (await downloads()).length;

  const s = await c.mirror("/Lot-1500", dir, { concurrency: 8 });
  const second = (await downloads()).slice(firstRun);
  const completeSet = new Set(complete);
  assert.deepEqual(second.filter((p) => completeSet.has(p)), [], "no complete file downloaded again");
  assert.equal(second.length, 1500 - complete.length);
  assert.equal(s.fetched.length + s.unchanged, 1500);
  assert.equal((await assertLotFilesComplete(dir)).length, 1500);
});

test("abort in the middle of a 64 MiB file: no partial file under its final name; resume completes it", async () => {
  const dir = await tempDir();
  const c = client();
  await abortedRun(c, "/Volumineux", dir, 1, (p) => p.bytesDone > 4 << 20);
  assert.deepEqual(await localFiles(dir), [], "neither the cut file nor its partial copy is left (no manifest entry either)");
  const s = await c.mirror("/Volumineux", dir);
  assert.deepEqual(s.fetched, ["/Volumineux/gros-64MiB.bin", "/Volumineux/gros-8MiB.bin"]);
  await assertMirrored(dir, await remoteFiles(["/Volumineux"]));
});

test("a file that fails is reported with its error; the others are mirrored and the next run retries it", async () => {
  const dir = await tempDir();
  const c = client({ retries: 0 });
  await fake.fault({ method: "GET", path: FILES, kind: "status", status: 404, times: 1 });
  const s = await c.mirror("/Archives", dir, { concurrency: 1 });
  assert.equal(s.failed.length, 1);
  assert.equal(s.failed[0].path, "/Archives/2024.csv");
  assert.ok(s.failed[0].error instanceof PasserelleError);
  assert.equal(s.failed[0].error.code, "not_found");
  assert.deepEqual(s.fetched, ["/Archives/ancien rapport.xml", "/Archives/vide.txt"]);
  const again = await c.mirror("/Archives", dir);
  assert.deepEqual([again.fetched, again.failed], [["/Archives/2024.csv"], []]);
});

test("a body of another size than listed (a stale cache) is refused, never recorded, fetched again next run", async () => {
  const dir = await tempDir();
  // A fetch that answers file downloads from a cache of earlier answers, like a browser's HTTP
  // cache does from heuristic freshness.
  const cache = new Map();
  const caching = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes(`${FILES}?`) && cache.has(url)) return new Response(cache.get(url), { status: 200 });
    const res = await fetch(input, init);
    if (!url.includes(`${FILES}?`) || !res.ok) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    cache.set(url, body);
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const c = client({ fetch: caching });
  await c.mirror("/Archives", dir);
  await c.uploadFile("/Archives/2024.csv", new TextEncoder().encode("plus court\n"), { mtime: new Date(Date.UTC(2026, 0, 3)) });
  await c.uploadFile("/Archives/vide.txt", new TextEncoder().encode("plus long qu'avant\n"), { mtime: new Date(Date.UTC(2026, 0, 3)) });
  const s = await c.mirror("/Archives", dir);
  assert.deepEqual(s.fetched, []);
  assert.deepEqual(s.failed.map((f) => [f.path, f.error.code]),
    [["/Archives/2024.csv", "invalid_response"], ["/Archives/vide.txt", "truncated"]]);
  assert.match(s.failed[0].error.message, /listing says 11/);
  const manifest = MirrorManifest.parse(await readFile(join(dir, MANIFEST), "utf8"));
  assert.notEqual(manifest.get("/Archives/2024.csv").size, 11, "the stale copy is not recorded as the new one");
  assert.deepEqual(await localFiles(dir), [MANIFEST, "Archives/2024.csv", "Archives/ancien rapport.xml", "Archives/vide.txt"]);
  assert.equal((await readFile(join(dir, "Archives", "vide.txt"))).length, 0, "the old copy stays whole");
  const again = await client().mirror("/Archives", dir);
  assert.deepEqual(again.fetched, ["/Archives/2024.csv", "/Archives/vide.txt"]);
  await assertMirrored(dir, await remoteFiles(["/Archives"]));
});

test("unsafe names on the destination are skipped with a reason and never written", async () => {
  const dir = await tempDir();
  const c = client();
  const enc = new TextEncoder();
  await c.uploadFile("/Archives/ANCIEN RAPPORT.xml", enc.encode("<autre/>\n"));
  await c.uploadFile("/Archives/tab\there.txt", enc.encode("x\n"));
  await c.uploadFile("/Archives/.passerelle-mirror.json", enc.encode("{}"));
  await c.uploadFile("/Archives/x.csv.passerelle-part", enc.encode("x\n"));
  const s = await c.mirror(["/Archives", "/Relevés"], dir, { caseInsensitive: true, windowsNames: true });
  const reasons = Object.fromEntries(s.skipped.map((k) => [k.path, k.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), [
    "/Archives/ANCIEN RAPPORT.xml", "/Archives/ancien rapport.xml", "/Archives/tab\there.txt",
    "/Archives/x.csv.passerelle-part", "/Relevés/Déc 2025/R&D <notes>.txt",
  ]);
  assert.match(reasons["/Archives/ANCIEN RAPPORT.xml"], /letter case/);
  assert.match(reasons["/Archives/tab\there.txt"], /control character U\+0009/);
  assert.match(reasons["/Relevés/Déc 2025/R&D <notes>.txt"], /Windows forbids/);
  assert.match(reasons["/Archives/x.csv.passerelle-part"], /partial/);
  // Below the root a manifest-named file is an ordinary name; at the root it would be reserved.
  assert.ok(s.fetched.includes("/Archives/.passerelle-mirror.json"));
  const local = await localFiles(dir);
  for (const p of Object.keys(reasons)) assert.ok(!local.includes(p.slice(1)), `${p} written`);
  assert.deepEqual(s.failed, []);
});

test("any store through the MirrorDestination interface (in memory, without stat)", async () => {
  const stored = new Map();
  let manifestText = null;
  const writes = [];
  const memory = {
    async readManifest() { return manifestText; },
    async writeManifest(text) { manifestText = text; },
    async write(path, data, info) {
      writes.push([path, info.size, info.mtime.toISOString()]);
      stored.set(path, new Uint8Array(await new Response(data).arrayBuffer()));
    },
    async remove(path) { stored.delete(path); },
  };
  const c = client();
  const s = await c.mirror("/Relevés/Nov 2025", memory);
  const want = await remoteFiles(["/Relevés/Nov 2025"]);
  assert.deepEqual(s.fetched, want.map((f) => f.path));
  // Files are written as their downloads complete (concurrently): compare in path order.
  const byPath = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  assert.deepEqual(writes.sort(byPath),
    want.map((f) => [f.path.slice(1), f.size, new Date(f.last_modified).toISOString()]).sort(byPath));
  for (const f of want) assert.equal(sha256(stored.get(f.path.slice(1))), (await fake.sha256(f.path)).sha256);
  assert.equal(MirrorManifest.parse(manifestText).count(), want.length);
  const again = await c.mirror("/Relevés/Nov 2025", memory);
  assert.deepEqual([again.fetched, again.unchanged], [[], want.length]);
  // A destination that throws: the file fails with the destination's own error.
  const broken = { ...memory, async write() { throw new Error("disk full"); } };
  await c.uploadFile("/Relevés/Nov 2025/notes.txt", new TextEncoder().encode("v2\n"));
  const b = await c.mirror("/Relevés/Nov 2025", broken);
  assert.deepEqual(b.failed.map((f) => [f.path, f.error.message]), [["/Relevés/Nov 2025/notes.txt", "disk full"]]);
});

test("bad arguments reject with invalid_input; a missing remote folder rejects before writing", async () => {
  const dir = await tempDir();
  const c = client();
  for (const [args, re] of [
    [[[], dir], /remotePaths/],
    [["/x", {}], /readManifest/],
    [["/x", dir, { concurrency: 0 }], /concurrency/],
  ]) {
    const e = await c.mirror(...args).then(() => assert.fail("resolved"), (x) => x);
    assert.equal(e.code, "invalid_input");
    assert.match(e.message, re);
  }
  const e = await c.mirror("/absent", dir).then(() => assert.fail("resolved"), (x) => x);
  assert.equal(e.code, "not_found");
  assert.deepEqual(await localFiles(dir), []);
});

// ───────────────────────────── CLI ─────────────────────────────

/** Runs the installed `passerelle` bin; resolves { code, stdout, stderr }. */
function cli(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(CLI, args, {
      env: { PATH: process.env.PATH, PASSERELLE_PASSWORD: USER.password, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("CLI: --help, usage errors (exit 2), no password from argv", async () => {
  const help = await cli(["mirror", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes:/);
  assert.match(help.stdout, /PASSERELLE_PASSWORD/);
  assert.equal((await cli([])).code, 2);
  assert.equal((await cli(["frobnicate"])).code, 2);
  const dir = await tempDir();
  const u = ["--url", base, "--user", USER.username];
  for (const args of [
    ["mirror", "/Archives"],
    ["mirror", "/Archives", "--to", dir],
    ["mirror", "--bogus", "/Archives", "--to", dir, ...u],
    ["mirror", "/Archives", "--to", dir, ...u, "--concurrency", "0"],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  }
  const pw = await cli(["mirror", "/Archives", "--to", dir, ...u, "--password", "s3cret-in-argv"]);
  assert.equal(pw.code, 2);
  assert.doesNotMatch(pw.stdout + pw.stderr, /s3cret-in-argv/);
  const nopw = await cli(["mirror", "/Archives", "--to", dir, ...u], { PASSERELLE_PASSWORD: "" });
  assert.equal(nopw.code, 2);
  assert.match(nopw.stderr, /PASSERELLE_PASSWORD/);
  assert.deepEqual(await localFiles(dir), []);
});

test("CLI: dry run, mirror, second run, failures (1), wrong password (3), missing folder (4)", async () => {
  const dir = await tempDir();
  const u = ["--url", base, "--user", USER.username];

  const dry = await cli(["mirror", "/Relevés", "/Archives", "--to", dir, ...u, "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^fetch new \/Relevés\/Déc 2025\/releve-01\.csv \(\d+ bytes\)$/m);
  assert.match(dry.stdout, /^dry run: would fetch 12 /m);
  assert.deepEqual(await localFiles(dir).catch(() => []), []);
  assert.equal((await downloads()).length, 0);

  // API.md's form: the local folder as the last argument.
  const run = await cli(["mirror", ...u, "--concurrency", "3", "/Relevés", "/Archives", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^fetched \/Archives\/2024\.csv$/m);
  assert.match(run.stdout, /^fetched 12 \(.* MB\), unchanged 0, deleted 0, skipped 0, failed 0$/m);
  assert.doesNotMatch(run.stdout + run.stderr, new RegExp(USER.password.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await assertMirrored(dir, await remoteFiles(["/Relevés", "/Archives"]));

  const again = await cli(["mirror", "/Relevés", "/Archives", "--to", dir, ...u]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^fetched 0 \(0\.0 MB\), unchanged 12,/m);

  await client().uploadFile("/Archives/2024.csv", new Uint8Array([1, 2, 3]), { mtime: new Date(Date.UTC(2026, 0, 1)) });
  await fake.fault({ method: "GET", path: FILES, kind: "status", status: 404, times: 1 });
  const failed = await cli(["mirror", "/Archives", "--to", dir, ...u]);
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /^failed \/Archives\/2024\.csv: .*\[not_found\]$/m);

  // --delete, first as a dry run.
  await client().deleteFile("/Archives/vide.txt");
  const dryDel = await cli(["mirror", "/Archives", "--to", dir, ...u, "--delete", "--dry-run"]);
  assert.equal(dryDel.code, 0, dryDel.stderr);
  assert.match(dryDel.stdout, /^delete \/Archives\/vide\.txt$/m);
  assert.ok(existsSync(join(dir, "Archives", "vide.txt")));
  const del = await cli(["mirror", "/Archives", "--to", dir, ...u, "--delete"]);
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stdout, /^deleted \/Archives\/vide\.txt$/m);
  assert.ok(!existsSync(join(dir, "Archives", "vide.txt")));

  const wrong = await cli(["mirror", "/Archives", "--to", dir, ...u], { PASSERELLE_PASSWORD: "nope-wrong" });
  assert.equal(wrong.code, 3, wrong.stderr);
  const missing = await cli(["mirror", "/absent", "--to", dir, ...u]);
  assert.equal(missing.code, 4, missing.stderr);
  assert.match(missing.stderr, /not_found/);
});

/** Starts the CLI on /Lot-1500 and sends `signal` once it has printed `after` "fetched" lines. */
function cliInterrupted(dir, signal, after) {
  return new Promise((resolve) => {
    const child = spawn(CLI, ["mirror", "/Lot-1500", "--to", dir, "--url", base, "--user", USER.username, "--concurrency", "8"], {
      env: { PATH: process.env.PATH, PASSERELLE_PASSWORD: USER.password },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!sent && (stdout.match(/^fetched \//gm) ?? []).length >= after) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}

test("CLI interrupted by Ctrl-C (exit 130) and then killed (SIGKILL): the third run fetches only what was missing", async () => {
  const dir = await tempDir();
  const int = await cliInterrupted(dir, "SIGINT", 200);
  assert.equal(int.code, 130, int.stderr);
  assert.match(int.stderr, /interrupted; the next run resumes/);
  const afterInt = await assertLotFilesComplete(dir);
  assert.ok(afterInt.length >= 200 && afterInt.length < 1500, `${afterInt.length} complete`);

  const logBefore = (await downloads()).length;
  const killed = await cliInterrupted(dir, "SIGKILL", 300);
  assert.equal(killed.signal, "SIGKILL");
  const secondRun = (await downloads()).slice(logBefore);
  const interrupted = new Set(afterInt);
  assert.deepEqual(secondRun.filter((p) => interrupted.has(p)), [], "nothing complete after Ctrl-C fetched again");
  // A kill leaves its lock (taken over by the next run: its process is gone) and at most the
  // files being written under their temporary names, never a final one.
  assert.ok(existsSync(join(dir, LOCK)), "the killed run's lock is left");
  const names = (await localFiles(dir)).filter((p) => !p.startsWith(".passerelle-mirror."));
  const partial = names.filter((p) => p.endsWith(".passerelle-part"));
  assert.ok(partial.length <= 8, `${partial.length} partial files`);
  for (const p of partial) await rm(join(dir, p));
  const afterKill = await assertLotFilesComplete(dir);

  const logKill = (await downloads()).length;
  const last = await cli(["mirror", "/Lot-1500", "--to", dir, "--url", base, "--user", USER.username]);
  assert.equal(last.code, 0, last.stderr);
  const thirdRun = (await downloads()).slice(logKill);
  const done = new Set(afterKill);
  assert.deepEqual(thirdRun.filter((p) => done.has(p)), [], "nothing complete before the kill fetched again");
  assert.equal(thirdRun.length, 1500 - afterKill.length);
  assert.equal((await assertLotFilesComplete(dir)).length, 1500);
  assert.ok(!existsSync(join(dir, LOCK)), "the stale lock was taken over and released");
});

test("CLI: one run at a time per folder (exit 5 while another holds the lock); a dead run's lock is taken over", async () => {
  const dir = await tempDir();
  const u = ["--url", base, "--user", USER.username];
  const first = spawn(CLI, ["mirror", "/Lot-1500", "--to", dir, ...u, "--concurrency", "2"], {
    env: { PATH: process.env.PATH, PASSERELLE_PASSWORD: USER.password }, stdio: ["ignore", "pipe", "pipe"],
  });
  const firstDone = new Promise((resolve) => first.on("close", resolve));
  await new Promise((resolve) => first.stdout.on("data", (d) => { if (/^fetched \//m.test(String(d))) resolve(); }));
  const busy = await cli(["mirror", "/Archives", "--to", dir, ...u]);
  assert.equal(busy.code, 5, busy.stderr);
  assert.match(busy.stderr, new RegExp(`another run \\(pid ${first.pid} on `));
  const dry = await cli(["mirror", "/Archives", "--to", dir, ...u, "--dry-run"]);
  assert.equal(dry.code, 0, "a dry run only reads: no lock needed");
  assert.equal(await firstDone, 0);
  assert.ok(!existsSync(join(dir, LOCK)), "released");

  // A lock left by a process that is gone (same host) is taken over; another host's is not.
  const gone = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => gone.on("close", resolve));
  const lock = join(dir, LOCK);
  await writeFile(lock, JSON.stringify({ pid: gone.pid, host: hostname(), started: "2026-01-01T00:00:00Z" }));
  const takeover = await cli(["mirror", "/Archives", "--to", dir, ...u]);
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.ok(!existsSync(lock));
  await writeFile(lock, JSON.stringify({ pid: 1, host: "autre-machine", started: "2026-01-01T00:00:00Z" }));
  const foreign = await cli(["mirror", "/Archives", "--to", dir, ...u]);
  assert.equal(foreign.code, 5, foreign.stderr);
  assert.ok(existsSync(lock), "another host's lock is left alone");
});

test("CLI on a terminal (util-linux script): password prompt without echo, progress bar", async (t) => {
  if (!existsSync("/usr/bin/script")) {
    t.skip("util-linux `script` is not installed (no pseudo-terminal to test with)");
    return;
  }
  const dir = await tempDir();
  const quote = (a) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [CLI, "mirror", "/Archives", "/Relevés", "--to", dir, "--url", base, "--user", USER.username]
    .map(quote).join(" ");
  const child = spawn("/usr/bin/script", ["-qefc", command, "/dev/null"], {
    env: { PATH: process.env.PATH, TERM: "xterm", COLUMNS: "120" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let answered = false;
  child.stdout.on("data", (d) => {
    out += d;
    if (!answered && out.includes(`Password for ${USER.username}: `)) {
      answered = true;
      child.stdin.write(`${USER.password}\r`);
    }
  });
  const code = await new Promise((resolve) => child.on("close", resolve));
  assert.equal(code, 0, out);
  assert.ok(answered, `no prompt in: ${out}`);
  assert.ok(!out.includes(USER.password), "the password is not echoed");
  assert.match(out, /\r\x1b\[K\[[#-]{24}\] \d+\/12 files/, "a redrawn progress bar");
  assert.match(out, /fetched 12 \(/);
  await assertMirrored(dir, await remoteFiles(["/Archives", "/Relevés"]));
});

// ───────────────────────────── figures ─────────────────────────────

/** Child-process script: one mirror run in a fresh Node process, its figures as JSON. */
const FIGURES_RUN = `
  import { EchangeClient, mirror, wasmMemoryBytes } from "passerelle";
  const [base, username, password, dir] = process.argv.slice(1);
  const t0 = performance.now();
  const s = await mirror(new EchangeClient({ baseUrl: base, username, password }), "/Lot-1500", dir, { concurrency: 8 });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, fetched: s.fetched.length, unchanged: s.unchanged,
    maxRssKiB: process.resourceUsage().maxRSS, wasm: wasmMemoryBytes() }));
`;

test("figures: mirror of the 1,500-file folder, first and second run, each in a fresh Node process (printed, not asserted)", async (t) => {
  const dir = await tempDir();
  const runs = [];
  for (const label of ["first run", "second run"]) {
    const logBefore = (await fake.requests()).length;
    const { stdout } = await promisify(execFile)(process.execPath,
      ["--input-type=module", "-e", FIGURES_RUN, base, USER.username, USER.password, dir], { cwd: ROOT });
    const r = JSON.parse(stdout);
    const log = (await fake.requests()).slice(logBefore);
    runs.push({ label, ...r, requests: log.length, gets: log.filter((x) => x.path === FILES).length });
  }
  assert.deepEqual(runs.map((r) => [r.fetched, r.gets, r.unchanged]), [[1500, 1500, 0], [0, 0, 1500]]);
  for (const r of runs) {
    t.diagnostic(`node mirror /Lot-1500 ${r.label}: ${r.ms.toFixed(0)} ms, ${r.requests} requests ` +
      `(${r.gets} downloads), fetched ${r.fetched}, unchanged ${r.unchanged}, ` +
      `peak RSS ${(r.maxRssKiB / 1024).toFixed(1)} MiB (whole process), wasm memory ${(r.wasm / 2 ** 20).toFixed(1)} MiB`);
  }
});
