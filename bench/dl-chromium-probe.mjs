// Quick probe (not part of scripts/bench): in headless Chromium, downloadZip against raw fetch
// of the same streamzip and variants of it (cache: "no-store"; a signal and redirect: "manual";
// the body through a ReadableStream wrapper like wrapBody), taking turns, 3 calls each a round,
// medians of N rounds. Usage, with the package built in pkg/ and a fake running:
//   PASSERELLE_FAKE_URL=… node bench/dl-chromium-probe.mjs ['["/Lot-1500"]'] [rounds]
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const rootRequire = createRequire(join(ROOT, "package.json"));
const base = process.env.PASSERELLE_FAKE_URL;
const { chromium } = rootRequire("playwright-core");
const { serveStatic } = await import(pathToFileURL(join(ROOT, "scripts/lib/static-server.mjs")).href);
const server = await serveStatic({ "/pkg0/": join(ROOT, "pkg") }, { compress: false });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
const page = await browser.newPage();
await page.goto(`${server.url}/pkg0/package.json`);
const out = await page.evaluate(async ({ base, paths, reps }) => {
  const m = await import("/pkg0/index.js");
  const cl = new m.EchangeClient({ baseUrl: base, username: "fournisseur", password: "motdepasse-Été:2025" });
  const { access_token } = await cl.token();
  const url = `${base}/api/v2/user/streamzip`;
  const init = () => ({ method: "POST", headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" }, body: JSON.stringify(paths) });
  async function drain(s) { const r = s.getReader(); let n = 0; for (;;) { const { done, value } = await r.read(); if (done) return n; n += value.byteLength; } }
  const wrap = (body) => { const reader = body.getReader(); return new ReadableStream({ async pull(c) { const r = await reader.read(); if (r.done) c.close(); else c.enqueue(r.value); } }, { highWaterMark: 0 }); };
  const c = {
    raw: async () => drain((await fetch(url, init())).body),
    nostore: async () => drain((await fetch(url, { ...init(), cache: "no-store" })).body),
    signal: async () => drain((await fetch(url, { ...init(), signal: new AbortController().signal, redirect: "manual" })).body),
    wrap: async () => drain(wrap((await fetch(url, init())).body)),
    downloadZip: async () => drain(await cl.downloadZip(paths)),
  };
  const names = Object.keys(c), t = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i <= reps; i++) for (const k of names) { const t0 = performance.now(); for (let j = 0; j < 3; j++) await c[k](); if (i) t[k].push((performance.now() - t0) / 3); }
  const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
  return names.map((n) => `${n} ${med(t[n]).toFixed(2)} ms`).join(" | ");
}, { base, paths: JSON.parse(process.argv[2] || '["/Lot-1500"]'), reps: +(process.argv[3] || 9) });
console.log(out);
await browser.close(); await server.close();
