// PreEtatDateClient, parseWebhook, validateOrder and documentTypeLabel in headless Chromium
// (Debian's, driven by playwright-core) against the fake, cross-origin (CORS): (1) a page built
// by Vite 7 importing "passerelle" with no init call; (2) a plain <script type="module"> page
// using the "./web" entry and `await init()`. Both run tests/browser/ped-scenario.js.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { build } from "vite";
import { chromium } from "playwright-core";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import { ROOT, CHROMIUM_ARGS, fakeUrl } from "./helpers.mjs";
import { prepareScenario, checkScenario, webhookListener } from "./node-ped-helpers.mjs";

const OUT = `${ROOT}target/browser-ped-app`;
// Where npm installed the package (node_modules/passerelle), to serve it for the plain page.
const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
let browser, server, fake, listener;

before(async () => {
  fake = await fakeUrl();
  listener = await webhookListener();
  rmSync(OUT, { recursive: true, force: true });
  await build({
    root: `${ROOT}tests/browser/ped-app`,
    logLevel: "warn",
    base: "./",
    build: { outDir: OUT, emptyOutDir: true },
  });
  // The module is embedded in the package's JavaScript: Vite emits no separate .wasm asset.
  const assets = readdirSync(`${OUT}/assets`);
  assert.ok(assets.some((f) => f.endsWith(".js")), `Vite emitted the bundle: ${assets}`);
  server = await serveStatic({ "/app/": OUT, "/pkg/": PKG_DIR, "/": `${ROOT}tests/browser` });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await listener?.close();
});

async function runPage(path) {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${server.url}${path}?${new URLSearchParams({ fake })}`);
    await page.waitForSelector("html[data-state]", { timeout: 60_000 }).catch((e) => {
      throw new Error(`page did not finish: ${e.message}\n${logs.join("\n")}`);
    });
    const state = await page.getAttribute("html", "data-state");
    const result = JSON.parse(await page.textContent("#out"));
    assert.equal(state, "done", `page failed: ${JSON.stringify(result)}\n${logs.join("\n")}`);
    return result;
  } finally {
    await page.close();
  }
}

test("PRE-ETAT.DATE in a Vite 7 build (no init call) in Chromium", async () => {
  await prepareScenario(listener.url);
  await checkScenario(await runPage("/app/"), listener);
});

test("PRE-ETAT.DATE in a plain <script type=\"module\"> page (\"passerelle/web\" + await init()) in Chromium", async () => {
  await prepareScenario(listener.url);
  await checkScenario(await runPage("/ped-plain/"), listener);
});
