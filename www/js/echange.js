// The Échange panel: sign-in with live token expiry, folder browser (windowed: only the rows in
// view are in the DOM), file management (new folder, rename/move, copy, delete), zip download /
// preview, single-file download with resume, drag-and-drop upload with overwrite confirmation.
import { EchangeClient, unzip } from "passerelle/web";
import { t, onLangChange, live } from "./i18n.js";
import * as fmt from "./format.js";
import * as errors from "./errors.js";
import { Transfer } from "./transfer.js";
import { BLOB_MAX, openSink, resolveMode, pickerAvailable } from "./save.js";
import { renderText } from "./viewer.js";
import { ask, list } from "./dialog.js";
import * as sync from "./sync.js";

const $ = (id) => document.getElementById(id);

/** Bytes of each text entry kept for the viewer. */
const PREVIEW_MAX = 256 * 1024;
/** Rows shown in the preview table (the archive is still read to its end). */
const PREVIEW_ROWS = 5000;
const TEXT_EXT = /\.(csv|tsv|txt|xml|json|md|log|ini|cfg|html?|yml|yaml)$/i;
/** Rows rendered above and below the visible ones (keyboard and fast scrolling land on them). */
const OVERSCAN = 12;

const state = {
  client: null,
  user: "",
  cwd: "/",
  entries: [],
  sort: { key: "name", dir: 1 },
  selected: new Set(),
  expiresAt: null,
  busy: false,
  listing: 0, // generation counter: a late listing never overwrites a newer one
  view: [], // state.entries sorted as shown
  rowH: 0, // measured height of a listing row (px)
  window: { start: 0, end: 0 },
  rows: new Map(), // path → <tr> currently in the DOM
  preview: [], // [{ rec, row }] of the zip preview, re-rendered after a language switch
  loggingIn: false,
};

let demo = null;

export function setup(config) {
  $("ex-base").value = config.echange?.baseUrl ?? "";
  demo = config.echange?.demo ?? null;
  $("ex-demo-fill").hidden = !demo;
  $("ex-demo-fill").addEventListener("click", () => {
    $("ex-user").value = demo.username;
    $("ex-pass").value = demo.password;
    $("ex-login").focus();
  });
  $("conn-form").addEventListener("submit", (e) => {
    e.preventDefault();
    login();
  });
  $("ex-login").disabled = false;
  $("ex-logout").addEventListener("click", logout);
  $("ex-reload").addEventListener("click", () => navigate(state.cwd));
  $("sel-all").addEventListener("change", (e) => {
    timed("select", () => {
      state.selected = e.target.checked ? new Set(state.entries.filter(selectable).map((x) => x.path)) : new Set();
      syncChecks();
    });
  });
  for (const b of document.querySelectorAll("button.sort")) {
    b.addEventListener("click", () => {
      const key = b.dataset.key;
      state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: 1 };
      timed("sort", () => renderRows({ resort: true }));
    });
  }
  const scroller = $("ex-scroll");
  let queued = false;
  scroller.addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      renderWindow();
    });
  });
  new ResizeObserver(() => state.client && renderWindow()).observe(scroller);
  $("ex-mkdir").addEventListener("click", mkdir);
  $("ex-rename").addEventListener("click", rename);
  $("ex-copy").addEventListener("click", copy);
  $("ex-delete").addEventListener("click", remove);
  $("ex-zip").addEventListener("click", downloadZip);
  $("ex-preview").addEventListener("click", previewZip);
  $("ex-file").addEventListener("click", () => {
    const entry = selectedEntries().find((x) => x.type !== "dir");
    if (entry) downloadFile(entry);
  });
  $("ex-save").addEventListener("change", renderSaveHelp);
  setupDrop();
  sync.setup();
  renderSaveHelp();
  setInterval(renderToken, 1000);
  onLangChange(() => {
    renderSaveHelp();
    renderToken();
    for (const { rec, row } of state.preview) fillPreviewRow(row, rec, true);
    if (state.client) {
      renderCrumbs();
      timed("language", () => renderRows({ resort: true }));
    }
  });
}

/**
 * Runs `fn` and records its main-thread time with the Performance API: `demo:<name>` for the
 * script itself, `demo:<name>:frame` up to the end of the next frame (style, layout, paint).
 */
function timed(name, fn) {
  const start = performance.now();
  fn();
  performance.measure(`demo:${name}`, { start, end: performance.now() });
  requestAnimationFrame(() => setTimeout(() => performance.measure(`demo:${name}:frame`, { start, end: performance.now() })));
}

// ───────────────────────────── sign-in ─────────────────────────────

