// PreEtatDateClient from the installed package ("passerelle", Node entry) against the fake:
// authentication, headers, orders, validation, no automatic re-send of createOrder, token
// expiry, refreshes, test webhooks, envelope handling and faults. Every rejection is checked
// for leaked secrets (API key, password, syndic credentials, every bearer token seen).
import { test } from "node:test";
import assert from "node:assert/strict";
import { PreEtatDateClient, validateOrder, PasserelleError } from "passerelle";
import { fakeUrl, reset, requests } from "./helpers.mjs";
import {
  ACCOUNT, OTHER, SYNDIC, fullOrder, fault, clearFaults, pedOrders, pedCounts, expireTokens, setLang,
  rejectSyndic, postsTo, rawToken, rejects, checkError, allSecrets, setCallback, webhookListener,
} from "./node-ped-helpers.mjs";
import { assertNoSecrets } from "./helpers.mjs";

const SYNDIC_400 = "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'";
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

async function client(options = {}) {
  return new PreEtatDateClient({
    baseUrl: await fakeUrl(), apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: ACCOUNT.password,
    ...options,
  });
}

/** The ISO form the client must derive from an HTTP-date (whole seconds, "Z"). */
const isoOf = (httpDate) => new Date(Date.parse(httpDate)).toISOString().replace(".000Z", "Z");

/** Decodes the claims of a JWT (no verification). */
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));

/** Waits long enough for a (wrong) automatic retry to have reached the fake. */
const settle = (ms = 1500) => new Promise((ok) => setTimeout(ok, ms));

// ───────────────────────────── authentication ─────────────────────────────

test("authenticate: one POST /account/auth with X-Auth-Key and JSON, no Authorization; a JWT for the account", async () => {
  await reset();
  const c = await client();
  const { access_token } = await c.authenticate();
  const parts = access_token.split(".");
  assert.equal(parts.length, 3, "a three-part JWT");
  assert.equal(claims(access_token).sub, ACCOUNT.email);
  const log = await requests();
  assert.equal(log.length, 1);
  assert.equal(log[0].method, "POST");
  assert.equal(log[0].path, "/account/auth");
  assert.equal(log[0].headers["x-auth-key"], ACCOUNT.apiKey);
  assert.match(log[0].headers["content-type"], /^application\/json/);
  assert.equal(log[0].headers.authorization, undefined);
  assert.equal((await pedCounts())["POST /account/auth"], 1);
});

test("a bad API key rejects with bad_request and the French message verbatim", async () => {
  await reset();
  const c = await client({ apiKey: "cle-inconnue-42" });
  const err = await rejects(c.authenticate(), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: "La clé API n'est pas valide",
  }, ["cle-inconnue-42"]);
  assert.match(err.message, /authenticate/);
  // The same key makes createOrder fail at its login, before any order is posted.
  await rejects(c.createOrder(fullOrder()), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: "La clé API n'est pas valide",
  }, ["cle-inconnue-42"]);
  assert.equal(await postsTo("/order/"), 0);
});

test("a bad password rejects with unauthorized (401) and the server's message, no secret", async () => {
  await reset();
  const wrong = "mauvais-Mot:de-passe-Été";
  const c = await client({ password: wrong });
  const err = await rejects(c.authenticate(), PasserelleError, {
    code: "unauthorized", status: 401, serverMessage: "Informations de connexion invalides.",
  }, [wrong]);
  assert.match(err.message, /authenticate/);
});

test("the English message mode is passed through verbatim too", async () => {
  await reset();
  await setLang("en");
  await rejects((await client({ apiKey: "nope-key-1" })).authenticate(), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: "Invalid API key",
  }, ["nope-key-1"]);
  await rejects((await client({ password: "wrong-pw-1" })).authenticate(), PasserelleError, {
    code: "unauthorized", status: 401, serverMessage: "Invalid credentials",
  }, ["wrong-pw-1"]);
});

test("the constructor refuses incomplete settings with invalid_input, quoting no value", async () => {
  const base = await fakeUrl();
  const cases = [
    { baseUrl: base, email: ACCOUNT.email, password: ACCOUNT.password }, // no apiKey
    { baseUrl: base, apiKey: ACCOUNT.apiKey }, // neither login nor token
    { baseUrl: base, apiKey: ACCOUNT.apiKey, email: ACCOUNT.email }, // email without password
    { baseUrl: base, apiKey: ACCOUNT.apiKey, password: ACCOUNT.password }, // password without email
    { baseUrl: base, apiKey: "bad\nkey-Secret", email: ACCOUNT.email, password: ACCOUNT.password },
    { baseUrl: "not a url", apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: ACCOUNT.password },
  ];
  for (const options of cases) {
    let err;
    try {
      new PreEtatDateClient(options);
    } catch (e) {
      err = e;
    }
    checkError(err, PasserelleError, { code: "invalid_input" });
    assertNoSecrets(err, [ACCOUNT.password, ACCOUNT.apiKey, "bad\nkey-Secret"]);
  }
});

