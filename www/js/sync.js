// "Synchroniser dans un dossier / Sync to a folder": keeps a local copy of an Échange folder with
// the library's mirror (`client.mirror(remote, folderHandle, options)`). The folder is one the
// user picks (`showDirectoryPicker()`, where the browser has it) or a folder of the origin
// private file system (`navigator.storage.getDirectory()`). "Voir le plan" is a dry run (counts
// and the lists of files to fetch / unchanged / skipped with the reason); "Synchroniser" runs it
// with a progress bar (files and bytes, current file) and Cancel (an AbortSignal), then shows the
// summary. The mirror keeps its manifest in the folder: the next run fetches only what is new or
// changed, and a cancelled run resumes without fetching completed files again.
import { t, live, getLang } from "./i18n.js";
import * as fmt from "./format.js";
import * as errors from "./errors.js";

const $ = (id) => document.getElementById(id);

/** Paths shown per list (the counts are always complete; a folder may hold thousands of files). */
const LIST_MAX = 500;
/** The progress text is repainted at most this often (ms); the bar and data attributes always. */
const PAINT_MS = 100;

const state = {
  client: null,
  cwd: "/",
  remoteEdited: false,
  picked: null, // FileSystemDirectoryHandle from showDirectoryPicker()
  run: null, // { controller, dryRun } while a plan or a run is in progress
};

const pickerAvailable = () => typeof window.showDirectoryPicker === "function";
const opfsAvailable = () => typeof navigator.storage?.getDirectory === "function";

export function setup() {
  const remote = $("sync-remote");
  remote.value = state.cwd;
  remote.addEventListener("input", () => {
    state.remoteEdited = remote.value.trim() !== "";
  });
  const picker = $("sync-kind-picker");
  const opfs = $("sync-kind-opfs");
  picker.disabled = !pickerAvailable();
  opfs.disabled = !opfsAvailable();
  (pickerAvailable() ? picker : opfs).checked = true;
  for (const r of [picker, opfs]) r.addEventListener("change", renderKind);
  $("sync-pick").addEventListener("click", pick);
  $("sync-form").addEventListener("submit", (e) => {
    e.preventDefault();
    start(true, $("sync-plan"));
  });
  $("sync-run").addEventListener("click", () => start(false, $("sync-run")));
  $("sync-cancel").addEventListener("click", cancel);
  $("sync").dataset.state = "idle";
  $("sync-plan").disabled = false;
  $("sync-run").disabled = false;
  renderKind();
}

/** Signed in (a client) or out (null): shows or hides the card; signing out cancels a run. */
export function attach(client) {
  if (!client) cancel();
  state.client = client;
  $("sync").hidden = !client;
  if (!client) {
    errors.clear($("sync-error"));
    $("sync-progress").hidden = true;
    $("sync-result").hidden = true;
    live($("sync-live"), null);
  }
}

/** The folder shown in the file browser: the default remote folder until the user types one. */
export function folderShown(path) {
  state.cwd = path;
  if (!state.remoteEdited) $("sync-remote").value = path;
}

function kind() {
  return $("sync-kind-picker").checked ? "picker" : "opfs";
}

function renderKind() {
  const k = kind();
  const running = Boolean(state.run);
  $("sync-pick").disabled = running || k !== "picker" || !pickerAvailable();
  $("sync-opfs-name").disabled = running || k !== "opfs";
  live($("sync-picker-help"), () => (pickerAvailable() ? t("syncPickerHelp") : t("syncPickerMissing")));
  const picked = state.picked;
  live($("sync-picked"), () => (picked ? t("syncPicked", { name: picked.name }) : k === "picker" && pickerAvailable() ? t("syncNotPicked") : ""));
}

async function pick() {
  if (state.run || !pickerAvailable()) return;
  const box = $("sync-error");
  errors.clear(box);
  try {
    // `id`: the browser reopens the dialog where this page's folder was last chosen.
    state.picked = await window.showDirectoryPicker({ id: "passerelle-mirror", mode: "readwrite" });
  } catch (err) {
    if (err?.name !== "AbortError") errors.show(box, err, "syncPick");
  }
  renderKind();
}

function normalise(path) {
  const parts = String(path).split("/").filter(Boolean);
  return "/" + parts.join("/");
}

