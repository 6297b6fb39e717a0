//! Request builders for every PRE-ETAT.DATE endpoint (docs/pre-etat-date.md). Pure: they return
//! [`Request`] values that the transport sends.
//!
//! Every request carries `X-Auth-Key`; every request except `auth` and `health` also carries
//! `Authorization: Bearer <token>`. POSTs carry a JSON body. `create_order`, the two refresh
//! routes and the webhook simulator are never retried automatically: an order costs money and a
//! refresh triggers work, so a lost response must not turn into a second order.

use crate::json::{ObjWriter, ToJson};

use super::model::{LegacyRefreshRequest, OrderRequest, RefreshRequest};
use super::state::OrderState;
use crate::error::{Error, Result};
use crate::http::url::encode_path_segment;
use crate::http::{BaseUrl, Method, Request};

/// The production host the vendor recommends (docs/pre-etat-date.md#1-which-host). The docs host's proxy form is
/// `https://docs.maison-du-pre-etat-date.fr/api`.
pub const DEFAULT_BASE_URL: &str = "https://api.maison-du-pre-etat-date.fr";

/// Operation names used in error messages (and by the JS layer).
pub mod op {
    /// `POST /account/auth`.
    pub const AUTHENTICATE: &str = "authenticate";
    /// `GET /health`.
    pub const HEALTH: &str = "health";
    /// `POST /order/`.
    pub const CREATE_ORDER: &str = "createOrder";
    /// `POST /order/{orderid}/refresh`.
    pub const REQUEST_REFRESH: &str = "requestRefresh";
    /// `POST /order/needrefresh` (deprecated).
    pub const REQUEST_REFRESH_LEGACY: &str = "requestRefreshLegacy";
    /// `POST /order/test/webhook-events`.
    pub const SEND_TEST_WEBHOOK: &str = "sendTestWebhook";
}

fn bearer(req: Request, token: &str) -> Request {
    req.header("Authorization", format!("Bearer {token}"))
}

/// A JSON object of string members, in the order given (the keys' sorted order, as
/// `serde_json::json!` wrote these bodies).
fn object_of(members: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut w = ObjWriter::new(&mut out);
    for (k, v) in members {
        w.field(k, *v);
    }
    w.end();
    out
}

fn order_path(operation: &str, orderid: &str) -> Result<String> {
    if orderid.trim().is_empty() {
        return Err(Error::invalid_input(format!(
            "{operation} failed: orderid is required"
        )));
    }
    if orderid.chars().all(|c| c == '.') {
        // "." and ".." would be resolved away by URL parsers, sending the request elsewhere.
        return Err(Error::invalid_input(format!(
            "{operation} failed: orderid is not a valid order id"
        )));
    }
    Ok(encode_path_segment(orderid))
}

/// `POST /account/auth` with `{email, password}` and `X-Auth-Key` (no bearer). Retryable: a
/// login creates nothing.
pub fn auth(base: &BaseUrl, api_key: &str, email: &str, password: &str) -> Request {
    let body = object_of(&[("email", email), ("password", password)]);
    Request::new(
        op::AUTHENTICATE,
        Method::Post,
        base.join("/account/auth", &[]),
    )
    .header("X-Auth-Key", api_key)
    .json(body)
    .retryable(true)
}

/// `GET /health` with `X-Auth-Key` (no bearer, as documented).
pub fn health(base: &BaseUrl, api_key: &str) -> Request {
    Request::new(op::HEALTH, Method::Get, base.join("/health", &[])).header("X-Auth-Key", api_key)
}

/// `POST /order/` (exactly, trailing slash included). Never retried.
pub fn create_order(
    base: &BaseUrl,
    api_key: &str,
    token: &str,
    order: &OrderRequest,
) -> Result<Request> {
    let body = ToJson::to_json(order);
    let req = Request::new(op::CREATE_ORDER, Method::Post, base.join("/order/", &[]))
        .header("X-Auth-Key", api_key);
    Ok(bearer(req, token).json(body).retryable(false))
}

/// `POST /order/{orderid}/refresh`, the id percent-encoded. Never retried. A blank `orderid` is
/// `invalid_input`.
pub fn refresh(
    base: &BaseUrl,
    api_key: &str,
    token: &str,
    orderid: &str,
    body: &RefreshRequest,
) -> Result<Request> {
    let id = order_path(op::REQUEST_REFRESH, orderid)?;
    let body = ToJson::to_json(body);
    let url = base.join(&format!("/order/{id}/refresh"), &[]);
    let req = Request::new(op::REQUEST_REFRESH, Method::Post, url).header("X-Auth-Key", api_key);
    Ok(bearer(req, token).json(body).retryable(false))
}

/// `POST /order/needrefresh` (deprecated route; the order is named in the body). Never retried.
pub fn refresh_legacy(
    base: &BaseUrl,
    api_key: &str,
    token: &str,
    body: &LegacyRefreshRequest,
) -> Result<Request> {
    let body = ToJson::to_json(body);
    let url = base.join("/order/needrefresh", &[]);
    let req =
        Request::new(op::REQUEST_REFRESH_LEGACY, Method::Post, url).header("X-Auth-Key", api_key);
    Ok(bearer(req, token).json(body).retryable(false))
}

