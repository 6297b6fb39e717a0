//! Response parsing: the `{message, payload, success}` envelope (docs/pre-etat-date.md#7-errors) and the payloads.
//!
//! Rules:
//! * 2xx with an envelope whose `success` is not `false` → the payload.
//! * An envelope with `success: false`, or any non-2xx status → an [`Error`] whose code comes
//!   from the status ([`ErrorCode::from_status`]), whose `server_message` is the server's
//!   `message` verbatim (French accents and typos intact; `message` may be `null`), and whose
//!   English `message` names the operation, e.g. `createOrder failed: the server rejected the
//!   request` (Display adds ` (HTTP 400): <server message>`).
//! * A body that is not an envelope (a proxy's HTML page, a JWT extension's `{"msg": …}`) →
//!   `invalid_response` on 2xx, the status code otherwise. A `msg`/`message`/`error`/`detail`
//!   string in such a JSON body becomes `server_message` (at most 200 characters); a non-JSON
//!   body is described by its first 100 characters, never dumped whole.

use crate::json::{parse_bytes, Json, Obj};

use super::model::{truncate_chars, AccessToken};
use super::requests::op;
use super::transaction::Transaction;
use crate::error::{Error, ErrorCode, Result};
use crate::http::ResponseHead;

/// The response envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// The server's message, verbatim; `None` when `null` or absent.
    pub message: Option<String>,
    /// The payload (`Json::Null` when `null` or absent).
    pub payload: Json,
    /// The `success` flag, when present.
    pub success: Option<bool>,
}

impl Envelope {
    /// Reads an envelope out of a JSON value: an object with a boolean `success` or a `payload`
    /// member. Anything else is not an envelope.
    pub fn from_value(value: Json) -> Option<Envelope> {
        let obj = match value {
            Json::Obj(o) => o,
            _ => return None,
        };
        let success = match obj.get("success") {
            Some(Json::Bool(b)) => Some(*b),
            Some(Json::Null) | None => None,
            Some(_) => return None,
        };
        if success.is_none() && obj.get("payload").is_none() {
            return None;
        }
        // The last of repeated keys counts.
        let mut message = None;
        let mut payload = Json::Null;
        for (k, v) in obj.0 {
            match k.as_str() {
                "message" => message = Some(v),
                "payload" => payload = v,
                _ => {}
            }
        }
        let message = match message {
            Some(Json::Str(s)) => Some(s),
            _ => None,
        };
        Some(Envelope {
            message,
            payload,
            success,
        })
    }
}

/// Why a status failed, as the end of `"<operation> failed: …"`.
fn status_reason(operation: &str, status: u16) -> &'static str {
    match (status, operation == op::AUTHENTICATE) {
        (400, true) => "the API key was refused, or the e-mail or password is missing",
        (400, false) => "the server rejected the request",
        (401, true) => "the e-mail or password was refused",
        (401, false) => "the access token was refused",
        (403, _) => "access was denied",
        (404, _) => "the order or route was not found",
        (409, _) => "the request conflicts with the order's current state",
        (413, _) => "the request is too large",
        (429, _) => "too many requests were sent",
        (500..=599, _) => "the server failed",
        _ => "the server answered with an unexpected HTTP status",
    }
}

fn retry_after(head: &ResponseHead) -> Option<u64> {
    head.header("retry-after")?.trim().parse().ok()
}

/// The error for a failed status, before any server text is attached.
fn status_error(operation: &str, head: &ResponseHead, detail: Option<&str>) -> Error {
    let reason = status_reason(operation, head.status);
    let message = match detail {
        Some(d) => format!("{operation} failed: {reason}; {d}"),
        None => format!("{operation} failed: {reason}"),
    };
    Error::new(ErrorCode::from_status(head.status), message)
        .with_status(head.status)
        .with_retry_after(retry_after(head))
}

/// A short, safe description of a body that is not an envelope.
fn describe_body(body: &[u8], json: Option<&Json>) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "the response body is empty".into();
    }
    if json.is_some() {
        return "the response is JSON but not a PRE-ETAT.DATE envelope".into();
    }
    let text = String::from_utf8_lossy(body.get(..400).unwrap_or(body));
    let collapsed: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!(
        "the response is not JSON (it begins with \"{}\")",
        truncate_chars(&collapsed, 100).replace('"', "'")
    )
}

