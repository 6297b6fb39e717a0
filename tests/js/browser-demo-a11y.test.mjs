// Accessibility scan of the demo page (axe-core, from tests/demo/package.json) in the main states
// of both panels, at 1280×800 and 390×844: no violation of impact moderate or higher. Each state
// is also screenshotted into tests/artifacts/ (a11y-<state>-<width>.png; axe-<state>-<width>.json
// holds every violation axe reported, minor ones included).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { reset } from "./helpers.mjs";
import { startDemo, openPage, closePage, loginEchange, loginPed, screenshot, control, axeScan, SIZES } from "../demo/harness.mjs";

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await control("POST", "/__fake/reset", {}).catch(() => {});
  await demo?.close();
});

const VALID = {
  address: "4 BIS RUE DE LA FERME", city: "CALUIRE ET CUIRE", zipcode: "69300",
  "owners[0].firstname": "Jean", "owners[0].lastname": "Dupont",
  "invoice.lastname": "PLAISIR NOTAIRES", "invoice.address": "64, avenue Kléber",
  "invoice.zipcode": "75116", "invoice.city": "PARIS",
  "syndic.name": "Syndic du Parc", "syndic.username": "syndic_user", "syndic.password": "syndic-Pass-1",
  "syndic.url": "https://extranet.example.com",
};

async function check(page, state, width, found) {
  const violations = await axeScan(page, `${state}-${width}`);
  await screenshot(page, `a11y-${state}-${width}`);
  for (const v of violations) found.push(`${state}@${width}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(" | ")}`);
}

test("axe: the scan finds a planted violation (it is not vacuous)", async () => {
  const page = await openPage(demo);
  try {
    await page.evaluate(() => {
      const input = document.createElement("input");
      input.id = "planted";
      document.querySelector("#panel-echange .card").append(input);
    });
    const found = await axeScan(page, "planted");
    assert.ok(found.some((v) => v.id === "label" && v.targets.includes("#planted")), JSON.stringify(found));
  } finally {
    await closePage(page);
  }
});

for (const [width, size] of [["1280", SIZES.desktop], ["390", SIZES.phone]]) {
  test(`axe: Échange states at ${width} px have no moderate+ violation`, async () => {
    await reset();
    const page = await openPage(demo, size);
    const found = [];
    try {
      await check(page, "echange-signed-out", width, found);
      await page.fill("#ex-user", "fournisseur");
      await page.fill("#ex-pass", "faux");
      await page.click("#ex-login");
      await page.waitForSelector("#ex-error:not([hidden])");
      await check(page, "echange-login-error", width, found);
      await loginEchange(page);
      await page.waitForSelector("#rows tr[data-path]");
      await page.click('#rows button.folder:text-is("Relevés")');
      await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Relevés")');
      await page.click('#rows button.folder:text-is("Déc 2025")');
      await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Déc 2025")');
      await page.check("#sel-all");
      await check(page, "echange-listing", width, found);
      await page.click("#ex-preview");
      await page.waitForFunction(() => document.getElementById("preview").dataset.state === "done", null, { timeout: 60_000 });
      await check(page, "echange-preview", width, found);
      await page.click("#ex-delete");
      await page.waitForSelector("#dlg[open]");
      await check(page, "echange-delete-dialog", width, found);
      await page.click("#dlg-cancel");
      await control("POST", "/__fake/faults", { method: "GET", path: "/api/v2/user/dirs", kind: "status", status: 404 });
      await page.click("#ex-reload");
      await page.waitForSelector("#browser-error:not([hidden])");
      await check(page, "echange-error", width, found);
      await page.click('.lang-btn[data-lang="en"]');
      await check(page, "echange-english", width, found);
    } finally {
      await closePage(page);
    }
    assert.deepEqual(found, []);
  });

  test(`axe: PRE-ETAT.DATE states at ${width} px have no moderate+ violation`, async () => {
    await reset();
    const page = await openPage(demo, size);
    const found = [];
    try {
      await page.click("#tab-ped");
      await check(page, "ped-signed-out", width, found);
      await loginPed(page);
      await page.waitForFunction(() => /Authentifié/.test(document.getElementById("ped-token").textContent));
      await page.fill('#order-form [data-path="zipcode"]', "2A004");
      await page.click("#order-submit");
      await check(page, "ped-order-invalid", width, found);
      for (const [path, value] of Object.entries(VALID)) await page.fill(`#order-form [data-path="${path}"]`, value);
      await page.click("#order-submit");
      await page.waitForSelector("#tx:not([hidden])");
      await check(page, "ped-order-created", width, found);
      await page.click("#wh-send");
      await page.waitForSelector("#wh-result:not([hidden])");
      await check(page, "ped-webhook", width, found);
      await page.fill("#wh-body", "{");
      await page.click("#wh-parse");
      await page.waitForSelector("#wh-error:not([hidden])");
      await check(page, "ped-webhook-error", width, found);
    } finally {
      await closePage(page);
    }
    assert.deepEqual(found, []);
  });
}
