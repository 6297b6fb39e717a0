// The Échange client inside workerd: tests/worker/echange-worker.mjs is bundled by wrangler (as
// `wrangler deploy` would, "passerelle" through its `workerd` condition, the .wasm as a module)
// and run by Miniflare; the Worker runs the scenarios of tests/worker/echange-scenarios.mjs
// against the fake and this side checks the outcome against the fake's own view.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";
import { ROOT, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";
import { checks } from "../browser/echange-checks.mjs";

const OUT = `${ROOT}target/worker-echange-bundle`;
let mf;
let fake;

before(async () => {
  fake = fakeControls(await fakeUrl());
  rmSync(OUT, { recursive: true, force: true });
  await promisify(execFile)(`${ROOT}node_modules/.bin/wrangler`, [
    "deploy", "--dry-run", "--outdir", OUT, "--name", "passerelle-echange-test",
    "--compatibility-date", "2025-06-01", `${ROOT}tests/worker/echange-worker.mjs`,
  ], {
    cwd: `${ROOT}target`,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    timeout: 120_000,
  });
  const files = readdirSync(OUT);
  assert.ok(files.some((f) => f.endsWith(".wasm")), `wrangler bundled the .wasm as a module: ${files}`);
  mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT}/echange-worker.js`,
    modulesRoot: OUT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    bindings: { FAKE_URL: fake.base },
  });
});

after(async () => {
  await mf?.dispose();
});

async function run(name, params = {}) {
  const q = new URLSearchParams({ name, params: JSON.stringify(params) });
  const res = await mf.dispatchFetch(`http://worker.test/run?${q}`);
  const body = await res.json();
  assert.equal(res.status, 200, `scenario ${name} failed in workerd: ${JSON.stringify(body)}`);
  return body.result;
}

for (const [name, check] of Object.entries(checks)) {
  test(`workerd: ${name}`, () => check(run, fake));
}
