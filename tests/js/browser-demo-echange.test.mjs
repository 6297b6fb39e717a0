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
  startDemo, openPage, openSignedIn, closePage, loginEchange, listingRows, screenshot, control, focused, assertAllIn, SIZES,
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

/** Déc 2025, everything selected, zip preview run to its end (and succeeded). */
async function previewDec(page) {
  await openFolder(page, "Relevés", "Déc 2025");
  await page.check("#sel-all");
  await page.click("#ex-preview");
  await page.waitForFunction(() => ["done", "failed"].includes(document.getElementById("preview").dataset.state), null, { timeout: 60_000 });
  assert.equal(await page.getAttribute("#preview", "data-state"), "done", await page.textContent("#preview-error"));
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
    await page.waitForSelector("#rows tr[data-path]");
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
    await page.waitForSelector("#rows tr[data-path]");
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
  const page = await openSignedIn(demo);
  try {
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
  const page = await openSignedIn(demo);
  try {
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
    assert.match(done.text, / en \d+,\d s\.$/, `French decimal comma: ${done.text}`);
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
    await page.waitForSelector("#rows tr[data-path]");
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
  const page = await openSignedIn(demo);
  try {
    await previewDec(page);
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
  const page = await openSignedIn(demo);
  try {
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
    await page.waitForSelector("#rows tr[data-path]");
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
  const page = await openSignedIn(demo);
  try {
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
  const page = await openSignedIn(demo);
  try {
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
    await page.waitForSelector("#rows tr[data-path]");
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

// ───────────────────────── issue 13: trust with real credentials and folders ─────────────────────────

/** Drops in-memory files on the drop zone, as a user dragging them from the desktop. */
async function dropFiles(page, files) {
  const dt = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: "text/plain" }));
    return dt;
  }, files);
  await page.dispatchEvent("#drop", "dragenter", { dataTransfer: dt });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
}

const listings = async () => (await requests()).filter((r) => r.path === "/api/v2/user/dirs" && r.method === "GET").length;

/** Waits until the fake has served `n` listings and the page has drawn the last one. */
async function waitListings(page, n) {
  for (let i = 0; i < 600 && (await listings()) < n; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok((await listings()) >= n, `${n} listings expected`);
  await page.waitForFunction(() => !document.getElementById("browser").hasAttribute("aria-busy"));
}

/** Whole element inside the viewport. */
function inViewport(page, selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  });
}

test("slow network: Enter before the module is ready sends no credentials anywhere; the forms work once ready", async () => {
  await reset();
  const context = await demo.browser.newContext({ viewport: SIZES.desktop, locale: "fr-FR" });
  const page = await context.newPage();
  const seen = [];
  page.on("request", (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() ?? "" }));
  // The module is held back until the keys have been pressed: the window the issue describes
  // (form visible, module not ready), made as long as needed instead of timed.
  let release;
  const gate = new Promise((ok) => (release = ok));
  await page.route(/\/pkg\/.*\.wasm$/, async (route) => {
    await gate;
    await route.continue();
  });
  try {
    await page.goto(`${demo.url}/`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector("#ex-pass");
    assert.equal(await page.getAttribute("html", "data-ready"), null, "the module is not ready yet");
    assert.equal(await page.isDisabled("#ex-login"), true, "sign-in cannot be pressed before the module is ready");
    await page.fill("#ex-user", USER.username);
    await page.fill("#ex-pass", USER.password);
    await page.press("#ex-pass", "Enter");
    await page.click("#tab-ped");
    await page.fill("#ped-key", "ped-test-key");
    await page.fill("#ped-email", "notaire@example.fr");
    await page.fill("#ped-pass", "Secret-Été-2025");
    await page.press("#ped-pass", "Enter");
    await page.press('#order-form [data-path="address"]', "Enter");
    assert.equal(await page.getAttribute("html", "data-ready"), null, "all of it happened before the module was ready");
    release();
    // Had a form been submitted natively, this document would have been replaced ("not found")
    // and would never become ready.
    await page.waitForSelector('html[data-ready="1"]', { timeout: 30_000 });
    assert.equal(page.url(), `${demo.url}/`);
    assert.equal(await page.inputValue("#ped-pass"), "Secret-Été-2025", "same document, fields intact");
    const own = seen.filter((r) => r.url.startsWith(demo.url));
    for (const r of own) {
      assert.equal(r.method, "GET", `${r.method} ${r.url}`);
      for (const secret of ["Été", "%C3%89t%C3%A9", "password", "motdepasse", "Secret"]) {
        assert.ok(!r.url.includes(secret) && !r.body.includes(secret), `no credential in ${r.url}`);
      }
    }
    // Once ready, Enter signs in, to the Échange server only.
    await page.click("#tab-echange");
    await page.press("#ex-pass", "Enter");
    await page.waitForSelector("#rows tr[data-path]");
  } finally {
    await context.close();
  }
});

test("refused upload (read-only account): the 403 is shown next to the drop zone and survives the refresh", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await page.fill("#ex-user", "lecteur");
    await page.fill("#ex-pass", "lecteur-pw");
    await page.click("#ex-login");
    await page.waitForSelector("#rows tr[data-path]");
    await openFolder(page, "Archives");
    const before = await listings();
    await dropFiles(page, [{ name: "refusé.txt", text: "0123456789" }]);
    const end = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(end.state, "failed");
    // The upload checks the folder (one listing) and refreshes it afterwards (another).
    await waitListings(page, before + 2);
    assert.equal(await page.isVisible("#browser-error"), true, "the error is still there after the refresh");
    assert.equal(await page.getAttribute("#browser-error", "data-code"), "forbidden");
    const text = await page.textContent("#browser-error");
    assert.match(text, /envoi de fichiers/);
    assert.match(text, /« Forbidden »/, "the server's own words");
    assert.match(text, /HTTP 403/);
    assert.equal(await inViewport(page, "#browser-error"), true, "scrolled into view");
    const gap = await page.evaluate(() => {
      const drop = document.getElementById("drop").getBoundingClientRect();
      const err = document.getElementById("browser-error").getBoundingClientRect();
      return err.top - drop.bottom;
    });
    assert.ok(gap >= 0 && gap < 200, `the error sits just under the drop zone (${gap}px)`);
    await screenshot(page, "echange-upload-refused-1280");
  } finally {
    await closePage(page);
  }
});

