// The demo page (www/), PRE-ETAT.DATE side, in headless Chromium against the fake: wrong
// password, order form with live validateOrder messages, a valid order, refresh, webhook
// inspection (sent through the test endpoint, read back from the fake's log, PDF via a blob: URL),
// a pasted bad payload, the English switch. Screenshots at 1280×800 and 390×844 in tests/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { validateOrder, documentTypeLabel } from "passerelle";
import { reset } from "./helpers.mjs";
import {
  startDemo, openPage, closePage, loginPed, screenshot, control, focused, assertAllIn, PED, SIZES,
} from "../demo/harness.mjs";

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await control("POST", "/__fake/reset", {}).catch(() => {});
  await demo?.close();
});

const VALID = {
  address: "4 BIS RUE DE LA FERME",
  city: "CALUIRE ET CUIRE",
  zipcode: "69300",
  "owners[0].firstname": "Jean",
  "owners[0].lastname": "Dupont",
  "invoice.lastname": "PLAISIR NOTAIRES",
  "invoice.address": "64, avenue Kléber",
  "invoice.zipcode": "75116",
  "invoice.city": "PARIS",
  "syndic.name": "Syndic du Parc",
  "syndic.username": "syndic_user",
  "syndic.password": "syndic-Pass-1",
  external_id: "DOSSIER-1221",
};

const input = (path) => `#order-form [data-path="${path}"]`;

/** Paths whose inline error is visible, as the user sees them. */
function visibleErrors(page) {
  return page.$$eval("#order-form .field-error[data-path]", (ps) =>
    ps.filter((p) => !p.hidden && p.offsetParent !== null).map((p) => p.dataset.path).sort());
}

async function pedRequests() {
  return control("GET", "/__fake/ped/requests");
}

test("PRE-ETAT.DATE: wrong password shows the server's message; the right one signs in", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    assert.equal(await page.inputValue("#ped-base"), demo.fake);
    // The server's own words for a bad password, fetched independently.
    const raw = await fetch(`${demo.fake}/account/auth`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-auth-key": PED.apiKey },
      body: JSON.stringify({ email: PED.email, password: "pas-le-bon" }),
    });
    assert.equal(raw.status, 401);
    const serverText = (await raw.json()).message;
    await loginPed(page, { ...PED, password: "pas-le-bon" });
    await page.waitForFunction(() => document.getElementById("ped-error").dataset.code === "unauthorized");
    const text = await page.textContent("#ped-error");
    assert.ok(text.includes(serverText), text);
    assert.match(text, /HTTP 401/);
    for (const secret of ["pas-le-bon", PED.apiKey]) assert.ok(!text.includes(secret), "no secret shown");
    await screenshot(page, "ped-wrong-password-1280");
    await page.fill("#ped-pass", PED.password);
    await page.click("#ped-login");
    await page.waitForFunction(() => /Authentifié/.test(document.getElementById("ped-token").textContent));
    assert.match(await page.textContent("#ped-token"), /notaire@example\.fr.*Jeton valable encore/);
    assert.equal(await page.isHidden("#ped-error"), true);
  } finally {
    await closePage(page);
  }
});