async function login() {
  if (state.loggingIn) return;
  const box = $("ex-error");
  errors.clear(box);
  const baseUrl = $("ex-base").value.trim();
  const username = $("ex-user").value.trim();
  const password = $("ex-pass").value;
  const otp = $("ex-otp").value.trim();
  if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) return errors.showText(box, "badUrl");
  if (!username || !password) return errors.showText(box, "fillAll");
  dropClient();
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page.
  state.loggingIn = true;
  $("ex-login").setAttribute("aria-disabled", "true");
  live($("ex-token"), () => t("connecting"));
  const client = new EchangeClient({ baseUrl, username, password, ...(otp ? { otp } : {}) });
  try {
    const tok = await client.token();
    state.client = client;
    state.user = username;
    state.expiresAt = new Date(tok.expires_at);
    $("ex-otp").value = ""; // single-use
    $("ex-logout").disabled = false;
    $("conn-form").classList.add("connected");
    $("browser").hidden = false;
    sync.attach(client);
    renderToken();
    // The sign-in fields fold away: focus goes to the files, where the next step is.
    $("browser-title").focus();
    await navigate("/");
  } catch (err) {
    client.free();
    live($("ex-token"), null);
    // A missing 2FA code looks like a wrong password to the server: say so.
    errors.show(box, err, "login", err?.code === "unauthorized" && !otp ? ["otpHint"] : []);
  } finally {
    state.loggingIn = false;
    $("ex-login").removeAttribute("aria-disabled");
  }
}

async function logout() {
  const client = state.client;
  if (!client) return;
  errors.clear($("ex-error"));
  try {
    await client.logout();
  } catch (err) {
    errors.show($("ex-error"), err, "logout");
  }
  dropClient();
  $("ex-pass").value = "";
  live($("ex-token"), () => t("loggedOut"));
  $("ex-user").focus();
}

function dropClient() {
  sync.attach(null);
  if (state.client) {
    try {
      state.client.free();
    } catch {
      // already released
    }
  }
  state.client = null;
  state.expiresAt = null;
  state.entries = [];
  state.view = [];
  state.selected.clear();
  state.rows.clear();
  $("rows").replaceChildren();
  $("ex-logout").disabled = true;
  $("conn-form").classList.remove("connected");
  $("browser").hidden = true;
  $("preview").hidden = true;
}

/** The token is cached by the library; asking again costs nothing unless it is due for renewal. */
async function syncToken() {
  if (!state.client) return;
  try {
    const tok = await state.client.token();
    state.expiresAt = new Date(tok.expires_at);
    renderToken();
  } catch {
    // the next real call reports the problem
  }
}

function renderToken() {
  const el = $("ex-token");
  if (!state.client || !state.expiresAt) return;
  const at = state.expiresAt;
  live(el, () => {
    const left = at.getTime() - Date.now();
    return `${t("connectedAs", { user: state.user })} ${
      left > 0 ? t("tokenExpires", { left: fmt.duration(left), at: fmt.timeOfDay(at) }) : t("tokenExpired")
    }`;
  });
  el.dataset.expiresAt = at.toISOString();
}

// ───────────────────────────── listing ─────────────────────────────

const selectable = (e) => e.type === "dir" || e.type === "file" || e.type === "symlink";

function selectedEntries() {
  return state.entries.filter((e) => state.selected.has(e.path));
}

/** Opens a folder from a click or a key press, then moves focus to its name in the breadcrumb. */
async function openFolder(path) {
  await navigate(path);
  if (state.cwd === normalise(path)) document.querySelector("#crumbs [aria-current]")?.focus();
}

/**
 * Lists `path` and shows it. `keep`: leave the messages on screen (a refresh after an upload or a
 * file operation must not wipe the error or note it produced).
 */
export async function navigate(path, { keep = false } = {}) {
  if (!state.client) return false;
  const box = $("browser-error");
  if (!keep) {
    errors.clear(box);
    note(null);
  }
  const gen = ++state.listing;
  const dir = normalise(path);
  const asked = performance.now();
  $("browser").setAttribute("aria-busy", "true");
  $("ex-loading").hidden = false;
  live($("ex-busy-status"), () => t("listingBusy", { dir }));
  try {
    const entries = await state.client.listDir(path);
    if (gen !== state.listing) return false;
    const moved = state.cwd !== dir;
    state.cwd = dir;
    sync.folderShown(dir);
    state.entries = entries;
    state.selected.clear();
    if (moved) {
      $("ex-scroll").scrollTop = 0;
      // A finished transfer belongs to the folder it ran in.
      const tr = $("transfer");
      if (["done", "failed", "cancelled"].includes(tr.dataset.state)) tr.hidden = true;
    }
    renderCrumbs();
    timed("render", () => renderRows({ resort: true, rebuild: true }));
    // Click to drawn: the request, the library's parsing of the listing, and the drawing.
    requestAnimationFrame(() => setTimeout(() => performance.measure("demo:open:frame", { start: asked, end: performance.now() })));
    live($("ex-busy-status"), () => t("listingDone", { n: entries.length, dir }));
    syncToken();
    return true;
  } catch (err) {
    if (gen === state.listing) {
      live($("ex-busy-status"), null);
      // A refresh after a failed operation keeps that operation's error (it says more).
      if (!(keep && !box.hidden)) errors.show(box, err, "list");
    }
    return false;
  } finally {
    if (gen === state.listing) {
      $("browser").removeAttribute("aria-busy");
      $("ex-loading").hidden = true;
    }
  }
}

function normalise(path) {
  const parts = String(path).split("/").filter(Boolean);
  return "/" + parts.join("/");
}

