// Helpers shared by the PRE-ETAT.DATE node suites (tests/js/node-ped*.test.mjs). Not a suite
// itself (no ".test." in the name). Everything talks to the fake through its /__fake controls
// with plain fetch, independently of the package under test.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { fakeUrl, reset, requests, assertNoSecrets } from "./helpers.mjs";
import { SYNDIC as SCENARIO_SYNDIC, REJECTED_SYNDIC } from "../browser/ped-scenario.js";

/** Seed account of the fake (UTF-8 password) and its API key. */
export const ACCOUNT = { email: "notaire@example.fr", password: "Secret-Été-2025", apiKey: "ped-test-key" };
/** Second seed account (contract flags off: `done` carries only the PDF). */
export const OTHER = { email: "autre@example.fr", password: "autre-pw", apiKey: "ped-other-key" };
/** Syndic credentials used in orders: secrets that must never surface in an error. */
export const SYNDIC = {
  name: "Foncia Lyon Nord",
  username: "syndic-Login-Été7",
  password: "syndic-Mdp:Secret9",
  url: "https://extranet.example.com/login",
};
/** Every secret the suites hand to the client (tokens are added from the request log). */
export const STATIC_SECRETS = [ACCOUNT.password, ACCOUNT.apiKey, SYNDIC.username, SYNDIC.password, OTHER.password, OTHER.apiKey];

/** An order with every documented field (EN-TX example, accents added), in test mode. */
export function fullOrder(overrides = {}) {
  return {
    address: "4 BIS RUE DE LA FERME",
    additional: "Bâtiment B, 2e étage",
    city: "CALUIRE ET CUIRE",
    zipcode: "69300",
    owners: [
      { firstname: "Jean", lastname: "Dupont" },
      { firstname: "", lastname: "SCI LES TILLEULS" },
    ],
    invoice: { address: "64, avenue Kléber", city: "PARIS", zipcode: "75116", lastname: "PLAISIR NOTAIRES" },
    method: "extranet",
    syndic: { ...SYNDIC },
    documents: [],
    lots: "12, 14 (cave)",
    comment: "Vente prévue en février — merci.",
    all_due_paid: false,
    external_id: "dossier-1221",
    test_mode: true,
    ...overrides,
  };
}

