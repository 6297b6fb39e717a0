// A small programmable hostile HTTP server on 127.0.0.1, for the hostile-server suite
// (tests/js/node-hostile.test.mjs) and the long run (bench/longrun.mjs).
//
// Every scenario lives under its own path prefix, so a client's `baseUrl` picks it:
//   `${url}/s/<scenario>` — e.g. new EchangeClient({ baseUrl: `${url}/s/normal`, … }).
// A second server, the "foreign" origin, records every request it gets (method, path, headers,
// body) and answers like a cooperative API would, so a test can check that no credential and no
// request body ever reached it.
//
// Run alone (`node tests/hostile/server.mjs`) it prints its URL and the foreign URL, one a line.

import http from "node:http";
import zlib from "node:zlib";
import { once } from "node:events";
import { promisify } from "node:util";

export const SECRETS = {
  username: "hostile-user",
  password: "Pw-échange-S3CRET-1",
  token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJob3N0aWxlIn0.TOKEN-S3CRET-2",
  apiKey: "API-KEY-S3CRET-3",
  email: "notaire@example.fr",
  pedPassword: "Ped-S3CRET-4",
};

// ───────────────────────────── zip building ─────────────────────────────

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/**
 * A stored (uncompressed) zip of `entries` ([name: string | Buffer, data: Buffer]), sizes in
 * the local headers. Names are written raw with the UTF-8 flag.
 */
export function storedZip(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [rawName, data] of entries) {
    const name = Buffer.isBuffer(rawName) ? rawName : Buffer.from(rawName, "utf8");
    const crc = zlib.crc32(data);
    const fixed = [u16(20), u16(0x0800), u16(0), u16(0), u16(0x21), u32(crc), u32(data.length), u32(data.length), u16(name.length), u16(0)];
    const local = Buffer.concat([u32(0x04034b50), ...fixed, name, data]);
    central.push(Buffer.concat([u32(0x02014b50), u16(20), ...fixed, u16(0), u16(0), u16(0), u32(0), u32(offset), name]));
    parts.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(central);
  const n = entries.length;
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(n), u16(n), u32(cd.length), u32(offset), u16(0)]);
  return Buffer.concat([...parts, cd, end]);
}

/**
 * A one-entry Deflate zip (Go's layout: data descriptor) whose entry `bomb.bin` inflates to
 * `mib` MiB of zeros. Built once per size, streaming (no buffer of the inflated size).
 */
const bombs = new Map();
export async function bombZip(mib) {
  if (bombs.has(mib)) return bombs.get(mib);
  const name = Buffer.from("bomb.bin");
  const deflate = zlib.createDeflateRaw({ level: 1 });
  const chunks = [];
  deflate.on("data", (c) => chunks.push(c));
  const zeros = Buffer.alloc(1 << 20);
  let crc = 0;
  for (let i = 0; i < mib; i++) {
    crc = zlib.crc32(zeros, crc);
    if (!deflate.write(zeros)) await once(deflate, "drain");
  }
  deflate.end();
  await once(deflate, "end");
  const data = Buffer.concat(chunks);
  const size = mib * (1 << 20);
  const fixed = [u16(20), u16(0x0808), u16(8), u16(0), u16(0x21)];
  const local = Buffer.concat([u32(0x04034b50), ...fixed, u32(0), u32(0), u32(0), u16(name.length), u16(0), name]);
  const desc = Buffer.concat([u32(0x08074b50), u32(crc), u32(data.length), u32(size)]);
  const cdr = Buffer.concat([u32(0x02014b50), u16(20), ...fixed, u32(crc), u32(data.length), u32(size), u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0), u32(0), name]);
  const cdOffset = local.length + data.length + desc.length;
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(1), u16(1), u32(cdr.length), u32(cdOffset), u16(0)]);
  const zip = Buffer.concat([local, data, desc, cdr, end]);
  bombs.set(mib, zip);
  return zip;
}

/** `count` entries whose names are `nameBytes` long (distinct, safe), each holding 1 byte. */
const longNameZips = new Map();
export function longNamesZip(count, nameBytes) {
  const key = `${count}:${nameBytes}`;
  if (!longNameZips.has(key)) {
    const entries = [];
    for (let i = 0; i < count; i++) {
      const id = `${i}`.padStart(8, "0");
      entries.push([id + "n".repeat(nameBytes - id.length), Buffer.from("x")]);
    }
    longNameZips.set(key, storedZip(entries));
  }
  return longNameZips.get(key);
}

/** A small archive: a folder and two files. */
export const SMALL_ZIP = storedZip([
  ["docs/", Buffer.alloc(0)],
  ["docs/a.txt", Buffer.from("hello hostile world\n")],
  ["docs/b.csv", Buffer.from("a;b\n1;2\n".repeat(100))],
]);

// ───────────────────────────── JSON bodies ─────────────────────────────

const ISO = "2026-01-01T00:00:00Z";
function listing(names) {
  return JSON.stringify(names.map(([name, dir]) => ({ name, size: dir ? undefined : 1, mode: dir ? 2147484141 : 420, last_modified: ISO })));
}
function tokenBody() {
  return JSON.stringify({ access_token: SECRETS.token, expires_at: new Date(Date.now() + 3600_000).toISOString() });
}
function pedEnvelope(payload) {
  return JSON.stringify({ success: true, message: "ok", payload });
}

