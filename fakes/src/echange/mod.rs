//! Fake Échange: SFTPGo's user REST API (`/api/v2/user/...`), as `docs/echange.md` describes it.

pub mod auth;
pub mod fs;
pub mod routes;
pub mod zip;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use fs::Fs;

/// Default token lifetime (SFTPGo `jwt_lifetime` default, 20 min).
pub const DEFAULT_TTL_SECS: u64 = 1200;
/// Default clock leeway on `exp`/`nbf`.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Default streamzip abort threshold ("no response" below it).
pub const DEFAULT_ABORT_THRESHOLD: u64 = 4096;

/// One Échange account.
#[derive(Clone)]
pub struct User {
    /// Login name.
    pub username: String,
    /// Password (never logged).
    pub password: String,
    /// TOTP required for HTTP.
    pub otp: bool,
    /// Web-client restrictions (e.g. `write-disabled`).
    pub permissions: Vec<String>,
    /// Profile e-mail.
    pub email: String,
    /// Profile description.
    pub description: String,
    /// Optional start directory.
    pub start_dir: Option<String>,
    /// Signature (`sub` claim), `updated_at` in ms.
    pub updated_at_ms: i64,
    /// Deleted (tokens stay valid, file routes answer 404).
    pub deleted: bool,
    /// 2FA for HTTP required but not set up (token granted, file routes 403).
    pub two_fa_pending: bool,
    /// Password change required (token granted, file routes 403).
    pub password_change_pending: bool,
    /// `denied_protocols` contains HTTP: token 403, file routes 403.
    pub http_denied: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("otp", &self.otp)
            .field("permissions", &self.permissions)
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

fn seed_users() -> Vec<User> {
    let mk = |u: &str, p: &str, otp: bool, perms: &[&str], email: &str| User {
        username: u.to_string(),
        password: p.to_string(),
        otp,
        permissions: perms.iter().map(|s| s.to_string()).collect(),
        email: email.to_string(),
        description: String::new(),
        start_dir: None,
        updated_at_ms: fs::seed_time_ms(0),
        deleted: false,
        two_fa_pending: false,
        password_change_pending: false,
        http_denied: false,
    };
    vec![
        mk(
            "fournisseur",
            "motdepasse-Été:2025",
            false,
            &[],
            "fournisseur@example.fr",
        ),
        mk("otp-user", "otp-Secret-1", true, &[], ""),
        mk("lecteur", "lecteur-pw", false, &["write-disabled"], ""),
    ]
}

/// Mutable Échange state.
pub struct Inner {
    /// Accounts.
    pub users: Vec<User>,
    /// Home trees by username.
    pub homes: HashMap<String, Fs>,
    /// Signing-key generation (bumped by rotate-key/expire-tokens).
    pub key_gen: u64,
    /// Valid single-use OTP codes by username (secrets: not shown by `Debug`).
    pub otps: HashMap<String, Vec<String>>,
    /// Counter feeding OTP and `jti` generation.
    pub counter: u64,
    /// Logged-out token ids.
    pub logged_out: HashSet<String>,
    /// Client IP as the fake pretends to see it (changed by ip-change).
    pub client_ip: Option<String>,
    /// How many ip-change calls happened.
    pub ip_changes: u32,
    /// Defender ban: every Échange route (healthz included) answers 403.
    pub banned: bool,
    /// `max_per_host_connections`: in-flight Échange requests allowed (0 = unlimited, default).
    pub max_in_flight: u64,
    /// Rate limiter (`common.rate_limiters`, off by default).
    pub rate: Option<RateLimiter>,
    /// `max_upload_file_size` in bytes (0 = unlimited, the default).
    pub max_upload: u64,
    /// Bind tokens to the client IP (SFTPGo `token_validation: 0`, default on).
    pub bind_ip: bool,
    /// Token lifetime.
    pub ttl_secs: u64,
    /// Clock leeway.
    pub leeway_secs: u64,
    /// Streamzip: abort as if failing once this many zip bytes were produced.
    pub streamzip_abort_at: Option<u64>,
    /// Streamzip: below this many produced bytes an abort sends no response at all.
    pub abort_threshold: u64,
}

/// Shared Échange state.
#[derive(Debug)]
pub struct Echange {
    inner: Mutex<Inner>,
    default_ttl: u64,
}

impl Echange {
    /// Seed state; `ttl_secs` overrides the 20-minute default token lifetime.
    pub fn new(ttl_secs: Option<u64>) -> Arc<Echange> {
        let default_ttl = ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
        Arc::new(Echange {
            inner: Mutex::new(Inner::seed(default_ttl, 0)),
            default_ttl,
        })
    }