test("X-Auth-Key on every call; Bearer (the login's token) on every call but the login and /health", async () => {
  await reset();
  const listener = await webhookListener();
  try {
    await setCallback(ACCOUNT.email, listener.url);
    const c = await client();
    await c.health();
    const t = await c.createOrder(fullOrder());
    await c.requestRefresh(t.orderid, { method: "extranet", comment: "relance" });
    await c.requestRefreshLegacy({ orderid: t.orderid, account: ACCOUNT.email });
    await c.sendTestWebhook(t.orderid, "received");
    const log = await requests();
    assert.deepEqual(log.map((r) => `${r.method} ${r.path}`), [
      "GET /health",
      "POST /account/auth",
      "POST /order/",
      `POST /order/${t.orderid}/refresh`,
      "POST /order/needrefresh",
      "POST /order/test/webhook-events",
    ]);
    const token = await c.authenticate(); // a second login, after the log was read
    assert.ok(token.access_token);
    const loginToken = log.find((r) => r.path === "/order/").headers.authorization;
    assert.match(loginToken, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    for (const r of log) {
      assert.equal(r.headers["x-auth-key"], ACCOUNT.apiKey, `X-Auth-Key on ${r.path}`);
      if (r.method === "POST") assert.match(r.headers["content-type"] ?? "", /^application\/json/, r.path);
      if (r.path === "/account/auth" || r.path === "/health") {
        assert.equal(r.headers.authorization, undefined, `no Authorization on ${r.path}`);
      } else {
        assert.equal(r.headers.authorization, loginToken, `the login's token on ${r.path}`);
      }
    }
    // Both refresh routes notify need-refresh; then the simulated event.
    assert.deepEqual(listener.received.map((d) => JSON.parse(d.text).status), ["need-refresh", "need-refresh", "received"]);
  } finally {
    await listener.close();
  }
});

test("concurrent calls share one login; later calls reuse the cached token", async () => {
  await reset();
  const c = await client();
  const orders = await Promise.all([1, 2, 3].map((i) => c.createOrder(fullOrder({ external_id: `lot-${i}` }))));
  assert.equal(new Set(orders.map((o) => o.orderid)).size, 3);
  await c.createOrder(fullOrder({ external_id: "lot-4" }));
  const counts = await pedCounts();
  assert.equal(counts["POST /account/auth"], 1);
  assert.equal(counts["POST /order/"], 4);
});

test("health resolves with the service's body using the API key alone", async () => {
  await reset();
  const c = new PreEtatDateClient({ baseUrl: await fakeUrl(), apiKey: ACCOUNT.apiKey, token: "unused.token.value" });
  const h = await c.health();
  assert.equal(h.success, true);
  assert.equal((await pedCounts())["POST /account/auth"] ?? 0, 0);
  // A bad key is refused by /health too.
  await rejects(new PreEtatDateClient({ baseUrl: await fakeUrl(), apiKey: "wrong-key-77", token: "x.y.z" }).health(),
    PasserelleError, { code: "bad_request", status: 400, serverMessage: "La clé API n'est pas valide" }, ["wrong-key-77"]);
});

test("the docs-host form: a base URL with an /api prefix (trailing slash tolerated) prefixes every route", async () => {
  await reset();
  for (const suffix of ["/api", "/api/"]) {
    const c = await client({ baseUrl: `${await fakeUrl()}${suffix}` });
    await c.health();
    const t = await c.createOrder(fullOrder());
    await c.requestRefresh(t.orderid, { method: "extranet" });
  }
  const paths = (await requests()).map((r) => `${r.method} ${r.path}`);
  assert.ok(paths.length === 8 && paths.every((p) => / \/api\/(health|account\/auth|order\/)/.test(p)), paths.join("\n"));
});

// ───────────────────────────── createOrder ─────────────────────────────

test("createOrder in test mode sends every field as given and returns the order, dates verbatim + ISO", async () => {
  await reset();
  const c = await client();
  const order = fullOrder();
  const before = Math.floor(Date.now() / 1000);
  const t = await c.createOrder(order);
  assert.match(t.orderid, /^[A-Z0-9]{6}$/);
  assert.equal(t.state, "confirmed");
  assert.equal(t.account, ACCOUNT.email);
  assert.equal(t.external_id, "dossier-1221");
  assert.equal(t.test_mode, true);
  assert.equal(t.pending, true);
  assert.equal(t.refreshed, false);
  // FR mode: the vendor's undocumented null fields are kept, as null.
  assert.ok("billing_mode" in t && t.billing_mode === null);
  assert.ok("sso_provider" in t && t.sso_provider === null);
  assert.match(t.created, HTTP_DATE);
  assert.match(t.updated, HTTP_DATE);
  assert.equal(t.created_iso, isoOf(t.created));
  assert.equal(t.updated_iso, isoOf(t.updated));
  assert.ok(Date.parse(t.created_iso) / 1000 >= before - 5);
  // What reached the server is exactly the order (every documented field, same values).
  const { orders } = await pedOrders();
  assert.equal(orders.length, 1);
  assert.equal(orders[0].orderid, t.orderid);
  assert.deepEqual(orders[0].request, order);
  assert.equal((await pedCounts())["POST /order/"], 1);
});

test("createOrder without the optional fields sends none of them", async () => {
  await reset();
  const c = await client();
  const minimal = {
    address: "1 place Bellecour", city: "LYON", zipcode: "69002",
    owners: [{ firstname: "Marie", lastname: "Curie" }],
    invoice: { address: "3 rue de la Paix", city: "PARIS", zipcode: "75002", lastname: "ÉTUDE MARTIN" },
    method: "email",
  };
  const t = await c.createOrder(minimal);
  assert.equal(t.state, "confirmed");
  const { orders } = await pedOrders();
  assert.deepEqual(orders[0].request, minimal);
  assert.equal(t.test_mode, false, "the fake's default");
});

test("method upload with documents, and method email, are accepted", async () => {
  await reset();
  const c = await client();
  const docs = [{ name: "pv-ag-2024.pdf", doctype: 2, content: "JVBERi0xLjQK" }];
  const up = await c.createOrder(fullOrder({ method: "upload", syndic: undefined, documents: docs }));
  const mail = await c.createOrder(fullOrder({ method: "email", syndic: undefined, documents: undefined }));
  const { orders } = await pedOrders();
  assert.deepEqual(orders.find((o) => o.orderid === up.orderid).request.documents, docs);
  assert.equal(orders.find((o) => o.orderid === mail.orderid).method, "email");
});

test("EN mode: the payload lacks billing_mode/sso_provider and the client does not invent them", async () => {
  await reset();
  await setLang("en");
  const t = await (await client()).createOrder(fullOrder());
  assert.equal(t.state, "confirmed");
  assert.ok(!("billing_mode" in t) && !("sso_provider" in t), JSON.stringify(t));
});

test("unknown payload fields are preserved; created/updated kept verbatim, ISO added beside them", async () => {
  await reset();
  const payload = {
    account: ACCOUNT.email, billing_mode: { plan: "forfait", price_cents: 4900 }, created: "Tue, 25 Mar 2025 17:32:39 GMT",
    external_id: "1221", orderid: "C7HOF2", pending: true, refreshed: false, sso_provider: null, state: "confirmed",
    test_mode: true, updated: "Wed, 26 Mar 2025 08:18:39 GMT",
    priority: 3, tags: ["urgent", "lyon"], nested: { a: { b: [1, null, "é"] } }, eta: null,
  };
  await fault({ method: "POST", path: "/order/", kind: "status", status: 200,
    body: JSON.stringify({ message: "Transaction creée avec succsée", payload, success: true, request_id: "r-1" }) });
  const t = await (await client()).createOrder(fullOrder());
  assert.equal(t.created, "Tue, 25 Mar 2025 17:32:39 GMT");
  assert.equal(t.updated, "Wed, 26 Mar 2025 08:18:39 GMT");
  assert.equal(t.created_iso, "2025-03-25T17:32:39Z");
  assert.equal(t.updated_iso, "2025-03-26T08:18:39Z");
  assert.deepEqual(t.billing_mode, { plan: "forfait", price_cents: 4900 });
  assert.equal(t.priority, 3);
  assert.deepEqual(t.tags, ["urgent", "lyon"]);
  assert.deepEqual(t.nested, { a: { b: [1, null, "é"] } });
  assert.ok("eta" in t && t.eta === null);
  const { created_iso, updated_iso, ...wire } = t;
  assert.deepEqual(wire, payload, "every field as sent");
  assert.ok(created_iso && updated_iso);
});

test("unparseable dates are kept as sent, without ISO companions (no rejection)", async () => {
  await reset();
  await fault({ method: "POST", path: "/order/", kind: "status", status: 200, body: JSON.stringify({
    message: null, success: true,
    payload: { orderid: "ZZ0001", state: "confirmed", created: "mardi 25 mars 2025", updated: "2025-03-25T17:32:39Z+bogus" },
  }) });
  const t = await (await client()).createOrder(fullOrder());
  assert.equal(t.created, "mardi 25 mars 2025");
  assert.equal(t.updated, "2025-03-25T17:32:39Z+bogus");
  assert.equal(t.created_iso, undefined);
  assert.equal(t.updated_iso, undefined);
});

test("an unknown order state is passed through as a string", async () => {
  await reset();
  await fault({ method: "POST", path: "/order/", kind: "status", status: 200, body: JSON.stringify({
    message: "ok", success: true, payload: { orderid: "ZZ0002", state: "archived" } }) });
  const t = await (await client()).createOrder(fullOrder());
  assert.equal(t.state, "archived");
});

// ───────────────────────────── validation ─────────────────────────────

const paths = (issues) => issues.map((i) => `${i.path}:${i.code}`);

test("validateOrder: the documented example and variants are valid (empty list)", () => {
  assert.deepEqual(validateOrder(fullOrder()), []);
  assert.deepEqual(validateOrder(fullOrder({ zipcode: "97133", invoice: { address: "1 rue", city: "AJACCIO", zipcode: "20000", lastname: "X" } })), []);
  assert.deepEqual(validateOrder(fullOrder({ method: "email", syndic: undefined })), []);
  assert.deepEqual(validateOrder(fullOrder({ external_id: undefined, lots: undefined, comment: undefined, additional: undefined })), []);
});

test("validateOrder: an empty extranet order reports every missing field with its path", () => {
  const issues = validateOrder({ method: "extranet" });
  assert.deepEqual(paths(issues), [
    "address:required", "city:required", "zipcode:required", "owners:required",
    "invoice.address:required", "invoice.city:required", "invoice.zipcode:required",
    "invoice.lastname:required", "syndic:required",
  ]);
  for (const i of issues) {
    assert.equal(typeof i.message, "string");
    assert.ok(i.message.includes(i.path), `the message names ${i.path}: ${i.message}`);
  }
});

test("validateOrder: extranet needs a complete syndic (name, username, password); blanks count as missing", () => {
  assert.deepEqual(paths(validateOrder(fullOrder({ syndic: undefined }))), ["syndic:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ syndic: { name: "S", username: " ", password: "" } }))),
    ["syndic.username:required", "syndic.password:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ syndic: { username: "u", password: "p" } }))), ["syndic.name:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ syndic: { ...SYNDIC, url: "extranet.example.com" } }))), ["syndic.url:invalid_url"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ syndic: { ...SYNDIC, url: "ftp://x.fr" } }))), ["syndic.url:invalid_url"]);
  // No message ever quotes the syndic's credentials.
  const issues = validateOrder(fullOrder({ syndic: { name: "", username: SYNDIC.username, password: SYNDIC.password, url: "pas une url" } }));
  assert.ok(!JSON.stringify(issues).includes(SYNDIC.password) && !JSON.stringify(issues).includes(SYNDIC.username));
});

