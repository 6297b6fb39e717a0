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

/// The origin of an absolute `http(s)` URL: lower-case scheme and host, the port only when it
/// is not the scheme's default (`https://h:443/x` → `https://h`). `None` for anything else.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = split_scheme(url)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Userinfo is not part of the origin.
    let host_port = authority
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if host_port.is_empty() {
        return None;
    }
    let default = if scheme == "https" { ":443" } else { ":80" };
    let host_port = host_port.strip_suffix(default).unwrap_or(&host_port);
    Some(format!("{scheme}://{host_port}"))
}

/// `("http" | "https", rest after "://")`, case-insensitively.
fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let lower = |n: usize| url.get(..n).map(str::to_ascii_lowercase);
    if lower(8).as_deref() == Some("https://") {
        Some(("https", &url[8..]))
    } else if lower(7).as_deref() == Some("http://") {
        Some(("http", &url[7..]))
    } else {
        None
    }
}

/// Resolves a `Location` header against the URL that answered it. `None` when the target is
/// not `http(s)` (`file:`, `data:`, `javascript:` …) or holds control characters.
pub fn resolve(base: &str, location: &str) -> Option<String> {
    let loc = location.trim();
    if loc.is_empty() || loc.chars().any(char::is_control) {
        return None;
    }
    if split_scheme(loc).is_some() {
        return Some(loc.to_string());
    }
    // Any other scheme (`file:`, `data:` …): a ':' before the first '/', '?' or '#'.
    let head = loc.split(['/', '?', '#']).next().unwrap_or("");
    if head.contains(':') {
        return None;
    }
    let (scheme, rest) = split_scheme(base)?;
    if let Some(r) = loc.strip_prefix("//") {
        return Some(format!("{scheme}://{r}"));
    }
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let root = &base[..base.len() - rest.len() + authority_len];
    if loc.starts_with('/') {
        return Some(format!("{root}{loc}"));
    }
    let path_and_more = &rest[authority_len..];
    let path = path_and_more.split(['?', '#']).next().unwrap_or("");
    if loc.starts_with('?') || loc.starts_with('#') {
        return Some(format!("{root}{path}{loc}"));
    }
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    Some(format!("{root}{dir}{loc}"))
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

    #[test]
    fn origins_and_redirect_targets() {
        assert_eq!(
            origin("https://H.example:443/a?b").as_deref(),
            Some("https://h.example")
        );
        assert_eq!(origin("http://h:8080").as_deref(), Some("http://h:8080"));
        assert_eq!(
            origin("http://u:p@evil.test/x").as_deref(),
            Some("http://evil.test")
        );
        assert_eq!(origin("file:///etc/passwd"), None);
        let base = "http://127.0.0.1:9/api/v2/user/dirs?path=a";
        assert_eq!(
            resolve(base, "/x?y=1").as_deref(),
            Some("http://127.0.0.1:9/x?y=1")
        );
        assert_eq!(
            resolve(base, "files").as_deref(),
            Some("http://127.0.0.1:9/api/v2/user/files")
        );
        assert_eq!(
            resolve(base, "?path=b").as_deref(),
            Some("http://127.0.0.1:9/api/v2/user/dirs?path=b")
        );
        assert_eq!(
            resolve(base, "//evil.test/p").as_deref(),
            Some("http://evil.test/p")
        );
        assert_eq!(
            resolve(base, "HTTPS://evil.test").as_deref(),
            Some("HTTPS://evil.test")
        );
        for bad in [
            "file:///etc/passwd",
            "data:text/plain,hi",
            "javascript:alert(1)",
            "",
            "/a\r\nb",
        ] {
            assert_eq!(resolve(base, bad), None, "{bad}");
        }
        assert_eq!(resolve("http://h", "x").as_deref(), Some("http://h/x"));
    }
}