    /// Locks the state (recovering from a poisoned lock).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the seed state. The signing key changes too, so old tokens die.
    pub fn reset(&self) {
        let mut g = self.lock();
        let next_gen = g.key_gen + 1;
        *g = Inner::seed(self.default_ttl, next_gen);
    }
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("users", &self.users)
            .field("key_gen", &self.key_gen)
            .field("otps", &format_args!("<{} users>", self.otps.len()))
            .field("client_ip", &self.client_ip)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

/// A global token bucket: `per_sec` requests per second, bursts up to `per_sec`.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    per_sec: f64,
    tokens: f64,
    last: std::time::Instant,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(per_sec: u64) -> RateLimiter {
        let per_sec = per_sec.max(1) as f64;
        RateLimiter {
            per_sec,
            tokens: per_sec,
            last: std::time::Instant::now(),
        }
    }

    /// Takes a token, or tells how long until one is available.
    pub fn take(&mut self) -> Result<(), std::time::Duration> {
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(std::time::Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_sec,
            ))
        }
    }
}

/// Go's `time.Duration.String()` for non-negative durations.
pub fn go_duration(d: std::time::Duration) -> String {
    let ns = d.as_nanos();
    let frac = |whole: u128, rem: u128, digits: usize, unit: &str| {
        let mut f = format!("{rem:0digits$}");
        while f.ends_with('0') {
            f.pop();
        }
        if f.is_empty() {
            format!("{whole}{unit}")
        } else {
            format!("{whole}.{f}{unit}")
        }
    };
    if ns == 0 {
        "0s".to_string()
    } else if ns < 1_000 {
        format!("{ns}ns")
    } else if ns < 1_000_000 {
        frac(ns / 1_000, ns % 1_000, 3, "µs")
    } else if ns < 1_000_000_000 {
        frac(ns / 1_000_000, ns % 1_000_000, 6, "ms")
    } else {
        let secs = ns / 1_000_000_000;
        let rem = ns % 1_000_000_000;
        let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
        let tail = frac(s, rem, 9, "s");
        match (h, m) {
            (0, 0) => tail,
            (0, m) => format!("{m}m{tail}"),
            (h, m) => format!("{h}h{m}m{tail}"),
        }
    }
}

/// 403 body for a user whose HTTP access is denied.
pub fn http_denied_body(username: &str) -> String {
    format!(
        "protocol HTTP is not allowed for user {}",
        crate::util::go_quote(username)
    )
}

impl Inner {
    fn seed(ttl: u64, key_gen: u64) -> Inner {
        let users = seed_users();
        let seed_fs = Fs::seed();
        let homes = users
            .iter()
            .map(|u| (u.username.clone(), seed_fs.clone()))
            .collect();
        Inner {
            users,
            homes,
            key_gen,
            otps: HashMap::new(),
            counter: 0,
            logged_out: HashSet::new(),
            client_ip: None,
            ip_changes: 0,
            bind_ip: true,
            banned: false,
            rate: None,
            max_in_flight: 0,
            max_upload: 0,
            ttl_secs: ttl,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            streamzip_abort_at: None,
            abort_threshold: DEFAULT_ABORT_THRESHOLD,
        }
    }

    /// The account with this name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == name)
    }

    /// A fresh single-use OTP for `username`.
    pub fn new_otp(&mut self, username: &str) -> String {
        self.counter += 1;
        let h = crate::util::fnv1a(format!("otp-{}-{}", self.counter, username).as_bytes());
        let code = format!("{:06}", h % 1_000_000);
        self.otps
            .entry(username.to_string())
            .or_default()
            .push(code.clone());
        code
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn go_durations() {
        assert_eq!(
            super::go_duration(Duration::from_nanos(1_499_999_999)),
            "1.499999999s"
        );
        assert_eq!(super::go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(
            super::go_duration(Duration::from_nanos(999_999_999)),
            "999.999999ms"
        );
        assert_eq!(super::go_duration(Duration::from_secs(61)), "1m1s");
        assert_eq!(super::go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn debug_output_hides_passwords_and_otps() {
        let st = super::Echange::new(None);
        let code = st.lock().new_otp("otp-user");
        let dbg = format!("{:?}", st);
        assert!(dbg.contains("fournisseur"));
        for secret in [
            "motdepasse-Été:2025",
            "otp-Secret-1",
            "lecteur-pw",
            code.as_str(),
        ] {
            assert!(!dbg.contains(secret), "{secret} leaked");
        }
    }
}
