// PRE-ETAT.DATE quickstart: authenticate, order a pré-état daté in test mode, and handle the
// webhooks that follow with parseWebhook (the final one carries the PDF).
//
// Against the fake server (tests/js/node-ped-example.test.mjs runs exactly this):
//   PASSERELLE_FAKE_URL=http://127.0.0.1:PORT node examples/ped-quickstart.mjs
// Against the real service: set PED_API_KEY, PED_EMAIL, PED_PASSWORD (and PED_BASE_URL if you
// do not use the recommended host), and configure your account's callback URL to reach this
// process (PED_WEBHOOK_PORT, default 8787) over HTTPS, e.g. through a reverse proxy.
import { createServer } from "node:http";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PreEtatDateClient, parseWebhook, documentTypeLabel, PasserelleError } from "passerelle";

const FAKE = process.env.PASSERELLE_FAKE_URL; // only set when running against the fake server
const client = new PreEtatDateClient({
  baseUrl: FAKE ?? process.env.PED_BASE_URL ?? "https://api.maison-du-pre-etat-date.fr",
  apiKey: process.env.PED_API_KEY ?? "ped-test-key",
  email: process.env.PED_EMAIL ?? "notaire@example.fr",
  password: process.env.PED_PASSWORD ?? "Secret-Été-2025",
});

// ── 1. The webhook receiver ───────────────────────────────────────────────────────────────
// The service POSTs JSON on every state change and may deliver the same notification twice:
// answer 2xx quickly, and make the handling idempotent (here: remember what was processed).
const processed = new Set();
let finished;
const allDone = new Promise((resolve) => (finished = resolve));

async function handleEvent(event) {
  const key = `${event.orderid}/${event.status}`;
  if (processed.has(key)) return; // a duplicate delivery: already handled
  processed.add(key);
  console.log(`webhook: order ${event.orderid} (external_id ${event.external_id}) is now ${event.status}`);
  if (event.status === "done" && event.pdf) {
    const file = join(tmpdir(), `pre-etat-date-${event.orderid}.pdf`);
    await writeFile(file, event.pdf); // event.pdf: Uint8Array, checked to start with %PDF
    console.log(`  PDF: ${event.pdf.length} bytes → ${file}`);
    for (const doc of event.documents ?? []) {
      console.log(`  document ${doc.id}: ${documentTypeLabel(doc.doctype, "fr")} (${doc.delivered}) ${doc.url}`);
    }
    finished();
  }
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST") return res.writeHead(405).end();
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let event;
  try {
    event = parseWebhook(new Uint8Array(Buffer.concat(chunks)));
  } catch (err) {
    // Not a valid notification: refuse it (never crash the receiver).
    console.error(`webhook refused: ${err instanceof PasserelleError ? err.message : err}`);
    return res.writeHead(400).end();
  }
  res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  await handleEvent(event);
});
await new Promise((ok) => server.listen(FAKE ? 0 : Number(process.env.PED_WEBHOOK_PORT ?? 8787), ok));
const callbackUrl = `http://127.0.0.1:${server.address().port}/pre-etat-date/webhook`;

if (FAKE) {
  // Fake server only: register the callback URL (the real service takes it from the account).
  await fetch(`${FAKE}/__fake/ped/callback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "notaire@example.fr", url: callbackUrl }),
  });
}

// ── 2. Authenticate and order ─────────────────────────────────────────────────────────────
try {
  await client.authenticate(); // optional: the first call would log in by itself
  const order = {
    address: "4 BIS RUE DE LA FERME",
    city: "CALUIRE ET CUIRE",
    zipcode: "69300",
    owners: [{ firstname: "Jean", lastname: "Dupont" }],
    invoice: { address: "64, avenue Kléber", city: "PARIS", zipcode: "75116", lastname: "PLAISIR NOTAIRES" },
    method: "extranet",
    syndic: { name: "Syndic Name", username: "syndic_user", password: "syndic_pass", url: "https://extranet.example.com" },
    all_due_paid: false,
    external_id: "dossier-2025-0042", // your own reference: webhooks carry it back
    test_mode: true,
  };
  const transaction = await client.createOrder(order); // validated first; never re-sent automatically
  console.log(`order ${transaction.orderid}: ${transaction.state}, created ${transaction.created_iso} (${transaction.created})`);

  // ── 3. In test mode, ask the service to simulate the next steps ──────────────────────
  for (const event of ["received", "done"]) {
    await client.sendTestWebhook(transaction.orderid, event);
  }
  const waited = setTimeout(() => console.error("no `done` webhook yet: is the callback URL reachable?"), 30_000);
  await allDone;
  clearTimeout(waited);
} catch (err) {
  if (!(err instanceof PasserelleError)) throw err;
  console.error(`${err.code} ${err.status ?? ""} ${err.message}${err.serverMessage ? ` — ${err.serverMessage}` : ""}`);
  if (["server", "network", "timeout"].includes(err.code)) {
    // createOrder is never retried: the order may or may not exist. Look for its external_id
    // (webhooks, your account's order list) before sending it again (docs/pre-etat-date.md).
    console.error("the order may or may not exist: look for its external_id before sending it again");
  }
  process.exitCode = 1;
} finally {
  server.close();
}
