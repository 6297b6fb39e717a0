// Webhooks end to end with the installed package: a small HTTP listener in this test is the
// account's callback (registered through /__fake/ped/callback); what the fake delivers is
// parsed with parseWebhook. Plus static fixtures for every status, garbage bodies (always a
// PasserelleError, never a crash) and documentTypeLabel.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PreEtatDateClient, parseWebhook, documentTypeLabel, PasserelleError } from "passerelle";
import { ROOT, fakeUrl, reset } from "./helpers.mjs";
import {
  ACCOUNT, OTHER, fullOrder, setCallback, webhookListener, pedWebhooks, control, checkError,
} from "./node-ped-helpers.mjs";

const STATES = ["confirmed", "received", "waiting", "done", "need-refresh"];
const FR = ["Fiche synthétique", "Procès-Verbal", "Règlement de Copropriété", "Diagnostic", "Diagnostic Amiante",
  "Diagnostic Plomb", "Carnet d'Entretien", "Plans", "Immatriculation", "Autre"];
const EN = ["Summary sheet", "Minutes", "Co-ownership rules", "Diagnostics", "Asbestos diagnostic",
  "Lead diagnostic", "Maintenance logbook", "Plans", "Registration", "Other"];

let listener;
before(async () => {
  listener = await webhookListener();
});
after(async () => {
  await listener?.close();
});

async function clientFor(account) {
  return new PreEtatDateClient({
    baseUrl: await fakeUrl(), apiKey: account.apiKey, email: account.email, password: account.password,
  });
}

/** Resets the fake, points both accounts' callbacks at the listener, clears what it received. */
async function fresh() {
  await reset();
  await setCallback(ACCOUNT.email, listener.url);
  await setCallback(OTHER.email, listener.url);
  listener.received.length = 0;
}

const ascii = (bytes, n) => String.fromCharCode(...bytes.slice(0, n));

function expectInvalid(body, why) {
  let err;
  try {
    const value = parseWebhook(body);
    assert.fail(`${why}: expected a PasserelleError, got ${JSON.stringify(value)}`);
  } catch (e) {
    err = e;
  }
  checkError(err, PasserelleError, { code: "invalid_input", status: undefined });
  assert.match(err.message, /parseWebhook/, why);
  return err;
}

test("each of the five states, delivered by the fake, parses from the raw body (string and bytes)", async () => {
  await fresh();
  const c = await clientFor(ACCOUNT);
  const t = await c.createOrder(fullOrder({ external_id: "réf-été-42" }));
  for (const s of STATES) await c.sendTestWebhook(t.orderid, s);
  assert.equal(listener.received.length, 5);
  for (const [i, d] of listener.received.entries()) {
    assert.equal(d.method, "POST");
    assert.equal(d.url, "/hooks/pre-etat-date");
    assert.match(d.headers["content-type"], /^application\/json/);
    for (const body of [d.text, new Uint8Array(d.raw), JSON.parse(d.text)]) {
      const ev = parseWebhook(body);
      assert.equal(ev.status, STATES[i]);
      assert.equal(ev.orderid, t.orderid);
      assert.equal(ev.external_id, "réf-été-42");
      if (ev.status === "done") {
        assert.ok(ev.pdf instanceof Uint8Array, "pdf is a Uint8Array");
        assert.equal(ascii(ev.pdf, 5), "%PDF-");
        const sent = Buffer.from(JSON.parse(d.text).content, "base64");
        assert.deepEqual(Buffer.from(ev.pdf), sent, "the PDF is the decoded content, byte for byte");
        assert.equal(ev.registration_id, "AC-123-45");
        assert.ok(Array.isArray(ev.documents) && ev.documents.length > 0);
        assert.ok(!("content" in ev), "the base64 text is not kept beside the bytes");
      } else {
        assert.equal(ev.pdf, undefined);
        assert.equal(ev.documents, undefined);
        assert.equal(ev.registration_id, undefined);
      }
    }
  }
});

