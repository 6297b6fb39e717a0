// The demo page's "Synchroniser dans un dossier / Sync to a folder" (www/js/sync.js), driven in
// headless Chromium against the fake, into the origin private file system: the plan (dry run:
// counts, lists, skipped with the reason, nothing downloaded), the run (files byte-exact against
// the fake's), a second run after files were added and changed on the fake (only those fetched,
// counted from the fake's request log), Cancel mid-run from the keyboard (no partial file under a
// final name; the next run completes without fetching complete files again), the folder picker
// path, the language switch, and axe-core on every state at 1280 and 390 px.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { EchangeClient } from "passerelle";
import { USER, reset, requests } from "./helpers.mjs";
import {
  startDemo, openPage, openSignedIn, closePage, screenshot, control, focused, axeScan, assertAllIn, SIZES,
} from "../demo/harness.mjs";

const FILES = "/api/v2/user/files";
const MANIFEST = ".passerelle-mirror.json";
let demo;
let folderN = 0;

before(async () => {
  demo = await startDemo();
});
beforeEach(() => reset());
after(async () => {
  await control("POST", "/__fake/reset", {}).catch(() => {});
  await demo?.close();
});

const newFolder = () => `demo-sync-${++folderN}-${Date.now()}`;
const client = () => new EchangeClient({ baseUrl: demo.fake, ...USER });

/** Remote files under `root`, sorted by path (the package in Node, independent of the page). */
async function remoteFiles(root) {
  return (await client().walk(root)).filter((e) => e.type === "file").map((e) => e.path).sort();
}

/** Paths of the file downloads in the fake's request log (preflights excluded). */
async function downloads() {
  return (await requests())
    .filter((r) => r.method === "GET" && r.path === FILES)
    .map((r) => new URLSearchParams(r.query).get("path"));
}

/** Every file of OPFS folder `name` as seen by the page: relative path → { size, sha256 }. */
function opfsFiles(page, name) {
  return page.evaluate(async (folder) => {
    const out = {};
    const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const walk = async (dir, prefix) => {
      for await (const [n, h] of dir.entries()) {
        if (h.kind === "directory") await walk(h, `${prefix}${n}/`);
        else {
          const f = await h.getFile();
          out[`${prefix}${n}`] = { size: f.size, sha256: hex(await crypto.subtle.digest("SHA-256", await f.arrayBuffer())) };
        }
      }
    };
    const root = await navigator.storage.getDirectory();
    let dir;
    try {
      dir = await root.getDirectoryHandle(folder);
    } catch {
      return out;
    }
    await walk(dir, "");
    return out;
  }, name);
}

async function fakeSha(path) {
  return control("GET", `/__fake/echange/sha256?${new URLSearchParams({ path, username: USER.username })}`);
}

/** The OPFS folder holds exactly the manifest and `want` (remote paths), each byte-exact. */
async function assertHolds(page, folder, want) {
  const got = await opfsFiles(page, folder);
  assert.deepEqual(Object.keys(got).sort(), [MANIFEST, ...want.map((p) => p.slice(1))].sort());
  for (const p of want) {
    const sum = await fakeSha(p);
    assert.deepEqual(got[p.slice(1)], { size: sum.size, sha256: sum.sha256 }, p);
  }
}

/** Chooses the origin private file system, folder `name`, and the remote folder `remote`. */
async function chooseOpfs(page, name, remote) {
  await page.check("#sync-kind-opfs");
  await page.fill("#sync-opfs-name", name);
  if (remote !== undefined) await page.fill("#sync-remote", remote);
}

/** Waits for the plan or run to end; returns the card's state and the result's data. */
async function settled(page) {
  await page.waitForFunction(
    () => ["idle", "planned", "done", "done-with-failures", "cancelled", "failed"].includes(document.getElementById("sync").dataset.state),
    null,
    { timeout: 120_000 },
  );
  return page.evaluate(() => {
    const r = document.getElementById("sync-result");
    const lists = {};
    for (const d of r.querySelectorAll("[data-list]")) {
      lists[d.dataset.list] = {
        count: Number(d.dataset.count),
        items: [...d.querySelectorAll("li")].map((li) => ({ path: li.dataset.path, text: li.textContent })),
      };
    }
    return {
      state: document.getElementById("sync").dataset.state,
      data: { ...r.dataset },
      title: document.getElementById("sync-result-title").textContent,
      counts: document.getElementById("sync-counts").textContent,
      live: document.getElementById("sync-live").textContent,
      error: document.getElementById("sync-error").hidden ? null : document.getElementById("sync-error").textContent,
      lists,
    };
  });
}

