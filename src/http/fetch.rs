//! The seam's `wasm32` implementation ([`FetchIo`]), on the runtime's `fetch`, `Request` and
//! `Response`: the one place that performs HTTP.
//!
//! * Uses the caller's `fetch` option when given (Worker service bindings, proxies, tests), else
//!   the global `fetch`; it is called with one `Request`. Responses are read through structural
//!   bindings, so a `Response` from another realm (a polyfill, Miniflare) works too.
//! * Redirects are never followed by the runtime (`redirect: "manual"`): the engine decides
//!   (same origin only). A browser hides a redirect's target (`opaqueredirect`): refused.
//! * Each attempt has its own `AbortController`: the per-attempt timeout and the caller's
//!   `AbortSignal` abort it with an `Error` reason, and dropping the attempt aborts it too.
//!   Timers are cleared when their future is dropped, so nothing stays scheduled after a call.
//! * Bodies are read chunk by chunk through a `ReadableStreamDefaultReader`, each read raced
//!   against the idle timeout, each chunk checked against the caller's remaining room before
//!   it is copied into wasm memory.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ReadableStreamDefaultReader, ReadableStreamReadResult,
    RequestInit, Response,
};

use super::engine::aborted;
use super::io::{Failure, Io, Opened, ResponseBody};
use super::retry::Attempt;
use super::{Body, Method, Request, ResponseHead};
use crate::error::{Error, ErrorCause, ErrorCode};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
}

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    /// `new Request(request, { body, duplex: "half" })`: a streamed request body.
    #[wasm_bindgen(js_name = withStreamBody, catch)]
    fn with_stream_body(
        request: &web_sys::Request,
        body: &JsValue,
    ) -> Result<web_sys::Request, JsValue>;
    /// Whether a value is a `ReadableStream` (has `getReader`).
    #[wasm_bindgen(js_name = isReadableStream)]
    pub fn is_readable_stream(value: &JsValue) -> bool;
    /// True in browsers (where the HTTP cache could answer an API request).
    #[wasm_bindgen(js_name = isBrowser)]
    fn in_browser() -> bool;
    /// `[name, code, message]` of a runtime's network error; the message is left empty when
    /// it may quote request data (a header value).
    #[wasm_bindgen(js_name = networkErrorFields)]
    fn network_error_fields(error: &JsValue) -> Vec<String>;
}

/// Milliseconds since the epoch (`Date.now()`).
pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

fn js_error(name: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name(name);
    e.into()
}

