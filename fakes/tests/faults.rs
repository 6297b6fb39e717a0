//! Every fault kind of `POST /__fake/faults`.

mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

const HEALTH: &str = "/healthz";

#[tokio::test]
async fn status_fault_json_default_custom_body_retry_after_and_times() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": HEALTH, "kind": "status", "status": 503, "retry_after": 2, "times": 2}),
    )
    .await;
    for _ in 0..2 {
        let r = get(s.addr, HEALTH, &[("Origin", "http://o.example")]).await;
        assert_eq!(r.status, 503);
        assert_eq!(r.text(), "{\"message\":\"Service Unavailable\"}\n");
        assert_eq!(r.header("retry-after"), Some("2"));
        assert_eq!(r.header("x-retry-in"), Some("2s"));
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("http://o.example"),
            "CORS on faults too"
        );
    }
    assert_eq!(
        get(s.addr, HEALTH, &[]).await.status,
        200,
        "times exhausted"
    );
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": HEALTH, "kind": "status", "status": 429, "body": "{\"x\":1}"}),
    )
    .await;
    let r = get(s.addr, HEALTH, &[]).await;
    assert_eq!((r.status, r.text().as_str()), (429, "{\"x\":1}"));
}

#[tokio::test]
async fn method_filter_and_clear() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "path": HEALTH, "kind": "status", "status": 500}),
    )
    .await;
    assert_eq!(
        get(s.addr, HEALTH, &[]).await.status,
        200,
        "GET not matched"
    );
    control(s.addr, "DELETE", "/__fake/faults", json!(null)).await;
    assert_eq!(
        req(s.addr, "POST", HEALTH, &[], b"").await.status,
        405,
        "fault cleared"
    );
}

#[tokio::test]
async fn slow_fault_delays_headers() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": HEALTH, "kind": "slow", "delay_ms": 600}),
    )
    .await;
    let t = Instant::now();
    let r = get(s.addr, HEALTH, &[]).await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn drop_fault_sends_nothing() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/v2/user/token", "kind": "drop"}),
    )
    .await;
    let got = raw(
        s.addr,
        &build(
            "GET",
            "/api/v2/user/token",
            &[("Authorization", &basic(USER, PASS))],
            b"",
        ),
    )
    .await;
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    assert_eq!(
        get(
            s.addr,
            "/api/v2/user/token",
            &[("Authorization", &basic(USER, PASS))]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn drop_mid_body_sends_headers_and_n_bytes() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let t = "/api/v2/user/files?path=/Volumineux/gros-8MiB.bin";
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/v2/user/files", "kind": "drop_mid_body", "after_bytes": 5000}),
    )
    .await;
    let got = raw(s.addr, &build("GET", t, &[("Authorization", &b)], b"")).await;
    let r = parse(&got, false).expect("status line");
    assert_eq!(r.status, 200);
    assert!(r.chunked && !r.complete);
    assert!(r.header("content-length").is_none());
    assert_eq!(r.body.len(), 5000);
    let full = get(s.addr, t, &[("Authorization", &b)]).await;
    assert_eq!(r.body, full.body[..5000].to_vec());
}

#[tokio::test]
async fn invalid_json_and_html_faults() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/v2/user/dirs", "kind": "invalid_json"}),
    )
    .await;
    let r = get(s.addr, "/api/v2/user/dirs", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.text(), "{\"oops\": [1, 2");
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/v2/user/dirs", "kind": "html", "status": 504}),
    )
    .await;
    let r = get(s.addr, "/api/v2/user/dirs", &[]).await;
    assert_eq!(r.status, 504);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.text().contains("<h1>504 Gateway Timeout</h1>") && r.text().contains("nginx"));
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/x", "kind": "html"}),
    )
    .await;
    assert_eq!(get(s.addr, "/x", &[]).await.status, 502, "default 502");
}

#[tokio::test]
async fn bad_fault_is_rejected_and_reset_clears_faults() {
    let s = server().await;
    let r = req(
        s.addr,
        "POST",
        "/__fake/faults",
        &[],
        br#"{"path":"/x","kind":"weird"}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": HEALTH, "kind": "drop"}),
    )
    .await;
    control(s.addr, "POST", "/__fake/reset", json!({})).await;
    assert_eq!(get(s.addr, HEALTH, &[]).await.status, 200);
}
