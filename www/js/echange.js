// The Échange panel: sign-in with live token expiry, folder browser, zip download / preview,
// single-file download with resume, drag-and-drop upload.
import { EchangeClient, unzip } from "passerelle/web";
import { t, onLangChange } from "./i18n.js";
import * as fmt from "./format.js";
import * as errors from "./errors.js";
import { Transfer } from "./transfer.js";
import { BLOB_MAX, openSink, resolveMode, pickerAvailable } from "./save.js";
import { renderText } from "./viewer.js";

const $ = (id) => document.getElementById(id);

/** Bytes of each text entry kept for the viewer. */
const PREVIEW_MAX = 256 * 1024;
/** Rows shown in the preview table (the archive is still read to its end). */
const PREVIEW_ROWS = 5000;
const TEXT_EXT = /\.(csv|tsv|txt|xml|json|md|log|ini|cfg|html?|yml|yaml)$/i;

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
  $("ex-logout").addEventListener("click", logout);
  $("ex-reload").addEventListener("click", () => navigate(state.cwd));
  $("sel-all").addEventListener("change", (e) => {
    state.selected = e.target.checked ? new Set(state.entries.filter(selectable).map((x) => x.path)) : new Set();
    renderRows();
  });
  for (const b of document.querySelectorAll("button.sort")) {
    b.addEventListener("click", () => {
      const key = b.dataset.key;
      state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: 1 };
      renderRows();
    });
  }
  $("ex-zip").addEventListener("click", downloadZip);
  $("ex-preview").addEventListener("click", previewZip);
  $("ex-file").addEventListener("click", () => {
    const entry = selectedEntries().find((x) => x.type !== "dir");
    if (entry) downloadFile(entry);
  });
  $("ex-save").addEventListener("change", renderSaveHelp);
  setupDrop();
  renderSaveHelp();
  setInterval(renderToken, 1000);
  onLangChange(() => {
    renderSaveHelp();
    renderToken();
    if (state.client) {
      renderCrumbs();
      renderRows();
    }
  });
}

// ───────────────────────────── sign-in ─────────────────────────────

async function login() {
  const box = $("ex-error");
  errors.clear(box);
  const baseUrl = $("ex-base").value.trim();
  const username = $("ex-user").value.trim();
  const password = $("ex-pass").value;
  const otp = $("ex-otp").value.trim();
  if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) return errors.showText(box, t("badUrl"));
  if (!username || !password) return errors.showText(box, t("fillAll"));
  dropClient();
  $("ex-login").disabled = true;
  $("ex-token").textContent = t("connecting");
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
    renderToken();
    await navigate("/");
  } catch (err) {
    client.free();
    $("ex-token").textContent = "";
    errors.show(box, err, "login");
  } finally {
    $("ex-login").disabled = false;
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
  $("ex-token").textContent = t("loggedOut");
}

function dropClient() {
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
  state.selected.clear();
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
  const left = state.expiresAt.getTime() - Date.now();
  el.textContent = `${t("connectedAs", { user: state.user })} ${
    left > 0
      ? t("tokenExpires", { left: fmt.duration(left), at: fmt.timeOfDay(state.expiresAt) })
      : t("tokenExpired")
  }`;
  el.dataset.expiresAt = state.expiresAt.toISOString();
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

export async function navigate(path) {
  if (!state.client) return;
  const box = $("browser-error");
  errors.clear(box);
  const gen = ++state.listing;
  $("browser").setAttribute("aria-busy", "true");
  try {
    const entries = await state.client.listDir(path);
    if (gen !== state.listing) return;
    state.cwd = normalise(path);
    state.entries = entries;
    state.selected.clear();
    renderCrumbs();
    renderRows();
    syncToken();
  } catch (err) {
    if (gen === state.listing) errors.show(box, err, "list");
  } finally {
    if (gen === state.listing) $("browser").removeAttribute("aria-busy");
  }
}

function normalise(path) {
  const parts = String(path).split("/").filter(Boolean);
  return "/" + parts.join("/");
}

function joinPath(dir, name) {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
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
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = item.label;
        b.addEventListener("click", () => openFolder(item.path));
        li.append(b);
      }
      return li;
    }),
  );
}

function sorted(entries) {
  const { key, dir } = state.sort;
  const val = (e) => (key === "size" ? e.size ?? -1 : key === "date" ? Date.parse(e.last_modified) || 0 : 0);
  return [...entries].sort((a, b) => {
    const da = a.type === "dir" ? 0 : 1;
    const db = b.type === "dir" ? 0 : 1;
    if (da !== db) return da - db; // folders first, whatever the order
    const c = key === "name" ? fmt.compareNames(a.name, b.name) : val(a) - val(b);
    return (c || fmt.compareNames(a.name, b.name)) * dir;
  });
}

