//! The seam's `wasm32` implementation ([`FetchIo`]), on the runtime's `fetch`: the one place
//! that performs HTTP.
//!
//! The plumbing around `fetch` is JavaScript (`startAttempt` and `startSleep` in
//! `src/js/support.js`), the decisions are here and in the engine:
//!
//! * Uses the caller's `fetch` option when given (Worker service bindings, proxies, tests),
//!   called with one `Request`; else the global `fetch`, called with the URL and the options when
//!   the body is one the client wrote (no copy of a `Request` and its body). Responses are read
//!   structurally, so a `Response` from another realm (a polyfill, Miniflare) works too.
//! * Redirects are never followed by the runtime (`redirect: "manual"`): the engine decides
//!   (same origin only). A browser hides a redirect's target (`opaqueredirect`): refused.
//! * Each attempt has its own `AbortController`: the per-attempt timeout and the caller's
//!   `AbortSignal` abort it with an `Error` reason, and dropping the attempt aborts it too.
//!   Timers are cleared when their attempt or sleep is dropped, so nothing stays scheduled after
//!   a call.
//! * Bodies are read chunk by chunk, each read raced against the idle timeout, each chunk
//!   checked against the caller's remaining room before it is copied into wasm memory.

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::engine::aborted;
use super::io::{Failure, Io, Opened, ResponseBody};
use super::retry::Attempt;
use super::{Body, Method, Request, ResponseHead};
use crate::error::{Error, ErrorCause, ErrorCode};

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    /// One attempt's JavaScript half (`HttpAttempt` in support.js).
    type JsAttempt;
    #[wasm_bindgen(js_name = startAttempt, catch)]
    fn start_attempt(
        operation: &str,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
    ) -> Result<JsAttempt, JsValue>;
    /// Resolves to the status, or -1 (not buildable), -2 (not a Response), -3 (hidden redirect).
    #[wasm_bindgen(method)]
    fn send(
        this: &JsAttempt,
        fetch: Option<&Function>,
        method: &str,
        url: &str,
        headers: Vec<String>,
        body: &JsValue,
        external: bool,
    ) -> Promise;
    #[wasm_bindgen(method)]
    fn head(this: &JsAttempt) -> Vec<String>;
    /// Resolves to a `Uint8Array`, `undefined` (the end), 0 (idle timeout) or 1 (not bytes).
    #[wasm_bindgen(method)]
    fn read(this: &JsAttempt, idle_ms: u32) -> Promise;
    #[wasm_bindgen(method)]
    fn kind(this: &JsAttempt) -> u8;
    #[wasm_bindgen(method)]
    fn body(this: &JsAttempt) -> JsValue;
    #[wasm_bindgen(method)]
    fn end(this: &JsAttempt, abort: bool);

    /// A wait between attempts (`Sleep` in support.js).
    type JsSleep;
    #[wasm_bindgen(js_name = startSleep)]
    fn start_sleep(ms: f64, signal: Option<&AbortSignal>) -> JsSleep;
    #[wasm_bindgen(method, getter)]
    fn done(this: &JsSleep) -> Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &JsSleep);

    /// Whether a value is a `ReadableStream` (has `getReader`).
    #[wasm_bindgen(js_name = isReadableStream)]
    pub fn is_readable_stream(value: &JsValue) -> bool;
    /// `[name, code, message]` of a runtime's network error; the message is left empty when
    /// it may quote request data (a header value).
    #[wasm_bindgen(js_name = networkErrorFields)]
    fn network_error_fields(error: &JsValue) -> Vec<String>;
}

/// Milliseconds since the epoch (`Date.now()`).
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// A wait on this call's own timer; the timer is cleared when it is dropped.
struct Sleep(JsSleep);

impl Drop for Sleep {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// One attempt's cancellation plumbing. Dropping it without [`AttemptGuard::disarm`] aborts the
/// request; either way its timers and its listener on the caller's signal go.
pub struct AttemptGuard {
    js: JsAttempt,
    armed: bool,
}

impl AttemptGuard {
    /// Classifies a failure of this attempt.
    pub fn classify(&self) -> Attempt {
        match self.js.kind() {
            2 => Attempt::Aborted,
            1 => Attempt::Timeout,
            _ => Attempt::Network,
        }
    }

