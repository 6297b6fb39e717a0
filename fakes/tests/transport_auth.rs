//! Transport rules, CORS, token endpoint and bearer validation of the Échange fake.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn unknown_route_404_and_wrong_method_405_with_allow() {
    let s = server().await;
    let r = get(s.addr, "/api/v2/user/nope", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, b"{\"message\":\"Not Found\"}\n");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = req(s.addr, "PUT", "/api/v2/user/dirs", &[], b"").await;
    assert_eq!(r.status, 405);
    assert!(r.body.is_empty());
    let allow = r.all("allow").join(",");
    for m in ["GET", "POST", "DELETE", "PATCH"] {
        assert!(allow.contains(m), "Allow: {allow}");
    }
}

#[tokio::test]
async fn healthz_server_header_and_trailing_slash() {
    let s = server().await;
    let r = get(s.addr, "/healthz", &[]).await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("server"), Some("SFTPGo/2.7.99-dev"));
    let b = bearer(s.addr).await;
    let r = get(
        s.addr,
        "/api/v2/user/dirs/?path=%2FArchives",
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("server"), Some("SFTPGo/2.7.99-dev"));
}

#[tokio::test]
async fn head_is_answered_like_get_without_body() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = req(
        s.addr,
        "HEAD",
        "/api/v2/user/files?path=%2Flisez-moi.txt",
        &[("Authorization", &b)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let g = get(
        s.addr,
        "/api/v2/user/files?path=%2Flisez-moi.txt",
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(
        r.header("content-length").map(str::to_string),
        Some(g.body.len().to_string())
    );
}

#[tokio::test]
async fn cors_preflight_and_actual_headers() {
    let s = server().await;
    let r = req(
        s.addr,
        "OPTIONS",
        "/api/v2/user/token",
        &[
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "GET"),
            (
                "Access-Control-Request-Headers",
                "authorization,x-sftpgo-otp",
            ),
        ],
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET, POST, PUT, PATCH, DELETE, HEAD")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("Authorization, Content-Type, X-SFTPGO-OTP, X-SFTPGO-MTIME, Range, X-Auth-Key")
    );
    assert_eq!(r.header("access-control-max-age"), Some("600"));
    // Actual response, even an error one.
    let r = get(
        s.addr,
        "/api/v2/user/dirs",
        &[("Origin", "https://app.example")],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(r.all("vary").iter().any(|v| v.contains("Origin")));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Content-Disposition, Content-Length, Content-Range, Retry-After, X-Retry-In, Last-Modified")
    );
    // Without an Access-Control-Request-Method, OPTIONS is a plain request → 405.
    let r = req(s.addr, "OPTIONS", "/api/v2/user/dirs", &[], b"").await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn token_success_shape_and_jwt_claims() {
    let s = server().await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[("Authorization", &basic(USER, PASS))],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.ends_with(b"\"}\n"));
    let v = r.json();
    let tok = v["access_token"].as_str().unwrap();
    let exp_at = v["expires_at"].as_str().unwrap();
    assert_eq!(exp_at.len(), 20);
    assert!(exp_at.ends_with('Z'));
    let parts: Vec<&str> = tok.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], json!(["APIUser", "127.0.0.1"]));
    assert_eq!(claims["username"], "fournisseur");
    let exp = claims["exp"].as_i64().unwrap();
    assert!((exp - before - 1200).abs() <= 2, "default lifetime 20 min");
    assert_eq!(
        claims["nbf"].as_i64().unwrap(),
        claims["iat"].as_i64().unwrap() - 10
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 20);
    // Scheme is case-insensitive.
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[(
            "Authorization",
            &basic(USER, PASS).replacen("Basic", "bAsIc", 1),
        )],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn token_401_bodies_with_www_authenticate() {
    let s = server().await;
    type Case = (Vec<(&'static str, String)>, &'static [u8]);
    let cases: Vec<Case> = vec![
        (vec![], b"{\"message\":\"Unauthorized\"}\n"),
        (
            vec![("Authorization", "Bearer abc".to_string())],
            b"{\"message\":\"Unauthorized\"}\n",
        ),
        (
            vec![("Authorization", "Basic !!!".to_string())],
            b"{\"message\":\"Unauthorized\"}\n",
        ),
        (
            vec![("Authorization", basic(USER, "   "))],
            b"{\"message\":\"Unauthorized\"}\n",
        ),
        (
            vec![("Authorization", basic("", PASS))],
            b"{\"message\":\"Unauthorized\"}\n",
        ),
        (
            vec![("Authorization", basic(USER, "motdepasse-Été"))],
            b"{\"error\":\"invalid credentials\",\"message\":\"Unauthorized\"}\n",
        ),
        (
            vec![("Authorization", basic("inconnu", PASS))],
            b"{\"error\":\"invalid credentials\",\"message\":\"Unauthorized\"}\n",
        ),
    ];
    for (h, body) in cases {
        let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = get(s.addr, "/api/v2/user/token", &hh).await;
        assert_eq!(r.status, 401, "{h:?}");
        assert_eq!(r.body, body, "{h:?}");
        assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"SFTPGo\""));
    }
}

