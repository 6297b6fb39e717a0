//! Request builders for the SFTPGo user API (`/api/v2/user/...`). Pure: they only describe
//! requests. The bearer token is added per attempt by the client ([`with_bearer`]).

use std::fmt;

use super::paths;
use crate::error::{Error, Result};
use crate::http::{BaseUrl, Body, Method, Request};

/// Account credentials. `Debug` never prints the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// SFTPGo username.
    pub username: String,
    /// Password (UTF-8; may contain `:`).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// `username:password` in standard base64, as the Basic scheme sends it.
    pub(crate) fn basic(&self) -> String {
        base64(format!("{}:{}", self.username, self.password).as_bytes())
    }

    /// Checks what Basic auth can carry: a non-empty username without `:` or control
    /// characters, and a password that is not blank (SFTPGo refuses blank ones).
    pub fn validate(&self) -> Result<()> {
        if self.username.is_empty() {
            return Err(Error::invalid_input("EchangeClient: username is empty"));
        }
        if self.username.contains(':') || self.username.chars().any(char::is_control) {
            return Err(Error::invalid_input(
                "EchangeClient: username must not contain ':' or control characters",
            ));
        }
        if self.password.trim().is_empty() {
            return Err(Error::invalid_input("EchangeClient: password is empty"));
        }
        Ok(())
    }
}

const TOKEN: &str = "/api/v2/user/token";
const LOGOUT: &str = "/api/v2/user/logout";
const DIRS: &str = "/api/v2/user/dirs";
const FILES: &str = "/api/v2/user/files";
const UPLOAD: &str = "/api/v2/user/files/upload";
const STREAMZIP: &str = "/api/v2/user/streamzip";
const COPY: &str = "/api/v2/user/file-actions/copy";
const MOVE: &str = "/api/v2/user/file-actions/move";

/// `GET /api/v2/user/token` with Basic auth (UTF-8) and an optional `X-SFTPGO-OTP`.
pub fn token(base: &BaseUrl, creds: &Credentials, otp: Option<&str>) -> Result<Request> {
    creds.validate()?;
    let basic = creds.basic();
    let mut req = Request::new("token", Method::Get, base.join(TOKEN, &[]))
        .header("Authorization", format!("Basic {basic}"))
        // A token request consumes an OTP; replaying it with the same code would fail anyway.
        .retryable(otp.is_none());
    if let Some(code) = otp {
        let code = code.trim();
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::invalid_input(
                "token: the 2FA code (otp) must be a non-empty string of letters and digits",
            ));
        }
        req = req.header("X-SFTPGO-OTP", code);
    }
    Ok(req)
}

/// Adds (or replaces) `Authorization: Bearer <token>`.
pub fn with_bearer(mut req: Request, access_token: &str) -> Request {
    req.set_header("Authorization", format!("Bearer {access_token}"));
    req
}

/// `GET /api/v2/user/logout` (not retried: a second logout of the same token is a 401).
pub fn logout(base: &BaseUrl) -> Request {
    Request::new("logout", Method::Get, base.join(LOGOUT, &[])).retryable(false)
}

/// `GET /api/v2/user/dirs?path=…` (no `path` parameter for the home/start folder).
pub fn list_dir(base: &BaseUrl, path: Option<&str>) -> Result<Request> {
    let url = match path {
        Some(p) if !p.is_empty() => {
            paths::check("listDir", p)?;
            base.join(DIRS, &[("path", p)])
        }
        _ => base.join(DIRS, &[]),
    };
    Ok(Request::new("listDir", Method::Get, url))
}

/// `POST /api/v2/user/streamzip` with the JSON array of (checked, cleaned) paths.
/// Read-only on the server, so it may be retried until the response has started.
pub fn stream_zip(base: &BaseUrl, items: &[String]) -> Result<Request> {
    let cleaned = paths::check_zip_list(items)?;
    let body = crate::json::ToJson::to_json(&cleaned);
    Ok(
        Request::new("downloadZip", Method::Post, base.join(STREAMZIP, &[]))
            .json(body)
            .retryable(true),
    )
}

