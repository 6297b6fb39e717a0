// The demo page (www/), Échange side, driven in headless Chromium against the fake: sign-in
// errors, listing, sorting, navigation into "Relevés/Déc 2025", zip download to 100 %, cancel
// mid-download, zip preview, single-file download with resume, drag-and-drop upload.
// Screenshots at 1280×800 and 390×844 go to tests/artifacts/ (git-ignored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { unzip } from "passerelle";
import { USER, reset, requests, rawListing, basic } from "./helpers.mjs";
import {
  startDemo, openPage, closePage, loginEchange, listingRows, screenshot, control, SIZES,
} from "../demo/harness.mjs";

const FOLDER = "Relevés/Déc 2025";
let demo;

before(async () => {
  demo = await startDemo();
});
after(async () => {
  await control("POST", "/__fake/reset", {}).catch(() => {});
  await demo?.close();
});

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function fakeSha(path) {
  return control("GET", `/__fake/echange/sha256?path=${encodeURIComponent(path)}&username=${USER.username}`);
}

/** Bytes of a file as the server sends it (raw fetch, independent of the page and the package). */
async function rawFile(path) {
  const tok = await fetch(`${demo.fake}/api/v2/user/token`, {
    headers: { authorization: basic(USER.username, USER.password) },
  }).then((r) => r.json());
  const res = await fetch(`${demo.fake}/api/v2/user/files?path=${encodeURIComponent(path)}`, {
    headers: { authorization: `Bearer ${tok.access_token}` },
  });
  assert.equal(res.status, 200);
  return new Uint8Array(await res.arrayBuffer());
}

async function openFolder(page, ...names) {
  for (const name of names) {
    await page.click(`#rows tr[data-type="dir"] button.folder:text-is("${name}")`);
    await page.waitForSelector(`#crumbs [aria-current="page"]:text-is("${name}")`);
  }
}

async function select(page, names) {
  for (const name of names) {
    await page.locator(`#rows tr[data-path$="/${name}"] input[type="checkbox"]`).check();
  }
}

async function waitTransfer(page, states) {
  await page.waitForFunction(
    (s) => s.includes(document.getElementById("transfer").dataset.state),
    states,
    { timeout: 60_000 },
  );
  return page.$eval("#transfer", (el) => ({ ...el.dataset, text: document.getElementById("tr-text").textContent }));
}

test("sign-in: unreachable server and wrong password are readable errors; the page stays usable", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    // Base URL pre-filled from demo/config.json; credentials are not.
    assert.equal(await page.inputValue("#ex-base"), demo.fake);
    assert.equal(await page.inputValue("#ex-pass"), "");

    // A closed port: network error, no stack.
    await page.fill("#ex-base", "http://127.0.0.1:9");
    await loginEchange(page);
    await page.waitForSelector("#ex-error:not([hidden])");
    assert.equal(await page.getAttribute("#ex-error", "data-code"), "network");
    let text = await page.textContent("#ex-error");
    assert.match(text, /code network/);
    assert.doesNotMatch(text, /at \w+ \(|wasm-function|\.js:\d+/, "no stack trace");

    // Wrong password: the server's own 401 text and the code.
    const raw = await fetch(`${demo.fake}/api/v2/user/token`, {
      headers: { authorization: basic(USER.username, "mauvais-Mot:de-passe") },
    });
    assert.equal(raw.status, 401);
    const serverText = (await raw.json()).message;
    assert.ok(serverText, "the fake explains the 401");
    await page.fill("#ex-base", demo.fake);
    await loginEchange(page, "mauvais-Mot:de-passe");
    await page.waitForFunction(() => document.getElementById("ex-error").dataset.code === "unauthorized");
    text = await page.textContent("#ex-error");
    assert.ok(text.includes(serverText), `server text shown: ${text}`);
    assert.match(text, /HTTP 401/);
    assert.ok(!text.includes("mauvais-Mot:de-passe"), "the password is never shown");
    assert.equal(await page.isHidden("#browser"), true);
    await screenshot(page, "echange-wrong-password-1280");

    // Still usable: the right password works at once.
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    assert.equal(await page.isHidden("#ex-error"), true);
    const token = await page.textContent("#ex-token");
    assert.match(token, /fournisseur/);
    const expiresAt = await page.getAttribute("#ex-token", "data-expires-at");
    assert.ok(Date.parse(expiresAt) > Date.now(), "token expiry shown, in the future");
    // Credentials never reach storage or the address.
    const leaks = await page.evaluate(() => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      url: location.href,
      cookie: document.cookie,
    }));
    for (const v of Object.values(leaks)) assert.ok(!v.includes(USER.password) && !v.includes("fournisseur"), v);
  } finally {
    await closePage(page);
  }
});

