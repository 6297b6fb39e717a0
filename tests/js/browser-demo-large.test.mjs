// The demo page with large folders: the seed's 1,500-entry /Lot-1500 and a 20,000-entry listing
// (the fake's answer for /Lot-20000 widened in the browser by a Playwright route). The listing is
// windowed, so the DOM holds a screenful of rows whatever the size; these tests check that it
// stays correct (every entry reachable, sort, select all, scrolling) and report the main-thread
// time the page measures with the Performance API (performance.measure "demo:*"). Times are
// reported (tests/artifacts/large-folders.json, test diagnostics), never asserted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { reset, rawListing } from "./helpers.mjs";
import { startDemo, openPage, closePage, loginEchange, screenshot, control, ARTIFACTS, SIZES } from "../demo/harness.mjs";

let demo;
const figures = {};
before(async () => {
  demo = await startDemo();
});
after(async () => {
  writeFileSync(join(ARTIFACTS, "large-folders.json"), JSON.stringify(figures, null, 2));
  await control("POST", "/__fake/reset", {}).catch(() => {});
  await demo?.close();
});

/** The newest `demo:<name>` and `demo:<name>:frame` measures (ms), once the frame one exists. */
async function measure(page, name) {
  await page.waitForFunction((n) => performance.getEntriesByName(`demo:${n}:frame`).length > 0, name);
  const got = await page.evaluate((n) => {
    const last = (x) => performance.getEntriesByName(x).pop()?.duration ?? null;
    return { script: last(`demo:${n}`), frame: last(`demo:${n}:frame`) };
  }, name);
  await page.evaluate(() => performance.clearMeasures());
  return { script: Math.round(got.script * 10) / 10, frame: Math.round(got.frame * 10) / 10 };
}

/** Runs one folder through render, sort, select all, language switch; checks what is shown. */
async function exercise(t, page, label, folder, count, maxSize) {
  const out = {};
  await page.evaluate(() => performance.clearMeasures());
  await page.click(`#rows button.folder:text-is("${folder}")`);
  await page.waitForSelector(`#crumbs [aria-current="page"]:text-is("${folder}")`);
  await page.waitForFunction(() => performance.getEntriesByName("demo:open:frame").length > 0);
  out.openFromClick = Math.round(await page.evaluate(() => performance.getEntriesByName("demo:open:frame").pop().duration));
  out.render = await measure(page, "render");
  assert.equal(await page.getAttribute("#listing", "aria-rowcount"), String(count + 1));
  const inDom = await page.$$eval("#rows tr[data-path]", (trs) => trs.length);
  assert.ok(inDom > 5 && inDom < 120, `a window of rows in the DOM, not all ${count} (${inDom})`);

  // Sort by size, descending: the first row is the largest entry.
  await page.click('button.sort[data-key="size"]');
  out.sortAsc = await measure(page, "sort");
  await page.click('button.sort[data-key="size"]');
  out.sortDesc = await measure(page, "sort");
  const firstBytes = await page.$eval('#rows tr[data-index="0"] td.num', (c) => Number(c.title.replace(/\D/g, "")));
  assert.equal(firstBytes, maxSize, "largest entry first");

  // Select all: every entry counted, the rows in view checked.
  await page.check("#sel-all");
  out.selectAll = await measure(page, "select");
  assert.equal(await page.textContent("#ex-selcount"), `${count} élément(s) sélectionné(s)`);
  assert.equal(await page.$$eval("#rows tr[data-path] input:not(:checked)", (x) => x.length), 0);
  await page.uncheck("#sel-all");
  out.selectNone = await measure(page, "select");

  // The language switch redraws the listing in English.
  await page.click('.lang-btn[data-lang="en"]');
  out.language = await measure(page, "language");
  await page.click('.lang-btn[data-lang="fr"]');
  await measure(page, "language");

  // Scrolling to the end draws the last rows; in the middle, rows from the middle.
  await page.click('button.sort[data-key="name"]');
  out.sortName = await measure(page, "sort");
  await page.$eval("#ex-scroll", (el) => (el.scrollTop = el.scrollHeight));
  await page.waitForFunction((n) => document.querySelector(`#rows tr[data-index="${n - 1}"]`), count);
  await page.$eval("#ex-scroll", (el) => (el.scrollTop = el.scrollHeight / 2));
  await page.waitForFunction((n) => {
    const idx = [...document.querySelectorAll("#rows tr[data-path]")].map((tr) => Number(tr.dataset.index));
    return idx.some((i) => Math.abs(i - n / 2) < 40);
  }, count);
  // Keyboard: Tab from a row's checkbox walks down past the rows that were drawn at first.
  await page.$eval("#ex-scroll", (el) => (el.scrollTop = 0));
  await page.waitForSelector('#rows tr[data-index="0"]');
  await page.focus('#rows tr[data-index="0"] input');
  for (let i = 0; i < 60; i++) await page.keyboard.press("Tab");
  const at = await page.evaluate(() => Number(document.activeElement.closest("tr")?.dataset.index ?? -1));
  assert.ok(at >= 40, `Tab reached row ${at} (rows are drawn ahead of the focus)`);
  figures[label] = out;
  t.diagnostic(`${label}: ${JSON.stringify(out)}`);
  return out;
}

test("1,500-entry folder: windowed rows, sort, select all, language; main-thread times reported", async (t) => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr[data-path]");
    const raw = await rawListing("/Lot-1500");
    await exercise(t, page, "1500", "Lot-1500", 1500, Math.max(...raw.map((e) => e.size ?? 0)));
    await screenshot(page, "echange-1500-1280");
  } finally {
    await closePage(page);
  }
});

test("20,000-entry folder stays usable (windowed rows, sort, select all, scrolling)", async (t) => {
  await reset();
  await control("POST", "/__fake/echange/generate", { path: "/Lot-20000/f00000.csv", size: 10 });
  const page = await openPage(demo);
  const base = Date.parse("2025-12-15T08:30:00Z");
  const big = Array.from({ length: 20_000 }, (_, i) => ({
    name: `f${String(i).padStart(5, "0")}.csv`,
    size: (i * 7919) % 100_000,
    mode: 420,
    last_modified: new Date(base - i * 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
  }));
  // The real answer (its CORS headers), with 20,000 entries in its body.
  const isBig = (url) => url.pathname === "/api/v2/user/dirs" && url.searchParams.get("path") === "/Lot-20000";
  await page.route(isBig, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["content-encoding"];
    delete headers["content-length"];
    await route.fulfill({ response, headers, body: JSON.stringify(big) });
  });
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr[data-path]");
    await exercise(t, page, "20000", "Lot-20000", 20_000, Math.max(...big.map((e) => e.size)));
    await page.setViewportSize(SIZES.phone);
    await page.waitForFunction(() => document.querySelectorAll("#rows tr[data-path]").length > 5);
    await screenshot(page, "echange-20000-390");
  } finally {
    await closePage(page);
  }
});
