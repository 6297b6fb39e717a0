//! PRE-ETAT.DATE client compiled to wasm32, run by wasm-bindgen-test in Node and in headless
//! Chromium against the fake server whose URL `scripts/test` passes at compile time
//! (`PASSERELLE_FAKE_URL`). Request counts ignore CORS preflights (`OPTIONS`).
#![cfg(all(target_arch = "wasm32", feature = "pre-etat-date"))]

use passerelle::http::fetch::FetchIo;
use passerelle::http::Engine;
use passerelle::http::{Method, Request};
use passerelle::json::{Json, ToJson};
use passerelle::pre_etat_date::client::{PreEtatDateClient, PreEtatDateConfig};
use passerelle::pre_etat_date::{
    parse_webhook, AccessToken, OrderRequest, OrderState, RefreshRequest, Transaction,
};
use passerelle::ErrorCode;
use serde_json::{json, Value};
use wasm_bindgen_test::*;

const API_KEY: &str = "ped-test-key";
const EMAIL: &str = "notaire@example.fr";
const PASSWORD: &str = "Secret-Été-2025";
const SYNDIC_USER: &str = "syndic-Login-Été7";
const SYNDIC_PASSWORD: &str = "syndic-Mdp:Secret9";
const SYNDIC_400: &str =
    "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'";

fn fake() -> String {
    match option_env!("PASSERELLE_FAKE_URL") {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => panic!("PASSERELLE_FAKE_URL must be set at compile time (scripts/test does it)"),
    }
}

async fn control(method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = Request::new("fake", method, format!("{}{path}", fake()));
    if let Some(b) = body {
        req = req.json(b.to_string());
    }
    let (head, bytes) = Engine::with_retries(0)
        .send(&FetchIo::new(None, 10_000, 10_000, None), &req)
        .await
        .expect("fake control request");
    assert!(head.is_success(), "{path} answered {}", head.status);
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Waits `ms` milliseconds (the runtime's `setTimeout`).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let set_timeout: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
                .expect("setTimeout")
                .into();
        set_timeout
            .call2(&wasm_bindgen::JsValue::NULL, &resolve, &ms.into())
            .expect("setTimeout call");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer");
}

async fn reset() {
    control(Method::Post, "/__fake/reset", Some(json!({}))).await;
}

/// The fake's request log, CORS preflights left out.
async fn log() -> Vec<Value> {
    let all = control(Method::Get, "/__fake/requests", None).await;
    all.as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["method"] != "OPTIONS")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

async fn posts_to(path: &str) -> usize {
    log()
        .await
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == path)
        .count()
}

/// The client and the per-call transport settings the JavaScript layer would use.
struct Client {
    inner: PreEtatDateClient,
    timeout_ms: u32,
}

impl Client {
    fn io(&self) -> FetchIo {
        FetchIo::new(None, self.timeout_ms, 30_000, None)
    }
    async fn create_order(
        &self,
        o: &OrderRequest,
        _signal: Option<()>,
    ) -> passerelle::Result<Transaction> {
        self.inner.create_order(&self.io(), o).await
    }
    async fn authenticate(&self, _signal: Option<()>) -> passerelle::Result<AccessToken> {
        self.inner.authenticate(&self.io()).await
    }
    async fn request_refresh(
        &self,
        id: &str,
        r: &RefreshRequest,
        _signal: Option<()>,
    ) -> passerelle::Result<Transaction> {
        self.inner.request_refresh(&self.io(), id, r).await
    }
    async fn send_test_webhook(
        &self,
        id: &str,
        e: &OrderState,
        _signal: Option<()>,
    ) -> passerelle::Result<Json> {
        self.inner.send_test_webhook(&self.io(), id, e).await
    }
}

fn client_with(timeout_ms: u32) -> Client {
    let mut config = PreEtatDateConfig::new(fake(), API_KEY);
    config.email = Some(EMAIL.into());
    config.password = Some(PASSWORD.into());
    Client {
        inner: PreEtatDateClient::new(config).expect("valid config"),
        timeout_ms,
    }
}

fn order(external_id: &str) -> OrderRequest {
    let v = json!({
        "address": "4 BIS RUE DE LA FERME", "additional": "Bâtiment B", "city": "CALUIRE ET CUIRE",
        "zipcode": "69300", "owners": [{"firstname": "Jean", "lastname": "Dupont"}],
        "invoice": {"address": "64, avenue Kléber", "city": "PARIS", "zipcode": "75116",
                    "lastname": "PLAISIR NOTAIRES"},
        "method": "extranet",
        "syndic": {"name": "Foncia", "username": SYNDIC_USER, "password": SYNDIC_PASSWORD,
                   "url": "https://extranet.example.com"},
        "documents": [], "lots": "12", "comment": "Première commande", "all_due_paid": false,
        "external_id": external_id, "test_mode": true
    });
    let v = passerelle::json::parse(&v.to_string()).expect("JSON");
    OrderRequest::from_json_value(v).expect("a well-formed order")
}

/// No secret in the error's Display or Debug output.
fn assert_secret_free(e: &passerelle::Error, extra: &[&str]) {
    let all = format!("{e} {e:?}");
    for s in [API_KEY, PASSWORD, SYNDIC_USER, SYNDIC_PASSWORD]
        .iter()
        .chain(extra)
    {
        assert!(!all.contains(s), "a secret leaks: {all}");
    }
}