test("sign-in with a 2FA code (otp-user); sign-out ends the session and clears the password", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await page.fill("#ex-user", "otp-user");
    await page.fill("#ex-pass", "otp-Secret-1");
    await page.click("#ex-login");
    await page.waitForFunction(() => document.getElementById("ex-error").dataset.code === "unauthorized");
    const { code } = await control("POST", "/__fake/echange/otp", { username: "otp-user" });
    await page.fill("#ex-otp", code);
    await page.click("#ex-login");
    await page.waitForSelector("#rows tr");
    const token = (await requests()).filter((r) => r.path === "/api/v2/user/token" && r.method === "GET").pop();
    assert.equal(token.headers["x-sftpgo-otp"], code, "the code went in X-SFTPGO-OTP");
    assert.equal(await page.inputValue("#ex-otp"), "", "a used code is cleared");
    await page.click("#ex-logout");
    await page.waitForSelector("#browser", { state: "hidden" });
    assert.equal(await page.inputValue("#ex-pass"), "");
    assert.match(await page.textContent("#ex-token"), /Déconnecté/);
    assert.ok((await requests()).some((r) => r.path === "/api/v2/user/logout"), "logout reached the server");
  } finally {
    await closePage(page);
  }
});

test("listing: folders first, human sizes, locale dates, sorting, navigation into Relevés/Déc 2025", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    const raw = await rawListing("/");
    let rows = await listingRows(page);
    assert.deepEqual(
      rows.map((r) => r.name).sort(),
      raw.map((e) => e.name).sort(),
      "every entry of the server's listing is shown",
    );
    const firstFile = rows.findIndex((r) => r.type !== "dir");
    assert.ok(firstFile > 0 && rows.slice(firstFile).every((r) => r.type !== "dir"), "folders first");
    // French human units and a French date ("15 déc. 2025").
    const readme = rows.find((r) => r.name === "lisez-moi.txt");
    assert.match(readme.size, /^\d+ o$/);
    assert.match(readme.date, /déc\. 2025/);

    await openFolder(page, "Relevés", "Déc 2025");
    const crumbs = await page.$$eval("#crumbs li", (lis) => lis.map((li) => li.textContent.trim()));
    assert.deepEqual(crumbs, ["Accueil", "Relevés", "Déc 2025"]);
    const expected = await rawListing(FOLDER);
    rows = await listingRows(page);
    assert.deepEqual(rows.map((r) => r.name).sort(), expected.map((e) => e.name).sort());
    const big = rows.find((r) => r.name === "releve-01.csv");
    assert.match(big.size, /^\d+(,\d)? Ko$/, `releve-01.csv in Ko: ${big.size}`);

    // Sort by size, descending then ascending (two clicks: ascending first).
    await page.click('button.sort[data-key="size"]');
    await page.click('button.sort[data-key="size"]');
    assert.equal(await page.getAttribute('th[data-key="size"]', "aria-sort"), "descending");
    rows = await listingRows(page);
    const bytes = new Map(expected.map((e) => [e.name, e.size ?? -1]));
    const sizes = rows.filter((r) => r.type === "file").map((r) => bytes.get(r.name));
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), "sizes descending");
    await page.click('button.sort[data-key="size"]');
    rows = await listingRows(page);
    const asc = rows.filter((r) => r.type === "file").map((r) => bytes.get(r.name));
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b), "sizes ascending");

    // Breadcrumb back to the top.
    await page.click('#crumbs button:text-is("Relevés")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Relevés")');

    // Keyboard: Tab reaches the folder buttons and Enter opens one.
    await page.focus('#rows button.folder:text-is("Déc 2025")');
    await page.keyboard.press("Enter");
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Déc 2025")');
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-current") === "page");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Déc 2025", "focus follows the folder");

    // Language switch: English labels, English units.
    await page.click('.lang-btn[data-lang="en"]');
    assert.equal(await page.textContent("#ex-zip"), "Download as zip");
    rows = await listingRows(page);
    assert.match(rows.find((r) => r.name === "releve-01.csv").size, /^\d+(\.\d)? KB$/);
    await page.click('.lang-btn[data-lang="fr"]');
    assert.equal(await page.textContent("#ex-zip"), "Télécharger en zip");
  } finally {
    await closePage(page);
  }
});

