//! The JavaScript binding layer (wasm32 only): thin wrappers that read options, call the Rust
//! API and convert results and errors. TypeScript declarations are hand-written in
//! `npm/index.d.ts` (no `any` in public signatures).

mod echange;
mod error;
mod mirror;
mod options;
mod pre_etat_date;
mod stream;
mod unzip;

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// Serialises a result as plain JSON-compatible JavaScript values (numbers, not BigInts).
pub(crate) fn to_value<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser)
        .map_err(|e| Error::invalid_response(format!("could not convert the result: {e}")).into())
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
