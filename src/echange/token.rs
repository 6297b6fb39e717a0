//! Token lifetime: when a cached token may still be used.
//!
//! A token is renewed ahead of `expires_at`: 60 s before it (docs/echange.md#token), or after three quarters
//! of its lifetime when it lives less than 4 minutes. The lifetime is measured against the
//! server's `Date` header when the response exposes it, so a skewed client clock does not
//! matter; otherwise the client clock is compared to `expires_at` directly.

use super::model::Token;
use crate::time::{parse_http_date, parse_rfc3339};

/// Largest renewal margin.
pub const RENEW_MARGIN_MS: u64 = 60_000;

/// A token with the local time after which it must not be used any more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedToken {
    /// The token.
    pub token: Token,
    /// Local clock (ms since epoch) from which a new token is fetched.
    pub renew_at_ms: u64,
}

/// Computes when to renew `token`, received at local time `now_ms`, given the server's `Date`
/// header if it was readable. `None` when `expires_at` cannot be parsed (use once, don't cache).
pub fn plan(token: Token, now_ms: u64, server_date: Option<&str>) -> Option<CachedToken> {
    let expires_ms = parse_rfc3339(&token.expires_at)?.checked_mul(1000)?;
    let server_now_ms = server_date
        .and_then(parse_http_date)
        .and_then(|s| s.checked_mul(1000))
        .unwrap_or(now_ms as i64);
    let lifetime = expires_ms.checked_sub(server_now_ms)?;
    if lifetime <= 0 {
        return None;
    }
    let lifetime = lifetime as u64;
    let margin = RENEW_MARGIN_MS.min(lifetime / 4);
    Some(CachedToken {
        token,
        renew_at_ms: now_ms.saturating_add(lifetime - margin),
    })
}

impl CachedToken {
    /// Whether the token may still be used at local time `now_ms`.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms < self.renew_at_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(exp: &str) -> Token {
        Token {
            access_token: "a.b.c".into(),
            expires_at: exp.into(),
        }
    }

    const NOW: u64 = 1_784_658_400_000; // 2026-07-21T18:26:40Z

    #[test]
    fn renews_sixty_seconds_early_for_long_tokens() {
        let c = plan(tok("2026-07-21T18:46:40Z"), NOW, None).unwrap(); // 20 min
        assert_eq!(c.renew_at_ms, NOW + 20 * 60_000 - 60_000);
        assert!(c.is_fresh(NOW + 18 * 60_000));
        assert!(!c.is_fresh(NOW + 19 * 60_000));
    }

    #[test]
    fn short_tokens_use_a_quarter() {
        let c = plan(tok("2026-07-21T18:26:48Z"), NOW, None).unwrap(); // 8 s
        assert_eq!(c.renew_at_ms, NOW + 6_000);
    }

    #[test]
    fn server_date_corrects_clock_skew() {
        // Client clock 10 minutes ahead of the server: the token still lives 20 minutes.
        let skewed_now = NOW + 600_000;
        let c = plan(
            tok("2026-07-21T18:46:40Z"),
            skewed_now,
            Some("Tue, 21 Jul 2026 18:26:40 GMT"),
        )
        .unwrap();
        assert_eq!(c.renew_at_ms, skewed_now + 19 * 60_000);
    }

    #[test]
    fn unusable_expiry_is_not_cached() {
        assert!(plan(tok("never"), NOW, None).is_none());
        assert!(plan(tok("2026-07-21T18:00:00Z"), NOW, None).is_none());
    }
}
