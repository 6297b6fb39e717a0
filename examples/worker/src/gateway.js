// Same-origin JSON routes for a browser front end. Upstream credentials and tokens stay here:
// responses carry listings, orders, zips — never a password, API key or access token.
import { PasserelleError } from "passerelle";
import { echangeClient, normalizePath, preEtatDateClient, storage, syncAccounts } from "./config.js";
import { syncAll, syncStatus } from "./sync.js";
import { orderKey, pdfKey } from "./webhook.js";

const NO_STORE = { "cache-control": "no-store" };
export const json = (status, body, headers = {}) =>
  Response.json(body, { status, headers: { ...NO_STORE, ...headers } });

/** HTTP status the gateway answers for an upstream failure. */
function statusFor(err) {
  switch (err.code) {
    case "bad_request":
    case "invalid_input":
    case "unsafe_path":
      return 400;
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "too_large":
      return 413;
    case "rate_limited":
      return 429;
    case "timeout":
      return 504;
    default:
      // unauthorized/forbidden from upstream mean the Worker's own credentials are wrong or
      // restricted: the caller cannot fix that, so it is a gateway error, not a 401/403.
      return 502;
  }
}

/** Turns a thrown error into a JSON error response (library errors carry no secret). */
export function errorResponse(err) {
  if (err instanceof PasserelleError) {
    const status = statusFor(err);
    const body = { error: { code: err.code, message: err.message } };
    if (err.status !== undefined) body.error.upstreamStatus = err.status;
    if (err.serverMessage !== undefined) body.error.serverMessage = err.serverMessage;
    if (err.retryAfter !== undefined) body.error.retryAfter = err.retryAfter;
    const headers = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
    return json(status, body, headers);
  }
  return null;
}

async function readJson(request) {
  try {
    const v = await request.json();
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

function pathParam(url, name = "path") {
  const raw = url.searchParams.get(name);
  return raw === null ? "/" : normalizePath(raw);
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
function attachment(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function withClient(make, env, f) {
  const client = make(env);
  try {
    return await f(client);
  } finally {
    client.free();
  }
}

// GET /api/list?path=/Relevés → { path, entries: DirEntry[] }
async function list(request, env, url) {
  const path = pathParam(url);
  if (path === null) return json(400, { error: { code: "invalid_input", message: "unusable path" } });
  const entries = await withClient(echangeClient, env, (c) => c.listDir(path));
  return json(200, { path, entries });
}

// GET /api/zip?path=/A&path=/B → the upstream streamzip body, piped through unbuffered.
async function zip(request, env, url) {
  const raw = url.searchParams.getAll("path");
  const paths = raw.map(normalizePath);
  if (paths.length === 0 || paths.some((p) => p === null || p === "/")) {
    return json(400, { error: { code: "invalid_input", message: "give one or more folder or file paths (not /)" } });
  }
  const client = echangeClient(env);
  let body;
  try {
    body = await client.downloadZip(paths, { signal: request.signal });
  } finally {
    client.free(); // the stream keeps what it needs alive
  }
  const base = paths.length === 1 ? paths[0].split("/").pop() : "echange";
  return new Response(body, {
    status: 200,
    headers: { ...NO_STORE, "content-type": "application/zip", "content-disposition": attachment(`${base}.zip`) },
  });
}

// POST /api/orders {OrderRequest} → 201 Transaction (400 with the issues when invalid)
async function createOrder(request, env) {
  const order = await readJson(request);
  if (!order) return json(400, { error: { code: "invalid_input", message: "the body must be a JSON object" } });
  return withClient(preEtatDateClient, env, async (c) => {
    const issues = c.validateOrder(order);
    if (issues.length > 0) {
      return json(400, { error: { code: "invalid_input", message: "the order is not valid", issues } });
    }
    return json(201, await c.createOrder(order));
  });
}

// POST /api/orders/:orderid/refresh {RefreshRequest} → 200 Transaction
async function refresh(request, env, orderid) {
  const req = await readJson(request);
  if (!req) return json(400, { error: { code: "invalid_input", message: "the body must be a JSON object" } });
  return withClient(preEtatDateClient, env, async (c) => json(200, await c.requestRefresh(orderid, req)));
}

// GET /api/orders/:orderid → what the webhooks recorded (404 before the first one)
async function orderState(env, orderid) {
  const { kv } = storage(env);
  const record = await kv.get(orderKey(orderid), "json");
  return record ? json(200, record) : json(404, { error: { code: "not_found", message: "no notification received for this order" } });
}

// GET /api/orders/:orderid/pdf → the stored pré-état daté, streamed from R2
async function orderPdf(env, orderid) {
  const { bucket } = storage(env);
  const obj = await bucket.get(pdfKey(orderid));
  if (!obj) return json(404, { error: { code: "not_found", message: "no document stored for this order" } });
  return new Response(obj.body, {
    headers: { ...NO_STORE, "content-type": "application/pdf", "content-length": String(obj.size), "content-disposition": attachment(`${orderid}.pdf`) },
  });
}

// POST /api/sync[?account=<id>] → runs the sync now (as the cron does) and answers one summary
// per account: 200 when every run succeeded or was already running, 502 when one failed
async function syncNow(env, url) {
  const only = url.searchParams.get("account") ?? undefined;
  if (only !== undefined && !syncAccounts(env).some((a) => a.id === only)) {
    return json(404, { error: { code: "not_found", message: "no such sync account" } });
  }
  const accounts = await syncAll(env, { trigger: "api", only });
  return json(accounts.some((a) => a.status === "failed") ? 502 : 200, { accounts });
}

const ORDER_ROUTE = /^\/api\/orders\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})(\/refresh|\/pdf)?$/;

/** Routes an authenticated `/api/...` request; null when no route matches. */
export async function gateway(request, env, url) {
  const { pathname } = url;
  const method = request.method;
  const allow = (methods, f) => (methods.includes(method) ? f() : json(405, { error: { code: "method_not_allowed", message: `use ${methods.join(", ")}` } }, { allow: methods.join(", ") }));
  try {
    if (pathname === "/api/list") return await allow(["GET"], () => list(request, env, url));
    if (pathname === "/api/zip") return await allow(["GET"], () => zip(request, env, url));
    if (pathname === "/api/orders") return await allow(["POST"], () => createOrder(request, env));
    if (pathname === "/api/sync") {
      return await allow(["GET", "POST"], async () =>
        method === "GET" ? json(200, { accounts: await syncStatus(env) }) : syncNow(env, url));
    }
    const m = ORDER_ROUTE.exec(pathname);
    if (m) {
      const [, orderid, sub] = m;
      if (sub === "/refresh") return await allow(["POST"], () => refresh(request, env, orderid));
      if (sub === "/pdf") return await allow(["GET"], () => orderPdf(env, orderid));
      return await allow(["GET"], () => orderState(env, orderid));
    }
    return null;
  } catch (err) {
    const res = errorResponse(err);
    if (res) return res;
    throw err;
  }
}
