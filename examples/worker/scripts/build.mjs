// Bundles the Worker exactly as `wrangler deploy` would (`--dry-run`: nothing is uploaded),
// then prints the bundle's size and checks it against Workers' free-plan limit.
//   node scripts/build.mjs [--outdir DIR]      (default: dist/)
// Exit status 1 when the bundle's gzip size exceeds the budget (a third of the limit).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** Workers free plan: 3 MiB after compression (paid: 10 MiB). */
export const FREE_PLAN_LIMIT = 3 * 1024 * 1024;
/** What this example allows itself: a third of the free-plan limit. */
export const BUDGET = FREE_PLAN_LIMIT / 3;

const here = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const i = args.indexOf("--outdir");
const outdir = resolve(i >= 0 && args[i + 1] ? args[i + 1] : join(here, "dist"));

rmSync(outdir, { recursive: true, force: true });
const wrangler = join(here, "node_modules", ".bin", "wrangler");
execFileSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir], {
  cwd: here,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
});

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

// What is uploaded: the bundled modules (the .map and README wrangler may write are not).
const modules = files(outdir).filter((p) => /\.(m?js|wasm)$/.test(p));
let raw = 0;
let gzip = 0;
for (const p of modules) {
  const bytes = readFileSync(p);
  const gz = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += gz;
  console.log(`bundle: ${relative(outdir, p)}: ${bytes.length} bytes raw, ${gz} bytes gzip`);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pct = ((gzip / FREE_PLAN_LIMIT) * 100).toFixed(1);
console.log(`bundle: total ${raw} bytes raw (${kib(raw)}), ${gzip} bytes gzip (${kib(gzip)}) = ${pct}% of the 3 MiB free-plan limit`);
if (modules.length === 0 || !modules.some((p) => p.endsWith(".wasm"))) {
  console.error("bundle: the .wasm module is missing from the bundle");
  process.exit(1);
}
if (gzip > BUDGET) {
  console.error(`bundle: over budget: ${kib(gzip)} gzip > ${kib(BUDGET)} (a third of the free-plan limit)`);
  process.exit(1);
}
console.log(`bundle: within budget (${kib(BUDGET)} gzip, a third of the free-plan limit)`);
