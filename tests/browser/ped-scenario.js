// The PRE-ETAT.DATE scenario run inside other runtimes (workerd: tests/worker/ped-worker.mjs;
// Chromium: tests/browser/ped-app and ped-plain), given the package's exports and the fake's URL.
// It returns plain JSON; tests/js/{workerd,browser}-ped.test.mjs set the fake up before (a
// rejected syndic pair, a 500 fault on the first POST /order/, a webhook listener) and check
// the outcome (and the fake's logs) afterwards.
export const ACCOUNT = { email: "notaire@example.fr", password: "Secret-Été-2025", apiKey: "ped-test-key" };
export const SYNDIC = { name: "Foncia Lyon Nord", username: "syndic-Login-Été7", password: "syndic-Mdp:Secret9", url: "https://extranet.example.com" };
/** A pair the test registers with /__fake/ped/reject-syndic. */
export const REJECTED_SYNDIC = { name: "Syndic Refusé", username: "refuse-Login-Été9", password: "refuse-Mdp:Secret9" };

export function order(overrides = {}) {
  return {
    address: "4 BIS RUE DE LA FERME", additional: "Bâtiment B", city: "CALUIRE ET CUIRE", zipcode: "69300",
    owners: [{ firstname: "Jean", lastname: "Dupont" }],
    invoice: { address: "64, avenue Kléber", city: "PARIS", zipcode: "75116", lastname: "PLAISIR NOTAIRES" },
    method: "extranet", syndic: { ...SYNDIC }, documents: [], lots: "12", comment: "Première commande",
    all_due_paid: false, external_id: "dossier-été-1", test_mode: true,
    ...overrides,
  };
}

function describe(lib, err) {
  return {
    instanceOf: err instanceof lib.PasserelleError,
    isError: err instanceof Error,
    name: err?.name,
    code: err?.code,
    status: err?.status ?? null,
    serverMessage: err?.serverMessage ?? null,
    retryAfter: err?.retryAfter ?? null,
    message: String(err?.message),
    string: String(err),
    json: JSON.stringify(err) ?? "",
    stack: String(err?.stack),
  };
}

async function caught(lib, fn) {
  try {
    const value = await fn();
    return { resolved: true, value: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (err) {
    return describe(lib, err);
  }
}

async function control(fake, method, path) {
  // No body and no custom header: a "simple" cross-origin request (no preflight needed).
  const res = await fetch(`${fake}${path}`, { method });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}`);
  return res.json();
}

/** Runs every step and returns what happened (never throws for an expected failure). */
export async function runPedScenario(lib, fake) {
  const out = {};
  const client = new lib.PreEtatDateClient({ baseUrl: fake, apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: ACCOUNT.password });

  out.token = (await client.authenticate()).access_token;
  out.health = await client.health();

  // Validation: issues with paths; createOrder refuses before sending anything.
  out.issues = lib.validateOrder(order({ zipcode: "2A004", owners: [], syndic: { name: "S", username: "", password: "" } }))
    .map((i) => `${i.path}:${i.code}`);
  out.invalid = await caught(lib, () => client.createOrder({ method: "extranet" }));

  // The test queued one 500 on POST /order/: this call fails and must not be re-sent.
  out.server500 = await caught(lib, () => client.createOrder(order({ external_id: "premier-essai" })));

  out.order = await client.createOrder(order());
  out.syndic400 = await caught(lib, () => client.createOrder(order({ syndic: { ...REJECTED_SYNDIC } })));

  // Expired token mid-session: one fresh login and a replay.
  await control(fake, "POST", "/__fake/ped/expire-tokens");
  out.afterExpiry = await client.createOrder(order({ external_id: "après-expiration" }));
  out.countsAfterExpiry = await control(fake, "GET", "/__fake/ped/requests");

  out.refresh = await client.requestRefresh(out.order.orderid, { method: "extranet", comment: "relance", all_due_paid: true });

  // A test webhook: the fake delivers it to the test's listener and logs its body; parse that.
  out.sendTestWebhook = await caught(lib, () => client.sendTestWebhook(out.order.orderid, "done"));
  const deliveries = await control(fake, "GET", "/__fake/ped/webhooks");
  const done = deliveries.filter((d) => d.event === "done").pop();
  const ev = lib.parseWebhook(JSON.stringify(done.body));
  out.webhook = {
    status: ev.status, orderid: ev.orderid, external_id: ev.external_id, registration_id: ev.registration_id ?? null,
    pdfIsUint8Array: ev.pdf instanceof Uint8Array, pdfHead: String.fromCharCode(...ev.pdf.slice(0, 5)), pdfLength: ev.pdf.length,
    documents: (ev.documents ?? []).map((d) => ({ id: d.id, doctype: d.doctype, label: lib.documentTypeLabel(d.doctype, "fr") })),
  };
  out.garbageWebhook = await caught(lib, () => lib.parseWebhook("<html>502 Bad Gateway</html>"));
  out.labels = {
    fr: Array.from({ length: 10 }, (_, i) => lib.documentTypeLabel(i + 1, "fr")),
    en: Array.from({ length: 10 }, (_, i) => lib.documentTypeLabel(i + 1, "en")),
  };

  // A fixed token is used as is: a fresh one works, the expired first one gets 401 (no login).
  out.freshToken = (await client.authenticate()).access_token;
  const fixed = new lib.PreEtatDateClient({ baseUrl: fake, apiKey: ACCOUNT.apiKey, token: out.freshToken });
  out.fixedTokenRefresh = await caught(lib, () => fixed.requestRefresh(out.order.orderid, { method: "extranet" }));
  const stale = new lib.PreEtatDateClient({ baseUrl: fake, apiKey: ACCOUNT.apiKey, token: out.token });
  out.staleToken = await caught(lib, () => stale.requestRefresh(out.order.orderid, { method: "extranet" }));

  // Login failures last (they add /account/auth requests).
  out.badKey = await caught(lib, () => new lib.PreEtatDateClient({ baseUrl: fake, apiKey: "cle-inconnue-42", email: ACCOUNT.email, password: ACCOUNT.password }).authenticate());
  out.badPassword = await caught(lib, () => new lib.PreEtatDateClient({ baseUrl: fake, apiKey: ACCOUNT.apiKey, email: ACCOUNT.email, password: "mauvais-Mot:de-passe" }).authenticate());
  return out;
}
