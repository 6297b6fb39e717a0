//! Response bodies handed to JavaScript as `ReadableStream`s with progress and typed failures.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::http::fetch::OpenResponse;
use crate::http::retry::Attempt;

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    #[wasm_bindgen(js_name = wrapBody)]
    fn wrap_body(
        body: &JsValue,
        expected: Option<f64>,
        on_progress: &JsValue,
        failure: &JsValue,
        release: &JsValue,
    ) -> JsValue;
    #[wasm_bindgen(js_name = isBrowser)]
    pub fn is_browser() -> bool;
    #[wasm_bindgen(js_name = streamToBlob)]
    pub fn stream_to_blob(stream: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = asyncIterable)]
    pub fn async_iterable(next: &JsValue, cancel: &JsValue) -> JsValue;
}

/// Wraps an open response's body. `expected`: the exact length to insist on (a shorter body is
/// `truncated`). The response's abort guard lives until the stream ends or is cancelled.
pub fn body_stream(
    open: OpenResponse,
    subject: String,
    expected: Option<u64>,
    on_progress: JsValue,
) -> Result<JsValue, JsValue> {
    let body = open.body();
    if body.is_undefined() || body.is_null() {
        return Err(
            Error::invalid_response(format!("{subject} failed: the response has no body")).into(),
        );
    }
    let guard = Rc::new(RefCell::new(Some(open.guard)));
    let g1 = guard.clone();
    let failure =
        Closure::<dyn FnMut(f64, JsValue) -> JsValue>::new(move |loaded: f64, _cause: JsValue| {
            let kind = g1
                .borrow()
                .as_ref()
                .map(|g| g.classify())
                .unwrap_or(Attempt::Network);
            let e = match kind {
                Attempt::Aborted => {
                    Error::new(ErrorCode::Aborted, format!("{subject} was aborted"))
                }
                _ => Error::new(
                    ErrorCode::Truncated,
                    format!("{subject} failed: the body ended early, after {loaded} bytes"),
                ),
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
    ))
}
