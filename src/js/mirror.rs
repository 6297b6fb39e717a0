//! `planMirror` and `MirrorManifest` for JavaScript: the pure planner of [`crate::mirror`],
//! which `npm/mirror.js` drives.
//!
//! Inputs cross as JSON text (`JSON.stringify` in JavaScript, read by `crate::mirror::input`
//! here): a hostile value (a cycle, thousands of nesting levels) gives `invalid_input` instead of
//! overflowing the wasm stack, and the text length is bounded before anything is parsed.

use wasm_bindgen::prelude::*;

use super::to_value;
use crate::error::Error;
use crate::mirror::{self, input, Manifest};

/// Longest JSON text accepted for the remote entries (a few hundred thousand entries).
const MAX_ENTRIES_JSON: usize = 256 << 20;
/// Largest JSON text accepted for options or one manifest file.
const MAX_SMALL_JSON: usize = 1 << 20;

/// `JSON.stringify(value)` read by `read`; `invalid_input` naming `what` otherwise.
fn from_js<T>(
    value: &JsValue,
    what: &str,
    max: usize,
    read: fn(&str) -> crate::json::Res<T>,
) -> Result<T, Error> {
    let text = if value.is_undefined() || value.is_null() {
        None
    } else {
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
    };
    let text = text.ok_or_else(|| {
        Error::invalid_input(format!(
            "{what}: pass plain JSON data (not undefined, a cycle, a BigInt or a throwing toJSON)"
        ))
    })?;
    if text.len() > max {
        return Err(Error::new(
            crate::ErrorCode::LimitExceeded,
            format!("{what}: larger than {max} bytes of JSON"),
        ));
    }
    read(&text).map_err(|e| Error::invalid_input(format!("{what}: {e}")))
}

/// What a destination holds (the mirror's manifest), kept in WebAssembly memory.
#[wasm_bindgen(js_name = MirrorManifest)]
pub struct JsMirrorManifest {
    inner: Manifest,
}

#[wasm_bindgen(js_class = MirrorManifest)]
impl JsMirrorManifest {
    /// An empty manifest.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsMirrorManifest {
        JsMirrorManifest {
            inner: Manifest::new(),
        }
    }

    /// Parses a manifest document (`invalid_input` when it is not one; sizes bounded).
    pub fn parse(text: JsValue) -> Result<JsMirrorManifest, JsValue> {
        let text = text
            .as_string()
            .ok_or_else(|| Error::invalid_input("MirrorManifest.parse(): pass a string"))?;
        Ok(JsMirrorManifest {
            inner: Manifest::parse(&text)?,
        })
    }

    /// The document (files sorted by path).
    pub fn stringify(&self) -> String {
        self.inner.to_json()
    }

    /// Records `{ path, size, mtime, sha256? }` (replacing what was known of `path`).
    pub fn record(&mut self, file: JsValue) -> Result<(), JsValue> {
        let file = from_js(
            &file,
            "MirrorManifest.record()",
            MAX_SMALL_JSON,
            input::manifest_file,
        )?;
        self.inner.record(file)?;
        Ok(())
    }

    /// Forgets a path; whether it was known.
    pub fn remove(&mut self, path: &str) -> bool {
        self.inner.remove(path).is_some()
    }

    /// What is known of a path, or `undefined`.
    pub fn get(&self, path: &str) -> Result<JsValue, JsValue> {
        match self.inner.get(path) {
            Some(f) => to_value(f),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Every file, sorted by path.
    pub fn files(&self) -> Result<JsValue, JsValue> {
        to_value(&self.inner.files().collect::<Vec<_>>())
    }

    /// Number of files.
    pub fn count(&self) -> usize {
        self.inner.len()
    }
}

impl Default for JsMirrorManifest {
    fn default() -> Self {
        JsMirrorManifest::new()
    }
}

/// `planMirror(remoteEntries, manifest, { roots, delete?, caseInsensitive?, windowsNames?,
/// reserved?, reservedSuffix? })`: what to fetch, keep, delete and skip.
#[wasm_bindgen(js_name = planMirror)]
pub fn plan_mirror(
    remote_entries: JsValue,
    manifest: &JsMirrorManifest,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    if !js_sys::Array::is_array(&remote_entries) {
        return Err(Error::invalid_input("planMirror(): `remoteEntries` must be an array").into());
    }
    let entries = from_js(
        &remote_entries,
        "planMirror() remoteEntries",
        MAX_ENTRIES_JSON,
        input::remote_entries,
    )?;
    let (roots, options) = from_js(
        &options,
        "planMirror() options",
        MAX_SMALL_JSON,
        input::plan_options,
    )?;
    let plan = mirror::plan(&roots, &entries, &manifest.inner, &options)?;
    to_value(&plan)
}

/// `mirrorError(code, message)`: a `PasserelleError` with that code, for the mirror runner and
/// for custom destinations (an unknown code gives `invalid_input`).
#[wasm_bindgen(js_name = mirrorError)]
pub fn mirror_error(code: &str, message: &str) -> JsValue {
    let code = crate::ErrorCode::ALL
        .into_iter()
        .find(|c| c.as_str() == code)
        .unwrap_or(crate::ErrorCode::InvalidInput);
    Error::new(code, message).into()
}