/** A gzip body inflating to a JSON listing of about `mib` MiB (built once per size). */
const gzListings = new Map();
async function gzipListing(mib) {
  if (gzListings.has(mib)) return gzListings.get(mib);
  const gz = zlib.createGzip({ level: 1 });
  const chunks = [];
  gz.on("data", (c) => chunks.push(c));
  const one = JSON.stringify({ name: "f", size: 1, mode: 420, last_modified: ISO });
  const block = Buffer.from(`${one},`.repeat(Math.floor((1 << 20) / (one.length + 1))));
  gz.write("[");
  for (let i = 0; i < mib; i++) if (!gz.write(block)) await once(gz, "drain");
  gz.write(one + "]");
  gz.end();
  await once(gz, "end");
  const body = Buffer.concat(chunks);
  gzListings.set(mib, body);
  return body;
}

/**
 * A gzip listing of `n` distinct files as SFTPGo writes them (549,451 entries ≈ 50 MB of JSON,
 * the size the issue measured), built once per count.
 */
const bigListings = new Map();
function bigListing(n) {
  if (!bigListings.has(n)) {
    const parts = [];
    for (let i = 0; i < n; i++) {
      parts.push(`{"name":"releve-${String(i).padStart(7, "0")}.csv","size":${i},"mode":420,"last_modified":"${ISO}"}`);
    }
    // Compressed on the thread pool: the server keeps answering meanwhile.
    bigListings.set(n, promisify(zlib.gzip)(`[${parts.join(",")}]`, { level: 1 }));
  }
  return bigListings.get(n);
}

// ───────────────────────────── the servers ─────────────────────────────

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

function send(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body ?? "");
  res.writeHead(status, { "content-length": buf.length, "content-type": "application/json", ...headers });
  res.end(buf);
}

/** Answers like the real APIs, for the scenario `normal` and the foreign origin. */
function cooperative(req, res, path, body) {
  if (path.startsWith("/api/v2/user/token")) return send(res, 200, tokenBody());
  if (path.startsWith("/api/v2/user/dirs")) return send(res, 200, listing([["docs", true], ["a.txt", false]]));
  if (path.startsWith("/api/v2/user/streamzip")) return send(res, 200, SMALL_ZIP, { "content-type": "application/zip" });
  if (path.startsWith("/api/v2/user/files")) return send(res, 200, "file content\n", { "content-type": "application/octet-stream" });
  if (path.startsWith("/account/auth")) return send(res, 200, pedEnvelope({ access_token: "foreign-token" }));
  if (path.startsWith("/health")) return send(res, 200, pedEnvelope({ status: "up" }));
  if (path.startsWith("/order")) return send(res, 200, pedEnvelope({ orderid: "FOREIGN", state: "confirmed" }));
  return send(res, 404, JSON.stringify({ error: "not found", message: path }));
}

