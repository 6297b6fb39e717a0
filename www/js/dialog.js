// One modal dialog (<dialog id="dlg">) for confirmations and small prompts: the browser traps
// focus inside it and Escape cancels. Texts follow the language switch.
import { t, live } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let pending = null;

/**
 * Opens the dialog and resolves with { choice: "ok" | "alt", value } or null (cancelled).
 * @param {object} o
 * @param {() => string} o.title
 * @param {(body: HTMLElement) => void} o.body      renders the explanation into `body`
 * @param {() => string} o.ok                        label of the confirming button
 * @param {boolean} [o.danger]                       the confirming button destroys something
 * @param {() => string} [o.alt]                     label of a second choice
 * @param {{ label: () => string, value: string, select?: [number, number],
 *           check?: (v: string) => string | null }} [o.input]  a text field; check returns an i18n key
 */
export function ask({ title, body, ok, danger = false, alt, input }) {
  const dlg = $("dlg");
  if (pending) pending(null);
  const opener = document.activeElement;
  live($("dlg-title"), title);
  const bodyEl = $("dlg-body");
  live(bodyEl, () => {
    bodyEl.replaceChildren();
    body(bodyEl);
  });
  live($("dlg-ok"), ok);
  $("dlg-ok").className = danger ? "primary danger" : "primary";
  live($("dlg-cancel"), () => t("dlgCancel"));
  $("dlg-alt").hidden = !alt;
  if (alt) live($("dlg-alt"), alt);
  const field = $("dlg-field");
  const box = $("dlg-input");
  const err = $("dlg-error");
  field.hidden = !input;
  err.hidden = true;
  box.removeAttribute("aria-invalid");
  if (input) {
    live($("dlg-label"), input.label);
    box.value = input.value ?? "";
  }
  return new Promise((resolve) => {
    const finish = (result) => {
      pending = null;
      form.removeEventListener("submit", onSubmit);
      dlg.removeEventListener("cancel", onCancel);
      if (dlg.open) dlg.close();
      if (opener?.isConnected && !opener.disabled && opener.offsetParent !== null) opener.focus();
      resolve(result);
    };
    const form = $("dlg-form");
    const onSubmit = (e) => {
      e.preventDefault();
      const choice = e.submitter?.value ?? "ok";
      if (choice === "cancel") return finish(null);
      if (input && choice === "ok") {
        const problem = input.check?.(box.value) ?? null;
        if (problem) {
          live(err, () => t(problem));
          err.hidden = false;
          box.setAttribute("aria-invalid", "true");
          box.setAttribute("aria-describedby", "dlg-error");
          box.focus();
          return;
        }
      }
      finish({ choice, value: input ? box.value : undefined });
    };
    const onCancel = (e) => {
      e.preventDefault();
      finish(null);
    };
    pending = finish;
    form.addEventListener("submit", onSubmit);
    dlg.addEventListener("cancel", onCancel);
    dlg.showModal();
    if (input) {
      box.focus();
      if (input.select) box.setSelectionRange(...input.select);
      else box.select();
    } else {
      (danger ? $("dlg-cancel") : $("dlg-ok")).focus();
    }
  });
}

/** A <ul> of texts for a dialog body (at most `max` items, then "… and N more"). */
export function list(items, max = 12, more = (n) => t("deleteMore", { n })) {
  const ul = document.createElement("ul");
  ul.setAttribute("translate", "no");
  for (const item of items.slice(0, max)) {
    const li = document.createElement("li");
    li.textContent = item;
    ul.append(li);
  }
  if (items.length > max) {
    const li = document.createElement("li");
    li.textContent = more(items.length - max);
    ul.append(li);
  }
  return ul;
}
