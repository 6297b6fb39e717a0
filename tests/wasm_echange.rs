//! Échange client compiled to wasm32, run by wasm-bindgen-test in Node and in headless Chromium
//! against the fake server whose URL `scripts/test` passes at compile time
//! (`PASSERELLE_FAKE_URL`).
#![cfg(all(target_arch = "wasm32", feature = "echange"))]

use passerelle::echange::client::{EchangeClient, EchangeConfig, Otp};
use passerelle::echange::{Credentials, DirEntry, EntryType, Token};
use passerelle::http::fetch::FetchIo;
use passerelle::http::{Engine, Io, Method, Request};
use passerelle::{ErrorCode, Result};
use wasm_bindgen_test::*;
use web_sys::AbortSignal;

const PASSWORD: &str = "motdepasse-Été:2025";

fn fake() -> String {
    match option_env!("PASSERELLE_FAKE_URL") {
        Some(url) => url.to_string(),
        None => panic!("PASSERELLE_FAKE_URL must be set at compile time (scripts/test does it)"),
    }
}

async fn control(path: &str, body: &str) -> String {
    let req = Request::new("fake", Method::Post, format!("{}{path}", fake())).json(body.into());
    let (head, bytes) = Engine::with_retries(0)
        .send(&plain_io(), &req)
        .await
        .expect("fake control request");
    assert!(head.is_success(), "{path} answered {}", head.status);
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn requests_to(path: &str) -> usize {
    let req = Request::new("fake", Method::Get, format!("{}/__fake/requests", fake()));
    let (_, bytes) = Engine::with_retries(0)
        .send(&plain_io(), &req)
        .await
        .expect("request log");
    let log: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("log is JSON");
    // Browsers send CORS preflights (OPTIONS) first; count the real requests only.
    log.iter()
        .filter(|r| r["path"] == path && r["method"] != "OPTIONS")
        .count()
}

fn plain_io() -> FetchIo {
    FetchIo::new(None, 10_000, 10_000, None)
}

/// The client and the per-call transport settings the JavaScript layer would use.
struct Client {
    inner: EchangeClient,
    timeout_ms: u32,
}

impl Client {
    fn io(&self, signal: Option<&AbortSignal>) -> FetchIo {
        FetchIo::new(None, self.timeout_ms, 30_000, signal.cloned())
    }
    async fn token(&self) -> Result<Token> {
        self.inner.token(&self.io(None)).await
    }
    async fn list_dir(
        &self,
        path: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<DirEntry>> {
        self.inner.list_dir(&self.io(signal), path).await
    }
}

fn client_with(password: &str, timeout_ms: u32, retries: u32) -> Client {
    let inner = EchangeClient::new(EchangeConfig {
        base_url: fake(),
        credentials: Credentials {
            username: "fournisseur".into(),
            password: password.into(),
        },
        otp: Otp::None,
        retries,
    })
    .expect("valid config");
    Client { inner, timeout_ms }
}

fn client() -> Client {
    client_with(PASSWORD, 10_000, 2)
}

#[wasm_bindgen_test]
async fn token_is_cached_and_listing_decodes_accented_folder() {
    control("/__fake/reset", "{}").await;
    let c = client();
    let t1 = c.token().await.expect("token");
    let t2 = c.token().await.expect("token again");
    assert_eq!(t1, t2);
    assert!(t1.expires_at.ends_with('Z'));
    let entries = c
        .list_dir(Some("Relevés/Déc 2025"), None)
        .await
        .expect("listing");
    assert!(!entries.is_empty());
    for e in &entries {
        assert!(e.path.starts_with("/Relevés/Déc 2025/"), "{}", e.path);
        assert_eq!(e.entry_type == EntryType::File, e.size.is_some(), "{e:?}");
    }
    assert_eq!(requests_to("/api/v2/user/token").await, 1);
}

#[wasm_bindgen_test]
async fn concurrent_callers_share_one_token_request() {
    control("/__fake/reset", "{}").await;
    let c = client();
    let (a, b, d) = futures_join3(
        c.list_dir(None, None),
        c.list_dir(Some("/Archives"), None),
        c.token(),
    )
    .await;
    a.expect("root");
    b.expect("archives");
    d.expect("token");
    assert_eq!(requests_to("/api/v2/user/token").await, 1);
}

async fn futures_join3<A, B, C>(
    a: impl std::future::Future<Output = A>,
    b: impl std::future::Future<Output = B>,
    c: impl std::future::Future<Output = C>,
) -> (A, B, C) {
    futures_util::future::join3(a, b, c).await
}

#[wasm_bindgen_test]
async fn missing_folder_keeps_the_server_text() {
    control("/__fake/reset", "{}").await;
    let e = client()
        .list_dir(Some("/nulle part"), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.server_message(), Some("Unable to get directory lister"));
    assert_eq!(e.server_error(), Some("file does not exist"));
}

#[wasm_bindgen_test]
async fn wrong_password_is_unauthorized_and_secret_free() {
    control("/__fake/reset", "{}").await;
    let e = client_with("pas-le-bon-Été", 10_000, 2)
        .list_dir(None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert_eq!(e.server_error(), Some("invalid credentials"));
    let all = format!("{e} {e:?}");
    assert!(!all.contains("pas-le-bon"), "{all}");
    // Not retried: exactly one token request.
    assert_eq!(requests_to("/api/v2/user/token").await, 1);
}

#[wasm_bindgen_test]
async fn listing_a_file_reports_the_dropped_connection() {
    control("/__fake/reset", "{}").await;
    let e = client_with(PASSWORD, 10_000, 0)
        .list_dir(Some("/lisez-moi.txt"), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Network);
    assert!(e.message().contains("not a folder"), "{}", e.message());
}

#[wasm_bindgen_test]
async fn expired_token_gets_one_fresh_token_and_one_replay() {
    control("/__fake/reset", "{}").await;
    let c = client();
    c.list_dir(None, None).await.expect("first listing");
    control("/__fake/echange/expire-tokens", "{}").await;
    c.list_dir(None, None).await.expect("listing after expiry");
    assert_eq!(requests_to("/api/v2/user/token").await, 2);
    control("/__fake/echange/ip-change", "{}").await;
    c.list_dir(None, None)
        .await
        .expect("listing after an IP change");
    assert_eq!(requests_to("/api/v2/user/token").await, 3);
}

#[wasm_bindgen_test]
async fn transient_errors_are_retried_with_retry_after() {
    control("/__fake/reset", "{}").await;
    let c = client();
    c.token().await.expect("token");
    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"status","status":503,"retry_after":1,"times":2}"#,
    )
    .await;
    c.list_dir(None, None)
        .await
        .expect("third attempt succeeds");
    assert_eq!(requests_to("/api/v2/user/dirs").await, 3);

    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"status","status":503,"times":5}"#,
    )
    .await;
    let e = client_with(PASSWORD, 10_000, 1)
        .list_dir(None, None)
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.status()), (ErrorCode::Server, Some(503)));
}