test("1,500-entry folder: loading indicator, a failed refresh shows its error in view, next to the actions", async () => {
  await reset();
  const page = await openSignedIn(demo);
  try {
    await openFolder(page, "Lot-1500");
    assert.equal(await page.getAttribute("#listing", "aria-rowcount"), "1501");
    // Scrolled to the end of the listing, as a user looking for the last file.
    await page.$eval("#ex-scroll", (el) => (el.scrollTop = el.scrollHeight));
    await page.waitForSelector('#rows tr[data-path="/Lot-1500/f1499.csv"]');
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(pageHeight < 4000, `the page does not grow with the folder (${pageHeight}px)`);

    // A slow listing: the indicator shows while it runs, and goes away after.
    await control("POST", "/__fake/faults", { method: "GET", path: "/api/v2/user/dirs", kind: "slow", delay_ms: 2500 });
    await page.click("#ex-reload");
    await page.waitForSelector("#ex-loading", { state: "visible" });
    assert.equal(await page.getAttribute("#browser", "aria-busy"), "true");
    await page.waitForSelector("#ex-loading", { state: "hidden", timeout: 30_000 });

    // A failed refresh: the error is drawn above the listing, on screen.
    await page.$eval("#ex-scroll", (el) => (el.scrollTop = el.scrollHeight));
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await control("POST", "/__fake/faults", { method: "GET", path: "/api/v2/user/dirs", kind: "status", status: 503, times: 3 });
    await page.click("#ex-reload");
    await page.waitForSelector("#browser-error:not([hidden])", { timeout: 60_000 });
    assert.equal(await page.getAttribute("#browser-error", "data-code"), "server");
    assert.equal(await inViewport(page, "#browser-error"), true, "the error is in view");
    const before = await page.evaluate(() => Boolean(
      document.getElementById("browser-error").compareDocumentPosition(document.getElementById("listing")) &
        Node.DOCUMENT_POSITION_FOLLOWING));
    assert.ok(before, "the error comes before the listing");
    await screenshot(page, "echange-1500-error-1280");
  } finally {
    await closePage(page);
  }
});

