//! The PRE-ETAT.DATE fake mounted in the combined server: root and `/api` forms, its
//! controls, the global reset, CORS, the request log and faults on its routes.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn ped_routes_at_root_and_under_api_with_cors_log_and_faults() {
    let s = server().await;
    for path in ["/health", "/api/health"] {
        let r = get(
            s.addr,
            path,
            &[("X-Auth-Key", "ped-test-key"), ("Origin", "http://app")],
        )
        .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.json()["success"], true);
        assert_eq!(r.header("access-control-allow-origin"), Some("http://app"));
        assert!(r.header("server").is_none_or(|v| !v.starts_with("SFTPGo")));
    }
    let body = json!({"email": "notaire@example.fr", "password": "Secret-Été-2025"}).to_string();
    let r = req(
        s.addr,
        "POST",
        "/account/auth",
        &[
            ("X-Auth-Key", "ped-test-key"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let log = control(s.addr, "GET", "/__fake/requests", json!(null))
        .await
        .json();
    let paths: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["/health", "/api/health", "/account/auth"]);
    assert_eq!(log[0]["headers"]["x-auth-key"], "ped-test-key");

    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/health", "kind": "html", "status": 502}),
    )
    .await;
    let r = get(s.addr, "/api/health", &[("X-Auth-Key", "ped-test-key")]).await;
    assert_eq!(r.status, 502);
    assert_eq!(
        get(s.addr, "/health", &[("X-Auth-Key", "ped-test-key")])
            .await
            .status,
        200
    );

    // PED controls are reachable and the global reset clears PED state too.
    let orders = control(s.addr, "GET", "/__fake/ped/requests", json!(null))
        .await
        .json();
    assert!(orders.to_string().contains("GET /health"), "{orders}");
    control(s.addr, "POST", "/__fake/reset", json!({})).await;
    let after = control(s.addr, "GET", "/__fake/ped/requests", json!(null))
        .await
        .json();
    assert!(!after.to_string().contains("GET /health"), "{after}");
}
