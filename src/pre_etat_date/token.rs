//! Access-token lifetime for PRE-ETAT.DATE.
//!
//! The service returns only `access_token` (a JWT), with no `expires_in` (docs/pre-etat-date.md#2-authentication). When the
//! token's payload carries an `exp` claim, the client renews it [`EXPIRY_MARGIN_MS`] before that
//! instant; without one, the token is used until a call answers 401. A token supplied by the
//! caller (`token` option) is used as is and never replaced.

use super::b64::decode_lenient;
use crate::http::Lease;
use crate::json::{parse_bytes, Json};

/// Renew this long before `exp`, so a token does not expire in flight.
pub const EXPIRY_MARGIN_MS: u64 = 30_000;

/// The `exp` claim of a JWT in Unix seconds, when the token is a JWT whose payload is JSON
/// with a numeric (or numeric-string) `exp`. Lenient and panic-free on any input.
pub fn jwt_expiry(token: &str) -> Option<u64> {
    let payload = token.trim().split('.').nth(1)?;
    if payload.is_empty() || payload.len() > 64 * 1024 {
        return None;
    }
    let bytes = decode_lenient(payload)?;
    let claims = parse_bytes(&bytes).ok()?;
    let exp = match claims.get("exp")? {
        n @ Json::Num(_) => n.as_f64()?,
        Json::Str(s) => seconds_of(s.trim())?,
        _ => return None,
    };
    // Negative, NaN or absurd values (beyond year 9999) are ignored.
    if exp.is_finite() && exp > 0.0 && exp < 253_402_300_800.0 {
        Some(exp.floor() as u64)
    } else {
        None
    }
}

/// Whole seconds of a decimal string (`"1742927559"`, `"1742927559.9"`), without a float
/// parser (it would add ~10 KB of tables to the wasm module).
fn seconds_of(s: &str) -> Option<f64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || !digits(whole) || !digits(frac) {
        return None;
    }
    whole.parse::<u64>().ok().map(|n| n as f64)
}

/// A token fresh from `/account/auth` (or given with e-mail and password): renewed
/// [`EXPIRY_MARGIN_MS`] before its `exp`, or used until refused when it has none.
pub fn managed_lease(token: String) -> Lease<String> {
    let renew_at_ms =
        jwt_expiry(&token).map(|s| s.saturating_mul(1000).saturating_sub(EXPIRY_MARGIN_MS));
    Lease {
        value: token,
        renew_at_ms,
    }
}

/// A caller-supplied token without e-mail and password: used as is, never renewed, even past
/// its `exp`.
pub fn fixed_lease(token: String) -> Lease<String> {
    Lease {
        value: token,
        renew_at_ms: None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    /// A three-part JWT whose payload is `claims` (signature is not checked by the client).
    pub(crate) fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn reads_exp() {
        assert_eq!(
            jwt_expiry(&jwt(
                r#"{"sub":"user@mail.com","iat":1742923959,"exp":1742927559}"#
            )),
            Some(1_742_927_559)
        );
        assert_eq!(
            jwt_expiry(&jwt(r#"{"exp":1742927559.9}"#)),
            Some(1_742_927_559)
        );
        assert_eq!(
            jwt_expiry(&jwt(r#"{"exp":"1742927559"}"#)),
            Some(1_742_927_559)
        );
        // Padded, standard-alphabet payloads are accepted too.
        let padded = format!(
            "x.{}.y",
            base64::engine::general_purpose::STANDARD.encode(r#"{"exp":12}"#)
        );
        assert_eq!(jwt_expiry(&padded), Some(12));
    }

    #[test]
    fn no_exp_or_garbage_gives_none() {
        for t in [
            String::new(),
            "opaque-token".into(),
            "a.b".into(),
            "a..c".into(),
            "a.%%%.c".into(),
            "a.é.c".into(),
            jwt(r#"{"sub":"x"}"#),
            jwt(r#"{"exp":-5}"#),
            jwt(r#"{"exp":1e300}"#),
            jwt(r#"{"exp":null}"#),
            jwt(r#"{"exp":"soon"}"#),
            jwt("not json"),
            jwt("[1,2]"),
        ] {
            assert_eq!(jwt_expiry(&t), None, "{t}");
        }
    }

    #[test]
    fn managed_token_is_renewed_thirty_seconds_before_exp() {
        let l = managed_lease(jwt(r#"{"exp":1000}"#));
        assert_eq!(l.renew_at_ms, Some(970_000));
        assert!(l.is_fresh(969_999));
        assert!(!l.is_fresh(970_000));
        // Without exp: used until the server refuses it.
        assert!(managed_lease("opaque".into()).is_fresh(u64::MAX));
    }

    #[test]
    fn fixed_token_is_used_as_is() {
        assert!(fixed_lease(jwt(r#"{"exp":1}"#)).is_fresh(u64::MAX));
    }
}
