//! The PRE-ETAT.DATE fake over real HTTP: every line of docs/pre-etat-date.md plus the `/__fake/ped`
//! controls. Each test serves `ped::router()` on 127.0.0.1:0 and, for webhooks, runs a small
//! callback listener of its own.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use passerelle_fakes::ped::{http_date, router, Lang, PedState};
use serde_json::{json, Value};

const KEY: &str = "ped-test-key";
const EMAIL: &str = "notaire@example.fr";
const PASSWORD: &str = "Secret-Été-2025";
const OTHER_KEY: &str = "ped-other-key";
const OTHER_EMAIL: &str = "autre@example.fr";
const OTHER_PASSWORD: &str = "autre-pw";

struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    fn message(&self) -> Value {
        self.json()["message"].clone()
    }
    /// Asserts an error envelope: status, exact message, `payload: null`, `success: false`.
    fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.json(),
            json!({"message": message, "payload": null, "success": false})
        );
        assert_eq!(
            self.headers
                .get("content-type")
                .map(|v| v.to_str().unwrap_or("")),
            Some("application/json")
        );
    }
}

struct Fake {
    base: String,
    state: PedState,
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn start() -> Fake {
    let state = PedState::new(Lang::Fr);
    let base = serve(router(state.clone())).await;
    Fake { base, state }
}

async fn send(method: Method, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let res = client.request(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

impl Fake {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        send(Method::GET, &self.url(path), headers, b"").await
    }
    async fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut h = vec![("content-type", "application/json")];
        h.extend_from_slice(headers);
        send(Method::POST, &self.url(path), &h, body).await
    }
    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        self.post_raw(path, headers, body.to_string().as_bytes())
            .await
    }
    async fn control(&self, path: &str, body: &Value) -> Value {
        let r = self.post(&format!("/__fake/ped/{path}"), &[], body).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        r.json()
    }
    async fn token_for(&self, key: &str, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/account/auth",
                &[("x-auth-key", key)],
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["payload"]["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn token(&self) -> String {
        self.token_for(KEY, EMAIL, PASSWORD).await
    }
    /// POST with `X-Auth-Key: ped-test-key` and the bearer token.
    async fn call(&self, token: &str, path: &str, body: &Value) -> Reply {
        let bearer = format!("Bearer {token}");
        self.post(
            path,
            &[("x-auth-key", KEY), ("authorization", &bearer)],
            body,
        )
        .await
    }
    async fn create(&self, token: &str, body: &Value) -> Value {
        let r = self.call(token, "/order/", body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()["payload"].clone()
    }
    async fn orders(&self) -> Value {
        let r = self.get("/__fake/ped/orders", &[]).await;
        assert_eq!(r.status, 200);
        r.json()
    }
    async fn webhooks(&self) -> Vec<Value> {
        let r = self.get("/__fake/ped/webhooks", &[]).await;
        r.json().as_array().cloned().unwrap_or_default()
    }
}

fn order_body() -> Value {
    json!({
        "address": "4 BIS RUE DE LA FERME",
        "additional": "",
        "city": "CALUIRE ET CUIRE",
        "zipcode": "69300",
        "owners": [{"firstname": "Jean", "lastname": "Dupont"}],
        "invoice": {"address": "64, avenue Kleber", "city": "PARIS", "zipcode": "75116", "lastname": "PLAISIR NOTAIRES"},
        "method": "extranet",
        "syndic": {"name": "Syndic Name", "username": "syndic_user", "password": "syndic-Pass-42", "url": "https://extranet.example.com"},
        "documents": [],
        "lots": "12, 13",
        "comment": "urgent",
        "all_due_paid": false,
        "external_id": "1221",
        "test_mode": true,
        "something_new": {"ignored": true}
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    if let Some(m) = body.as_object_mut() {
        m.remove(key);
    }
    body
}

/// A callback endpoint recording what it receives; replies with `status`.
struct Hook {
    url: String,
    got: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    status: Arc<Mutex<u16>>,
}

impl Hook {
    async fn start() -> Hook {
        let got: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
        let status = Arc::new(Mutex::new(200u16));
        let (g, s) = (got.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    g.lock().unwrap().push((headers, v));
                    let code = *s.lock().unwrap();
                    StatusCode::from_u16(code).unwrap_or(StatusCode::OK)
                }
            }),
        );
        let base = serve(app).await;
        Hook {
            url: format!("{base}/hook"),
            got,
            status,
        }
    }
    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }
}

async fn fake_with_hook() -> (Fake, Hook) {
    let fake = start().await;
    let hook = Hook::start().await;
    fake.control("callback", &json!({"email": EMAIL, "url": hook.url}))
        .await;
    (fake, hook)
}

