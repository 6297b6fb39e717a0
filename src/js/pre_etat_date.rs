//! `PreEtatDateClient`, `parseWebhook`, `documentTypeLabel` and `validateOrder` for JavaScript.

use crate::json::Json as Value;
use js_sys::{Promise, Reflect, Uint8Array};
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::options::{self, Common};
use super::{promise, to_value};
use crate::error::Error;
use crate::pre_etat_date::client::{Answer, Call, PreEtatDateClient, PreEtatDateConfig};
use crate::pre_etat_date::{
    document_type_label, issues_to_error, validate_order_value, Lang, LegacyRefreshRequest,
    OrderRequest, OrderState, RefreshRequest, Transaction,
};

const WHAT: &str = "PreEtatDateClient";

/// Client for the PRE-ETAT.DATE API.
#[wasm_bindgen(js_name = PreEtatDateClient)]
pub struct JsPreEtatDateClient {
    client: PreEtatDateClient,
    common: Rc<Common>,
}

/// A plain JavaScript value → JSON (`invalid_input` when it is not JSON-like).
///
/// Goes through `JSON.stringify` and our JSON parser rather than walking the object from Rust: a
/// hostile object (a cycle, or thousands of nesting levels from a parsed request body) must give
/// an error, not overflow the wasm stack, which would poison the instance. `JSON.stringify`
/// throws on cycles; our JSON parser stops at 128 levels.
fn json_of(v: &JsValue, what: &str) -> Result<Value, Error> {
    if !v.is_object() {
        return Err(Error::invalid_input(format!("{what}: pass an object")));
    }
    let text: String = js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "{what}: the object cannot be converted to JSON (a cycle, a BigInt or a throwing toJSON)"
            ))
        })?;
    crate::json::parse_bytes(text.as_bytes()).map_err(|_| {
        Error::invalid_input(format!(
            "{what}: the object is not plain JSON data, or is nested more than 128 levels deep"
        ))
    })
}

/// A transaction with its wire fields, plus `created_iso`/`updated_iso` (ISO 8601, parsed from
/// the RFC 2822 dates, which are kept as sent).
fn transaction_value(t: &Transaction) -> Result<JsValue, JsValue> {
    let v = to_value(t)?;
    if let Some(c) = t.created_iso() {
        Reflect::set(&v, &"created_iso".into(), &c.into())?;
    }
    if let Some(u) = t.updated_iso() {
        Reflect::set(&v, &"updated_iso".into(), &u.into())?;
    }
    Ok(v)
}

fn lang_of(v: &JsValue) -> Result<Lang, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(Lang::Fr);
    }
    v.as_string()
        .and_then(|s| Lang::parse(&s))
        .ok_or_else(|| Error::invalid_input("documentTypeLabel(): `lang` must be \"fr\" or \"en\""))
}

#[wasm_bindgen(js_class = PreEtatDateClient)]
impl JsPreEtatDateClient {
    /// `new PreEtatDateClient({ baseUrl, apiKey, email?, password?, token?, timeoutMs?, retries?, fetch? })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsPreEtatDateClient, JsValue> {
        let common = options::common(&options, WHAT)?;
        let mut config = PreEtatDateConfig::new(
            common.base_url.clone(),
            options::required_string(&options, WHAT, "apiKey")?,
        );
        config.email = options::string(&options, WHAT, "email")?;
        config.password = options::string(&options, WHAT, "password")?;
        config.token = options::string(&options, WHAT, "token")?;
        config.retries = common.retries;
        Ok(JsPreEtatDateClient {
            client: PreEtatDateClient::new(config)?,
            common: Rc::new(common),
        })
    }

    /// `POST /account/auth`: `{ access_token }`.
    pub fn authenticate(&self, options: JsValue) -> Promise {
        let call = self.client.prepare_authenticate();
        self.call(Ok(call), &options, "authenticate()")
    }

    /// `GET /health`: the envelope's payload (any 2xx is healthy).
    pub fn health(&self, options: JsValue) -> Promise {
        let call = self.client.prepare_health();
        self.call(Ok(call), &options, "health()")
    }

    /// `POST /order/` after `validateOrder`; never retried automatically.
    #[wasm_bindgen(js_name = createOrder)]
    pub fn create_order(&self, order: JsValue, options: JsValue) -> Promise {
        let call = self.create_order_call(&order);
        self.call(call, &options, "createOrder()")
    }

    /// `POST /order/{orderid}/refresh`.
    #[wasm_bindgen(js_name = requestRefresh)]
    pub fn request_refresh(&self, orderid: JsValue, req: JsValue, options: JsValue) -> Promise {
        let call = self.refresh_call(&orderid, &req);
        self.call(call, &options, "requestRefresh()")
    }

    /// Deprecated `POST /order/needrefresh` (orderid and account in the body).
    #[wasm_bindgen(js_name = requestRefreshLegacy)]
    pub fn request_refresh_legacy(&self, req: JsValue, options: JsValue) -> Promise {
        let call = self.refresh_legacy_call(&req);
        self.call(call, &options, "requestRefreshLegacy()")
    }

    /// `POST /order/test/webhook-events`: asks the service to send a webhook for a test order.
    #[wasm_bindgen(js_name = sendTestWebhook)]
    pub fn send_test_webhook(&self, orderid: JsValue, event: JsValue, options: JsValue) -> Promise {
        let call = self.test_webhook_call(&orderid, &event);
        self.call(call, &options, "sendTestWebhook()")
    }

    /// The checks `createOrder` runs before sending.
    #[wasm_bindgen(js_name = validateOrder)]
    pub fn validate_order_method(&self, order: JsValue) -> Result<JsValue, JsValue> {
        validate_order_js(order)
    }

    /// Same as the `parseWebhook` function.
    #[wasm_bindgen(js_name = parseWebhook)]
    pub fn parse_webhook_method(&self, body: JsValue) -> Result<JsValue, JsValue> {
        parse_webhook_js(body)
    }

    /// Same as the `documentTypeLabel` function.
    #[wasm_bindgen(js_name = documentTypeLabel)]
    pub fn document_type_label_method(
        &self,
        code: JsValue,
        lang: JsValue,
    ) -> Result<String, JsValue> {
        document_type_label_js(code, lang)
    }
}