    /// Lets the guard go without aborting.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        self.js.end(self.armed);
    }
}

/// The failure for an attempt (or a body read) that produced no response.
fn attempt_failure(operation: &str, kind: Attempt, timeout_ms: u32, cause: &JsValue) -> Failure {
    let error = match kind {
        Attempt::Aborted => aborted(operation),
        Attempt::Timeout => Error::new(
            ErrorCode::Timeout,
            format!("{operation} timed out after {timeout_ms} ms"),
        ),
        _ => {
            let mut fields = network_error_fields(cause).into_iter();
            let cause = ErrorCause {
                name: fields.next().unwrap_or_default(),
                code: fields.next().unwrap_or_default(),
                message: fields.next().unwrap_or_default(),
            };
            let detail = match (cause.message.is_empty(), cause.code.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!(" ({})", cause.message),
                (true, false) => format!(" ({})", cause.code),
                (false, false) => format!(" ({}: {})", cause.message, cause.code),
            };
            let message = if cause.code == "UND_ERR_HEADERS_OVERFLOW" {
                format!("{operation} failed: the response headers are too large")
            } else {
                format!("{operation} failed: no response from the server{detail}")
            };
            Error::new(ErrorCode::Network, message).with_cause(cause)
        }
    };
    Failure::new(kind, error)
}

/// The call's transport: the client's `fetch`, timeouts and the caller's signal.
#[derive(Clone)]
pub struct FetchIo {
    fetch: Option<Function>,
    timeout_ms: u32,
    idle_timeout_ms: u32,
    signal: Option<AbortSignal>,
    upload: Option<JsValue>,
}

impl FetchIo {
    /// A transport for one call.
    pub fn new(
        fetch: Option<Function>,
        timeout_ms: u32,
        idle_timeout_ms: u32,
        signal: Option<AbortSignal>,
    ) -> FetchIo {
        FetchIo {
            fetch,
            timeout_ms,
            idle_timeout_ms,
            signal,
            upload: None,
        }
    }

    /// The JavaScript body sent for [`Body::External`] requests (bytes, a Blob or a stream).
    pub fn with_upload(mut self, body: JsValue) -> FetchIo {
        self.upload = Some(body);
        self
    }

    /// The caller's signal.
    pub fn signal(&self) -> Option<&AbortSignal> {
        self.signal.as_ref()
    }
}

impl Io for FetchIo {
    type Body = FetchBody;

