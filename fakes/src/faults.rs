//! Fault injection: queued faults that hit the next matching requests, on every API route
//! (Échange and PRE-ETAT.DATE alike).

use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::util::{api_msg, channel_body, BodyMsg, ConnKill};

/// What a fault does.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status (Échange-style JSON body unless `body` is given).
    Status {
        /// HTTP status.
        status: u16,
        /// Raw body to send instead of the JSON one.
        #[serde(default)]
        body: Option<String>,
        /// Seconds for `Retry-After` (and `X-Retry-In`).
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Wait before handling the request normally.
    Slow {
        /// Delay before the headers, in ms.
        delay_ms: u64,
    },
    /// Close the connection without any response.
    Drop,
    /// Send the headers and `after_bytes` body bytes of the real response, then cut.
    DropMidBody {
        /// Body bytes sent before the cut.
        #[serde(default = "default_after")]
        after_bytes: u64,
    },
    /// 200 with a JSON content type and a truncated JSON body.
    InvalidJson,
    /// An nginx-like HTML error page.
    Html {
        /// HTTP status (default 502).
        #[serde(default = "default_html_status")]
        status: u16,
    },
}

fn default_after() -> u64 {
    4096
}
fn default_html_status() -> u16 {
    502
}
fn default_times() -> u32 {
    1
}

/// A queued fault (body of `POST /__fake/faults`).
#[derive(Clone, Debug, Deserialize)]
pub struct Fault {
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Exact request path (no query).
    pub path: String,
    /// How many matching requests it hits.
    #[serde(default = "default_times")]
    pub times: u32,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// The fault queue.
#[derive(Debug, Default)]
pub struct Faults {
    queue: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Queues a fault.
    pub fn push(&self, f: Fault) {
        if f.times > 0 {
            if let Ok(mut q) = self.queue.lock() {
                q.push(f);
            }
        }
    }

    /// Removes every fault.
    pub fn clear(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.clear();
        }
    }

    /// Takes one use of the first fault matching this request.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut q = self.queue.lock().ok()?;
        let idx = q.iter().position(|f| {
            f.path == path
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        let f = q.get_mut(idx)?;
        f.times = f.times.saturating_sub(1);
        let kind = f.kind.clone();
        if f.times == 0 {
            q.remove(idx);
        }
        Some(kind)
    }
}

/// Outcome of applying a fault before the handler runs.
pub enum Applied {
    /// Answer with this response, skipping the handler.
    Respond(Response),
    /// Run the handler, then cut its body after this many bytes.
    CutAfter(u64),
    /// Run the handler normally (after a delay that already happened).
    Continue,
}

/// Applies the part of a fault that comes before the handler.
pub async fn apply(kind: FaultKind, kill: &ConnKill) -> Applied {
    match kind {
        FaultKind::Status {
            status,
            body,
            retry_after,
        } => {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut r = match body {
                Some(b) => {
                    let mut r = Response::new(Body::from(b));
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                    r
                }
                None => api_msg(st, st.canonical_reason().unwrap_or("Error"), None),
            };
            *r.status_mut() = st;
            if let Some(s) = retry_after {
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                if let Ok(v) = HeaderValue::from_str(&format!("{s}s")) {
                    r.headers_mut().insert("x-retry-in", v);
                }
            }
            Applied::Respond(r)
        }
        FaultKind::Slow { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            Applied::Continue
        }
        FaultKind::Drop => Applied::Respond(kill.drop_now().await),
        FaultKind::DropMidBody { after_bytes } => Applied::CutAfter(after_bytes),
        FaultKind::InvalidJson => {
            let mut r = Response::new(Body::from("{\"oops\": [1, 2"));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Applied::Respond(r)
        }
        FaultKind::Html { status } => {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = st.canonical_reason().unwrap_or("Error");
            let code = st.as_u16();
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            let mut r = Response::new(Body::from(page));
            *r.status_mut() = st;
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            Applied::Respond(r)
        }
    }
}

/// Rewrites a response so that only `after` body bytes are sent (chunked), then the
/// connection is cut without the chunked terminator.
pub fn cut_after(resp: Response, after: u64, kill: ConnKill) -> Response {
    let (mut parts, body) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut left = after;
        let mut stream = body.into_data_stream();
        while left > 0 {
            let Some(Ok(chunk)) = stream.next().await else {
                break;
            };
            let n = (chunk.len() as u64).min(left) as usize;
            left -= n as u64;
            if tx.send(BodyMsg::Data(chunk.slice(..n))).await.is_err() {
                return;
            }
        }
        drop(tx);
    });
    Response::from_parts(parts, channel_body(rx, kill))
}