test("zip download: progress reaches 100 % and the saved zip holds the selection", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Relevés", "Déc 2025");
    const names = ["releve-01.csv", "synthèse.xml", "Relevé n°1 (copie).csv"];
    await select(page, names);
    assert.equal(await page.textContent("#ex-selcount"), "3 élément(s) sélectionné(s)");
    await page.selectOption("#ex-save", "blob");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#ex-zip")]);
    const done = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(done.state, "done", done.text);
    assert.equal(done.percent, "100");
    assert.equal(await page.$eval("#tr-bar", (b) => b.value), 100);
    assert.match(done.text, /Terminé/);
    assert.equal(download.suggestedFilename(), "Déc 2025.zip");
    const zip = readFileSync(await download.path());
    assert.equal(Number(done.bytes), zip.byteLength, "bytes shown = bytes saved");

    // The archive, read back with the package in Node: the three files, byte for byte.
    const got = new Map();
    const stream = new Blob([zip]).stream();
    for await (const entry of unzip(stream)) {
      if (!entry.is_dir) got.set(entry.name, sha256(await entry.bytes()));
    }
    assert.equal(got.size, 3, [...got.keys()].join(", "));
    for (const name of names) {
      const key = [...got.keys()].find((k) => k.endsWith(name));
      assert.ok(key, `${name} in the zip`);
      assert.equal(got.get(key), (await fakeSha(`/${FOLDER}/${name}`)).sha256, name);
    }
    await screenshot(page, "echange-zip-done-1280");
  } finally {
    await closePage(page);
  }
});

test("zip download: Cancel mid-download stops it, nothing is saved, the page stays usable", async () => {
  await reset();
  await control("POST", "/__fake/echange/generate", { path: "/Volumineux/annulation.bin", size: 256 * 1024 * 1024 });
  const page = await openPage(demo);
  const cdp = await page.context().newCDPSession(page);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Volumineux");
    await select(page, ["annulation.bin"]);
    await page.selectOption("#ex-save", "blob");
    // 2 MB/s: the 256 MiB zip would need minutes, so Cancel lands mid-way.
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: 2_000_000, uploadThroughput: -1,
    });
    let downloads = 0;
    page.on("download", () => downloads++);
    await page.click("#ex-zip");
    // Bytes are flowing: the bar has a value and the text shows a speed.
    await page.waitForFunction(() => Number(document.getElementById("tr-bar").value) > 0, null, { timeout: 30_000 });
    const mid = await page.textContent("#tr-text");
    assert.match(mid, /sur ≈ 256 Mo/, mid);
    assert.match(mid, /\/s$/, mid);
    await screenshot(page, "echange-zip-running-1280");
    await page.click("#tr-cancel");
    const end = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(end.state, "cancelled", end.text);
    assert.match(end.text, /Annulé après/);
    assert.notEqual(end.percent, "100");
    assert.equal(await page.isHidden("#browser-error"), true, "a cancel is not an error");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    // Usable again: buttons back, navigation works, and no file was offered.
    assert.equal(await page.isEnabled("#ex-zip"), true);
    await page.click('#crumbs button:text-is("Accueil")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Accueil")');
    assert.equal(downloads, 0);
  } finally {
    await cdp.detach().catch(() => {});
    await closePage(page);
  }
});