/** A folder name typed by the user (OPFS): one segment, not "." or "..". Null if refused. */
function folderName(v) {
  const name = v.trim();
  if (!name || name === "." || name === ".." || /[/\\\u0000-\u001f]/.test(name)) return null;
  return name;
}

/**
 * The chosen folder as { handle, label } (label: a function, for the language switch), or null
 * after showing why not. The picked folder's write permission is asked for again if the browser
 * has dropped it (a click is a user gesture, which that request needs).
 */
async function destination(box) {
  if (kind() === "picker") {
    const handle = state.picked;
    if (!handle) {
      errors.showText(box, "syncNoFolder");
      $("sync-pick").focus();
      return null;
    }
    if (typeof handle.queryPermission === "function") {
      let perm = await handle.queryPermission({ mode: "readwrite" });
      if (perm !== "granted" && typeof handle.requestPermission === "function") {
        perm = await handle.requestPermission({ mode: "readwrite" });
      }
      if (perm !== "granted") {
        errors.showText(box, "syncDenied", { name: handle.name });
        return null;
      }
    }
    return { handle, label: () => t("syncDestPicked", { name: handle.name }) };
  }
  const name = folderName($("sync-opfs-name").value);
  if (!name) {
    errors.showText(box, "syncBadName");
    $("sync-opfs-name").focus();
    return null;
  }
  const root = await navigator.storage.getDirectory();
  const handle = await root.getDirectoryHandle(name, { create: true });
  return { handle, label: () => t("syncDestOpfs", { name }) };
}

function setRunning(on) {
  for (const id of ["sync-plan", "sync-run", "sync-remote", "sync-kind-picker", "sync-kind-opfs", "sync-delete"]) {
    const el = $(id);
    if (on) el.disabled = true;
    else el.disabled = (id === "sync-kind-picker" && !pickerAvailable()) || (id === "sync-kind-opfs" && !opfsAvailable());
  }
  $("sync").setAttribute("aria-busy", String(on));
  if (!on) $("sync").removeAttribute("aria-busy");
  renderKind();
}

function cancel() {
  state.run?.controller.abort();
}

/**
 * A plan (dry run) or a run. `origin`: the button that started it (focus returns there).
 */
async function start(dryRun, origin) {
  if (state.run || !state.client) return;
  const box = $("sync-error");
  errors.clear(box);
  const card = $("sync");
  // Set before the first await: a second click is ignored, and the state is never stale.
  const controller = new AbortController();
  state.run = { controller, dryRun };
  card.dataset.state = dryRun ? "planning" : "running";
  const remote = normalise($("sync-remote").value || state.cwd);
  let dest = null;
  try {
    if (!opfsAvailable() && !pickerAvailable()) errors.showText(box, "syncNoFs");
    else dest = await destination(box);
  } catch (err) {
    errors.show(box, err, "syncPick");
  }
  if (!dest) {
    state.run = null;
    card.dataset.state = "idle";
    return;
  }
  setRunning(true);
  $("sync-result").hidden = true;
  const progress = new Progress(dryRun, remote, dest.label);
  const began = performance.now();
  let plan = null;
  const fetchedNow = [];
  try {
    const summary = await state.client.mirror(remote, dest.handle, {
      dryRun,
      delete: $("sync-delete").checked,
      signal: controller.signal,
      onPlan: (p) => {
        plan = p;
        progress.planned(p);
      },
      onProgress: (p) => progress.update(p),
      onFile: (e) => {
        if (e.action === "fetched") fetchedNow.push(e.path);
      },
    });
    const secs = (performance.now() - began) / 1000;
    const result = dryRun ? planResult(remote, dest.label, plan) : runResult(remote, dest.label, summary, plan, secs);
    card.dataset.state = dryRun ? "planned" : summary.failed.length ? "done-with-failures" : "done";
    progress.end(result);
    renderResult(result);
  } catch (err) {
    if (controller.signal.aborted && (errors.isAbort(err) || err?.code === "aborted")) {
      card.dataset.state = "cancelled";
      const result = cancelledResult(remote, dest.label, plan, fetchedNow, dryRun);
      progress.end(result);
      renderResult(result);
    } else {
      card.dataset.state = "failed";
      progress.fail(dryRun);
      errors.show(box, err, dryRun ? "syncPlan" : "sync", err?.code === "conflict" ? ["syncConflict"] : []);
    }
  } finally {
    state.run = null;
    setRunning(false);
    // The Cancel button just disappeared: focus back where the user started.
    const active = document.activeElement;
    if (!active || active === document.body || $("sync-progress").contains(active)) {
      if (origin.isConnected && !origin.disabled) origin.focus();
    }
  }
}

