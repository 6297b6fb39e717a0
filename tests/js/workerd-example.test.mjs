// examples/worker (the Cloudflare Worker example) in workerd: bundled by its own wrangler
// (`wrangler deploy --dry-run` through its build script, which also checks the bundle size), run
// by Miniflare with KV and R2 simulated, against the fake Échange + PRE-ETAT.DATE on 127.0.0.1.
// Routes, caller auth, the webhook receiver (fake deliveries, repeats, malformed bodies), a
// streamed zip, `wrangler dev`. The scheduled sync (Durable Objects, overlapping runs, two
// accounts) is tested in workerd-mirror-worker.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, createSign, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { EXAMPLE_DIR, QUIET, R2_OBJECTS_SOURCE, buildExample as buildExampleInto } from "../worker/example-harness.mjs";
import { ROOT, USER, fakeUrl, reset, requests, rawListing, expectedEntries, comparable, typeFromMode } from "./helpers.mjs";
import { unzip } from "passerelle";

// ───────────────────────────── support ─────────────────────────────

const OUT = `${ROOT}target/worker-example-bundle`;
const PED = { email: "notaire@example.fr", password: "Secret-Été-2025", apiKey: "ped-test-key" };
const GATEWAY_SECRET = "passerelle-gateway-secret-for-tests";
const WEBHOOK_SECRET = "cle-du-webhook-42";

/** Bindings as wrangler.toml vars + secrets would give them (upstreams: the fake). */
async function bindings(overrides) {
  const base = await fakeUrl();
  return {
    ECHANGE_URL: base, ECHANGE_USERNAME: USER.username, ECHANGE_PASSWORD: USER.password,
    PED_URL: base, PED_API_KEY: PED.apiKey, PED_EMAIL: PED.email, PED_PASSWORD: PED.password,
    GATEWAY_SECRET, WEBHOOK_SECRET, SYNC_PREFIX: "echange/", SYNC_CONCURRENCY: "4",
    ...overrides,
  };
}
/** Every secret the Worker holds: none may appear in a response. */
const SECRETS = [USER.password, PED.password, PED.apiKey, GATEWAY_SECRET, WEBHOOK_SECRET];

/** Builds the example's bundle; prints its size lines and returns the gzip total. */
async function buildExample() {
  const stdout = await buildExampleInto(OUT);
  for (const line of stdout.split("\n")) if (line.startsWith("bundle:")) console.log(line);
  const m = /bundle: total \d+ bytes raw .*?, (\d+) bytes gzip/.exec(stdout);
  return { stdout, gzip: m ? Number(m[1]) : NaN };
}

// A second Worker in the same workerd, bound to the same KV namespace and R2 bucket, through
// which the tests read what the example stored (hashing inside workerd, one request per check).
const INSPECTOR = `${R2_OBJECTS_SOURCE}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/kv") {
      const v = await env.STATE.get(url.searchParams.get("key"));
      return Response.json(v === null ? null : JSON.parse(v));
    }
    return r2Objects(env.FILES, url.searchParams.get("prefix") ?? "");
  },
};`;

/** Runs the bundled example in workerd (Miniflare), KV and R2 simulated in memory. */
async function startExample(overrides = {}) {
  const storage = { compatibilityDate: "2025-06-01", kvNamespaces: { STATE: "state" }, r2Buckets: { FILES: "files" } };
  const mf = new Miniflare({
    workers: [
      {
        name: "example",
        modules: true,
        scriptPath: `${OUT}/index.js`,
        modulesRoot: OUT,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        bindings: await bindings(overrides),
        durableObjects: { SYNC: { className: "SyncCoordinator", useSQLite: true } },
        ...storage,
      },
      { name: "inspector", modules: true, script: INSPECTOR, ...storage },
    ],
  });
  const url = String(await mf.ready);
  const inspect = async (path) => {
    const res = await (await mf.getWorker("inspector")).fetch(`http://inspector.test${path}`);
    assert.equal(res.status, 200);
    return res.json();
  };
  return {
    mf,
    url,
    fetch: (path, init) => mf.dispatchFetch(`http://worker.test${path}`, init),
    scheduled: async () => (await mf.getWorker("example")).scheduled({ cron: "*/15 * * * *", scheduledTime: new Date() }),
    /** The KV value at `key`, parsed (null when absent). */
    kv: (key) => inspect(`/kv?key=${encodeURIComponent(key)}`),
    /** Every R2 object under `prefix`: key → { size, sha256, customMetadata }. */
    r2: async (prefix) => new Map(Object.entries(await inspect(`/r2?prefix=${encodeURIComponent(prefix)}`))),
    dispose: () => mf.dispose(),
  };
}

