// One client per API at module scope in a Worker, shared by concurrent requests: on a fresh
// isolate, concurrent first requests all wait for one token. workerd cancels a request that waits
// on I/O another request started ("The Workers runtime canceled this request because it detected
// that your Worker's code had hung"), so a waiting call must resume on its own I/O. Each round
// starts a fresh isolate (a new Miniflare) and sends the requests at once; every one must succeed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";
import { ROOT, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";

const OUT = `${ROOT}target/worker-module-scope-bundle`;
const ROUNDS = 5;
const CONCURRENT = 8;
let fake;

before(async () => {
  fake = fakeControls(await fakeUrl());
  rmSync(OUT, { recursive: true, force: true });
  await promisify(execFile)(`${ROOT}node_modules/.bin/wrangler`, [
    "deploy", "--dry-run", "--outdir", OUT, "--name", "passerelle-module-scope-test",
    "--compatibility-date", "2025-06-01", `${ROOT}tests/worker/module-scope-worker.mjs`,
  ], {
    cwd: `${ROOT}target`,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    timeout: 120_000,
  });
  assert.ok(readdirSync(OUT).some((f) => f.endsWith(".wasm")));
});

after(async () => {
  await fake?.clearFaults();
});

async function freshIsolate() {
  const mf = new Miniflare({
    modules: true,
    scriptPath: `${OUT}/module-scope-worker.js`,
    modulesRoot: OUT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    bindings: { FAKE_URL: fake.base },
  });
  await mf.ready;
  return mf;
}

for (const [api, path, tokenPath, tokenMethod] of [
  ["Échange", "/echange", "/api/v2/user/token", "GET"],
  ["PRE-ETAT.DATE", "/ped", "/account/auth", "POST"],
]) {
  test(`${api}: ${ROUNDS} rounds of ${CONCURRENT} concurrent first requests through one module-scope client`, async () => {
    const perRound = [];
    for (let round = 0; round < ROUNDS; round++) {
      await fake.reset();
      // A slow login, so that the other requests arrive while it runs and have to wait for it.
      await fake.fault({ method: tokenMethod, path: tokenPath, kind: "slow", delay_ms: 400, times: 1 });
      const mf = await freshIsolate();
      try {
        const answers = await Promise.all(
          Array.from({ length: CONCURRENT }, () =>
            mf.dispatchFetch(`http://worker.test${path}`).then(async (r) => ({ status: r.status, body: await r.text() })),
          ),
        );
        const failed = answers.filter((a) => a.status !== 200);
        assert.deepEqual(failed, [], `round ${round}: ${failed.length} of ${CONCURRENT} requests failed`);
        const logins = (await fake.requestsTo(tokenPath, tokenMethod)).length;
        perRound.push(logins);
        assert.equal(logins, 1, `round ${round}: one shared login`);
      } finally {
        await mf.dispose();
      }
    }
    console.log(`# ${api}: token requests per round (${CONCURRENT} concurrent first requests): ${perRound.join(", ")}`);
  });
}