/// A message-like string in a JSON body that is not an envelope (`{"msg": …}` and friends).
fn foreign_message(json: Option<&Json>) -> Option<String> {
    let obj: &Obj = json?.as_object()?;
    ["msg", "message", "error", "detail", "description"]
        .iter()
        .find_map(|k| obj.get(k).and_then(Json::as_str))
        .map(|s| truncate_chars(s, 200))
}

/// Parses the envelope of a response to `operation`; see the module rules.
pub fn parse_envelope(operation: &str, head: &ResponseHead, body: &[u8]) -> Result<Envelope> {
    let json: Option<Json> = parse_bytes(body).ok();
    let envelope = json.clone().and_then(Envelope::from_value);
    match envelope {
        Some(env) if head.is_success() && env.success != Some(false) => Ok(env),
        Some(env) if head.is_success() => Err(Error::new(
            ErrorCode::from_status(head.status),
            format!("{operation} failed: the server reported a failure"),
        )
        .with_status(head.status)
        .with_server_message(env.message)),
        Some(env) => Err(status_error(operation, head, None).with_server_message(env.message)),
        None if head.is_success() => Err(Error::invalid_response(format!(
            "{operation} failed: {}",
            describe_body(body, json.as_ref())
        ))
        .with_status(head.status)
        .with_server_message(foreign_message(json.as_ref()))),
        None => {
            let detail = describe_body(body, json.as_ref());
            Err(status_error(operation, head, Some(&detail))
                .with_server_message(foreign_message(json.as_ref())))
        }
    }
}

/// Parses an order payload (create, refresh, legacy refresh).
pub fn parse_transaction(operation: &str, head: &ResponseHead, body: &[u8]) -> Result<Transaction> {
    let env = parse_envelope(operation, head, body)?;
    if !env.payload.is_object() {
        return Err(Error::invalid_response(format!(
            "{operation} failed: the response has no order payload"
        ))
        .with_status(head.status)
        .with_server_message(env.message));
    }
    super::read::transaction(env.payload).map_err(|p| {
        Error::invalid_response(format!(
            "{operation} failed: the order payload is malformed: {p}"
        ))
        .with_status(head.status)
    })
}

/// Parses the payload of `POST /account/auth`: a non-empty `access_token` string. No error
/// ever contains the token.
pub fn parse_auth(head: &ResponseHead, body: &[u8]) -> Result<AccessToken> {
    let env = parse_envelope(op::AUTHENTICATE, head, body)?;
    match env.payload.get("access_token").and_then(Json::as_str) {
        Some(t) if !t.trim().is_empty() && t.bytes().all(|b| (0x21..0x7f).contains(&b)) => {
            Ok(AccessToken {
                access_token: t.to_string(),
            })
        }
        _ => Err(
            Error::invalid_response("authenticate failed: the response has no access_token")
                .with_status(head.status)
                .with_server_message(env.message),
        ),
    }
}

/// `GET /health`: any 2xx is healthy (the body is undocumented). Returns the JSON body when
/// there is one (the envelope as sent), else `Json::Null`. Non-2xx → the usual error.
pub fn parse_health(head: &ResponseHead, body: &[u8]) -> Result<Json> {
    if head.is_success() {
        return Ok(parse_bytes(body).unwrap_or(Json::Null));
    }
    parse_envelope(op::HEALTH, head, body).map(|env| env.payload)
}

