//! Access-token lifetime for PRE-ETAT.DATE.
//!
//! The service returns only `access_token` (a JWT), with no `expires_in` (spec §4.1). When the
//! token's payload carries an `exp` claim, the client renews it [`EXPIRY_MARGIN_MS`] before that
//! instant; without one, the token is used until a call answers 401. A token supplied by the
//! caller (`token` option) is used as is and never replaced.

use std::fmt;

use serde_json::Value;

use super::b64::decode_lenient;
use super::model::REDACTED;

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
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = match claims.get("exp")? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    // Negative, NaN or absurd values (beyond year 9999) are ignored.
    if exp.is_finite() && exp > 0.0 && exp < 253_402_300_800.0 {
        Some(exp.floor() as u64)
    } else {
        None
    }
}

/// What the client should do before a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenDecision {
    /// The cached token is usable.
    Use,
    /// Authenticate (first use, or the token is about to expire or was refused).
    Authenticate,
}

/// The client's token: none yet, a cached token from `/account/auth`, or a fixed token given by
/// the caller. `Debug` never prints the token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenState {
    token: Option<String>,
    expires_at_ms: Option<u64>,
    fixed: bool,
}

impl TokenState {
    /// No token yet; the client will authenticate with e-mail and password.
    pub fn managed() -> TokenState {
        TokenState {
            token: None,
            expires_at_ms: None,
            fixed: false,
        }
    }

    /// A caller-supplied token, used as is (never re-authenticated, even past its `exp`).
    pub fn fixed(token: impl Into<String>) -> TokenState {
        let token = token.into();
        TokenState {
            expires_at_ms: jwt_expiry(&token).map(|s| s.saturating_mul(1000)),
            token: Some(token),
            fixed: true,
        }
    }

    /// Whether the token came from the caller (and so can never be renewed).
    pub fn is_fixed(&self) -> bool {
        self.fixed
    }

    /// Stores a token fresh from `/account/auth`, reading its expiry from `exp`.
    pub fn store(&mut self, token: impl Into<String>) {
        let token = token.into();
        self.expires_at_ms = jwt_expiry(&token).map(|s| s.saturating_mul(1000));
        self.token = Some(token);
        self.fixed = false;
    }

    /// Forgets a managed token (after a 401); a fixed token is kept.
    pub fn invalidate(&mut self) {
        if !self.fixed {
            self.token = None;
            self.expires_at_ms = None;
        }
    }

    /// Forgets a managed token only if it is still `token` (a concurrent caller may already have
    /// replaced it after its own 401).
    pub fn invalidate_if(&mut self, token: &str) {
        if self.token.as_deref() == Some(token) {
            self.invalidate();
        }
    }

    /// The token, when there is one.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// When the token expires (ms since the epoch), when known.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.expires_at_ms
    }

    /// Use the cached token, or authenticate first? A fixed token is always used.
    pub fn decide(&self, now_ms: u64) -> TokenDecision {
        match (&self.token, self.fixed, self.expires_at_ms) {
            (Some(_), true, _) => TokenDecision::Use,
            (None, _, _) => TokenDecision::Authenticate,
            (Some(_), false, Some(exp)) if now_ms.saturating_add(EXPIRY_MARGIN_MS) >= exp => {
                TokenDecision::Authenticate
            }
            (Some(_), false, _) => TokenDecision::Use,
        }
    }
}

impl fmt::Debug for TokenState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenState")
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .field("expires_at_ms", &self.expires_at_ms)
            .field("fixed", &self.fixed)
            .finish()
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
    fn managed_token_lifecycle() {
        let mut s = TokenState::managed();
        assert_eq!(s.decide(0), TokenDecision::Authenticate);
        s.store(jwt(r#"{"exp":1000}"#));
        assert_eq!(s.expires_at_ms(), Some(1_000_000));
        assert_eq!(s.decide(900_000), TokenDecision::Use);
        assert_eq!(s.decide(969_999), TokenDecision::Use);
        assert_eq!(s.decide(970_000), TokenDecision::Authenticate);
        assert_eq!(s.decide(2_000_000), TokenDecision::Authenticate);
        s.invalidate_if("some other token");
        assert!(s.token().is_some());
        s.invalidate();
        assert_eq!(s.token(), None);
        assert_eq!(s.decide(0), TokenDecision::Authenticate);
        // Without exp: used until the server refuses it.
        s.store("opaque");
        assert_eq!(s.decide(u64::MAX), TokenDecision::Use);
        assert!(!s.is_fixed());
    }

    #[test]
    fn fixed_token_is_used_as_is() {
        let mut s = TokenState::fixed(jwt(r#"{"exp":1}"#));
        assert!(s.is_fixed());
        assert_eq!(s.decide(u64::MAX), TokenDecision::Use);
        s.invalidate();
        assert_eq!(s.decide(u64::MAX), TokenDecision::Use);
        assert!(s.token().is_some());
    }

    #[test]
    fn debug_hides_the_token() {
        let t = jwt(r#"{"exp":1000}"#);
        let mut s = TokenState::managed();
        s.store(t.clone());
        let dbg = format!("{s:?} {:?}", TokenState::fixed("fixed-secret"));
        assert!(!dbg.contains(&t));
        assert!(!dbg.contains("fixed-secret"));
        assert!(dbg.contains(REDACTED));
    }
}
