//! Hostile or odd inputs never take the fake down: every request gets an HTTP answer and
//! `/healthz` still works afterwards.

mod common;
use common::*;

#[tokio::test]
async fn odd_requests_get_answers_and_the_server_survives() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let targets = [
        "/api/v2/user/dirs?path=%",
        "/api/v2/user/dirs?path=%ff%fe",
        "/api/v2/user/dirs?path=..%2F..%2F..",
        "/api/v2/user/dirs?path=%00",
        "/api/v2/user/dirs?&&&=&path",
        "/api/v2/user/files?path=/Archives/2024.csv",
        "/api/v2/user/files?path=////",
        "/api/v2/user/dirs//",
        "/api/v2/user/%2e%2e/token",
    ];
    for t in targets {
        let r = get(s.addr, t, &h).await;
        assert!(r.status >= 200 && r.status < 600, "{t}");
    }
    for range in [
        "bytes=",
        "bytes=-",
        "bytes=99999999999999999999999-",
        "bytes=-9223372036854775807",
        "bytes=5-3",
        "bytes=--1",
    ] {
        let r = get(
            s.addr,
            "/api/v2/user/files?path=/Archives/2024.csv",
            &[("Authorization", &b), ("Range", range)],
        )
        .await;
        assert!(
            r.status == 206 || r.status == 416 || r.status == 200,
            "{range}: {}",
            r.status
        );
    }
    for date in ["garbage", "Mon, 99 Foo 2025 99:99:99 GMT", ""] {
        let r = get(
            s.addr,
            "/api/v2/user/files?path=/Archives/2024.csv",
            &[
                ("Authorization", &b),
                ("If-Modified-Since", date),
                ("If-Range", date),
                ("Range", "bytes=0-1"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{date}");
    }
    for auth in [
        "Basic",
        "Basic ",
        "Basic ====",
        "Basic OjpfOg==",
        "Bearer a.b.c",
        "Bearer ....",
        "Bearer eyJ.eyJ.x",
    ] {
        let r = get(s.addr, "/api/v2/user/token", &[("Authorization", auth)]).await;
        assert_eq!(r.status, 401, "{auth}");
        let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", auth)]).await;
        assert_eq!(r.status, 401, "{auth}");
    }
    for body in [
        &b"[\"\\u0000\"]"[..],
        b"[\"../../../../\"]",
        b"[\"\xff\"]",
        b"{{{{",
        &[b'['; 5000],
    ] {
        // A missing item legitimately aborts with no response at all.
        let got = raw(s.addr, &build("POST", "/api/v2/user/streamzip", &h, body)).await;
        if let Some(r) = parse(&got, false) {
            assert!(r.status == 200 || r.status == 400, "{}", r.status);
        }
    }
    for (m, t, body) in [
        (
            "PATCH",
            "/api/v2/user/files/metadata?path=/x",
            &b"{\"modification_time\": 99999999999999999999}"[..],
        ),
        (
            "PATCH",
            "/api/v2/user/files/metadata?path=/lisez-moi.txt",
            b"{\"modification_time\": 9223372036854775807}",
        ),
        ("POST", "/api/v2/user/files/upload?path=/t.bin", b"x"),
        ("POST", "/__fake/faults", b"not json"),
        (
            "POST",
            "/__fake/echange/generate",
            b"{\"path\":\"/\",\"size\":1}",
        ),
        ("POST", "/__fake/echange/config", b"[]"),
    ] {
        let r = req(
            s.addr,
            m,
            t,
            &[
                ("Authorization", &b),
                ("X-SFTPGO-MTIME", "-99999999999999999"),
            ],
            body,
        )
        .await;
        assert!(r.status < 500, "{m} {t}: {}", r.status);
    }
    // A huge mtime still yields valid listings and headers.
    let r = get(s.addr, "/api/v2/user/files?path=/lisez-moi.txt", &h).await;
    assert_eq!(r.status, 200);
    let r = get(s.addr, "/api/v2/user/dirs", &h).await;
    assert_eq!(r.status, 200);
    r.json();
    // Garbage on the wire.
    let got = raw(s.addr, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").await;
    assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 4"));
    assert_eq!(get(s.addr, "/healthz", &[]).await.status, 200);
}