test("validateOrder: upload needs a non-empty documents list; email needs neither syndic nor documents", () => {
  assert.deepEqual(paths(validateOrder(fullOrder({ method: "upload", syndic: undefined, documents: [] }))), ["documents:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ method: "upload", syndic: undefined, documents: undefined }))), ["documents:required"]);
  assert.deepEqual(validateOrder(fullOrder({ method: "upload", syndic: undefined, documents: [{ name: "a.pdf" }] })), []);
  assert.deepEqual(validateOrder(fullOrder({ method: "email", syndic: { name: "Foncia" }, documents: undefined })), []);
});

test("validateOrder: French postal codes (départements, Corsica, overseas) on the property and the invoice", () => {
  const zip = (zipcode, invoiceZip = "75116") =>
    paths(validateOrder(fullOrder({ zipcode, invoice: { ...fullOrder().invoice, zipcode: invoiceZip } })));
  for (const ok of ["01000", "20000", "20200", "69300", "95000", "97100", "97400", "97600", "98000", "98800"]) {
    assert.deepEqual(zip(ok), [], ok);
  }
  for (const bad of ["6930", "693000", "2A004", "2B200", "00100", "96000", "97000", "97700", "99000", "69 300", "６９３００"]) {
    assert.deepEqual(zip(bad), ["zipcode:invalid_zipcode"], bad);
  }
  assert.deepEqual(zip("69300", "7511"), ["invoice.zipcode:invalid_zipcode"]);
  assert.deepEqual(zip("", ""), ["zipcode:required", "invoice.zipcode:required"]);
});

test("validateOrder: owners non-empty, each with a last name (a company may have no first name)", () => {
  assert.deepEqual(paths(validateOrder(fullOrder({ owners: [] }))), ["owners:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ owners: [{ firstname: "A", lastname: "B" }, { firstname: "Marie", lastname: "\t" }] }))),
    ["owners[1].lastname:required"]);
  assert.deepEqual(validateOrder(fullOrder({ owners: [{ firstname: "", lastname: "SCI DU PARC" }] })), []);
  const many = Array.from({ length: 101 }, (_, i) => ({ firstname: "P", lastname: `N${i}` }));
  assert.deepEqual(paths(validateOrder(fullOrder({ owners: many }))), ["owners:too_many"]);
});

test("validateOrder: external_id not blank, lengths bounded, no control characters in single-line fields", () => {
  assert.deepEqual(paths(validateOrder(fullOrder({ external_id: "  " }))), ["external_id:required"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ external_id: "x".repeat(256) }))), ["external_id:too_long"]);
  assert.deepEqual(validateOrder(fullOrder({ external_id: "x".repeat(255) })), []);
  assert.deepEqual(paths(validateOrder(fullOrder({ address: "1 rue\nde Paris" }))), ["address:invalid_characters"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ city: "é".repeat(256) }))), ["city:too_long"]);
  assert.deepEqual(paths(validateOrder(fullOrder({ comment: "x".repeat(5001) }))), ["comment:too_long"]);
  assert.deepEqual(validateOrder(fullOrder({ comment: "ligne 1\nligne 2" })), [], "comments may span lines");
});

