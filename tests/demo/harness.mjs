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


/** `options` go to serveStatic (compress, revalidate). */
export async function startDemo(options = {}) {
  const fake = await fakeUrl();
  const configDir = mkdtempSync(join(tmpdir(), "passerelle-demo-"));
  writeFileSync(
    join(configDir, "config.json"),
    JSON.stringify({
      echange: { baseUrl: fake, demo: USER },
      ped: { baseUrl: fake, fakeLog: true, demo: PED },
    }),
  );
  const server = await serveStatic({ "/": join(ROOT, "www"), "/pkg/": PKG_DIR, "/demo/": configDir }, options);
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
export async function openPage(demo, size = SIZES.desktop, contextOptions = {}) {
  const context = await demo.browser.newContext({ viewport: size, acceptDownloads: true, locale: "fr-FR", ...contextOptions });
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

/** openPage, then signed in to Échange with the seed user, the top folder listed. */
export async function openSignedIn(demo, size = SIZES.desktop) {
  const page = await openPage(demo, size);
  await loginEchange(page);
  await page.waitForSelector("#rows tr[data-path]");
  return page;
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
  return page.$$eval("#rows tr[data-path]", (trs) =>
    trs.map((tr) => ({
      path: tr.dataset.path,
      type: tr.dataset.type,
      name: tr.cells[1].querySelector(".file, .folder").textContent.trim(),
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

/** The id (or a short description) of the focused element; "BODY" when focus fell to the page. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "BODY";
    return el.id || `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""}`;
  });
}

/**
 * Runs axe-core in the page; returns the violations of impact moderate or higher as
 * [{ id, impact, help, targets }]. Each scan is saved with `name` in tests/artifacts/.
 */
export async function axeScan(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    // axe-core's browser script: tests/demo/package.json, its own lock file (npm ci there).
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve("axe-core/axe.min.js") });
  }
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 8),
    }));
  });
  writeFileSync(join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(result, null, 2));
  return result.filter((v) => ["moderate", "serious", "critical"].includes(v.impact));
}

/**
 * Texts of one language's dictionary that must not be visible once the page is in the other
 * language, as regular expressions ({params} match anything). Skipped: entries equal in both
 * languages and templates with too little fixed text to recognise.
 */
async function foreignPatterns(page, from) {
  const dicts = await page.evaluate(async () => {
    const m = await import("/js/i18n.js");
    return { fr: m.DICTS.fr, en: m.DICTS.en };
  });
  const other = from === "fr" ? "en" : "fr";
  const out = [];
  for (const [key, text] of Object.entries(dicts[from])) {
    if (dicts[other][key] === text) continue;
    const fixed = text.replace(/\{\w+\}/g, "").replace(/[^\p{L}]/gu, "");
    if (fixed.length < 4) continue;
    const source = text
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*?");
    out.push({ key, re: new RegExp(`(?<![\\p{L}\\p{N}])${source}(?![\\p{L}\\p{N}])`, "u") });
  }
  return out;
}

/** Visible text and accessible names of the page, without user content (translate="no"). */
function uiText(page) {
  return page.evaluate(() => {
    const parts = [document.title];
    const walk = (el) => {
      if (el.getAttribute?.("translate") === "no" || el.hidden || el.tagName === "SCRIPT" || el.tagName === "STYLE") return;
      if (el.nodeType === 1 && el !== document.body && el.offsetParent === null && getComputedStyle(el).position !== "fixed") return;
      for (const a of ["aria-label", "title", "placeholder"]) if (el.getAttribute?.(a)) parts.push(el.getAttribute(a));
      for (const c of el.childNodes) {
        if (c.nodeType === 3) parts.push(c.textContent);
        else if (c.nodeType === 1) walk(c);
      }
    };
    walk(document.body);
    for (const el of document.querySelectorAll("[aria-label]")) {
      if (!el.closest('[translate="no"]')) parts.push(el.getAttribute("aria-label"));
    }
    // Names of files and archive entries are the user's, whatever the language.
    const names = [...document.querySelectorAll('#rows td.name, #pv-rows td.name')]
      .map((td) => td.title || td.textContent)
      .filter(Boolean)
      .sort((a, b) => b.length - a.length);
    return parts.map((p) => names.reduce((s, n) => s.split(n).join(" "), p)).join("\n");
  });
}

export async function assertAllIn(page, lang) {
  const text = await uiText(page);
  const left = (await foreignPatterns(page, lang === "en" ? "fr" : "en"))
    .filter(({ re }) => re.test(text))
    .map(({ key, re }) => `${key}: ${text.match(re)[0]}`);
  assert.deepEqual(left, [], `text left in the other language after switching to ${lang}`);
}

