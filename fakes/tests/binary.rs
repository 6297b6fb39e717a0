//! The `passerelle-fakes` binary: first stdout line, serving, clean exit on SIGTERM.

mod common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_base_url_serves_and_exits_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passerelle-fakes"))
        .args(["--port", "0", "--token-ttl", "60", "--lang", "en"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let r = common::get(addr, "/healthz", &[]).await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    let r = common::get(
        addr,
        "/api/v2/user/token",
        &[("Authorization", &common::basic(common::USER, common::PASS))],
    )
    .await;
    assert_eq!(r.status, 200);
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit: {status:?}");
}

#[test]
fn binary_rejects_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_passerelle-fakes"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument"));
}