test("upload over an existing file asks first: Cancel keeps it, Replace replaces it, 'only the others' skips it", async () => {
  await reset();
  const page = await openPage(demo);
  const path = `/${FOLDER}/releve-01.csv`;
  try {
    await loginEchange(page);
    await page.waitForSelector("#rows tr[data-path]");
    await openFolder(page, "Relevés", "Déc 2025");
    const original = await fakeSha(path);
    const small = "0123456789";

    await dropFiles(page, [{ name: "releve-01.csv", text: small }]);
    await page.waitForSelector("#dlg[open]");
    const body = await page.textContent("#dlg");
    assert.match(body, /Remplacer/);
    assert.match(body, /« releve-01\.csv »/, "names the file");
    assert.match(body, /Ko/, "says how big the existing file is");
    assert.equal(await focused(page), "dlg-cancel", "the safe choice has the focus");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#dlg", { state: "hidden" });
    assert.deepEqual(await fakeSha(path), original, "cancelled: the file is untouched");
    assert.equal(await page.isHidden("#transfer"), true, "nothing was sent");

    // Two files, one clashing: "only the others" sends the new one alone.
    await dropFiles(page, [{ name: "releve-01.csv", text: small }, { name: "nouveau.txt", text: "neuf" }]);
    await page.waitForSelector("#dlg[open]");
    await page.click("#dlg-alt");
    let done = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(done.state, "done", done.text);
    assert.match(done.text, /1 fichier/);
    assert.deepEqual(await fakeSha(path), original, "the clashing file was skipped");
    assert.equal((await fakeSha(`/${FOLDER}/nouveau.txt`)).size, 4);

    await dropFiles(page, [{ name: "releve-01.csv", text: small }]);
    await page.waitForSelector("#dlg[open]");
    await page.click("#dlg-ok");
    done = await waitTransfer(page, ["done", "failed", "cancelled"]);
    assert.equal(done.state, "done", done.text);
    assert.equal((await fakeSha(path)).sha256, sha256(Buffer.from(small)), "replaced after confirmation");
  } finally {
    await closePage(page);
  }
});

test("keyboard focus after sign-in, zip, Cancel, preview and file download never falls to the page", async () => {
  await reset();
  await control("POST", "/__fake/echange/generate", { path: "/Volumineux/focus.bin", size: 64 * 1024 * 1024 });
  const page = await openPage(demo);
  const cdp = await page.context().newCDPSession(page);
  try {
    await page.fill("#ex-user", USER.username);
    await page.fill("#ex-pass", USER.password);
    await page.focus("#ex-login");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#rows tr[data-path]");
    assert.equal(await focused(page), "browser-title", "after sign-in: the files heading");

    await openFolder(page, "Volumineux");
    await select(page, ["focus.bin"]);
    await page.selectOption("#ex-save", "blob");
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: 2_000_000, uploadThroughput: -1 });
    await page.focus("#ex-zip");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#transfer[data-state=running]");
    assert.equal(await focused(page), "tr-cancel", "a running zip: Cancel is one key away");
    await page.keyboard.press("Enter");
    const end = await waitTransfer(page, ["cancelled", "done", "failed"]);
    assert.equal(end.state, "cancelled");
    assert.equal(await focused(page), "ex-zip", "after Cancel: back on the button that started it");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    await page.click('#crumbs button:text-is("Accueil")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Accueil")');
    await openFolder(page, "Relevés", "Déc 2025");
    await select(page, ["releve-01.csv"]);
    await page.focus("#ex-preview");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.getElementById("preview").dataset.state === "done", null, { timeout: 60_000 });
    await page.waitForFunction(() => document.activeElement?.id === "ex-preview");

    await page.focus("#ex-file");
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    assert.ok(download);
    const done = await waitTransfer(page, ["done", "failed", "interrupted"]);
    assert.equal(done.state, "done");
    assert.equal(await focused(page), "ex-file", "after a download: back on its button");
  } finally {
    await cdp.detach().catch(() => {});
    await closePage(page);
  }
});

