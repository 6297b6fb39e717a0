//! Per-user settings of `POST /__fake/echange/user`: pending 2FA / password change (docs/echange.md),
//! start directory (docs/echange.md), and the IP-binding switch.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn pending_2fa_and_password_change_block_file_routes_only() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "two_factor_pending": true}),
    )
    .await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let r = get(s.addr, "/api/v2/user/dirs", &h).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "{\"error\":\"Two-factor authentication requirements not met, please configure two-factor authentication for the following protocols: HTTP\",\"message\":\"\"}\n"
    );
    assert_eq!(
        req(s.addr, "POST", "/api/v2/user/streamzip", &h, b"[]")
            .await
            .status,
        403
    );
    assert_eq!(
        get(s.addr, "/api/v2/user/profile", &h).await.status,
        200,
        "profile has no R guard"
    );

    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "two_factor_pending": false, "password_change_pending": true}),
    )
    .await;
    let old = get(s.addr, "/api/v2/user/dirs", &h).await;
    assert_eq!(old.status, 403, "flags are frozen in the token claims");
    let b = bearer(s.addr).await;
    let r = req(
        s.addr,
        "DELETE",
        "/api/v2/user/files?path=/lisez-moi.txt",
        &[("Authorization", &b)],
        b"",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["error"],
        "Password change required. Please set a new password to continue to use your account"
    );
    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "password_change_pending": false}),
    )
    .await;
    let b = bearer(s.addr).await;
    assert_eq!(
        get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn start_directory_applies_to_relative_paths_but_not_streamzip() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "start_directory": "/Relevés"}),
    )
    .await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let r = get(s.addr, "/api/v2/user/dirs", &h).await;
    let names: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"Déc 2025".to_string()), "{names:?}");
    let r = get(
        s.addr,
        &format!("/api/v2/user/dirs?path={}", enc("Nov 2025")),
        &h,
    )
    .await;
    assert_eq!(r.status, 200);
    let r = get(s.addr, "/api/v2/user/dirs?path=/Archives", &h).await;
    assert_eq!(r.status, 200, "absolute paths ignore the start dir");
    let r = get(s.addr, "/api/v2/user/files", &h).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["message"],
        "Please set the path to a valid file, \"/Relevés\" is a directory"
    );
    // Streamzip resolves relative items against `/`.
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/streamzip",
        &h,
        br#"["lisez-moi.txt"]"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.windows(13).any(|w| w == b"lisez-moi.txt"));
    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "start_directory": null}),
    )
    .await;
    let r = get(s.addr, "/api/v2/user/files", &h).await;
    assert_eq!(r.json()["message"], "Please set the path to a valid file");
}

#[tokio::test]
async fn ip_binding_can_be_turned_off() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"token_ip_binding": false}),
    )
    .await;
    let b = bearer(s.addr).await;
    control(s.addr, "POST", "/__fake/echange/ip-change", json!({})).await;
    assert_eq!(
        get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)])
            .await
            .status,
        200
    );
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"token_ip_binding": true}),
    )
    .await;
    assert_eq!(
        get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)])
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn http_denied_user_gets_403_at_token_and_on_file_routes() {
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/user",
        json!({"username": USER, "http_denied": true}),
    )
    .await;
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[("Authorization", &basic(USER, PASS))],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "{\"error\":\"protocol HTTP is not allowed for user \\\"fournisseur\\\"\",\"message\":\"Forbidden\"}\n"
    );
    assert!(r.header("www-authenticate").is_none());
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (403, Some("Forbidden"))
    );
}

#[tokio::test]
async fn upload_size_cap() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"max_upload_file_size": 1000}),
    )
    .await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files/upload?path=/ok.bin",
        &h,
        &[7u8; 1000],
    )
    .await;
    assert_eq!(r.status, 201);
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files/upload?path=/big.bin",
        &h,
        &[7u8; 1001],
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"], "http: request body too large");
    let body = format!("--B\r\nContent-Disposition: form-data; name=\"filenames\"; filename=\"x\"\r\n\r\n{}\r\n--B--\r\n", "x".repeat(2000));
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files?path=/",
        &[
            ("Authorization", &b),
            ("Content-Type", "multipart/form-data; boundary=B"),
        ],
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (400, Some("Unable to parse multipart form"))
    );
}

#[tokio::test]
async fn defender_ban_and_connection_gate() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"banned": true}),
    )
    .await;
    for t in ["/healthz", "/api/v2/user/dirs"] {
        let r = get(s.addr, t, &[("Authorization", &b)]).await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (
                403,
                "{\"error\":\"your IP address is blocked\",\"message\":\"\"}\n"
            ),
            "{t}"
        );
    }
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"banned": false, "max_per_host_connections": 1}),
    )
    .await;
    // A big download whose body the client does not read stays in flight.
    let mut slow = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(&build(
        "GET",
        "/api/v2/user/files?path=/Volumineux/gros-64MiB.bin",
        &[("Authorization", &b)],
        b"",
    ))
    .await
    .unwrap();
    let mut first = [0u8; 12];
    slow.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            403,
            "{\"error\":\"you are not allowed to connect\",\"message\":\"\"}\n"
        )
    );
    drop(slow);
    let mut ok = false;
    for _ in 0..50 {
        if get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)])
            .await
            .status
            == 200
        {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok, "the slot is released once the first response is gone");
}

#[tokio::test]
async fn rate_limiter_429_with_retry_headers() {
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"rate_limit_per_sec": 2}),
    )
    .await;
    let h = [("Authorization", b.as_str())];
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..4 {
        let r = get(s.addr, "/api/v2/user/dirs?path=/Archives", &h).await;
        statuses.push(r.status);
        if r.status == 429 {
            limited = Some(r);
        }
    }
    assert_eq!(&statuses[..2], &[200, 200], "{statuses:?}");
    let r = limited.expect("a 429 after the burst");
    assert_eq!(r.json()["message"], "Too Many Requests");
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("rate limit exceed, wait time to respect rate "));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.header("x-retry-in").unwrap().ends_with('s'));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get(s.addr, "/api/v2/user/dirs", &h).await.status, 200);
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"rate_limit_per_sec": 0}),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(get(s.addr, "/healthz", &[]).await.status, 200);
    }
}