/// `GET /api/v2/user/files?path=…`, with `Range: bytes=<offset>-` when resuming.
pub fn download_file(base: &BaseUrl, path: &str, offset: Option<u64>) -> Result<Request> {
    paths::check("downloadFile", path)?;
    if paths::clean(path) == "/" {
        return Err(Error::invalid_input(
            "downloadFile: give the path of a file",
        ));
    }
    let mut req = Request::new(
        "downloadFile",
        Method::Get,
        base.join(FILES, &[("path", path)]),
    );
    if let Some(o) = offset.filter(|o| *o > 0) {
        // `bytes=0-0` would be misread by SFTPGo (docs/echange.md#downloads): only open-ended ranges are sent.
        req = req.header("Range", format!("bytes={o}-"));
    }
    Ok(req)
}

/// `POST /api/v2/user/files/upload?path=…[&mkdir_parents=true]` with a raw body and an optional
/// `X-SFTPGO-MTIME` (milliseconds since the epoch). Retryable only when the body can be sent
/// again (`replayable`: bytes, a Blob or an ArrayBuffer; never a stream).
pub fn upload_file(
    base: &BaseUrl,
    path: &str,
    body: Body,
    replayable: bool,
    mkdir_parents: bool,
    mtime_ms: Option<i64>,
) -> Result<Request> {
    paths::check("uploadFile", path)?;
    if paths::clean(path) == "/" {
        return Err(Error::invalid_input("uploadFile: give the path of a file"));
    }
    let mut query = vec![("path", path)];
    if mkdir_parents {
        query.push(("mkdir_parents", "true"));
    }
    let mut req = Request::new("uploadFile", Method::Post, base.join(UPLOAD, &query))
        .header("Content-Type", "application/octet-stream")
        .retryable(replayable);
    if let Some(ms) = mtime_ms {
        req = req.header("X-SFTPGO-MTIME", ms.to_string());
    }
    req.body = body;
    Ok(req)
}

/// `POST /api/v2/user/dirs?path=…[&mkdir_parents=true]` (not retried: a replay answers 500
/// "already exists").
pub fn mkdir(base: &BaseUrl, path: &str, parents: bool) -> Result<Request> {
    paths::check("mkdir", path)?;
    let mut query = vec![("path", path)];
    if parents {
        query.push(("mkdir_parents", "true"));
    }
    Ok(Request::new("mkdir", Method::Post, base.join(DIRS, &query)).retryable(false))
}

/// `DELETE /api/v2/user/files?path=…`
pub fn delete_file(base: &BaseUrl, path: &str) -> Result<Request> {
    paths::check("deleteFile", path)?;
    Ok(Request::new(
        "deleteFile",
        Method::Delete,
        base.join(FILES, &[("path", path)]),
    ))
}

/// `DELETE /api/v2/user/dirs?path=…` (recursive on the server). Refuses `/`.
pub fn delete_dir(base: &BaseUrl, path: &str) -> Result<Request> {
    paths::check("deleteDir", path)?;
    if paths::clean(path) == "/" {
        return Err(Error::invalid_input(
            "deleteDir: refusing to delete the home folder",
        ));
    }
    Ok(Request::new(
        "deleteDir",
        Method::Delete,
        base.join(DIRS, &[("path", path)]),
    ))
}

/// `POST /api/v2/user/file-actions/move?path=…&target=…` (not retried).
pub fn move_entry(base: &BaseUrl, from: &str, to: &str) -> Result<Request> {
    paths::check("move", from)?;
    paths::check("move", to)?;
    Ok(Request::new(
        "move",
        Method::Post,
        base.join(MOVE, &[("path", from), ("target", to)]),
    )
    .retryable(false))
}

/// `POST /api/v2/user/file-actions/copy?path=…&target=…` (trailing `/` kept: it has a meaning
/// for copy, docs/echange.md#paths). Not retried.
pub fn copy_entry(base: &BaseUrl, from: &str, to: &str) -> Result<Request> {
    paths::check("copy", from)?;
    paths::check("copy", to)?;
    Ok(Request::new(
        "copy",
        Method::Post,
        base.join(COPY, &[("path", from), ("target", to)]),
    )
    .retryable(false))
}