test("a done notification's documents: ids, doctype codes with their labels, dates and URLs as sent", async () => {
  await fresh();
  const c = await clientFor(ACCOUNT);
  const t = await c.createOrder(fullOrder());
  await c.sendTestWebhook(t.orderid, "done");
  const wire = JSON.parse(listener.received[0].text);
  const ev = parseWebhook(listener.received[0].text);
  assert.equal(ev.documents.length, wire.documents.length);
  for (const [i, doc] of ev.documents.entries()) {
    const w = wire.documents[i];
    assert.equal(doc.id, w.id);
    assert.equal(doc.doctype, w.doctype);
    assert.ok(Number.isInteger(doc.doctype) && doc.doctype >= 1 && doc.doctype <= 10);
    assert.equal(doc.delivered, w.delivered);
    assert.match(doc.delivered, /^\d{4}-\d\d-\d\d$/);
    assert.equal(doc.mimetype, "application/pdf");
    assert.equal(doc.url, w.url);
    assert.equal(doc.comment, "");
    assert.equal(documentTypeLabel(doc.doctype, "fr"), FR[doc.doctype - 1]);
    assert.equal(documentTypeLabel(doc.doctype, "en"), EN[doc.doctype - 1]);
  }
});

test("without the contract options, done carries the PDF but neither registration_id nor documents", async () => {
  await fresh();
  const c = await clientFor(OTHER);
  const t = await c.createOrder(fullOrder());
  await c.sendTestWebhook(t.orderid, "done");
  const ev = parseWebhook(listener.received[0].text);
  assert.equal(ev.status, "done");
  assert.equal(ascii(ev.pdf, 4), "%PDF");
  assert.equal(ev.registration_id, undefined);
  assert.equal(ev.documents, undefined);
});

test("redelivered duplicates parse to the same event: a receiver can dedupe on (orderid, status)", async () => {
  await fresh();
  const c = await clientFor(ACCOUNT);
  const t = await c.createOrder(fullOrder());
  await c.sendTestWebhook(t.orderid, "done");
  await control("POST", "/__fake/ped/redeliver", { orderid: t.orderid, times: 2 });
  assert.equal(listener.received.length, 3);
  const events = listener.received.map((d) => parseWebhook(d.text));
  assert.deepEqual(events[1], events[0]);
  assert.deepEqual(events[2], events[0]);
  // An idempotent handler: process each (orderid, status, content) once.
  const seen = new Set();
  let processed = 0;
  for (const ev of events) {
    const key = `${ev.orderid}|${ev.status}|${Buffer.from(ev.pdf ?? []).toString("base64")}`;
    if (!seen.has(key)) {
      seen.add(key);
      processed += 1;
    }
  }
  assert.equal(processed, 1);
  const log = await pedWebhooks();
  assert.equal(log.length, 3);
  assert.ok(log.every((d) => d.reply_status === 200));
});

test("advance received → waiting → received → done: every delivery parses in order", async () => {
  await fresh();
  const c = await clientFor(ACCOUNT);
  const t = await c.createOrder(fullOrder({ external_id: undefined }));
  for (const state of ["received", "waiting", "received", "done"]) {
    await control("POST", "/__fake/ped/advance", { orderid: t.orderid, state });
  }
  const events = listener.received.map((d) => parseWebhook(d.text));
  assert.deepEqual(events.map((e) => e.status), ["received", "waiting", "received", "done"]);
  for (const e of events) assert.equal(e.external_id, null, "no external_id given → null");
});

// ───────────────────────────── fixtures ─────────────────────────────

/** A PDF prefix as the vendor's sample (decodes to "%PDF-1.3\n%âãÏÓ\r\n1 0 obj\n<</Mod"). */
const SAMPLE_B64 = "JVBERi0xLjMKJeLjz9MNCjEgMCBvYmoKPDwvTW9k";
const FIXTURES = {
  confirmed: { status: "confirmed", orderid: "C7HOF2", external_id: "1221" },
  received: { status: "received", orderid: "C7HOF2", external_id: "1221" },
  waiting: { status: "waiting", orderid: "C7HOF2", external_id: "1221", registration_id: "AA-XXX-XX" },
  "need-refresh": { status: "need-refresh", orderid: "SD28Z5", external_id: null },
  done: {
    status: "done", orderid: "order_id_12345", external_id: "1221", content: SAMPLE_B64, registration_id: "AA-XXX-XX",
    documents: [{ id: 41, doctype: 2, delivered: "2025-03-12", comment: "", mimetype: "application/pdf",
      url: "https://storage.example/2c8b5050b7d84f.pdf" }],
  },
};

test("static fixtures for every status (the documented done example included) parse as typed events", () => {
  for (const [status, fixture] of Object.entries(FIXTURES)) {
    const text = JSON.stringify(fixture, null, 2);
    const ev = parseWebhook(text);
    assert.equal(ev.status, status);
    assert.equal(ev.orderid, fixture.orderid);
    assert.equal(ev.external_id, fixture.external_id);
    assert.equal(ev.registration_id, fixture.registration_id);
    if (status === "done") {
      assert.deepEqual([...ev.pdf.slice(0, 16)], [...Buffer.from("%PDF-1.3\n%\xe2\xe3\xcf\xd3\r\n", "latin1")]);
      assert.deepEqual(ev.documents, fixture.documents);
    }
  }
});

