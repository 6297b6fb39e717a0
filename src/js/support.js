// JavaScript support for the wasm-bindgen layer, the part every entry loads: the error class
// users catch, and the transport's plumbing around `fetch`. (Imported by the generated glue and
// by support_echange.js; PasserelleError is re-exported by the package entry files.)

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
    if (f.issues !== undefined) this.issues = f.issues;
    if (f.cause !== undefined) {
      Object.defineProperty(this, "cause", { value: f.cause, writable: true, configurable: true });
    }
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
      issues: this.issues,
    };
  }
}

export function makeError(code, message, status, serverMessage, serverError, retryAfter, cause, issues) {
  return new PasserelleError(message, {
    code,
    status: status ?? undefined,
    serverMessage: serverMessage ?? undefined,
    serverError: serverError ?? undefined,
    retryAfter: retryAfter ?? undefined,
    cause: cause ?? undefined,
    issues: issues ?? undefined,
  });
}

/** The `cause` of a network error: an Error with the runtime error's name, code and message. */
export function makeCause(name, code, message) {
  const e = new Error(message || name || "network error");
  if (name) e.name = name;
  if (code) e.code = code;
  return e;
}

export function isPasserelleError(value) {
  return value instanceof PasserelleError;
}

/** True in browsers (main thread or workers), false in Node and in Cloudflare Workers. */
export function isBrowser() {
  const nav = globalThis.navigator;
  if (!nav || typeof nav.userAgent !== "string") return false;
  const ua = nav.userAgent;
  return !ua.startsWith("Node.js") && !ua.startsWith("Cloudflare-Workers") && !ua.startsWith("Deno");
}

/** `new Request(request, { body, duplex: "half" })`: a request whose body is a stream. */
export function withStreamBody(request, body) {
  return new Request(request, { body, duplex: "half" });
}

/** Whether a value is a ReadableStream-like object. */
export function isReadableStream(value) {
  return value !== null && typeof value === "object" && typeof value.getReader === "function";
}

/**
 * `[name, code, message]` of a runtime's network error (Node: `TypeError("fetch failed")` with
 * `cause.code` "ECONNREFUSED"). The message is dropped when it may quote request data: runtimes
 * quote the offending value of an invalid header.
 */
export function networkErrorFields(error) {
  const str = (v) => (typeof v === "string" ? v : "");
  let name = "";
  let message = "";
  let code = "";
  try {
    name = str(error?.name);
    message = str(error?.message);
    const inner = error?.cause;
    code = str(inner?.code) || str(error?.code) || str(inner?.message);
  } catch (_) {
    // A hostile getter: keep what we have.
  }
  const unsafe = (s) => s.length > 200 || /header|authorization|bearer|basic|key|token|password/i.test(s);
  if (unsafe(message)) message = "";
  // A system code is an identifier (ECONNREFUSED, UND_ERR_SOCKET); anything else is dropped.
  if (!/^[A-Z][A-Z0-9_]{1,63}$/.test(code)) code = "";
  return [name.slice(0, 60), code, message];
}

// ───────────────────────────── transport ─────────────────────────────
// The plumbing around `fetch` that the Rust transport (src/http/fetch.rs) drives: building the
// Request, the per-attempt AbortController and timer, the caller's AbortSignal, reading the body
// with its idle timeout, and sleeping between attempts. Every decision (retries, redirects,
// limits, error codes and messages) stays in Rust; these functions only report what happened.

const MAX_DELAY = 2147483647; // setTimeout's longest delay

/**
 * Adds or removes an abort listener. A signal option only has to look like an AbortSignal, so a
 * throwing or missing method is ignored (the listener is then not attached, as the Rust
 * bindings' ignored errors did before): nothing here may throw through WebAssembly.
 */
function listen(signal, listener, on) {
  try {
    if (on) signal.addEventListener("abort", listener);
    else signal.removeEventListener("abort", listener);
  } catch (_) {
    // See above.
  }
}

function namedError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

/**
 * One HTTP attempt. The per-attempt timer (when `timeoutMs` > 0) and the caller's `signal` abort
 * the attempt's own AbortController with a TimeoutError or an AbortError reason; `kind()` then
 * tells which (2 the caller, 1 the timer, 0 neither: a network failure). `end(abort)` clears the
 * timers and the listener, and aborts the request when `abort` is true.
 */
