// The consumer matrix: the packed package (npm pack ./pkg) installed, with nothing configured
// for it, into one tiny project per bundler/runtime (tests/consumers/<name>/, each with its own
// lock file), built the way that tool builds by default, and run: browser bundles in headless
// Chromium, Node programs and bundles in Node (CommonJS with require(esm) disabled, as on Node
// 20.0–20.18), Worker bundles in workerd (Miniflare, and `wrangler dev`). Every run lists a folder
// of the fake server, reads its zip through `unzip`, and is checked against the fake's own data.
//   node --test tests/consumers/consumers.test.mjs      (scripts/test stage "consumers")
// CONSUMERS=vite5,node-cjs limits the run; the fake comes from PASSERELLE_FAKE_URL (or is started).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { Miniflare } from "miniflare";
import { transform } from "esbuild";
import { serveStatic } from "../../scripts/lib/static-server.mjs";
import { ROOT, USER, CHROMIUM_ARGS, fakeUrl, rawListing, typeFromMode } from "../js/helpers.mjs";

const HERE = `${ROOT}tests/consumers`;
const WORK = `${ROOT}target/consumers`;
const SHARED = `${HERE}/shared`;
const FOLDER = "Relevés/Déc 2025";
const QUIET_ENV = {
  ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "true",
  WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/**
 * One row per consumer: which entries its api.js imports (Échange part, PRE-ETAT.DATE part) and
 * how it is built and run.
 */
const CONSUMERS = [
  { name: "vite5", kind: "vite", echange: "passerelle/echange", ped: "passerelle/pre-etat-date" },
  { name: "vite6", kind: "vite", echange: "passerelle", ped: "passerelle" },
  { name: "vite7", kind: "vite", echange: "passerelle", ped: "passerelle/pre-etat-date" },
  { name: "vite8", kind: "vite", echange: "passerelle/echange", ped: "passerelle" },
  { name: "webpack", kind: "webpack", echange: "passerelle", ped: "passerelle" },
  { name: "esbuild", kind: "esbuild", echange: "passerelle/echange", ped: "passerelle/pre-etat-date" },
  { name: "rollup", kind: "rollup", echange: "passerelle", ped: "passerelle" },
  { name: "wrangler", kind: "wrangler", echange: "passerelle/echange", ped: "passerelle/pre-etat-date" },
  { name: "node-esm", kind: "node-esm", echange: "passerelle", ped: "passerelle/pre-etat-date" },
  { name: "node-cjs", kind: "node-cjs", echange: "passerelle/echange", ped: "passerelle" },
  { name: "plain", kind: "plain", echange: "passerelle", ped: "passerelle" },
  { name: "ts-esm", kind: "ts", echange: "passerelle", ped: "passerelle", tsconfigs: ["bundler", "node16", "nodenext"] },
  { name: "ts-cjs", kind: "ts", echange: "passerelle", ped: "passerelle", tsconfigs: ["node16", "nodenext"] },
].filter((c) => !process.env.CONSUMERS || process.env.CONSUMERS.split(",").includes(c.name));

const run = promisify(execFile);
let fake;
let browser;
let expected;
const servers = [];
const timings = [];

async function sh(cwd, cmd, args, opts = {}) {
  try {
    return await run(cmd, args, { cwd, env: QUIET_ENV, maxBuffer: 1 << 26, timeout: 240_000, ...opts });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  }
}

const freePort = () => new Promise((ok, ko) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => ok(port));
  }).on("error", ko);
});