test("order: inline validateOrder messages while typing, nothing sent until valid; then created and refreshed", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginPed(page);
    await page.waitForFunction(() => /Authentifié/.test(document.getElementById("ped-token").textContent));

    // Typing a bad postal code shows its message at once, only for that field.
    await page.type(input("zipcode"), "2A004");
    assert.deepEqual(await visibleErrors(page), ["zipcode"]);
    assert.match(await page.textContent('.field-error[data-path="zipcode"]'), /Code postal français/);
    assert.equal(await page.getAttribute(input("zipcode"), "aria-invalid"), "true");
    // A bad extranet URL too.
    await page.type(input("syndic.url"), "ftp://extranet");
    assert.deepEqual(await visibleErrors(page), ["syndic.url", "zipcode"]);

    // Submitting shows every issue validateOrder finds for this form, and sends nothing.
    await page.click("#order-submit");
    const shown = await visibleErrors(page);
    const expected = validateOrder({
      address: "", city: "", zipcode: "2A004",
      owners: [{ firstname: "", lastname: "" }],
      invoice: { address: "", city: "", zipcode: "", lastname: "" },
      method: "extranet",
      syndic: { name: "", username: "", password: "", url: "ftp://extranet" },
      all_due_paid: false, test_mode: true,
    }).map((i) => i.path);
    assert.deepEqual(shown, [...new Set(expected)].sort());
    assert.match(await page.textContent("#order-summary"), new RegExp(`${expected.length} champ\\(s\\) à corriger`));
    const focused = await page.evaluate(() => document.activeElement?.dataset?.path);
    assert.ok(shown.includes(focused), `focus moved to an invalid field (${focused})`);
    await screenshot(page, "ped-order-invalid-1280");
    await page.setViewportSize(SIZES.phone);
    await screenshot(page, "ped-order-invalid-390");
    await screenshot(page, "ped-order-invalid-390-view", "#order-form fieldset");
    await page.setViewportSize(SIZES.desktop);
    assert.equal((await pedRequests())["POST /order/"] ?? 0, 0, "no order sent while invalid");

    // Fix everything; messages disappear as the fields become valid.
    await page.fill(input("zipcode"), "");
    await page.fill(input("syndic.url"), "https://extranet.example.com");
    for (const [path, value] of Object.entries(VALID)) await page.fill(input(path), value);
    assert.deepEqual(await visibleErrors(page), []);
    await page.click("#order-submit");
    await page.waitForSelector("#tx:not([hidden])");
    const orders = (await control("GET", "/__fake/ped/orders")).orders;
    assert.equal(orders.length, 1);
    const order = orders[0];
    assert.equal(await page.textContent("#tx-id"), order.orderid);
    assert.equal(await page.getAttribute("#tx-state", "data-state"), "confirmed");
    assert.equal(await page.textContent("#tx-ext"), "DOSSIER-1221");
    assert.equal(order.request.owners[0].lastname, "Dupont");
    assert.equal(order.request.syndic.url, "https://extranet.example.com");
    assert.equal(order.request.test_mode, true);
    assert.match(await page.textContent("#tx-created"), /\d{4}/);
    const createdBefore = await page.getAttribute("#tx-updated time", "datetime");

    // Refresh (new route): state need-refresh, updated moves.
    await page.fill("#refresh-comment", "Nouvel appel de fonds");
    await page.click("#tx-refresh");
    await page.waitForFunction(() => document.getElementById("tx-state").dataset.state === "need-refresh");
    const after = (await control("GET", "/__fake/ped/orders")).orders[0];
    assert.equal(after.refresh_count, 1);
    assert.equal(after.refresh_requests[0].comment, "Nouvel appel de fonds");
    assert.equal((await pedRequests())["POST /order/{orderid}/refresh"], 1);
    assert.ok(Date.parse(await page.getAttribute("#tx-updated time", "datetime")) > Date.parse(createdBefore));
    await screenshot(page, "ped-order-created-1280");
  } finally {
    await closePage(page);
  }
});

