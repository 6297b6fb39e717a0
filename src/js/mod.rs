//! The JavaScript binding layer (wasm32 only): thin wrappers that read options, call the Rust
//! API and convert results and errors. TypeScript declarations are hand-written in
//! `npm/index.d.ts` (no `any` in public signatures).

#[cfg(feature = "echange")]
mod echange;
mod error;
#[cfg(feature = "echange")]
mod mirror;
// Some option readers serve only one API; a single-API build leaves them unused.
#[cfg_attr(
    not(all(feature = "echange", feature = "pre-etat-date")),
    allow(dead_code)
)]
mod options;
#[cfg(feature = "pre-etat-date")]
mod pre_etat_date;
#[cfg(any(feature = "echange", feature = "unzip"))]
mod stream;
#[cfg(feature = "unzip")]
mod unzip;

use std::future::Future;

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// The one way a Rust future becomes a JavaScript promise: every exported async method goes
/// through it, so every rejection is a `PasserelleError` (or a value the method built itself).
/// The future is boxed first, so that `future_to_promise` exists once in the module instead of
/// once per method.
pub(crate) fn promise<F>(fut: F) -> js_sys::Promise
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let boxed: std::pin::Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(fut);
    wasm_bindgen_futures::future_to_promise(boxed)
}

/// Serialises a result as plain JSON-compatible JavaScript values (numbers, not BigInts): the
/// value is written as JSON by serde_json (already linked for the APIs' bodies) and read back by
/// the runtime's `JSON.parse`, which is smaller than a field-by-field conversion and as fast.
pub(crate) fn to_value<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    // serde_json's error is not formatted: that would link its error texts, and writing our
    // results (string keys only) does not fail.
    let text = serde_json::to_string(v)
        .map_err(|_| JsValue::from(Error::invalid_response("could not convert the result")))?;
    js_sys::JSON::parse(&text)
}

/// Diagnostics: the current size of this module's WebAssembly memory in bytes (it only grows).
/// Used by the tests and benchmarks that check memory stays bounded while streaming.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}
