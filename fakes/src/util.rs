//! Small helpers shared by the fakes: Go-style query decoding, Go `%q` quoting, SFTPGo-style
//! JSON bodies, date formatting, and the connection "kill switch" used to drop a connection
//! without any response.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;

/// Handle that lets a handler close its TCP connection abruptly.
///
/// The server inserts one in every request's extensions. Calling [`ConnKill::kill`] makes the
/// connection task drop the socket at once, whatever hyper has buffered.
#[derive(Clone, Debug, Default)]
pub struct ConnKill(Arc<tokio::sync::Notify>);

impl ConnKill {
    /// A fresh, unfired switch.
    pub fn new() -> ConnKill {
        ConnKill::default()
    }

    /// Closes the connection (idempotent).
    pub fn kill(&self) {
        self.0.notify_one();
    }

    /// Resolves once [`ConnKill::kill`] has been called.
    pub async fn killed(&self) {
        self.0.notified().await;
    }

    /// Closes the connection before any status line is written: never returns.
    pub async fn drop_now(&self) -> Response {
        self.kill();
        std::future::pending::<Response>().await
    }
}

/// The TCP peer address of the request's connection (in request extensions).
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// What a streamed body sends through its channel.
#[derive(Debug)]
pub enum BodyMsg {
    /// Some body bytes.
    Data(Bytes),
    /// The body is complete (the chunked terminator is sent).
    End,
}

/// A body fed by a channel. If the sender is dropped without [`BodyMsg::End`], the body
/// waits briefly (so what was already produced gets flushed) and then cuts the connection:
/// the client sees a truncated body without the chunked terminator.
pub fn channel_body(rx: tokio::sync::mpsc::Receiver<BodyMsg>, kill: ConnKill) -> Body {
    let stream = futures_util::stream::unfold(Some((rx, kill)), |st| async move {
        let (mut rx, kill) = st?;
        match rx.recv().await {
            Some(BodyMsg::Data(b)) => Some((Ok::<Bytes, std::io::Error>(b), Some((rx, kill)))),
            Some(BodyMsg::End) => None,
            None => {
                tokio::time::sleep(Duration::from_millis(150)).await;
                kill.kill();
                std::future::pending::<()>().await;
                None
            }
        }
    });
    Body::from_stream(stream)
}

/// Decodes a raw query string with Go's `net/url.ParseQuery` rules: `&` separates pairs,
/// `+` is a space, a pair holding a raw `;` or a bad `%` escape is dropped.
pub fn go_query(raw: Option<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(raw) = raw else { return out };
    for pair in raw.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = match pair.split_once('=') {
            Some((k, v)) => (k, v),
            None => (pair, ""),
        };
        let (Some(k), Some(v)) = (form_unescape(k), form_unescape(v)) else {
            continue;
        };
        out.push((k, v));
    }
    out
}

/// First value of `name` in a decoded query (Go's `Query().Get`, but distinguishing absent).
pub fn query_get(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn form_unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b.get(i).copied() {
            Some(b'+') => {
                out.push(b' ');
                i += 1;
            }
            Some(b'%') => {
                let h = b.get(i + 1).copied().and_then(hex_val)?;
                let l = b.get(i + 2).copied().and_then(hex_val)?;
                out.push(h * 16 + l);
                i += 3;
            }
            Some(c) => {
                out.push(c);
                i += 1;
            }
            None => break,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go `%q` quoting: `"` and `\` escaped, control characters escaped, printable non-ASCII kept.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON text with Go's HTML escaping (`<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`).
/// Those characters can only occur inside strings in JSON text, so a plain replace is exact.
pub fn go_json<T: Serialize + ?Sized>(v: &T) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".to_string());
    html_escape_json(&s)
}

/// Applies Go's HTML escaping to JSON text.
pub fn html_escape_json(s: &str) -> String {
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A go-chi `render.JSON` response: compact, HTML-escaped, trailing `\n`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, v: &T) -> Response {
    let mut body = go_json(v);
    body.push('\n');
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[derive(Serialize)]
struct ApiResponse<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    message: &'a str,
}

/// SFTPGo `ApiResponse` body: `{"error"?,"message"}`.
pub fn api_msg(status: StatusCode, message: &str, error: Option<&str>) -> Response {
    json_response(status, &ApiResponse { error, message })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn rfc3339_utc(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Current Unix time in seconds.
pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// Current Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 7231 date (`Tue, 21 Jul 2026 06:00:11 GMT`).
pub fn http_date(secs: i64) -> String {
    // Clamped to what an HTTP date can express (years 1970..=9999).
    let secs = secs.clamp(0, 253_402_300_799) as u64;
    let t = std::time::UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(std::time::UNIX_EPOCH);
    httpdate::fmt_http_date(t)
}

/// Parses an HTTP date into Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(s).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// FNV-1a 64-bit hash.
pub fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_go_rules() {
        let q = go_query(Some("path=a;b&x=1"));
        assert_eq!(q, vec![("x".to_string(), "1".to_string())]);
        let q = go_query(Some("path=%zz&x=1"));
        assert_eq!(q, vec![("x".to_string(), "1".to_string())]);
        let q = go_query(Some("path=a+b%2Bc&path=second"));
        assert_eq!(query_get(&q, "path").as_deref(), Some("a b+c"));
        let q = go_query(Some("path=%C3%A9t%C3%A9"));
        assert_eq!(query_get(&q, "path").as_deref(), Some("été"));
        assert_eq!(query_get(&go_query(None), "path"), None);
    }

    #[test]
    fn quoting_and_escaping() {
        assert_eq!(go_quote("/R&D \"x\"\\é"), "\"/R&D \\\"x\\\"\\\\é\"");
        assert_eq!(go_quote("a\nb\x01"), "\"a\\nb\\x01\"");
        assert_eq!(
            go_json(&serde_json::json!({"m": "<a&b>"})),
            "{\"m\":\"\\u003ca\\u0026b\\u003e\"}"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        let d = days_from_civil(2026, 7, 21);
        assert_eq!(
            rfc3339_utc(d * 86400 + 18 * 3600 + 26 * 60 + 40),
            "2026-07-21T18:26:40Z"
        );
        assert_eq!(rfc3339_utc(951782400), "2000-02-29T00:00:00Z");
        assert_eq!(http_date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(-5), "Thu, 01 Jan 1970 00:00:00 GMT");
        let s = http_date(1784613611);
        assert_eq!(parse_http_date(&s), Some(1784613611));
        assert!(s.ends_with(" GMT"));
    }
}