const paths = (list) => list.items.map((i) => i.path);

test("sync: plan (nothing downloaded), run into OPFS byte-exact, then only the added and changed files", async () => {
  const page = await openSignedIn(demo);
  const folder = newFolder();
  try {
    assert.equal(await page.isVisible("#sync"), true, "shown once signed in");
    // The remote folder follows the folder shown, until the user types one.
    await page.click('#rows button.folder:text-is("Relevés")');
    await page.waitForSelector('#crumbs [aria-current="page"]:text-is("Relevés")');
    assert.equal(await page.inputValue("#sync-remote"), "/Relevés");

    // A plan of the whole tree: counts and lists, the symbolic link skipped with the reason in
    // French; nothing downloaded, nothing written.
    await chooseOpfs(page, folder, "/");
    await page.click("#sync-plan");
    let r = await settled(page);
    assert.equal(r.state, "planned", JSON.stringify(r));
    const all = await remoteFiles("/");
    assert.equal(Number(r.data.fetch), all.length);
    assert.equal(r.lists.fetch.count, all.length);
    assert.deepEqual(paths(r.lists.fetch), all.slice(0, 500), "the first 500 paths, in order");
    assert.equal(r.data.unchanged, "0");
    assert.deepEqual(paths(r.lists.skipped), ["/lien.csv"]);
    assert.match(r.lists.skipped.items[0].text, /lien symbolique \(non suivi\)/);
    assert.match(r.counts, new RegExp(`À télécharger : ${all.length.toLocaleString("fr-FR").replace(/\s/g, "\\s")} \\(`));
    assert.match(r.live, /Plan pour « \/ »/);
    assert.deepEqual(await downloads(), [], "a plan downloads nothing");
    assert.deepEqual(await opfsFiles(page, folder), {}, "a plan writes nothing");
    assert.equal(await focused(page), "sync-plan", "focus back on the button that started it");

    // The run, on /Relevés (typed back as a path with a trailing slash).
    await page.fill("#sync-remote", "/Relevés/");
    const want = await remoteFiles("/Relevés");
    await page.click("#sync-plan");
    r = await settled(page);
    assert.deepEqual(paths(r.lists.fetch), want);
    await page.click("#sync-run");
    r = await settled(page);
    assert.equal(r.state, "done", JSON.stringify(r));
    assert.equal(r.error, null);
    assert.deepEqual(paths(r.lists.fetched), want);
    assert.deepEqual([r.data.fetched, r.data.unchanged, r.data.skipped, r.data.failed], [String(want.length), "0", "0", "0"]);
    assert.match(r.title, /^Synchronisation terminée en [\d,]+ s : « \/Relevés » → stockage privé « demo-sync-/);
    assert.match(r.live, /Synchronisation terminée/);
    assert.equal(await page.getAttribute("#sync-progress", "data-state"), "done");
    assert.equal(await page.evaluate(() => document.getElementById("sync-bar").value), 100);
    assert.equal(await page.isHidden("#sync-cancel"), true);
    assert.equal(await focused(page), "sync-run");
    await assertHolds(page, folder, want);
    assert.deepEqual((await downloads()).sort(), want, "each file downloaded once");
    await screenshot(page, "echange-sync-done-1280", "#sync");

    // Add and change files on the fake; the next run fetches those two only.
    const c = client();
    const later = new Date(Date.UTC(2026, 0, 2));
    await c.uploadFile("/Relevés/Nov 2025/notes.txt", new TextEncoder().encode("notes, version 2\n"), { mtime: later });
    await c.uploadFile("/Relevés/Déc 2025/nouveau.csv", new TextEncoder().encode("id;valeur\n1;2\n"), { mtime: later });
    const before = (await downloads()).length;
    await page.click("#sync-plan");
    r = await settled(page);
    assert.deepEqual(paths(r.lists.fetch), ["/Relevés/Déc 2025/nouveau.csv", "/Relevés/Nov 2025/notes.txt"]);
    assert.equal(Number(r.data.unchanged), want.length - 1);
    await page.click("#sync-run");
    r = await settled(page);
    assert.equal(r.state, "done");
    assert.deepEqual(paths(r.lists.fetched), ["/Relevés/Déc 2025/nouveau.csv", "/Relevés/Nov 2025/notes.txt"]);
    assert.equal(Number(r.data.unchanged), want.length - 1);
    assert.deepEqual((await downloads()).slice(before).sort(), ["/Relevés/Déc 2025/nouveau.csv", "/Relevés/Nov 2025/notes.txt"]);
    await assertHolds(page, folder, await remoteFiles("/Relevés"));

    // A third run: nothing to fetch.
    const n = (await downloads()).length;
    await page.click("#sync-run");
    r = await settled(page);
    assert.deepEqual([r.data.fetched, r.data.unchanged], ["0", String(want.length + 1)]);
    assert.equal((await downloads()).length, n);

    // English: the result, the lists and the form follow the switch.
    await page.click('.lang-btn[data-lang="en"]');
    assert.match(await page.textContent("#sync-result-title"), /^Sync finished in [\d.]+ s: “\/Relevés” → private storage “demo-sync-/);
    assert.match(await page.textContent("#sync-counts"), new RegExp(`^Downloaded: 0 \\(0 B\\) · unchanged: ${want.length + 1} ·`));
    assert.equal(await page.textContent('#sync-lists [data-list="fetched"]'), "Downloaded (0)");
    assert.equal(await page.textContent("#sync-text"), "Done: 0 file(s) downloaded (0 B).");
    await assertAllIn(page, "en");
  } finally {
    await closePage(page);
  }
});

