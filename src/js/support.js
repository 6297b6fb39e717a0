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