/// `POST /order/test/webhook-events` with `{orderid, event}`. Not retried (it sends a webhook).
/// A blank `orderid` is `invalid_input`.
pub fn send_test_webhook(
    base: &BaseUrl,
    api_key: &str,
    token: &str,
    orderid: &str,
    event: &OrderState,
) -> Result<Request> {
    order_path(op::SEND_TEST_WEBHOOK, orderid)?;
    let body = object_of(&[("event", event.as_str()), ("orderid", orderid)]);
    let url = base.join("/order/test/webhook-events", &[]);
    let req = Request::new(op::SEND_TEST_WEBHOOK, Method::Post, url).header("X-Auth-Key", api_key);
    Ok(bearer(req, token).json(body).retryable(false))
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::en_order;
    use super::super::model::Syndic;
    use super::*;
    use crate::http::Body;
    use serde_json::Value;

    fn base() -> BaseUrl {
        BaseUrl::parse("https://api.maison-du-pre-etat-date.fr/").unwrap()
    }

    fn body_json(r: &Request) -> Value {
        match &r.body {
            Body::Json(s) => serde_json::from_str(s).unwrap(),
            other => panic!("expected JSON body, got {other:?}"),
        }
    }

    fn assert_headers(r: &Request, bearer: bool) {
        assert_eq!(r.header_value("x-auth-key"), Some("KEY-1"));
        assert_eq!(
            r.header_value("authorization"),
            bearer.then_some("Bearer TOK-1")
        );
        if r.method == Method::Post {
            assert_eq!(r.header_value("content-type"), Some("application/json"));
        }
    }

    #[test]
    fn auth_request() {
        let r = auth(&base(), "KEY-1", "user@mail.com", "pw é\"");
        assert_eq!(r.operation, "authenticate");
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, "https://api.maison-du-pre-etat-date.fr/account/auth");
        assert_headers(&r, false);
        assert_eq!(
            body_json(&r),
            serde_json::json!({"email": "user@mail.com", "password": "pw é\""})
        );
        assert!(r.retryable);
        assert!(!format!("{r:?}").contains("pw é"));
    }

    #[test]
    fn health_request() {
        let r = health(
            &BaseUrl::parse("https://docs.maison-du-pre-etat-date.fr/api").unwrap(),
            "KEY-1",
        );
        assert_eq!(r.operation, "health");
        assert_eq!(r.method, Method::Get);
        assert_eq!(r.url, "https://docs.maison-du-pre-etat-date.fr/api/health");
        assert_headers(&r, false);
        assert_eq!(r.body, Body::Empty);
        assert!(r.retryable);
    }

    #[test]
    fn create_order_request_is_never_retryable() {
        let order = en_order();
        let r = create_order(&base(), "KEY-1", "TOK-1", &order).unwrap();
        assert_eq!(r.operation, "createOrder");
        assert_eq!(r.method, Method::Post);
        assert_eq!(r.url, "https://api.maison-du-pre-etat-date.fr/order/");
        assert_headers(&r, true);
        assert!(!r.retryable);
        assert_eq!(body_json(&r), crate::json::testing::to_serde(&order));
        let dbg = format!("{r:?}");
        for secret in ["syndic_pass", "syndic_user", "TOK-1", "KEY-1"] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
    }

    #[test]
    fn refresh_request_encodes_the_id() {
        let body = RefreshRequest {
            all_due_paid: Some(true),
            comment: Some(String::new()),
            syndic: Some(Syndic {
                name: "Syndic Name".into(),
                username: "syndic_user".into(),
                password: "syndic_pass".into(),
                url: None,
            }),
            ..RefreshRequest::default()
        };
        let r = refresh(&base(), "KEY-1", "TOK-1", "SD28Z5", &body).unwrap();
        assert_eq!(r.operation, "requestRefresh");
        assert_eq!(
            r.url,
            "https://api.maison-du-pre-etat-date.fr/order/SD28Z5/refresh"
        );
        assert_headers(&r, true);
        assert!(!r.retryable);
        assert_eq!(
            body_json(&r),
            serde_json::json!({"all_due_paid": true, "comment": "", "method": "extranet",
                "syndic": {"name": "Syndic Name", "username": "syndic_user", "password": "syndic_pass"}})
        );
        let r = refresh(&base(), "KEY-1", "TOK-1", "a/b ?é", &body).unwrap();
        assert_eq!(
            r.url,
            "https://api.maison-du-pre-etat-date.fr/order/a%2Fb%20%3F%C3%A9/refresh"
        );
        let e = refresh(&base(), "KEY-1", "TOK-1", "  ", &body).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
        assert!(e.message().starts_with("requestRefresh failed"));
    }

    #[test]
    fn legacy_refresh_request() {
        let body = LegacyRefreshRequest {
            orderid: "xxx".into(),
            account: "xxx@gmail.com".into(),
            ..LegacyRefreshRequest::default()
        };
        let r = refresh_legacy(&base(), "KEY-1", "TOK-1", &body).unwrap();
        assert_eq!(r.operation, "requestRefreshLegacy");
        assert_eq!(
            r.url,
            "https://api.maison-du-pre-etat-date.fr/order/needrefresh"
        );
        assert_headers(&r, true);
        assert!(!r.retryable);
        assert_eq!(
            body_json(&r),
            serde_json::json!({"orderid": "xxx", "account": "xxx@gmail.com"})
        );
    }

    #[test]
    fn test_webhook_request() {
        for state in OrderState::KNOWN {
            let r = send_test_webhook(&base(), "KEY-1", "TOK-1", "C7HOF2", &state).unwrap();
            assert_eq!(r.operation, "sendTestWebhook");
            assert_eq!(
                r.url,
                "https://api.maison-du-pre-etat-date.fr/order/test/webhook-events"
            );
            assert_headers(&r, true);
            assert!(!r.retryable);
            assert_eq!(
                body_json(&r),
                serde_json::json!({"orderid": "C7HOF2", "event": state.as_str()})
            );
        }
        assert!(send_test_webhook(&base(), "K", "T", "", &OrderState::Done).is_err());
    }
}
