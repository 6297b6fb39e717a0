// Quick probe (not part of scripts/bench): downloadZip vs raw fetch of the same streamzip,
// alternating, median of N. Usage: PASSERELLE_FAKE_URL=… node bench/dl-probe.mjs [reps] [paths-json]
import { EchangeClient } from "passerelle";
const reps = +(process.argv[2] || 9);
const paths = JSON.parse(process.argv[3] || '["/Volumineux/gros-64MiB.bin"]');
const base = process.env.PASSERELLE_FAKE_URL;
const client = new EchangeClient({ baseUrl: base, username: "fournisseur", password: "motdepasse-Été:2025" });
const { access_token } = await client.token();
const init = () => ({ method: "POST", headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" }, body: JSON.stringify(paths) });
async function drain(stream) { const r = stream.getReader(); let n = 0; for (;;) { const { done, value } = await r.read(); if (done) return n; n += value.byteLength; } }
const c = {
  raw: async () => drain((await fetch(`${base}/api/v2/user/streamzip`, init())).body),
  "raw+Request+signal": async () => drain((await fetch(new Request(`${base}/api/v2/user/streamzip`, { ...init(), signal: new AbortController().signal }))).body),
  downloadZip: async () => drain(await client.downloadZip(paths)),
};
const names = Object.keys(c);
const t = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i <= reps; i++) for (const k of names) { const t0 = performance.now(); await c[k](); if (i) t[k].push(performance.now() - t0); }
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
console.log(names.map((n) => `${n} ${med(t[n]).toFixed(1)} ms (×${(med(t[n]) / med(t.raw)).toFixed(3)})`).join(", "));
