//! `EchangeClient` for JavaScript.

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::options;
use super::to_value;
use crate::echange::client::{EchangeClient, EchangeConfig, Otp};
use crate::echange::Credentials;
use crate::error::Error;

const WHAT: &str = "EchangeClient";

/// Client for GÉRÉDIS « Échange » (SFTPGo user API).
#[wasm_bindgen(js_name = EchangeClient)]
pub struct JsEchangeClient {
    client: EchangeClient,
}

fn otp_provider(f: Function) -> Otp {
    Otp::Provider(Rc::new(move || {
        let f = f.clone();
        Box::pin(async move {
            let v = f
                .call0(&JsValue::UNDEFINED)
                .map_err(|_| Error::invalid_input("token(): the `otp` callback threw"))?;
            let v = if v.has_type::<Promise>() || v.is_object() {
                JsFuture::from(Promise::resolve(&v))
                    .await
                    .map_err(|_| Error::invalid_input("token(): the `otp` callback rejected"))?
            } else {
                v
            };
            v.as_string().ok_or_else(|| {
                Error::invalid_input("token(): the `otp` callback must return a string")
            })
        })
    }))
}

#[wasm_bindgen(js_class = EchangeClient)]
impl JsEchangeClient {
    /// `new EchangeClient({ baseUrl, username, password, otp?, timeoutMs?, retries?, fetch? })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsEchangeClient, JsValue> {
        let (base_url, timeout_ms, retries, fetch) = options::common(&options, WHAT)?;
        let username = options::required_string(&options, WHAT, "username")?;
        let password = options::required_string(&options, WHAT, "password")?;
        let otp = match options::field(&options, "otp") {
            None => Otp::None,
            Some(v) => match v.as_string() {
                Some(s) => Otp::Fixed(s),
                None => match v.dyn_into::<Function>() {
                    Ok(f) => otp_provider(f),
                    Err(_) => {
                        return Err(Error::invalid_input(
                            "EchangeClient: option `otp` must be a string or a function",
                        )
                        .into())
                    }
                },
            },
        };
        let client = EchangeClient::new(EchangeConfig {
            base_url,
            credentials: Credentials { username, password },
            otp,
            timeout_ms,
            retries,
            fetch,
        })?;
        Ok(JsEchangeClient { client })
    }

    /// The current token `{ access_token, expires_at }` (cached while valid).
    pub fn token(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let _ = options::signal(&options, "token()")?;
            let t = client.token().await?;
            to_value(&t)
        })
    }

    /// Lists a folder: `listDir(path?, { signal? })`.
    #[wasm_bindgen(js_name = listDir)]
    pub fn list_dir(&self, path: JsValue, options: JsValue) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let path = match path.as_string() {
                Some(p) => Some(p),
                None if path.is_undefined() || path.is_null() => None,
                None => {
                    return Err(Error::invalid_input("listDir(): `path` must be a string").into())
                }
            };
            let signal = options::signal(&options, "listDir()")?;
            let entries = client.list_dir(path.as_deref(), signal.as_ref()).await?;
            to_value(&entries)
        })
    }

    /// Invalidates the current token on the server.
    pub fn logout(&self, options: JsValue) -> Promise {
        let client = self.client.clone();
        future_to_promise(async move {
            let signal = options::signal(&options, "logout()")?;
            client.logout(signal.as_ref()).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
