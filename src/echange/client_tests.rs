//! The engine's behaviours as the Échange client sees them, with a scripted transport.

use std::cell::Cell;
use std::rc::Rc;

use super::*;
use crate::http::script::{block_on, run_all, run_all_with, Reply, Script, Task};
use crate::http::Attempt;

const BASE: &str = "https://echange.example.test";

/// A token reply; the script's clock starts at 1970-01-01T00:16:40Z.
fn token(name: &str, expires_at: &str) -> Reply {
    Reply::new(
        200,
        &format!(r#"{{"access_token": "{name}", "expires_at": "{expires_at}"}}"#),
    )
}

/// Valid for 20 minutes from the script's start.
fn tok(name: &str) -> Reply {
    token(name, "1970-01-01T00:36:40Z")
}

fn listing() -> Reply {
    Reply::new(
        200,
        r#"[{"name": "a.csv", "size": 3, "mode": 420, "last_modified": "2025-12-01T10:00:00Z"}]"#,
    )
}

fn client() -> EchangeClient {
    client_with(Otp::None)
}

fn client_with(otp: Otp) -> EchangeClient {
    EchangeClient::new(EchangeConfig {
        base_url: BASE.into(),
        credentials: Credentials {
            username: "fournisseur".into(),
            password: "motdepasse-Été:2025".into(),
        },
        otp,
        retries: 2,
    })
    .unwrap()
}

#[test]
fn the_token_is_fetched_once_and_reused_while_fresh() {
    let sc = Script::new(vec![tok("t1"), listing(), listing()]);
    let c = client();
    block_on(c.list_dir(&sc.io(), Some("/"))).unwrap();
    sc.now.set(sc.now.get() + 18 * 60_000);
    block_on(c.list_dir(&sc.io(), Some("/"))).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "listDir"]);
    let basic = sc.auth_header(0).unwrap();
    assert!(basic.starts_with("Basic "), "{basic}");
    assert_eq!(sc.auth_header(1).as_deref(), Some("Bearer t1"));
    assert_eq!(sc.auth_header(2).as_deref(), Some("Bearer t1"));
}

#[test]
fn the_token_is_renewed_a_minute_before_it_expires() {
    let sc = Script::new(vec![tok("t1"), listing(), tok("t2"), listing()]);
    let c = client();
    block_on(c.list_dir(&sc.io(), None)).unwrap();
    sc.now.set(sc.now.get() + 19 * 60_000); // 60 s before expires_at
    block_on(c.list_dir(&sc.io(), None)).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "token", "listDir"]);
    assert_eq!(sc.auth_header(3).as_deref(), Some("Bearer t2"));
}

#[test]
fn concurrent_first_calls_share_one_token_request() {
    let mut replies = vec![tok("shared")];
    replies.extend((0..6).map(|_| listing()));
    let sc = Script::new(replies);
    sc.latency.set(4);
    let c = client();
    let ios: Vec<_> = (0..6).map(|_| sc.io()).collect();
    let tasks: Vec<Task<'_, Result<Vec<DirEntry>>>> = ios
        .iter()
        .map(|io| Box::pin(c.list_dir(io, Some("/"))) as Task<'_, _>)
        .collect();
    for r in run_all(tasks) {
        assert_eq!(r.unwrap().len(), 1);
    }
    assert_eq!(sc.ops().iter().filter(|o| **o == "token").count(), 1);
    assert_eq!(sc.ops().len(), 7);
}

#[test]
fn a_token_bound_to_another_ip_is_replaced_and_the_call_replayed_once() {
    let ip = r#"{"error": "", "message": "Your token is not valid"}"#;
    let sc = Script::new(vec![tok("old"), Reply::new(401, ip), tok("new"), listing()]);
    let c = client();
    block_on(c.list_dir(&sc.io(), Some("/"))).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "token", "listDir"]);
    assert_eq!(sc.auth_header(3).as_deref(), Some("Bearer new"));

    // Refused twice: one replay only, and the message explains the IP binding.
    let sc = Script::new(vec![
        tok("a"),
        Reply::new(401, ip),
        tok("b"),
        Reply::new(401, ip),
    ]);
    let e = block_on(client().list_dir(&sc.io(), Some("/"))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert!(e.message().contains("another client IP"), "{}", e.message());
    assert_eq!(sc.ops().len(), 4);
}

