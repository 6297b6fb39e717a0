// Human-readable sizes, speeds, durations and dates in the current UI locale.
import { t, locale, getLang } from "./i18n.js";

const UNITS = { fr: ["o", "Ko", "Mo", "Go", "To"], en: ["B", "KB", "MB", "GB", "TB"] };

// Intl formatters are costly to build: one per locale and style, reused (a 20,000-entry folder
// formats thousands of sizes and dates).
const cache = new Map();
function formatter(kind, options) {
  const key = `${kind}|${locale()}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = kind === "date" ? new Intl.DateTimeFormat(locale(), options) : kind === "collator"
      ? new Intl.Collator(locale(), options) : new Intl.NumberFormat(locale(), options);
    cache.set(key, f);
  }
  return f;
}

/** 0.04 → "0,0" (fr) / "0.0" (en): a number with `digits` decimals in the UI locale. */
export function number(value, digits = 0) {
  return formatter("number", { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}

/** 1536 → "1,5 Ko" (fr) / "1.5 KB" (en); binary multiples (1 Ko = 1024 o). */
export function size(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return t("none");
  const units = UNITS[getLang()] ?? UNITS.fr;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${number(v, digits)} ${units[i]}`;
}

export function percent(fraction) {
  return formatter("number", { style: "percent", maximumFractionDigits: 0 }).format(
    Math.max(0, Math.min(1, fraction)),
  );
}

export function speed(bytesPerSecond) {
  return t("perSecond", { size: size(Math.max(0, Math.round(bytesPerSecond || 0))) });
}

/** An ISO / RFC 3339 date in the user's locale (date + time); the raw text when it does not parse. */
export function dateTime(iso, withSeconds = false) {
  if (!iso) return t("none");
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return formatter("date", { dateStyle: "medium", timeStyle: withSeconds ? "medium" : "short" }).format(d);
}

export function dateOnly(ymd) {
  if (!ymd) return t("none");
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return String(ymd);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return formatter("date", { dateStyle: "long", timeZone: "UTC" }).format(d);
}

export function timeOfDay(date) {
  return formatter("date", { timeStyle: "medium" }).format(date);
}

/** 754 s → "12 min 34 s". */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m) return `${m} min ${String(sec).padStart(2, "0")} s`;
  return `${sec} s`;
}

/** Compares names the way a person expects (accents, numbers: "f2" < "f10"). */
export function compareNames(a, b) {
  return collator().compare(a, b);
}

/** The collator behind compareNames (for sorting many names: `collator().compare`). */
export function collator() {
  return formatter("collator", { numeric: true, sensitivity: "base" });
}
