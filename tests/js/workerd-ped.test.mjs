// PreEtatDateClient, parseWebhook, validateOrder and documentTypeLabel inside workerd:
// tests/worker/ped-worker.mjs is bundled by wrangler (as `wrangler deploy` would, resolving
// "passerelle" through its `workerd` export condition) and run by Miniflare; the Worker runs
// tests/browser/ped-scenario.js against the fake, and this test checks the outcome.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";
import { ROOT, fakeUrl } from "./helpers.mjs";
import { prepareScenario, checkScenario, webhookListener } from "./node-ped-helpers.mjs";

const OUT = `${ROOT}target/worker-ped-bundle`;
let mf, listener;

before(async () => {
  listener = await webhookListener();
  rmSync(OUT, { recursive: true, force: true });
  await promisify(execFile)(`${ROOT}node_modules/.bin/wrangler`, [
    "deploy", "--dry-run", "--outdir", OUT, "--name", "passerelle-ped-test",
    "--compatibility-date", "2025-06-01", `${ROOT}tests/worker/ped-worker.mjs`,
  ], {
    cwd: `${ROOT}target`, // wrangler leaves a .wrangler/ folder in its working directory
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    timeout: 120_000,
  });
  const files = readdirSync(OUT);
  assert.ok(files.some((f) => f.endsWith(".wasm")), `wrangler bundled the .wasm as a module: ${files}`);
  mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT}/ped-worker.js`,
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
  await listener?.close();
});

test("PRE-ETAT.DATE in workerd: auth, orders, no re-send after a 500, token expiry, refresh, webhooks, errors", async () => {
  await prepareScenario(listener.url);
  const res = await mf.dispatchFetch("http://worker.test/scenario");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  await checkScenario(body, listener);
});