class HttpAttempt {
  constructor(operation, timeoutMs, signal) {
    this.controller = new AbortController();
    this.timedOut = false;
    this.userAborted = false;
    this.signal = signal;
    this.onAbort = undefined;
    this.timer = undefined;
    this.idle = undefined;
    this.response = undefined;
    this.reader = undefined;
    this.headers = [];
    if (signal) {
      this.onAbort = () => {
        this.userAborted = true;
        this.controller.abort(namedError("AbortError", `${operation} was aborted`));
      };
      listen(signal, this.onAbort, true);
    }
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.timedOut = true;
        this.controller.abort(namedError("TimeoutError", `${operation} timed out after ${timeoutMs} ms`));
      }, Math.min(timeoutMs, MAX_DELAY));
    }
  }

  kind() {
    return this.userAborted ? 2 : this.timedOut ? 1 : 0;
  }

  /**
   * Sends the request (`headers`: names and values in turn; `body`: undefined, a string, bytes,
   * a Blob or a ReadableStream; `external`: the body is the caller's, an upload). Resolves to the status (100-999), -1 when the request cannot be
   * built (an invalid URL or header value), -2 when fetch resolved to something that is not a
   * Response, -3 for a redirect whose target the browser hides; rejects with fetch's error.
   */
  send(fetchFn, method, url, headers, body, external) {
    let call;
    try {
      const h = new Headers();
      for (let i = 0; i + 1 < headers.length; i += 2) h.append(headers[i], headers[i + 1]);
      // Redirects are the engine's decision (same origin only), never the runtime's.
      const init = { method, headers: h, redirect: "manual", signal: this.controller.signal };
      // An API answer must never come from the browser's HTTP cache (a file changed on the
      // server would come back with its old content). Only a GET's answer can: POST and DELETE
      // go without the option, which costs Chromium 1-2 ms a request. Workers and Node have no
      // such cache, and older workerd compatibility dates refuse the field.
      if (method === "GET" && isBrowser()) init.cache = "no-store";
      if (fetchFn === undefined && !external) {
        // The global fetch gets the URL and the options rather than a Request: given a Request
        // with a body, fetch copies it and pipes the body through a new TransformStream. This
        // Request, without the body, still checks the URL, the method and the headers; the body
        // is one the client wrote (a JSON string or its own bytes), which cannot fail.
        new Request(url, init);
        if (body !== undefined) init.body = body;
        call = () => fetch(url, init);
      } else {
        // A caller's body (an upload: a stream, a Blob, bytes that may be detached) or a
        // caller's `fetch`: one Request, body included, whose construction checks it all.
        const stream = isReadableStream(body);
        if (body !== undefined && !stream) init.body = body;
        let request = new Request(url, init);
        if (stream) request = withStreamBody(request, body);
        call = fetchFn === undefined ? () => fetch(request) : () => fetchFn(request);
      }
    } catch (_) {
      return Promise.resolve(-1);
    }
    let sent;
    try {
      sent = Promise.resolve(call());
    } catch (e) {
      return Promise.reject(e);
    }
    return sent.then((res) => {
      if (res === null || typeof res !== "object") return -2;
      const status = res.status;
      if (status === 0 && res.type === "opaqueredirect") return -3;
      if (!Number.isInteger(status) || status < 100 || status > 999) return -2;
      this.response = res;
      try {
        for (const pair of res.headers) {
          if (typeof pair[0] === "string" && typeof pair[1] === "string") this.headers.push(pair[0], pair[1]);
        }
      } catch (_) {
        // Headers that cannot be iterated: the response is read without them.
      }
      return status;
    });
  }

  /** Names and values of the response's headers, in turn. */
  head() {
    return this.headers;
  }

  /**
   * The next chunk of the body: a Uint8Array, undefined at its end, 0 when no data arrived for
   * `idleMs` (> 0; the body is then cancelled), 1 when the body yielded something that is not
   * bytes. Rejects with the stream's error.
   */
  read(idleMs) {
    let reader = this.reader;
    if (reader === undefined) {
      try {
        const body = this.response.body;
        if (body === null || body === undefined) return Promise.resolve(undefined);
        reader = this.reader = body.getReader();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const chunk = (r) => (r.done ? undefined : r.value instanceof Uint8Array ? r.value : 1);
    let read;
    try {
      read = Promise.resolve(reader.read());
    } catch (e) {
      return Promise.reject(e);
    }
    if (!(idleMs > 0)) return read.then(chunk);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.idle === timer) this.idle = undefined;
        cancelReader(reader);
        resolve(0);
      }, Math.min(idleMs, MAX_DELAY));
      this.idle = timer;
      read.then(
        (r) => {
          clearTimeout(timer);
          try {
            resolve(chunk(r));
          } catch (e) {
            // A read result that is not `{ done, value }`: the read fails.
            reject(e);
          }
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** The body as a stream for JavaScript (null when there is none); the per-attempt timer stops. */
  body() {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      return this.response.body ?? null;
    } catch (_) {
      return null;
    }
  }

  end(abort) {
    clearTimeout(this.timer);
    clearTimeout(this.idle);
    this.timer = this.idle = undefined;
    if (this.onAbort !== undefined) {
      listen(this.signal, this.onAbort, false);
      this.onAbort = undefined;
    }
    if (abort) this.controller.abort(namedError("AbortError", "the request was cancelled"));
  }
}

/** Starts an attempt (throws when the runtime has no AbortController). */
export function startAttempt(operation, timeoutMs, signal) {
  return new HttpAttempt(operation, timeoutMs, signal);
}

/**
 * A wait between attempts: `done` resolves to true after `ms`, or to false at once when `signal`
 * aborts (or had aborted); `cancel()` clears the timer and the listener.
 */
class Sleep {
  constructor(ms, signal) {
    this.signal = signal;
    this.timer = undefined;
    this.onAbort = undefined;
    this.done = new Promise((resolve) => {
      if (signal?.aborted) {
        resolve(false);
        return;
      }
      this.timer = setTimeout(() => {
        this.cancel();
        resolve(true);
      }, Math.min(ms, MAX_DELAY));
      if (signal) {
        this.onAbort = () => {
          this.cancel();
          resolve(false);
        };
        listen(signal, this.onAbort, true);
      }
    });
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.onAbort !== undefined) {
      listen(this.signal, this.onAbort, false);
      this.onAbort = undefined;
    }
  }
}

export function startSleep(ms, signal) {
  return new Sleep(ms, signal);
}

/** Cancels a stream reader; a rejection of cancel() is swallowed (the caller has the real error). */
export function cancelReader(reader) {
  try {
    Promise.resolve(reader.cancel()).catch(() => {});
  } catch (_) {
    // A reader whose cancel() throws is already unusable.
  }
}
