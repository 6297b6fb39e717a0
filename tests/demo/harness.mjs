// Shared set-up for the demo-page suites: serves www/ with the installed package at /pkg/ and a
// generated demo/config.json (base URLs of the fake, its public seed accounts), launches Debian's
// Chromium through playwright-core, and offers small page helpers.
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import { ROOT, USER, CHROMIUM_ARGS, fakeUrl } from "../js/helpers.mjs";

export const PED = { apiKey: "ped-test-key", email: "notaire@example.fr", password: "Secret-Été-2025" };
export const ARTIFACTS = join(ROOT, "tests/artifacts");
export const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/** Where npm installed the package (node_modules/passerelle), served at /pkg/ like scripts/demo. */
const PKG_DIR = dirname(createRequire(import.meta.url).resolve("passerelle/package.json"));

export async function startDemo() {
  const fake = await fakeUrl();
  const configDir = mkdtempSync(join(tmpdir(), "passerelle-demo-"));
  writeFileSync(
    join(configDir, "config.json"),
    JSON.stringify({
      echange: { baseUrl: fake, demo: USER },
      ped: { baseUrl: fake, fakeLog: true, demo: PED },
    }),
  );
  const server = await serveStatic({ "/": join(ROOT, "www"), "/pkg/": PKG_DIR, "/demo/": configDir });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    fake,
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** A fresh page (own context: no shared state) at `size`, with the app booted. */
export async function openPage(demo, size = SIZES.desktop) {
  const context = await demo.browser.newContext({ viewport: size, acceptDownloads: true, locale: "fr-FR" });
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  page.logs = logs;
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 }).catch((e) => {
    throw new Error(`the page did not boot: ${e.message}\n${logs.join("\n")}`);
  });
  return page;
}

export async function closePage(page) {
  const errors = page.logs.filter((l) => l.startsWith("pageerror"));
  await page.context().close();
  assert.deepEqual(errors, [], "no uncaught error in the page");
}

/** Signs in to Échange with the seed user (typed, as a user would). */
export async function loginEchange(page, password = USER.password) {
  await page.fill("#ex-user", USER.username);
  await page.fill("#ex-pass", password);
  await page.click("#ex-login");
}

export async function loginPed(page, creds = PED) {
  await page.click("#tab-ped");
  await page.fill("#ped-key", creds.apiKey);
  await page.fill("#ped-email", creds.email);
  await page.fill("#ped-pass", creds.password);
  await page.click("#ped-login");
}

/** Rows of the listing as the user sees them: [{name, size, date, type}]. */
export function listingRows(page) {
  return page.$$eval("#rows tr", (trs) =>
    trs.map((tr) => ({
      path: tr.dataset.path,
      type: tr.dataset.type,
      name: tr.cells[1].textContent.replace(/\s*lien$|\s*link$/, "").trim(),
      size: tr.cells[2].textContent.trim(),
      date: tr.cells[3].textContent.trim(),
    })),
  );
}

/** Full-page screenshot; with `at`, a viewport-sized one scrolled to that element instead. */
export async function screenshot(page, name, at) {
  const file = join(ARTIFACTS, `${name}.png`);
  if (at) {
    await page.locator(at).first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: file });
  } else {
    await page.screenshot({ path: file, fullPage: true });
  }
  return file;
}

/** POST/GET a /__fake/ control, JSON in and out. */
export async function control(method, path, body) {
  const res = await fetch(`${await fakeUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