test("language switch re-renders every message on screen (errors, transfer, preview, title, tabs) both ways", async () => {
  await reset();
  const page = await openSignedIn(demo);
  try {
    await previewDec(page);
    // An error on screen too (a folder that fails to open).
    await control("POST", "/__fake/faults", { method: "GET", path: "/api/v2/user/dirs", kind: "status", status: 404, times: 1 });
    await page.click("#ex-reload");
    await page.waitForSelector("#browser-error:not([hidden])");
    await assertAllIn(page, "fr");

    await page.click('.lang-btn[data-lang="en"]');
    assert.equal(await page.title(), "Passerelle — Échange and PRE-ETAT.DATE");
    assert.equal(await page.getAttribute('[role="tablist"]', "aria-label"), "Tools");
    assert.match(await page.textContent("#browser-error"), /^Failed: folder listing/);
    assert.match(await page.textContent("#pv-status"), /entries, archive complete/);
    assert.match(await page.textContent("#tr-text"), /entries, archive complete/);
    assert.match(await page.getAttribute("#pv-rows button", "aria-label"), /^Show /);
    await assertAllIn(page, "en");
    await screenshot(page, "echange-english-1280");

    await page.click('.lang-btn[data-lang="fr"]');
    assert.equal(await page.title(), "Passerelle — Échange et PRE-ETAT.DATE");
    assert.match(await page.textContent("#browser-error"), /^Échec : liste du dossier/);
    await assertAllIn(page, "fr");
  } finally {
    await closePage(page);
  }
});

test("focus ring has 3:1 contrast against its surroundings; the tab bar is inside a landmark", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    const landmark = await page.$eval('[role="tablist"]', (el) =>
      el.closest("header, nav, main, aside, footer, [role=banner], [role=navigation], [role=main]")?.tagName ?? null);
    assert.ok(landmark, "the tablist has a landmark around it");
    const ratio = async (selector) => {
      await page.keyboard.press("Tab"); // keyboard modality: :focus-visible applies
      await page.focus(selector);
      return page.$eval(selector, (el) => {
        const rgb = (s) => (s.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]) => {
          const c = [r, g, b].map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        };
        const style = getComputedStyle(el);
        if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) return 0;
        // An inset ring (negative offset) is drawn on the element's own background.
        let bgEl = parseFloat(style.outlineOffset) < 0 ? el : el.parentElement;
        let bg = getComputedStyle(bgEl).backgroundColor;
        while (bgEl && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) {
          bgEl = bgEl.parentElement;
          bg = bgEl ? getComputedStyle(bgEl).backgroundColor : "rgb(255, 255, 255)";
        }
        const a = lum(rgb(style.outlineColor));
        const b = lum(rgb(bg));
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      });
    };
    for (const sel of ["#ex-user", "#ex-demo-fill", "#tab-echange", "#tab-ped", '.lang-btn[data-lang="en"]', "#ex-login"]) {
      const r = await ratio(sel);
      assert.ok(r >= 3, `${sel}: focus ring contrast ${r.toFixed(2)}:1`);
    }
  } finally {
    await closePage(page);
  }
});