test("validateOrder: a missing or unknown method, or a wrongly typed field, is an issue, not a throw", () => {
  for (const [bad, path] of [
    [{}, "method"], [fullOrder({ method: "fax" }), "method"], [fullOrder({ owners: "Dupont" }), "owners"],
    [fullOrder({ all_due_paid: "oui" }), "all_due_paid"], [fullOrder({ syndic: { ...SYNDIC, password: 1234 } }), "syndic.password"],
  ]) {
    const issues = validateOrder(bad);
    assert.ok(issues.some((i) => i.path === path), `${path} in ${JSON.stringify(issues)}`);
    const text = JSON.stringify(issues);
    for (const secret of [SYNDIC.password, SYNDIC.username, "Dupont", "oui", "1234"]) {
      assert.ok(!text.includes(secret), `${secret} quoted in ${text}`);
    }
  }
});

test("validateOrder: anything that is not an object throws invalid_input", () => {
  for (const bad of [null, "order", 42]) {
    let err;
    try {
      validateOrder(bad);
    } catch (e) {
      err = e;
    }
    checkError(err, PasserelleError, { code: "invalid_input" });
    assertNoSecrets(err, [SYNDIC.password, SYNDIC.username]);
  }
});

test("createOrder rejects an invalid order with invalid_input before any request (not even a login)", async () => {
  await reset();
  const c = await client();
  const invalid = [
    { method: "extranet" },
    fullOrder({ syndic: { name: "S", username: SYNDIC.username, password: "" } }),
    fullOrder({ method: "upload", syndic: undefined, documents: [] }),
    fullOrder({ zipcode: "2A004" }),
    fullOrder({ owners: [] }),
    fullOrder({ external_id: "" }),
    fullOrder({ method: "fax" }),
    fullOrder({ syndic: { ...SYNDIC, url: "javascript:alert(1)" } }),
  ];
  for (const order of invalid) {
    const err = await rejects(c.createOrder(order), PasserelleError, { code: "invalid_input", status: undefined });
    assert.match(err.message, /createOrder|order/);
  }
  // The field paths are named in the message.
  const err = await rejects(c.createOrder(fullOrder({ zipcode: "123", owners: [{ firstname: "A", lastname: "" }] })),
    PasserelleError, { code: "invalid_input" });
  assert.match(err.message, /zipcode/);
  assert.match(err.message, /owners\[0\]\.lastname/);
  assert.deepEqual(await requests(), [], "nothing was sent");
});

