// Errors as readable messages: what failed, the server's own words, the stable code and the HTTP
// status. Never a stack trace. PasserelleError fields never contain credentials (library rule).
import { t, has } from "./i18n.js";

/** A plain description of any thrown value. */
export function describe(err, op) {
  const code = typeof err?.code === "string" ? err.code : undefined;
  const summary = code && has(`e_${code}`) ? t(`e_${code}`) : t("e_other");
  const lines = [];
  const serverText = err?.serverMessage || err?.serverError;
  if (err?.serverMessage && err?.serverError && err.serverError !== err.serverMessage) {
    lines.push(t("err_server_detail", { msg: err.serverMessage, detail: err.serverError }));
  } else if (serverText) {
    lines.push(t("err_server", { msg: serverText }));
  }
  // The library's own English sentence says which call failed; useful when the server said nothing.
  if (!serverText && typeof err?.message === "string" && err.message) lines.push(err.message);
  const tags = [];
  if (code) tags.push(t("err_code", { code }));
  if (typeof err?.status === "number") tags.push(t("err_status", { status: err.status }));
  if (typeof err?.retryAfter === "number") tags.push(t("err_retry", { s: err.retryAfter }));
  return { title: t("err_title", { what: t(`op_${op}`) }), summary, lines, tags, code };
}

/** Shows `err` in the alert box `box` (an element with role="alert"). */
export function show(box, err, op) {
  const d = describe(err, op);
  const title = document.createElement("strong");
  title.textContent = `${d.title} — ${d.summary}`;
  const parts = [title];
  for (const line of d.lines) {
    const p = document.createElement("p");
    p.textContent = line;
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
  box.hidden = false;
}

/** Shows a plain message (no error object) in an alert box. */
export function showText(box, text) {
  const s = document.createElement("strong");
  s.textContent = text;
  box.replaceChildren(s);
  box.dataset.code = "";
  box.hidden = false;
}

export function clear(box) {
  box.hidden = true;
  box.replaceChildren();
  box.dataset.code = "";
}

export function isAbort(err) {
  return err?.code === "aborted" || err?.name === "AbortError";
}
