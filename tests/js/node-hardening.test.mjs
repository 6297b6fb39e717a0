// Hardening found in review: bounded in-memory reads, uploads not cut by the per-attempt
// timeout, JWT-extension 422s treated as a refused token, URL-rewriting order ids refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { EchangeClient, PreEtatDateClient, PasserelleError, unzip } from "passerelle";
import { USER, fakeUrl, reset, requestsTo } from "./helpers.mjs";
import { ACCOUNT, fault, fullOrder, postsTo } from "./node-ped-helpers.mjs";

/** A zip with one Stored entry of `size` zero bytes, produced on the fly (never held whole). */
function storedZipStream(name, size, crc = 0) {
  const nameBytes = new TextEncoder().encode(name);
  const header = new Uint8Array(30 + nameBytes.length);
  const v = new DataView(header.buffer);
  v.setUint32(0, 0x04034b50, true); // local file header
  v.setUint16(4, 20, true);
  v.setUint16(8, 0, true); // stored
  v.setUint32(14, crc, true);
  v.setUint32(18, size, true); // compressed size
  v.setUint32(22, size, true); // uncompressed size
  v.setUint16(26, nameBytes.length, true);
  header.set(nameBytes, 30);
  let sent = 0;
  let headerSent = false;
  const chunk = new Uint8Array(1 << 20);
  return new ReadableStream({
    pull(ctl) {
      if (!headerSent) {
        headerSent = true;
        ctl.enqueue(header);
      } else if (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        ctl.enqueue(chunk.slice(0, n));
      } else {
        ctl.close();
      }
    },
  });
}

test("unzip: bytes() of an entry over 256 MiB rejects limit_exceeded (default cap) and the module stays usable", async () => {
  const entries = unzip(storedZipStream("bombe.bin", 300 * 1024 * 1024));
  let err;
  for await (const e of entries) {
    err = await e.bytes().then(() => undefined, (x) => x);
    break;
  }
  assert.ok(err instanceof PasserelleError, String(err));
  assert.equal(err.code, "limit_exceeded");
  assert.match(err.message, /stream\(\)/);
  // An explicit maxEntryBytes is the cap when given (a Stored entry declares its size, so the
  // iterator itself may reject before bytes() is called).
  const e2 = await (async () => {
    for await (const e of unzip(storedZipStream("petit.bin", 4096), { maxEntryBytes: 1000 })) await e.bytes();
  })().then(() => undefined, (x) => x);
  assert.ok(e2 instanceof PasserelleError, String(e2));
  assert.equal(e2.code, "limit_exceeded");
  // Still healthy: a small entry reads back.
  for await (const e of unzip(storedZipStream("ok.bin", 10, crc32(new Uint8Array(10))))) {
    assert.equal((await e.bytes()).length, 10);
    break;
  }
});

test("uploadFile: an upload that lasts longer than timeoutMs is not cut by the per-attempt timeout", async () => {
  await reset();
  const base = await fakeUrl();
  const c = new EchangeClient({ baseUrl: base, ...USER, timeoutMs: 300 });
  let i = 0;
  const slow = new ReadableStream({
    async pull(ctl) {
      if (i++ < 6) {
        await new Promise((r) => setTimeout(r, 150));
        ctl.enqueue(new Uint8Array(1000).fill(i));
      } else {
        ctl.close();
      }
    },
  });
  await c.uploadFile("/Archives/lent.bin", slow);
  const res = await fetch(`${base}/__fake/echange/sha256?path=${encodeURIComponent("/Archives/lent.bin")}`);
  const { size, sha256 } = await res.json();
  assert.equal(size, 6000);
  const want = createHash("sha256");
  for (let k = 1; k <= 6; k++) want.update(new Uint8Array(1000).fill(k));
  assert.equal(sha256, want.digest("hex"));
  // The timeout still applies to ordinary calls.
  const once = new EchangeClient({ baseUrl: base, ...USER, timeoutMs: 300, retries: 0 });
  await once.token();
  await fault({ method: "GET", path: "/api/v2/user/dirs", kind: "slow", delay_ms: 1500 });
  const e = await once.listDir("/").then(() => undefined, (x) => x);
  assert.equal(e?.code, "timeout");
});

