// EchangeClient inside workerd: tests/worker/worker.mjs is bundled by wrangler (as `wrangler
// deploy` would, resolving "passerelle" through its `workerd` export condition) and the bundle
// is run by Miniflare, whose Worker fetches the fake server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";
import {
  ROOT, USER, fakeUrl, reset, requestsTo, rawListing, expectedEntries, comparable,
} from "./helpers.mjs";

const FOLDER = "Relevés/Déc 2025";
const OUT = `${ROOT}target/worker-bundle`;
let mf;

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await promisify(execFile)(`${ROOT}node_modules/.bin/wrangler`, [
    "deploy", "--dry-run", "--outdir", OUT, "--name", "passerelle-test",
    "--compatibility-date", "2025-06-01", `${ROOT}tests/worker/worker.mjs`,
  ], {
    cwd: `${ROOT}target`, // wrangler leaves a .wrangler/ folder in its working directory
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    timeout: 120_000,
  });
  const files = readdirSync(OUT);
  assert.ok(files.some((f) => f.endsWith(".wasm")), `wrangler bundled the .wasm as a module: ${files}`);
  mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT}/worker.js`,
    modulesRoot: OUT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    bindings: { FAKE_URL: await fakeUrl() },
  });
});

after(async () => {
  await mf?.dispose();
});

async function call(path) {
  const res = await mf.dispatchFetch(`http://worker.test${path}`);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

test(`listDir("${FOLDER}") in workerd returns the server's entries`, async () => {
  await reset();
  const expected = expectedEntries(FOLDER, await rawListing(FOLDER));
  await reset();
  const body = await call(`/list?path=${encodeURIComponent(FOLDER)}`);
  assert.deepEqual(comparable(body.entries), comparable(expected));
  assert.equal(body.sameToken, true, "concurrent token() calls got the same token");
  assert.equal((await requestsTo("/api/v2/user/token")).length, 1, "one token request");
  const dirs = await requestsTo("/api/v2/user/dirs");
  assert.equal(dirs.length, 1);
  assert.equal(dirs[0].headers.authorization, `Bearer ${body.token}`);
});

test("a missing folder rejects in workerd with a not_found PasserelleError", async () => {
  await reset();
  const { caught, token } = await call(`/error?path=${encodeURIComponent("Relevés/Nulle part")}`);
  assert.ok(caught, "listDir rejected");
  assert.equal(caught.instanceOf, true, "err instanceof PasserelleError inside the Worker");
  assert.equal(caught.isError, true);
  assert.equal(caught.name, "PasserelleError");
  assert.equal(caught.code, "not_found");
  assert.equal(caught.status, 404);
  assert.equal(caught.serverMessage, "Unable to get directory lister");
  assert.equal(caught.serverError, "file does not exist");
  for (const text of [caught.message, caught.string, caught.json, caught.stack]) {
    assert.ok(!text.includes(USER.password) && !text.includes(token), `no secret in ${text}`);
  }
});

test("a wrong password rejects in workerd with unauthorized, without the password", async () => {
  await reset();
  const pw = "mauvais-Mot:de-passe";
  const { caught } = await call(`/bad-password?pw=${encodeURIComponent(pw)}`);
  assert.ok(caught, "token() rejected");
  assert.equal(caught.instanceOf, true);
  assert.equal(caught.code, "unauthorized");
  assert.equal(caught.status, 401);
  for (const text of [caught.message, caught.string, caught.json, caught.stack]) {
    assert.ok(!text.includes(pw), `no password in ${text}`);
  }
});
