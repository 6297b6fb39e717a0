// A tiny static file server for tests and the demo (no dependencies).
//   import { serveStatic } from "./static-server.mjs";
//   const server = await serveStatic({ "/": "www", "/pkg/": "pkg" });  // server.url, server.close()
// CLI: node scripts/lib/static-server.mjs [--port N] [--plain] /=www /pkg/=pkg
//      (prints the URL, runs until killed; --plain: no compression, no revalidation)
// Binds 127.0.0.1 only. Serves index.html for folders; refuses paths escaping a mount.
//
// Text and WebAssembly go out compressed (brotli, else gzip, as the browser accepts), each
// encoding computed once per file version and kept in memory. Every response carries an ETag
// and `Cache-Control: no-cache`: a reload asks again and gets `304 Not Modified` (no body) for
// every file that has not changed, while an edited file is sent at once.
import { createServer } from "node:http";
import { createReadStream, promises as fs } from "node:fs";
import { resolve, join, extname, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};
/** Worth compressing (everything above; images and archives are compressed already). */
const COMPRESSIBLE = new Set(Object.keys(TYPES));
/** Files bigger than this are streamed as they are (compressing them in memory would cost too much). */
const COMPRESS_MAX = 32 * 1024 * 1024;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const ENCODERS = {
  br: (buf) => brotli(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: buf.length } }),
  gzip: (buf) => gz(buf, { level: 9 }),
};

/** The encoding to use for an Accept-Encoding header: "br", "gzip" or null. */
export function pickEncoding(header) {
  const accepted = new Map();
  for (const part of String(header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  for (const enc of ["br", "gzip"]) {
    const q = accepted.has(enc) ? accepted.get(enc) : accepted.get("*") ?? 0;
    if (q > 0) return enc;
  }
  return null;
}

/** True when an If-None-Match header names `etag` (weak comparison, as for GET). */
function matches(header, etag) {
  if (!header) return false;
  const bare = (tag) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

/**
 * @param {Record<string, string>} mounts  URL prefix → folder
 * @param {{ port?: number, host?: string, compress?: boolean, revalidate?: boolean }} [options]
 *   compress: brotli/gzip (default true); revalidate: ETag + no-cache + 304 (default true; false
 *   sends `Cache-Control: no-store` and always the whole file, as a plain server would).
 */
export async function serveStatic(mounts, { port = 0, host = "127.0.0.1", compress = true, revalidate = true } = {}) {
  // Longest prefix first, so "/pkg/" wins over "/".
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith("/") ? prefix : prefix + "/", resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);
  /** `${file}|${version}|${encoding}` → compressed bytes (a promise while being computed). */
  const encoded = new Map();

  const server = createServer(async (req, res) => {
    try {
      const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const mount = table.find(([prefix]) => pathname.startsWith(prefix) || pathname + "/" === prefix);
      if (!mount || (req.method !== "GET" && req.method !== "HEAD")) return send(res, 404, "not found");
      const [prefix, dir] = mount;
      let file = resolve(join(dir, pathname.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) return send(res, 403, "forbidden");
      let st = await fs.stat(file).catch(() => null);
      if (st?.isDirectory()) {
        file = join(file, "index.html");
        st = await fs.stat(file).catch(() => null);
      }
      if (!st?.isFile()) return send(res, 404, "not found");
      const ext = extname(file);
      const headers = { "content-type": TYPES[ext] ?? "application/octet-stream" };
      if (!revalidate) headers["cache-control"] = "no-store";
      const canCompress = compress && COMPRESSIBLE.has(ext) && st.size > 0 && st.size <= COMPRESS_MAX;
      const encoding = canCompress ? pickEncoding(req.headers["accept-encoding"]) : null;
      if (canCompress) headers.vary = "Accept-Encoding";
      if (revalidate) {
        // Size and modification time name the version; each encoding is a different body.
        const version = `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`;
        headers.etag = `"${version}${encoding ? `-${encoding}` : ""}"`;
        headers["cache-control"] = "no-cache";
        headers["last-modified"] = st.mtime.toUTCString();
        if (matches(req.headers["if-none-match"], headers.etag)) {
          res.writeHead(304, headers);
          return res.end();
        }
      }
      if (encoding) {
        const key = `${file}|${st.size}|${st.mtimeMs}|${encoding}`;
        let body = encoded.get(key);
        if (!body) {
          body = fs.readFile(file).then(ENCODERS[encoding]);
          encoded.set(key, body);
          body.catch(() => encoded.delete(key));
        }
        const bytes = await body;
        res.writeHead(200, { ...headers, "content-encoding": encoding, "content-length": bytes.length });
        return res.end(req.method === "HEAD" ? undefined : bytes);
      }
      res.writeHead(200, { ...headers, "content-length": st.size });
      if (req.method === "HEAD") return res.end();
      createReadStream(file).pipe(res);
    } catch {
      send(res, 400, "bad request");
    }
  });
  await new Promise((ok, ko) => server.once("error", ko).listen(port, host, ok));
  const { port: actual } = server.address();
  return {
    url: `http://${host}:${actual}`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

function send(res, status, text) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  let port = 0;
  let plain = false;
  const mounts = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") port = Number(args[++i]);
    else if (args[i] === "--plain") plain = true;
    else {
      const eq = args[i].indexOf("=");
      if (eq < 1) throw new Error(`bad mount ${args[i]} (want /prefix=dir)`);
      mounts[args[i].slice(0, eq)] = args[i].slice(eq + 1);
    }
  }
  const server = await serveStatic(mounts, { port, compress: !plain, revalidate: !plain });
  console.log(server.url);
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