test("zip preview lists the entries as they stream and shows CSV / XML / text in the viewer", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Relevés", "Déc 2025");
    await page.check("#sel-all");
    await page.click("#ex-preview");
    await page.waitForFunction(() => ["done", "failed"].includes(document.getElementById("preview").dataset.state), null, { timeout: 60_000 });
    assert.equal(await page.getAttribute("#preview", "data-state"), "done", await page.textContent("#preview-error"));
    const expected = (await rawListing(FOLDER)).filter((e) => e.size !== undefined).map((e) => e.name);
    const entries = await page.$$eval("#pv-rows tr", (trs) => trs.map((tr) => tr.dataset.name));
    for (const name of expected) assert.ok(entries.some((e) => e.endsWith(`/${name}`) || e === name), `${name} listed`);
    // The first text entry is shown at once; choose the XML one and compare with the server's bytes.
    assert.ok(await page.getAttribute("#pv-content", "data-entry"));
    const xmlName = entries.find((e) => e.endsWith("synthèse.xml"));
    await page.click(`#pv-rows tr[data-name="${xmlName}"] button`);
    const shown = await page.textContent("#pv-content pre");
    const rawXml = new TextDecoder().decode(await rawFile(`/${FOLDER}/synthèse.xml`));
    assert.equal(shown, rawXml);
    // The HTML-looking name is shown as text, never parsed as markup.
    const rd = entries.find((e) => e.endsWith("R&D <notes>.txt"));
    assert.ok(rd, "R&D <notes>.txt listed verbatim");
    await page.click(`#pv-rows tr[data-name="${rd}"] button`);
    assert.equal(await page.textContent("#pv-name"), rd);
    // CSV as a table, header row from the file.
    const csvName = entries.find((e) => e.endsWith("releve-01.csv"));
    await page.click(`#pv-rows tr[data-name="${csvName}"] button`);
    const header = await page.$$eval("#pv-content table.csv thead th", (ths) => ths.map((th) => th.textContent));
    const rawCsv = new TextDecoder().decode(await rawFile(`/${FOLDER}/releve-01.csv`));
    assert.deepEqual(header, rawCsv.split("\n")[0].split(";"));
    await screenshot(page, "echange-preview-1280");
    await page.setViewportSize(SIZES.phone);
    await screenshot(page, "echange-preview-390");
    await screenshot(page, "echange-preview-390-view", "#preview");
  } finally {
    await closePage(page);
  }
});

test("single-file download resumes where a cut connection stopped (Range), bytes intact", async () => {
  await reset();
  const path = `/${FOLDER}/releve-01.csv`;
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Relevés", "Déc 2025");
    await select(page, ["releve-01.csv"]);
    await page.selectOption("#ex-save", "blob");
    // The next file download is cut after 4 KiB.
    await control("POST", "/__fake/faults", { method: "GET", path: "/api/v2/user/files", kind: "drop_mid_body", after_bytes: 4096 });
    await page.click("#ex-file");
    const cut = await waitTransfer(page, ["interrupted", "done", "failed"]);
    assert.equal(cut.state, "interrupted", cut.text);
    assert.equal(await page.getAttribute("#browser-error", "data-code"), "truncated");
    assert.equal(await page.isVisible("#tr-resume"), true);
    await screenshot(page, "echange-resume-1280");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#tr-resume")]);
    const done = await waitTransfer(page, ["done", "failed", "interrupted"]);
    assert.equal(done.state, "done", done.text);
    const bytes = readFileSync(await download.path());
    const want = await fakeSha(path);
    assert.equal(bytes.byteLength, want.size);
    assert.equal(sha256(bytes), want.sha256, "resumed file identical to the server's");
    const gets = (await requests()).filter((r) => r.path === "/api/v2/user/files" && r.method === "GET");
    const ranges = gets.map((r) => r.headers.range).filter(Boolean);
    assert.equal(ranges.length, 1, JSON.stringify(gets.map((g) => g.headers.range)));
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[0])?.[1]);
    assert.ok(from > 0 && from < want.size, `resumed from ${ranges[0]}`);
  } finally {
    await closePage(page);
  }
});