test("file management: new folder, rename, copy, delete (confirmation names the targets); server errors verbatim", async () => {
  await reset();
  const page = await openSignedIn(demo);
  try {
    await openFolder(page, "Archives");
    const names = async () => (await listingRows(page)).map((r) => r.name).sort();

    // New folder: created, listed, focused.
    await page.click("#ex-mkdir");
    await page.waitForSelector("#dlg[open]");
    assert.equal(await focused(page), "dlg-input");
    await page.keyboard.type("Projets 2026");
    await page.keyboard.press("Enter");
    await page.waitForSelector('#rows tr[data-path="/Archives/Projets 2026"]');
    assert.equal((await rawListing("/Archives")).find((e) => e.name === "Projets 2026")?.size, undefined, "a folder on the server");
    assert.match(await page.textContent("#ex-note"), /Dossier « Projets 2026 » créé/);
    assert.equal(await page.evaluate(() => document.activeElement.closest("tr")?.dataset.path), "/Archives/Projets 2026");

    // An existing name: the server's refusal, in its own words.
    const tok = await fetch(`${demo.fake}/api/v2/user/token`, { headers: { authorization: basic(USER.username, USER.password) } }).then((r) => r.json());
    const raw = await fetch(`${demo.fake}/api/v2/user/dirs?path=${encodeURIComponent("/Archives/Vide")}`, {
      method: "POST", headers: { authorization: `Bearer ${tok.access_token}` },
    });
    assert.ok(raw.status >= 400);
    const serverText = (await raw.json()).message;
    await page.click("#ex-mkdir");
    await page.fill("#dlg-input", "Vide");
    await page.click("#dlg-ok");
    await page.waitForSelector("#browser-error:not([hidden])");
    const err = await page.textContent("#browser-error");
    assert.ok(err.includes(serverText), `server text verbatim: ${err}`);
    assert.match(err, /création du dossier/);

    // Rename: the stem is preselected; the new name replaces the old one.
    await select(page, ["2024.csv"]);
    await page.click("#ex-rename");
    await page.waitForSelector("#dlg[open]");
    assert.equal(await page.inputValue("#dlg-input"), "2024.csv");
    await page.keyboard.type("2024-clos"); // replaces the selected stem, keeps ".csv"
    await page.keyboard.press("Enter");
    await page.waitForSelector('#rows tr[data-path="/Archives/2024-clos.csv"]');
    assert.ok(!(await names()).includes("2024.csv"));
    const renamed = await fakeSha("/Archives/2024-clos.csv");
    assert.ok(renamed.size > 0);

    // Copy: a "(copie)" name is proposed next to the original.
    await select(page, ["ancien rapport.xml"]);
    await page.click("#ex-copy");
    await page.waitForSelector("#dlg[open]");
    assert.equal(await page.inputValue("#dlg-input"), "/Archives/ancien rapport (copie).xml");
    await page.click("#dlg-ok");
    await page.waitForSelector('#rows tr[data-path="/Archives/ancien rapport (copie).xml"]');
    assert.deepEqual(await fakeSha("/Archives/ancien rapport (copie).xml"), await fakeSha("/Archives/ancien rapport.xml"));

    // Delete: the confirmation names each target (a folder "and everything in it").
    await select(page, ["vide.txt", "Projets 2026"]);
    await page.click("#ex-delete");
    await page.waitForSelector("#dlg[open]");
    const dlg = await page.textContent("#dlg");
    assert.match(dlg, /le fichier « vide\.txt »/);
    assert.match(dlg, /le dossier « Projets 2026 » et tout son contenu/);
    assert.equal(await focused(page), "dlg-cancel", "the safe choice has the focus");
    await page.click("#dlg-cancel");
    assert.ok((await names()).includes("vide.txt"), "cancel deletes nothing");
    await page.click("#ex-delete");
    await page.waitForSelector("#dlg[open]");
    assert.equal(await page.textContent("#dlg-ok"), "Supprimer 2 élément(s)");
    await page.click("#dlg-ok");
    await page.waitForSelector('#rows tr[data-path="/Archives/vide.txt"]', { state: "detached" });
    const server = (await rawListing("/Archives")).map((e) => e.name);
    assert.ok(!server.includes("vide.txt") && !server.includes("Projets 2026"), server.join(", "));
    assert.match(await page.textContent("#ex-note"), /2 élément\(s\) supprimé\(s\)/);
    assert.notEqual(await focused(page), "BODY");
    await screenshot(page, "echange-manage-1280");
  } finally {
    await closePage(page);
  }
});