async function control(method, path, body) {
  const res = await fetch(`${await fakeUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** Every regular file under `dir`, from raw listings (independent of the package). */
async function fakeTree(dir) {
  const out = [];
  for (const e of await rawListing(dir)) {
    const path = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
    const type = typeFromMode(e.mode);
    if (type === "dir") out.push(...(await fakeTree(path)));
    else if (type === "file") out.push({ path, size: e.size, last_modified: e.last_modified });
  }
  return out;
}

const fakeSha256 = (path) => control("GET", `/__fake/echange/sha256?path=${encodeURIComponent(path)}`);

/** The Échange bearer tokens the fake has seen since the last reset. */
async function observedTokens() {
  const seen = new Set();
  for (const r of await requests()) {
    const m = /^Bearer (.+)$/.exec(r.headers.authorization ?? "");
    if (m) seen.add(m[1]);
  }
  return [...seen];
}

let build; // { stdout, gzip }
let main; // the Miniflare instance most tests share (SYNC_FOLDERS = "/")
let access; // Cloudflare Access simulation: { url, aud, sign(claims, key?) }

before(async () => {
  build = await buildExample();
  access = await startAccessKeys();
  main = await startExample({
    SYNC_FOLDERS: '["/"]',
    SYNC_MAX_FILES: "5000",
    ACCESS_TEAM_DOMAIN: access.url,
    ACCESS_AUD: access.aud,
  });
});

after(async () => {
  await main?.dispose();
  access?.close();
});

const auth = { authorization: `Bearer ${GATEWAY_SECRET}` };

/** A JWKS endpoint on 127.0.0.1 standing in for `<team>.cloudflareaccess.com/cdn-cgi/access/certs`. */
async function startAccessKeys() {
  const good = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "test-kid-1";
  const jwk = { ...good.publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const server = createServer((req, res) => {
    if (req.url === "/cdn-cgi/access/certs") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  return {
    url,
    aud: "aud-" + randomUUID(),
    close: () => server.close(),
    sign(claims, key = good.privateKey) {
      const head = b64({ alg: "RS256", kid, typ: "JWT" });
      const body = b64(claims);
      const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(key).toString("base64url");
      return `${head}.${body}.${sig}`;
    },
    otherKey: other.privateKey,
  };
}

// ───────────────────────────── bundle ─────────────────────────────

test("the Worker bundles with its own wrangler and its gzip size is printed, within budget", () => {
  assert.match(build.stdout, /bundle: total \d+ bytes raw .*, \d+ bytes gzip/);
  assert.match(build.stdout, /within budget/);
  assert.ok(build.gzip > 50_000, `the bundle holds the wasm module (${build.gzip} bytes gzip)`);
  assert.ok(build.gzip < 1024 * 1024, `gzip ${build.gzip} bytes is under a third of the 3 MiB free-plan limit`);
});

// ───────────────────────────── auth ─────────────────────────────

test("gateway routes refuse callers without the shared secret or a valid Access JWT", async () => {
  await reset();
  const now = Math.floor(Date.now() / 1000);
  const good = { aud: [access.aud], iss: access.url, exp: now + 600, iat: now, email: "a@example.fr" };
  const refused = [
    {},
    { authorization: "Bearer wrong-secret" },
    { authorization: `Basic ${GATEWAY_SECRET}` },
    { authorization: `Bearer ${GATEWAY_SECRET}x` },
    { "cf-access-jwt-assertion": access.sign({ ...good, aud: ["another-app"] }) },
    { "cf-access-jwt-assertion": access.sign({ ...good, iss: "https://evil.example" }) },
    { "cf-access-jwt-assertion": access.sign({ ...good, exp: now - 3600 }) },
    { "cf-access-jwt-assertion": access.sign(good, access.otherKey) },
    { "cf-access-jwt-assertion": "not.a.jwt" },
  ];
  for (const headers of refused) {
    for (const [method, path] of [["GET", "/api/list?path=/"], ["GET", "/api/zip?path=/Lot-1500"], ["POST", "/api/orders"], ["POST", "/api/orders/ABC/refresh"], ["POST", "/api/sync"]]) {
      const res = await main.fetch(path, { method, headers, body: method === "POST" ? "{}" : undefined });
      const text = await res.text();
      assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}: ${text}`);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  }
  assert.deepEqual(await requests(), [], "a refused caller causes no upstream request");
  const orders = await control("GET", "/__fake/ped/requests");
  assert.equal(Object.values(orders).reduce((a, b) => a + b, 0), 0, "nor a PRE-ETAT.DATE request");

  for (const headers of [auth, { "cf-access-jwt-assertion": access.sign(good) }]) {
    const res = await main.fetch("/api/list?path=/", { headers });
    assert.equal(res.status, 200, JSON.stringify(headers).slice(0, 40));
    await res.arrayBuffer();
  }
});

