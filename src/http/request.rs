//! A request described as data: method, URL, headers, body. Built by the API modules, sent by the
//! transport. Its `Debug` output redacts credentials.

use std::fmt;

/// HTTP methods used by the two APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// DELETE
    Delete,
}

impl Method {
    /// The method name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the method is idempotent by HTTP semantics (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Delete)
    }
}

/// A request body.
#[derive(Clone, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON document (sent with `Content-Type: application/json`).
    Json(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A body the transport supplies itself (a JavaScript stream or Blob); never replayable.
    External,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies can hold credentials (PRE-ETAT.DATE's login, syndic passwords): never print them.
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Json(s) => write!(f, "Json({} bytes)", s.len()),
            Body::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Body::External => f.write_str("External"),
        }
    }
}

/// Header names whose values are secrets.
pub const SENSITIVE_HEADERS: [&str; 4] = [
    "authorization",
    "x-auth-key",
    "x-sftpgo-otp",
    "x-sftpgo-api-key",
];

/// Whether a header's value must never be printed.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

/// A request ready to be sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The operation name used in error messages, e.g. `"listDir"`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Header pairs, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
    /// Whether the transport may send it again after a failure (see [`super::retry`]).
    pub retryable: bool,
    /// Whether the per-attempt timeout applies (off for uploads: `fetch` resolves only once the
    /// whole body is sent, so a timeout would cap the upload's duration).
    pub attempt_timeout: bool,
}

impl Request {
    /// A request with no headers and no body; `retryable` follows the method's idempotency.
    pub fn new(operation: &'static str, method: Method, url: String) -> Request {
        Request {
            operation,
            method,
            url,
            headers: Vec::new(),
            body: Body::Empty,
            retryable: method.is_idempotent(),
            attempt_timeout: true,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json(mut self, json: String) -> Request {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Body::Json(json);
        self
    }

    /// Overrides whether the request may be retried automatically.
    pub fn retryable(mut self, retryable: bool) -> Request {
        self.retryable = retryable;
        self
    }

    /// The first value of a header, case-insensitively.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Replaces (or adds) a header.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.into()));
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if is_sensitive_header(n) {
                    (n.as_str(), "<redacted>")
                } else {
                    (n.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("retryable", &self.retryable)
            .field("attempt_timeout", &self.attempt_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let r = Request::new("token", Method::Get, "http://x/".into())
            .header("Authorization", "Basic c2VjcmV0OnB3")
            .header("X-Auth-Key", "key-123")
            .header("X-SFTPGO-OTP", "123456")
            .json(r#"{"password":"hunter2"}"#.into());
        let s = format!("{r:?}");
        for secret in ["c2VjcmV0OnB3", "key-123", "123456", "hunter2"] {
            assert!(!s.contains(secret), "{secret} leaked in {s}");
        }
        assert!(s.contains("<redacted>"));
    }

    #[test]
    fn idempotency() {
        assert!(Method::Get.is_idempotent());
        assert!(Method::Delete.is_idempotent());
        assert!(!Method::Post.is_idempotent());
        assert!(!Request::new("x", Method::Post, String::new()).retryable);
    }
}
