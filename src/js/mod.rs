//! The JavaScript binding layer (wasm32 only): thin wrappers that read options, call the Rust
//! API and convert results and errors. TypeScript declarations are hand-written in
//! `npm/index.d.ts` (no `any` in public signatures).

mod echange;
mod error;
mod options;
mod stream;

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::Error;

/// Serialises a result as plain JSON-compatible JavaScript values (numbers, not BigInts).
pub(crate) fn to_value<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser)
        .map_err(|e| Error::invalid_response(format!("could not convert the result: {e}")).into())
}
