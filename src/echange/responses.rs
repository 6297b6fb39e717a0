//! Response parsing and error mapping for the SFTPGo user API.
//!
//! Error bodies are `{"error"?: string, "message": string}` (docs/echange.md#errors); both are kept verbatim
//! in [`Error::server_error`] and [`Error::server_message`]. Anything else (a proxy's HTML page,
//! an empty body) still gives an error with the status and a stable code.

use super::model::{DirEntry, Token};
use crate::error::{Error, ErrorCode, Result};
use crate::http::ResponseHead;
use crate::json::{object, opt_string, parse_bytes, req_string, Res};

/// `message` and `error` of an error body, when it is a JSON object whose present ones are
/// strings (or `null`); `None` otherwise.
fn error_body(body: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let v = parse_bytes(body).ok()?;
    let m = object(&v, "").ok()?;
    Some((
        opt_string(m, "", "message").ok()?,
        opt_string(m, "", "error").ok()?,
    ))
}

/// A token body: an object with the strings `access_token` and `expires_at` (other fields are
/// ignored).
fn token_body(body: &[u8]) -> Res<Token> {
    let v = parse_bytes(body).map_err(|e| e.message())?;
    let m = object(&v, "")?;
    Ok(Token {
        access_token: req_string(m, "", "access_token")?,
        expires_at: req_string(m, "", "expires_at")?,
    })
}

/// What the request was about, for messages: `listDir("/Relevés")`.
pub fn subject(operation: &str, path: Option<&str>) -> String {
    match path {
        Some(p) => format!("{operation}(\"{p}\")"),
        None => format!("{operation}()"),
    }
}

fn reason(operation: &str, status: u16, server_message: Option<&str>) -> String {
    match status {
        401 if operation == "token" => "the username, password or 2FA code was refused".to_string(),
        401 if server_message == Some("Your token is not valid") => {
            "the token was refused because it is bound to another client IP address \
             (SFTPGo ties tokens to the address they were issued to)"
                .to_string()
        }
        401 => "the access token was refused".to_string(),
        400 => "the server rejected the request".to_string(),
        403 => "access is forbidden".to_string(),
        404 => "not found".to_string(),
        409 => "conflict".to_string(),
        413 => "the upload is too large or the quota is exhausted".to_string(),
        416 => "the requested range is not satisfiable (the offset is past the end of the file)"
            .to_string(),
        429 => "too many requests".to_string(),
        500..=599 => "the server failed".to_string(),
        s => format!("unexpected HTTP status {s}"),
    }
}

/// The error for a non-2xx response.
pub fn api_error(subject: &str, head: &ResponseHead, body: &[u8], now_ms: u64) -> Error {
    let (server_message, server_error) = match error_body(body) {
        Some((message, error)) => (message, error.filter(|e| !e.is_empty())),
        None => (None, None),
    };
    let operation = subject.split('(').next().unwrap_or(subject);
    let why = reason(operation, head.status, server_message.as_deref());
    Error::new(
        ErrorCode::from_status(head.status),
        format!("{subject} failed: {why}"),
    )
    .with_status(head.status)
    .with_server_message(server_message.filter(|m| !m.is_empty()))
    .with_server_error(server_error)
    .with_retry_after(head.retry_after(now_ms))
}

/// Maps any status: `Ok(())` for 2xx, else [`api_error`].
pub fn expect_success(subject: &str, head: &ResponseHead, body: &[u8], now_ms: u64) -> Result<()> {
    if head.is_success() {
        Ok(())
    } else {
        Err(api_error(subject, head, body, now_ms))
    }
}

fn invalid(subject: &str, what: &str) -> Error {
    Error::invalid_response(format!("{subject} failed: the server answered {what}"))
}

/// Parses a 2xx token body.
pub fn parse_token(head: &ResponseHead, body: &[u8], now_ms: u64) -> Result<Token> {
    expect_success("token()", head, body, now_ms)?;
    let t = token_body(body).map_err(|_| invalid("token()", "a body that is not a token"))?;
    if t.access_token.is_empty()
        || t.access_token
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(invalid("token()", "an empty or malformed access_token"));
    }
    Ok(t)
}