fn jwt_claims(token: &str) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "three-part JWT");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    assert_eq!(
        URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(),
        32,
        "HMAC-SHA256 signature"
    );
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// True if `s` is the HTTP-date of an instant within the last `window` seconds (or +2 s).
fn is_recent_http_date(s: &str, window: u64) -> bool {
    let n = now();
    (n.saturating_sub(window)..=n + 2).any(|t| http_date(t) == s)
}

// ---------------------------------------------------------------- transport and envelope

#[tokio::test]
async fn health_at_root_and_under_api_with_flask_layout() {
    let fake = start().await;
    for path in ["/health", "/api/health"] {
        let r = fake.get(path, &[("x-auth-key", KEY)]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "application/json");
        // Flask 1.0 jsonify: sorted keys, 2-space indent, ", " separators, final newline.
        assert_eq!(
            r.text,
            "{\n  \"message\": \"OK\", \n  \"payload\": null, \n  \"success\": true\n}\n"
        );
        fake.get(path, &[])
            .await
            .assert_error(400, "La clé API n'est pas valide");
        fake.get(path, &[("x-auth-key", "nope")])
            .await
            .assert_error(400, "La clé API n'est pas valide");
    }
}

#[tokio::test]
async fn order_payload_keys_are_sorted_in_the_raw_body() {
    let fake = start().await;
    let token = fake.token().await;
    let r = fake.call(&token, "/order/", &order_body()).await;
    assert_eq!(r.status, 200);
    let keys: Vec<&str> = r
        .text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('"'))
        .filter_map(|l| l.split('"').next())
        .collect();
    let expected = [
        "message",
        "payload",
        "account",
        "billing_mode",
        "created",
        "external_id",
        "orderid",
        "pending",
        "refreshed",
        "sso_provider",
        "state",
        "test_mode",
        "updated",
        "success",
    ];
    assert_eq!(keys, expected);
    assert!(
        r.text.ends_with("}, \n  \"success\": true\n}\n"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn malformed_json_is_a_500_with_python_detail_on_every_json_route() {
    let fake = start().await;
    let token = fake.token().await;
    let bearer = format!("Bearer {token}");
    let auth = [("x-auth-key", KEY), ("authorization", bearer.as_str())];
    let bad = br#"{"address": "x" "city": "y"}"#;
    let expected =
        "Failed to decode JSON object: Expecting ',' delimiter: line 1 column 17 (char 16)";
    for path in [
        "/order/",
        "/api/order/",
        "/order/needrefresh",
        "/order/test/webhook-events",
    ] {
        fake.post_raw(path, &auth, bad)
            .await
            .assert_error(500, expected);
    }
    fake.post_raw("/order/ABC123/refresh", &auth, b"{\"method\": }")
        .await
        .assert_error(
            500,
            "Failed to decode JSON object: Expecting value: line 1 column 12 (char 11)",
        );
    fake.post_raw("/account/auth", &[("x-auth-key", KEY)], b"")
        .await
        .assert_error(
            500,
            "Failed to decode JSON object: Expecting value: line 1 column 1 (char 0)",
        );
    fake.control("lang", &json!({"lang": "en"})).await;
    fake.post_raw("/order/", &auth, bad)
        .await
        .assert_error(500, "Failed to decode JSON object");
}

// ---------------------------------------------------------------- API key and auth

#[tokio::test]
async fn auth_checks_key_fields_and_credentials() {
    let fake = start().await;
    let creds = json!({"email": EMAIL, "password": PASSWORD});
    for path in ["/account/auth", "/api/account/auth"] {
        fake.post(path, &[], &creds)
            .await
            .assert_error(400, "La clé API n'est pas valide");
        fake.post(path, &[("x-auth-key", "wrong")], &creds)
            .await
            .assert_error(400, "La clé API n'est pas valide");
        fake.post(path, &[("x-auth-key", KEY)], &json!({"password": PASSWORD}))
            .await
            .assert_error(400, "Champ manquant : email");
        fake.post(path, &[("x-auth-key", KEY)], &json!({"email": EMAIL}))
            .await
            .assert_error(400, "Champ manquant : password");
        fake.post(
            path,
            &[("x-auth-key", KEY)],
            &json!({"email": EMAIL, "password": "Secret-Ete-2025"}),
        )
        .await
        .assert_error(401, "Informations de connexion invalides.");
        // Another account's valid credentials with this key are not accepted either.
        fake.post(
            path,
            &[("x-auth-key", KEY)],
            &json!({"email": OTHER_EMAIL, "password": OTHER_PASSWORD}),
        )
        .await
        .assert_error(401, "Informations de connexion invalides.");
        let ok = fake.post(path, &[("x-auth-key", KEY)], &creds).await;
        assert_eq!(ok.status, 200);
        let body = ok.json();
        assert_eq!(body["message"], "Connexion russie");
        assert_eq!(body["success"], true);
        let claims = jwt_claims(body["payload"]["access_token"].as_str().unwrap());
        assert_eq!(claims["sub"], EMAIL);
        let iat = claims["iat"].as_u64().unwrap();
        assert!(iat.abs_diff(now()) <= 2);
        assert_eq!(claims["exp"].as_u64().unwrap() - iat, 3600);
    }
    // No secret is ever echoed back.
    let r = fake
        .post(
            "/account/auth",
            &[("x-auth-key", KEY)],
            &json!({"email": EMAIL, "password": "pw-Leak-123"}),
        )
        .await;
    assert!(!r.text.contains("pw-Leak-123") && !r.text.contains(KEY));
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let fake = start().await;
    fake.state.set_token_ttl(120);
    let claims = jwt_claims(&fake.token().await);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
    let cfg = fake.control("config", &json!({"token_ttl_secs": 0})).await;
    assert_eq!(cfg["token_ttl_secs"], 0);
    let token = fake.token().await;
    fake.call(&token, "/order/", &order_body())
        .await
        .assert_error(401, "Token invalide ou expiré");
    // Reset restores the configured lifetime (120), not the default.
    fake.control("reset", &json!({})).await;
    let claims = jwt_claims(&fake.token().await);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        120
    );
}

#[tokio::test]
async fn protected_routes_need_key_and_valid_bearer() {
    let fake = start().await;
    let token = fake.token().await;
    let other = fake.token_for(OTHER_KEY, OTHER_EMAIL, OTHER_PASSWORD).await;
    let body = order_body();
    let protected = [
        "/order/",
        "/api/order/",
        "/order/ABC123/refresh",
        "/api/order/ABC123/refresh",
        "/order/needrefresh",
        "/api/order/needrefresh",
        "/order/test/webhook-events",
        "/api/order/test/webhook-events",
    ];
    for path in protected {
        let bearer = format!("Bearer {token}");
        fake.post(path, &[("authorization", &bearer)], &body)
            .await
            .assert_error(400, "La clé API n'est pas valide");
        fake.post(path, &[("x-auth-key", KEY)], &body)
            .await
            .assert_error(401, "Token invalide ou expiré");
        fake.post(
            path,
            &[("x-auth-key", KEY), ("authorization", "Bearer abc.def.ghi")],
            &body,
        )
        .await
        .assert_error(401, "Token invalide ou expiré");
        fake.post(
            path,
            &[("x-auth-key", KEY), ("authorization", &token)],
            &body,
        )
        .await
        .assert_error(401, "Token invalide ou expiré");
        // A token of one account with the other account's key.
        let other_bearer = format!("Bearer {other}");
        fake.post(
            path,
            &[("x-auth-key", KEY), ("authorization", &other_bearer)],
            &body,
        )
        .await
        .assert_error(401, "Token invalide ou expiré");
    }
    assert!(fake.orders().await["orders"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn expire_tokens_forces_reauthentication() {
    let fake = start().await;
    let token = fake.token().await;
    fake.create(&token, &order_body()).await;
    fake.control("expire-tokens", &json!({})).await;
    fake.call(&token, "/order/", &order_body())
        .await
        .assert_error(401, "Token invalide ou expiré");
    let fresh = fake.token().await;
    assert_ne!(fresh, token);
    fake.create(&fresh, &order_body()).await;
    assert_eq!(fake.orders().await["orders"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------- create order

#[tokio::test]
async fn create_order_validation_messages() {
    let fake = start().await;
    let token = fake.token().await;
    fake.control(
        "reject-syndic",
        &json!({"username": "refuse", "password": "mauvais"}),
    )
    .await;
    let syndic_msg = "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'";
    let cases: Vec<(Value, &str)> = vec![
        (without(order_body(), "method"), "Méthode invalide"),
        (
            with(order_body(), "method", json!("fax")),
            "Méthode invalide",
        ),
        (with(order_body(), "method", json!(3)), "Méthode invalide"),
        (without(order_body(), "address"), "Champ manquant : address"),
        (without(order_body(), "city"), "Champ manquant : city"),
        (
            with(order_body(), "zipcode", Value::Null),
            "Champ manquant : zipcode",
        ),
        (without(order_body(), "owners"), "Champ manquant : owners"),
        (
            with(order_body(), "owners", json!([])),
            "Champ manquant : owners",
        ),
        (without(order_body(), "invoice"), "Champ manquant : invoice"),
        (
            with(order_body(), "zipcode", json!(69300)),
            "Champ invalide : zipcode",
        ),
        (
            with(order_body(), "test_mode", json!("yes")),
            "Champ invalide : test_mode",
        ),
        (without(order_body(), "syndic"), syndic_msg),
        (with(order_body(), "syndic", json!("x")), syndic_msg),
        (
            with(
                order_body(),
                "syndic",
                json!({"name": "S", "username": "u", "password": ""}),
            ),
            syndic_msg,
        ),
        (
            with(
                order_body(),
                "syndic",
                json!({"name": "S", "username": "u"}),
            ),
            syndic_msg,
        ),
        (
            with(
                order_body(),
                "syndic",
                json!({"name": "S", "username": "refuse", "password": "mauvais"}),
            ),
            syndic_msg,
        ),
        (
            with(order_body(), "method", json!("upload")),
            "Documents manquants pour la méthode 'upload'",
        ),
        (json!([1, 2]), "Méthode invalide"),
    ];
    for (body, msg) in cases {
        let r = fake.call(&token, "/order/", &body).await;
        r.assert_error(400, msg);
        assert!(!r.text.contains("syndic-Pass-42") && !r.text.contains("mauvais"));
    }
    assert!(fake.orders().await["orders"].as_array().unwrap().is_empty());
    // The valid variants of the same bodies pass.
    fake.create(&token, &with(order_body(), "method", json!("email")))
        .await;
    let upload = with(
        with(order_body(), "method", json!("upload")),
        "documents",
        json!([{"doctype": 1, "content": "JVBERi0xLjQK"}]),
    );
    fake.create(&token, &upload).await;
    let other_pair = with(
        order_body(),
        "syndic",
        json!({"name": "S", "username": "refuse", "password": "autre"}),
    );
    fake.create(&token, &other_pair).await;
    assert_eq!(fake.orders().await["orders"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn create_order_success_payload_fr() {
    let fake = start().await;
    let token = fake.token().await;
    let r = fake.call(&token, "/order/", &order_body()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["message"], "Transaction creée avec succsée");
    assert_eq!(body["success"], true);
    let p = &body["payload"];
    assert_eq!(p.as_object().unwrap().len(), 11);
    assert_eq!(p["account"], EMAIL);
    assert!(p["billing_mode"].is_null() && p.get("billing_mode").is_some());
    assert!(p["sso_provider"].is_null() && p.get("sso_provider").is_some());
    assert_eq!(p["external_id"], "1221");
    assert_eq!(p["pending"], true);
    assert_eq!(p["refreshed"], false);
    assert_eq!(p["state"], "confirmed");
    assert_eq!(p["test_mode"], true);
    assert_eq!(p["created"], p["updated"]);
    assert!(
        is_recent_http_date(p["created"].as_str().unwrap(), 5),
        "{}",
        p["created"]
    );
    let id = p["orderid"].as_str().unwrap();
    assert_eq!(id.len(), 6);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));

    // Defaults: no external_id → null; no test_mode → false. Ids are unique.
    let p2 = fake
        .create(
            &token,
            &without(without(order_body(), "external_id"), "test_mode"),
        )
        .await;
    assert!(p2["external_id"].is_null());
    assert_eq!(p2["test_mode"], false);
    let mut ids = std::collections::BTreeSet::new();
    ids.insert(id.to_string());
    ids.insert(p2["orderid"].as_str().unwrap().to_string());
    for _ in 0..20 {
        let p = fake.create(&token, &order_body()).await;
        ids.insert(p["orderid"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 22);

    // Everything the client sent is stored (optional fields, unknown ones too).
    let orders = fake.orders().await;
    let stored = &orders["orders"][0];
    assert_eq!(stored["orderid"], id);
    assert_eq!(stored["method"], "extranet");
    assert_eq!(
        stored["request"]["syndic"]["url"],
        "https://extranet.example.com"
    );
    assert_eq!(stored["request"]["lots"], "12, 13");
    assert_eq!(stored["request"]["comment"], "urgent");
    assert_eq!(stored["request"]["all_due_paid"], false);
    assert_eq!(stored["request"]["documents"], json!([]));
}

#[tokio::test]
async fn create_order_en_mode_and_api_prefix() {
    let fake = start().await;
    let token = fake.token().await;
    let lang = fake.control("lang", &json!({"lang": "en"})).await;
    assert_eq!(lang["lang"], "en");
    let bearer = format!("Bearer {token}");
    let r = fake
        .post(
            "/api/order/",
            &[("x-auth-key", KEY), ("authorization", &bearer)],
            &order_body(),
        )
        .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["message"], "Transaction created");
    let p = body["payload"].as_object().unwrap();
    assert!(!p.contains_key("billing_mode") && !p.contains_key("sso_provider"));
    assert_eq!(p.len(), 9);
    fake.call(&token, "/order/", &without(order_body(), "syndic"))
        .await
        .assert_error(
            400,
            "Missing or invalid syndic information for method 'extranet'",
        );
    fake.post("/account/auth", &[("x-auth-key", "x")], &json!({}))
        .await
        .assert_error(400, "Invalid API key");
    fake.post(
        "/account/auth",
        &[("x-auth-key", KEY)],
        &json!({"email": EMAIL, "password": "x"}),
    )
    .await
    .assert_error(401, "Invalid credentials");
    let ok = fake
        .post(
            "/account/auth",
            &[("x-auth-key", KEY)],
            &json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.message(), "Authenticated");
    fake.call("x.y.z", "/order/", &order_body())
        .await
        .assert_error(401, "Invalid or expired token");
}

#[tokio::test]
async fn order_without_trailing_slash_is_redirected_not_created() {
    let fake = start().await;
    let token = fake.token().await;
    let r = fake.call(&token, "/order", &order_body()).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.headers["location"], "/order/");
    let r = fake.call(&token, "/api/order", &order_body()).await;
    assert_eq!(r.headers["location"], "/api/order/");
    let orders = fake.orders().await;
    assert!(orders["orders"].as_array().unwrap().is_empty());
    assert!(orders["request_counts"].get("POST /order/").is_none());
    assert_eq!(orders["request_counts"]["POST /order"], 2);
}

#[tokio::test]
async fn request_counts_prove_single_sends() {
    let fake = start().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    let _ = fake.get("/api/health", &[("x-auth-key", KEY)]).await;
    let _ = fake.get("/health", &[]).await;
    let _ = fake
        .call(
            &token,
            &format!("/order/{id}/refresh"),
            &json!({"method": "extranet"}),
        )
        .await;
    let orders = fake.orders().await;
    assert_eq!(
        orders["request_counts"],
        json!({
            "GET /health": 2,
            "POST /account/auth": 1,
            "POST /order/": 1,
            "POST /order/{orderid}/refresh": 1,
        })
    );
    assert_eq!(orders["orders"][0]["refresh_count"], 1);
    assert_eq!(fake.state.request_count("POST /order/"), 1);
    let counts = fake.get("/__fake/ped/requests", &[]).await.json();
    assert_eq!(counts["POST /order/"], 1);
    // A failed attempt still counts: the route was hit.
    let _ = fake.call("bad", "/order/", &order_body()).await;
    assert_eq!(fake.state.request_count("POST /order/"), 2);
}

// ---------------------------------------------------------------- refresh

#[tokio::test]
async fn refresh_route_moves_to_need_refresh_and_sends_webhook() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let created = fake.create(&token, &order_body()).await;
    let id = created["orderid"].as_str().unwrap();
    let path = format!("/order/{id}/refresh");
    fake.call(&token, &path, &json!({"comment": ""}))
        .await
        .assert_error(400, "Méthode invalide");
    fake.call(&token, &path, &json!({"method": "email"}))
        .await
        .assert_error(400, "Méthode invalide");
    fake.call(
        &token,
        &path,
        &json!({"method": "extranet", "all_due_paid": "oui"}),
    )
    .await
    .assert_error(400, "Champ invalide : all_due_paid");
    fake.call(
        &token,
        &path,
        &json!({"method": "extranet", "syndic": {"name": "S"}}),
    )
    .await
    .assert_error(
        400,
        "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'",
    );
    fake.call(
        &token,
        "/order/ZZZZZZ/refresh",
        &json!({"method": "extranet"}),
    )
    .await
    .assert_error(404, "Transaction introuvable");
    assert!(hook.bodies().is_empty());

    // The syndic stored at creation is enough.
    let r = fake
        .call(
            &token,
            &format!("/api{path}"),
            &json!({"method": "extranet", "all_due_paid": true, "comment": "maj"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert!(body["message"].is_null() && body.get("message").is_some());
    assert_eq!(body["success"], true);
    let p = &body["payload"];
    assert_eq!(p["state"], "need-refresh");
    assert_eq!(p["refreshed"], true);
    assert_eq!(p["orderid"], id);
    assert_eq!(p["created"], created["created"]);
    assert_ne!(p["updated"], created["updated"], "updated advances");
    assert!(p.get("billing_mode").is_some());
    assert_eq!(
        hook.bodies(),
        vec![json!({"status": "need-refresh", "orderid": id, "external_id": "1221"})]
    );
    let stored = &fake.orders().await["orders"][0];
    assert_eq!(stored["state"], "need-refresh");
    assert_eq!(stored["refresh_requests"][0]["comment"], "maj");
}

#[tokio::test]
async fn refresh_needs_a_syndic_when_none_stored_and_hides_other_accounts_orders() {
    let fake = start().await;
    let token = fake.token().await;
    let other = fake.token_for(OTHER_KEY, OTHER_EMAIL, OTHER_PASSWORD).await;
    let email_order = with(without(order_body(), "syndic"), "method", json!("email"));
    let id = fake.create(&token, &email_order).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/order/{id}/refresh");
    fake.call(&token, &path, &json!({"method": "extranet"}))
        .await
        .assert_error(
            400,
            "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'",
        );
    let syndic = json!({"name": "S", "username": "u2", "password": "p2"});
    let ok = fake
        .call(
            &token,
            &path,
            &json!({"method": "extranet", "syndic": syndic}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // The other account cannot see it.
    let bearer = format!("Bearer {other}");
    fake.post(
        &path,
        &[("x-auth-key", OTHER_KEY), ("authorization", &bearer)],
        &json!({"method": "extranet", "syndic": syndic}),
    )
    .await
    .assert_error(404, "Transaction introuvable");
    // A pair rejected later makes a syndic-less refresh fail again.
    fake.control(
        "reject-syndic",
        &json!({"username": "u2", "password": "p2"}),
    )
    .await;
    fake.call(&token, &path, &json!({"method": "extranet"}))
        .await
        .assert_error(
            400,
            "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'",
        );
}

#[tokio::test]
async fn deprecated_needrefresh_route() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    fake.call(&token, "/order/needrefresh", &json!({"account": EMAIL}))
        .await
        .assert_error(400, "Champ manquant : orderid");
    fake.call(&token, "/order/needrefresh", &json!({"orderid": id}))
        .await
        .assert_error(400, "Champ manquant : account");
    fake.call(
        &token,
        "/order/needrefresh",
        &json!({"orderid": id, "account": OTHER_EMAIL}),
    )
    .await
    .assert_error(404, "Transaction introuvable");
    fake.call(
        &token,
        "/order/needrefresh",
        &json!({"orderid": "NOPE00", "account": EMAIL}),
    )
    .await
    .assert_error(404, "Transaction introuvable");
    fake.call(
        &token,
        "/order/needrefresh",
        &json!({"orderid": id, "account": EMAIL, "method": "upload"}),
    )
    .await
    .assert_error(400, "Méthode invalide");
    // `method` may be omitted on this route.
    let r = fake
        .call(
            &token,
            "/api/order/needrefresh",
            &json!({"orderid": id, "account": EMAIL}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["message"].is_null());
    assert_eq!(r.json()["payload"]["state"], "need-refresh");
    assert_eq!(r.json()["payload"]["refreshed"], true);
    assert_eq!(hook.bodies().len(), 1);
    assert_eq!(hook.bodies()[0]["status"], "need-refresh");
    assert_eq!(fake.state.request_count("POST /order/needrefresh"), 6);
}

// ---------------------------------------------------------------- webhooks

#[tokio::test]
async fn advance_sends_state_webhooks_and_done_carries_pdf_and_documents() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    for s in ["received", "waiting", "received"] {
        let r = fake
            .control("advance", &json!({"orderid": id, "state": s}))
            .await;
        assert_eq!(r["order"]["state"], s);
        assert_eq!(r["deliveries"][0]["reply_status"], 200);
    }
    let r = fake
        .control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    assert_eq!(r["order"]["pending"], false);
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 4);
    assert_eq!(
        bodies[0],
        json!({"status": "received", "orderid": id, "external_id": "1221"})
    );
    assert_eq!(
        bodies[1],
        json!({"status": "waiting", "orderid": id, "external_id": "1221"})
    );
    let done = &bodies[3];
    assert_eq!(done["status"], "done");
    assert_eq!(done["orderid"], id.as_str());
    assert_eq!(done["external_id"], "1221");
    let pdf = STANDARD.decode(done["content"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-1."));
    assert!(pdf.ends_with(b"%%EOF\n"));
    assert!(!done["registration_id"].as_str().unwrap().is_empty());
    let docs = done["documents"].as_array().unwrap();
    assert!(!docs.is_empty());
    for d in docs {
        let t = d["doctype"].as_u64().unwrap();
        assert!((1..=10).contains(&t));
        assert!(d["id"].is_u64());
        let delivered = d["delivered"].as_str().unwrap();
        assert_eq!(delivered.len(), 10);
        assert!(delivered
            .chars()
            .enumerate()
            .all(|(i, c)| if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }));
        assert_eq!(d["mimetype"], "application/pdf");
        assert_eq!(d["comment"], "");
        assert!(d["url"].as_str().unwrap().starts_with("https://"));
    }
    // Posted as JSON.
    let content_type = hook.got.lock().unwrap()[3].0["content-type"].clone();
    assert_eq!(content_type, "application/json");
    // Never a secret in a notification.
    let all = serde_json::to_string(&bodies).unwrap();
    assert!(!all.contains("syndic-Pass-42") && !all.contains(PASSWORD) && !all.contains(KEY));
    // Unknown order / state.
    let bad = fake
        .post(
            "/__fake/ped/advance",
            &[],
            &json!({"orderid": "NOPE00", "state": "done"}),
        )
        .await;
    assert_eq!(bad.status, 404);
    let bad = fake
        .post(
            "/__fake/ped/advance",
            &[],
            &json!({"orderid": id, "state": "cancelled"}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn contract_flags_control_registration_id_and_documents() {
    let fake = start().await;
    let hook = Hook::start().await;
    fake.control("callback", &json!({"email": OTHER_EMAIL, "url": hook.url}))
        .await;
    let token = fake.token_for(OTHER_KEY, OTHER_EMAIL, OTHER_PASSWORD).await;
    let bearer = format!("Bearer {token}");
    let r = fake
        .post(
            "/order/",
            &[("x-auth-key", OTHER_KEY), ("authorization", &bearer)],
            &without(order_body(), "external_id"),
        )
        .await;
    let id = r.json()["payload"]["orderid"].as_str().unwrap().to_string();
    fake.control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    let done = hook.bodies()[0].clone();
    assert!(done["external_id"].is_null() && done.get("external_id").is_some());
    assert!(done.get("content").is_some());
    assert!(done.get("registration_id").is_none() && done.get("documents").is_none());
    let flags = fake
        .control(
            "contract",
            &json!({"email": OTHER_EMAIL, "registration_id": true, "documents": true}),
        )
        .await;
    assert_eq!(
        flags,
        json!({"email": OTHER_EMAIL, "registration_id": true, "documents": true})
    );
    fake.control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    let done = hook.bodies()[1].clone();
    assert!(done.get("registration_id").is_some() && done.get("documents").is_some());
}

#[tokio::test]
async fn webhook_log_redelivery_failures_and_retries() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    fake.control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    // Duplicates on demand, byte-for-byte the same notification.
    let again = fake
        .control("redeliver", &json!({"orderid": id, "times": 2}))
        .await;
    assert_eq!(again.as_array().unwrap().len(), 2);
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
    let log = fake.webhooks().await;
    assert_eq!(log.len(), 3);
    assert_eq!(log[0]["url"], hook.url.as_str());
    assert_eq!(log[0]["reply_status"], 200);
    assert_eq!(log[0]["body"], bodies[0]);
    assert_eq!(log[1]["redelivery_of"], 1);
    // A non-2xx reply is recorded; with retries configured, attempts repeat.
    *hook.status.lock().unwrap() = 503;
    fake.control("advance", &json!({"orderid": id, "state": "received"}))
        .await;
    let log = fake.webhooks().await;
    assert_eq!(log.len(), 4);
    assert_eq!(log[3]["reply_status"], 503);
    fake.control("config", &json!({"webhook_retries": 2})).await;
    fake.control("advance", &json!({"orderid": id, "state": "waiting"}))
        .await;
    let log = fake.webhooks().await;
    assert_eq!(log.len(), 7);
    assert_eq!(log[6]["attempt"], 3);
    *hook.status.lock().unwrap() = 200;
    fake.control("redeliver", &json!({"seq": 7})).await;
    assert_eq!(fake.webhooks().await[7]["reply_status"], 200);
    // Unreachable callback: recorded with an error, the API call still succeeds.
    fake.control("config", &json!({"webhook_retries": 0})).await;
    fake.control(
        "callback",
        &json!({"email": EMAIL, "url": "http://127.0.0.1:9/hook"}),
    )
    .await;
    let r = fake
        .control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    assert!(r["deliveries"][0]["reply_status"].is_null());
    assert!(r["deliveries"][0]["error"].is_string());
    // No callback at all.
    fake.control("callback", &json!({"email": EMAIL, "url": null}))
        .await;
    let r = fake
        .control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    assert!(r["deliveries"][0]["url"].is_null());
    let missing = fake
        .post("/__fake/ped/redeliver", &[], &json!({"seq": 999}))
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn webhook_simulator() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    let live = fake
        .create(&token, &with(order_body(), "test_mode", json!(false)))
        .await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = "/order/test/webhook-events";
    fake.call(&token, path, &json!({"orderid": id, "event": "cancelled"}))
        .await
        .assert_error(400, "Événement invalide");
    fake.call(&token, path, &json!({"orderid": id}))
        .await
        .assert_error(400, "Événement invalide");
    fake.call(&token, path, &json!({"event": "done"}))
        .await
        .assert_error(400, "Champ manquant : orderid");
    fake.call(&token, path, &json!({"orderid": "NOPE00", "event": "done"}))
        .await
        .assert_error(404, "Transaction introuvable");
    fake.call(&token, path, &json!({"orderid": live, "event": "done"}))
        .await
        .assert_error(400, "Transaction hors mode test");
    assert!(hook.bodies().is_empty());
    for (i, event) in ["confirmed", "received", "waiting", "need-refresh", "done"]
        .iter()
        .enumerate()
    {
        let r = fake
            .call(
                &token,
                &format!("/api{path}"),
                &json!({"orderid": id, "event": event}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json(),
            json!({"message": "Événement envoyé", "payload": null, "success": true})
        );
        let bodies = hook.bodies();
        assert_eq!(bodies.len(), i + 1);
        assert_eq!(bodies[i]["status"], *event);
        let stored = fake.orders().await["orders"][0].clone();
        assert_eq!(stored["state"], *event);
    }
    assert!(hook.bodies()[4].get("content").is_some());
    assert_eq!(fake.orders().await["orders"][0]["pending"], false);
}

// ---------------------------------------------------------------- controls

#[tokio::test]
async fn reset_restores_the_seed() {
    let (fake, hook) = fake_with_hook().await;
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    fake.control("advance", &json!({"orderid": id, "state": "received"}))
        .await;
    fake.control("lang", &json!({"lang": "en"})).await;
    fake.control(
        "reject-syndic",
        &json!({"username": "syndic_user", "password": "syndic-Pass-42"}),
    )
    .await;
    fake.state.reset();
    let orders = fake.orders().await;
    assert_eq!(orders, json!({"orders": [], "request_counts": {}}));
    assert!(fake.webhooks().await.is_empty());
    assert_eq!(fake.state.lang(), Lang::Fr);
    fake.call(&token, "/order/", &order_body())
        .await
        .assert_error(401, "Token invalide ou expiré");
    let token = fake.token().await;
    let id = fake.create(&token, &order_body()).await["orderid"]
        .as_str()
        .unwrap()
        .to_string();
    // The callback was cleared too: nothing more reaches the hook.
    let r = fake
        .control("advance", &json!({"orderid": id, "state": "done"}))
        .await;
    assert!(r["deliveries"][0]["url"].is_null());
    assert_eq!(hook.bodies().len(), 1);
}

#[tokio::test]
async fn controls_reject_bad_input() {
    let fake = start().await;
    for (path, body) in [
        ("lang", json!({"lang": "de"})),
        ("lang", json!({})),
        ("callback", json!({"url": "http://x"})),
        ("reject-syndic", json!({"username": "x"})),
        ("advance", json!({"state": "done"})),
    ] {
        let r = fake.post(&format!("/__fake/ped/{path}"), &[], &body).await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.json()["error"].is_string());
    }
    let r = fake
        .post(
            "/__fake/ped/callback",
            &[],
            &json!({"email": "x@y.z", "url": null}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = fake.post_raw("/__fake/ped/lang", &[], b"{oops").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn the_module_never_prints() {
    // Secrets cannot reach a log line if the fake prints nothing at all.
    let sources = [
        include_str!("../src/ped/mod.rs"),
        include_str!("../src/ped/routes.rs"),
        include_str!("../src/ped/controls.rs"),
        include_str!("../src/ped/webhooks.rs"),
        include_str!("../src/ped/state.rs"),
        include_str!("../src/ped/validate.rs"),
        include_str!("../src/ped/jwt.rs"),
        include_str!("../src/ped/flask.rs"),
        include_str!("../src/ped/pyjson.rs"),
        include_str!("../src/ped/messages.rs"),
        include_str!("../src/ped/clock.rs"),
    ];
    for src in sources {
        for mac in [
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "dbg!",
            "tracing::",
        ] {
            assert!(!src.contains(mac), "{mac} found");
        }
    }
}

#[tokio::test]
async fn deeply_nested_bodies_do_not_crash_the_server() {
    let fake = start().await;
    let token = fake.token().await;
    let bearer = format!("Bearer {token}");
    let auth = [("x-auth-key", KEY), ("authorization", bearer.as_str())];
    let deep = "[".repeat(200_000);
    let r = fake.post_raw("/order/", &auth, deep.as_bytes()).await;
    assert_eq!(r.status, 500);
    assert!(r
        .message()
        .as_str()
        .unwrap()
        .starts_with("Failed to decode JSON object: "));
    // Just under the limit: decoded, stored, listed.
    let nested = format!("{}{}", "[".repeat(90), "]".repeat(90));
    let mut body = order_body().to_string();
    body.insert_str(1, &format!("\"extra\": {nested}, "));
    let r = fake.post_raw("/order/", &auth, body.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(fake.orders().await["orders"].as_array().unwrap().len(), 1);
    let r = fake.get("/health", &[("x-auth-key", KEY)]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn accounts_can_be_registered() {
    let fake = start().await;
    let creds = json!({"email": "neuf@example.fr", "password": "neuf-Pw:1"});
    fake.post("/account/auth", &[("x-auth-key", "neuf-key")], &creds)
        .await
        .assert_error(400, "La clé API n'est pas valide");
    fake.control(
        "accounts",
        &json!({"email": "neuf@example.fr", "password": "neuf-Pw:1", "api_key": "neuf-key"}),
    )
    .await;
    let token = fake
        .token_for("neuf-key", "neuf@example.fr", "neuf-Pw:1")
        .await;
    assert_eq!(jwt_claims(&token)["sub"], "neuf@example.fr");
    let clash = fake
        .post(
            "/__fake/ped/accounts",
            &[],
            &json!({"email": "x@example.fr", "password": "p", "api_key": KEY}),
        )
        .await;
    assert_eq!(clash.status, 409);
    fake.control("reset", &json!({})).await;
    fake.post("/account/auth", &[("x-auth-key", "neuf-key")], &creds)
        .await
        .assert_error(400, "La clé API n'est pas valide");
}