test("a Worker with no caller authentication configured refuses the gateway (fails closed)", async () => {
  const bare = await startExample({ GATEWAY_SECRET: "", SYNC_FOLDERS: "/" });
  try {
    const res = await bare.fetch("/api/list?path=/", { headers: auth });
    assert.equal(res.status, 503, await res.text());
  } finally {
    await bare.dispose();
  }
});

test("/healthz answers without auth; unknown routes and wrong methods are refused", async () => {
  let res = await main.fetch("/healthz");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
  res = await main.fetch("/api/nothing-here", { headers: auth });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
  res = await main.fetch("/api/list", { method: "DELETE", headers: auth });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET");
  await res.arrayBuffer();
  res = await main.fetch("/webhooks/pre-etat-date");
  assert.equal(res.status, 405);
  await res.arrayBuffer();
});

// ───────────────────────────── gateway: Échange ─────────────────────────────

test("GET /api/list returns the server's entries and never an upstream credential", async () => {
  const folder = "/Relevés/Déc 2025";
  await reset();
  const expected = expectedEntries(folder, await rawListing(folder));
  await reset();
  const res = await main.fetch(`/api/list?path=${encodeURIComponent(folder)}`, { headers: auth });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(res.headers.get("access-control-allow-origin"), null, "same-origin: no CORS");
  const body = JSON.parse(text);
  assert.equal(body.path, folder);
  assert.deepEqual(comparable(body.entries), comparable(expected));
  const tokens = await observedTokens();
  assert.equal(tokens.length, 1, "the Worker used one Échange token");
  for (const secret of [...SECRETS, ...tokens]) assert.ok(!text.includes(secret), "no secret in the response");
});

test("GET /api/list maps upstream errors and refuses unusable paths", async () => {
  await reset();
  let res = await main.fetch(`/api/list?path=${encodeURIComponent("/Relevés/Nulle part")}`, { headers: auth });
  let body = await res.json();
  assert.equal(res.status, 404, JSON.stringify(body));
  assert.equal(body.error.code, "not_found");
  assert.equal(body.error.upstreamStatus, 404);
  const tokens = await observedTokens();
  for (const secret of [...SECRETS, ...tokens]) assert.ok(!JSON.stringify(body).includes(secret));

  res = await main.fetch(`/api/list?path=${encodeURIComponent("/Relevés/../..")}`, { headers: auth });
  body = await res.json();
  assert.equal(res.status, 400);
  assert.equal(body.error.code, "invalid_input");

  // Wrong upstream password: the caller gets a gateway error (502), not a 401 it could "fix".
  const wrong = await startExample({ ECHANGE_PASSWORD: "pas-le-bon-mot-de-passe", SYNC_FOLDERS: "/" });
  try {
    res = await wrong.fetch("/api/list?path=/", { headers: auth });
    const text = await res.text();
    assert.equal(res.status, 502, text);
    assert.equal(JSON.parse(text).error.code, "unauthorized");
    assert.ok(!text.includes("pas-le-bon-mot-de-passe"));
  } finally {
    await wrong.dispose();
  }
});