test("single-file download: Pause then Resume continues from where it stopped", async () => {
  await reset();
  const path = "/Volumineux/gros-8MiB.bin";
  const page = await openPage(demo);
  const cdp = await page.context().newCDPSession(page);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Volumineux");
    await select(page, ["gros-8MiB.bin"]);
    await page.selectOption("#ex-save", "blob");
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: 1_000_000, uploadThroughput: -1,
    });
    await page.click("#ex-file");
    await page.waitForFunction(() => Number(document.getElementById("tr-bar").value) > 0, null, { timeout: 30_000 });
    await page.click("#tr-pause");
    const paused = await waitTransfer(page, ["paused", "done", "failed", "interrupted"]);
    assert.equal(paused.state, "paused", paused.text);
    assert.match(paused.text, /En pause après .* sur 8,0 Mo/);
    assert.equal(await page.isHidden("#browser-error"), true, "a pause is not an error");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#tr-resume")]);
    const done = await waitTransfer(page, ["done", "failed", "interrupted"]);
    assert.equal(done.state, "done", done.text);
    const bytes = readFileSync(await download.path());
    const want = await fakeSha(path);
    assert.equal(bytes.byteLength, want.size);
    assert.equal(sha256(bytes), want.sha256);
    const ranges = (await requests())
      .filter((r) => r.path === "/api/v2/user/files" && r.method === "GET")
      .map((r) => r.headers.range);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], undefined, "first request from the start");
    assert.match(ranges[1], /^bytes=[1-9]\d*-$/, "the resume asks for the rest only");
  } finally {
    await cdp.detach().catch(() => {});
    await closePage(page);
  }
});

test("drag-and-drop upload sends the files into the folder shown, with progress", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Archives");
    const files = [
      { name: "dépôt été.csv", text: "a;b\n1;2\n".repeat(5000) },
      { name: "note #1.txt", text: "Bonjour, Échange !\n" },
    ];
    const dt = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.text], f.name, { type: "text/plain" }));
      return dt;
    }, files);
    await page.dispatchEvent("#drop", "dragenter", { dataTransfer: dt });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
    const done = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(done.state, "done", done.text + (await page.textContent("#browser-error")));
    assert.equal(done.percent, "100");
    assert.match(done.text, /2 fichier\(s\) envoyé\(s\)/);
    await page.waitForSelector('#rows tr[data-path="/Archives/note #1.txt"]');
    for (const f of files) {
      const got = await fakeSha(`/Archives/${f.name}`);
      assert.equal(got.sha256, sha256(Buffer.from(f.text, "utf8")), f.name);
    }
    await screenshot(page, "echange-upload-1280");
  } finally {
    await closePage(page);
  }
});

test("after sign-in: a server error is readable and the next action works; expired tokens are renewed", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    // Every attempt of the next listing (the first and its retries) fails with a 503.
    await control("POST", "/__fake/faults", {
      method: "GET", path: "/api/v2/user/dirs", kind: "status", status: 503, times: 3,
    });
    await page.click('#rows button.folder:text-is("Archives")');
    await page.waitForSelector("#browser-error:not([hidden])", { timeout: 60_000 });
    const text = await page.textContent("#browser-error");
    assert.equal(await page.getAttribute("#browser-error", "data-code"), "server");
    assert.match(text, /HTTP 503/);
    assert.match(text, /« Service Unavailable »/);
    // The listing shown is still the previous one, and the next click works.
    assert.equal(await page.textContent('#crumbs [aria-current="page"]'), "Accueil");
    await page.click('#rows button.folder:text-is("Archives")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Archives")');
    assert.equal(await page.isHidden("#browser-error"), true);

    // The server forgets every token: the next action still works (one new token, one replay).
    await control("POST", "/__fake/echange/expire-tokens", {});
    const before = (await requests()).filter((r) => r.path === "/api/v2/user/token" && r.method === "GET").length;
    await page.click("#ex-reload");
    await page.waitForFunction(() => !document.getElementById("browser").hasAttribute("aria-busy"));
    assert.equal(await page.isHidden("#browser-error"), true);
    const after = (await requests()).filter((r) => r.path === "/api/v2/user/token" && r.method === "GET").length;
    assert.equal(after, before + 1, "exactly one fresh token");
  } finally {
    await closePage(page);
  }
});

test("phone size (390×844): the browser fits the width", async () => {
  await reset();
  const page = await openPage(demo, SIZES.phone);
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr");
    await openFolder(page, "Relevés", "Déc 2025");
    await select(page, ["releve-01.csv"]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    await screenshot(page, "echange-browser-390");
    await screenshot(page, "echange-browser-390-view", "#browser");
    await page.setViewportSize(SIZES.desktop);
    await screenshot(page, "echange-browser-1280");
  } finally {
    await closePage(page);
  }
});
