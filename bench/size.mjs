// The package's weight per entry: for every sub-path and export condition of pkg/package.json,
// the files the entry reaches (its static `import`/`export … from`/`require` of relative files,
// `.wasm` imports and `new URL("./…", import.meta.url)` assets, followed transitively), each
// compressed with `gzip -9`, summed. Checks the issue 11 budgets (KB = 1000 bytes).
//   node bench/size.mjs [pkg dir]        prints a Markdown table; exits 1 when over budget
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const PKG = process.argv[2] ?? new URL("../pkg", import.meta.url).pathname;
const BUDGET_KB = { ".": 110, "./echange": 80, "./pre-etat-date": 60 };

const gzipSize = (file) => execFileSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 26 }).length;

/** Files reached from `file` (itself included), following relative specifiers. */
function reach(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  if (!/\.(c|m)?js$/.test(file)) return seen;
  const code = readFileSync(file, "utf8");
  const specs = [
    ...code.matchAll(/\b(?:import|export)\b[^'";]*?\bfrom\s*["'](\.[^"']+)["']/g),
    ...code.matchAll(/\bimport\s*["'](\.[^"']+)["']/g),
    ...code.matchAll(/\brequire\(\s*["'](\.[^"']+)["']\s*\)/g),
    ...code.matchAll(/new URL\(\s*["'](\.{0,2}\/?[^"']+\.wasm)["']\s*,\s*import\.meta\.url\s*\)/g),
  ].map((m) => m[1]);
  for (const s of specs) reach(join(dirname(file), s), seen);
  return seen;
}

/** [condition path, target] pairs of one export entry, flattened ("import", "workerd", …). */
function targets(value, path = []) {
  if (typeof value === "string") return [[path.filter((c) => c !== "default").join("+") || "default", value]];
  return Object.entries(value).filter(([c]) => c !== "types").flatMap(([c, v]) => targets(v, [...path, c]));
}

const pkg = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
const rows = [];
let over = false;
for (const [sub, value] of Object.entries(pkg.exports)) {
  if (sub === "./package.json") continue;
  for (const [condition, target] of targets(value)) {
    const files = [...reach(join(PKG, target))];
    const sizes = files.map((f) => ({ f: relative(PKG, f), gz: gzipSize(f) }));
    const total = sizes.reduce((a, b) => a + b.gz, 0);
    const budget = BUDGET_KB[sub];
    const ok = budget === undefined || total <= budget * 1000;
    over ||= !ok;
    rows.push(`| \`${sub === "." ? "passerelle" : `passerelle/${sub.slice(2)}`}\` | ${condition} | ${(total / 1000).toFixed(1)} | ${budget ?? "–"} | ${ok ? "ok" : "**over**"} | ${sizes.map((s) => `${s.f} ${(s.gz / 1000).toFixed(1)}`).join(", ")} |`);
  }
}
console.log(`passerelle ${pkg.version}: gzip -9 of every file an entry reaches, summed (KB = 1000 B)\n`);
console.log("| entry | condition | KB gzip | budget | | files (KB gzip each) |");
console.log("|---|---|---:|---:|---|---|");
console.log(rows.join("\n"));
process.exitCode = over ? 1 : 0;