#[wasm_bindgen_test]
async fn order_in_test_mode_with_headers_on_every_call() {
    reset().await;
    let c = client_with(10_000);
    let t = c.create_order(&order("wasm-1"), None).await.expect("order");
    assert_eq!(t.state, OrderState::Confirmed);
    assert_eq!(t.test_mode, Some(true));
    assert_eq!(t.external_id.as_deref(), Some("wasm-1"));
    assert_eq!(t.account.as_deref(), Some(EMAIL));
    assert!(t.created_iso().is_some_and(|s| s.ends_with('Z')));
    let r = c
        .request_refresh(&t.orderid, &RefreshRequest::default(), None)
        .await
        .expect("refresh");
    assert_eq!(r.state, OrderState::NeedRefresh);

    let entries = log().await;
    let paths: Vec<String> = entries
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or(""),
                r["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            "POST /account/auth".to_string(),
            "POST /order/".to_string(),
            format!("POST /order/{}/refresh", t.orderid),
        ]
    );
    for r in &entries {
        assert_eq!(r["headers"]["x-auth-key"], API_KEY);
    }
    for r in entries.iter().skip(1) {
        let auth = r["headers"]["authorization"].as_str().unwrap_or("");
        assert!(auth.starts_with("Bearer ") && auth.len() > 20, "{auth}");
    }
    // What the fake stored is what was sent.
    let stored = control(Method::Get, "/__fake/ped/orders", None).await;
    assert_eq!(
        stored["orders"][0]["request"],
        serde_json::from_str::<Value>(&order("wasm-1").to_json()).expect("order as JSON")
    );
}

#[wasm_bindgen_test]
async fn invalid_order_is_refused_before_any_request() {
    reset().await;
    let mut o = order("wasm-2");
    o.zipcode = "2A004".into();
    o.owners.clear();
    let e = client_with(10_000)
        .create_order(&o, None)
        .await
        .expect_err("invalid");
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.message().contains("zipcode") && e.message().contains("owners"),
        "{e}"
    );
    assert_secret_free(&e, &[]);
    assert!(log().await.is_empty(), "nothing was sent, not even a login");
}

#[wasm_bindgen_test]
async fn documented_syndic_400_is_verbatim_and_secret_free() {
    reset().await;
    control(
        Method::Post,
        "/__fake/ped/reject-syndic",
        Some(json!({"username": SYNDIC_USER, "password": SYNDIC_PASSWORD})),
    )
    .await;
    let e = client_with(10_000)
        .create_order(&order("wasm-3"), None)
        .await
        .expect_err("syndic refused");
    assert_eq!(e.code(), ErrorCode::BadRequest);
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.server_message(), Some(SYNDIC_400));
    assert_secret_free(&e, &[]);
}

#[wasm_bindgen_test]
async fn create_order_is_not_resent_after_a_500_or_a_timeout() {
    reset().await;
    let c = client_with(300);
    c.authenticate(None).await.expect("login");
    control(
        Method::Post,
        "/__fake/faults",
        Some(json!({"method": "POST", "path": "/order/", "kind": "status", "status": 500, "times": 5})),
    )
    .await;
    let e = c
        .create_order(&order("wasm-4"), None)
        .await
        .expect_err("500");
    assert_eq!((e.code(), e.status()), (ErrorCode::Server, Some(500)));
    sleep(1000).await; // a (wrong) automatic retry would have reached the fake by now
    assert_eq!(posts_to("/order/").await, 1);

    control(Method::Delete, "/__fake/faults", None).await;
    control(
        Method::Post,
        "/__fake/faults",
        Some(json!({"method": "POST", "path": "/order/", "kind": "slow", "delay_ms": 1500, "times": 5})),
    )
    .await;
    let e = c
        .create_order(&order("wasm-5"), None)
        .await
        .expect_err("timeout");
    assert_eq!(e.code(), ErrorCode::Timeout, "{e:?}");
    assert_secret_free(&e, &[]);
    control(Method::Delete, "/__fake/faults", None).await;
    sleep(2000).await; // the slow request is over, and a retry would have been logged
    assert_eq!(posts_to("/order/").await, 2, "one POST per call");
}

#[wasm_bindgen_test]
async fn expired_token_mid_session_logs_in_once_more() {
    reset().await;
    let c = client_with(10_000);
    c.create_order(&order("avant"), None).await.expect("first");
    control(Method::Post, "/__fake/ped/expire-tokens", Some(json!({}))).await;
    c.create_order(&order("après"), None)
        .await
        .expect("after expiry");
    let counts = control(Method::Get, "/__fake/ped/requests", None).await;
    assert_eq!(counts["POST /account/auth"], 2);
    assert_eq!(counts["POST /order/"], 3, "the refused call replayed once");
    let stored = control(Method::Get, "/__fake/ped/orders", None).await;
    assert_eq!(stored["orders"].as_array().map(Vec::len), Some(2));
}

#[wasm_bindgen_test]
async fn test_webhook_delivery_parses_with_its_pdf() {
    reset().await;
    let c = client_with(10_000);
    let t = c.create_order(&order("wasm-6"), None).await.expect("order");
    c.send_test_webhook(&t.orderid, &OrderState::Done, None)
        .await
        .expect("test webhook");
    let deliveries = control(Method::Get, "/__fake/ped/webhooks", None).await;
    let body = deliveries
        .as_array()
        .and_then(|d| d.iter().rev().find(|x| x["event"] == "done"))
        .map(|d| d["body"].to_string())
        .expect("a done delivery was logged");
    let ev = parse_webhook(body.as_bytes()).expect("valid notification");
    assert_eq!(ev.status, OrderState::Done);
    assert_eq!(ev.orderid, t.orderid);
    assert_eq!(ev.external_id.as_deref(), Some("wasm-6"));
    assert!(ev.pdf.as_deref().is_some_and(|p| p.starts_with(b"%PDF")));
    assert!(ev.documents.as_ref().is_some_and(|d| !d.is_empty()));
    let e = parse_webhook(b"<html>502</html>").expect_err("garbage");
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}
