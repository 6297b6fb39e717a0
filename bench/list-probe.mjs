// Quick probe (not part of scripts/bench): listDir("/Liste-5000") vs fetch + response.json(),
// alternating, median of N; creates the 5,000 files through the fake when missing.
// Usage: PASSERELLE_FAKE_URL=… node bench/list-probe.mjs [reps] [listDir-only runs, for --cpu-prof]
import { EchangeClient } from "passerelle";
const reps = +(process.argv[2] || 9);
const profileRuns = +(process.argv[3] || 0);
const base = process.env.PASSERELLE_FAKE_URL;
const LIST = "/Liste-5000";
const client = new EchangeClient({ baseUrl: base, username: "fournisseur", password: "motdepasse-Été:2025" });
const { access_token } = await client.token();
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
if (profileRuns) {
  for (let i = 0; i < profileRuns; i++) await client.listDir(LIST);
  process.exit(0);
}
const c = {
  "fetch + json()": async () => (await (await fetch(url, { headers: auth })).json()).length,
  listDir: async () => (await client.listDir(LIST)).length,
};
const names = Object.keys(c);
const t = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i <= reps; i++) for (const k of names) { const t0 = performance.now(); for (let j = 0; j < 5; j++) await c[k](); if (i) t[k].push((performance.now() - t0) / 5); }
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
console.log(names.map((n) => `${n} ${med(t[n]).toFixed(1)} ms`).join(", "), `ratio ${(med(t.listDir) / med(t["fetch + json()"])).toFixed(3)}`);
