//! Reading option objects passed from JavaScript, with `invalid_input` errors that name the
//! option (never its value: it may be a secret).

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::error::{Error, Result};

/// The value of `obj[key]`, `None` when `obj` is not an object or the key is undefined/null.
pub fn field(obj: &JsValue, key: &str) -> Option<JsValue> {
    if !obj.is_object() {
        return None;
    }
    let v = Reflect::get(obj, &JsValue::from_str(key)).ok()?;
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v)
    }
}

/// An optional string option.
pub fn string(obj: &JsValue, what: &str, key: &str) -> Result<Option<String>> {
    match field(obj, key) {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| {
            Error::invalid_input(format!("{what}: option `{key}` must be a string"))
        }),
    }
}

/// A required string option.
pub fn required_string(obj: &JsValue, what: &str, key: &str) -> Result<String> {
    string(obj, what, key)?
        .ok_or_else(|| Error::invalid_input(format!("{what}: option `{key}` is required")))
}

/// An optional non-negative integer option.
pub fn uint(obj: &JsValue, what: &str, key: &str, max: f64) -> Result<Option<f64>> {
    match field(obj, key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= max => Ok(Some(n)),
            _ => Err(Error::invalid_input(format!(
                "{what}: option `{key}` must be a whole number between 0 and {}",
                max as u64
            ))),
        },
    }
}

/// An optional boolean option.
pub fn boolean(obj: &JsValue, what: &str, key: &str) -> Result<Option<bool>> {
    match field(obj, key) {
        None => Ok(None),
        Some(v) => v.as_bool().map(Some).ok_or_else(|| {
            Error::invalid_input(format!("{what}: option `{key}` must be a boolean"))
        }),
    }
}

/// An optional function option.
pub fn function(obj: &JsValue, what: &str, key: &str) -> Result<Option<Function>> {
    match field(obj, key) {
        None => Ok(None),
        Some(v) => v.dyn_into::<Function>().map(Some).map_err(|_| {
            Error::invalid_input(format!("{what}: option `{key}` must be a function"))
        }),
    }
}

/// The `signal` option.
pub fn signal(obj: &JsValue, what: &str) -> Result<Option<AbortSignal>> {
    match field(obj, "signal") {
        None => Ok(None),
        Some(v) => {
            let looks_like = Reflect::has(&v, &JsValue::from_str("aborted")).unwrap_or(false)
                && Reflect::has(&v, &JsValue::from_str("addEventListener")).unwrap_or(false);
            if looks_like {
                Ok(Some(v.unchecked_into()))
            } else {
                Err(Error::invalid_input(format!(
                    "{what}: option `signal` must be an AbortSignal"
                )))
            }
        }
    }
}

/// Options every client takes.
pub struct Common {
    /// `baseUrl`.
    pub base_url: String,
    /// `timeoutMs` (default 30 000; 0 = none).
    pub timeout_ms: u32,
    /// `idleTimeoutMs` (default 30 000; 0 = none).
    pub idle_timeout_ms: u32,
    /// `retries` (default 2).
    pub retries: u32,
    /// `fetch`.
    pub fetch: Option<Function>,
}

/// Reads the common client options.
pub fn common(obj: &JsValue, what: &str) -> Result<Common> {
    if !obj.is_object() {
        return Err(Error::invalid_input(format!(
            "{what}: pass an options object"
        )));
    }
    let ms = |key| -> Result<u32> {
        Ok(uint(obj, what, key, u32::MAX as f64)?.unwrap_or(30_000.0) as u32)
    };
    Ok(Common {
        base_url: required_string(obj, what, "baseUrl")?,
        timeout_ms: ms("timeoutMs")?,
        idle_timeout_ms: ms("idleTimeoutMs")?,
        retries: uint(obj, what, "retries", 10.0)?.unwrap_or(2.0) as u32,
        fetch: function(obj, what, "fetch")?,
    })
}

impl Common {
    /// The transport of one call.
    pub fn io(&self, signal: Option<AbortSignal>) -> crate::http::fetch::FetchIo {
        crate::http::fetch::FetchIo::new(
            self.fetch.clone(),
            self.timeout_ms,
            self.idle_timeout_ms,
            signal,
        )
    }
}
