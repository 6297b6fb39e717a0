// passerelle Worker example: a gateway for browsers, a scheduled Échange → R2 sync and the
// PRE-ETAT.DATE webhook receiver, on top of the `passerelle` package.
//
//   GET  /healthz                          200 "ok" (no auth)
//   POST /webhooks/pre-etat-date[?key=…]   webhook receiver (no caller auth; optional URL key)
//   /api/...                               gateway routes (shared secret or Cloudflare Access):
//     GET  /api/list?path=/Relevés          { path, entries }
//     GET  /api/zip?path=/A[&path=/B]       application/zip, streamed from Échange
//     POST /api/orders                      create a PRE-ETAT.DATE order → 201 Transaction
//     POST /api/orders/:orderid/refresh     request a refresh → 200 Transaction
//     GET  /api/orders/:orderid             state recorded from the webhooks
//     GET  /api/orders/:orderid/pdf         the stored PDF (from R2)
//     GET  /api/sync  |  POST /api/sync     each account's last sync | run the sync now
//                                          (POST /api/sync?account=<id>: one account)
//   cron (wrangler.toml [triggers])        syncAll: every account's SyncCoordinator at once
//   SyncCoordinator (Durable Object)       one per account: its run lock, manifest, last summary
import { authenticate, webhookAllowed } from "./auth.js";
import { ConfigError } from "./config.js";
import { gateway, json } from "./gateway.js";
import { syncAll } from "./sync.js";
import { handleWebhook } from "./webhook.js";

export { SyncCoordinator } from "./sync.js";

async function route(request, env) {
  const url = new URL(request.url);
  const { pathname } = url;
  if (pathname === "/healthz") return new Response("ok", { headers: { "cache-control": "no-store" } });

  if (pathname === "/webhooks/pre-etat-date") {
    if (request.method !== "POST") return json(405, { error: "use POST" }, { allow: "POST" });
    if (!(await webhookAllowed(url, env))) return json(401, { error: "authentication required" });
    return handleWebhook(request, env);
  }

  if (pathname === "/api" || pathname.startsWith("/api/")) {
    const who = await authenticate(request, env);
    if (!who.ok) {
      const headers = who.status === 401 ? { "www-authenticate": 'Bearer realm="passerelle-gateway"' } : {};
      return json(who.status, { error: { code: who.status === 401 ? "unauthorized" : "unavailable", message: who.reason } }, headers);
    }
    const res = await gateway(request, env, url);
    if (res) return res;
  }
  return json(404, { error: { code: "not_found", message: "no such route" } });
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`configuration: ${err.message}`);
        return json(503, { error: { code: "unavailable", message: "the Worker is not fully configured" } });
      }
      // Library errors never contain secrets; other errors are logged, not returned.
      console.error("unexpected error", err?.name, err?.code, err?.message);
      return json(500, { error: { code: "internal", message: "internal error" } });
    }
  },

  // Fans out to one Durable Object per account; an account whose previous run is still going
  // answers "already-running" and is left alone. The invocation fails when an account's run did.
  async scheduled(controller, env) {
    const results = await syncAll(env, { trigger: "cron" });
    for (const r of results) {
      console.log(r.status === "already-running"
        ? `sync ${r.account}: already running since ${r.runningSince}, left alone`
        : `sync ${r.account}: ${r.status}, ${r.fetched ?? 0} fetched, ${r.unchanged ?? 0} unchanged, ${r.deferred ?? 0} deferred, ${r.failed ?? 0} failed`);
    }
    const failed = results.filter((r) => r.status === "failed");
    if (failed.length > 0) {
      throw new Error(`sync failed for ${failed.map((r) => r.account).join(", ")}: ${failed.map((r) => r.error).join("; ")}`);
    }
  },
};