/** What every run must report, from the fake's own listing and checksums. */
async function expectation() {
  const files = [];
  const walk = async (dir) => {
    for (const e of await rawListing(dir)) {
      const path = `${dir}/${e.name}`;
      if (typeFromMode(e.mode) === "dir") await walk(path);
      else if (typeFromMode(e.mode) === "file") {
        const q = new URLSearchParams({ path: `/${path}`, username: USER.username });
        const res = await fetch(`${fake}/__fake/echange/sha256?${q}`);
        assert.equal(res.status, 200, `sha256 of ${path}`);
        const { sha256, size } = await res.json();
        files.push({ name: path, size, sha256 });
      }
    }
  };
  await walk(FOLDER);
  const entries = (await rawListing(FOLDER)).map((e) => ({ name: e.name, type: typeFromMode(e.mode), size: e.size }));
  // The root entry as installed in the repository (scripts/test's npm-install stage) gives the
  // reference for the two pure PRE-ETAT.DATE calls.
  const ref = await import("passerelle");
  const { ORDER } = await import("./shared/order.js");
  const orderIssues = ref.validateOrder(ORDER).map((i) => i.code);
  assert.ok(orderIssues.includes("invalid_zipcode"), `the sample order has a bad postal code: ${orderIssues}`);
  return { entries, files, label: ref.documentTypeLabel(1), orderIssues };
}

function check(result, where) {
  assert.ok(result && !result.error, `${where}: ${JSON.stringify(result)}`);
  const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const strip = (list) => list.map((e) => JSON.parse(JSON.stringify(e))).sort(byName);
  assert.deepEqual(strip(result.entries), strip(expected.entries), `${where}: listDir`);
  assert.ok(expected.files.length > 0, "the folder has files");
  assert.deepEqual(strip(result.files), strip(expected.files), `${where}: files read through unzip`);
  assert.equal(result.notFound, "not_found", `${where}: a missing folder rejects with a PasserelleError`);
  assert.equal(result.label, expected.label, `${where}: documentTypeLabel`);
  assert.deepEqual(result.orderIssues, expected.orderIssues, `${where}: validateOrder`);
}

// ───────────────────────────── preparing a consumer ─────────────────────────────

let packed;
function installPackage(dir) {
  const target = `${dir}/node_modules/passerelle`;
  rmSync(target, { recursive: true, force: true });
  cpSync(packed, target, { recursive: true });
}

async function npmInstall(dir) {
  const stamp = `${dir}/node_modules/.package-lock.json`;
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(`${dir}/package-lock.json`).mtimeMs) return;
  try {
    await sh(dir, "npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"]);
  } catch {
    // Same fallback as scripts/lib/common.sh npm_ci_in: a lock listing optional platform
    // packages this registry lacks (rollup's) is installed as is with `npm install --no-save`.
    await sh(dir, "npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline"]);
  }
}

/** Writes src/: the scenario, an api.js importing this consumer's entries, and its main file. */
async function writeSources(c, dir) {
  const src = `${dir}/src`;
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const api = `// Generated by tests/consumers/consumers.test.mjs: the entries this consumer imports.\n` +
    `export { EchangeClient, PasserelleError, unzip } from "${c.echange}";\n` +
    `export { documentTypeLabel, validateOrder } from "${c.ped}";\n`;
  const scenario = readFileSync(`${SHARED}/scenario.js`, "utf8");
  const main = {
    vite: "browser-main.js", webpack: "browser-main.js", esbuild: "browser-main.js", rollup: "browser-main.js",
    plain: "browser-main.js", wrangler: "worker-main.js", "node-esm": "node-main.js", "node-cjs": "node-main.js",
    ts: "main.ts",
  }[c.kind];
  const files = { "api.js": api, "scenario.js": scenario, "order.js": readFileSync(`${SHARED}/order.js`, "utf8") };
  files[c.kind === "ts" ? "main.ts" : c.kind === "webpack" ? "index.js" : "main.js"] = readFileSync(`${SHARED}/${main}`, "utf8");
  if (c.kind === "esbuild") files["node.js"] = readFileSync(`${SHARED}/node-main.js`, "utf8");
  for (const [name, text] of Object.entries(files)) {
    // A CommonJS project gets CommonJS sources (`require("passerelle")`).
    const code = c.kind === "node-cjs" ? (await transform(text, { format: "cjs", target: "es2022" })).code : text;
    writeFileSync(`${src}/${name}`, code);
  }
  if (c.kind === "vite") cpSync(`${SHARED}/index.html`, `${dir}/index.html`);
}

// ───────────────────────────── running what was built ─────────────────────────────

