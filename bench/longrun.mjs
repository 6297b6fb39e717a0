// Long run (issue 10; not in CI): mixed calls, aborts and faults for LONGRUN_MINUTES (default
// 10) against the hostile server (tests/hostile/server.mjs, in a child process so that its
// memory is not counted) and, when PASSERELLE_FAKE_URL is set, the fake Échange server too.
// Every LONGRUN_SAMPLE_S seconds (default 30) prints one line: elapsed, operations, outcomes by
// error code, RSS, JS heap and wasm memory; at the end a summary of the memory curve. Memory is
// expected to stay flat: no GC is forced.
//
//   node bench/longrun.mjs                       (after scripts/build and the package install)
//   LONGRUN_MINUTES=1 node bench/longrun.mjs     (a short smoke run)
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { EchangeClient, PreEtatDateClient, unzip, wasmMemoryBytes } from "passerelle";

const MINUTES = Number(process.env.LONGRUN_MINUTES ?? 10);
const SAMPLE_S = Number(process.env.LONGRUN_SAMPLE_S ?? 30);
const SERVER = fileURLToPath(new URL("../tests/hostile/server.mjs", import.meta.url));
const MiB = 1 << 20;

async function startHostileChild() {
  const child = spawn(process.execPath, [SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  process.on("exit", () => child.kill("SIGTERM"));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const url = (await lines.next()).value;
  await lines.next();
  return url;
}

const hostile = await startHostileChild();
const fake = process.env.PASSERELLE_FAKE_URL?.replace(/\/+$/, "");
const secrets = { username: "hostile-user", password: "Pw-longrun" };
const ech = (scenario, extra = {}) => new EchangeClient({ baseUrl: `${hostile}/s/${scenario}`, ...secrets, retries: 0, ...extra });
const clients = {
  normal: ech("normal"),
  zips: ech("zips"),
  echo: ech("echo-json"),
  short: ech("short-body"),
  loop: ech("redirect-loop"),
  ped: new PreEtatDateClient({ baseUrl: `${hostile}/s/echo`, apiKey: "k-longrun", email: "a@b.fr", password: "p", retries: 0 }),
  fake: fake ? new EchangeClient({ baseUrl: fake, username: "fournisseur", password: "motdepasse-Été:2025", retries: 0 }) : undefined,
};

async function drain(iterable, breakAfter = Infinity) {
  let n = 0;
  for await (const e of iterable) {
    if (++n > breakAfter) break;
    if (!e.is_dir) await e.bytes();
  }
  return n;
}

async function readAll(stream) {
  for await (const _ of stream);
}

/** The operations, picked at random; each may reject (that is counted, not fatal). */
const OPS = [
  ["listDir", () => clients.normal.listDir("/")],
  ["unzip", async () => drain(unzip(await clients.zips.downloadZip(["/docs"])))],
  ["unzip-break", async () => drain(unzip(await clients.zips.downloadZip(["/docs"])), 1)],
  ["unzip-abort", async () => {
    const ac = new AbortController();
    const it = unzip(await clients.zips.downloadZip(["/docs"]), { signal: ac.signal });
    ac.abort();
    return drain(it);
  }],
  ["unzip-truncated", async () => {
    const zip = new Uint8Array(await new Response(await clients.zips.downloadZip(["/docs"])).arrayBuffer());
    return drain(unzip(new Blob([zip.subarray(0, 300)]).stream()));
  }],
  ["unzip-names", async () => drain(unzip(await ech("zips~zip.longnames~n.50~len.60000").downloadZip(["/d"])))],
  ["echo-401", () => clients.echo.listDir("/")],
  ["short-body", async () => readAll(await clients.short.downloadFile("/f"))],
  ["redirect-loop", () => clients.loop.listDir("/")],
  ["ped-echo", () => clients.ped.authenticate()],
  ["abort-listing", () => {
    const ac = new AbortController();
    const p = clients.normal.listDir("/", { signal: ac.signal });
    ac.abort();
    return p;
  }],
  ...(clients.fake ? [["fake-walk", () => clients.fake.walk("/")], ["fake-zip", async () => drain(unzip(await clients.fake.downloadZip(["/"])))]] : []),
];

const outcomes = new Map();
let ops = 0;
const t0 = Date.now();
const samples = [];
function sample() {
  const m = process.memoryUsage();
  const s = { s: Math.round((Date.now() - t0) / 1000), ops, rss: m.rss, heap: m.heapUsed, wasm: wasmMemoryBytes() };
  samples.push(s);
  const codes = [...outcomes].map(([k, v]) => `${k}=${v}`).join(" ");
  console.log(`t=${s.s}s ops=${ops} rss=${(s.rss / MiB).toFixed(1)}MiB heap=${(s.heap / MiB).toFixed(1)}MiB wasm=${(s.wasm / MiB).toFixed(1)}MiB  ${codes}`);
}
sample();
const timer = setInterval(sample, SAMPLE_S * 1000);
const end = t0 + MINUTES * 60_000;
const CONCURRENCY = 4;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) {
      const [name, op] = OPS[Math.floor(Math.random() * OPS.length)];
      let key;
      try {
        await op();
        key = "ok";
      } catch (err) {
        key = err?.code ?? `non-passerelle:${err?.name}`;
      }
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      ops++;
    }
  }),
);
clearInterval(timer);
sample();
const first = samples[1] ?? samples[0];
const last = samples.at(-1);
const max = (k) => Math.max(...samples.map((s) => s[k]));
console.log(
  `summary: ${ops} operations in ${MINUTES} min; RSS ${(first.rss / MiB).toFixed(1)} → ${(last.rss / MiB).toFixed(1)} MiB (max ${(max("rss") / MiB).toFixed(1)}); ` +
    `wasm ${(first.wasm / MiB).toFixed(1)} → ${(last.wasm / MiB).toFixed(1)} MiB (max ${(max("wasm") / MiB).toFixed(1)}); ` +
    `outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
);
process.exit(0);
