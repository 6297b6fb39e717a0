//! Streamzip of big files streams: bounded memory for 64 MiB, and (release, `--ignored`)
//! throughput of a 1 GiB generated file. Alone in this binary so memory readings are clean.

mod common;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Streams a zip, discarding bytes; returns (bytes received, tail bytes, terminated).
async fn stream_zip(addr: std::net::SocketAddr, b: &str, body: &str) -> (u64, Vec<u8>, bool) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(&build(
        "POST",
        "/api/v2/user/streamzip",
        &[("Authorization", b)],
        body.as_bytes(),
    ))
    .await
    .unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let mut tail: Vec<u8> = Vec::new();
    let mut head: Vec<u8> = Vec::new();
    loop {
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        if head.len() < 64 {
            head.extend_from_slice(&buf[..n.min(64)]);
        }
        total += n as u64;
        tail.extend_from_slice(&buf[..n]);
        if tail.len() > 256 {
            tail.drain(..tail.len() - 256);
        }
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&head)
    );
    let terminated = tail.ends_with(b"\r\n0\r\n\r\n");
    (total, tail, terminated)
}

#[tokio::test]
async fn zip_of_64_mib_streams_with_bounded_memory() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let before = vm_hwm_kib();
    let (total, tail, done) = stream_zip(s.addr, &b, r#"["/Volumineux/gros-64MiB.bin"]"#).await;
    assert!(done, "complete chunked body");
    assert!(total > 64 << 20, "random data does not compress: {total}");
    // The end record is the last payload before the terminator.
    let body_tail = &tail[..tail.len() - 7];
    let eocd = body_tail.windows(4).rposition(|w| w == b"PK\x05\x06");
    assert!(eocd.is_some(), "end record present");
    if let (Some(a), Some(z)) = (before, vm_hwm_kib()) {
        let grew_mib = (z.saturating_sub(a)) / 1024;
        eprintln!("peak memory growth while streaming 64 MiB: {grew_mib} MiB");
        assert!(
            grew_mib < 40,
            "peak memory grew by {grew_mib} MiB while streaming 64 MiB"
        );
    }
}