/// Standard base64 (RFC 4648, padded). Written out: the `base64` crate's general engine weighs
/// about 1 KB gzip in the module for this one use.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ABC[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn base64_matches_the_base64_crate() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let want = base64::engine::general_purpose::STANDARD.encode(&bytes);
            assert_eq!(base64(&bytes), want, "{len} bytes");
        }
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }

    fn base() -> BaseUrl {
        BaseUrl::parse("http://127.0.0.1:9/").unwrap()
    }

    fn creds() -> Credentials {
        Credentials {
            username: "fournisseur".into(),
            password: "motdepasse-Été:2025".into(),
        }
    }

    #[test]
    fn token_uses_utf8_basic_and_otp() {
        let r = token(&base(), &creds(), Some("123456")).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:9/api/v2/user/token");
        let b64 =
            base64::engine::general_purpose::STANDARD.encode("fournisseur:motdepasse-Été:2025");
        assert_eq!(
            r.header_value("authorization"),
            Some(format!("Basic {b64}").as_str())
        );
        assert_eq!(r.header_value("x-sftpgo-otp"), Some("123456"));
        assert!(!r.retryable);
        assert!(token(&base(), &creds(), None).unwrap().retryable);
        assert!(token(&base(), &creds(), Some("12 34")).is_err());
        let bad = Credentials {
            username: "a:b".into(),
            password: "x".into(),
        };
        assert!(token(&base(), &bad, None).is_err());
        let blank = Credentials {
            username: "a".into(),
            password: "  ".into(),
        };
        assert!(token(&base(), &blank, None).is_err());
        assert!(!format!("{:?}", creds()).contains("Été"));
    }

    #[test]
    fn listing_urls() {
        assert_eq!(
            list_dir(&base(), None).unwrap().url,
            "http://127.0.0.1:9/api/v2/user/dirs"
        );
        assert_eq!(
            list_dir(&base(), Some("données+spéciales;v2 #1 100%?")).unwrap().url,
            "http://127.0.0.1:9/api/v2/user/dirs?path=donn%C3%A9es%2Bsp%C3%A9ciales%3Bv2%20%231%20100%25%3F"
        );
        let r = with_bearer(list_dir(&base(), Some("/x")).unwrap(), "tok");
        assert_eq!(r.header_value("Authorization"), Some("Bearer tok"));
        assert!(r.retryable);
    }

    #[test]
    fn writes_are_not_retried_unless_safe() {
        assert!(!mkdir(&base(), "/a", true).unwrap().retryable);
        assert!(mkdir(&base(), "/a", true)
            .unwrap()
            .url
            .ends_with("path=/a&mkdir_parents=true"));
        assert!(!move_entry(&base(), "/a", "/b").unwrap().retryable);
        assert!(delete_file(&base(), "/a").unwrap().retryable);
        assert!(delete_dir(&base(), "/").is_err());
        let up = upload_file(
            &base(),
            "/a b.txt",
            Body::Bytes(vec![1]),
            true,
            false,
            Some(1_700_000_000_000),
        )
        .unwrap();
        assert!(up.retryable);
        assert_eq!(up.header_value("X-SFTPGO-MTIME"), Some("1700000000000"));
        assert!(
            !upload_file(&base(), "/a", Body::External, false, true, None)
                .unwrap()
                .retryable
        );
        assert!(copy_entry(&base(), "/d/", "/e/")
            .unwrap()
            .url
            .ends_with("path=/d/&target=/e/"));
    }

    #[test]
    fn zip_and_range() {
        let r = stream_zip(&base(), &["Relevés/Déc 2025/".to_string()]).unwrap();
        assert_eq!(r.body, Body::Json("[\"/Relevés/Déc 2025\"]".into()));
        assert!(r.retryable);
        let d = download_file(&base(), "/f.bin", Some(100)).unwrap();
        assert_eq!(d.header_value("range"), Some("bytes=100-"));
        assert_eq!(
            download_file(&base(), "/f.bin", Some(0))
                .unwrap()
                .header_value("range"),
            None
        );
        assert!(download_file(&base(), "/", None).is_err());
    }
}