/** The progress box: bar, files and bytes, current file, Cancel; announcements in a live region. */
class Progress {
  constructor(dryRun, remote, destLabel) {
    this.box = $("sync-progress");
    this.bar = $("sync-bar");
    this.text = $("sync-text");
    this.current = $("sync-current");
    this.announcer = $("sync-live");
    this.lastPaint = 0;
    this.lastTenth = -1;
    this.p = null;
    this.box.hidden = false;
    this.box.dataset.state = "running";
    delete this.box.dataset.filesDone;
    delete this.box.dataset.bytesDone;
    live($("sync-pr-title"), () =>
      t(dryRun ? "syncPlanningTitle" : "syncRunningTitle", { remote, dest: destLabel() }),
    );
    this.bar.removeAttribute("value"); // indeterminate while the remote folder is walked
    live(this.text, () => t("syncWalking", { remote }));
    live(this.current, null);
    live(this.announcer, () => t(dryRun ? "syncPlanningTitle" : "syncRunningTitle", { remote, dest: destLabel() }));
    const cancelBtn = $("sync-cancel");
    cancelBtn.hidden = false;
    cancelBtn.disabled = false;
    // One key press away from stopping it (the buttons that started it are now disabled).
    this.box.scrollIntoView?.({ block: "nearest" });
    cancelBtn.focus();
  }

  planned(plan) {
    const n = plan.fetch.length;
    const bytes = plan.bytesToFetch;
    live(this.announcer, () => t("syncPlannedLive", { n, size: fmt.size(bytes) }));
  }

  update(p) {
    this.p = p;
    const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
    this.bar.max = 100;
    this.bar.value = Math.round(Math.min(1, fraction) * 1000) / 10;
    this.box.dataset.filesDone = String(p.filesDone);
    this.box.dataset.filesTotal = String(p.filesTotal);
    this.box.dataset.bytesDone = String(p.bytesDone);
    // Screen readers hear every tenth, not every file.
    const tenth = Math.floor(Math.min(1, fraction) * 10);
    if (tenth !== this.lastTenth && tenth < 10) {
      this.lastTenth = tenth;
      const { filesDone, filesTotal } = p;
      const pct = fraction;
      live(this.announcer, () => t("syncProgressLive", { done: fmt.number(filesDone), total: fmt.number(filesTotal), pct: fmt.percent(pct) }));
    }
    const now = performance.now();
    if (now - this.lastPaint < PAINT_MS && p.filesDone < p.filesTotal) return;
    this.lastPaint = now;
    this.paint();
  }

  paint() {
    const p = this.p;
    if (!p) return;
    const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
    live(this.text, () =>
      t("syncProgress", {
        done: fmt.number(p.filesDone),
        total: fmt.number(p.filesTotal),
        loaded: fmt.size(p.bytesDone),
        bytes: fmt.size(p.bytesTotal),
        pct: fmt.percent(fraction),
      }),
    );
    const file = p.current;
    if (file) live(this.current, () => t("syncCurrent", { file }));
    else live(this.current, null);
  }

  end(result) {
    this.paint();
    $("sync-cancel").hidden = true;
    this.box.dataset.state = result.kind;
    if (result.kind === "done" || result.kind === "plan") {
      this.bar.max = 100;
      this.bar.value = 100;
    }
    live(this.current, null);
    live(this.text, () => progressEnd(result));
    live(this.announcer, () => `${headline(result)} ${countsText(result)}`);
    // A plan has nothing to show beyond the result below it.
    if (result.kind === "plan" || result.dryRun) this.box.hidden = true;
  }

  /** The error itself is in the alert box above; a failed plan leaves no progress to show. */
  fail(dryRun) {
    this.paint();
    $("sync-cancel").hidden = true;
    this.box.dataset.state = "failed";
    live(this.current, null);
    live(this.text, () => t("syncFailed"));
    live(this.announcer, null);
    if (dryRun) this.box.hidden = true;
  }
}

// ───────────────────────────── results ─────────────────────────────

