// The PRE-ETAT.DATE panel: account sign-in, order form with live validateOrder messages,
// transaction card with refresh, webhook inspector.
import { PreEtatDateClient, validateOrder, parseWebhook, documentTypeLabel } from "passerelle/web";
import { t, getLang, onLangChange, live } from "./i18n.js";
import * as fmt from "./format.js";
import * as errors from "./errors.js";
import { ask } from "./dialog.js";

const $ = (id) => document.getElementById(id);

const state = {
  client: null,
  base: "",
  email: "",
  expiresAt: null,
  touched: new Set(),
  submitted: false,
  owners: 0,
  tx: null,
  webhook: null,
  pdfUrl: null,
  fakeLog: false,
  lastOrder: null, // { key, orderid, address } of the order created last (second-order check)
  busy: new Set(), // buttons whose request is running
};
let demo = null;

export function setup(config) {
  $("ped-base").value = config.ped?.baseUrl ?? "";
  state.fakeLog = Boolean(config.ped?.fakeLog);
  demo = config.ped?.demo ?? null;
  $("ped-demo-fill").hidden = !demo;
  $("ped-demo-fill").addEventListener("click", () => {
    $("ped-key").value = demo.apiKey;
    $("ped-email").value = demo.email;
    $("ped-pass").value = demo.password;
    $("ped-login").focus();
  });
  $("ped-form").addEventListener("submit", (e) => {
    e.preventDefault();
    login();
  });
  $("ped-login").disabled = false;
  $("order-submit").disabled = false;

  const form = $("order-form");
  for (const label of form.querySelectorAll(".grid-form > label")) wrapField(label);
  addOwner();
  $("owner-add").addEventListener("click", () => {
    addOwner();
    form.querySelector(`[data-path="owners[${state.owners - 1}].firstname"]`)?.focus();
    validate();
  });
  form.addEventListener("input", (e) => {
    const path = e.target?.dataset?.path;
    if (path) state.touched.add(path);
    validate();
  });
  form.addEventListener("focusout", (e) => {
    const path = e.target?.dataset?.path;
    if (path && e.target.value !== "") {
      state.touched.add(path);
      validate();
    }
  });
  form.querySelector('[data-path="method"]').addEventListener("change", () => {
    syncMethod();
    markRequired();
    validate();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  syncMethod();
  markRequired();
  $("tx-refresh").addEventListener("click", refresh);
  $("wh-send").addEventListener("click", sendWebhook);
  $("wh-parse").addEventListener("click", inspect);
  setInterval(renderToken, 1000);
  onLangChange(() => {
    const note = $("wh-note");
    if (note.dataset.key) note.textContent = t(note.dataset.key);
    renumberOwners();
    validate();
    markRequired();
    renderToken();
    if (state.tx) renderTx(state.tx);
    if (state.webhook) renderWebhook(state.webhook);
  });
}

// ───────────────────────────── sign-in ─────────────────────────────

async function login() {
  const box = $("ped-error");
  errors.clear(box);
  const baseUrl = $("ped-base").value.trim();
  const apiKey = $("ped-key").value.trim();
  const email = $("ped-email").value.trim();
  const password = $("ped-pass").value;
  if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) return errors.showText(box, "badUrl");
  if (!apiKey || !email || !password) return errors.showText(box, "pedFillAll");
  if (!busy($("ped-login"), true)) return;
  live($("ped-token"), () => t("connecting"));
  const client = new PreEtatDateClient({ baseUrl, apiKey, email, password });
  try {
    const { access_token } = await client.authenticate();
    state.client?.free();
    state.client = client;
    state.base = baseUrl.replace(/\/+$/, "");
    state.email = email;
    state.expiresAt = jwtExpiry(access_token);
    renderToken();
  } catch (err) {
    client.free();
    live($("ped-token"), null);
    errors.show(box, err, "ped_login");
  } finally {
    busy($("ped-login"), false);
  }
}

/**
 * Marks a button as working (aria-disabled; a disabled button would drop the keyboard focus to
 * the page) and refuses a second press meanwhile. Returns false when it was already busy.
 */
function busy(btn, on) {
  if (on) {
    if (state.busy.has(btn)) return false;
    state.busy.add(btn);
    btn.setAttribute("aria-disabled", "true");
  } else {
    state.busy.delete(btn);
    btn.removeAttribute("aria-disabled");
  }
  return true;
}

/** The `exp` claim of a JWT, read locally for display (the token itself is never shown). */
function jwtExpiry(token) {
  try {
    const part = String(token).split(".")[1] ?? "";
    const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
    return typeof json.exp === "number" ? new Date(json.exp * 1000) : null;
  } catch {
    return null;
  }
}

function renderToken() {
  if (!state.client) return;
  const at = state.expiresAt;
  const email = state.email;
  live($("ped-token"), () => {
    const left = at ? at.getTime() - Date.now() : 0;
    return at && left > 0 ? t("pedConnected", { email, left: fmt.duration(left) }) : t("pedConnectedNoExp", { email });
  });
}

// ───────────────────────────── order form ─────────────────────────────

function addOwner() {
  const i = state.owners++;
  const wrap = document.createElement("div");
  wrap.className = "owner grid-form";
  wrap.dataset.index = String(i);
  const h = document.createElement("p");
  h.className = "owner-title";
  const fields = [
    ["firstname", "firstname"],
    ["lastname", "lastname"],
  ].map(([field, key]) => {
    const label = document.createElement("label");
    const span = document.createElement("span");
    span.dataset.i18n = key;
    span.textContent = t(key);
    const input = document.createElement("input");
    input.dataset.path = `owners[${i}].${field}`;
    input.autocomplete = "off";
    label.append(span, input);
    return label;
  });
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "small link remove";
  remove.dataset.i18n = "ownerRemove";
  remove.textContent = t("ownerRemove");
  remove.addEventListener("click", () => {
    wrap.remove();
    renumberOwners();
    validate();
    $("owner-add").focus();
  });
  wrap.append(h, ...fields, remove);
  for (const label of fields) wrapField(label);
  $("owners").append(wrap);
  renumberOwners();
  markRequired();
}

/** Keeps data-path indexes dense (owners[0], owners[1]…) after a removal. */
function renumberOwners() {
  const rows = [...document.querySelectorAll("#owners .owner")];
  state.owners = rows.length;
  rows.forEach((row, i) => {
    row.querySelector(".owner-title").textContent = t("owner", { n: i + 1 });
    for (const input of row.querySelectorAll("input[data-path]")) {
      const field = input.dataset.path.split(".").pop();
      const old = input.dataset.path;
      input.dataset.path = `owners[${i}].${field}`;
      if (old !== input.dataset.path && state.touched.delete(old)) state.touched.add(input.dataset.path);
    }
    const remove = row.querySelector(".remove");
    remove.hidden = rows.length === 1;
    remove.setAttribute("aria-label", `${t("ownerRemove")} — ${t("owner", { n: i + 1 })}`);
  });
}

function syncMethod() {
  const method = field("method").value;
  $("syndic-block").hidden = method !== "extranet";
  $("documents-block").hidden = method !== "upload";
}

function field(path) {
  return $("order-form").querySelector(`[data-path="${path}"]`);
}

function val(path) {
  return field(path)?.value ?? "";
}

/** The order as the form describes it (wire field names), plus local problems (bad JSON). */
function collect() {
  const local = [];
  const owners = [...document.querySelectorAll("#owners .owner")].map((_, i) => ({
    firstname: val(`owners[${i}].firstname`).trim(),
    lastname: val(`owners[${i}].lastname`).trim(),
  }));
  const order = {
    address: val("address").trim(),
    city: val("city").trim(),
    zipcode: val("zipcode").trim(),
    owners,
    invoice: {
      address: val("invoice.address").trim(),
      city: val("invoice.city").trim(),
      zipcode: val("invoice.zipcode").trim(),
      lastname: val("invoice.lastname").trim(),
    },
    method: val("method"),
    all_due_paid: field("all_due_paid").checked,
    test_mode: field("test_mode").checked,
  };
  for (const key of ["additional", "lots", "comment", "external_id"]) {
    const v = key === "comment" ? val(key) : val(key).trim();
    if (v !== "") order[key] = v;
  }
  if (order.method === "extranet") {
    order.syndic = {
      name: val("syndic.name").trim(),
      username: val("syndic.username").trim(),
      password: val("syndic.password"),
    };
    const url = val("syndic.url").trim();
    if (url) order.syndic.url = url;
  }
  if (order.method === "upload") {
    const raw = val("documents").trim();
    if (raw === "") order.documents = [];
    else {
      try {
        const docs = JSON.parse(raw);
        if (!Array.isArray(docs)) throw new Error("not an array");
        order.documents = docs;
      } catch {
        order.documents = [];
        local.push({ path: "documents", code: "bad_json", message: t("documentsBadJson") });
      }
    }
  }
  return { order, local };
}

/**
 * The message shown under a field, in the page's language. The library's English sentence names
 * the field by its JSON path ("owners[0].lastname is required"): only its figures are reused.
 */
function issueText(issue) {
  if (issue.code === "bad_json") return t("documentsBadJson");
  if (["owners", "syndic", "documents"].includes(issue.path) && issue.code === "required") {
    return t(`v_required_${issue.path}`);
  }
  const max = /at most (\d+)/.exec(issue.message ?? "")?.[1];
  if (issue.code === "too_long" && max) return t("v_too_long_max", { max: fmt.number(Number(max)) });
  const key = `v_${issue.code}`;
  const text = t(key);
  return text === key ? t("v_invalid") : text;
}

/**
 * Marks the fields validateOrder requires (asked of the library with an empty order, so the
 * marks follow its rules): a red asterisk and aria-required, before any submit.
 */
function markRequired() {
  const { order } = collect();
  const blank = JSON.parse(JSON.stringify(order), (k, v) => (typeof v === "string" && k !== "method" ? "" : v));
  let required;
  try {
    required = new Set(validateOrder(blank).filter((i) => i.code === "required").map((i) => i.path));
  } catch {
    return;
  }
  for (const input of $("order-form").querySelectorAll("[data-path]")) {
    const on = required.has(input.dataset.path);
    if (on) input.setAttribute("aria-required", "true");
    else input.removeAttribute("aria-required");
    // The asterisk is drawn by CSS after the label text (aria-required says it to screen readers).
    input.closest("label")?.querySelector("span[data-i18n]")?.classList.toggle("req", on);
  }
  const note = $("order-required");
  live(note, () => t("requiredNote"));
}

/** Runs validateOrder and shows each issue next to its field (touched fields, or all after a submit). */
function validate() {
  const { order, local } = collect();
  let issues;
  try {
    issues = [...validateOrder(order), ...local];
  } catch (err) {
    errors.show($("order-error"), err, "order");
    return { order, issues: [{ path: "", code: "invalid_input", message: String(err?.message ?? "") }] };
  }
  const byPath = new Map();
  for (const issue of issues) if (!byPath.has(issue.path)) byPath.set(issue.path, issue);
  const form = $("order-form");
  for (const input of form.querySelectorAll("[data-path]")) {
    const path = input.dataset.path;
    const issue = byPath.get(path);
    const visible = issue && (state.submitted || state.touched.has(path));
    setFieldError(input, visible ? issueText(issue) : "");
  }
  // Issues about a whole group (owners, syndic) have no single input.
  const ownersIssue = byPath.get("owners");
  const ownersBox = form.querySelector('.field-error[data-for="owners"]');
  ownersBox.hidden = !(ownersIssue && state.submitted);
  ownersBox.textContent = ownersIssue ? issueText(ownersIssue) : "";
  const sum = $("order-summary");
  if (state.submitted && issues.length) {
    summary(() => t("orderInvalid", { n: issues.length }));
    sum.dataset.kind = "invalid";
  } else if (sum.dataset.kind === "invalid") summary(null);
  return { order, issues };
}

/** Puts a label in a grid cell of its own so that its error message can sit right under it. */
function wrapField(label) {
  const cell = document.createElement("div");
  cell.className = "field";
  for (const c of ["wide", "check"]) if (label.classList.contains(c)) cell.classList.add(c);
  label.replaceWith(cell);
  cell.append(label);
}

function setFieldError(input, text) {
  const id = `err-${input.dataset.path.replace(/[^a-z0-9]+/gi, "-")}`;
  let p = document.getElementById(id);
  if (!text) {
    input.removeAttribute("aria-invalid");
    if (p) p.remove();
    input.removeAttribute("aria-describedby");
    return;
  }
  if (!p) {
    p = document.createElement("p");
    p.id = id;
    p.className = "field-error";
    p.dataset.path = input.dataset.path;
    const cell = input.closest(".field") ?? input.closest("label") ?? input;
    if (cell.classList.contains("field")) cell.append(p);
    else cell.after(p);
  }
  p.textContent = text;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", id);
}

async function submit() {
  const box = $("order-error");
  errors.clear(box);
  state.submitted = true;
  const { order, issues } = validate();
  if (issues.length) {
    const first = $("order-form").querySelector('[aria-invalid="true"]');
    first?.focus();
    return;
  }
  if (!state.client) {
    errors.showText(box, "pedNeedLogin");
    $("ped-key").focus();
    return;
  }
  const btn = $("order-submit");
  if (state.busy.has(btn)) return;
  // The form stays filled after an order: pressing the button again for the same lot would
  // create (and bill) a second order. Ask first.
  const key = lotKey(order);
  const last = state.lastOrder;
  if (last && last.key === key) {
    const answer = await ask({
      title: () => t("secondTitle"),
      body: (el) => {
        const p = document.createElement("p");
        p.textContent = t("secondBody", { id: last.orderid, address: last.address });
        el.append(p);
      },
      ok: () => t("secondOk"),
      danger: true,
    });
    if (!answer) return;
  }
  busy(btn, true);
  summary(() => t("orderSending"));
  try {
    const tx = await state.client.createOrder(order);
    state.tx = tx;
    state.lastOrder = { key, orderid: tx.orderid, address: [order.address, order.zipcode, order.city].filter(Boolean).join(", ") };
    renderTx(tx);
    summary(() => t("orderSent"));
    $("wh-order").value = tx.orderid;
    $("tx").focus?.();
  } catch (err) {
    summary(null);
    errors.show(box, err, "order");
  } finally {
    busy(btn, false);
    renderToken();
  }
}

/** What identifies the lot of an order (same lot, same owners: most likely the same order). */
function lotKey(order) {
  const norm = (v) => String(v ?? "").trim().toLowerCase().replace(/\s+/g, " ");
  return JSON.stringify([
    norm(order.address), norm(order.additional), norm(order.zipcode), norm(order.city), norm(order.lots),
    (order.owners ?? []).map((o) => [norm(o.firstname), norm(o.lastname)]),
  ]);
}

function summary(fn) {
  const el = $("order-summary");
  delete el.dataset.kind;
  live(el, fn);
}

function badge(el, value) {
  const s = String(value ?? "");
  el.textContent = t(`state_${s}`) === `state_${s}` ? s : `${t(`state_${s}`)}`;
  el.dataset.state = s;
  el.className = `badge state-${s.replace(/[^a-z-]/gi, "")}`;
  el.title = s;
}

function renderTx(tx) {
  $("tx").hidden = false;
  $("tx-id").textContent = tx.orderid;
  badge($("tx-state"), tx.state);
  const when = (iso, raw) => {
    const el = document.createElement("time");
    if (iso) el.dateTime = iso;
    el.textContent = iso ? fmt.dateTime(iso, true) : raw ?? t("none");
    if (raw) el.title = raw;
    return el;
  };
  $("tx-created").replaceChildren(when(tx.created_iso, tx.created));
  $("tx-updated").replaceChildren(when(tx.updated_iso, tx.updated));
  $("tx-ext").textContent = tx.external_id ?? t("none");
  $("tx-account").textContent = tx.account ?? t("none");
  const flags = [];
  if (tx.pending) flags.push(t("flagPending"));
  if (tx.refreshed) flags.push(t("flagRefreshed"));
  if (tx.test_mode) flags.push(t("flagTest"));
  $("tx-flags").textContent = flags.join(", ") || t("none");
}

async function refresh() {
  const box = $("order-error");
  errors.clear(box);
  if (!state.client || !state.tx) return errors.showText(box, "pedNeedLogin");
  const btn = $("tx-refresh");
  if (!busy(btn, true)) return;
  const comment = $("refresh-comment").value;
  try {
    const tx = await state.client.requestRefresh(state.tx.orderid, {
      method: "extranet",
      all_due_paid: field("all_due_paid").checked,
      ...(comment ? { comment } : {}),
    });
    state.tx = tx;
    renderTx(tx);
    summary(() => t("refreshDone"));
  } catch (err) {
    errors.show(box, err, "refresh");
  } finally {
    busy(btn, false);
  }
}

// ───────────────────────────── webhooks ─────────────────────────────

async function sendWebhook() {
  const box = $("wh-error");
  errors.clear(box);
  setNote("");
  const orderid = $("wh-order").value.trim();
  const event = $("wh-event").value;
  if (!state.client) return errors.showText(box, "pedNeedLogin");
  if (!orderid) return errors.showText(box, "whNeedOrder");
  const btn = $("wh-send");
  if (!busy(btn, true)) return;
  try {
    await state.client.sendTestWebhook(orderid, event);
    const body = state.fakeLog ? await readBackFromFake(orderid, event) : null;
    if (body) {
      $("wh-body").value = JSON.stringify(body, null, 2);
      setNote("whFetched");
      inspect();
    } else {
      setNote("whSent");
      $("wh-body").focus();
    }
  } catch (err) {
    errors.show(box, err, "webhook_send");
  } finally {
    busy(btn, false);
  }
}

function setNote(key) {
  const note = $("wh-note");
  note.dataset.key = key;
  note.textContent = key ? t(key) : "";
}

/** The demo server keeps a log of the webhooks it sent; real servers have no such thing. */
async function readBackFromFake(orderid, event) {
  try {
    const res = await fetch(`${state.base}/__fake/ped/webhooks`);
    if (!res.ok) return null;
    const log = await res.json();
    if (!Array.isArray(log)) return null;
    const hit = log.filter((d) => d?.orderid === orderid && d?.event === event).pop();
    return hit?.body ?? null;
  } catch {
    return null;
  }
}

function inspect() {
  const box = $("wh-error");
  errors.clear(box);
  const raw = $("wh-body").value.trim();
  if (!raw) return errors.showText(box, "whEmpty");
  try {
    const ev = parseWebhook(raw);
    state.webhook = ev;
    renderWebhook(ev);
  } catch (err) {
    $("wh-result").hidden = true;
    errors.show(box, err, "webhook_parse");
  }
}

function safeLink(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function renderWebhook(ev) {
  $("wh-result").hidden = false;
  badge($("wh-status"), ev.status);
  $("wh-id").textContent = ev.orderid;
  $("wh-ext").textContent = ev.external_id ?? t("none");
  $("wh-reg").textContent = ev.registration_id ?? t("none");
  if (state.pdfUrl) URL.revokeObjectURL(state.pdfUrl);
  state.pdfUrl = null;
  const pdfCell = $("wh-pdf");
  if (ev.pdf instanceof Uint8Array && ev.pdf.byteLength) {
    state.pdfUrl = URL.createObjectURL(new Blob([ev.pdf], { type: "application/pdf" }));
    const a = document.createElement("a");
    a.id = "wh-pdf-link";
    a.href = state.pdfUrl;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = t("pdfOpen", { size: fmt.size(ev.pdf.byteLength) });
    pdfCell.replaceChildren(a);
  } else {
    pdfCell.textContent = t("pdfNone");
  }
  const tbody = $("wh-doc-rows");
  const docs = Array.isArray(ev.documents) ? ev.documents : [];
  if (!docs.length) {
    const tr = tbody.ownerDocument.createElement("tr");
    const td = tr.insertCell();
    td.colSpan = 4;
    td.className = "muted";
    td.textContent = t("docsNone");
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(
    ...docs.map((d) => {
      const tr = document.createElement("tr");
      tr.dataset.doctype = String(d.doctype);
      let label;
      try {
        label = documentTypeLabel(d.doctype, getLang());
      } catch {
        label = String(d.doctype);
      }
      tr.insertCell().textContent = label;
      const when = tr.insertCell();
      when.textContent = fmt.dateOnly(d.delivered);
      tr.insertCell().textContent = d.mimetype ?? t("none");
      const linkCell = tr.insertCell();
      const href = safeLink(d.url);
      if (href) {
        const a = document.createElement("a");
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = t("docOpen");
        a.setAttribute("aria-label", `${t("docOpen")} — ${label}`);
        linkCell.append(a);
      } else linkCell.textContent = t("none");
      return tr;
    }),
  );
}