// ───────────────────────────── server errors on create ─────────────────────────────

test("the documented syndic 400 rejects with bad_request and the message verbatim (accents intact)", async () => {
  await reset();
  await rejectSyndic(SYNDIC.username, SYNDIC.password);
  const c = await client();
  const err = await rejects(c.createOrder(fullOrder()), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: SYNDIC_400,
  });
  assert.match(err.message, /createOrder/);
  assert.equal(await postsTo("/order/"), 1);
  await setLang("en");
  await rejects(c.createOrder(fullOrder()), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: "Missing or invalid syndic information for method 'extranet'",
  });
  assert.equal((await pedOrders()).orders.length, 0);
});

test("a 500 on createOrder is NOT re-sent: the fake counts exactly one POST /order/", async () => {
  await reset();
  const c = await client();
  await c.authenticate();
  await fault({ method: "POST", path: "/order/", kind: "status", status: 500, times: 5 });
  await rejects(c.createOrder(fullOrder()), PasserelleError, { code: "server", status: 500 });
  await settle();
  assert.equal(await postsTo("/order/"), 1);
});

test("the documented 500 body (malformed JSON) keeps the decoder message; still sent once", async () => {
  await reset();
  const msg = "Failed to decode JSON object: Expecting ',' delimiter: line 14 column 6 (char 563)";
  await fault({ method: "POST", path: "/order/", kind: "status", status: 500,
    body: `{\n  "message": "${msg}", \n  "payload": null, \n  "success": false\n}\n`, times: 3 });
  await rejects((await client()).createOrder(fullOrder()), PasserelleError, { code: "server", status: 500, serverMessage: msg });
  await settle();
  assert.equal(await postsTo("/order/"), 1);
});

test("503 with Retry-After and a dropped connection on createOrder: not re-sent either", async () => {
  await reset();
  const c = await client();
  await c.authenticate();
  await fault({ method: "POST", path: "/order/", kind: "status", status: 503, retry_after: 1, times: 5 });
  await rejects(c.createOrder(fullOrder()), PasserelleError, { code: "server", status: 503, retryAfter: 1 });
  await clearFaults();
  await fault({ method: "POST", path: "/order/", kind: "drop", times: 5 });
  await rejects(c.createOrder(fullOrder()), PasserelleError, { code: "network", status: undefined });
  await settle();
  assert.equal(await postsTo("/order/"), 2, "one per call");
});

test("a timeout on createOrder (slow fault) rejects with timeout and is NOT re-sent", async () => {
  await reset();
  const c = await client({ timeoutMs: 300 });
  await c.authenticate();
  await fault({ method: "POST", path: "/order/", kind: "slow", delay_ms: 1500, times: 5 });
  await rejects(c.createOrder(fullOrder()), PasserelleError, { code: "timeout", status: undefined });
  await settle(2500);
  assert.equal(await postsTo("/order/"), 1);
});

test("contrast: the idempotent GET /health IS retried on 503 (so the counts above can see a retry)", async () => {
  await reset();
  await fault({ method: "GET", path: "/health", kind: "status", status: 503, times: 2 });
  const h = await (await client()).health();
  assert.equal(h.success, true);
  assert.equal((await requests()).filter((r) => r.path === "/health").length, 3);
});

test("contrast: the login (it creates nothing) is retried on 503 too", async () => {
  await reset();
  await fault({ method: "POST", path: "/account/auth", kind: "status", status: 503, times: 2 });
  const { access_token } = await (await client()).authenticate();
  assert.equal(claims(access_token).sub, ACCOUNT.email);
  assert.equal(await postsTo("/account/auth"), 3);
});