async function runPage(url, where) {
  const page = await browser.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(url);
    await page.waitForSelector("html[data-state]", { timeout: 60_000 }).catch((e) => {
      throw new Error(`${where}: the page did not finish: ${e.message}\n${logs.join("\n")}`);
    });
    const result = JSON.parse(await page.textContent("#out"));
    assert.equal(await page.getAttribute("html", "data-state"), "done", `${where}: ${JSON.stringify(result)}\n${logs.join("\n")}`);
    return result;
  } finally {
    await page.close();
  }
}

/** Serves `dir` with a generated page loading `script` (module or classic), runs it in Chromium. */
async function runBundle(dir, script, type, where) {
  writeFileSync(`${dir}/consumer-page.html`,
    `<!doctype html><html><head><meta charset="utf-8"></head><body><pre id="out"></pre>` +
    `<script ${type === "module" ? 'type="module" ' : ""}src="./${script}"></script></body></html>`);
  const server = await serveStatic({ "/": dir });
  servers.push(server);
  return runPage(`${server.url}/consumer-page.html?fake=${encodeURIComponent(fake)}`, where);
}

async function runNode(file, args, where, cwd) {
  const { stdout } = await sh(cwd, process.execPath, [...args, file, fake]);
  const line = stdout.trim().split("\n").at(-1);
  return check(JSON.parse(line), where);
}

/** Starts a dev server (own process group), waits for `url`, runs `use`, stops the group. */
async function withServer(cwd, args, url, use, where) {
  const child = spawn(process.execPath, args, { cwd, env: QUIET_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => { output += d; });
  child.stderr.on("data", (d) => { output += d; });
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${where}: the server exited (${child.exitCode}):\n${output}`);
      // Any HTTP answer means the server is up.
      const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(() => true, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${where}: no answer from ${url}:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    return await use();
  } catch (e) {
    e.message += `\n--- server output ---\n${output}`;
    throw e;
  } finally {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  }
}

// ───────────────────────────── per kind ─────────────────────────────

const KINDS = {
  async vite(c, dir) {
    const vite = `${dir}/node_modules/vite/bin/vite.js`;
    await sh(dir, process.execPath, [vite, "build", "--logLevel", "warn"]);
    const server = await serveStatic({ "/": `${dir}/dist` });
    servers.push(server);
    check(await runPage(`${server.url}/index.html?fake=${encodeURIComponent(fake)}`, `${c.name} build`), `${c.name} build`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    await withServer(dir, [vite, "--port", String(port), "--strictPort", "--host", "127.0.0.1"], url, async () =>
      check(await runPage(`${url}?fake=${encodeURIComponent(fake)}`, `${c.name} dev`), `${c.name} dev`), `${c.name} dev`);
  },
  async webpack(c, dir) {
    await sh(dir, process.execPath, [`${dir}/node_modules/webpack-cli/bin/cli.js`, "--mode", "production"]);
    check(await runBundle(`${dir}/dist`, "main.js", "classic", c.name), c.name);
  },
  async esbuild(c, dir) {
    const esbuild = `${dir}/node_modules/.bin/esbuild`;
    const out = `${dir}/dist`;
    await sh(dir, esbuild, ["src/main.js", "--bundle", "--format=esm", `--outfile=${out}/browser.js`, "--log-level=warning"]);
    await sh(dir, esbuild, ["src/main.js", "--bundle", "--format=iife", `--outfile=${out}/browser-iife.js`, "--log-level=warning"]);
    await sh(dir, esbuild, ["src/node.js", "--bundle", "--platform=node", "--format=esm", `--outfile=${out}/node.mjs`, "--log-level=warning"]);
    await sh(dir, esbuild, ["src/node.js", "--bundle", "--platform=node", "--format=cjs", `--outfile=${out}/node.cjs`, "--log-level=warning"]);
    check(await runBundle(out, "browser.js", "module", `${c.name} esm`), `${c.name} esm`);
    check(await runBundle(out, "browser-iife.js", "classic", `${c.name} iife`), `${c.name} iife`);
    // Run the Node bundles away from node_modules: they must be self-contained.
    const away = `${WORK}/esbuild-node`;
    rmSync(away, { recursive: true, force: true });
    mkdirSync(away, { recursive: true });
    cpSync(`${out}/node.mjs`, `${away}/node.mjs`);
    cpSync(`${out}/node.cjs`, `${away}/node.cjs`);
    await runNode(`${away}/node.mjs`, [], `${c.name} --platform=node esm`, away);
    await runNode(`${away}/node.cjs`, [], `${c.name} --platform=node cjs`, away);
  },
  async rollup(c, dir) {
    await sh(dir, process.execPath, [`${dir}/node_modules/rollup/dist/bin/rollup`, "-c", "--silent"]);
    check(await runBundle(`${dir}/dist`, "main.js", "module", c.name), c.name);
  },
  async wrangler(c, dir) {
    const wrangler = `${dir}/node_modules/wrangler/bin/wrangler.js`;
    await sh(dir, process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", "dist"]);
    const mf = new Miniflare({
      modules: true,
      scriptPath: `${dir}/dist/main.js`,
      modulesRoot: `${dir}/dist`,
      modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: "2025-06-01",
    });
    try {
      const res = await mf.dispatchFetch(`http://worker.test/?fake=${encodeURIComponent(fake)}`);
      check(await res.json(), `${c.name} deploy --dry-run (Miniflare)`);
    } finally {
      await mf.dispose();
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    await withServer(dir, [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port)], url, async () => {
      const res = await fetch(`${url}?fake=${encodeURIComponent(fake)}`);
      check(await res.json(), `${c.name} dev`);
    }, `${c.name} dev`);
  },
  async "node-esm"(c, dir) {
    await runNode(`${dir}/src/main.js`, [], c.name, dir);
  },
  async "node-cjs"(c, dir) {
    // As on Node 20.0–20.18, where `require` cannot load an ES module.
    await runNode(`${dir}/src/main.js`, ["--no-experimental-require-module"], c.name, dir);
  },
  async plain(c, dir) {
    const server = await serveStatic({ "/": dir });
    servers.push(server);
    check(await runPage(`${server.url}/index.html?fake=${encodeURIComponent(fake)}`, c.name), c.name);
  },
  async ts(c, dir) {
    const cjs = JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).type !== "module";
    for (const variant of c.tsconfigs) {
      const out = `${dir}/dist-${variant}`;
      rmSync(out, { recursive: true, force: true });
      await sh(dir, process.execPath, [`${dir}/node_modules/typescript/bin/tsc`, "-p", `tsconfig.${variant}.json`]);
      await runNode(`${out}/main.js`, cjs ? ["--no-experimental-require-module"] : [], `${c.name} ${variant}`, dir);
    }
  },
};