test("read-only account: a refused delete shows the server's 403 verbatim", async () => {
  await reset();
  const page = await openPage(demo);
  try {
    await page.fill("#ex-user", "lecteur");
    await page.fill("#ex-pass", "lecteur-pw");
    await page.click("#ex-login");
    await page.waitForSelector("#rows tr[data-path]");
    await select(page, ["lisez-moi.txt"]);
    await page.click("#ex-delete");
    await page.click("#dlg-ok");
    await page.waitForSelector("#browser-error:not([hidden])");
    assert.equal(await page.getAttribute("#browser-error", "data-code"), "forbidden");
    assert.match(await page.textContent("#browser-error"), /suppression.*« Forbidden »/s);
    assert.ok((await rawListing("/", { username: "lecteur", password: "lecteur-pw" })).some((e) => e.name === "lisez-moi.txt"));
  } finally {
    await closePage(page);
  }
});

test("small things: save dialog closed or unavailable is said; old transfer box goes; 2FA hint; touch wording; no mid-word breaks at 390 px", async () => {
  await reset();
  // A browser whose save dialog is closed by the user, then one where it cannot open at all.
  const page = await openPage(demo, SIZES.desktop);
  try {
    await page.evaluate(() => {
      window.__picker = "closed";
      window.showSaveFilePicker = async () => {
        if (window.__picker === "closed") throw new DOMException("The user aborted a request.", "AbortError");
        throw new DOMException("Must be handling a user gesture to show a file picker.", "SecurityError");
      };
    });
    await loginEchange(page);
    await page.waitForSelector("#rows tr[data-path]");
    await openFolder(page, "Relevés", "Déc 2025");
    await select(page, ["releve-01.csv"]);
    assert.equal(await page.inputValue("#ex-save"), "auto");
    await page.click("#ex-file");
    await page.waitForSelector("#ex-note:not([hidden])");
    assert.match(await page.textContent("#ex-note"), /Aucun fichier choisi/);
    await page.evaluate(() => (window.__picker = "broken"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#ex-file")]);
    assert.equal(download.suggestedFilename(), "releve-01.csv");
    assert.match(await page.textContent("#ex-note"), /n'est pas disponible ici : le téléchargement passe par la mémoire/);
    const done = await waitTransfer(page, ["done", "failed"]);
    assert.equal(done.state, "done");
    // Another folder: the finished transfer box is gone.
    await page.click('#crumbs button:text-is("Relevés")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Relevés")');
    assert.equal(await page.isHidden("#transfer"), true);
    await page.click("#ex-logout");

    // otp-user without a code: the error says a 2FA code may be missing.
    await page.fill("#ex-user", "otp-user");
    await page.fill("#ex-pass", "otp-Secret-1");
    await page.click("#ex-login");
    await page.waitForFunction(() => document.getElementById("ex-error").dataset.code === "unauthorized");
    assert.match(await page.textContent("#ex-error"), /saisissez aussi le code 2FA/);
  } finally {
    await closePage(page);
  }

  const phone = await openPage(demo, SIZES.phone, { hasTouch: true, isMobile: true });
  try {
    const help = await phone.textContent("#drop-help");
    assert.match(help, /toucher/);
    assert.doesNotMatch(help, /Entrée/);
    await loginEchange(phone);
    await phone.waitForSelector("#rows tr[data-path]");
    await openFolder(phone, "Relevés", "Déc 2025");
    // Every word of every name sits on one line (a word cut across two lines has two boxes).
    const broken = await phone.$$eval("#rows .file, #rows .folder", (els) => {
      const out = [];
      for (const el of els) {
        const node = el.firstChild;
        for (const m of node.textContent.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(m[0]);
        }
      }
      return out;
    });
    assert.deepEqual(broken, [], "no word broken across lines");
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    await screenshot(phone, "echange-names-390-view", "#ex-scroll");
  } finally {
    await closePage(phone);
  }
});