test("GET /api/zip streams the 1,500-file folder through; every entry unzips byte-exact", async () => {
  await reset();
  const res = await main.fetch(`/api/zip?path=${encodeURIComponent("/Lot-1500")}`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/zip");
  assert.match(res.headers.get("content-disposition"), /^attachment; filename="Lot-1500\.zip"/);
  const seen = new Map();
  for await (const entry of unzip(Readable.toWeb(Readable.from(res.body)))) {
    if (entry.is_dir) continue;
    seen.set(entry.name, sha256(await entry.bytes()));
  }
  const names = [...seen.keys()].sort();
  assert.equal(names.length, 1500);
  assert.equal(names[0], "Lot-1500/f0000.csv");
  assert.equal(names[1499], "Lot-1500/f1499.csv");
  for (const name of names) {
    assert.equal(seen.get(name), (await fakeSha256(`/${name}`)).sha256, name);
  }
  const zips = (await requests()).filter((r) => r.path === "/api/v2/user/streamzip");
  assert.equal(zips.length, 1, "one upstream streamzip request");
});

test("GET /api/zip does not buffer: an upstream cut after 1 MiB reaches the caller mid-body", async () => {
  await reset();
  // Every streamzip now fails once 1 MiB of zip has been produced (200 + part of the body).
  await control("POST", "/__fake/echange/config", { streamzip_abort_at: 1024 * 1024 });
  try {
    const res = await main.fetch(`/api/zip?path=${encodeURIComponent("/Volumineux")}`, { headers: auth });
    // A buffering gateway would have met the failure before answering, and sent an error status.
    assert.equal(res.status, 200);
    const chunks = [];
    let received = 0;
    try {
      for await (const chunk of res.body) {
        chunks.push(chunk);
        received += chunk.byteLength;
      }
    } catch {
      // workerd may also abort the response instead of ending it: either way it is cut short.
    }
    assert.ok(received >= 1024 * 1024 && received < 2 * 1024 * 1024, `what upstream produced before the cut was relayed (${received} bytes)`);
    // The archive has no end: a reader detects it (Go's layout ends with the central directory).
    await assert.rejects(async () => {
      for await (const entry of unzip(new Blob(chunks).stream())) await entry.bytes();
    }, (err) => err.code === "truncated" || err.code === "invalid_response");
  } finally {
    await reset();
  }
});

test("GET /api/zip refuses an empty or root selection", async () => {
  for (const q of ["", "?path=", "?path=/", "?path=/a/../.."]) {
    const res = await main.fetch(`/api/zip${q}`, { headers: auth });
    assert.equal(res.status, 400, q);
    await res.arrayBuffer();
  }
});

// ───────────────────────────── gateway: PRE-ETAT.DATE ─────────────────────────────

const ORDER = {
  address: "12 rue des Lilas",
  city: "Lyon",
  zipcode: "69003",
  owners: [{ firstname: "Jeanne", lastname: "Martin" }],
  invoice: { address: "12 rue des Lilas", city: "Lyon", zipcode: "69003", lastname: "Martin" },
  method: "extranet",
  syndic: { name: "Syndic Exemple", username: "syndic-login", password: "Syndic-Secret-42", url: "https://extranet.example.fr" },
  external_id: "dossier-1221",
  test_mode: true,
};

async function createOrder() {
  const res = await main.fetch("/api/orders", { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(ORDER) });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  for (const secret of [...SECRETS, ORDER.syndic.password]) assert.ok(!text.includes(secret), "no secret in the response");
  return JSON.parse(text);
}

test("POST /api/orders creates an order upstream; an invalid one gets 400 with the issues, unsent", async () => {
  await control("POST", "/__fake/ped/reset", {});
  const tx = await createOrder();
  assert.equal(typeof tx.orderid, "string");
  assert.equal(tx.state, "confirmed");
  assert.equal(tx.external_id, ORDER.external_id);
  const { orders, request_counts } = await control("GET", "/__fake/ped/orders");
  assert.equal(orders.length, 1);
  assert.equal(orders[0].orderid, tx.orderid);
  assert.equal(request_counts["POST /order/"], 1);

  const bad = { ...ORDER, zipcode: "6900", owners: [] };
  const res = await main.fetch("/api/orders", { method: "POST", headers: auth, body: JSON.stringify(bad) });
  const body = await res.json();
  assert.equal(res.status, 400);
  const paths = body.error.issues.map((i) => i.path);
  assert.ok(paths.includes("zipcode"), JSON.stringify(body));
  assert.ok(paths.some((p) => p.startsWith("owners")), JSON.stringify(body));
  for (const text of ["not json", "[1,2]"]) {
    const r = await main.fetch("/api/orders", { method: "POST", headers: auth, body: text });
    assert.equal(r.status, 400);
    await r.arrayBuffer();
  }
  assert.equal((await control("GET", "/__fake/ped/requests"))["POST /order/"], 1, "invalid orders were not sent");
});

test("POST /api/orders/:orderid/refresh requests a refresh; an unknown order is 404", async () => {
  await control("POST", "/__fake/ped/reset", {});
  const tx = await createOrder();
  const refreshReq = { method: "extranet", comment: "Nouvel appel de fonds", syndic: ORDER.syndic };
  let res = await main.fetch(`/api/orders/${tx.orderid}/refresh`, { method: "POST", headers: auth, body: JSON.stringify(refreshReq) });
  let text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text);
  assert.equal(body.orderid, tx.orderid);
  assert.equal(body.refreshed, true);
  assert.ok(!text.includes(ORDER.syndic.password));
  const { orders } = await control("GET", "/__fake/ped/orders");
  assert.equal(orders[0].refresh_count, 1);

  res = await main.fetch("/api/orders/INCONNU42/refresh", { method: "POST", headers: auth, body: JSON.stringify(refreshReq) });
  text = await res.text();
  assert.equal(res.status, 404, text);
  assert.equal(JSON.parse(text).error.code, "not_found");
});