before(async () => {
  fake = await fakeUrl();
  expected = await expectation();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const { stdout } = await sh(ROOT, "npm", ["pack", "./pkg", "--pack-destination", WORK, "--silent"]);
  const tgz = stdout.trim().split("\n").at(-1);
  await sh(WORK, "tar", ["-xzf", tgz]);
  packed = `${WORK}/package`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  if (timings.length) console.log(`consumer timings:\n${timings.join("\n")}`);
});

describe("consumers (zero configuration)", { concurrency: 3 }, () => {
  for (const c of CONSUMERS) {
    test(`${c.name}: ${JSON.parse(readFileSync(`${HERE}/${c.name}/package.json`, "utf8")).description}`, async () => {
      const dir = `${HERE}/${c.name}`;
      const t0 = Date.now();
      await npmInstall(dir);
      const t1 = Date.now();
      installPackage(dir);
      await writeSources(c, dir);
      rmSync(`${dir}/dist`, { recursive: true, force: true });
      await KINDS[c.kind](c, dir);
      timings.push(`  ${c.name.padEnd(9)} install ${((t1 - t0) / 1000).toFixed(1)} s, build + runs ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    });
  }
});

// Not a test: a guard that every consumer folder is in the table above.
const listed = new Set(CONSUMERS.map((c) => c.name));
if (!process.env.CONSUMERS) {
  for (const d of readdirSync(HERE, { withFileTypes: true })) {
    if (d.isDirectory() && d.name !== "shared" && !listed.has(d.name)) throw new Error(`tests/consumers/${d.name} is not in CONSUMERS`);
  }
}