/// Parses a listing of `dir` (as the caller gave it) into entries with `type` and `path`: the
/// server's error for a non-2xx answer, else the whole body through
/// [`super::listing::ListingParser`].
pub fn parse_listing(
    dir: &str,
    head: &ResponseHead,
    body: &[u8],
    now_ms: u64,
) -> Result<Vec<DirEntry>> {
    let subj = subject("listDir", Some(dir));
    expect_success(&subj, head, body, now_ms)?;
    super::listing::parse_all(dir, body, None).map_err(|e| e.with_status(head.status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::echange::EntryType;
    use serde_json::Value;

    fn head(status: u16) -> ResponseHead {
        ResponseHead::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
        )
    }

    #[test]
    fn listing_from_the_spec_example() {
        let body = br#"[{"last_modified":"2026-07-20T08:15:02Z","mode":2147484141,"name":"inbox"},{"last_modified":"2026-07-21T06:00:11Z","mode":420,"name":"tarifs-2026.csv","size":48213},{"last_modified":"2026-07-19T12:00:00Z","mode":134218239,"name":"latest.csv"}]"#;
        let v = parse_listing("outbox/", &head(200), body, 0).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].entry_type, EntryType::Dir);
        assert_eq!(v[0].path, "/outbox/inbox");
        assert_eq!(v[1].size, Some(48213));
        assert_eq!(v[2].entry_type, EntryType::Symlink);
        assert_eq!(parse_listing("", &head(200), b"[]", 0).unwrap(), vec![]);
        let escaped =
            br#"[{"last_modified":"2026-07-20T08:15:02Z","mode":420,"name":"R\u0026D","size":1}]"#;
        assert_eq!(
            parse_listing("/", &head(200), escaped, 0).unwrap()[0].path,
            "/R&D"
        );
    }

    #[test]
    fn truncated_and_garbage_listings() {
        let e = parse_listing("/", &head(200), br#"[{"last_modified":"2026"#, 0).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Truncated);
        let e = parse_listing("/", &head(200), b"<html>", 0).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidResponse);
        let e = parse_listing(
            "/",
            &head(200),
            br#"[{"name":"../x","mode":0,"last_modified":""}]"#,
            0,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidResponse);
    }

    #[test]
    fn errors_keep_server_text() {
        let body =
            b"{\"error\":\"file does not exist\",\"message\":\"Unable to get directory lister\"}\n";
        let e = parse_listing("/nope", &head(404), body, 0).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.server_message(), Some("Unable to get directory lister"));
        assert_eq!(e.server_error(), Some("file does not exist"));
        assert_eq!(e.message(), "listDir(\"/nope\") failed: not found");

        let e = api_error(
            "listDir(\"/\")",
            &head(401),
            br#"{"message":"Your token is not valid"}"#,
            0,
        );
        assert!(e.message().contains("client IP"));
        assert_eq!(e.server_error(), None);

        let mut h = head(429);
        h.headers.push(("Retry-After".into(), "2".into()));
        let e = api_error(
            "listDir(\"/\")",
            &h,
            b"{\"error\":\"rate limit exceed\",\"message\":\"Too Many Requests\"}",
            0,
        );
        assert_eq!(
            (e.code(), e.retry_after()),
            (ErrorCode::RateLimited, Some(2))
        );

        let e = api_error(
            "listDir(\"/\")",
            &head(502),
            b"<html><body>Bad Gateway</body></html>",
            0,
        );
        assert_eq!((e.code(), e.server_message()), (ErrorCode::Server, None));
    }

    /// Bodies for the comparisons with the serde derives: objects with each field replaced by
    /// values of every JSON type or removed, other JSON values, broken JSON.
    fn bodies() -> Vec<Vec<u8>> {
        let full = serde_json::json!({"access_token": "a.b.c", "expires_at": "2026-07-21T18:26:40Z",
            "message": "Unauthorized", "error": "invalid credentials", "other": {"x": [1.5]}});
        let values = [
            "null",
            "1.5",
            "-7",
            "7",
            "1e300",
            "\"s\"",
            "\"\"",
            "true",
            "[]",
            "{}",
            "[\"x\"]",
            "\"caf\\u00e9\"",
        ];
        let mut out: Vec<Vec<u8>> = [
            "{}",
            "null",
            "[]",
            "[\"m\"]",
            "\"x\"",
            "3",
            "",
            "{",
            "{\"message\":\"m\"} x",
            " {\"message\":\"m\"}\n",
            "<html>",
            "{\"message\":\"m\",}",
            "\u{feff}{}",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for key in full.as_object().unwrap().keys() {
            for v in values {
                let mut m = full.as_object().unwrap().clone();
                m.insert(key.clone(), serde_json::from_str(v).unwrap_or(Value::Null));
                out.push(serde_json::to_vec(&m).unwrap());
                let text = serde_json::to_string(&full).unwrap();
                out.push(
                    text.replacen(
                        &format!("\"{key}\":"),
                        &format!("\"{key}\":{v},\"_{key}\":"),
                        1,
                    )
                    .into_bytes(),
                );
                m.remove(key);
                out.push(serde_json::to_vec(&m).unwrap());
                for other in full.as_object().unwrap().keys() {
                    let mut two = m.clone();
                    two.remove(other);
                    out.push(serde_json::to_vec(&two).unwrap());
                }
            }
        }
        out
    }

    /// serde reads a struct from an array of its fields too; the readers want an object.
    fn is_array(body: &[u8]) -> bool {
        matches!(serde_json::from_slice::<Value>(body), Ok(Value::Array(_)))
    }

    #[test]
    fn readers_agree_with_the_serde_derives() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct ApiResponse {
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            error: Option<String>,
        }
        /// `Token` as serde's derive read it.
        #[derive(serde::Deserialize)]
        struct SerdeToken {
            access_token: String,
            expires_at: String,
        }
        let all = bodies();
        assert!(all.len() > 300, "{}", all.len());
        for body in all.iter().filter(|b| !is_array(b)) {
            let text = String::from_utf8_lossy(body);
            let serde = serde_json::from_slice::<ApiResponse>(body)
                .ok()
                .map(|r| (r.message, r.error));
            assert_eq!(error_body(body), serde, "{text}");
            let serde = serde_json::from_slice::<SerdeToken>(body)
                .ok()
                .map(|t| Token {
                    access_token: t.access_token,
                    expires_at: t.expires_at,
                });
            assert_eq!(token_body(body).ok(), serde, "{text}");
        }
    }

    #[test]
    fn token_parsing() {
        let t = parse_token(
            &head(200),
            br#"{"access_token":"a.b.c","expires_at":"2026-07-21T18:26:40Z"}"#,
            0,
        )
        .unwrap();
        assert_eq!(t.access_token, "a.b.c");
        let e = parse_token(
            &head(401),
            br#"{"error":"invalid credentials","message":"Unauthorized"}"#,
            0,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(
            e.message(),
            "token() failed: the username, password or 2FA code was refused"
        );
        assert_eq!(
            parse_token(&head(200), b"{}", 0).unwrap_err().code(),
            ErrorCode::InvalidResponse
        );
        assert_eq!(
            parse_token(&head(200), br#"{"access_token":"","expires_at":"x"}"#, 0)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidResponse
        );
    }
}
