//! Response bodies handed to JavaScript as `ReadableStream`s with progress and typed failures.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::http::fetch::FetchBody;
use crate::http::retry::Attempt;
use crate::http::Opened;

#[wasm_bindgen(module = "/src/js/support_echange.js")]
extern "C" {
    #[wasm_bindgen(js_name = wrapBody)]
    fn wrap_body(
        body: &JsValue,
        expected: Option<f64>,
        on_progress: &JsValue,
        failure: &JsValue,
        release: &JsValue,
        idle_ms: u32,
    ) -> JsValue;
    #[wasm_bindgen(js_name = streamToBlob)]
    pub fn stream_to_blob(stream: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = asyncIterable)]
    pub fn async_iterable(next: &JsValue, cancel: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    /// True in browsers (main thread or workers), false in Node and in Cloudflare Workers.
    #[wasm_bindgen(js_name = isBrowser)]
    pub fn is_browser() -> bool;
}

/// Wraps an open response's body for JavaScript: progress, a body cut short (or shorter than
/// `expected`) is `truncated`, silence longer than the idle timeout is `timeout`, the caller's
/// abort is `aborted`. The attempt's guard lives until the stream ends or is cancelled.
pub fn body_stream(
    open: Opened<FetchBody>,
    subject: String,
    expected: Option<u64>,
    on_progress: JsValue,
) -> Result<JsValue, JsValue> {
    let idle_ms = open.body.idle_timeout_ms();
    let (body, guard) = open.body.into_stream();
    let Some(body) = body else {
        return Err(
            Error::invalid_response(format!("{subject} failed: the response has no body")).into(),
        );
    };
    let guard = Rc::new(RefCell::new(Some(guard)));
    let g1 = guard.clone();
    let failure =
        Closure::<dyn FnMut(f64, JsValue) -> JsValue>::new(move |loaded: f64, reason: JsValue| {
            // Whole bytes, printed without float formatting.
            let loaded = loaded.max(0.0) as u64;
            let kind = g1
                .borrow()
                .as_ref()
                .map(|g| g.classify())
                .unwrap_or(Attempt::Network);
            let e = if kind == Attempt::Aborted {
                Error::new(ErrorCode::Aborted, format!("{subject} was aborted"))
            } else if reason.as_string().as_deref() == Some("idle") {
                Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "{subject} timed out: no data arrived for {idle_ms} ms (after {loaded} \
                         bytes)"
                    ),
                )
            } else {
                Error::new(
                    ErrorCode::Truncated,
                    format!("{subject} failed: the body ended early, after {loaded} bytes"),
                )
            };
            super::error::to_js(&e)
        })
        .into_js_value();
    let release = Closure::once_into_js(move || {
        if let Some(g) = guard.borrow_mut().take() {
            g.disarm();
        }
    });
    Ok(wrap_body(
        &body,
        expected.map(|n| n as f64),
        &on_progress,
        &failure,
        &release,
        idle_ms,
    ))
}
