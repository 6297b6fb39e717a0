//! A raw HTTP/1.1 client over TcpStream: every byte the fake sends is visible, including
//! missing status lines and missing chunked terminators.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use passerelle_fakes::server::{start, Config, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const USER: &str = "fournisseur";
pub const PASS: &str = "motdepasse-Été:2025";

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub raw_headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub chunked: bool,
    /// For chunked bodies: the zero-length terminator chunk arrived.
    pub complete: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.raw_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }
}

pub async fn server() -> Running {
    start(Config::default()).await.expect("start fake")
}

/// Sends raw bytes, reads until EOF (30 s max), returns everything received.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    let read = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("server did not close the connection");
    out
}

/// Builds a request (Connection: close).
pub fn build(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" || method == "PATCH" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    let mut v = r.into_bytes();
    v.extend_from_slice(body);
    v
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

/// Parses a full response; `None` when not even a status line arrived.
pub fn parse(raw: &[u8], head_only: bool) -> Option<Resp> {
    let end = find(raw, b"\r\n\r\n")?;
    let head = &raw[..end];
    let rest = &raw[end + 4..];
    let mut lines = head.split(|b| *b == b'\n');
    let status_line = String::from_utf8_lossy(lines.next()?).into_owned();
    let status: u16 = status_line.split(' ').nth(1)?.trim().parse().ok()?;
    let mut headers = Vec::new();
    let mut raw_headers = Vec::new();
    for l in lines {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let i = l.iter().position(|b| *b == b':')?;
        let k = String::from_utf8_lossy(&l[..i]).into_owned();
        let v = l[i + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&l[i + 1..])
            .to_vec();
        headers.push((k.clone(), String::from_utf8_lossy(&v).into_owned()));
        raw_headers.push((k, v));
    }
    let mut r = Resp {
        status,
        headers,
        raw_headers,
        body: Vec::new(),
        chunked: false,
        complete: true,
    };
    if head_only {
        r.body = rest.to_vec();
        return Some(r);
    }
    if r.header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        r.chunked = true;
        r.complete = false;
        let mut pos = 0;
        while let Some(le) = find(&rest[pos..], b"\r\n") {
            let size_txt = String::from_utf8_lossy(&rest[pos..pos + le]).into_owned();
            let Ok(size) = usize::from_str_radix(size_txt.split(';').next()?.trim(), 16) else {
                break;
            };
            pos += le + 2;
            if size == 0 {
                r.complete = rest.get(pos..pos + 2) == Some(b"\r\n");
                break;
            }
            if pos + size > rest.len() {
                r.body.extend_from_slice(&rest[pos..]);
                break;
            }
            r.body.extend_from_slice(&rest[pos..pos + size]);
            pos += size + 2;
        }
    } else {
        r.body = rest.to_vec();
    }
    Some(r)
}

pub async fn req(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let raw_resp = raw(addr, &build(method, target, headers, body)).await;
    parse(&raw_resp, method == "HEAD").unwrap_or_else(|| {
        panic!(
            "no HTTP response for {method} {target}: {:?}",
            String::from_utf8_lossy(&raw_resp)
        )
    })
}

pub async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Resp {
    req(addr, "GET", target, headers, b"").await
}

pub fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

pub async fn token_for(addr: SocketAddr, user: &str, pass: &str) -> String {
    let r = get(
        addr,
        "/api/v2/user/token",
        &[("Authorization", &basic(user, pass))],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub async fn bearer(addr: SocketAddr) -> String {
    format!("Bearer {}", token_for(addr, USER, PASS).await)
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn control(addr: SocketAddr, method: &str, path: &str, body: serde_json::Value) -> Resp {
    let b = serde_json::to_vec(&body).unwrap();
    let r = req(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        if method == "GET" || method == "DELETE" {
            b""
        } else {
            &b
        },
    )
    .await;
    assert!(r.status < 300, "control {path}: {} {}", r.status, r.text());
    r
}
