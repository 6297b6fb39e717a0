// POST /webhooks/pre-etat-date: the PRE-ETAT.DATE notification receiver.
//
// The service expects a 2xx and may deliver the same notification more than once, so the
// receiver is idempotent:
//  - the PDF of a `done` notification goes to R2 at `pre-etat-date/<orderid>.pdf` (one key per
//    order: a repeated delivery overwrites nothing new — it is skipped when R2 already holds the
//    same SHA-256);
//  - the order's state goes to KV at `order:<orderid>`, with one `events` item per distinct
//    notification (keyed by the SHA-256 of its body): a repeat is acknowledged, not recorded.
// Malformed bodies (not JSON, no orderid/status, bad base64 PDF, …) get 400 and change nothing.
import { parseWebhook } from "passerelle";
import { storage } from "./config.js";

/** Webhook bodies above this size are refused (a PDF in base64 is well below it). */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
const ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const orderKey = (orderid) => `order:${orderid}`;
export const pdfKey = (orderid) => `pre-etat-date/${orderid}.pdf`;

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const json = (status, body) => Response.json(body, { status, headers: { "cache-control": "no-store" } });

export async function handleWebhook(request, env) {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BYTES) return json(413, { error: "body too large" });
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > MAX_WEBHOOK_BYTES) return json(413, { error: "body too large" });

  let event;
  try {
    event = parseWebhook(body);
  } catch (err) {
    // The library's message describes the problem (never a secret: there is none in a body).
    return json(400, { error: "malformed notification", detail: err?.message ?? String(err) });
  }
  const { orderid, status } = event;
  if (!ORDER_ID.test(orderid)) return json(400, { error: "malformed notification", detail: "unusable orderid" });

  const { kv, bucket } = storage(env);
  const bodySha = await sha256Hex(body);
  const record = (await kv.get(orderKey(orderid), "json")) ?? { orderid, events: [] };
  if (record.events.some((e) => e.sha256 === bodySha)) {
    return json(200, { ok: true, orderid, status: record.status, duplicate: true });
  }

  // The PDF first: the state is only recorded once the document is safely stored.
  if (event.pdf instanceof Uint8Array) {
    const pdfSha = await sha256Hex(event.pdf);
    const key = pdfKey(orderid);
    const head = await bucket.head(key);
    if (head?.customMetadata?.sha256 !== pdfSha) {
      await bucket.put(key, event.pdf, {
        httpMetadata: { contentType: "application/pdf" },
        customMetadata: { orderid, sha256: pdfSha },
        sha256: pdfSha, // R2 checks the bytes it received against it
      });
    }
    record.pdf = { key, size: event.pdf.byteLength, sha256: pdfSha };
  }
  const at = new Date().toISOString();
  record.status = status;
  record.updated = at;
  if (event.external_id !== undefined) record.external_id = event.external_id;
  if (event.registration_id !== undefined) record.registration_id = event.registration_id;
  if (Array.isArray(event.documents)) record.documents = event.documents;
  record.events.push({ status, sha256: bodySha, received: at });
  await kv.put(orderKey(orderid), JSON.stringify(record));
  return json(200, { ok: true, orderid, status, duplicate: false });
}
