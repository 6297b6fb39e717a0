// Quick probe (not part of scripts/bench): listDir("/Liste-5000") vs fetch + response.json(),
// taking turns, median of N rounds of 5 calls each; creates the 5,000 files through the fake
// when missing. Several built packages can be compared in one process (A/B), in Node or in
// headless Chromium.
// Usage: PASSERELLE_FAKE_URL=… node bench/list-probe.mjs [reps] [listDir-only runs, for --cpu-prof;
//        in Chromium, the profile is written to chromium-list.cpuprofile]
//   LIST_PROBE_PACKAGES=dirA,dirB   built pkg/ directories to compare (default: the installed package)
//   LIST_PROBE_CHROMIUM=1           run in headless Chromium instead of Node
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const reps = +(process.argv[2] || 9);
const profileRuns = +(process.argv[3] || 0);
const base = process.env.PASSERELLE_FAKE_URL;
const LIST = "/Liste-5000";
const USER = { username: "fournisseur", password: "motdepasse-Été:2025" };
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const rootRequire = createRequire(join(ROOT, "package.json"));
const packages = (process.env.LIST_PROBE_PACKAGES || dirname(rootRequire.resolve("passerelle/package.json")))
  .split(",")
  .map((p) => resolve(p));

const first = await import(pathToFileURL(join(packages[0], "index.node.js")).href);
const { access_token } = await new first.EchangeClient({ baseUrl: base, ...USER }).token();
const auth = { authorization: `Bearer ${access_token}` };
const url = `${base}/api/v2/user/dirs?path=${encodeURIComponent(LIST)}`;
if ((await fetch(url, { headers: auth }).then((r) => (r.ok ? r.json() : []))).length < 5000) {
  for (let i = 0; i < 5000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => fetch(`${base}/__fake/echange/generate`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: `${LIST}/releve-${String(i + j).padStart(4, "0")}.csv`, size: 100 + ((i + j) % 977), username: "fournisseur" }),
    }).then((r) => r.arrayBuffer())));
  }
}

/** Runs in Node or in the page: medians (ms) of `reps` rounds, each contestant 5 calls a round. */
async function measure(cfg, modules) {
  const clients = modules.map((m) => new m.EchangeClient({ baseUrl: cfg.base, ...cfg.user }));
  const { access_token } = await clients[0].token();
  const headers = { authorization: `Bearer ${access_token}` };
  const url = `${cfg.base}/api/v2/user/dirs?path=${encodeURIComponent(cfg.list)}`;
  const c = { "fetch + json()": async () => (await (await fetch(url, { headers })).json()).length };
  clients.forEach((client, k) => (c[`listDir ${k}`] = async () => (await client.listDir(cfg.list)).length));
  if (cfg.profileRuns) {
    for (let i = 0; i < cfg.profileRuns; i++) await c["listDir 0"]();
    return null;
  }
  const names = Object.keys(c);
  const t = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i <= cfg.reps; i++) {
    for (const k of names) {
      const t0 = performance.now();
      for (let j = 0; j < 5; j++) if ((await c[k]()) !== 5000) throw new Error(`${k}: not 5,000 entries`);
      if (i) t[k].push((performance.now() - t0) / 5);
    }
  }
  const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
  return Object.fromEntries(names.map((n) => [n, med(t[n])]));
}

const cfg = { base, user: USER, list: LIST, reps, profileRuns };
let result;
if (process.env.LIST_PROBE_CHROMIUM) {
  const { chromium } = rootRequire("playwright-core");
  const { serveStatic } = await import(pathToFileURL(join(ROOT, "scripts/lib/static-server.mjs")).href);
  const mounts = Object.fromEntries(packages.map((p, k) => [`/pkg${k}/`, p]));
  const server = await serveStatic(mounts, { compress: false });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.log(`chromium pageerror: ${e.message}`));
    await page.goto(`${server.url}/pkg0/package.json`);
    const cdp = profileRuns ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      await cdp.send("Profiler.start");
    }
    result = await page.evaluate(
      async ({ cfg, urls, source }) => {
        const modules = await Promise.all(urls.map((u) => import(u)));
        return (0, eval)(`(${source})`)(cfg, modules);
      },
      { cfg, urls: packages.map((_, k) => `/pkg${k}/index.js`), source: measure.toString() },
    );
    if (cdp) {
      const { profile } = await cdp.send("Profiler.stop");
      const { writeFileSync } = await import("node:fs");
      writeFileSync("chromium-list.cpuprofile", JSON.stringify(profile));
      console.log("wrote chromium-list.cpuprofile");
    }
  } finally {
    await browser.close();
    await server.close();
  }
} else {
  const modules = [];
  for (const p of packages) modules.push(await import(pathToFileURL(join(p, "index.node.js")).href));
  result = await measure(cfg, modules);
}
if (result) {
  const fetchMs = result["fetch + json()"];
  console.log(
    `${process.env.LIST_PROBE_CHROMIUM ? "chromium" : "node"}: fetch + json() ${fetchMs.toFixed(1)} ms; ` +
      packages.map((p, k) => `${p}: listDir ${result[`listDir ${k}`].toFixed(1)} ms, ratio ${(result[`listDir ${k}`] / fetchMs).toFixed(3)}`).join("; "),
  );
}
process.exit(0);