// ───────────────────────────── webhooks ─────────────────────────────

const webhookUrl = (key = WEBHOOK_SECRET) => `${main.url}webhooks/pre-etat-date?key=${encodeURIComponent(key)}`;

test("webhooks delivered by PRE-ETAT.DATE: PDF in R2 under the orderid, state in KV, repeats idempotent", async () => {
  await control("POST", "/__fake/ped/reset", {});
  await control("POST", "/__fake/ped/callback", { email: PED.email, url: webhookUrl() });
  const tx = await createOrder();
  for (const state of ["received", "waiting", "done"]) {
    await control("POST", "/__fake/ped/advance", { orderid: tx.orderid, state });
  }
  let deliveries = await control("GET", "/__fake/ped/webhooks");
  assert.deepEqual(deliveries.map((d) => [d.event, d.reply_status]), [["received", 200], ["waiting", 200], ["done", 200]]);
  const done = deliveries[2];
  const pdf = Buffer.from(done.body.content, "base64");

  const check = async () => {
    const rec = await main.kv(`order:${tx.orderid}`);
    assert.equal(rec.status, "done");
    assert.equal(rec.external_id, ORDER.external_id);
    assert.deepEqual(rec.events.map((e) => e.status), ["received", "waiting", "done"]);
    assert.equal(rec.pdf.key, `pre-etat-date/${tx.orderid}.pdf`);
    assert.equal(rec.documents.length, done.body.documents.length);
    const stored = await main.r2("pre-etat-date/");
    assert.deepEqual([...stored.keys()], [`pre-etat-date/${tx.orderid}.pdf`]);
    assert.equal(stored.get(`pre-etat-date/${tx.orderid}.pdf`).sha256, sha256(pdf));
    return rec;
  };
  const before = await check();

  // The service delivers the same notifications again (retries, duplicates): still 200, nothing new.
  await control("POST", "/__fake/ped/redeliver", { orderid: tx.orderid, times: 2 });
  deliveries = await control("GET", "/__fake/ped/webhooks");
  assert.ok(deliveries.length > 3, "redeliveries happened");
  assert.ok(deliveries.every((d) => d.reply_status === 200), JSON.stringify(deliveries.map((d) => d.reply_status)));
  const afterRepeat = await check();
  assert.deepEqual(afterRepeat, before, "repeated deliveries changed nothing");

  // The gateway shows the recorded state and serves the PDF.
  let res = await main.fetch(`/api/orders/${tx.orderid}`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, "done");
  res = await main.fetch(`/api/orders/${tx.orderid}/pdf`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/pdf");
  assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), sha256(pdf));
  res = await main.fetch("/api/orders/JAMAISVU/pdf", { headers: auth });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
});