test("webhook inspector: test event read back, documents labelled, PDF opened from a blob: URL; bad payload readable", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginPed(page);
    await page.waitForFunction(() => /Authentifié/.test(document.getElementById("ped-token").textContent));
    await page.fill(input("syndic.url"), "https://extranet.example.com");
    for (const [path, value] of Object.entries(VALID)) await page.fill(input(path), value);
    await page.click("#order-submit");
    await page.waitForSelector("#tx:not([hidden])");
    const orderid = await page.textContent("#tx-id");
    assert.equal(await page.inputValue("#wh-order"), orderid, "the inspector follows the new order");

    await page.selectOption("#wh-event", "done");
    await page.click("#wh-send");
    await page.waitForSelector("#wh-result:not([hidden])");
    const log = await control("GET", "/__fake/ped/webhooks");
    const sent = log.filter((d) => d.orderid === orderid && d.event === "done").pop();
    assert.ok(sent, "the fake sent a done webhook");
    assert.equal(await page.getAttribute("#wh-status", "data-state"), "done");
    assert.equal(await page.textContent("#wh-id"), orderid);
    assert.equal(await page.textContent("#wh-ext"), "DOSSIER-1221");
    assert.equal(await page.textContent("#wh-reg"), sent.body.registration_id);

    // Documents: one row each, labelled by documentTypeLabel in French.
    const rows = await page.$$eval("#wh-doc-rows tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.ok(sent.body.documents.length > 0, "the seed contract sends documents");
    assert.deepEqual(rows.map((r) => r[0]), sent.body.documents.map((d) => documentTypeLabel(d.doctype, "fr")));
    const hrefs = await page.$$eval("#wh-doc-rows a", (as) => as.map((a) => a.href));
    assert.deepEqual(hrefs, sent.body.documents.map((d) => new URL(d.url).href));

    // The PDF: a blob: link whose bytes are the decoded base64 content.
    const href = await page.getAttribute("#wh-pdf-link", "href");
    assert.match(href, /^blob:/);
    const pdf = await page.evaluate(async (u) => {
      const b = new Uint8Array(await (await fetch(u)).arrayBuffer());
      return { head: new TextDecoder().decode(b.slice(0, 5)), length: b.length };
    }, href);
    const want = Buffer.from(sent.body.content, "base64");
    assert.equal(pdf.head, "%PDF-");
    assert.equal(pdf.length, want.length);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#wh-pdf-link")]);
    assert.match(popup.url(), /^blob:/);
    await popup.close();
    await screenshot(page, "ped-webhook-1280");

    // English: labels and document types switch language.
    await page.click('.lang-btn[data-lang="en"]');
    assert.equal(await page.textContent("#wh-title"), "Webhook inspector");
    const en = await page.$$eval("#wh-doc-rows tr", (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.deepEqual(en, sent.body.documents.map((d) => documentTypeLabel(d.doctype, "en")));
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await assertAllIn(page, "en");
    await page.setViewportSize(SIZES.phone);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    await screenshot(page, "ped-webhook-390-en");
    await screenshot(page, "ped-webhook-390-en-view", "#wh-result");
    await page.setViewportSize(SIZES.desktop);
    await page.click('.lang-btn[data-lang="fr"]');

    // A pasted payload that is not a webhook: a readable error with its code, no stack.
    await page.fill("#wh-body", '{"status": 12}');
    await page.click("#wh-parse");
    await page.waitForSelector("#wh-error:not([hidden])");
    const err = await page.textContent("#wh-error");
    assert.match(err, /analyse du webhook/);
    assert.match(err, /code \w+/);
    assert.doesNotMatch(err, /at \w+ \(|wasm-function|\.js:\d+/);
    assert.equal(await page.isHidden("#wh-result"), true);

    // A pasted real payload (a waiting event, no PDF) still works afterwards.
    await page.fill("#wh-body", JSON.stringify({ status: "waiting", orderid, external_id: null }));
    await page.click("#wh-parse");
    await page.waitForFunction(() => document.getElementById("wh-status").dataset.state === "waiting");
    assert.equal(await page.isHidden("#wh-error"), true);
    assert.equal(await page.$("#wh-pdf-link"), null);
  } finally {
    await closePage(page);
  }
});

test("keyboard: tabs switch with the arrow keys and focus is visible", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await page.focus("#tab-echange");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.evaluate(() => document.activeElement.id), "tab-ped");
    assert.equal(await page.isVisible("#panel-ped"), true);
    assert.equal(await page.isHidden("#panel-echange"), true);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.notEqual(outline.style, "none", "focused control has an outline");
    assert.ok(outline.width >= 2);
    // Every form control has an accessible name.
    const unnamed = await page.$$eval("input, select, textarea, button", (els) =>
      els.filter((el) => !el.hidden && el.type !== "hidden" && el.type !== "file")
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim()))
        .map((el) => el.id || el.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, []);
  } finally {
    await closePage(page);
  }
});

// ───────────────────────── issue 13 ─────────────────────────

async function signedIn(page) {
  await loginPed(page);
  await page.waitForFunction(() => /Authentifié/.test(document.getElementById("ped-token").textContent));
}

async function fillValid(page) {
  await page.fill(input("syndic.url"), "https://extranet.example.com");
  for (const [path, value] of Object.entries(VALID)) await page.fill(input(path), value);
}

