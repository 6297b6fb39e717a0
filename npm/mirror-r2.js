// Cloudflare R2 destination for the mirror: files are objects of an R2 bucket binding under a
// key prefix, `<prefix><path without its leading slash>`; the manifest is an object of the
// bucket (`<prefix>.passerelle-mirror.json`) or lives wherever a coordinator keeps it (a Durable
// Object's storage, through the `manifest` option).
//
// R2 makes an object visible only once its `put` completed: a download that fails or is aborted
// errors the stream being put, the `put` rejects and no object is created (an earlier version
// of the object stays as it was). So files are written straight under their final key, no
// temporary name. R2 needs the length of a streamed body up front: the listed size is given
// through a `FixedLengthStream` (Workers), which also refuses a body of another length. The
// remote modification time goes into the object's custom metadata, where `stat` reads it back.

import { mirrorError } from "./web/passerelle.js";

/** The manifest object's name, under the prefix, when the manifest is kept in the bucket. */
const MANIFEST = ".passerelle-mirror.json";
/** Largest object one R2 `put` takes (4.995 GiB); larger files would need a multipart upload. */
const MAX_PUT_BYTES = 5 * 1024 ** 3 - 5 * 1024 ** 2;
/** Longest R2 key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const bad = (message) => mirrorError("invalid_input", `r2Destination(): ${message}`);
const utf8Length = (s) => new TextEncoder().encode(s).length;

/** Whether `value` looks like an R2 bucket binding (and not already a destination). */
export function isR2Bucket(value) {
  return value != null && typeof value === "object" && typeof value.readManifest !== "function"
    && ["head", "get", "put", "delete", "list"].every((m) => typeof value[m] === "function");
}

/** `data`, its bytes also fed to a SHA-256 `crypto.DigestStream` when the runtime has one. */
function hashing(data) {
  const Digest = globalThis.crypto?.DigestStream;
  if (typeof Digest !== "function") return { body: data, digest: null };
  const digest = new Digest("SHA-256");
  const writer = digest.getWriter();
  const body = data.pipeThrough(new TransformStream({
    async transform(chunk, controller) {
      await writer.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await writer.close();
    },
  }));
  const hex = async () => [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { body, digest: hex, abort: (e) => writer.abort(e).catch(() => {}) };
}

/**
 * A `MirrorDestination` writing into the R2 bucket `bucket`.
 * @param {import("./index.d.ts").MirrorR2Bucket} bucket
 * @param {import("./index.d.ts").R2DestinationOptions} [options]
 * @returns {import("./index.d.ts").MirrorDestination}
 */
export function r2Destination(bucket, options) {
  if (!isR2Bucket(bucket)) throw bad("the first argument must be an R2 bucket binding");
  const o = options ?? {};
  if (typeof o !== "object") throw bad("`options` must be an object");
  const prefix = o.prefix ?? "";
  if (typeof prefix !== "string" || prefix.startsWith("/") || utf8Length(prefix) > MAX_KEY_BYTES / 2) {
    throw bad("option `prefix` must be a string not starting with \"/\", at most 512 bytes long");
  }
  const store = o.manifest;
  if (store !== undefined && (store === null || typeof store.read !== "function" || typeof store.write !== "function")) {
    throw bad("option `manifest` must be an object with read() and write(text) methods");
  }
  if (o.lock !== undefined && typeof o.lock !== "function") throw bad("option `lock` must be a function");
  const checkObjects = o.checkObjects ?? true;
  if (typeof checkObjects !== "boolean") throw bad("option `checkObjects` must be a boolean");

  const manifestKey = prefix + MANIFEST;
  const keyOf = (local) => {
    const key = prefix + local;
    if (utf8Length(key) > MAX_KEY_BYTES) {
      throw mirrorError("invalid_input", `mirror: the R2 key of ${JSON.stringify(local)} is longer than ${MAX_KEY_BYTES} bytes`);
    }
    return key;
  };

  const destination = {
    caseInsensitive: false,
    windowsNames: false,
    reservedNames: store ? [] : [MANIFEST],

    async readManifest() {
      if (store) {
        const text = await store.read();
        return text ?? null;
      }
      const obj = await bucket.get(manifestKey);
      return obj === null ? null : obj.text();
    },

    async writeManifest(text) {
      if (store) {
        await store.write(text);
        return;
      }
      await bucket.put(manifestKey, text, { httpMetadata: { contentType: "application/json" } });
    },

    async write(local, data, { size, mtime }) {
      let key;
      try {
        key = keyOf(local);
        if (size > MAX_PUT_BYTES) {
          throw mirrorError("too_large", `mirror: ${local} has ${size} bytes, more than one R2 put takes (${MAX_PUT_BYTES})`);
        }
      } catch (e) {
        await data.cancel(e).catch(() => {});
        throw e;
      }
      const { body, digest, abort } = hashing(data);
      // R2 needs the length of a streamed body; elsewhere (a binding proxied into Node) the
      // stream is given as it is.
      const fixed = typeof globalThis.FixedLengthStream === "function" ? new globalThis.FixedLengthStream(size) : null;
      const piping = fixed ? body.pipeTo(fixed.writable) : Promise.resolve();
      const putting = bucket.put(key, fixed ? fixed.readable : body, {
        customMetadata: { source: `/${local}`, last_modified: new Date(mtime).toISOString(), size: String(size) },
      });
      const [piped, put] = await Promise.allSettled([piping, putting]);
      // The download's own error says more than the put's (which only saw its stream fail).
      const failure = piped.status === "rejected" ? piped.reason : put.status === "rejected" ? put.reason : null;
      if (failure !== null) {
        abort?.(failure);
        throw failure;
      }
      return digest ? { sha256: await digest() } : undefined;
    },

    async remove(local) {
      await bucket.delete(keyOf(local));
    },
  };
  if (checkObjects) {
    destination.stat = async (local) => {
      const head = await bucket.head(keyOf(local));
      if (head === null) return null;
      // Objects written by something else carry no remote time: never taken as complete.
      const t = Date.parse(head.customMetadata?.last_modified ?? "");
      return { size: head.size, mtime: t };
    };
  }
  if (o.lock) destination.lock = o.lock;
  return destination;
}