test("content is decoded leniently: line-wrapped, unpadded or URL-safe base64", () => {
  const pdf = Buffer.from("%PDF-1.7\n%\xff\xfe\xfd binary ~~~ ???\n", "latin1");
  const std = pdf.toString("base64");
  const variants = [
    std.replace(/(.{8})/g, "$1\r\n"),
    std.replace(/=+$/, ""),
    pdf.toString("base64url"),
    `  ${std}\n`,
  ];
  for (const content of variants) {
    const ev = parseWebhook({ status: "done", orderid: "X1", external_id: "e", content });
    assert.deepEqual(Buffer.from(ev.pdf), pdf, JSON.stringify(content));
  }
});

test("unknown fields are preserved, top level and in documents; an unknown status is passed through", () => {
  const ev = parseWebhook({
    ...FIXTURES.done,
    signature: "v1=abc", attempt: 2, meta: { source: "prod", tags: ["a"] },
    documents: [{ ...FIXTURES.done.documents[0], pages: 12, checksum: { sha256: "00ff" } }],
  });
  assert.equal(ev.signature, "v1=abc");
  assert.equal(ev.attempt, 2);
  assert.deepEqual(ev.meta, { source: "prod", tags: ["a"] });
  assert.equal(ev.documents[0].pages, 12);
  assert.deepEqual(ev.documents[0].checksum, { sha256: "00ff" });
  const odd = parseWebhook({ status: "cancelled", orderid: "Z9", external_id: "1" });
  assert.equal(odd.status, "cancelled");
  // Numeric ids are accepted as text.
  assert.equal(parseWebhook({ status: "done", orderid: 123456, external_id: 1221 }).orderid, "123456");
});

test("garbage bodies give an invalid_input PasserelleError, never a crash", () => {
  const pdfLess = Buffer.from("<html>not a pdf</html>").toString("base64");
  const garbage = [
    ["", "empty string"], ["   \n", "blank"], ["null", "JSON null"], ["[]", "array"], ["42", "number"],
    ['"done"', "string"], ["{", "truncated"], ['{"status": "done", "orderid": "A",}', "trailing comma"],
    ["<html><body>502 Bad Gateway</body></html>", "HTML"], ["[".repeat(100_000), "deep array text"],
    ['{"a":'.repeat(10_000), "deep object text"],
    ['{"orderid": "A"}', "no status"], ['{"status": "done"}', "no orderid"],
    ['{"status": "", "orderid": "A"}', "blank status"], ['{"status": 3, "orderid": "A"}', "numeric status"],
    ['{"status": "done", "orderid": "  "}', "blank orderid"], ['{"status": "done", "orderid": ["A"]}', "array orderid"],
    ['{"status": "done", "orderid": "A", "documents": {}}', "documents object"],
    ['{"status": "done", "orderid": "A", "documents": [1]}', "document number"],
    ['{"status": "done", "orderid": "A", "content": 5}', "numeric content"],
    ['{"status": "done", "orderid": "A", "content": "!!!not base64!!!"}', "not base64"],
    [`{"status": "done", "orderid": "A", "content": "${pdfLess}"}`, "not a PDF"],
    ['{"status": "done", "orderid": "A", "external_id": {"x": 1}}', "object external_id"],
    [new Uint8Array([0xff, 0xfe, 0x00, 0x7b]), "binary"], [new Uint8Array(0), "no bytes"],
    [undefined, "undefined"], [null, "null"], [42, "number value"], [true, "boolean"],
    [{}, "empty object"], [[], "array value"],
    [{ status: "done", orderid: "A", n: 10n }, "bigint inside"],
  ];
  for (const [body, why] of garbage) {
    let err;
    try {
      parseWebhook(body);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof PasserelleError, `${why}: ${err?.constructor?.name}: ${err}`);
    assert.equal(err.code, "invalid_input", why);
    assert.match(err.message, /parseWebhook/, why);
    assert.ok(err.message.length < 300, `${why}: a short message`);
  }
  // Objects are read with JSON semantics: a function-valued property is left out, like
  // JSON.stringify does, and the rest is a valid notification.
  const withFn = parseWebhook({ status: "received", orderid: "A", at: () => 1 });
  assert.equal(withFn.status, "received");
  assert.equal(withFn.orderid, "A");
  assert.equal("at" in withFn, false);
  // The module is still healthy afterwards.
  assert.equal(parseWebhook(FIXTURES.received).status, "received");
});