test("webhook receiver: malformed bodies get 400 and store nothing; a wrong URL key gets 401", async () => {
  const post = (body, key) => main.fetch(`/webhooks/pre-etat-date?key=${encodeURIComponent(key ?? WEBHOOK_SECRET)}`, {
    method: "POST", headers: { "content-type": "application/json" }, body,
  });
  const bad = [
    "", "not json", "{\"status\":\"done\"", "[]", "null",
    JSON.stringify({ status: "done" }),
    JSON.stringify({ orderid: "MALFORME1" }),
    JSON.stringify({ status: "done", orderid: "MALFORME2", content: "***pas du base64***" }),
    JSON.stringify({ status: "done", orderid: "../../etc/passwd" }),
  ];
  for (const body of bad) {
    const res = await post(body);
    const text = await res.text();
    assert.equal(res.status, 400, `${body} → ${text}`);
  }
  for (const id of ["MALFORME1", "MALFORME2"]) assert.equal(await main.kv(`order:${id}`), null);

  const good = JSON.stringify({ status: "waiting", orderid: "CLEAUTH1", external_id: null });
  let res = await post(good, "mauvaise-cle");
  assert.equal(res.status, 401);
  await res.arrayBuffer();
  assert.equal(await main.kv("order:CLEAUTH1"), null);
  res = await post(good);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).duplicate, false);
  res = await post(good);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).duplicate, true);
  assert.equal((await main.kv("order:CLEAUTH1")).events.length, 1);
});

test("`wrangler dev` serves the example against a configured upstream (vars + an env file of secrets)", async () => {
  const { spawn } = await import("node:child_process");
  const { createServer: netServer } = await import("node:net");
  const { mkdirSync, writeFileSync, rmSync } = await import("node:fs");
  const dir = `${ROOT}target/worker-example-dev`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // What a developer puts in .dev.vars (here in target/, so the repository stays clean).
  writeFileSync(`${dir}/dev.env`, [
    `ECHANGE_PASSWORD=${JSON.stringify(USER.password)}`, `PED_API_KEY=${PED.apiKey}`,
    `PED_PASSWORD=${JSON.stringify(PED.password)}`, `GATEWAY_SECRET=${GATEWAY_SECRET}`, "",
  ].join("\n"));
  const port = await new Promise((ok) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
  const base = await fakeUrl();
  const child = spawn(`${EXAMPLE_DIR}/node_modules/.bin/wrangler`, [
    "dev", "--ip", "127.0.0.1", "--port", String(port), "--test-scheduled",
    "--persist-to", `${dir}/state`, "--env-file", `${dir}/dev.env`,
    "--var", `ECHANGE_URL:${base}`, "--var", `PED_URL:${base}`, "--var", "SYNC_FOLDERS:/Relevés",
  ], { cwd: EXAMPLE_DIR, env: QUIET, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    await new Promise((ok, ko) => {
      const timer = setTimeout(() => ko(new Error(`wrangler dev did not get ready:\n${log}`)), 90_000);
      const check = () => {
        if (/Ready on http:\/\/127\.0\.0\.1:\d+/.test(log)) {
          clearTimeout(timer);
          ok();
        }
      };
      child.stdout.on("data", check);
      child.stderr.on("data", check);
      child.once("exit", (c) => ko(new Error(`wrangler dev exited (${c}):\n${log}`)));
    });
    assert.ok(!log.includes(USER.password) && !log.includes(GATEWAY_SECRET), "wrangler dev does not print the secrets");
    await reset();
    const url = `http://127.0.0.1:${port}`;
    assert.equal(await (await fetch(`${url}/healthz`)).text(), "ok");
    let res = await fetch(`${url}/api/list?path=${encodeURIComponent("/Relevés/Nov 2025")}`, { headers: auth });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.entries.map((e) => e.name).sort(), ["notes.txt", "releve-01.csv", "releve-02.csv"]);
    res = await fetch(`${url}/api/list`);
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    // The cron handler, through wrangler's /__scheduled test route.
    res = await fetch(`${url}/__scheduled?cron=${encodeURIComponent("*/15 * * * *")}`);
    assert.equal(res.status, 200, await res.text());
    // The run went through the account's Durable Object (wrangler.toml's binding + migration).
    const { accounts } = await (await fetch(`${url}/api/sync`, { headers: auth })).json();
    const files = await fakeTree("/Relevés");
    assert.equal(accounts.length, 1, JSON.stringify(accounts));
    const { lastRun } = accounts[0];
    assert.equal(lastRun.status, "ok", JSON.stringify(lastRun));
    assert.equal(lastRun.fetched, files.length, JSON.stringify(lastRun));
    assert.equal(lastRun.failed, 0);
  } finally {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((ok) => (child.exitCode !== null || child.signalCode !== null ? ok() : child.once("exit", ok)));
  }
});