    async fn send(&self, req: &Request) -> Result<Opened<FetchBody>, Failure> {
        let op = req.operation;
        let timeout_ms = if req.attempt_timeout {
            self.timeout_ms
        } else {
            0
        };
        if self.is_aborted() {
            return Err(Failure::new(Attempt::Aborted, aborted(op)));
        }
        let js = start_attempt(op, timeout_ms, self.signal.as_ref()).map_err(|_| {
            Failure::fatal(Error::new(
                ErrorCode::Network,
                "AbortController is not available",
            ))
        })?;
        let guard = AttemptGuard { js, armed: true };
        let mut headers = Vec::with_capacity(req.headers.len() * 2);
        for (n, v) in &req.headers {
            headers.push(n.clone());
            headers.push(v.clone());
        }
        let body = match &req.body {
            Body::Empty => JsValue::UNDEFINED,
            Body::Json(s) => JsValue::from_str(s),
            Body::Bytes(b) => Uint8Array::from(b.as_slice()).into(),
            Body::External => self.upload.clone().unwrap_or(JsValue::UNDEFINED),
        };
        let method = match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        };
        let external = matches!(req.body, Body::External);
        let sent = guard.js.send(
            self.fetch.as_ref(),
            method,
            &req.url,
            headers,
            &body,
            external,
        );
        let status = JsFuture::from(sent)
            .await
            .map_err(|cause| attempt_failure(op, guard.classify(), timeout_ms, &cause))?
            .as_f64()
            .unwrap_or(-2.0);
        if status == -1.0 {
            return Err(Failure::fatal(Error::invalid_input(format!(
                "{op}: the request could not be built (an invalid URL or header value)"
            ))));
        }
        if status == -3.0 {
            return Err(Failure::fatal(Error::new(
                ErrorCode::Http,
                format!(
                    "{op} failed: the server answered with a redirect whose target the browser \
                     hides; redirects are only followed within the configured origin, so it was \
                     not followed"
                ),
            )));
        }
        if !(100.0..1000.0).contains(&status) {
            return Err(Failure::fatal(Error::invalid_response(format!(
                "{op} failed: fetch resolved to something that is not a Response"
            ))));
        }
        let mut fields = guard.js.head().into_iter();
        let mut headers = Vec::new();
        while let (Some(n), Some(v)) = (fields.next(), fields.next()) {
            headers.push((n, v));
        }
        Ok(Opened {
            head: ResponseHead::new(status as u16, headers),
            body: FetchBody {
                guard,
                operation: op,
                timeout_ms,
                idle_timeout_ms: self.idle_timeout_ms,
            },
        })
    }

    async fn sleep(&self, ms: u64) -> Result<(), Error> {
        let sleep = Sleep(start_sleep(ms as f64, self.signal.as_ref()));
        match JsFuture::from(sleep.0.done()).await {
            Ok(v) if v.as_bool() == Some(true) => Ok(()),
            _ => Err(aborted("the call")),
        }
    }

    fn is_aborted(&self) -> bool {
        is_aborted(self.signal.as_ref())
    }

    fn now_ms(&self) -> u64 {
        now_ms()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// A response body, with the attempt's guard (dropping it cancels the transfer).
pub struct FetchBody {
    guard: AttemptGuard,
    operation: &'static str,
    timeout_ms: u32,
    idle_timeout_ms: u32,
}

impl FetchBody {
    /// The `ReadableStream` body (`None` when there is none) and the guard that keeps it
    /// cancellable, for handing the body to JavaScript. The per-attempt timer is stopped.
    pub fn into_stream(self) -> (Option<JsValue>, AttemptGuard) {
        let body = self.guard.js.body();
        let body = (!body.is_null() && !body.is_undefined()).then_some(body);
        (body, self.guard)
    }

    /// The idle timeout (ms) that applies to this body.
    pub fn idle_timeout_ms(&self) -> u32 {
        self.idle_timeout_ms
    }
}

impl ResponseBody for FetchBody {
    async fn read_chunk(
        &mut self,
        out: &mut Vec<u8>,
        room: usize,
    ) -> Result<Option<usize>, Failure> {
        let op = self.operation;
        let got = JsFuture::from(self.guard.js.read(self.idle_timeout_ms))
            .await
            .map_err(|cause| attempt_failure(op, self.guard.classify(), self.timeout_ms, &cause))?;
        if got.is_undefined() {
            return Ok(None);
        }
        match got.as_f64() {
            None => {}
            Some(0.0) => {
                return Err(Failure::new(
                    Attempt::Timeout,
                    Error::new(
                        ErrorCode::Timeout,
                        format!(
                            "{op} timed out: no data arrived for {} ms while reading the \
                             response",
                            self.idle_timeout_ms
                        ),
                    ),
                ))
            }
            Some(_) => {
                return Err(Failure::fatal(Error::invalid_response(format!(
                    "{op}: the body yielded something that is not bytes"
                ))))
            }
        }
        let chunk: Uint8Array = got.unchecked_into();
        let n = chunk.length() as usize;
        if n > room {
            return Err(Failure::fatal(Error::new(
                ErrorCode::LimitExceeded,
                format!("{op}: the response body is over the limit"),
            )));
        }
        let start = out.len();
        out.try_reserve(n).map_err(|_| {
            Failure::fatal(Error::new(
                ErrorCode::LimitExceeded,
                format!("{op}: out of memory while reading the response body"),
            ))
        })?;
        out.resize(start + n, 0);
        chunk.copy_to(&mut out[start..]);
        Ok(Some(n))
    }
}

/// Whether the caller's signal has aborted.
pub fn is_aborted(signal: Option<&AbortSignal>) -> bool {
    signal.is_some_and(|s| s.aborted())
}
