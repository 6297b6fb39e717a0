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
//     GET  /api/sync  |  POST /api/sync     last sync summary | run a sync now
//   cron (wrangler.toml [triggers])        runSync
import { authenticate, webhookAllowed } from "./auth.js";
import { ConfigError } from "./config.js";
import { gateway, json } from "./gateway.js";
import { runSync } from "./sync.js";
import { handleWebhook } from "./webhook.js";

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

  async scheduled(controller, env, ctx) {
    const summary = await runSync(env, { now: new Date(controller.scheduledTime) });
    console.log(`sync: ${summary.stored} stored, ${summary.unchanged} unchanged, ${summary.deferred} deferred`);
  },
};
