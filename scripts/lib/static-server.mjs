// A tiny static file server for tests and the demo (no dependencies).
//   import { serveStatic } from "./static-server.mjs";
//   const server = await serveStatic({ "/": "www", "/pkg/": "pkg" });  // server.url, server.close()
// CLI: node scripts/lib/static-server.mjs [--port N] /=www /pkg/=pkg   (prints the URL, runs until killed)
// Binds 127.0.0.1 only. Serves index.html for folders; refuses paths escaping a mount.
import { createServer } from "node:http";
import { createReadStream, promises as fs } from "node:fs";
import { resolve, join, extname, sep } from "node:path";
import { pathToFileURL } from "node:url";

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

export async function serveStatic(mounts, { port = 0, host = "127.0.0.1" } = {}) {
  // Longest prefix first, so "/pkg/" wins over "/".
  const table = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith("/") ? prefix : prefix + "/", resolve(dir)])
    .sort((a, b) => b[0].length - a[0].length);

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
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": st.size,
        "cache-control": "no-store",
      });
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
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  let port = 0;
  const mounts = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") port = Number(args[++i]);
    else {
      const eq = args[i].indexOf("=");
      if (eq < 1) throw new Error(`bad mount ${args[i]} (want /prefix=dir)`);
      mounts[args[i].slice(0, eq)] = args[i].slice(eq + 1);
    }
  }
  const server = await serveStatic(mounts, { port });
  console.log(server.url);
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