test("sync: Cancel from the keyboard mid-run leaves no partial file under a final name; the next run completes", async () => {
  const page = await openSignedIn(demo);
  const folder = newFolder();
  const cdp = await page.context().newCDPSession(page);
  try {
    await chooseOpfs(page, folder, "/Volumineux");
    // 2 MB/s: the 8 and 64 MiB files are both in flight when Cancel is pressed.
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: 2_000_000, uploadThroughput: -1 });
    await page.click("#sync-run");
    await page.waitForFunction(() => Number(document.getElementById("sync-progress").dataset.bytesDone) > 1 << 20, null, { timeout: 60_000 });
    const mid = await page.evaluate(() => ({
      text: document.getElementById("sync-text").textContent,
      current: document.getElementById("sync-current").textContent,
      bar: document.getElementById("sync-bar").value,
    }));
    assert.match(mid.text, /^0 fichier\(s\) sur 2 — .* sur 72,0 Mo \(\d+\s%\)$/, mid.text);
    assert.match(mid.current, /^En cours : \/Volumineux\/gros-(8|64)MiB\.bin$/);
    assert.ok(mid.bar > 0 && mid.bar < 100, String(mid.bar));
    assert.equal(await focused(page), "sync-cancel", "Cancel is one key away");
    await screenshot(page, "echange-sync-running-1280", "#sync");
    await page.keyboard.press("Enter");
    const r = await settled(page);
    assert.equal(r.state, "cancelled", JSON.stringify(r));
    assert.match(r.title, /^Annulé : 0 fichier\(s\) téléchargé\(s\) sur 2\.$/);
    assert.equal(await page.textContent("#sync-text"), "Annulé après 0 fichier(s) complet(s) (0 o).");
    assert.equal(await page.getAttribute("#sync-progress", "data-state"), "cancelled");
    assert.equal(r.error, null, "a cancel is not an error");
    assert.equal(await focused(page), "sync-run", "focus back on Sync");
    const found = await axeScan(page, "echange-sync-cancelled-1280");
    assert.deepEqual(found, []);
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    // Nothing incomplete is visible under a final name (the partial names are gone too).
    const got = await opfsFiles(page, folder);
    const names = Object.keys(got);
    assert.deepEqual(names.filter((p) => p.endsWith(".passerelle-part")), []);
    for (const p of names.filter((x) => x !== MANIFEST)) {
      const sum = await fakeSha(`/${p}`);
      assert.deepEqual(got[p], { size: sum.size, sha256: sum.sha256 }, `${p} is complete`);
    }
    const complete = new Set(names.filter((x) => x !== MANIFEST).map((p) => `/${p}`));

    // The next run completes, without downloading again what was complete.
    const before = (await downloads()).length;
    await page.click("#sync-run");
    const again = await settled(page);
    assert.equal(again.state, "done", JSON.stringify(again));
    const want = await remoteFiles("/Volumineux");
    const fetchedNow = (await downloads()).slice(before).sort();
    assert.deepEqual(fetchedNow, want.filter((p) => !complete.has(p)));
    assert.deepEqual(paths(again.lists.fetched), fetchedNow);
    await assertHolds(page, folder, want);
  } finally {
    await cdp.detach().catch(() => {});
    await closePage(page);
  }
});

