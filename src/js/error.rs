//! `passerelle::Error` → JavaScript `PasserelleError`.

use wasm_bindgen::prelude::*;

use crate::error::Error;

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(
        code: &str,
        message: &str,
        status: Option<u16>,
        server_message: Option<String>,
        server_error: Option<String>,
        retry_after: Option<f64>,
        cause: JsValue,
        issues: JsValue,
    ) -> JsValue;

    #[wasm_bindgen(js_name = makeCause)]
    fn make_cause(name: &str, code: &str, message: &str) -> JsValue;

    #[wasm_bindgen(js_name = isPasserelleError)]
    pub fn is_passerelle_error(value: &JsValue) -> bool;
}

/// Builds the `PasserelleError` for an error.
pub fn to_js(e: &Error) -> JsValue {
    make_error(
        e.code().as_str(),
        e.message(),
        e.status(),
        e.server_message().map(str::to_string),
        e.server_error().map(str::to_string),
        e.retry_after().map(|s| s as f64),
        e.cause()
            .map(|c| make_cause(&c.name, &c.code, &c.message))
            .unwrap_or(JsValue::UNDEFINED),
        if e.issues().is_empty() {
            JsValue::UNDEFINED
        } else {
            super::to_value(&e.issues()).unwrap_or(JsValue::UNDEFINED)
        },
    )
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        to_js(&e)
    }
}
