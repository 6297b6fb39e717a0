// The Échange client in headless Chromium (Debian's, driven by playwright-core), cross-origin
// (CORS) to the fake: a plain module page loads the package's "passerelle/web" entry and runs
// the scenarios of tests/worker/echange-scenarios.mjs; this side checks the outcomes against the
// fake's own view (tests/browser/echange-checks.mjs, shared with the workerd suite).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { chromium } from "playwright-core";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import { ROOT, CHROMIUM_ARGS, fakeUrl } from "./helpers.mjs";
import { fakeControls } from "../worker/echange-common.mjs";
import { checks } from "../browser/echange-checks.mjs";

const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
let browser, server, page, fake;
const logs = [];

before(async () => {
  fake = fakeControls(await fakeUrl());
  server = await serveStatic({ "/pkg/": PKG_DIR, "/worker/": `${ROOT}tests/worker`, "/": `${ROOT}tests/browser` });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}/echange-page/?${new URLSearchParams({ fake: fake.base })}`);
  await page.waitForSelector("html[data-state=ready]", { timeout: 30_000 }).catch((e) => {
    throw new Error(`page did not load: ${e.message}\n${logs.join("\n")}`);
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function run(name, params = {}) {
  try {
    return await page.evaluate(([n, p]) => window.runEchange(n, p), [name, params]);
  } catch (err) {
    assert.fail(`scenario ${name} failed in Chromium: ${err.message}\n${logs.join("\n")}`);
  }
}

for (const [name, check] of Object.entries(checks)) {
  test(`chromium: ${name}`, () => check(run, fake, { resendsOnDrop: true }));
}

test("chromium: GET requests bypass the HTTP cache (no-store); POST and DELETE go without the option", async () => {
  // A `fetch` option receives the Request the client built, with its cache mode.
  const seen = await page.evaluate(async (base) => {
    const passerelle = await import("/pkg/web.js"); // initialised by the page
    const modes = [];
    const client = new passerelle.EchangeClient({
      baseUrl: base,
      username: "fournisseur",
      password: "motdepasse-Été:2025",
      fetch: (req) => {
        modes.push(`${req.method} ${new URL(req.url).pathname} ${req.cache}`);
        return fetch(req);
      },
    });
    await client.listDir("/");
    const zip = await client.downloadZip(["/Relevés"]);
    await zip.cancel();
    await client.mkdir("/cache-mode-probe").catch(() => {});
    await client.deleteDir("/cache-mode-probe").catch(() => {});
    return modes;
  }, fake.base);
  assert.deepEqual(seen, [
    "GET /api/v2/user/token no-store",
    "GET /api/v2/user/dirs no-store",
    "POST /api/v2/user/streamzip default",
    "POST /api/v2/user/dirs default",
    "DELETE /api/v2/user/dirs default",
  ]);
});