/// An acknowledgement whose body is undocumented (`sendTestWebhook`): on 2xx, the envelope's
/// payload, or the JSON body when it is not an envelope, or `Json::Null`; an envelope with
/// `success: false` or a non-2xx status is an error.
pub fn parse_ack(operation: &str, head: &ResponseHead, body: &[u8]) -> Result<Json> {
    match parse_envelope(operation, head, body) {
        Ok(env) => Ok(env.payload),
        Err(e) if head.is_success() && e.code() == ErrorCode::InvalidResponse => {
            Ok(parse_bytes(body).unwrap_or(Json::Null))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::OrderState;
    use super::super::transaction::tests::FR_PAYLOAD;
    use super::*;

    fn head(status: u16) -> ResponseHead {
        ResponseHead::new(
            status,
            vec![("Content-Type".into(), "application/json".into())],
        )
    }

    const FR_400: &str = r#"{
  "message": "Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'", 
  "payload": null, 
  "success": false
}"#;

    const FR_500: &str = r#"{
  "message": "Failed to decode JSON object: Expecting ',' delimiter: line 14 column 6 (char 563)", 
  "payload": null, 
  "success": false
}"#;

    const SEED_REFRESH: &str = r#"{
  "message": null, 
  "payload": {
    "account": "utilisateur@mail.com", 
    "billing_mode": null, 
    "created": "Tue, 25 Mar 2025 17:39:25 GMT", 
    "external_id": "1221", 
    "orderid": "SD28Z5", 
    "pending": true, 
    "refreshed": false, 
    "sso_provider": null, 
    "state": "need-refresh", 
    "test_mode": true, 
    "updated": "Wed, 26 Mar 2025 08:18:39 GMT"
  }, 
  "success": true
}"#;

    fn fr_create() -> String {
        format!(
            "{{\n  \"message\": \"Transaction creée avec succsée\", \n  \"payload\": {FR_PAYLOAD}, \n  \"success\": true\n}}"
        )
    }

    #[test]
    fn fr_create_response() {
        let t = parse_transaction("createOrder", &head(200), fr_create().as_bytes()).unwrap();
        assert_eq!(t.orderid, "C7HOF2");
        assert_eq!(t.state, OrderState::Confirmed);
        assert_eq!(t.created_iso().as_deref(), Some("2025-03-25T17:32:39Z"));
        let env = parse_envelope("createOrder", &head(200), fr_create().as_bytes()).unwrap();
        assert_eq!(
            env.message.as_deref(),
            Some("Transaction creée avec succsée")
        );
        assert_eq!(env.success, Some(true));
    }

    #[test]
    fn en_create_response() {
        let body = r#"{"message": "Transaction created", "payload": {"account": "user@mail.com",
            "created": "Tue, 25 Mar 2025 17:32:39 GMT", "external_id": "1221", "orderid": "C7HOF2",
            "pending": true, "refreshed": false, "state": "confirmed", "test_mode": true,
            "updated": "Tue, 25 Mar 2025 17:32:39 GMT"}, "success": true}"#;
        let t = parse_transaction("createOrder", &head(200), body.as_bytes()).unwrap();
        assert_eq!(t.account.as_deref(), Some("user@mail.com"));
        assert_eq!(t.billing_mode, None);
    }

    #[test]
    fn refresh_response_with_null_message() {
        let t = parse_transaction("requestRefresh", &head(200), SEED_REFRESH.as_bytes()).unwrap();
        assert_eq!(t.orderid, "SD28Z5");
        assert_eq!(t.state, OrderState::NeedRefresh);
        assert_eq!(t.updated_iso().as_deref(), Some("2025-03-26T08:18:39Z"));
        let env = parse_envelope("requestRefresh", &head(200), SEED_REFRESH.as_bytes()).unwrap();
        assert_eq!(env.message, None);
    }

    #[test]
    fn fr_400_syndic_message_is_kept_verbatim() {
        let e = parse_transaction("createOrder", &head(400), FR_400.as_bytes()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::BadRequest);
        assert_eq!(e.status(), Some(400));
        assert_eq!(
            e.server_message(),
            Some("Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'")
        );
        assert_eq!(
            e.message(),
            "createOrder failed: the server rejected the request"
        );
        assert_eq!(
            e.to_string(),
            "createOrder failed: the server rejected the request (HTTP 400): \
             Informations du syndic manquantes ou incorrectes pour la méthode 'extranet'"
        );
    }

    #[test]
    fn en_400_and_500_messages() {
        let body = r#"{"message": "Missing or invalid syndic information for method 'extranet'", "payload": null, "success": false}"#;
        let e = parse_transaction("createOrder", &head(400), body.as_bytes()).unwrap_err();
        assert_eq!(
            e.server_message(),
            Some("Missing or invalid syndic information for method 'extranet'")
        );
        let e = parse_transaction("createOrder", &head(500), FR_500.as_bytes()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Server);
        assert_eq!(e.status(), Some(500));
        assert_eq!(
            e.server_message(),
            Some("Failed to decode JSON object: Expecting ',' delimiter: line 14 column 6 (char 563)")
        );
        assert_eq!(e.message(), "createOrder failed: the server failed");
        let body =
            r#"{"message": "Failed to decode JSON object", "payload": null, "success": false}"#;
        let e = parse_transaction("createOrder", &head(500), body.as_bytes()).unwrap_err();
        assert_eq!(e.server_message(), Some("Failed to decode JSON object"));
    }

    #[test]
    fn auth_responses_fr_and_en() {
        for (msg, ok) in [("Connexion russie", true), ("Authenticated", true)] {
            let body = format!(
                r#"{{"message": "{msg}", "payload": {{"access_token": "eyJhbGciOi.x.y"}}, "success": {ok}}}"#
            );
            let t = parse_auth(&head(200), body.as_bytes()).unwrap();
            assert_eq!(t.access_token, "eyJhbGciOi.x.y");
        }
        for (status, msg, code, english) in [
            (
                400,
                "La clé API n'est pas valide",
                ErrorCode::BadRequest,
                "API key was refused",
            ),
            (
                400,
                "Invalid API key",
                ErrorCode::BadRequest,
                "API key was refused",
            ),
            (
                401,
                "Informations de connexion invalides.",
                ErrorCode::Unauthorized,
                "e-mail or password was refused",
            ),
            (
                401,
                "Invalid credentials",
                ErrorCode::Unauthorized,
                "e-mail or password was refused",
            ),
        ] {
            let body = format!(r#"{{"message": "{msg}", "payload": null, "success": false}}"#);
            let e = parse_auth(&head(status), body.as_bytes()).unwrap_err();
            assert_eq!(e.code(), code);
            assert_eq!(e.server_message(), Some(msg));
            assert!(e.message().starts_with("authenticate failed: "));
            assert!(e.message().contains(english), "{}", e.message());
        }
        for bad in [
            r#"{"message": "ok", "payload": null, "success": true}"#,
            r#"{"message": "ok", "payload": {"access_token": ""}, "success": true}"#,
            r#"{"message": "ok", "payload": {"access_token": 42}, "success": true}"#,
            r#"{"message": "ok", "payload": {"token": "abc"}, "success": true}"#,
        ] {
            let e = parse_auth(&head(200), bad.as_bytes()).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidResponse, "{bad}");
        }
    }

    #[test]
    fn success_false_on_200_is_an_error() {
        let body = r#"{"message": "Échec", "payload": null, "success": false}"#;
        let e = parse_transaction("requestRefresh", &head(200), body.as_bytes()).unwrap_err();
        assert_eq!(e.status(), Some(200));
        assert_eq!(e.server_message(), Some("Échec"));
        assert_eq!(
            e.message(),
            "requestRefresh failed: the server reported a failure"
        );
    }

    #[test]
    fn success_missing_on_200_is_accepted() {
        let body = format!(r#"{{"message": "x", "payload": {FR_PAYLOAD}}}"#);
        assert!(parse_transaction("createOrder", &head(200), body.as_bytes()).is_ok());
    }

    #[test]
    fn non_envelope_bodies() {
        // A JWT extension's reply on an expired token.
        let e = parse_transaction(
            "createOrder",
            &head(401),
            br#"{"msg": "Token has expired"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(e.server_message(), Some("Token has expired"));
        assert!(e.message().contains("access token was refused"));

        // A proxy's HTML page: status code kept, body not dumped.
        let html = format!(
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>{}</body></html>",
            "x".repeat(10_000)
        );
        let e = parse_transaction("createOrder", &head(502), html.as_bytes()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Server);
        assert_eq!(e.status(), Some(502));
        assert_eq!(e.server_message(), None);
        assert!(e.message().contains("502 Bad Gateway"), "{}", e.message());
        assert!(e.message().len() < 300, "{}", e.message());

        // 2xx but not an envelope.
        for body in [
            &b"<html>ok</html>"[..],
            b"",
            b"[1,2]",
            br#"{"msg": "hi"}"#,
            b"\xff\xfe\x00",
        ] {
            let e = parse_transaction("createOrder", &head(200), body).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidResponse);
            assert_eq!(e.status(), Some(200));
            assert!(e.message().starts_with("createOrder failed: "));
        }
        let e = parse_envelope("health", &head(404), b"").unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert!(e.message().contains("empty"));
    }

    #[test]
    fn bad_payloads_are_invalid_response() {
        for body in [
            r#"{"message": "ok", "payload": null, "success": true}"#,
            r#"{"message": "ok", "payload": [1], "success": true}"#,
            r#"{"message": "ok", "payload": {"orderid": "A"}, "success": true}"#,
            r#"{"message": "ok", "payload": {"orderid": "A", "state": "done", "pending": "secret-ish"}, "success": true}"#,
        ] {
            let e = parse_transaction("createOrder", &head(200), body.as_bytes()).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidResponse, "{body}");
            assert!(!e.message().contains("secret-ish"));
        }
    }

    #[test]
    fn status_codes_map_and_retry_after_is_read() {
        let h = ResponseHead::new(429, vec![("Retry-After".into(), "7".into())]);
        let e = parse_envelope(
            "createOrder",
            &h,
            br#"{"message": null, "payload": null, "success": false}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::RateLimited);
        assert_eq!(e.retry_after(), Some(7));
        assert_eq!(e.server_message(), None);
        for (s, c) in [
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (409, ErrorCode::Conflict),
            (413, ErrorCode::TooLarge),
            (418, ErrorCode::Http),
            (503, ErrorCode::Server),
        ] {
            let e = parse_envelope(
                "x",
                &head(s),
                br#"{"message": "m", "payload": null, "success": false}"#,
            )
            .unwrap_err();
            assert_eq!((e.code(), e.status()), (c, Some(s)));
        }
    }

    #[test]
    fn health_and_ack() {
        assert_eq!(
            parse_health(
                &head(200),
                br#"{"message": "OK", "payload": null, "success": true}"#
            )
            .unwrap()["message"],
            "OK"
        );
        assert_eq!(parse_health(&head(204), b"").unwrap(), Json::Null);
        assert_eq!(parse_health(&head(200), b"pong").unwrap(), Json::Null);
        let e = parse_health(
            &head(400),
            r#"{"message": "La clé API n'est pas valide", "payload": null, "success": false}"#
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.server_message(), Some("La clé API n'est pas valide"));
        assert!(e.message().starts_with("health failed"));

        let ok = r#"{"message": "Événement envoyé", "payload": null, "success": true}"#;
        assert_eq!(
            parse_ack("sendTestWebhook", &head(200), ok.as_bytes()).unwrap(),
            Json::Null
        );
        assert_eq!(
            parse_ack("sendTestWebhook", &head(200), b"").unwrap(),
            Json::Null
        );
        assert_eq!(
            parse_ack("sendTestWebhook", &head(200), br#"{"sent": true}"#).unwrap()["sent"],
            Json::Bool(true)
        );
        let e = parse_ack(
            "sendTestWebhook",
            &head(404),
            r#"{"message": "Transaction introuvable", "payload": null, "success": false}"#
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert_eq!(e.server_message(), Some("Transaction introuvable"));
        let e = parse_ack(
            "sendTestWebhook",
            &head(200),
            br#"{"message": "no", "payload": null, "success": false}"#,
        )
        .unwrap_err();
        assert_eq!(e.server_message(), Some("no"));
    }

    #[test]
    fn garbage_never_panics() {
        let inputs: [&[u8]; 9] = [
            b"",
            b"null",
            b"{",
            b"{\"success\": \"yes\"}",
            b"{\"payload\": 1}",
            b"\xc3",
            "é".repeat(300).as_bytes().to_vec().leak(),
            b"[]",
            b"{\"message\": 5, \"success\": true}",
        ];
        for status in [0u16, 100, 200, 204, 301, 400, 401, 999] {
            for body in inputs {
                let _ = parse_transaction("createOrder", &head(status), body);
                let _ = parse_auth(&head(status), body);
                let _ = parse_health(&head(status), body);
                let _ = parse_ack("sendTestWebhook", &head(status), body);
            }
        }
    }
}