test("PRE-ETAT.DATE: a 422 {\"msg\"} from the JWT layer is a refused token: one new login, one replay", async () => {
  await reset();
  const c = new PreEtatDateClient({ baseUrl: await fakeUrl(), ...ACCOUNT });
  await c.authenticate();
  await fault({ method: "POST", path: "/order/", kind: "status", status: 422, body: '{"msg": "Signature verification failed"}', times: 1 });
  const t = await c.createOrder(fullOrder());
  assert.match(t.orderid, /^[A-Z0-9]{6}$/);
  assert.equal((await requestsTo("/account/auth")).filter((r) => r.method === "POST").length, 2);
  assert.equal(await postsTo("/order/"), 2, "the refused POST and its one replay");
  // An envelope 422 (not the JWT layer) is an ordinary error, not replayed.
  await reset();
  const c2 = new PreEtatDateClient({ baseUrl: await fakeUrl(), ...ACCOUNT });
  await fault({ method: "POST", path: "/order/", kind: "status", status: 422, times: 2,
    body: '{"message": "Données invalides", "payload": null, "success": false}' });
  const e = await c2.createOrder(fullOrder()).then(() => undefined, (x) => x);
  assert.equal(e?.code, "http");
  assert.equal(e?.serverMessage, "Données invalides");
  assert.equal(await postsTo("/order/"), 1);
});

test("PRE-ETAT.DATE: an orderid of \".\" or \"..\" is refused before any request (it would rewrite the URL)", async () => {
  await reset();
  const c = new PreEtatDateClient({ baseUrl: await fakeUrl(), ...ACCOUNT });
  for (const id of [".", ".."]) {
    const e = await c.requestRefresh(id, { method: "extranet" }).then(() => undefined, (x) => x);
    assert.ok(e instanceof PasserelleError);
    assert.equal(e.code, "invalid_input");
  }
  assert.equal((await requestsTo("/account/auth")).length, 0, "nothing was sent, not even a login");
});

test("retries share one budget: a body cut on every attempt is requested retries + 1 times, not more", async () => {
  await reset();
  const c = new EchangeClient({ baseUrl: await fakeUrl(), ...USER, retries: 2 });
  await c.token();
  await fault({ method: "GET", path: "/api/v2/user/dirs", kind: "drop_mid_body", after_bytes: 10, times: 9 });
  const e = await c.listDir("/Archives").then(() => undefined, (x) => x);
  assert.ok(e instanceof PasserelleError, String(e));
  // A body cut mid-way is `truncated` (the head arrived: it is not a network failure).
  assert.equal(e.code, "truncated");
  assert.match(e.message, /ended early, after \d+ bytes/);
  assert.equal((await requestsTo("/api/v2/user/dirs")).length, 3);
});

// ───────────── the transport's JavaScript plumbing (src/js/support.js), with hostile inputs ─────────────

test("a body whose read() resolves to something that is not { done, value } fails the call (truncated), it does not hang", async () => {
  // The idle timeout (default 30 s) is on: the read is raced against it.
  const fetch = async () => ({
    status: 200,
    headers: new Headers({ "content-type": "application/json" }),
    body: { getReader: () => ({ read: async () => null, cancel: async () => {} }) },
  });
  const c = new PreEtatDateClient({ baseUrl: "http://127.0.0.1:9", apiKey: "k", token: "t", fetch, retries: 0 });
  const e = await c.health().then(() => undefined, (x) => x);
  assert.ok(e instanceof PasserelleError, `rejected with ${e}`);
  // A failed read after the response head is a body cut short, as for a dropped connection.
  assert.equal(e.code, "truncated");
});

test("uploadFile of a detached buffer is invalid_input before any request, not a network failure retried", async () => {
  await reset();
  const c = new EchangeClient({ baseUrl: await fakeUrl(), ...USER });
  await c.token();
  const data = new Uint8Array([1, 2, 3]);
  structuredClone(data.buffer, { transfer: [data.buffer] }); // detaches it
  const e = await c.uploadFile("/Archives/detache.bin", data).then(() => undefined, (x) => x);
  assert.ok(e instanceof PasserelleError, `rejected with ${e}`);
  assert.equal(e.code, "invalid_input");
  assert.match(e.message, /could not be built/);
  assert.equal((await requestsTo("/api/v2/user/files/upload")).length, 0);
});

test("a signal option whose addEventListener/removeEventListener throw is tolerated (not listened to)", async () => {
  await reset();
  const c = new EchangeClient({ baseUrl: await fakeUrl(), ...USER });
  const signal = {
    aborted: false,
    addEventListener() {
      throw new Error("no listeners here");
    },
    removeEventListener() {
      throw new Error("no listeners here");
    },
  };
  const entries = await c.listDir("/", { signal });
  assert.ok(Array.isArray(entries));
});
