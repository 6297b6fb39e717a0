//! The status line and headers of a response, as the transport received them.

/// Status and headers of a response (the body travels separately, as bytes or a stream).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseHead {
    /// HTTP status code.
    pub status: u16,
    /// Header pairs; names as received.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// A head with a status and headers.
    pub fn new(status: u16, headers: Vec<(String, String)>) -> ResponseHead {
        ResponseHead { status, headers }
    }

    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Content-Length`, when present and valid.
    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length")?.trim().parse().ok()
    }

    /// `Retry-After` in seconds: delta-seconds, or an HTTP date relative to `now_ms`.
    pub fn retry_after(&self, now_ms: u64) -> Option<u64> {
        let v = self.header("retry-after")?.trim();
        if let Ok(s) = v.parse::<u64>() {
            return Some(s);
        }
        let at = crate::time::parse_http_date(v)?;
        let now = (now_ms / 1000) as i64;
        Some(at.saturating_sub(now).max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let h = |v: &str| ResponseHead::new(429, vec![("Retry-After".into(), v.into())]);
        assert_eq!(h("3").retry_after(0), Some(3));
        assert_eq!(
            h("Thu, 01 Jan 1970 00:00:10 GMT").retry_after(4_000),
            Some(6)
        );
        assert_eq!(
            h("Thu, 01 Jan 1970 00:00:10 GMT").retry_after(20_000),
            Some(0)
        );
        assert_eq!(h("soon").retry_after(0), None);
        assert_eq!(ResponseHead::new(200, vec![]).retry_after(0), None);
    }
}
