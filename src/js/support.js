// JavaScript support for the wasm-bindgen layer: the error class users catch.
// (Imported by the generated glue; re-exported by the package entry files.)

/**
 * The one error type Passerelle rejects with. `code` is stable and machine-readable; `message`
 * is an English sentence naming the operation; `serverMessage`/`serverError` are the server's
 * own words, verbatim. No credential or token ever appears in any field.
 */
export class PasserelleError extends Error {
  constructor(message, fields) {
    super(message);
    this.name = "PasserelleError";
    const f = fields || {};
    this.code = f.code;
    this.status = f.status;
    this.serverMessage = f.serverMessage;
    this.serverError = f.serverError;
    this.retryAfter = f.retryAfter;
  }

  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      serverMessage: this.serverMessage,
      serverError: this.serverError,
      retryAfter: this.retryAfter,
    };
  }
}

export function makeError(code, message, status, serverMessage, serverError, retryAfter) {
  return new PasserelleError(message, {
    code,
    status: status ?? undefined,
    serverMessage: serverMessage ?? undefined,
    serverError: serverError ?? undefined,
    retryAfter: retryAfter ?? undefined,
  });
}

export function isPasserelleError(value) {
  return value instanceof PasserelleError;
}

/**
 * Wraps a fetch body so that progress is reported, a body cut short becomes the error that
 * `failure(loaded, cause)` builds (a PasserelleError), a body shorter than `expected` is an
 * error too, and `release()` runs exactly once when the stream ends, fails or is cancelled.
 */
export function wrapBody(body, expected, onProgress, failure, release) {
  const reader = body.getReader();
  let loaded = 0;
  let released = false;
  const done = () => {
    if (!released) {
      released = true;
      release();
    }
  };
  const report = () => {
    if (typeof onProgress === "function") {
      try {
        onProgress(expected === undefined ? { loaded } : { loaded, total: expected });
      } catch (_) {
        // A throwing progress callback must not break the download.
      }
    }
  };
  return new ReadableStream(
    {
      async pull(controller) {
        let r;
        try {
          r = await reader.read();
        } catch (cause) {
          const err = failure(loaded, cause);
          done();
          controller.error(err);
          return;
        }
        if (r.done) {
          if (expected !== undefined && loaded !== expected) {
            const err = failure(loaded, undefined);
            done();
            controller.error(err);
            return;
          }
          done();
          controller.close();
          return;
        }
        loaded += r.value.byteLength;
        report();
        controller.enqueue(r.value);
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** True in browsers (main thread or workers), false in Node and in Cloudflare Workers. */
export function isBrowser() {
  const nav = globalThis.navigator;
  if (!nav || typeof nav.userAgent !== "string") return false;
  const ua = nav.userAgent;
  return !ua.startsWith("Node.js") && !ua.startsWith("Cloudflare-Workers") && !ua.startsWith("Deno");
}

/** Gathers a stream into a Blob (browsers keep large Blobs on disk). */
export function streamToBlob(stream) {
  return new Response(stream).blob();
}

/** Makes an async iterable out of a `next()` function returning a Promise of a value or undefined. */
export function asyncIterable(next, cancel) {
  return {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          const value = await next();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        async return() {
          if (typeof cancel === "function") await cancel();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