test("requestRefresh is not re-sent after a 500 either", async () => {
  await reset();
  const c = await client();
  const t = await c.createOrder(fullOrder());
  await fault({ method: "POST", path: `/order/${t.orderid}/refresh`, kind: "status", status: 500, times: 5 });
  await rejects(c.requestRefresh(t.orderid, { method: "extranet" }), PasserelleError, { code: "server", status: 500 });
  await settle();
  assert.equal(await postsTo(`/order/${t.orderid}/refresh`), 1);
});

// ───────────────────────────── tokens ─────────────────────────────

test("an expired token mid-session: one 401, one fresh login, one replay, then success", async () => {
  await reset();
  const c = await client();
  const first = await c.createOrder(fullOrder({ external_id: "avant" }));
  await expireTokens();
  const second = await c.createOrder(fullOrder({ external_id: "après" }));
  assert.notEqual(first.orderid, second.orderid);
  const counts = await pedCounts();
  assert.equal(counts["POST /account/auth"], 2, "re-authenticated once");
  assert.equal(counts["POST /order/"], 3, "the refused call was replayed once");
  const { orders } = await pedOrders();
  assert.deepEqual(orders.map((o) => o.external_id).sort(), ["après", "avant"], "no duplicate order");
  const bearers = (await requests()).filter((r) => r.path === "/order/").map((r) => r.headers.authorization);
  assert.equal(bearers[1], bearers[0], "the refused call used the old token");
  assert.notEqual(bearers[2], bearers[1], "the replay used the new token");
  // Later calls keep the new token.
  await c.requestRefresh(second.orderid, { method: "extranet" });
  assert.equal((await pedCounts())["POST /account/auth"], 2);
});

test("tokens expired again right after the fresh login: the call rejects unauthorized (no loop)", async () => {
  await reset();
  const c = await client();
  await c.authenticate();
  await expireTokens();
  // The replay's token is refused too (a fault answering 401 with the fake's body).
  await fault({ method: "POST", path: "/order/", kind: "status", status: 401, times: 5,
    body: JSON.stringify({ message: "Token invalide ou expiré", payload: null, success: false }) });
  await rejects(c.createOrder(fullOrder()), PasserelleError, { code: "unauthorized", status: 401, serverMessage: "Token invalide ou expiré" });
  assert.equal(await postsTo("/order/"), 2, "one call and one replay");
  assert.equal((await pedCounts())["POST /account/auth"], 2);
});

test("a fixed token is used as is: no login, exact Bearer value; once expired, 401 to the caller", async () => {
  await reset();
  const token = await rawToken();
  const base = await fakeUrl();
  const c = new PreEtatDateClient({ baseUrl: base, apiKey: ACCOUNT.apiKey, token });
  const t = await c.createOrder(fullOrder());
  await c.requestRefresh(t.orderid, { method: "extranet" });
  const log = (await requests()).filter((r) => r.path.startsWith("/order"));
  assert.equal(log.length, 2);
  for (const r of log) assert.equal(r.headers.authorization, `Bearer ${token}`);
  assert.equal((await pedCounts())["POST /account/auth"], 1, "only the test's own raw login");
  await expireTokens();
  await rejects(c.createOrder(fullOrder()), PasserelleError, {
    code: "unauthorized", status: 401, serverMessage: "Token invalide ou expiré",
  }, [token]);
  assert.equal((await pedCounts())["POST /account/auth"], 1, "the client never logs in");
  assert.equal(await postsTo("/order/"), 2, "no replay without credentials");
  await rejects(c.authenticate(), PasserelleError, { code: "invalid_input" }, [token]);
});

test("a token plus credentials: the token first, a login once it is refused", async () => {
  await reset();
  const token = await rawToken();
  const c = await client({ token });
  await c.createOrder(fullOrder());
  assert.equal((await requests()).find((r) => r.path === "/order/").headers.authorization, `Bearer ${token}`);
  assert.equal((await pedCounts())["POST /account/auth"], 1, "only the raw login so far");
  await expireTokens();
  await c.createOrder(fullOrder());
  assert.equal((await pedCounts())["POST /account/auth"], 2);
  assert.equal((await pedOrders()).orders.length, 2);
});

// ───────────────────────────── refreshes ─────────────────────────────