#[tokio::test]
async fn otp_user_needs_a_fresh_single_use_code() {
    let s = server().await;
    let auth = basic("otp-user", "otp-Secret-1");
    let r = get(s.addr, "/api/v2/user/token", &[("Authorization", &auth)]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid credentials");
    let code = control(
        s.addr,
        "POST",
        "/__fake/echange/otp",
        json!({"username":"otp-user"}),
    )
    .await
    .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 6);
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[("Authorization", &auth), ("X-SFTPGO-OTP", "000000x")],
    )
    .await;
    assert_eq!(r.status, 401);
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[("Authorization", &auth), ("X-SFTPGO-OTP", &code)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[("Authorization", &auth), ("X-SFTPGO-OTP", &code)],
    )
    .await;
    assert_eq!(r.status, 401, "a code is single-use");
    // An OTP sent for a user without TOTP is ignored.
    let r = get(
        s.addr,
        "/api/v2/user/token",
        &[
            ("Authorization", &basic(USER, PASS)),
            ("X-SFTPGO-OTP", "123456"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn bearer_validation_bodies() {
    let s = server().await;
    let no_token = b"{\"error\":\"no token found\",\"message\":\"Unauthorized\"}\n".to_vec();
    let tok = token_for(s.addr, USER, PASS).await;
    let list = "/api/v2/user/dirs";
    for h in [
        vec![],
        vec![("Authorization", "Bearer".to_string())],
        vec![("Authorization", "Bearer  ".to_string() + &tok)],
        vec![("Authorization", format!("Bearer {tok}x"))],
        vec![("Authorization", "Basic abc".to_string())],
        vec![("Cookie", format!("jwt={tok}"))],
    ] {
        let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = get(s.addr, list, &hh).await;
        assert_eq!((r.status, &r.body), (401, &no_token), "{h:?}");
        assert!(r.header("www-authenticate").is_none());
    }
    let r = get(s.addr, list, &[("Authorization", &format!("bEaReR {tok}"))]).await;
    assert_eq!(r.status, 200);

    // Audience.
    let admin = control(s.addr, "POST", "/__fake/echange/admin-token", json!({}))
        .await
        .json();
    let at = admin["access_token"].as_str().unwrap();
    let r = get(s.addr, list, &[("Authorization", &format!("Bearer {at}"))]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (401, "{\"message\":\"Your token audience is not valid\"}\n")
    );

    // IP change.
    control(s.addr, "POST", "/__fake/echange/ip-change", json!({})).await;
    let r = get(s.addr, list, &[("Authorization", &format!("Bearer {tok}"))]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (401, "{\"message\":\"Your token is not valid\"}\n")
    );
    let fresh = token_for(s.addr, USER, PASS).await;
    let r = get(
        s.addr,
        list,
        &[("Authorization", &format!("Bearer {fresh}"))],
    )
    .await;
    assert_eq!(r.status, 200, "a token issued after the change works");

    // Key rotation / expiry → no token found.
    control(s.addr, "POST", "/__fake/echange/rotate-key", json!({})).await;
    let r = get(
        s.addr,
        list,
        &[("Authorization", &format!("Bearer {fresh}"))],
    )
    .await;
    assert_eq!((r.status, &r.body), (401, &no_token));
    let fresh = token_for(s.addr, USER, PASS).await;
    control(s.addr, "POST", "/__fake/echange/expire-tokens", json!({})).await;
    let r = get(
        s.addr,
        list,
        &[("Authorization", &format!("Bearer {fresh}"))],
    )
    .await;
    assert_eq!((r.status, &r.body), (401, &no_token));
}

#[tokio::test]
async fn expiry_honours_ttl_and_leeway() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"token_ttl_secs": 1, "leeway_secs": 0}),
    )
    .await;
    let b = bearer(s.addr).await;
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "no token found");
}