test("a garbage body never echoes the body (which could hold anything) in the error", () => {
  const secret = "Mot-De-Passe-Syndic-Été";
  for (const body of [`{"status": "done", "orderid": "A", "content": "${secret}"}`, `not json ${secret}`,
    `{"status": {"password": "${secret}"}, "orderid": "A"}`]) {
    const err = expectInvalid(body, body.slice(0, 20));
    for (const text of [String(err), JSON.stringify(err), String(err.stack)]) assert.ok(!text.includes(secret), text);
  }
});

// A deeply nested *object* (as `express.json()` would hand over from a hostile 25 kB body), or a
// circular one, must be refused like the same text is. Each case runs in a child process: when
// the library overflows its stack, the whole WebAssembly instance is unusable afterwards and the
// other tests would fail too.
async function inChild(makeInput, call) {
  const script = `
    import { parseWebhook, validateOrder, documentTypeLabel, PasserelleError, PreEtatDateClient } from "passerelle";
    const input = (${makeInput})();
    let outcome;
    try { await (${call})(input, PreEtatDateClient); outcome = "ok"; }
    catch (e) { outcome = e instanceof PasserelleError ? "PasserelleError:" + e.code : "other:" + e; }
    let after;
    try { after = documentTypeLabel(2, "en"); } catch (e) { after = "broken:" + e; }
    console.log(JSON.stringify({ outcome, after }));
  `;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, timeout: 60_000 });
    return JSON.parse(stdout.trim().split("\n").pop());
  } catch (e) {
    return { outcome: `the process died (exit ${e.code}): ${String(e.stderr).split("\n").find((l) => /Error/.test(l))}` };
  }
}

const HOSTILE = {
  "parseWebhook(deeply nested object)": [
    `() => JSON.parse('{"status":"done","orderid":"A","x":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001))`,
    `(v) => parseWebhook(v)`],
  "parseWebhook(circular object)": [
    `() => { const o = { status: "done", orderid: "A" }; o.self = o; return o; }`, `(v) => parseWebhook(v)`],
  "validateOrder(deeply nested object)": [
    `() => JSON.parse('{"method":"email","x":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001))`,
    `(v) => validateOrder(v)`],
  "createOrder(deeply nested object)": [
    `() => JSON.parse('{"method":"email","x":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001))`,
    `(v, Client) => new Client({ baseUrl: "http://127.0.0.1:9", apiKey: "k-123", token: "a.b.c" }).createOrder(v)`],
};

for (const [name, [makeInput, call]] of Object.entries(HOSTILE)) {
  test(`${name} gives a PasserelleError (or a result) and leaves the module usable`, async () => {
    const { outcome, after } = await inChild(makeInput, call);
    // Cycles throw in JSON.stringify; nesting past 128 levels stops serde_json: both invalid_input.
    assert.equal(outcome, "PasserelleError:invalid_input");
    assert.equal(after, "Minutes");
  });
}

// ───────────────────────────── documentTypeLabel ─────────────────────────────

test("documentTypeLabel: codes 1–10 in French (the default) and English", () => {
  for (let code = 1; code <= 10; code++) {
    assert.equal(documentTypeLabel(code, "fr"), FR[code - 1]);
    assert.equal(documentTypeLabel(code), FR[code - 1], "French by default");
    assert.equal(documentTypeLabel(code, "en"), EN[code - 1]);
  }
  assert.equal(documentTypeLabel(42, "fr"), "Type de document 42");
  assert.equal(documentTypeLabel(42, "en"), "Document type 42");
  assert.equal(documentTypeLabel(0, "en"), "Document type 0");
});

test("documentTypeLabel: a code that is not a whole number, or an unknown language → invalid_input", () => {
  for (const [code, lang] of [[1.5, "fr"], [-1, "fr"], ["2", "fr"], [NaN, "en"], [Infinity, "en"], [null, "fr"], [2, "de"], [2, 3]]) {
    let err;
    try {
      documentTypeLabel(code, lang);
    } catch (e) {
      err = e;
    }
    checkError(err, PasserelleError, { code: "invalid_input" });
  }
});

test("the client's own parseWebhook/documentTypeLabel methods behave like the functions", async () => {
  const c = await clientFor(ACCOUNT);
  assert.deepEqual(c.parseWebhook(FIXTURES.waiting), parseWebhook(FIXTURES.waiting));
  assert.equal(c.documentTypeLabel(7, "fr"), "Carnet d'Entretien");
  assert.throws(() => c.parseWebhook("{"), PasserelleError);
});