impl JsPreEtatDateClient {
    /// The promise of every network call: one non-generic function, so the module holds one
    /// copy of the call's state machine. The call's arguments are checked first, then the
    /// signal; their errors reject the promise.
    fn call(&self, call: Result<Call, Error>, options: &JsValue, what: &'static str) -> Promise {
        let (client, common) = (self.client.clone(), self.common.clone());
        let ready = call.and_then(|c| Ok((c, options::signal(options, what)?)));
        promise(async move {
            let (call, signal) = ready?;
            let io = common.io(signal);
            match client.run(&io, call).await? {
                Answer::Token(t) => {
                    let o = js_sys::Object::new();
                    Reflect::set(
                        &o,
                        &"access_token".into(),
                        &JsValue::from_str(&t.access_token),
                    )?;
                    Ok(o.into())
                }
                Answer::Value(v) => to_value(&v),
                Answer::Transaction(t) => transaction_value(&t),
            }
        })
    }

    fn create_order_call(&self, order: &JsValue) -> Result<Call, Error> {
        json_of(order, "createOrder()")
            .and_then(|v| checked_order(&v))
            .map(|order| self.client.prepare_create_order(&order))
    }

    fn refresh_call(&self, orderid: &JsValue, req: &JsValue) -> Result<Call, Error> {
        let orderid = orderid
            .as_string()
            .ok_or_else(|| Error::invalid_input("requestRefresh(): `orderid` must be a string"))?;
        let req = RefreshRequest::from_json_value(json_of(req, "requestRefresh()")?)?;
        Ok(self.client.prepare_refresh(&orderid, &req))
    }

    #[allow(deprecated)]
    fn refresh_legacy_call(&self, req: &JsValue) -> Result<Call, Error> {
        json_of(req, "requestRefreshLegacy()")
            .and_then(LegacyRefreshRequest::from_json_value)
            .map(|req| self.client.prepare_refresh_legacy(&req))
    }

    fn test_webhook_call(&self, orderid: &JsValue, event: &JsValue) -> Result<Call, Error> {
        let orderid = orderid
            .as_string()
            .ok_or_else(|| Error::invalid_input("sendTestWebhook(): `orderid` must be a string"))?;
        let event = event
            .as_string()
            .map(|s| OrderState::from_wire(&s))
            .filter(|s| s.is_known())
            .ok_or_else(|| {
                Error::invalid_input(
                    "sendTestWebhook(): `event` must be one of confirmed, received, waiting, done, need-refresh",
                )
            })?;
        Ok(self.client.prepare_test_webhook(&orderid, &event))
    }
}

/// The order `createOrder` sends, or `invalid_input` carrying every issue `validateOrder` finds.
fn checked_order(value: &Value) -> Result<OrderRequest, Error> {
    match validate_order_value(value) {
        (Some(order), issues) if issues.is_empty() => Ok(order),
        (_, issues) => Err(issues_to_error("createOrder", &issues)),
    }
}

/// `validateOrder(order)`: every issue with its field path (empty when the order is valid), for
/// any object — a half-filled form included.
#[wasm_bindgen(js_name = validateOrder)]
pub fn validate_order_js(order: JsValue) -> Result<JsValue, JsValue> {
    let (_, issues) = validate_order_value(&json_of(&order, "validateOrder()")?);
    to_value(&issues)
}

/// `parseWebhook(body)`: validates and types a webhook payload (a JSON string, bytes or an
/// object); `content` is decoded to `pdf: Uint8Array`.
#[wasm_bindgen(js_name = parseWebhook)]
pub fn parse_webhook_js(body: JsValue) -> Result<JsValue, JsValue> {
    let event = if let Some(s) = body.as_string() {
        crate::pre_etat_date::webhook::parse_webhook(s.as_bytes())?
    } else if body.is_instance_of::<Uint8Array>() {
        crate::pre_etat_date::webhook::parse_webhook(Uint8Array::from(body).to_vec())?
    } else if body.is_object() {
        crate::pre_etat_date::webhook::parse_webhook_value(json_of(&body, "parseWebhook()")?)?
    } else {
        return Err(Error::invalid_input(
            "parseWebhook(): pass the request body (string, bytes or object)",
        )
        .into());
    };
    let v = to_value(&event)?;
    if let Some(pdf) = &event.pdf {
        Reflect::set(&v, &"pdf".into(), &Uint8Array::from(pdf.as_slice()))?;
    }
    Ok(v)
}

/// `documentTypeLabel(code, lang = "fr")`.
#[wasm_bindgen(js_name = documentTypeLabel)]
pub fn document_type_label_js(code: JsValue, lang: JsValue) -> Result<String, JsValue> {
    let code = code
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= u32::MAX as f64)
        .ok_or_else(|| {
            Error::invalid_input("documentTypeLabel(): `code` must be a whole number")
        })?;
    Ok(document_type_label(code as u32, lang_of(&lang)?))
}