#[tokio::test]
async fn logout_then_second_logout_is_401() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = get(s.addr, "/api/v2/user/logout", &[("Authorization", &b)]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "{\"message\":\"Your token has been invalidated\"}\n")
    );
    let r = get(s.addr, "/api/v2/user/logout", &[("Authorization", &b)]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (401, "{\"message\":\"Your token is no longer valid\"}\n")
    );
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn write_disabled_user_gets_403_on_writes_only() {
    let s = server().await;
    let b = format!(
        "Bearer {}",
        token_for(s.addr, "lecteur", "lecteur-pw").await
    );
    let h = [("Authorization", b.as_str())];
    assert_eq!(get(s.addr, "/api/v2/user/dirs", &h).await.status, 200);
    let forbidden = b"{\"message\":\"Forbidden\"}\n".to_vec();
    for (m, t) in [
        ("POST", "/api/v2/user/dirs?path=/x"),
        ("DELETE", "/api/v2/user/dirs?path=/Archives"),
        ("DELETE", "/api/v2/user/files?path=/lisez-moi.txt"),
        ("POST", "/api/v2/user/files/upload?path=/y.txt"),
        ("POST", "/api/v2/user/files?path=/"),
        (
            "POST",
            "/api/v2/user/file-actions/copy?path=/lisez-moi.txt&target=/z",
        ),
        (
            "POST",
            "/api/v2/user/file-actions/move?path=/lisez-moi.txt&target=/z",
        ),
        ("PATCH", "/api/v2/user/files/metadata?path=/lisez-moi.txt"),
    ] {
        let r = req(s.addr, m, t, &h, b"").await;
        assert_eq!((r.status, &r.body), (403, &forbidden), "{m} {t}");
    }
}

#[tokio::test]
async fn deleted_user_token_gets_404_on_file_routes() {
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/delete-user",
        json!({"username": USER}),
    )
    .await;
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (404, "{\"message\":\"Unable to retrieve your user\"}\n")
    );
    let r = get(s.addr, "/api/v2/user/profile", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn profile_shape() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = get(s.addr, "/api/v2/user/profile", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        "{\"email\":\"fournisseur@example.fr\",\"allow_api_key_auth\":false}\n"
    );
}

#[tokio::test]
async fn request_log_records_headers_and_reset_clears() {
    let s = server().await;
    let auth = basic(USER, PASS);
    get(
        s.addr,
        "/api/v2/user/token?x=1",
        &[("Authorization", &auth), ("X-SFTPGO-OTP", "1")],
    )
    .await;
    let log = control(s.addr, "GET", "/__fake/requests", json!(null))
        .await
        .json();
    let arr = log.as_array().unwrap();
    assert_eq!(arr.len(), 1, "control requests are not logged: {log}");
    assert_eq!(arr[0]["method"], "GET");
    assert_eq!(arr[0]["path"], "/api/v2/user/token");
    assert_eq!(arr[0]["query"], "x=1");
    assert_eq!(arr[0]["headers"]["authorization"], auth.as_str());
    assert_eq!(arr[0]["headers"]["x-sftpgo-otp"], "1");
    control(s.addr, "POST", "/__fake/reset", json!({})).await;
    let log = control(s.addr, "GET", "/__fake/requests", json!(null))
        .await
        .json();
    assert_eq!(log, json!([]));
}

#[tokio::test]
async fn reset_restores_files_and_kills_tokens() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = req(
        s.addr,
        "DELETE",
        "/api/v2/user/files?path=/lisez-moi.txt",
        &[("Authorization", &b)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    control(s.addr, "POST", "/__fake/reset", json!({})).await;
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 401);
    let b = bearer(s.addr).await;
    let r = get(
        s.addr,
        "/api/v2/user/files?path=/lisez-moi.txt",
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn log_and_faults_use_the_decoded_path() {
    let s = server().await;
    control(
        s.addr,
        "POST",
        "/__fake/faults",
        json!({"path": "/api/v2/user/é x", "kind": "status", "status": 418}),
    )
    .await;
    let r = get(s.addr, "/api/v2/user/%C3%A9%20x", &[]).await;
    assert_eq!(r.status, 418);
    let log = control(s.addr, "GET", "/__fake/requests", json!(null))
        .await
        .json();
    assert_eq!(log[0]["path"], "/api/v2/user/é x");
    assert_eq!(passerelle_fakes::server::decode_path("/a%zz%4"), "/a%zz%4");
}