test("sync: a folder from the picker (showDirectoryPicker); none chosen is explained; a closed dialog changes nothing", async () => {
  const page = await openSignedIn(demo);
  const folder = newFolder();
  try {
    // Headless Chromium has showDirectoryPicker but no one to answer its dialog: the page's
    // function is replaced by one answering with an OPFS folder (a FileSystemDirectoryHandle
    // like the real one), or closing the dialog (AbortError) on the first call.
    await page.evaluate((name) => {
      let calls = 0;
      window.showDirectoryPicker = async (options) => {
        window.pickerOptions = options;
        if (++calls === 1) throw new DOMException("The user aborted a request.", "AbortError");
        return (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true });
      };
    }, folder);
    assert.equal(await page.isChecked("#sync-kind-picker"), true, "the picker is the default where it exists");
    await page.fill("#sync-remote", "/Archives");
    await page.click("#sync-run");
    await page.waitForSelector("#sync-error:not([hidden])");
    assert.match(await page.textContent("#sync-error"), /Choisissez d'abord un dossier/);
    assert.equal(await focused(page), "sync-pick");
    await page.click("#sync-pick");
    await page.waitForFunction(() => window.pickerOptions !== undefined);
    assert.equal(await page.textContent("#sync-picked"), "Aucun dossier choisi.");
    assert.equal(await page.isHidden("#sync-error"), true, "closing the dialog is not an error");
    await page.click("#sync-pick");
    await page.waitForFunction((name) => document.getElementById("sync-picked").textContent.includes(name), folder);
    assert.equal(await page.textContent("#sync-picked"), `Dossier choisi : « ${folder} »`);
    assert.deepEqual(await page.evaluate(() => window.pickerOptions), { id: "passerelle-mirror", mode: "readwrite" });
    await page.click("#sync-run");
    const r = await settled(page);
    assert.equal(r.state, "done", JSON.stringify(r));
    assert.match(r.title, new RegExp(`→ dossier « ${folder} »$`));
    await assertHolds(page, folder, await remoteFiles("/Archives"));
  } finally {
    await closePage(page);
  }
});

for (const [width, size] of [["1280", SIZES.desktop], ["390", SIZES.phone]]) {
  test(`sync: axe finds no moderate+ violation in the sync states at ${width} px (both languages)`, async () => {
    const page = await openPage(demo, size);
    const found = [];
    const check = async (state) => {
      for (const v of await axeScan(page, `${state}-${width}`)) found.push(`${state}@${width}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(" | ")}`);
      await screenshot(page, `a11y-${state}-${width}`);
    };
    try {
      assert.equal(await page.isHidden("#sync"), true, "hidden until signed in");
      await page.fill("#ex-user", USER.username);
      await page.fill("#ex-pass", USER.password);
      await page.click("#ex-login");
      await page.waitForSelector("#rows tr[data-path]");
      await check("sync-idle");
      await chooseOpfs(page, newFolder(), "/");
      await page.click("#sync-plan");
      await settled(page);
      for (const s of await page.$$("#sync-lists summary")) await s.click();
      await check("sync-plan");
      await page.fill("#sync-remote", "/Archives");
      await page.click("#sync-run");
      assert.equal((await settled(page)).state, "done");
      await check("sync-done");
      await page.fill("#sync-remote", "/nulle-part");
      await page.click("#sync-plan");
      assert.equal((await settled(page)).state, "failed");
      assert.match(await page.textContent("#sync-error"), /Échec : plan de synchronisation/);
      await check("sync-error");
      await page.click('.lang-btn[data-lang="en"]');
      await check("sync-english");
      await assertAllIn(page, "en");
    } finally {
      await closePage(page);
    }
    assert.deepEqual(found, []);
  });
}