/// A timer that wakes its future; cleared when dropped.
struct Timer {
    fired: Rc<Cell<bool>>,
    waker: Rc<RefCell<Option<Waker>>>,
    handle: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    fn start(ms: u64, on_fire: impl FnMut() + 'static) -> Timer {
        let fired = Rc::new(Cell::new(false));
        let waker: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
        let (f, w) = (fired.clone(), waker.clone());
        let mut on_fire = on_fire;
        let callback = Closure::<dyn FnMut()>::new(move || {
            f.set(true);
            on_fire();
            if let Some(w) = w.borrow_mut().take() {
                w.wake();
            }
        });
        let ms = ms.min(i32::MAX as u64) as u32;
        let handle = set_timeout(callback.as_ref().unchecked_ref(), ms);
        Timer {
            fired,
            waker,
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if !self.fired.get() {
            clear_timeout(&self.handle);
        }
    }
}

/// Listens to the caller's signal; the listener is removed when dropped.
struct AbortLink {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl AbortLink {
    fn new(signal: &AbortSignal, on_abort: impl FnMut() + 'static) -> AbortLink {
        let callback = Closure::<dyn FnMut()>::new(on_abort);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        AbortLink {
            signal: signal.clone(),
            callback,
        }
    }
}

impl Drop for AbortLink {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// `sleep(ms)` on this call's own timer, ended early by the caller's abort.
struct Sleep {
    timer: Timer,
    _abort: Option<AbortLink>,
    aborted: Rc<Cell<bool>>,
}

impl Future for Sleep {
    type Output = bool;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.aborted.get() {
            return Poll::Ready(false);
        }
        if self.timer.fired.get() {
            return Poll::Ready(true);
        }
        *self.timer.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn sleep(ms: u64, signal: Option<&AbortSignal>) -> Sleep {
    let aborted = Rc::new(Cell::new(signal.is_some_and(|s| s.aborted())));
    let timer = Timer::start(ms, || {});
    let abort = signal.map(|s| {
        let (a, w) = (aborted.clone(), timer.waker.clone());
        AbortLink::new(s, move || {
            a.set(true);
            if let Some(w) = w.borrow_mut().take() {
                w.wake();
            }
        })
    });
    Sleep {
        timer,
        _abort: abort,
        aborted,
    }
}

/// One attempt's cancellation plumbing. Dropping it without [`AttemptGuard::disarm`] aborts the
/// request.
pub struct AttemptGuard {
    controller: AbortController,
    timer: Option<Timer>,
    _abort: Option<AbortLink>,
    timed_out: Rc<Cell<bool>>,
    user_aborted: Rc<Cell<bool>>,
    armed: bool,
}

impl AttemptGuard {
    fn start(
        operation: &str,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
    ) -> Result<Self, Failure> {
        if signal.is_some_and(|s| s.aborted()) {
            return Err(Failure::new(Attempt::Aborted, aborted(operation)));
        }
        let controller = AbortController::new().map_err(|_| {
            Failure::fatal(Error::new(
                ErrorCode::Network,
                "AbortController is not available",
            ))
        })?;
        let timed_out = Rc::new(Cell::new(false));
        let user_aborted = Rc::new(Cell::new(false));
        let timer = (timeout_ms > 0).then(|| {
            let (c, t) = (controller.clone(), timed_out.clone());
            let msg = format!("{operation} timed out after {timeout_ms} ms");
            Timer::start(timeout_ms as u64, move || {
                t.set(true);
                c.abort_with_reason(&js_error("TimeoutError", &msg));
            })
        });
        let abort = signal.map(|s| {
            let (c, u) = (controller.clone(), user_aborted.clone());
            let msg = format!("{operation} was aborted");
            AbortLink::new(s, move || {
                u.set(true);
                c.abort_with_reason(&js_error("AbortError", &msg));
            })
        });
        Ok(AttemptGuard {
            controller,
            timer,
            _abort: abort,
            timed_out,
            user_aborted,
            armed: true,
        })
    }