function planResult(remote, dest, plan) {
  return {
    kind: "plan",
    remote,
    dest,
    fetch: plan.fetch.map((f) => ({ path: f.path, size: f.size })),
    bytes: plan.bytesToFetch,
    unchanged: plan.unchanged,
    skipped: plan.skipped,
    remove: plan.delete.map((d) => d.path),
  };
}

function runResult(remote, dest, summary, plan, secs) {
  const sizes = new Map((plan?.fetch ?? []).map((f) => [f.path, f.size]));
  return {
    kind: "done",
    remote,
    dest,
    secs,
    fetched: summary.fetched.map((path) => ({ path, size: sizes.get(path) })),
    bytes: summary.bytesFetched,
    unchanged: summary.unchanged,
    skipped: summary.skipped,
    deleted: summary.deleted,
    failed: summary.failed.map((f) => ({ path: f.path, code: f.error?.code, message: String(f.error?.message ?? f.error) })),
  };
}

function cancelledResult(remote, dest, plan, fetchedNow, dryRun) {
  const sizes = new Map((plan?.fetch ?? []).map((f) => [f.path, f.size]));
  const fetched = [...fetchedNow].sort().map((path) => ({ path, size: sizes.get(path) }));
  return {
    kind: "cancelled",
    dryRun,
    remote,
    dest,
    planned: plan ? plan.fetch.length : null,
    fetched,
    bytes: fetched.reduce((n, f) => n + (f.size ?? 0), 0),
  };
}

/** The last line of the progress box (the result below says the rest). */
function progressEnd(r) {
  if (r.kind === "done") return t("syncProgressDone", { n: fmt.number(r.fetched.length), size: fmt.size(r.bytes) });
  if (r.kind === "cancelled") return t("syncProgressCancelled", { n: fmt.number(r.fetched.length), size: fmt.size(r.bytes) });
  return headline(r);
}

const count = (x) => (Array.isArray(x) ? x.length : x);

function headline(r) {
  if (r.kind === "plan") return t("syncPlanTitle", { remote: r.remote, dest: r.dest() });
  if (r.kind === "done") return t("syncDoneTitle", { remote: r.remote, dest: r.dest(), secs: fmt.number(r.secs, 1) });
  if (r.dryRun) return t("syncPlanCancelled");
  return t("syncCancelledTitle", { n: fmt.number(r.fetched.length), of: r.planned === null ? "?" : fmt.number(r.planned) });
}

function countsText(r) {
  if (r.kind === "plan") {
    return t("syncPlanCounts", {
      fetch: fmt.number(r.fetch.length),
      size: fmt.size(r.bytes),
      unchanged: fmt.number(r.unchanged.length),
      skipped: fmt.number(r.skipped.length),
      remove: fmt.number(r.remove.length),
    });
  }
  if (r.kind === "done") {
    return t("syncDoneCounts", {
      fetched: fmt.number(r.fetched.length),
      size: fmt.size(r.bytes),
      unchanged: fmt.number(count(r.unchanged)),
      skipped: fmt.number(r.skipped.length),
      deleted: fmt.number(r.deleted.length),
      failed: fmt.number(r.failed.length),
    });
  }
  return r.dryRun ? "" : t("syncCancelledCounts", { size: fmt.size(r.bytes) });
}

/** The library's reasons are English sentences: the common ones are translated, others labelled. */
function reasonNode(reason) {
  const span = document.createElement("span");
  if (getLang() === "en") {
    span.textContent = reason;
    return span;
  }
  const known = {
    "a symbolic link (not followed)": "syncWhySymlink",
    "not a regular file": "syncWhyNotFile",
    "the listing gives no size": "syncWhyNoSize",
    "outside the requested folders": "syncWhyOutside",
  }[reason];
  if (known) {
    span.textContent = t(known);
    return span;
  }
  const unsafe = /^unsafe name: (.*)$/s.exec(reason);
  const detail = document.createElement("span");
  detail.lang = "en";
  detail.textContent = unsafe ? unsafe[1] : reason;
  span.append(unsafe ? `${t("syncWhyUnsafe")} ` : `${t("err_detail_en")} `, detail);
  return span;
}

/**
 * One disclosure per list: "<label> (count)" and the first LIST_MAX items. `key` names the list
 * (data-list, for the tests and to keep it open across a language switch).
 */
