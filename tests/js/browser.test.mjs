// EchangeClient in headless Chromium (Debian's, driven by playwright-core) against the fake,
// cross-origin (CORS): (1) a page built by Vite 7 importing "passerelle" with no init call;
// (2) a plain <script type="module"> page using the "./web" entry and `await init()`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { build } from "vite";
import { chromium } from "playwright-core";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import {
  ROOT, USER, CHROMIUM_ARGS, fakeUrl, reset, requestsTo, rawListing, expectedEntries, comparable,
} from "./helpers.mjs";

const FOLDER = "Relevés/Déc 2025";
const OUT = `${ROOT}target/browser-app`;
// Where npm installed the package (node_modules/passerelle), to serve it for the plain page.
const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));
let browser, server, fake;

before(async () => {
  fake = await fakeUrl();
  rmSync(OUT, { recursive: true, force: true });
  await build({
    root: `${ROOT}tests/browser/app`,
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
});

async function runPage(path) {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  try {
    const q = new URLSearchParams({ fake, folder: FOLDER });
    await page.goto(`${server.url}${path}?${q}`);
    await page.waitForSelector("html[data-state]", { timeout: 30_000 }).catch((e) => {
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

async function check(path) {
  await reset();
  const expected = expectedEntries(FOLDER, await rawListing(FOLDER));
  await reset();
  const r = await runPage(path);

  assert.equal(typeof r.token.access_token, "string");
  assert.ok(Date.parse(r.token.expires_at) > Date.now(), "expires_at in the future");
  assert.equal(r.sameToken, true, "concurrent token() calls share the token");
  assert.deepEqual(comparable(r.entries), comparable(expected));
  // Cross-origin: the browser's CORS preflights (OPTIONS) are in the log too; count the real calls.
  const tokenRequests = (await requestsTo("/api/v2/user/token")).filter((q) => q.method === "GET");
  // One for the good client, one for the wrong-password client.
  assert.equal(tokenRequests.length, 2, "token requests: one per client");
  const dirs = (await requestsTo("/api/v2/user/dirs")).filter((q) => q.method === "GET");
  assert.ok(dirs.length >= 2 && dirs.every((d) => d.headers.authorization === `Bearer ${r.token.access_token}`));

  assert.equal(r.error.instanceOf, true, "err instanceof PasserelleError in the page");
  assert.equal(r.error.isError, true);
  assert.equal(r.error.name, "PasserelleError");
  assert.equal(r.error.code, "not_found");
  assert.equal(r.error.status, 404);
  assert.equal(r.error.serverMessage, "Unable to get directory lister");
  assert.equal(r.error.serverError, "file does not exist");

  assert.equal(r.badPassword.instanceOf, true);
  assert.equal(r.badPassword.code, "unauthorized");
  assert.equal(r.badPassword.status, 401);
  for (const e of [r.error, r.badPassword]) {
    for (const text of [e.message, e.string, e.json, e.stack]) {
      for (const secret of [USER.password, "mauvais-Mot:de-passe", r.token.access_token]) {
        assert.ok(!text.includes(secret), `no secret in ${text}`);
      }
    }
  }
}

test("a Vite 7 build importing \"passerelle\" (no init call) works in Chromium", () => check("/app/"));

test("a plain <script type=\"module\"> page using \"passerelle/web\" + await init() works in Chromium", () =>
  check("/plain/"));