    /// Stops the per-attempt timer (a download's body may take hours).
    pub fn clear_timer(&mut self) {
        self.timer = None;
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
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        self.timer = None;
        if self.armed {
            self.controller
                .abort_with_reason(&js_error("AbortError", "the request was cancelled"));
        }
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

    fn build(&self, req: &Request, signal: &AbortSignal) -> Result<web_sys::Request, Failure> {
        let bad = || {
            Failure::fatal(Error::invalid_input(format!(
                "{}: the request could not be built (an invalid URL or header value)",
                req.operation
            )))
        };
        let headers = web_sys::Headers::new().map_err(|_| bad())?;
        for (n, v) in &req.headers {
            headers.append(n, v).map_err(|_| bad())?;
        }
        let init = RequestInit::new();
        init.set_method(match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        });
        init.set_headers(&headers);
        init.set_redirect(web_sys::RequestRedirect::Manual);
        init.set_signal(Some(signal));
        if in_browser() {
            // An API answer must never come from the browser's HTTP cache (a file changed on
            // the server would come back with its old content). Workers and Node have no such
            // cache, and older workerd compatibility dates refuse the field.
            init.set_cache(web_sys::RequestCache::NoStore);
        }
        let mut stream = None;
        match &req.body {
            Body::Empty => {}
            Body::Json(s) => init.set_body(&JsValue::from_str(s)),
            Body::Bytes(b) => init.set_body(&Uint8Array::from(b.as_slice())),
            Body::External => match &self.upload {
                Some(v) if is_readable_stream(v) => stream = Some(v.clone()),
                Some(v) => init.set_body(v),
                None => {}
            },
        }
        let raw = web_sys::Request::new_with_str_and_init(&req.url, &init).map_err(|_| bad())?;
        match stream {
            Some(s) => with_stream_body(&raw, &s).map_err(|_| bad()),
            None => Ok(raw),
        }
    }
}

fn read_head(response: &Response) -> ResponseHead {
    let mut headers = Vec::new();
    if let Ok(Some(iter)) = js_sys::try_iter(&response.headers()) {
        for pair in iter.flatten() {
            let pair: js_sys::Array = pair.unchecked_into();
            if let (Some(n), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((n, v));
            }
        }
    }
    ResponseHead::new(response.status(), headers)
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
        let guard = AttemptGuard::start(op, timeout_ms, self.signal.as_ref())?;
        let request = self.build(req, &guard.controller.signal())?;
        let called = match &self.fetch {
            Some(f) => f
                .call1(&JsValue::UNDEFINED, &request)
                .map(|v| Promise::resolve(&v)),
            None => global_fetch(&request),
        };
        let value = match called {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        }
        .map_err(|cause| attempt_failure(op, guard.classify(), timeout_ms, &cause))?;
        if !value.is_object() {
            return Err(Failure::fatal(Error::invalid_response(format!(
                "{op} failed: fetch resolved to something that is not a Response"
            ))));
        }
        let response: Response = value.unchecked_into();
        let status = response.status();
        if status == 0 && response.type_() == web_sys::ResponseType::Opaqueredirect {
            return Err(Failure::fatal(Error::new(
                ErrorCode::Http,
                format!(
                    "{op} failed: the server answered with a redirect whose target the browser \
                     hides; redirects are only followed within the configured origin, so it was \
                     not followed"
                ),
            )));
        }
        if !(100..1000).contains(&status) {
            return Err(Failure::fatal(Error::invalid_response(format!(
                "{op} failed: fetch resolved to something that is not a Response"
            ))));
        }
        let head = read_head(&response);
        Ok(Opened {
            head,
            body: FetchBody {
                response,
                reader: None,
                guard,
                operation: op,
                timeout_ms,
                idle_timeout_ms: self.idle_timeout_ms,
            },
        })
    }

    async fn sleep(&self, ms: u64) -> Result<(), Error> {
        if sleep(ms, self.signal.as_ref()).await {
            Ok(())
        } else {
            Err(aborted("the call"))
        }
    }

    fn is_aborted(&self) -> bool {
        self.signal.as_ref().is_some_and(|s| s.aborted())
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
    response: Response,
    reader: Option<ReadableStreamDefaultReader>,
    guard: AttemptGuard,
    operation: &'static str,
    timeout_ms: u32,
    idle_timeout_ms: u32,
}

impl FetchBody {
    /// The `ReadableStream` body (`None` when there is none) and the guard that keeps it
    /// cancellable, for handing the body to JavaScript. The per-attempt timer is stopped.
    pub fn into_stream(mut self) -> (Option<web_sys::ReadableStream>, AttemptGuard) {
        self.guard.clear_timer();
        (self.response.body(), self.guard)
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
        if self.reader.is_none() {
            let Some(body) = self.response.body() else {
                return Ok(None);
            };
            self.reader = Some(body.get_reader().unchecked_into());
        }
        let Some(reader) = &self.reader else {
            return Ok(None);
        };
        let read = JsFuture::from(reader.read());
        let result = if self.idle_timeout_ms > 0 {
            use futures_util::future::{select, Either};
            let idle = sleep(self.idle_timeout_ms as u64, None);
            match select(std::pin::pin!(read), idle).await {
                Either::Left((r, _)) => r,
                Either::Right(..) => {
                    let _ = reader.cancel();
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
                    ));
                }
            }
        } else {
            read.await
        };
        let result: ReadableStreamReadResult = result
            .map_err(|cause| attempt_failure(op, self.guard.classify(), self.timeout_ms, &cause))?
            .unchecked_into();
        if result.get_done().unwrap_or(false) {
            return Ok(None);
        }
        let chunk: Uint8Array = result.get_value().dyn_into().map_err(|_| {
            Failure::fatal(Error::invalid_response(format!(
                "{op}: the body yielded something that is not bytes"
            )))
        })?;
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