/** Every scenario: (req, res, rest of the path after /s/<name>, request body, ctx). */
const SCENARIOS = {
  normal: (req, res, path, body) => cooperative(req, res, path, body),

  /** Item 1: every API call is redirected (307, body kept) to the foreign origin. */
  "redirect-cross": (req, res, path, _b, ctx) => {
    res.writeHead(307, { location: `${ctx.foreignUrl}${path}` });
    res.end();
  },
  /** Item 1: the token is fine, the data calls go (302) to the foreign origin. */
  "redirect-cross-data": (req, res, path, body, ctx) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    res.writeHead(302, { location: `${ctx.foreignUrl}${path}` });
    res.end();
  },
  /** Items 1 and 9: every call redirects to itself. */
  "redirect-loop": (req, res, path, body) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    res.writeHead(302, { location: req.url });
    res.end();
  },
  /** Item 9: a redirect to a file: URL. */
  "redirect-file": (req, res, path, body) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    res.writeHead(302, { location: "file:///etc/passwd" });
    res.end();
  },

  /** Item 2: a 500 whose plain-text body echoes the request headers and body. */
  echo: (req, res, path, body) => {
    const text = `echo: ${req.method} ${path}\n${JSON.stringify(req.headers)}\n${body.toString("utf8")}`;
    send(res, 500, text, { "content-type": "text/plain" });
  },
  /** Item 2: a JSON error whose message and error fields echo the credentials sent. */
  "echo-json": (req, res, path, body) => {
    const auth = req.headers.authorization ?? "";
    const echoed = `${auth} ${req.headers["x-auth-key"] ?? ""} ${body.toString("utf8")}`;
    send(res, 401, JSON.stringify({ success: false, error: echoed, message: echoed }));
  },

  /** Item 3: walk() over folders that each answer a big gzip listing. */
  "gzip-folders": async (req, res, path, body, ctx) => {
    if (!path.startsWith("/api/v2/user/dirs")) return cooperative(req, res, path, body);
    const url = new URL(`http://x${path}`);
    const at = url.searchParams.get("path") ?? "/";
    if (at === "/" || at === "") {
      return send(res, 200, listing([["d1", true], ["d2", true], ["d3", true]]));
    }
    const gz = await gzipListing(ctx.param("mib", 64));
    send(res, 200, gz, { "content-encoding": "gzip" });
  },
  /** Item 5: one listing, 1 MB of gzip inflating to a large JSON array. */
  "gzip-bomb": async (req, res, path, body, ctx) => {
    if (!path.startsWith("/api/v2/user/dirs")) return cooperative(req, res, path, body);
    const gz = await gzipListing(ctx.param("mib", 256));
    send(res, 200, gz, { "content-encoding": "gzip" });
  },

  /** Item 6: one honest but very long listing (`~n.N` entries, default 549,451). */
  "big-listing": async (req, res, path, body, ctx) => {
    if (!path.startsWith("/api/v2/user/dirs")) return cooperative(req, res, path, body);
    send(res, 200, await bigListing(ctx.param("n", 549_451)), { "content-encoding": "gzip" });
  },

  /** Item 4: headers, 1,000 bytes, then silence (the connection stays open). */
  stall: (req, res, path, body, ctx) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    if (path.startsWith("/api/v2/user/dirs")) return cooperative(req, res, path, body);
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(path.startsWith("/api/v2/user/streamzip") ? SMALL_ZIP.subarray(0, 1000) : Buffer.alloc(1000, 0x61));
    ctx.stalled.add(res);
  },

  /** Item 7: every folder holds one sub-folder `a`, forever. */
  "endless-tree": (req, res, path, body, ctx) => {
    if (!path.startsWith("/api/v2/user/dirs")) return cooperative(req, res, path, body);
    ctx.count("endless-tree");
    send(res, 200, listing([["a", true], ["f.txt", false]]));
  },

  /** Item 9: a 1 MB response header. */
  "huge-header": (req, res, path, body) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    res.writeHead(200, { "content-type": "application/json", "x-huge": "h".repeat(1 << 20) });
    res.end("[]");
  },
  /** Item 9: a body shorter than its Content-Length (then the connection closes). */
  "short-body": (req, res, path, body) => {
    if (path.startsWith("/api/v2/user/token")) return cooperative(req, res, path, body);
    const full = path.startsWith("/api/v2/user/dirs") ? Buffer.from(listing([["a", false]])) : Buffer.alloc(10_000, 0x62);
    res.writeHead(200, { "content-length": full.length * 2, "content-type": "application/json" });
    res.end(full);
  },

  /** Items 3 and 6: archives served by downloadZip: `~zip.small`, `~zip.bomb~mib.N`, `~zip.longnames~n.N~len.N`. */
  zips: async (req, res, path, body, ctx) => {
    if (!path.startsWith("/api/v2/user/streamzip")) return cooperative(req, res, path, body);
    const kind = ctx.param("zip", "small");
    let zip = SMALL_ZIP;
    if (kind === "bomb") zip = await bombZip(ctx.param("mib", 300));
    if (kind === "longnames") zip = longNamesZip(ctx.param("n", 2000), ctx.param("len", 60_000));
    send(res, 200, zip, { "content-type": "application/zip" });
  },
};

/**
 * Starts the hostile server and the foreign origin. Query parameters of the base URL's scenario
 * segment (`/s/gzip-bomb~mib.64`, unreserved characters only) tune a scenario.
 */
export async function startHostile() {
  const foreignLog = [];
  const counts = new Map();
  const stalled = new Set();
  const foreign = http.createServer(async (req, res) => {
    const body = await readBody(req);
    foreignLog.push({ method: req.method, path: req.url, headers: req.headers, body: body.toString("utf8") });
    cooperative(req, res, req.url, body);
  });
  foreign.listen(0, "127.0.0.1");
  await once(foreign, "listening");
  const foreignUrl = `http://127.0.0.1:${foreign.address().port}`;

  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, async (req, res) => {
    try {
      const m = /^\/s\/([a-z-]+)((?:~[a-z]+\.[^/~]*)*)(\/.*)?$/.exec(req.url);
      if (!m || !SCENARIOS[m[1]]) return send(res, 404, JSON.stringify({ error: "no such scenario" }));
      const params = new Map(m[2].split("~").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf(".")), kv.slice(kv.indexOf(".") + 1)]));
      const body = await readBody(req);
      const ctx = {
        foreignUrl,
        stalled,
        count: (k) => counts.set(k, (counts.get(k) ?? 0) + 1),
        param: (k, d) => {
          const v = params.get(k);
          if (v === undefined) return d;
          return typeof d === "number" ? Number(v) : v;
        },
      };
      await SCENARIOS[m[1]](req, res, m[3] ?? "/", body, ctx);
    } catch (err) {
      if (!res.headersSent) send(res, 599, JSON.stringify({ error: String(err) }));
      else res.destroy();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    foreignUrl,
    foreignLog,
    counts,
    async close() {
      for (const r of stalled) r.destroy();
      server.closeAllConnections();
      foreign.closeAllConnections();
      server.close();
      foreign.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const h = await startHostile();
  console.log(h.url);
  console.log(h.foreignUrl);
}