function joinPath(dir, name) {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path) {
  const parts = normalise(path).split("/").filter(Boolean);
  parts.pop();
  return "/" + parts.join("/");
}

function baseName(path) {
  return normalise(path).split("/").pop();
}

function renderCrumbs() {
  const ol = $("crumbs");
  const parts = state.cwd.split("/").filter(Boolean);
  const items = [{ label: t("home"), path: "/" }];
  parts.forEach((p, i) => items.push({ label: p, path: "/" + parts.slice(0, i + 1).join("/") }));
  ol.replaceChildren(
    ...items.map((item, i) => {
      const li = document.createElement("li");
      if (i === items.length - 1) {
        const span = document.createElement("span");
        span.textContent = item.label;
        span.setAttribute("aria-current", "page");
        span.tabIndex = -1; // focus lands here after a folder change (the clicked button is gone)
        li.append(span);
      } else {
        li.append(folderButton(item.label, item.path, "link"));
      }
      return li;
    }),
  );
}

/** A button that opens `path` (breadcrumb items, folder names in the listing). */
function folderButton(label, path, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  b.textContent = label;
  b.addEventListener("click", () => openFolder(path));
  return b;
}

/** Folders first, then by the chosen key; names compared once per pair with a shared collator. */
function sorted(entries) {
  const { key, dir } = state.sort;
  const cmp = fmt.collator().compare;
  const val = (e) => (key === "size" ? e.size ?? -1 : key === "date" ? Date.parse(e.last_modified) || 0 : 0);
  const keyed = entries.map((e) => ({ e, d: e.type === "dir" ? 0 : 1, v: val(e) }));
  keyed.sort((a, b) => {
    if (a.d !== b.d) return a.d - b.d; // folders first, whatever the order
    const c = key === "name" ? cmp(a.e.name, b.e.name) : a.v - b.v;
    return (c || cmp(a.e.name, b.e.name)) * dir;
  });
  return keyed.map((k) => k.e);
}

