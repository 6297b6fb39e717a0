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
#[cfg(feature = "echange")]
mod stream;
#[cfg(feature = "unzip")]
mod unzip;

use wasm_bindgen::JsValue;

use crate::json::ToJson;

/// The one way a Rust future becomes a JavaScript promise: every exported async method goes
/// through it, so every rejection is a `PasserelleError` (or a value the method built itself).
/// The future is boxed first, so that `future_to_promise` exists once in the module instead of
/// once per method.
#[cfg(any(feature = "echange", feature = "pre-etat-date"))]
pub(crate) fn promise<F>(fut: F) -> js_sys::Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>> =
        Box::pin(fut);
    wasm_bindgen_futures::future_to_promise(boxed)
}

/// Serialises a result as plain JSON-compatible JavaScript values (numbers, not BigInts): the
/// value is written as JSON by our own writer (`crate::json::ToJson`) and read back by the
/// runtime's `JSON.parse`, which is smaller than a field-by-field conversion and as fast.
pub(crate) fn to_value<T: ToJson + ?Sized>(v: &T) -> Result<JsValue, JsValue> {
    // Writing cannot fail; `JSON.parse` of what we wrote does not either.
    js_sys::JSON::parse(&v.to_json())
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