#[wasm_bindgen_test]
async fn timeouts_and_garbage_are_typed() {
    control("/__fake/reset", "{}").await;
    let c = client_with(PASSWORD, 300, 0);
    c.token().await.expect("token");
    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"slow","delay_ms":2000}"#,
    )
    .await;
    let e = c.list_dir(None, None).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e:?}");

    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"invalid_json"}"#,
    )
    .await;
    // `{"oops": [1, 2` is not a listing at all (an object, cut short): invalid_response.
    let e = c.list_dir(None, None).await.unwrap_err();
    assert_eq!(
        (e.code(), e.status()),
        (ErrorCode::InvalidResponse, Some(200))
    );
    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"html","status":502}"#,
    )
    .await;
    let e = c.list_dir(None, None).await.unwrap_err();
    assert_eq!(
        (e.code(), e.status(), e.server_message()),
        (ErrorCode::Server, Some(502), None)
    );
}

#[wasm_bindgen_test]
async fn abort_signal_cancels() {
    control("/__fake/reset", "{}").await;
    let c = client();
    c.token().await.expect("token");
    control(
        "/__fake/faults",
        r#"{"path":"/api/v2/user/dirs","kind":"slow","delay_ms":3000}"#,
    )
    .await;
    let ctl = web_sys::AbortController::new().unwrap();
    let signal = ctl.signal();
    let pending = c.list_dir(None, Some(&signal));
    let abort = async {
        plain_io().sleep(100).await.unwrap();
        ctl.abort();
    };
    let (r, ()) = futures_util::future::join(pending, abort).await;
    assert_eq!(r.unwrap_err().code(), ErrorCode::Aborted);
}
