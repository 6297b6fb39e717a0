// Helpers shared by the PRE-ETAT.DATE node suites (tests/js/node-ped*.test.mjs). Not a suite
// itself (no ".test." in the name). Everything talks to the fake through its /__fake controls
// with plain fetch, independently of the package under test.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { fakeUrl, requests, assertNoSecrets } from "./helpers.mjs";

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