#[test]
fn retry_after_is_honoured_and_counted_in_one_budget() {
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(429, r#"{"message": "slow down"}"#).header("Retry-After", "2"),
        listing(),
    ]);
    block_on(client().list_dir(&sc.io(), None)).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "listDir"]);
    assert_eq!(sc.retry_sleeps(), [2000]);

    // A Retry-After beyond the longest wait is reported at once, with its value.
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(503, r#"{"message": "maintenance"}"#).header("Retry-After", "3600"),
    ]);
    let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Server);
    assert_eq!(e.retry_after(), Some(3600));
    assert_eq!(sc.ops().len(), 2);
}

#[test]
fn a_listing_cut_short_is_retried_within_the_same_budget() {
    let cut = || Reply::new(200, r#"[{"name": "a.csv", "si"#).cut();
    let sc = Script::new(vec![tok("t"), cut(), cut(), listing()]);
    block_on(client().list_dir(&sc.io(), None)).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "listDir", "listDir"]);

    // Cut on every attempt: retries = 2 → exactly 3 requests, then `truncated`.
    let sc = Script::new(vec![tok("t"), cut(), cut(), cut(), listing()]);
    let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Truncated);
    assert_eq!(sc.ops().len(), 4);

    // Shorter than its Content-Length: truncated too.
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(200, "[]").header("Content-Length", "20"),
        Reply::new(200, "[]").header("Content-Length", "20"),
        Reply::new(200, "[]").header("Content-Length", "20"),
    ]);
    let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Truncated);
    assert!(e.message().contains("2 of the 20 bytes"), "{}", e.message());
}