/** Re-sorts when asked, then draws the rows in view. `rebuild`: new entries, drop every row. */
function renderRows({ resort = false, rebuild = true } = {}) {
  if (resort) state.view = sorted(state.entries);
  if (rebuild) {
    state.rows.clear();
    $("rows").replaceChildren();
    state.window = { start: 0, end: 0 };
  }
  $("listing").setAttribute("aria-rowcount", String(state.view.length + 1));
  $("empty").hidden = state.view.length > 0;
  for (const th of document.querySelectorAll("#listing th[data-key]")) {
    const on = th.dataset.key === state.sort.key;
    th.setAttribute("aria-sort", on ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
    th.querySelector(".arrow").textContent = on ? (state.sort.dir > 0 ? "▲" : "▼") : "";
  }
  renderWindow();
  renderSelection();
}

/**
 * Puts the rows that are in view (plus OVERSCAN above and below) in the table, between two spacer
 * rows that stand for the others. Rows still in view are kept as they are (the focused one too).
 */
function renderWindow() {
  const tbody = $("rows");
  const list = state.view;
  const { scroller, head, rowH } = geometry();
  const viewH = scroller.clientHeight || 600;
  const top = Math.max(0, scroller.scrollTop - head);
  const start = Math.max(0, Math.floor(top / rowH) - OVERSCAN);
  const end = Math.min(list.length, Math.ceil((top + viewH) / rowH) + OVERSCAN);
  state.window = { start, end };
  const keep = new Map();
  for (let i = start; i < end; i++) {
    const tr = state.rows.get(list[i].path);
    if (tr && Number(tr.dataset.index) === i) keep.set(list[i].path, tr);
  }
  for (const [path, tr] of state.rows) if (!keep.has(path)) tr.remove();
  for (const sp of tbody.querySelectorAll("tr.spacer")) sp.remove();
  // Kept rows are contiguous and in order: new rows go before the first kept one or at the end.
  const first = keep.values().next().value ?? null;
  const rows = new Map();
  for (let i = start; i < end; i++) {
    const e = list[i];
    let tr = keep.get(e.path);
    if (!tr) {
      tr = makeRow(e, i);
      const beforeKept = first && i < Number(first.dataset.index);
      tbody.insertBefore(tr, beforeKept ? first : null);
    }
    rows.set(e.path, tr);
  }
  state.rows = rows;
  if (start > 0) tbody.prepend(spacer(start * rowH));
  if (end < list.length) tbody.append(spacer((list.length - end) * rowH));
  // Measure the real row height once rows exist (it differs between desktop and phone layouts).
  if (rows.size) {
    const firstRow = rows.values().next().value;
    const lastRow = [...rows.values()].pop();
    const h = (lastRow.getBoundingClientRect().bottom - firstRow.getBoundingClientRect().top) / rows.size;
    if (h > 0 && Math.abs(h - rowH) > 0.5) {
      state.rowH = h;
      renderWindow();
    }
  }
}

/** The listing's scroller, its header height and the row height (measured, or a first guess). */
function geometry() {
  return { scroller: $("ex-scroll"), head: $("listing").tHead?.offsetHeight ?? 0, rowH: state.rowH || 38 };
}

function spacer(px) {
  const tr = document.createElement("tr");
  tr.className = "spacer";
  tr.setAttribute("aria-hidden", "true");
  const td = document.createElement("td");
  td.colSpan = 4;
  td.style.height = `${Math.max(0, Math.round(px))}px`;
  tr.append(td);
  return tr;
}

function makeRow(e, i) {
  const tr = document.createElement("tr");
  tr.dataset.path = e.path;
  tr.dataset.type = e.type;
  tr.dataset.index = String(i);
  tr.setAttribute("aria-rowindex", String(i + 2));
  const on = state.selected.has(e.path);
  if (on) tr.classList.add("selected");
  const sel = document.createElement("td");
  sel.className = "sel";
  const cb = document.createElement("input");
  cb.type = "checkbox";
  cb.checked = on;
  cb.disabled = !selectable(e);
  cb.setAttribute("aria-label", t("selectItem", { name: e.name }));
  cb.addEventListener("change", () => {
    if (cb.checked) state.selected.add(e.path);
    else state.selected.delete(e.path);
    tr.classList.toggle("selected", cb.checked);
    renderSelection();
  });
  sel.append(cb);
  const name = document.createElement("td");
  name.className = "name";
  name.setAttribute("translate", "no");
  name.title = e.name;
  if (e.type === "dir") {
    name.append(folderButton(e.name, e.path, "link folder"));
  } else {
    const s = document.createElement("span");
    s.className = e.type === "symlink" ? "file symlink" : "file";
    s.textContent = e.name;
    name.append(s);
    if (e.type === "symlink") {
      const k = document.createElement("span");
      k.className = "kind";
      k.textContent = t("symlink");
      name.append(" ", k);
    }
  }
  const size = document.createElement("td");
  size.className = "num";
  size.textContent = e.type === "dir" ? t("folder") : fmt.size(e.size);
  if (typeof e.size === "number") size.title = `${fmt.number(e.size)} ${t("bytes")}`;
  const date = document.createElement("td");
  date.className = "date";
  const time = document.createElement("time");
  time.dateTime = e.last_modified;
  time.textContent = fmt.dateTime(e.last_modified);
  date.append(time);
  // Phones: the date column is folded under the name, which gets the width it needs.
  const sub = document.createElement("span");
  sub.className = "sub";
  sub.setAttribute("aria-hidden", "true");
  sub.textContent = time.textContent;
  name.append(sub);
  tr.append(sel, name, size, date);
  return tr;
}

/** Checkboxes of the rows in the DOM follow state.selected (select all / none). */
function syncChecks() {
  for (const [path, tr] of state.rows) {
    const on = state.selected.has(path);
    tr.classList.toggle("selected", on);
    const cb = tr.cells[0].firstChild;
    if (cb.checked !== on) cb.checked = on;
  }
  renderSelection();
}

/** Scrolls the listing to `path`, draws it and focuses its main control. */
function focusEntry(path) {
  const i = state.view.findIndex((e) => e.path === path);
  if (i < 0) return false;
  const { scroller, head, rowH } = geometry();
  const y = head + i * rowH;
  if (y < scroller.scrollTop + head || y + rowH > scroller.scrollTop + scroller.clientHeight) {
    scroller.scrollTop = Math.max(0, y - scroller.clientHeight / 3);
  }
  renderWindow();
  const tr = state.rows.get(path);
  (tr?.querySelector("button.folder") ?? tr?.querySelector("input"))?.focus();
  return Boolean(tr);
}

function renderSelection() {
  const chosen = selectedEntries();
  const n = chosen.length;
  const all = state.entries.filter(selectable).length;
  const selAll = $("sel-all");
  selAll.checked = n > 0 && n === all;
  selAll.indeterminate = n > 0 && n < all;
  $("ex-selcount").textContent = n ? t("selected", { n }) : "";
  const idle = !state.busy;
  $("ex-zip").disabled = !idle || n === 0;
  $("ex-preview").disabled = !idle || n === 0;
  $("ex-file").disabled = !idle || !(n === 1 && chosen[0].type !== "dir");
  $("ex-mkdir").disabled = !idle;
  $("ex-rename").disabled = !idle || n !== 1;
  $("ex-copy").disabled = !idle || n === 0;
  $("ex-delete").disabled = !idle || n === 0;
}

function setBusy(busy) {
  state.busy = busy;
  renderSelection();
  $("drop").setAttribute("aria-disabled", String(busy));
}

/** A short confirmation under the toolbar (file operations); null hides it. */
function note(fn) {
  const el = $("ex-note");
  if (!fn) {
    live(el, null);
    el.hidden = true;
    return;
  }
  live(el, fn);
  el.hidden = false;
  el.scrollIntoView?.({ block: "nearest" });
}

function renderSaveHelp() {
  const choice = $("ex-save").value;
  const mode = resolveMode(choice);
  live($("ex-save-help"), () => {
    if (mode === "picker") return t("saveHelpPicker");
    if (mode === "unavailable") return t("pickerMissing");
    return t(choice === "blob" && pickerAvailable() ? "saveHelpForcedBlob" : "saveHelpBlob", { max: fmt.size(BLOB_MAX) });
  });
}

// ───────────────────────────── downloads ─────────────────────────────

/**
 * Opens the sink the user chose; null when nothing should happen (dialog closed, too big), with
 * a visible reason. "Automatic" falls back to memory when the save dialog cannot open.
 */
async function chooseSink(name, type, estimate, box) {
  const choice = $("ex-save").value;
  const mode = resolveMode(choice);
  if (mode === "unavailable") {
    errors.showText(box, "pickerMissing");
    return null;
  }
  if (mode === "picker") {
    try {
      const sink = await openSink("picker", name, type);
      if (!sink) note(() => t("saveDialogClosed"));
      return sink;
    } catch (err) {
      if (choice !== "auto") {
        errors.show(box, err, "save");
        return null;
      }
      note(() => t("saveFallback", { max: fmt.size(BLOB_MAX) }));
    }
  }
  if (typeof estimate === "number" && estimate > BLOB_MAX) {
    errors.showText(box, "tooBigForBlob", () => ({ size: fmt.size(estimate), max: fmt.size(BLOB_MAX) }));
    return null;
  }
  return openSink("blob", name, type);
}

function zipName(entries) {
  if (entries.length === 1) return `${entries[0].name}.zip`;
  const folder = state.cwd === "/" ? "echange" : state.cwd.split("/").pop();
  return `${folder}.zip`;
}

/** Sum of the file sizes under the selection (the zip is about that size; text compresses). */
async function estimate(entries, signal) {
  let total = 0;
  for (const e of entries) {
    if (e.type === "dir") {
      const all = await state.client.walk(e.path, { signal });
      for (const x of all) if (x.type === "file") total += x.size ?? 0;
    } else {
      total += e.size ?? 0;
    }
  }
  return total;
}

async function pump(stream, sink) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await sink.write(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  }
}