export async function control(method, path, body) {
  const res = await fetch(`${await fakeUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Queues a fault (see fakes/README.md). */
export const fault = (spec) => control("POST", "/__fake/faults", spec);
/** Drops every queued fault. */
export const clearFaults = () => control("DELETE", "/__fake/faults");
/** `{orders, request_counts}` as the fake stores them. */
export const pedOrders = () => control("GET", "/__fake/ped/orders");
/** Request counts per vendor route ("POST /order/", "POST /account/auth", …). */
export const pedCounts = () => control("GET", "/__fake/ped/requests");
/** Every webhook delivery attempt. */
export const pedWebhooks = () => control("GET", "/__fake/ped/webhooks");
export const expireTokens = () => control("POST", "/__fake/ped/expire-tokens", {});
export const setCallback = (email, url) => control("POST", "/__fake/ped/callback", { email, url });
export const setLang = (lang) => control("POST", "/__fake/ped/lang", { lang });
export const rejectSyndic = (username, password) => control("POST", "/__fake/ped/reject-syndic", { username, password });

/** The PRE-ETAT.DATE requests in the fake's log (control routes are never logged). */
export async function pedRequests() {
  return (await requests()).filter((r) => r.path.startsWith("/order") || r.path.startsWith("/account")
    || r.path === "/health" || r.path.startsWith("/api/"));
}

/** Number of POST requests the fake received on `path`. */
export async function postsTo(path) {
  return (await requests()).filter((r) => r.method === "POST" && r.path === path).length;
}

/** A token obtained with a raw request (independent of the package). */
export async function rawToken(account = ACCOUNT) {
  const res = await fetch(`${await fakeUrl()}/account/auth`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-auth-key": account.apiKey },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).payload.access_token;
}

/** Every bearer token the fake saw, plus the static secrets. */
export async function allSecrets(extra = []) {
  const tokens = (await requests())
    .map((r) => r.headers.authorization)
    .filter((h) => typeof h === "string" && h.startsWith("Bearer "))
    .map((h) => h.slice(7));
  return [...new Set([...STATIC_SECRETS, ...tokens, ...extra])].filter((s) => s.length >= 4);
}

/**
 * Awaits a rejection and checks it: a PasserelleError with the expected fields, and no secret
 * in any rendering of it. Returns the error.
 */
export async function rejects(promise, PasserelleError, expected, extraSecrets = []) {
  let err;
  try {
    const value = await promise;
    assert.fail(`expected a rejection (${JSON.stringify(expected)}), got ${JSON.stringify(value)}`);
  } catch (e) {
    err = e;
  }
  checkError(err, PasserelleError, expected);
  assertNoSecrets(err, await allSecrets(extraSecrets));
  return err;
}

/** Field checks shared by rejects() and synchronous throws. */
export function checkError(err, PasserelleError, expected) {
  assert.ok(err instanceof PasserelleError, `a PasserelleError, got ${err?.constructor?.name}: ${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "PasserelleError");
  for (const [k, v] of Object.entries(expected)) {
    if (v instanceof RegExp) assert.match(String(err[k]), v, `err.${k}`);
    else assert.deepEqual(err[k], v, `err.${k}`);
  }
}

/** A tiny HTTP listener that records webhook deliveries; `url`, `received`, `close()`. */
export async function webhookListener({ status = 200 } = {}) {
  const received = [];
  const waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      received.push({ method: req.method, url: req.url, headers: req.headers, raw, text: raw.toString("utf8") });
      res.writeHead(status, { "content-type": "application/json" }).end('{"ok":true}');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/hooks/pre-etat-date`,
    received,
    /** Resolves once at least `n` deliveries arrived. */
    async waitFor(n) {
      while (received.length < n) await new Promise((ok) => waiters.push(ok));
    },
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}

// ───────── the cross-runtime scenario (tests/browser/ped-scenario.js) ─────────

/** Sets the fake up for runPedScenario: reset, a rejected syndic pair, one 500 on POST /order/, the callback. */
export async function prepareScenario(listenerUrl) {
  await reset();
  await rejectSyndic(REJECTED_SYNDIC.username, REJECTED_SYNDIC.password);
  await fault({ method: "POST", path: "/order/", kind: "status", status: 500, times: 1 });
  await setCallback(ACCOUNT.email, listenerUrl);
}

/** Checks what runPedScenario returned (`r`) against the fake's logs and the listener. */
export async function checkScenario(r, listener) {
  const isPe = (e, code, status, serverMessage) => {
    assert.equal(e.resolved, undefined, `expected a rejection, got ${JSON.stringify(e)}`);
    assert.equal(e.instanceOf, true, "instanceof PasserelleError in the runtime");
    assert.equal(e.isError, true);
    assert.equal(e.name, "PasserelleError");
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    if (serverMessage !== undefined) assert.equal(e.serverMessage, serverMessage);
  };
  assert.equal(r.token.split(".").length, 3);
  assert.equal(r.health.success, true);
  assert.deepEqual(r.issues, ["zipcode:invalid_zipcode", "owners:required", "syndic.username:required", "syndic.password:required"]);
  isPe(r.invalid, "invalid_input", null);
  isPe(r.server500, "server", 500);
  assert.match(r.order.orderid, /^[A-Z0-9]{6}$/);
  assert.equal(r.order.state, "confirmed");
  assert.equal(r.order.test_mode, true);
  assert.equal(r.order.external_id, "dossier-été-1");
  assert.equal(r.order.created_iso, new Date(Date.parse(r.order.created)).toISOString().replace(".000Z", "Z"));
  isPe(r.syndic400, "bad_request", 400, "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'");
  assert.equal(r.afterExpiry.state, "confirmed");
  assert.equal(r.countsAfterExpiry["POST /account/auth"], 2, "one login, one re-login after expiry");
  assert.equal(r.refresh.state, "need-refresh");
  assert.equal(r.refresh.refreshed, true);
  assert.equal(r.sendTestWebhook.resolved, true);
  assert.deepEqual(r.webhook, {
    status: "done", orderid: r.order.orderid, external_id: "dossier-été-1", registration_id: "AC-123-45",
    pdfIsUint8Array: true, pdfHead: "%PDF-", pdfLength: r.webhook.pdfLength, documents: r.webhook.documents,
  });
  assert.ok(r.webhook.pdfLength > 100);
  assert.ok(r.webhook.documents.length > 0);
  isPe(r.garbageWebhook, "invalid_input", null);
  assert.deepEqual(r.labels.fr.slice(0, 3), ["Fiche synthétique", "Procès-Verbal", "Règlement de Copropriété"]);
  assert.deepEqual(r.labels.en.slice(8), ["Registration", "Other"]);
  assert.equal(r.fixedTokenRefresh.resolved, true);
  isPe(r.staleToken, "unauthorized", 401, "Token invalide ou expiré");
  isPe(r.badKey, "bad_request", 400, "La clé API n'est pas valide");
  isPe(r.badPassword, "unauthorized", 401, "Informations de connexion invalides.");

  // The fake's side. CORS preflights (OPTIONS, browsers only) are left out.
  const log = (await requests()).filter((q) => q.method !== "OPTIONS");
  const orderPosts = log.filter((q) => q.method === "POST" && q.path === "/order/");
  // 500 (not re-sent), created, syndic 400, expired token 401 + replay = 5.
  assert.equal(orderPosts.length, 5, "the 500 was not re-sent");
  const keys = log.map((q) => q.headers["x-auth-key"]);
  assert.equal(keys.filter((k) => k === "cle-inconnue-42").length, 1, "the bad key, once");
  assert.ok(keys.every((k) => k === ACCOUNT.apiKey || k === "cle-inconnue-42"), "X-Auth-Key on every request");
  for (const q of log.filter((x) => x.path.startsWith("/order"))) assert.match(q.headers.authorization ?? "", /^Bearer \S+$/, q.path);
  assert.equal(log.filter((q) => q.path === "/account/auth").length, 5, "login, re-login, fresh token, bad key, bad password");
  const fixedCall = log.filter((q) => q.path === `/order/${r.order.orderid}/refresh`);
  assert.equal(fixedCall.length, 3);
  assert.equal(fixedCall[1].headers.authorization, `Bearer ${r.freshToken}`);
  assert.equal(fixedCall[2].headers.authorization, `Bearer ${r.token}`);
  // The listener got the done delivery whose body the runtime parsed.
  const delivered = listener.received.map((d) => JSON.parse(d.text));
  assert.ok(delivered.some((b) => b.status === "done" && b.orderid === r.order.orderid));

  const secrets = await allSecrets([r.token, r.freshToken, SCENARIO_SYNDIC.username, SCENARIO_SYNDIC.password, REJECTED_SYNDIC.username,
    REJECTED_SYNDIC.password, "cle-inconnue-42", "mauvais-Mot:de-passe"]);
  for (const e of [r.invalid, r.server500, r.syndic400, r.garbageWebhook, r.staleToken, r.badKey, r.badPassword]) {
    for (const text of [e.message, e.string, e.json, e.stack]) {
      for (const s of secrets) assert.ok(!text.includes(s), `a secret leaks in ${text}`);
    }
  }
}