#[test]
fn writes_are_never_retried_but_are_replayed_after_a_refused_token() {
    for op in ["mkdir", "move", "copy"] {
        let sc = Script::new(vec![tok("t"), Reply::new(503, r#"{"message": "busy"}"#)]);
        let c = client();
        let io = sc.io();
        let r = match op {
            "mkdir" => block_on(c.mkdir(&io, "/A", false)),
            "move" => block_on(c.move_entry(&io, "/A", "/B")),
            _ => block_on(c.copy_entry(&io, "/A", "/B")),
        };
        assert_eq!(r.unwrap_err().code(), ErrorCode::Server, "{op}");
        assert_eq!(sc.ops(), ["token", op]);
        let sc = Script::new(vec![Reply::Fail(Attempt::Network)]);
        assert_eq!(
            block_on(c.mkdir(&sc.io(), "/A", false)).unwrap_err().code(),
            ErrorCode::Network
        );
        assert_eq!(sc.ops(), ["mkdir"], "token cached: only the one attempt");
    }
    let sc = Script::new(vec![
        tok("a"),
        Reply::new(401, r#"{"message": "Token expired"}"#),
        tok("b"),
        Reply::new(201, r#"{"message": "Directory created"}"#),
    ]);
    block_on(client().mkdir(&sc.io(), "/A", false)).unwrap();
    assert_eq!(sc.ops(), ["token", "mkdir", "token", "mkdir"]);
}

#[test]
fn a_stream_upload_is_not_replayed_and_its_refused_token_is_forgotten() {
    let sc = Script::new(vec![
        tok("old"),
        Reply::new(401, r#"{"message": "Token expired"}"#),
        tok("new"),
        listing(),
    ]);
    let c = client();
    let e = block_on(c.upload_file(&sc.io(), "/up.bin", false, false, None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unauthorized);
    assert_eq!(sc.ops(), ["token", "uploadFile"]);
    assert!(
        !sc.sent.borrow()[1].attempt_timeout,
        "uploads have no attempt timeout"
    );
    block_on(c.list_dir(&sc.io(), None)).unwrap();
    assert_eq!(sc.auth_header(3).as_deref(), Some("Bearer new"));

    // A replayable body (bytes, Blob) is replayed once.
    let sc = Script::new(vec![
        tok("old"),
        Reply::new(401, r#"{"message": "Token expired"}"#),
        tok("new"),
        Reply::new(201, r#"{"message": "Upload completed"}"#),
    ]);
    block_on(client().upload_file(&sc.io(), "/up.bin", true, false, None)).unwrap();
    assert_eq!(sc.ops(), ["token", "uploadFile", "token", "uploadFile"]);
}

#[test]
fn a_waiting_call_honours_its_own_abort_and_the_leaders_abort_hands_over() {
    // Leader's token request hangs; the waiter aborts: it ends at once, having sent nothing.
    let sc = Script::new(vec![Reply::Hang, tok("t"), listing()]);
    let c = client();
    let (leader, waiter) = (sc.io(), sc.io());
    let (wf, lf) = (waiter.aborted.clone(), leader.aborted.clone());
    let ended_at = Rc::new(Cell::new(0u32));
    let e2 = ended_at.clone();
    let w = async {
        let r = c.list_dir(&waiter, Some("/")).await;
        r
    };
    let tasks: Vec<Task<'_, Result<Vec<DirEntry>>>> =
        vec![Box::pin(c.list_dir(&leader, Some("/"))), Box::pin(w)];
    let results = run_all_with(tasks, |round| {
        if round == 2 {
            wf.set(true);
        }
        if round == 30 {
            e2.set(round);
            lf.set(true);
        }
    });
    assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::Aborted);
    assert_eq!(results[0].as_ref().unwrap_err().code(), ErrorCode::Aborted);
    assert_eq!(ended_at.get(), 30);
    assert_eq!(sc.ops(), ["token"]);

    // The leader aborts; the waiter logs in itself and succeeds.
    let sc = Script::new(vec![Reply::Hang, tok("t2"), listing()]);
    let c = client();
    let (leader, waiter) = (sc.io(), sc.io());
    let lf = leader.aborted.clone();
    let tasks: Vec<Task<'_, Result<Vec<DirEntry>>>> = vec![
        Box::pin(c.list_dir(&leader, Some("/"))),
        Box::pin(c.list_dir(&waiter, Some("/"))),
    ];
    let results = run_all_with(tasks, |round| {
        if round == 4 {
            lf.set(true);
        }
    });
    assert_eq!(results[0].as_ref().unwrap_err().code(), ErrorCode::Aborted);
    assert_eq!(results[1].as_ref().unwrap().len(), 1);
    assert_eq!(sc.ops(), ["token", "token", "listDir"]);
}

#[test]
fn the_otp_callback_is_asked_for_every_new_token() {
    let asked = Rc::new(Cell::new(0));
    let a = asked.clone();
    let otp = Otp::Provider(Rc::new(move || {
        a.set(a.get() + 1);
        let n = a.get();
        Box::pin(async move { Ok(format!("12345{n}")) })
    }));
    let sc = Script::new(vec![
        tok("a"),
        Reply::new(401, r#"{"message": "Token expired"}"#),
        tok("b"),
        listing(),
    ]);
    block_on(client_with(otp).list_dir(&sc.io(), None)).unwrap();
    assert_eq!(asked.get(), 2);
    let sent = sc.sent.borrow();
    assert_eq!(sent[0].header_value("x-sftpgo-otp"), Some("123451"));
    assert_eq!(sent[2].header_value("x-sftpgo-otp"), Some("123452"));
    assert!(
        !sent[0].retryable,
        "a token request with an OTP is not retried"
    );
}

#[test]
fn redirects_stay_on_the_origin() {
    // Same origin: followed, with the token.
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(307, "").header("Location", "/api/v2/user/dirs?path=%2Fb"),
        listing(),
    ]);
    block_on(client().list_dir(&sc.io(), Some("/a"))).unwrap();
    assert_eq!(sc.ops(), ["token", "listDir", "listDir"]);
    assert_eq!(
        sc.sent.borrow()[2].url,
        format!("{BASE}/api/v2/user/dirs?path=%2Fb")
    );

    // Another origin: refused, nothing sent there, the target origin named without its path.
    for loc in ["https://evil.example:8443/steal?key=1", "//evil.example/x"] {
        let sc = Script::new(vec![tok("t"), Reply::new(302, "").header("Location", loc)]);
        let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Http);
        assert_eq!(e.status(), Some(302));
        assert!(
            e.message().contains("another origin (https://evil.example"),
            "{}",
            e.message()
        );
        assert!(!e.message().contains("steal"), "{}", e.message());
        assert_eq!(sc.ops(), ["token", "listDir"]);
    }
    // The token request itself is not redirected off the origin either (the password).
    let sc = Script::new(vec![
        Reply::new(308, "").header("Location", "http://evil.example/t")
    ]);
    assert_eq!(
        block_on(client().token(&sc.io())).unwrap_err().code(),
        ErrorCode::Http
    );
    assert_eq!(sc.sent.borrow().len(), 1);

    // A loop ends with its own message; file: and data: targets are refused.
    let hop = || Reply::new(302, "").header("Location", "/api/v2/user/dirs");
    let sc = Script::new(vec![
        tok("t"),
        hop(),
        hop(),
        hop(),
        hop(),
        hop(),
        hop(),
        hop(),
    ]);
    let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
    assert!(e.message().contains("redirect loop"), "{}", e.message());
    assert_eq!(sc.ops().len(), 7);
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(302, "").header("Location", "file:///etc/passwd"),
    ]);
    let e = block_on(client().list_dir(&sc.io(), None)).unwrap_err();
    assert!(e.message().contains("not http(s)"), "{}", e.message());
}

#[test]
fn a_body_over_the_cap_stops_before_it_is_read() {
    let mut c = client();
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(200, "[]").header("Content-Length", "11"),
    ]);
    block_on(c.token(&sc.io())).unwrap();
    Rc::get_mut(&mut c.session).unwrap().engine.max_body_bytes = 10;
    let e = block_on(c.list_dir(&sc.io(), None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::LimitExceeded);
    assert!(
        e.message().contains("11 bytes announced"),
        "{}",
        e.message()
    );
    // No Content-Length (a gzip body): counted while reading, chunk by chunk.
    let big = Reply::Answer {
        status: 200,
        headers: vec![],
        chunks: vec![b"[  ".to_vec(), b"        ".to_vec(), b"]".to_vec()],
        cut: false,
    };
    let sc = Script::new(vec![big]);
    let e = block_on(c.list_dir(&sc.io(), None)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::LimitExceeded);
    assert_eq!(sc.ops(), ["listDir"], "never retried");
}

#[test]
fn download_errors_carry_the_servers_words() {
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(
            404,
            r#"{"error": "file does not exist", "message": "Unable to stat file"}"#,
        ),
    ]);
    let e = match block_on(client().download_file(&sc.io(), "/nope.csv", None)) {
        Err(e) => e,
        Ok(_) => panic!("a 404 must fail"),
    };
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert_eq!(e.server_message(), Some("Unable to stat file"));
    assert_eq!(e.server_error(), Some("file does not exist"));

    // A dropped connection is explained once the retries are spent; one path is "1 path".
    let sc = Script::new(vec![
        tok("t"),
        Reply::Fail(Attempt::Network),
        Reply::Fail(Attempt::Network),
        Reply::Fail(Attempt::Network),
    ]);
    let e = match block_on(client().download_zip(&sc.io(), &["/a".to_string()])) {
        Err(e) => e,
        Ok(_) => panic!("must fail"),
    };
    assert_eq!(e.code(), ErrorCode::Network);
    assert!(
        e.message().starts_with("downloadZip(1 path) failed"),
        "{}",
        e.message()
    );
    assert_eq!(sc.ops().len(), 4);
}