const cancelledText = (bytes) => () => t("trCancelled", { loaded: fmt.size(bytes) });

async function downloadZip() {
  const chosen = selectedEntries();
  if (!chosen.length || state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  note(null);
  const origin = $("ex-zip");
  const name = zipName(chosen);
  const mode = resolveMode($("ex-save").value);
  // The file dialog must open straight from the click; the size estimate comes after.
  let sink = mode === "picker" ? await chooseSink(name, "application/zip", undefined, box) : null;
  if (mode === "picker" && !sink) return;
  setBusy(true);
  const n = chosen.length;
  const tr = new Transfer({ title: () => t("trZip", { n, file: name }), onIdle: () => setBusy(false), origin });
  tr.message(() => t("trEstimating"));
  let total;
  try {
    total = await estimate(chosen, tr.signal);
  } catch (err) {
    if (tr.cancelled) {
      await sink?.abort();
      return tr.stop("cancelled", cancelledText(0));
    }
    total = undefined; // unknown size: bytes and speed only
  }
  if (!sink) {
    sink = await chooseSink(name, "application/zip", total, box);
    if (!sink) return tr.stop("failed", null);
  }
  try {
    const stream = await state.client.downloadZip(chosen.map((e) => e.path), {
      signal: tr.signal,
      onProgress: (p) => tr.progress(p.loaded, p.total ?? total, p.total === undefined),
    });
    await pump(stream, sink);
    await sink.close();
    const secs = (performance.now() - tr.started) / 1000;
    const written = sink.written;
    const file = sink.name;
    tr.finish(
      sink.kind === "picker"
        ? () => t("trSaved", { loaded: fmt.size(written), file })
        : () => t("trDone", { loaded: fmt.size(written), secs: fmt.number(secs, 1) }),
    );
    $("transfer").dataset.bytes = String(written);
    syncToken();
  } catch (err) {
    await sink.abort();
    if (tr.cancelled) tr.stop("cancelled", cancelledText(sink.written));
    else {
      tr.stop("failed", null);
      errors.show(box, err, "zip");
    }
  }
}

async function downloadFile(entry) {
  if (state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  note(null);
  const sink = await chooseSink(entry.name, "application/octet-stream", entry.size, box);
  if (!sink) return;
  runFile(entry, sink);
}

/** Downloads (the rest of) `entry` into `sink`; an interruption offers to resume at sink.written. */
async function runFile(entry, sink) {
  const box = $("browser-error");
  errors.clear(box);
  setBusy(true);
  const tr = new Transfer({
    title: () => t("trFile", { file: entry.name }),
    pausable: true,
    onIdle: () => setBusy(false),
    origin: $("ex-file"),
  });
  const base = sink.written;
  const total = entry.size;
  tr.progress(base, total);
  try {
    const stream = await state.client.downloadFile(entry.path, {
      ...(base > 0 ? { offset: base } : {}),
      signal: tr.signal,
      onProgress: (p) => tr.progress(base + p.loaded, total),
    });
    await pump(stream, sink);
    await sink.close();
    const written = sink.written;
    tr.finish(() => t("trSaved", { loaded: fmt.size(written), file: sink.name }));
    $("transfer").dataset.bytes = String(written);
    syncToken();
  } catch (err) {
    const written = sink.written;
    const figures = () => ({ loaded: fmt.size(written), total: fmt.size(total) });
    const resume = () => runFile(entry, sink);
    if (tr.paused && !tr.cancelled) {
      tr.onSuspendCancel = () => sink.abort();
      tr.suspend("paused", () => t("trPaused", figures()), resume);
    } else if (tr.cancelled) {
      await sink.abort();
      tr.stop("cancelled", () => t("trCancelled", figures()));
    } else if (["truncated", "network", "timeout", "server", "unauthorized"].includes(err?.code)) {
      errors.show(box, err, "file");
      tr.onSuspendCancel = () => sink.abort();
      tr.suspend("interrupted", () => t("trFailedResume", figures()), resume);
    } else {
      await sink.abort();
      tr.stop("failed", null);
      errors.show(box, err, "file");
    }
  }
}

// ───────────────────────────── zip preview ─────────────────────────────

async function previewZip() {
  const chosen = selectedEntries();
  if (!chosen.length || state.busy) return;
  const box = $("preview-error");
  errors.clear(box);
  errors.clear($("browser-error"));
  note(null);
  const card = $("preview");
  card.hidden = false;
  const tbody = $("pv-rows");
  tbody.replaceChildren();
  state.preview = [];
  showEntry(null);
  setBusy(true);
  const tr = new Transfer({ title: () => t("trPreview"), onIdle: () => setBusy(false), origin: $("ex-preview") });
  const status = $("pv-status");
  card.dataset.state = "running";
  let count = 0;
  let received = 0;
  let shown = false;
  const figures = () => ({ n: count, loaded: fmt.size(received) });
  try {
    const stream = await state.client.downloadZip(chosen.map((e) => e.path), {
      signal: tr.signal,
      onProgress: (p) => {
        received = p.loaded;
        tr.progress(p.loaded, p.total);
      },
    });
    for await (const entry of unzip(stream, { signal: tr.signal })) {
      count++;
      const rec = { name: entry.name, dir: entry.is_dir, date: entry.last_modified, size: 0, text: null, cut: false };
      let row = null;
      if (count <= PREVIEW_ROWS) {
        row = addPreviewRow(rec);
        tbody.append(row);
        state.preview.push({ rec, row });
      }
      if (!rec.dir) {
        const textLike = TEXT_EXT.test(rec.name);
        const kept = [];
        let keptBytes = 0;
        const reader = entry.stream().getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          rec.size += value.byteLength;
          if (textLike && keptBytes < PREVIEW_MAX) {
            const part = value.subarray(0, PREVIEW_MAX - keptBytes);
            kept.push(part.slice());
            keptBytes += part.byteLength;
          }
        }
        if (textLike) {
          rec.text = new TextDecoder("utf-8").decode(concat(kept, keptBytes));
          rec.cut = rec.size > keptBytes;
        }
      }
      entry.free?.();
      if (row) fillPreviewRow(row, rec);
      if (!shown && rec.text !== null) {
        shown = true;
        showEntry(rec, row);
      }
      live(status, () => t("previewRunning", figures()));
    }
    live(status, () => t("previewDone", figures()));
    card.dataset.state = "done";
    card.dataset.entries = String(count);
    tr.finish(() => t("previewDone", figures()));
  } catch (err) {
    card.dataset.state = "failed";
    if (tr.cancelled) tr.stop("cancelled", cancelledText(received));
    else {
      tr.stop("failed", null);
      errors.show(box, err, "preview");
    }
  }
}

function concat(parts, n) {
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function addPreviewRow(rec) {
  const tr = document.createElement("tr");
  tr.dataset.name = rec.name;
  const name = document.createElement("td");
  name.className = "name";
  name.setAttribute("translate", "no");
  name.textContent = rec.name;
  const size = document.createElement("td");
  size.className = "num";
  size.textContent = rec.dir ? t("folder") : "…";
  const date = document.createElement("td");
  date.className = "date";
  date.textContent = fmt.dateTime(rec.date);
  tr.append(name, size, date);
  return tr;
}

/** Fills (or, after a language switch, re-labels) a preview row once its entry has been read. */
function fillPreviewRow(row, rec, relabel = false) {
  if (relabel) {
    row.cells[2].textContent = fmt.dateTime(rec.date);
    if (rec.dir) row.cells[1].textContent = t("folder");
  }
  if (!rec.dir) row.cells[1].textContent = fmt.size(rec.size);
  if (rec.text !== null) {
    const existing = row.cells[0].querySelector("button");
    const b = existing ?? document.createElement("button");
    b.setAttribute("aria-label", t("view", { name: rec.name }));
    if (existing) return;
    b.type = "button";
    b.className = "link";
    b.textContent = rec.name;
    b.addEventListener("click", () => showEntry(rec, row));
    row.cells[0].replaceChildren(b);
  }
}

function showEntry(rec, row) {
  for (const r of document.querySelectorAll("#pv-rows tr.current")) r.classList.remove("current");
  const title = $("pv-name");
  const body = $("pv-content");
  if (!rec) {
    live(title, () => t("viewerEmpty"));
    body.replaceChildren();
    delete body.dataset.entry;
    return;
  }
  row?.classList.add("current");
  live(title, () => (rec.cut ? `${rec.name} ${t("previewCut", { max: fmt.size(PREVIEW_MAX) })}` : rec.name));
  body.dataset.entry = rec.name;
  body.replaceChildren(renderText(rec.name, rec.text));
}

// ───────────────────────────── upload ─────────────────────────────

function setupDrop() {
  const drop = $("drop");
  const input = $("drop-input");
  // On touch screens there is no Enter key to speak of.
  if (matchMedia("(pointer: coarse)").matches) {
    $("drop-help").dataset.i18n = "dropHelpTouch";
    $("drop-help").textContent = t("dropHelpTouch");
  }
  const open = () => {
    if (!state.busy) input.click();
  };
  drop.addEventListener("click", open);
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open();
    }
  });
  input.addEventListener("change", () => {
    if (input.files?.length) upload([...input.files]);
    input.value = "";
  });
  for (const ev of ["dragenter", "dragover"]) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const ev of ["dragleave", "dragend"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) upload(files);
  });
}

