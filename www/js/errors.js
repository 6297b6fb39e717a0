// Errors as readable messages: what failed, the server's own words, the stable code and the HTTP
// status. Never a stack trace. PasserelleError fields never contain credentials (library rule).
// Every message follows the language switch (i18n.live) and is scrolled into view when shown.
import { t, has, live } from "./i18n.js";

/** A plain description of any thrown value. */
export function describe(err, op) {
  const code = typeof err?.code === "string" ? err.code : undefined;
  let summary = code && has(`e_${code}`) ? t(`e_${code}`) : t("e_other");
  const lines = [];
  const serverText = err?.serverMessage || err?.serverError;
  if (err?.serverMessage && err?.serverError && err.serverError !== err.serverMessage) {
    lines.push({ text: t("err_server_detail", { msg: err.serverMessage, detail: err.serverError }) });
  } else if (serverText) {
    lines.push({ text: t("err_server", { msg: serverText }) });
  }
  // A webhook is parsed locally: nothing was sent, whatever the code says.
  if (op === "webhook_parse") summary = t("e_webhook");
  // The library's own sentence (English) says which call failed; useful when the server said
  // nothing. It is labelled as such rather than passed off as a translation.
  if (!serverText && typeof err?.message === "string" && err.message) {
    lines.push({ label: t("err_detail_en"), text: err.message, lang: "en" });
  }
  const tags = [];
  if (code) tags.push(t("err_code", { code }));
  if (typeof err?.status === "number") tags.push(t("err_status", { status: err.status }));
  if (typeof err?.retryAfter === "number") tags.push(t("err_retry", { s: err.retryAfter }));
  return { title: t("err_title", { what: t(`op_${op}`) }), summary, lines, tags, code };
}

function render(box, err, op, hints) {
  const d = describe(err, op);
  const title = document.createElement("strong");
  title.textContent = `${d.title} — ${d.summary}`;
  const parts = [title];
  for (const line of d.lines) {
    const p = document.createElement("p");
    if (line.label) {
      const detail = document.createElement("span");
      detail.lang = line.lang;
      detail.textContent = line.text;
      p.append(`${line.label} `, detail);
    } else {
      p.textContent = line.text;
    }
    parts.push(p);
  }
  for (const key of hints) {
    const p = document.createElement("p");
    p.className = "hint-line";
    p.textContent = t(key);
    parts.push(p);
  }
  if (d.tags.length) {
    const p = document.createElement("p");
    p.className = "tags";
    for (const tag of d.tags) {
      const s = document.createElement("code");
      s.textContent = tag;
      p.append(s, " ");
    }
    parts.push(p);
  }
  box.replaceChildren(...parts);
  box.dataset.code = d.code ?? "";
}

function reveal(box) {
  box.hidden = false;
  // Next to the action, and on screen: a long page never hides it.
  box.scrollIntoView?.({ block: "nearest" });
}

/** Shows `err` in the alert box `box` (an element with role="alert"); `hints`: extra i18n keys. */
export function show(box, err, op, hints = []) {
  live(box, () => render(box, err, op, hints));
  reveal(box);
}

/** Shows a plain message (no error object) in an alert box: an i18n key and its parameters. */
export function showText(box, key, params = {}) {
  live(box, () => {
    const s = document.createElement("strong");
    s.textContent = t(key, typeof params === "function" ? params() : params);
    box.replaceChildren(s);
  });
  box.dataset.code = "";
  reveal(box);
}

export function clear(box) {
  box.hidden = true;
  live(box, null);
  box.dataset.code = "";
}

export function isAbort(err) {
  return err?.code === "aborted" || err?.name === "AbortError";
}
