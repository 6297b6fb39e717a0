//! The `fetch` adapter (wasm32 only): the one place that performs HTTP.
//!
//! * Uses the caller's `fetch` option when given (Worker service bindings, proxies, tests), else
//!   the global `fetch`. Responses are read structurally (`status`, `headers`, `arrayBuffer()`,
//!   `body`), so a `Response` from another realm or a polyfill works too.
//! * Each attempt has its own `AbortController`: the per-attempt timeout and the caller's
//!   `AbortSignal` abort it with an `Error` reason, and dropping the Rust future aborts it as
//!   well (like reqwest's `AbortGuard`).
//! * Retries follow [`RetryPolicy`] and only for `Request::retryable` requests.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use super::retry::{Attempt, Decision, RetryPolicy};
use super::{Body, Request, ResponseHead};
use crate::error::{Error, ErrorCode, Result};

/// Milliseconds since the epoch (`Date.now()`).
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// A random number in `[0, 1)` for retry jitter.
fn random() -> f64 {
    js_sys::Math::random()
}

fn global() -> Object {
    js_sys::global()
}

fn js_error(name: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name(name);
    e.into()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls a global timer function (`setTimeout`) and returns its handle.
fn set_timeout(callback: &Function, ms: u32) -> Option<JsValue> {
    let g = global();
    let f: Function = get(&g, "setTimeout").dyn_into().ok()?;
    f.call2(&g, callback, &JsValue::from(ms)).ok()
}

fn clear_timeout(handle: &JsValue) {
    let g = global();
    if let Ok(f) = get(&g, "clearTimeout").dyn_into::<Function>() {
        let _ = f.call1(&g, handle);
    }
}

/// The caller's signal, if it is aborted.
pub fn is_aborted(signal: Option<&AbortSignal>) -> bool {
    signal.map(|s| s.aborted()).unwrap_or(false)
}

/// The error for a caller abort.
pub fn aborted(operation: &str) -> Error {
    Error::new(ErrorCode::Aborted, format!("{operation} was aborted"))
}

/// One attempt's cancellation plumbing. Dropping it without [`AttemptGuard::disarm`] aborts the
/// request.
pub struct AttemptGuard {
    controller: AbortController,
    timer: Option<JsValue>,
    _on_timeout: Option<Closure<dyn FnMut()>>,
    on_abort: Option<(AbortSignal, Closure<dyn FnMut()>)>,
    timed_out: Rc<Cell<bool>>,
    user_aborted: Rc<Cell<bool>>,
    armed: bool,
}

impl AttemptGuard {
    /// Starts the plumbing: a controller, a timer (`timeout_ms` 0 = none), and a link from the
    /// caller's signal.
    pub fn start(operation: &str, timeout_ms: u32, signal: Option<&AbortSignal>) -> Result<Self> {
        if is_aborted(signal) {
            return Err(aborted(operation));
        }
        let controller = AbortController::new()
            .map_err(|_| Error::new(ErrorCode::Network, "AbortController is not available"))?;
        let timed_out = Rc::new(Cell::new(false));
        let user_aborted = Rc::new(Cell::new(false));
        let mut guard = AttemptGuard {
            controller,
            timer: None,
            _on_timeout: None,
            on_abort: None,
            timed_out: timed_out.clone(),
            user_aborted: user_aborted.clone(),
            armed: true,
        };
        if timeout_ms > 0 {
            let c = guard.controller.clone();
            let msg = format!("{operation} timed out after {timeout_ms} ms");
            let cb = Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                c.abort_with_reason(&js_error("TimeoutError", &msg));
            });
            guard.timer = set_timeout(cb.as_ref().unchecked_ref(), timeout_ms);
            guard._on_timeout = Some(cb);
        }
        if let Some(s) = signal {
            let c = guard.controller.clone();
            let msg = format!("{operation} was aborted");
            let cb = Closure::<dyn FnMut()>::new(move || {
                user_aborted.set(true);
                c.abort_with_reason(&js_error("AbortError", &msg));
            });
            let _ = s.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
            guard.on_abort = Some((s.clone(), cb));
        }
        Ok(guard)
    }

    /// The signal to give `fetch`.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Stops the per-attempt timer (used once a streamed response has its headers).
    pub fn clear_timer(&mut self) {
        if let Some(t) = self.timer.take() {
            clear_timeout(&t);
        }
    }

    /// Classifies a failure of this attempt.
    pub fn classify(&self) -> Attempt {
        if self.user_aborted.get() {
            Attempt::Aborted
        } else if self.timed_out.get() {
            Attempt::Timeout
        } else {
            Attempt::Network
        }
    }

    /// Lets the guard go without aborting.
    pub fn disarm(mut self) {
        self.armed = false;
    }

    /// Aborts the request now.
    pub fn abort(&self) {
        self.controller
            .abort_with_reason(&js_error("AbortError", "the request was cancelled"));
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        self.clear_timer();
        if let Some((s, cb)) = self.on_abort.take() {
            let _ = s.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
        if self.armed {
            self.abort();
        }
    }
}