/** What `dir` holds now, by name (a fresh listing; the one on screen may be stale). */
async function namesIn(dir) {
  try {
    const entries = await state.client.listDir(dir);
    return new Map(entries.map((e) => [e.name, e]));
  } catch {
    return dir === state.cwd ? new Map(state.entries.map((e) => [e.name, e])) : new Map();
  }
}

/** Asks before replacing existing files; resolves with the files to send (maybe fewer, maybe none). */
async function confirmOverwrite(files, dir) {
  const existing = await namesIn(dir);
  const clashes = files.filter((f) => existing.get(f.name)?.type === "file");
  if (!clashes.length) return files;
  const others = files.filter((f) => !clashes.includes(f));
  const answer = await ask({
    title: () => t("overwriteTitle"),
    body: (el) => {
      const p = document.createElement("p");
      p.textContent = t("overwriteIntro", { dir });
      el.append(
        p,
        list(clashes.map((f) => {
          const old = existing.get(f.name);
          return t("overwriteLine", {
            name: f.name,
            old: fmt.size(old.size),
            date: fmt.dateTime(old.last_modified),
            new: fmt.size(f.size),
          });
        })),
      );
    },
    ok: () => t("overwriteOk"),
    danger: true,
    alt: others.length ? () => t("overwriteSkip") : undefined,
  });
  if (!answer) return [];
  return answer.choice === "alt" ? others : files;
}