test("a second order for the same lot asks first: Cancel sends nothing, confirming sends it", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await signedIn(page);
    await fillValid(page);
    await page.click("#order-submit");
    await page.waitForSelector("#tx:not([hidden])");
    const first = await page.textContent("#tx-id");
    assert.equal((await control("GET", "/__fake/ped/orders")).orders.length, 1);

    // The form is still filled: pressing the button again asks before a second order.
    await page.click("#order-submit");
    await page.waitForSelector("#dlg[open]");
    const text = await page.textContent("#dlg");
    assert.ok(text.includes(first), "the dialog names the order already created");
    assert.match(text, /seconde commande/);
    assert.equal(await focused(page), "dlg-cancel");
    await page.click("#dlg-cancel");
    await page.waitForSelector("#dlg", { state: "hidden" });
    assert.equal((await control("GET", "/__fake/ped/orders")).orders.length, 1, "nothing sent");
    assert.equal(await focused(page), "order-submit", "focus back on the button");

    await page.click("#order-submit");
    await page.waitForSelector("#dlg[open]");
    await page.click("#dlg-ok");
    await page.waitForFunction((id) => document.getElementById("tx-id").textContent !== id, first);
    assert.equal((await control("GET", "/__fake/ped/orders")).orders.length, 2, "sent after confirmation");

    // Another lot: no question.
    await page.fill(input("address"), "12 RUE NEUVE");
    await page.click("#order-submit");
    await page.waitForFunction(() => document.getElementById("order-summary").textContent === "Commande créée.");
    assert.equal(await page.isHidden("#dlg"), true);
    assert.equal((await control("GET", "/__fake/ped/orders")).orders.length, 3);
    // The transaction card and the messages follow a language switch.
    await page.click('.lang-btn[data-lang="en"]');
    assert.equal(await page.textContent("#order-summary"), "Order created.");
    await assertAllIn(page, "en");
  } finally {
    await closePage(page);
  }
});

test("required fields are marked before any submit, as validateOrder requires them", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    const blank = {
      address: "", city: "", zipcode: "", owners: [{ firstname: "", lastname: "" }],
      invoice: { address: "", city: "", zipcode: "", lastname: "" },
      method: "extranet", syndic: { name: "", username: "", password: "" },
      all_due_paid: false, test_mode: true,
    };
    const want = [...new Set(validateOrder(blank).filter((i) => i.code === "required").map((i) => i.path))]
      .filter((p) => !["owners", "syndic"].includes(p)).sort();
    await page.click("#tab-ped");
    const marked = await page.$$eval('#order-form [aria-required="true"]', (els) => els.map((e) => e.dataset.path).sort());
    assert.deepEqual(marked, want);
    const stars = await page.$$eval("#order-form .req", (els) => els.filter((e) => e.offsetParent !== null).length);
    assert.equal(stars, want.length, "each one shows its asterisk");
    assert.match(await page.textContent("#order-required"), /astérisque/);
    assert.deepEqual(await visibleErrors(page), [], "no error before the user does anything");
  } finally {
    await closePage(page);
  }
});

test("English: field errors never show internal paths; a bad webhook says nothing was sent; focus stays after sign-in", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await page.click('.lang-btn[data-lang="en"]');
    await page.click("#tab-ped");
    await page.fill("#ped-key", PED.apiKey);
    await page.fill("#ped-email", PED.email);
    await page.fill("#ped-pass", PED.password);
    await page.focus("#ped-login");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => /Authenticated/.test(document.getElementById("ped-token").textContent));
    assert.equal(await focused(page), "ped-login", "focus stays on the button (never the page body)");

    await page.fill(input("lots"), "x".repeat(5001));
    await page.click("#order-submit");
    const texts = await page.$$eval("#order-form .field-error", (ps) => ps.filter((p) => !p.hidden).map((p) => p.textContent));
    assert.ok(texts.length > 3);
    for (const text of texts) {
      assert.doesNotMatch(text, /\w\[\d+\]|\b[a-z_]+\.[a-z_]+\b|\bis required\b/, `no internal path: ${text}`);
    }
    assert.ok(texts.includes("Required."));
    assert.ok(texts.some((x) => /^Too long \(at most [\d,]+ characters\)\.$/.test(x)), texts.join(" | "));
    await assertAllIn(page, "en");

    await page.fill("#wh-body", '{"status": 12}');
    await page.click("#wh-parse");
    await page.waitForSelector("#wh-error:not([hidden])");
    const err = await page.textContent("#wh-error");
    assert.doesNotMatch(err, /before sending/);
    assert.match(err, /nothing was sent/);
    assert.equal(await page.$eval("#wh-error span[lang=en]", (s) => s.textContent.length > 0), true, "the library's detail is marked as English");
    await page.click('.lang-btn[data-lang="fr"]');
    const fr = await page.textContent("#wh-error");
    assert.match(fr, /rien n'a été envoyé/);
    assert.match(fr, /Détail technique \(en anglais\)/);
    const frTexts = await page.$$eval("#order-form .field-error", (ps) => ps.filter((p) => !p.hidden).map((p) => p.textContent));
    assert.ok(frTexts.includes("Champ obligatoire."), frTexts.join(" | "));
    await assertAllIn(page, "fr");
  } finally {
    await closePage(page);
  }
});