test("requestRefresh: POST /order/{id}/refresh with the body as given; need-refresh, message null on the wire", async () => {
  await reset();
  const c = await client();
  const t = await c.createOrder(fullOrder());
  const req = { method: "extranet", comment: "Nouvel appel de fonds", all_due_paid: true, syndic: { ...SYNDIC } };
  const r = await c.requestRefresh(t.orderid, req);
  assert.equal(r.orderid, t.orderid);
  assert.equal(r.state, "need-refresh");
  assert.equal(r.refreshed, true);
  assert.equal(r.created, t.created);
  assert.ok(Date.parse(r.updated) > Date.parse(t.updated), "updated moved forward");
  assert.equal(r.updated_iso, isoOf(r.updated));
  const stored = (await pedOrders()).orders[0];
  assert.deepEqual(stored.refresh_requests, [req]);
  // The same call made raw shows the wire envelope: message null, success true.
  const raw = await fetch(`${await fakeUrl()}/order/${t.orderid}/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-auth-key": ACCOUNT.apiKey, authorization: `Bearer ${await rawToken()}` },
    body: JSON.stringify({ method: "extranet" }),
  }).then((res) => res.json());
  assert.equal(raw.message, null);
  assert.equal(raw.success, true);
});

test("requestRefresh: the order id is percent-encoded in the path; an unknown order → not_found", async () => {
  await reset();
  const c = await client();
  const err = await rejects(c.requestRefresh("ÉTÉ 1/x?y#z", { method: "extranet" }), PasserelleError, {
    code: "not_found", status: 404, serverMessage: "Transaction introuvable",
  });
  assert.match(err.message, /requestRefresh/);
  const log = await requests();
  const r = log.find((q) => q.path.includes("refresh"));
  assert.equal(r.path, "/order/ÉTÉ 1/x?y#z/refresh", "one path segment, decoded by the fake");
  assert.equal(r.query, "");
});

test("requestRefresh validates first: an incomplete syndic → invalid_input, nothing sent", async () => {
  await reset();
  const c = await client();
  await rejects(c.requestRefresh("ABC123", { method: "extranet", syndic: { name: "S", username: SYNDIC.username, password: "" } }),
    PasserelleError, { code: "invalid_input" });
  await rejects(c.requestRefresh(42, { method: "extranet" }), PasserelleError, { code: "invalid_input" });
  assert.deepEqual(await requests(), []);
});

test("requestRefreshLegacy: POST /order/needrefresh with orderid + account; wrong account → not_found", async () => {
  await reset();
  const c = await client();
  const t = await c.createOrder(fullOrder());
  const r = await c.requestRefreshLegacy({ orderid: t.orderid, account: ACCOUNT.email, comment: "ancienne route" });
  assert.equal(r.state, "need-refresh");
  assert.equal(r.refreshed, true);
  assert.equal(r.orderid, t.orderid);
  const stored = (await pedOrders()).orders[0];
  assert.equal(stored.refresh_count, 1);
  assert.equal(stored.refresh_requests[0].orderid, t.orderid);
  assert.equal(stored.refresh_requests[0].account, ACCOUNT.email);
  await rejects(c.requestRefreshLegacy({ orderid: t.orderid, account: OTHER.email }), PasserelleError, {
    code: "not_found", status: 404, serverMessage: "Transaction introuvable",
  });
  // Client-side checks: account must look like an e-mail, orderid required.
  const before = (await requests()).length;
  await rejects(c.requestRefreshLegacy({ orderid: t.orderid, account: "pas-un-email" }), PasserelleError, { code: "invalid_input" });
  await rejects(c.requestRefreshLegacy({ orderid: "", account: ACCOUNT.email }), PasserelleError, { code: "invalid_input" });
  assert.equal((await requests()).length, before);
});

// ───────────────────────────── test webhooks ─────────────────────────────

test("sendTestWebhook for each of the five states: the service delivers it and the order moves", async () => {
  await reset();
  const listener = await webhookListener();
  try {
    await setCallback(ACCOUNT.email, listener.url);
    const c = await client();
    const t = await c.createOrder(fullOrder());
    const states = ["confirmed", "received", "waiting", "done", "need-refresh"];
    for (const s of states) {
      await c.sendTestWebhook(t.orderid, s);
      const { orders } = await pedOrders();
      assert.equal(orders[0].state, s);
    }
    assert.deepEqual(listener.received.map((d) => JSON.parse(d.text).status), states);
    for (const d of listener.received) {
      assert.equal(d.method, "POST");
      assert.equal(JSON.parse(d.text).orderid, t.orderid);
      assert.equal(JSON.parse(d.text).external_id, "dossier-1221");
    }
    assert.equal(await postsTo("/order/test/webhook-events"), 5);
  } finally {
    await listener.close();
  }
});

test("sendTestWebhook is not re-sent after a 503", async () => {
  await reset();
  const c = await client();
  const t = await c.createOrder(fullOrder());
  await fault({ method: "POST", path: "/order/test/webhook-events", kind: "status", status: 503, times: 5 });
  await rejects(c.sendTestWebhook(t.orderid, "done"), PasserelleError, { code: "server", status: 503 });
  await settle();
  assert.equal(await postsTo("/order/test/webhook-events"), 1);
});

test("sendTestWebhook: an unknown event → invalid_input before any request; server refusals typed", async () => {
  await reset();
  const c = await client();
  const t = await c.createOrder(fullOrder({ test_mode: false }));
  const before = (await requests()).length;
  for (const bad of ["shipped", "DONE ", "", 3, null]) {
    await rejects(c.sendTestWebhook(t.orderid, bad), PasserelleError, { code: "invalid_input" });
  }
  assert.equal((await requests()).length, before);
  await rejects(c.sendTestWebhook(t.orderid, "done"), PasserelleError, {
    code: "bad_request", status: 400, serverMessage: "Transaction hors mode test",
  });
  await rejects(c.sendTestWebhook("NOPE00", "done"), PasserelleError, {
    code: "not_found", status: 404, serverMessage: "Transaction introuvable",
  });
});

// ───────────────────────────── envelopes and faults ─────────────────────────────

test("invalid JSON with 200 on createOrder → invalid_response, sent once", async () => {
  await reset();
  await fault({ method: "POST", path: "/order/", kind: "invalid_json", times: 3 });
  const err = await rejects((await client()).createOrder(fullOrder()), PasserelleError, { code: "invalid_response", status: 200 });
  assert.match(err.message, /createOrder/);
  await settle();
  assert.equal(await postsTo("/order/"), 1);
});

test("an nginx-like HTML error page → the status's code, a short description, no HTML dump", async () => {
  await reset();
  await fault({ method: "POST", path: "/order/", kind: "html", status: 502, times: 3 });
  const err = await rejects((await client()).createOrder(fullOrder()), PasserelleError, { code: "server", status: 502 });
  assert.match(err.message, /not JSON/);
  assert.ok(err.message.length < 400, err.message);
  assert.equal(err.serverMessage, undefined);
  await fault({ method: "POST", path: "/account/auth", kind: "html", status: 200 });
  await rejects((await client()).authenticate(), PasserelleError, { code: "invalid_response", status: 200 });
});

test("malformed envelopes → typed errors (never a crash, never a silent success)", async () => {
  const cases = [
    // [fault on POST /order/, expected]
    [{ status: 200, body: '{"msg": "hello"}' }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: "[1, 2, 3]" }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: '"Transaction creée"' }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: '{"success": "yes", "payload": {}}' }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: '{"message": "ok", "payload": null, "success": true}' }, { code: "invalid_response", status: 200, serverMessage: "ok" }],
    [{ status: 200, body: '{"message": "ok", "payload": {"state": "confirmed"}, "success": true}' }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: '{"message": "ok", "payload": {"orderid": 12, "state": "confirmed"}, "success": true}' }, { code: "invalid_response", status: 200 }],
    [{ status: 200, body: '{"message": "Refusée côté serveur", "payload": null, "success": false}' }, { code: "http", status: 200, serverMessage: "Refusée côté serveur" }],
    [{ status: 401, body: '{"msg": "Token has expired"}' }, { code: "unauthorized", status: 401, serverMessage: "Token has expired" }],
    [{ status: 422, body: '{"msg": "Not enough segments"}' }, { code: "http", status: 422, serverMessage: "Not enough segments" }],
    [{ status: 404, body: "" }, { code: "not_found", status: 404 }],
    [{ status: 429, body: '{"message": "Trop de requêtes", "payload": null, "success": false}', retry_after: 7 },
      { code: "rate_limited", status: 429, serverMessage: "Trop de requêtes", retryAfter: 7 }],
  ];
  for (const [f, expected] of cases) {
    await reset();
    // A fixed token, so a 401 is returned as is (no login, no replay) and logins don't interfere.
    const c = new PreEtatDateClient({ baseUrl: await fakeUrl(), apiKey: ACCOUNT.apiKey, token: await rawToken() });
    await fault({ method: "POST", path: "/order/", kind: "status", times: 3, ...f });
    const err = await rejects(c.createOrder(fullOrder()), PasserelleError, expected);
    assert.match(err.message, /createOrder/, JSON.stringify(f));
    assert.equal(await postsTo("/order/"), 1, JSON.stringify(f));
  }
});

test("a login answer without access_token → invalid_response", async () => {
  await reset();
  await fault({ method: "POST", path: "/account/auth", kind: "status", status: 200,
    body: '{"message": "Connexion russie", "payload": {"token": "abc.def.ghi"}, "success": true}' });
  await rejects((await client()).authenticate(), PasserelleError, {
    code: "invalid_response", status: 200, serverMessage: "Connexion russie",
  }, ["abc.def.ghi"]);
});

test("an aborted createOrder rejects with aborted; an already-aborted signal sends nothing", async () => {
  await reset();
  const c = await client();
  await c.authenticate();
  const ctrl = new AbortController();
  ctrl.abort();
  await rejects(c.createOrder(fullOrder(), { signal: ctrl.signal }), PasserelleError, { code: "aborted" });
  assert.equal(await postsTo("/order/"), 0);
  await fault({ method: "POST", path: "/order/", kind: "slow", delay_ms: 1000 });
  const late = new AbortController();
  const p = c.createOrder(fullOrder(), { signal: late.signal });
  // Abort once the POST has reached the fake (polling the log, not a fixed delay).
  for (let i = 0; i < 500 && (await postsTo("/order/")) < 1; i++) await new Promise((r) => setTimeout(r, 10));
  late.abort();
  await rejects(p, PasserelleError, { code: "aborted" });
  await settle();
  assert.equal(await postsTo("/order/"), 1);
});

test("secrets: the syndic and account credentials never appear in any error exercised above", async () => {
  // A final sweep over a mixed set of failures with every secret in play at once.
  await reset();
  await rejectSyndic(SYNDIC.username, SYNDIC.password);
  const token = await rawToken();
  const c = await client({ token });
  const errors = [];
  const collect = (p) => p.then(() => assert.fail("expected a rejection"), (e) => errors.push(e));
  await collect(c.createOrder(fullOrder()));
  await collect(c.createOrder(fullOrder({ syndic: { ...SYNDIC, name: "" } })));
  await fault({ method: "POST", path: "/order/", kind: "status", status: 500 });
  await collect(c.createOrder(fullOrder()));
  await collect(new PreEtatDateClient({ baseUrl: await fakeUrl(), apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: "x-Wrong-Pw-1" }).authenticate());
  assert.equal(errors.length, 4);
  const secrets = await allSecrets([token, "x-Wrong-Pw-1"]);
  for (const e of errors) {
    assert.ok(e instanceof PasserelleError);
    assertNoSecrets(e, secrets);
  }
});