async function upload(files) {
  if (!state.client || state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  note(null);
  const dir = state.cwd;
  setBusy(true);
  files = await confirmOverwrite(files, dir);
  if (!files.length) {
    setBusy(false);
    $("drop").focus();
    return;
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  const count = files.length;
  const tr = new Transfer({
    title: () => t("trUpload", { n: count, dir }),
    onIdle: () => setBusy(false),
    origin: $("drop"),
  });
  let sent = 0;
  let failed = false;
  try {
    for (const [i, f] of files.entries()) {
      tr.progress(sent, total);
      const at = sent;
      tr.message(() =>
        t("trUploading", {
          file: f.name,
          i: i + 1,
          n: count,
          loaded: fmt.size(at),
          total: fmt.size(total),
          pct: fmt.percent(total ? at / total : 0),
        }),
      );
      await state.client.uploadFile(joinPath(dir, f.name), f, {
        mtime: new Date(f.lastModified || Date.now()),
        signal: tr.signal,
      });
      sent += f.size;
    }
    tr.finish(() => t("trUploadDone", { n: count, total: fmt.size(total) }));
  } catch (err) {
    failed = true;
    if (tr.cancelled) tr.stop("cancelled", cancelledText(sent));
    else {
      tr.stop("failed", null);
      errors.show(box, err, "upload");
    }
  }
  // The refresh shows what did arrive; it keeps the error (a refused upload must stay explained).
  if (state.cwd === dir) await navigate(dir, { keep: true });
  if (failed && !box.hidden) box.scrollIntoView?.({ block: "nearest" });
}

// ───────────────────────────── file management ─────────────────────────────

/** A single name typed by the user: no "/", not "." or "..". Returns an i18n key or null. */
function checkName(v) {
  const name = v.trim();
  if (!name) return "nameEmpty";
  if (name.includes("/") || name === "." || name === "..") return "nameBad";
  return null;
}

/** Runs a file operation: errors verbatim in the alert box, a note and a refresh on success. */
async function operate(op, work, done, focusPath) {
  const box = $("browser-error");
  errors.clear(box);
  note(null);
  setBusy(true);
  let ok = false;
  try {
    await work();
    ok = true;
  } catch (err) {
    errors.show(box, err, op);
  }
  setBusy(false);
  await navigate(state.cwd, { keep: true });
  if (ok) note(done);
  else box.scrollIntoView?.({ block: "nearest" });
  // The button that started it was disabled meanwhile (focus fell to the page): the new or moved
  // entry when there is one, else that button, else the message.
  if (ok && focusPath && focusEntry(focusPath)) return;
  const button = $(`ex-${op === "move" ? "rename" : op}`);
  if (button && !button.disabled) button.focus();
  else (ok ? $("ex-note") : box).focus();
}

async function mkdir() {
  if (!state.client || state.busy) return;
  const dir = state.cwd;
  const answer = await ask({
    title: () => t("mkdirTitle", { dir }),
    body: () => {},
    ok: () => t("mkdirOk"),
    input: { label: () => t("mkdirLabel"), value: "", check: checkName },
  });
  if (!answer) return;
  const name = answer.value.trim();
  const path = joinPath(dir, name);
  await operate("mkdir", () => state.client.mkdir(path), () => t("mkdirDone", { name }), path);
}

/** Where a typed target points: a bare name stays in the folder of `from`; a path is absolute. */
function targetOf(from, typed) {
  const v = typed.trim();
  return v.startsWith("/") ? normalise(v) : joinPath(parentOf(from), v);
}

/** Asks before an operation replaces an existing file at `to`; true to go on. */
async function confirmTarget(to) {
  const existing = await namesIn(parentOf(to));
  const hit = existing.get(baseName(to));
  if (!hit || hit.type !== "file") return true;
  const answer = await ask({
    title: () => t("overwriteTargetTitle", { name: baseName(to) }),
    body: (el) => {
      const p = document.createElement("p");
      p.textContent = t("overwriteTarget", { to, size: fmt.size(hit.size) });
      el.append(p);
    },
    ok: () => t("overwriteOk"),
    danger: true,
  });
  return Boolean(answer);
}

async function rename() {
  const [entry] = selectedEntries();
  if (!entry || state.busy) return;
  const stem = entry.name.lastIndexOf(".") > 0 && entry.type !== "dir" ? entry.name.lastIndexOf(".") : entry.name.length;
  const answer = await ask({
    title: () => t("renameTitle", { name: entry.name }),
    body: () => {},
    ok: () => t("renameOk"),
    input: {
      label: () => t("renameLabel"),
      value: entry.name,
      select: [0, stem],
      check: (v) => {
        if (!v.trim()) return "nameEmpty";
        if (!v.trim().startsWith("/") && checkName(v)) return "nameBad";
        return targetOf(entry.path, v) === normalise(entry.path) ? "pathSame" : null;
      },
    },
  });
  if (!answer) return;
  const to = targetOf(entry.path, answer.value);
  if (!(await confirmTarget(to))) return;
  await operate("move", () => state.client.move(entry.path, to), () => t("renameDone", { from: entry.name, to }), to);
}

function copyName(name) {
  const dot = name.lastIndexOf(".");
  const suffix = ` (${t("copySuffix")})`;
  return dot > 0 ? `${name.slice(0, dot)}${suffix}${name.slice(dot)}` : `${name}${suffix}`;
}

async function copy() {
  const chosen = selectedEntries();
  if (!chosen.length || state.busy) return;
  const one = chosen.length === 1 ? chosen[0] : null;
  const answer = await ask({
    title: () => (one ? t("copyTitle", { name: one.name }) : t("copyTitleMany", { n: chosen.length })),
    body: (el) => {
      if (!one) el.append(list(chosen.map((e) => e.name)));
    },
    ok: () => t("copyOk"),
    input: {
      label: () => t(one ? "copyLabelOne" : "copyLabelMany"),
      value: one ? joinPath(state.cwd, copyName(one.name)) : state.cwd,
      check: (v) => (!v.trim() ? "nameEmpty" : null),
    },
  });
  if (!answer) return;
  const pairs = one
    ? [[one.path, targetOf(one.path, answer.value)]]
    : chosen.map((e) => [e.path, joinPath(normalise(answer.value), e.name)]);
  if (pairs.some(([from, to]) => normalise(from) === to)) {
    errors.showText($("browser-error"), "pathSame");
    return;
  }
  if (one && !(await confirmTarget(pairs[0][1]))) return;
  const to = one ? pairs[0][1] : normalise(answer.value);
  await operate(
    "copy",
    async () => {
      for (const [from, dest] of pairs) await state.client.copy(from, dest);
    },
    () => t("copyDone", { n: pairs.length, to }),
    one ? pairs[0][1] : null,
  );
}

async function remove() {
  const chosen = selectedEntries();
  if (!chosen.length || state.busy) return;
  const answer = await ask({
    title: () => t("deleteTitle"),
    body: (el) => {
      const p = document.createElement("p");
      p.textContent = t("deleteIntro");
      el.append(p, list(chosen.map((e) => t(e.type === "dir" ? "deleteDir" : "deleteFile", { name: e.name }))));
    },
    ok: () => t("deleteOk", { n: chosen.length }),
    danger: true,
  });
  if (!answer) return;
  const n = chosen.length;
  await operate(
    "delete",
    async () => {
      for (const e of chosen) {
        if (e.type === "dir") await state.client.deleteDir(e.path);
        else await state.client.deleteFile(e.path);
      }
    },
    () => t("deleteDone", { n }),
    null,
  );
}