function listBlock(key, label, items, render, open) {
  if (!items.length) {
    // Nothing to disclose: the label and its zero only.
    const p = document.createElement("p");
    p.className = "sync-none";
    p.dataset.list = key;
    p.dataset.count = "0";
    p.textContent = t("syncListLabel", { label: t(label), n: fmt.number(0) });
    return p;
  }
  const d = document.createElement("details");
  d.dataset.list = key;
  d.dataset.count = String(items.length);
  if (open) d.open = true;
  const s = document.createElement("summary");
  s.textContent = t("syncListLabel", { label: t(label), n: fmt.number(items.length) });
  d.append(s);
  if (items.length) {
    const ul = document.createElement("ul");
    ul.className = "sync-list";
    for (const item of items.slice(0, LIST_MAX)) {
      const li = document.createElement("li");
      render(li, item);
      ul.append(li);
    }
    d.append(ul);
    if (items.length > LIST_MAX) {
      const more = document.createElement("p");
      more.className = "muted";
      more.textContent = t("syncMore", { n: fmt.number(items.length - LIST_MAX) });
      d.append(more);
    }
  }
  return d;
}

function pathItem(li, item) {
  const path = typeof item === "string" ? item : item.path;
  li.dataset.path = path;
  const code = document.createElement("span");
  code.className = "sync-path";
  code.setAttribute("translate", "no");
  code.textContent = path;
  li.append(code);
  if (typeof item === "object" && typeof item.size === "number") li.append(` — ${fmt.size(item.size)}`);
}

function skippedItem(li, item) {
  pathItem(li, item.path);
  li.append(" — ", reasonNode(item.reason));
}

function failedItem(li, item) {
  pathItem(li, item.path);
  const detail = document.createElement("span");
  detail.lang = "en";
  detail.textContent = item.message;
  li.append(` — ${item.code ? t("err_code", { code: item.code }) : ""} `, detail);
}

function renderResult(result) {
  const section = $("sync-result");
  section.hidden = false;
  section.dataset.kind = result.kind;
  const lists = $("sync-lists");
  const counts = {
    plan: () => ({ fetch: result.fetch.length, unchanged: result.unchanged.length, skipped: result.skipped.length, delete: result.remove.length }),
    done: () => ({ fetched: result.fetched.length, unchanged: count(result.unchanged), skipped: result.skipped.length, deleted: result.deleted.length, failed: result.failed.length }),
    cancelled: () => ({ fetched: result.fetched.length }),
  }[result.kind]();
  for (const [k, v] of Object.entries(counts)) section.dataset[k] = String(v);
  for (const k of ["fetch", "fetched", "unchanged", "skipped", "delete", "deleted", "failed"]) if (!(k in counts)) delete section.dataset[k];
  live($("sync-result-title"), () => headline(result));
  live($("sync-counts"), () => countsText(result));
  live(lists, () => {
    const open = new Set([...lists.querySelectorAll("details[open]")].map((d) => d.dataset.list));
    const blocks = [];
    if (result.kind === "plan") {
      blocks.push(listBlock("fetch", "syncListFetch", result.fetch, pathItem, open.has("fetch")));
      blocks.push(listBlock("unchanged", "syncListUnchanged", result.unchanged, pathItem, open.has("unchanged")));
      blocks.push(listBlock("skipped", "syncListSkipped", result.skipped, skippedItem, open.has("skipped")));
      if (result.remove.length) blocks.push(listBlock("delete", "syncListDelete", result.remove, pathItem, open.has("delete")));
    } else if (result.kind === "done") {
      blocks.push(listBlock("fetched", "syncListFetched", result.fetched, pathItem, open.has("fetched")));
      blocks.push(listBlock("skipped", "syncListSkipped", result.skipped, skippedItem, open.has("skipped")));
      if (result.deleted.length) blocks.push(listBlock("deleted", "syncListDeleted", result.deleted, pathItem, open.has("deleted")));
      if (result.failed.length) blocks.push(listBlock("failed", "syncListFailed", result.failed, failedItem, true));
    } else if (result.fetched.length) {
      blocks.push(listBlock("fetched", "syncListFetched", result.fetched, pathItem, open.has("fetched")));
    }
    lists.replaceChildren(...blocks);
  });
}