#[test]
fn a_resumed_download_must_start_at_the_offset() {
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(200, "whole file"),
        Reply::new(206, "tail").header("Content-Range", "bytes 6-9/10"),
        Reply::new(206, "tail"),
    ]);
    let c = client();
    let e = match block_on(c.download_file(&sc.io(), "/f", Some(6))) {
        Err(e) => e,
        Ok(_) => panic!("a 200 is not a resume"),
    };
    assert_eq!(e.code(), ErrorCode::InvalidResponse);
    assert!(block_on(c.download_file(&sc.io(), "/f", Some(6))).is_ok());
    assert!(
        block_on(c.download_file(&sc.io(), "/f", Some(6))).is_ok(),
        "range hidden by CORS"
    );
    assert_eq!(sc.sent.borrow()[1].header_value("range"), Some("bytes=6-"));
}

#[test]
fn logout_forgets_the_token_and_sends_nothing_without_one() {
    let sc = Script::new(vec![
        tok("t"),
        Reply::new(200, r#"{"message": "logged out"}"#),
        tok("t2"),
    ]);
    let c = client();
    block_on(c.logout(&sc.io())).unwrap();
    assert!(sc.sent.borrow().is_empty());
    block_on(c.token(&sc.io())).unwrap();
    block_on(c.logout(&sc.io())).unwrap();
    assert_eq!(sc.auth_header(1).as_deref(), Some("Bearer t"));
    block_on(c.token(&sc.io())).unwrap();
    assert_eq!(sc.ops(), ["token", "logout", "token"]);
}

#[test]
fn secrets_echoed_by_a_server_never_reach_an_error() {
    // The Basic header value (and its base64), the password, and the bearer token, echoed back.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("fournisseur:motdepasse-Été:2025");
    let echo_login = format!(
        r#"{{"error": "bad Authorization: Basic {b64}", "message": "password motdepasse-Été:2025 refused (motdepasse-%C3%89t%C3%A9%3A2025)"}}"#
    );
    let sc = Script::new(vec![Reply::new(401, &echo_login)]);
    let e = block_on(client().token(&sc.io())).unwrap_err();
    let all = format!("{e} {e:?}");
    for secret in [
        b64.as_str(),
        "motdepasse-Été:2025",
        "motdepasse-%C3%89t%C3%A9%3A2025",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    assert!(all.contains("<redacted>"), "{all}");

    let sc = Script::new(vec![
        tok("tok-SECRET-1"),
        Reply::new(500, r#"{"message": "boom for Bearer tok-SECRET-1"}"#),
    ]);
    let c = client();
    let e = block_on(c.list_dir(&sc.io(), None)).unwrap_err();
    let all = format!("{e} {e:?}");
    assert!(!all.contains("tok-SECRET-1"), "{all}");
}

#[test]
fn a_walk_stops_a_listing_over_its_entry_budget_while_it_arrives() {
    use crate::echange::walk::WalkLimits;
    // Three entries (one name holds braces and an escaped quote); a budget of two.
    let chunks = vec![
        br#"[{"name": "a{[\"}.csv", "size": 1, "mode": 420, "last_modified": "2025-12-01T10:00:00Z"},"#.to_vec(),
        br#"{"name": "b.csv", "size": 1, "mode": 420, "last_modified": "2025-12-01T10:00:00Z"},"#.to_vec(),
        br#"{"name": "c.csv", "size": 1, "mode": 420, "last_modified": "2025-12-01T10:00:00Z"}"#.to_vec(),
        b"]".to_vec(),
    ];
    let listing = || Reply::Answer {
        status: 200,
        headers: vec![],
        chunks: chunks.clone(),
        cut: false,
    };
    let limits = |n| WalkLimits {
        max_entries: n,
        ..WalkLimits::default()
    };
    let sc = Script::new(vec![tok("t"), listing()]);
    let e = block_on(client().walk(&sc.io(), Some("/"), 4, limits(2))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::LimitExceeded);
    assert!(e.message().contains("2 left"), "{}", e.message());
    assert_eq!(sc.ops(), ["token", "listDir"], "not retried");

    // Within the budget the same listing is read whole, braces in names notwithstanding.
    let sc = Script::new(vec![tok("t"), listing()]);
    let all = block_on(client().walk(&sc.io(), Some("/"), 4, limits(3))).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].name, "a{[\"}.csv");
}
