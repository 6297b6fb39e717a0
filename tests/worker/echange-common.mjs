// Runtime-neutral helpers shared by the Échange suites in Node, workerd and Chromium: fake
// controls (plain fetch), error description, hashing, stream utilities and a tiny zip writer
// for crafted archives. Only web-standard APIs (fetch, crypto.subtle, ReadableStream,
// TextEncoder), so the same module runs in the three runtimes.

/** Controls of the fake server at `base` (`/__fake/...`, JSON in and out). */
export function fakeControls(base, fetchFn = fetch) {
  async function control(method, path, body) {
    const res = await fetchFn(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  return {
    base,
    control,
    reset: () => control("POST", "/__fake/reset", {}),
    /** Queues one fault (see fakes/README.md). */
    fault: (spec) => control("POST", "/__fake/faults", spec),
    clearFaults: () => control("DELETE", "/__fake/faults"),
    config: (cfg) => control("POST", "/__fake/echange/config", cfg),
    user: (settings) => control("POST", "/__fake/echange/user", settings),
    otp: async (username = "otp-user") => (await control("POST", "/__fake/echange/otp", { username })).code,
    generate: (path, size, username) =>
      control("POST", "/__fake/echange/generate", username ? { path, size, username } : { path, size }),
    sha256: (path, username = "fournisseur") =>
      control("GET", `/__fake/echange/sha256?${new URLSearchParams({ path, username })}`),
    expireTokens: () => control("POST", "/__fake/echange/expire-tokens", {}),
    ipChange: () => control("POST", "/__fake/echange/ip-change", {}),
    /** Every logged request except CORS preflights. */
    requests: async () => (await control("GET", "/__fake/requests")).filter((r) => r.method !== "OPTIONS"),
    /** Logged requests (no preflights) to `path`, optionally with one method. */
    requestsTo: async (path, method) =>
      (await control("GET", "/__fake/requests")).filter(
        (r) => r.method !== "OPTIONS" && r.path === path && (!method || r.method === method),
      ),
  };
}

/** A plain, JSON-safe description of a caught value (for Workers and pages to send back). */
export function describeError(err, PasserelleError) {
  return {
    instanceOf: err instanceof PasserelleError,
    isError: err instanceof Error,
    name: err?.name,
    code: err?.code,
    status: err?.status,
    serverMessage: err?.serverMessage,
    serverError: err?.serverError,
    retryAfter: err?.retryAfter,
    message: String(err?.message),
    string: String(err),
    json: JSON.stringify(err) ?? "",
    stack: String(err?.stack),
  };
}

/** Runs `fn`; resolves with the description of its rejection, or `{ resolved: true }`. */
export async function caught(fn, PasserelleError) {
  try {
    await fn();
    return { resolved: true };
  } catch (err) {
    return describeError(err, PasserelleError);
  }
}

export function hex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 (hex) of bytes, with WebCrypto. */
export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** Reads a whole ReadableStream<Uint8Array> into one Uint8Array. */
export async function readAll(stream) {
  const reader = stream.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.byteLength;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A ReadableStream giving `bytes` in chunks of `size` bytes (the last one shorter). */
export function chunkedStream(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

let CRC_TABLE;
/** CRC-32 (IEEE), as zip uses it. */
export function crc32(bytes) {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A minimal zip archive with stored entries whose sizes are in the local headers (the layout
 * of many writers): `[{ name, data?: Uint8Array | string }]`. Names are written as UTF-8 with
 * flag 0x0800. Used to craft archives the server would never produce (unsafe names).
 */
export function storedZip(entries) {
  const enc = new TextEncoder();
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const data = typeof e.data === "string" ? enc.encode(e.data) : (e.data ?? new Uint8Array());
    const crc = crc32(data);
    const local = new Uint8Array(30 + name.length + data.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x0800, true);
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);
    local.set(data, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const all = [...locals, ...centrals, endOfCentralDirectory(centrals, offset)];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The end-of-central-directory record for the central `records`, which start at `offset`. */
export function endOfCentralDirectory(records, offset) {
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, records.length, true);
  ev.setUint16(10, records.length, true);
  ev.setUint32(12, records.reduce((n, c) => n + c.length, 0), true);
  ev.setUint32(16, offset, true);
  return end;
}

/** Reads every entry of an unzip() iterable: `[{ name, is_dir, last_modified, size, sha256 }]`. */
export async function unzipAll(lib, stream, opts) {
  const out = [];
  for await (const entry of lib.unzip(stream, opts)) {
    const item = { name: entry.name, is_dir: entry.is_dir, last_modified: entry.last_modified };
    if (!entry.is_dir) {
      const bytes = await entry.bytes();
      item.size = bytes.byteLength;
      item.sha256 = await sha256Hex(bytes);
    }
    out.push(item);
  }
  return out;
}