/// Error for a failed attempt without a response.
pub fn attempt_error(operation: &str, kind: Attempt, timeout_ms: u32, cause: &JsValue) -> Error {
    match kind {
        Attempt::Aborted => aborted(operation),
        Attempt::Timeout => Error::new(
            ErrorCode::Timeout,
            format!("{operation} timed out after {timeout_ms} ms"),
        ),
        _ => {
            // The runtime's own words, e.g. Node's "fetch failed" and its cause code
            // ("ECONNREFUSED"). They name no credential: fetch errors carry no request data.
            let message = cause
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_default();
            // Runtimes quote the offending value when a header is invalid: never copy that.
            let message = if message.to_ascii_lowercase().contains("header") {
                "invalid request header".to_string()
            } else {
                message
            };
            let inner = get(cause, "cause");
            let code = get(&inner, "code")
                .as_string()
                .or_else(|| get(&inner, "message").as_string())
                .unwrap_or_default();
            let detail = match (message.is_empty(), code.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!(" ({message})"),
                (true, false) => format!(" ({code})"),
                (false, false) => format!(" ({message}: {code})"),
            };
            Error::new(
                ErrorCode::Network,
                format!("{operation} failed: no response from the server{detail}"),
            )
        }
    }
}

/// Waits `ms` milliseconds, or until the caller aborts.
pub async fn sleep(operation: &str, ms: u64, signal: Option<&AbortSignal>) -> Result<()> {
    if is_aborted(signal) {
        return Err(aborted(operation));
    }
    let ms = ms.min(u32::MAX as u64) as u32;
    let signal_clone = signal.cloned();
    let promise = Promise::new(&mut |resolve, _reject| {
        let r = resolve.clone();
        let cb = Closure::once_into_js(move || {
            let _ = r.call0(&JsValue::NULL);
        });
        let _ = set_timeout(cb.unchecked_ref(), ms);
        if let Some(s) = &signal_clone {
            let opts = web_sys::AddEventListenerOptions::new();
            opts.set_once(true);
            let _ = s.add_event_listener_with_callback_and_add_event_listener_options(
                "abort", &resolve, &opts,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
    if is_aborted(signal) {
        return Err(aborted(operation));
    }
    Ok(())
}

/// Largest body read whole into wasm memory (JSON answers, error pages). Downloads stream.
pub const MAX_BUFFERED_BODY: usize = 256 << 20;

/// A response whose body has not been read, with the guard that keeps it cancellable.
pub struct OpenResponse {
    /// Status and headers.
    pub head: ResponseHead,
    /// The JavaScript `Response`.
    pub response: JsValue,
    /// Cancellation plumbing; drop it to cancel the body.
    pub guard: AttemptGuard,
}

impl OpenResponse {
    /// The `ReadableStream` body, or `null`/`undefined` when there is none.
    pub fn body(&self) -> JsValue {
        get(&self.response, "body")
    }

    /// Reads the whole body.
    pub async fn bytes(&self, operation: &str, timeout_ms: u32) -> Result<Vec<u8>> {
        let f: Function = get(&self.response, "arrayBuffer").dyn_into().map_err(|_| {
            Error::invalid_response(format!("{operation}: the response has no body reader"))
        })?;
        let p = f
            .call0(&self.response)
            .map_err(|e| attempt_error(operation, self.guard.classify(), timeout_ms, &e))?;
        let buf = JsFuture::from(Promise::resolve(&p))
            .await
            .map_err(|e| attempt_error(operation, self.guard.classify(), timeout_ms, &e))?;
        let bytes = Uint8Array::new(&buf);
        if bytes.length() as usize > MAX_BUFFERED_BODY {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{operation} failed: the response body ({} bytes) is larger than the {} MiB \
                     this client reads into memory",
                    bytes.length(),
                    MAX_BUFFERED_BODY >> 20
                ),
            )
            .with_status(self.head.status));
        }
        Ok(bytes.to_vec())
    }
}

fn read_head(response: &JsValue) -> Result<ResponseHead> {
    let status = get(response, "status")
        .as_f64()
        .filter(|s| (100.0..1000.0).contains(s))
        .ok_or_else(|| {
            Error::invalid_response("fetch resolved to something that is not a Response")
        })? as u16;
    let mut headers = Vec::new();
    let h = get(response, "headers");
    if let Ok(Some(iter)) = js_sys::try_iter(&h) {
        for pair in iter.flatten() {
            let pair: Array = pair.unchecked_into();
            if let (Some(n), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((n, v));
            }
        }
    }
    Ok(ResponseHead::new(status, headers))
}

/// The HTTP client of one API client.
#[derive(Clone)]
pub struct Transport {
    fetch: Option<Function>,
    /// Per-attempt timeout in ms (0 = none).
    pub timeout_ms: u32,
    /// Retry policy.
    pub policy: RetryPolicy,
}

impl Transport {
    /// A transport using `fetch` (or the global one), a per-attempt timeout and `retries`.
    pub fn new(fetch: Option<Function>, timeout_ms: u32, retries: u32) -> Transport {
        Transport {
            fetch,
            timeout_ms,
            policy: RetryPolicy {
                retries,
                ..RetryPolicy::default()
            },
        }
    }

    /// The same transport without a per-attempt timeout: for uploads, where `fetch` resolves
    /// only once the whole body has been sent, so a timeout would cap the upload's duration.
    pub fn without_timeout(&self) -> Transport {
        Transport {
            timeout_ms: 0,
            ..self.clone()
        }
    }

    fn fetch_fn(&self) -> Result<Function> {
        if let Some(f) = &self.fetch {
            return Ok(f.clone());
        }
        get(&global(), "fetch").dyn_into::<Function>().map_err(|_| {
            Error::new(
                ErrorCode::Network,
                "no global fetch is available; pass the `fetch` option",
            )
        })
    }

    fn init(req: &Request, signal: &AbortSignal, external: Option<&JsValue>) -> Object {
        let init = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&init, &JsValue::from_str(k), v);
        };
        set("method", &JsValue::from_str(req.method.as_str()));
        let headers = Array::new();
        for (n, v) in &req.headers {
            headers.push(&Array::of2(&JsValue::from_str(n), &JsValue::from_str(v)));
        }
        set("headers", &headers);
        match (&req.body, external) {
            (Body::Json(s), _) => set("body", &JsValue::from_str(s)),
            (Body::Bytes(b), _) => set("body", &Uint8Array::from(b.as_slice())),
            (Body::External, Some(v)) => {
                let is_stream = !get(v, "getReader").is_undefined();
                set("body", v);
                if is_stream {
                    set("duplex", &JsValue::from_str("half"));
                }
            }
            _ => {}
        }
        set("signal", signal);
        set("redirect", &JsValue::from_str("follow"));
        init
    }

    /// One attempt: resolves when headers arrive.
    async fn attempt(
        &self,
        req: &Request,
        external: Option<&JsValue>,
        signal: Option<&AbortSignal>,
    ) -> std::result::Result<OpenResponse, (Attempt, Error)> {
        let op = req.operation;
        let guard =
            AttemptGuard::start(op, self.timeout_ms, signal).map_err(|e| (Attempt::Aborted, e))?;
        let fetch = self.fetch_fn().map_err(|e| (Attempt::Network, e))?;
        let init = Self::init(req, &guard.signal(), external);
        let called = fetch.call2(&global(), &JsValue::from_str(&req.url), &init);
        let result = match called {
            Ok(p) => JsFuture::from(Promise::resolve(&p)).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(response) => match read_head(&response) {
                Ok(head) => Ok(OpenResponse {
                    head,
                    response,
                    guard,
                }),
                Err(e) => Err((Attempt::Network, e)),
            },
            Err(cause) => {
                let kind = guard.classify();
                Err((kind, attempt_error(op, kind, self.timeout_ms, &cause)))
            }
        }
    }

    /// Sends with retries; resolves when a response's headers arrive (any status). The body is
    /// left unread. `external` is a JavaScript body for `Body::External` requests.
    pub async fn open(
        &self,
        req: &Request,
        external: Option<&JsValue>,
        signal: Option<&AbortSignal>,
    ) -> Result<OpenResponse> {
        let mut attempt = 0u32;
        self.open_counted(req, external, signal, &mut attempt).await
    }

    /// Whether to retry after a failed body read, and after how long (the caller owns the
    /// attempt counter, so that retries of a body read and of the request share one budget).
    pub fn body_retry(&self, req: &Request, attempt: u32, guard: &AttemptGuard) -> Option<u64> {
        match self
            .policy
            .decide(attempt, req.retryable, guard.classify(), random())
        {
            Decision::RetryAfterMs(ms) => Some(ms),
            Decision::Stop => None,
        }
    }

    /// Like [`Self::open`], with a caller-owned attempt counter (see [`Self::body_retry`]).
    pub async fn open_counted(
        &self,
        req: &Request,
        external: Option<&JsValue>,
        signal: Option<&AbortSignal>,
        attempt: &mut u32,
    ) -> Result<OpenResponse> {
        loop {
            let outcome = self.attempt(req, external, signal).await;
            let kind = match &outcome {
                Ok(r) => Attempt::Status(r.head.status, r.head.retry_after(now_ms())),
                Err((k, _)) => *k,
            };
            match self.policy.decide(*attempt, req.retryable, kind, random()) {
                Decision::Stop => return outcome.map_err(|(_, e)| e),
                Decision::RetryAfterMs(ms) => {
                    drop(outcome);
                    sleep(req.operation, ms, signal).await?;
                    *attempt += 1;
                }
            }
        }
    }

    /// Sends with retries and reads the whole body (for JSON endpoints). A body cut short is
    /// retried like a network error when the request is retryable.
    pub async fn send(
        &self,
        req: &Request,
        signal: Option<&AbortSignal>,
    ) -> Result<(ResponseHead, Vec<u8>)> {
        let mut attempt = 0u32;
        loop {
            let open = self.open_counted(req, None, signal, &mut attempt).await?;
            match open.bytes(req.operation, self.timeout_ms).await {
                Ok(body) => {
                    open.guard.disarm();
                    return Ok((open.head, body));
                }
                Err(e) => {
                    let kind = open.guard.classify();
                    match self.policy.decide(attempt, req.retryable, kind, random()) {
                        Decision::Stop => return Err(e),
                        Decision::RetryAfterMs(ms) => {
                            drop(open);
                            sleep(req.operation, ms, signal).await?;
                            attempt += 1;
                        }
                    }
                }
            }
        }
    }
}

/// Resolves when `signal` aborts (never, without a signal).
async fn aborted_signal(signal: Option<AbortSignal>) {
    let Some(s) = signal else {
        return std::future::pending().await;
    };
    if s.aborted() {
        return;
    }
    let promise = Promise::new(&mut |resolve, _reject| {
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_once(true);
        let _ = s.add_event_listener_with_callback_and_add_event_listener_options(
            "abort", &resolve, &opts,
        );
    });
    let _ = JsFuture::from(promise).await;
}

/// Runs `fut` unless the caller aborts first (then `fut` is dropped, cancelling its requests).
pub async fn abortable<T>(
    operation: &str,
    fut: impl std::future::Future<Output = Result<T>>,
    signal: Option<&AbortSignal>,
) -> Result<T> {
    use futures_util::future::{select, Either};
    if is_aborted(signal) {
        return Err(aborted(operation));
    }
    let fut = std::pin::pin!(fut);
    let abort = std::pin::pin!(aborted_signal(signal.cloned()));
    match select(fut, abort).await {
        Either::Left((r, _)) => r,
        Either::Right(((), _)) => Err(aborted(operation)),
    }
}
