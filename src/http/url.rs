//! Base URLs and query strings.
//!
//! Query values are percent-encoded so that only RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) and `/` stay literal: SFTPGo decodes queries with form rules (`+` is a
//! space; pairs holding `;` or a bad `%` escape are silently dropped), so `+`, `;`, `&`, `#`, `%`,
//! `?`, spaces and every non-ASCII byte must be escaped.

use crate::error::{Error, Result};

/// A validated base URL: scheme + host (+ optional path prefix), without a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates `http(s)://host[:port][/prefix]`; a trailing `/` is tolerated. Query strings,
    /// fragments and embedded credentials are refused (the latter would leak into logs).
    pub fn parse(input: &str) -> Result<BaseUrl> {
        let s = input.trim();
        let rest = if let Some(r) = s.strip_prefix("https://") {
            r
        } else if let Some(r) = s.strip_prefix("http://") {
            r
        } else {
            return Err(Error::invalid_input(
                "baseUrl must start with http:// or https://",
            ));
        };
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() {
            return Err(Error::invalid_input("baseUrl has no host"));
        }
        if host.contains('@') {
            return Err(Error::invalid_input(
                "baseUrl must not embed credentials; pass them as options",
            ));
        }
        if s.contains('?') || s.contains('#') {
            return Err(Error::invalid_input(
                "baseUrl must not contain a query string or fragment",
            ));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_input("baseUrl must not contain spaces"));
        }
        Ok(BaseUrl(s.trim_end_matches('/').to_string()))
    }

    /// The base URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base + path + ?query`, with every query value percent-encoded.
    /// `path` must start with `/` and is used as is.
    pub fn join(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(self.0.len() + path.len() + 32);
        out.push_str(&self.0);
        out.push_str(path);
        let mut first = true;
        for (k, v) in query {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(&encode_query_value(k));
            out.push('=');
            out.push_str(&encode_query_value(v));
        }
        out
    }
}

/// Percent-encodes a query value: everything but `A-Z a-z 0-9 - . _ ~ /` is escaped, as UTF-8.
pub fn encode_query_value(value: &str) -> String {
    encode(value, |b| b == b'/')
}

/// Percent-encodes one path segment: everything but `A-Z a-z 0-9 - . _ ~` is escaped.
pub fn encode_path_segment(value: &str) -> String {
    encode(value, |_| false)
}

fn encode(value: &str, keep: impl Fn(u8) -> bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:8080/").unwrap().as_str(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            BaseUrl::parse("https://h/api").unwrap().as_str(),
            "https://h/api"
        );
        for bad in [
            "ftp://h",
            "h",
            "http://",
            "http://u:p@h",
            "http://h/?x",
            "http://h/a b",
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{bad}");
            assert!(!e.message().contains("u:p"));
        }
    }

    #[test]
    fn query_encoding_matches_sftpgo_needs() {
        let b = BaseUrl::parse("http://h").unwrap();
        assert_eq!(
            b.join("/api/v2/user/dirs", &[("path", "Relevés/Déc 2025")]),
            "http://h/api/v2/user/dirs?path=Relev%C3%A9s/D%C3%A9c%202025"
        );
        assert_eq!(
            encode_query_value("a+b;c%d#e?f&g"),
            "a%2Bb%3Bc%25d%23e%3Ff%26g"
        );
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
    }
}