function renderRows() {
  const tbody = $("rows");
  const list = sorted(state.entries);
  tbody.replaceChildren(
    ...list.map((e) => {
      const tr = document.createElement("tr");
      tr.dataset.path = e.path;
      tr.dataset.type = e.type;
      if (state.selected.has(e.path)) tr.classList.add("selected");
      const sel = document.createElement("td");
      sel.className = "sel";
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.checked = state.selected.has(e.path);
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
      if (e.type === "dir") {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link folder";
        b.textContent = e.name;
        b.addEventListener("click", () => openFolder(e.path));
        name.append(b);
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
      if (typeof e.size === "number") size.title = `${e.size.toLocaleString()} B`;
      const date = document.createElement("td");
      date.className = "date";
      const time = document.createElement("time");
      time.dateTime = e.last_modified;
      time.textContent = fmt.dateTime(e.last_modified);
      date.append(time);
      tr.append(sel, name, size, date);
      return tr;
    }),
  );
  $("empty").hidden = list.length > 0;
  for (const th of document.querySelectorAll("#listing th[data-key]")) {
    const on = th.dataset.key === state.sort.key;
    th.setAttribute("aria-sort", on ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
    th.querySelector(".arrow").textContent = on ? (state.sort.dir > 0 ? "▲" : "▼") : "";
  }
  renderSelection();
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
}

function setBusy(busy) {
  state.busy = busy;
  renderSelection();
  $("drop").setAttribute("aria-disabled", String(busy));
}

function renderSaveHelp() {
  const choice = $("ex-save").value;
  const mode = resolveMode(choice);
  const help = $("ex-save-help");
  if (mode === "picker") help.textContent = t("saveHelpPicker");
  else if (mode === "unavailable") help.textContent = t("pickerMissing");
  else help.textContent = t(choice === "blob" && pickerAvailable() ? "saveHelpForcedBlob" : "saveHelpBlob", { max: fmt.size(BLOB_MAX) });
}

// ───────────────────────────── downloads ─────────────────────────────

/** Opens the sink the user chose; null when nothing should happen (dialog closed, too big). */
async function chooseSink(name, type, estimate, box) {
  const mode = resolveMode($("ex-save").value);
  if (mode === "unavailable") {
    errors.showText(box, t("pickerMissing"));
    return null;
  }
  if (mode === "blob" && typeof estimate === "number" && estimate > BLOB_MAX) {
    errors.showText(box, t("tooBigForBlob", { size: fmt.size(estimate), max: fmt.size(BLOB_MAX) }));
    return null;
  }
  try {
    return await openSink(mode, name, type);
  } catch (err) {
    errors.show(box, err, "save");
    return null;
  }
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

async function downloadZip() {
  const chosen = selectedEntries();
  if (!chosen.length || state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  const name = zipName(chosen);
  const mode = resolveMode($("ex-save").value);
  // The file dialog must open straight from the click; the size estimate comes after.
  let sink = mode === "picker" ? await chooseSink(name, "application/zip", undefined, box) : null;
  if (mode === "picker" && !sink) return;
  setBusy(true);
  const tr = new Transfer({ title: t("trZip", { n: chosen.length, file: name }), onIdle: () => setBusy(false) });
  tr.message(t("trEstimating"));
  let total;
  try {
    total = await estimate(chosen, tr.signal);
  } catch (err) {
    if (tr.cancelled) {
      await sink?.abort();
      return tr.stop("cancelled", t("trCancelled", { loaded: fmt.size(0) }));
    }
    total = undefined; // unknown size: bytes and speed only
  }
  if (!sink) {
    sink = await chooseSink(name, "application/zip", total, box);
    if (!sink) return tr.stop("failed", "");
  }
  try {
    const stream = await state.client.downloadZip(chosen.map((e) => e.path), {
      signal: tr.signal,
      onProgress: (p) => tr.progress(p.loaded, p.total ?? total, p.total === undefined),
    });
    await pump(stream, sink);
    await sink.close();
    const secs = ((performance.now() - tr.started) / 1000).toFixed(1);
    tr.finish(
      mode === "picker"
        ? t("trSaved", { loaded: fmt.size(sink.written), file: sink.name })
        : t("trDone", { loaded: fmt.size(sink.written), secs }),
    );
    $("transfer").dataset.bytes = String(sink.written);
    syncToken();
  } catch (err) {
    await sink.abort();
    if (tr.cancelled) tr.stop("cancelled", t("trCancelled", { loaded: fmt.size(sink.written) }));
    else {
      tr.stop("failed", "");
      errors.show(box, err, "zip");
    }
  }
}

async function downloadFile(entry) {
  if (state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  const sink = await chooseSink(entry.name, "application/octet-stream", entry.size, box);
  if (!sink) return;
  runFile(entry, sink);
}

/** Downloads (the rest of) `entry` into `sink`; an interruption offers to resume at sink.written. */
async function runFile(entry, sink) {
  const box = $("browser-error");
  errors.clear(box);
  setBusy(true);
  const tr = new Transfer({ title: t("trFile", { file: entry.name }), pausable: true, onIdle: () => setBusy(false) });
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
    tr.finish(t("trSaved", { loaded: fmt.size(sink.written), file: sink.name }));
    $("transfer").dataset.bytes = String(sink.written);
    syncToken();
  } catch (err) {
    const figures = { loaded: fmt.size(sink.written), total: fmt.size(total) };
    const resume = () => runFile(entry, sink);
    if (tr.paused && !tr.cancelled) {
      tr.onSuspendCancel = () => sink.abort();
      tr.suspend("paused", t("trPaused", figures), resume);
    } else if (tr.cancelled) {
      await sink.abort();
      tr.stop("cancelled", t("trCancelled", figures));
    } else if (["truncated", "network", "timeout", "server", "unauthorized"].includes(err?.code)) {
      errors.show(box, err, "file");
      tr.onSuspendCancel = () => sink.abort();
      tr.suspend("interrupted", t("trFailedResume", figures), resume);
    } else {
      await sink.abort();
      tr.stop("failed", "");
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
  const card = $("preview");
  card.hidden = false;
  const tbody = $("pv-rows");
  tbody.replaceChildren();
  showEntry(null);
  setBusy(true);
  const tr = new Transfer({ title: t("trPreview"), onIdle: () => setBusy(false) });
  const status = $("pv-status");
  card.dataset.state = "running";
  let count = 0;
  let received = 0;
  let shown = false;
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
      status.textContent = t("previewRunning", { n: count, loaded: fmt.size(received) });
    }
    status.textContent = t("previewDone", { n: count, loaded: fmt.size(received) });
    card.dataset.state = "done";
    card.dataset.entries = String(count);
    tr.finish(t("previewDone", { n: count, loaded: fmt.size(received) }));
  } catch (err) {
    card.dataset.state = "failed";
    if (tr.cancelled) tr.stop("cancelled", t("trCancelled", { loaded: fmt.size(received) }));
    else {
      tr.stop("failed", "");
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

function fillPreviewRow(row, rec) {
  if (!rec.dir) row.cells[1].textContent = fmt.size(rec.size);
  if (rec.text !== null) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = rec.name;
    b.setAttribute("aria-label", t("view", { name: rec.name }));
    b.addEventListener("click", () => showEntry(rec, row));
    row.cells[0].replaceChildren(b);
  }
}

function showEntry(rec, row) {
  for (const r of document.querySelectorAll("#pv-rows tr.current")) r.classList.remove("current");
  const title = $("pv-name");
  const body = $("pv-content");
  if (!rec) {
    title.textContent = t("viewerEmpty");
    body.replaceChildren();
    delete body.dataset.entry;
    return;
  }
  row?.classList.add("current");
  title.textContent = rec.cut ? `${rec.name} ${t("previewCut", { max: fmt.size(PREVIEW_MAX) })}` : rec.name;
  body.dataset.entry = rec.name;
  body.replaceChildren(renderText(rec.name, rec.text));
}

// ───────────────────────────── upload ─────────────────────────────

function setupDrop() {
  const drop = $("drop");
  const input = $("drop-input");
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

async function upload(files) {
  if (!state.client || state.busy) return;
  const box = $("browser-error");
  errors.clear(box);
  const dir = state.cwd;
  const total = files.reduce((n, f) => n + f.size, 0);
  setBusy(true);
  const tr = new Transfer({ title: t("trUpload", { n: files.length, dir }), onIdle: () => setBusy(false) });
  let sent = 0;
  try {
    for (const [i, f] of files.entries()) {
      tr.progress(sent, total);
      tr.message(
        t("trUploading", {
          file: f.name,
          i: i + 1,
          n: files.length,
          loaded: fmt.size(sent),
          total: fmt.size(total),
          pct: fmt.percent(total ? sent / total : 0),
        }),
      );
      await state.client.uploadFile(joinPath(dir, f.name), f, {
        mtime: new Date(f.lastModified || Date.now()),
        signal: tr.signal,
      });
      sent += f.size;
    }
    tr.finish(t("trUploadDone", { n: files.length, total: fmt.size(total) }));
  } catch (err) {
    if (tr.cancelled) tr.stop("cancelled", t("trCancelled", { loaded: fmt.size(sent) }));
    else {
      tr.stop("failed", "");
      errors.show(box, err, "upload");
    }
  }
  if (state.cwd === dir) await navigate(dir);
}
