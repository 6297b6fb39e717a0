//! Token endpoint, HS256 JWTs with SFTPGo's claims (docs/echange.md), bearer validation (docs/echange.md), logout.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Echange, Inner};
use crate::util::{api_msg, json_response, now_secs, rfc3339_utc};

type HmacSha256 = Hmac<Sha256>;

/// JWT claims, in SFTPGo's serialization order.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Claims {
    /// User signature (`updated_at` ms).
    #[serde(default)]
    pub sub: String,
    /// `["APIUser", "<client ip>"]`.
    #[serde(default)]
    pub aud: Vec<String>,
    /// Expiry (s).
    #[serde(default)]
    pub exp: i64,
    /// Not before (s).
    #[serde(default)]
    pub nbf: i64,
    /// Issued at (s).
    #[serde(default)]
    pub iat: i64,
    /// Token id.
    #[serde(default)]
    pub jti: String,
    /// SFTPGo username.
    #[serde(default)]
    pub username: String,
    /// Web-client restrictions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// Two-factor setup pending.
    #[serde(rename = "2fa_required", default, skip_serializing_if = "is_false")]
    pub two_fa_required: bool,
    /// Password change pending.
    #[serde(default, skip_serializing_if = "is_false")]
    pub chpwd: bool,
    /// Protocols that require 2FA.
    #[serde(rename = "2fa_protos", default, skip_serializing_if = "Vec::is_empty")]
    pub two_fa_protos: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn signing_key(gen: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(format!("passerelle-fake-echange-signing-passphrase-{gen}").as_bytes());
    h.finalize().into()
}

/// Signs claims into a compact HS256 JWT.
pub fn sign(claims: &Claims, gen: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let sig = match HmacSha256::new_from_slice(&signing_key(gen)) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Verifies the signature and decodes the claims (no time checks).
pub fn verify(token: &str, gen: u64) -> Option<Claims> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let mut mac = HmacSha256::new_from_slice(&signing_key(gen)).ok()?;
    mac.update(format!("{h}.{p}").as_bytes());
    mac.verify_slice(&sig).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// The client IP as the fake sees it (peer IP unless `ip-change` simulated another one).
pub fn client_ip(inner: &Inner, peer: std::net::IpAddr) -> String {
    inner.client_ip.clone().unwrap_or_else(|| peer.to_string())
}

fn unauthorized(error: Option<&str>) -> Response {
    let mut r = api_msg(StatusCode::UNAUTHORIZED, "Unauthorized", error);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"SFTPGo\""),
    );
    r
}

fn parse_basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.get(1..)?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

#[derive(Serialize)]
struct TokenBody {
    access_token: String,
    expires_at: String,
}

/// `GET /api/v2/user/token`.
pub fn token(state: &Echange, headers: &HeaderMap, peer: std::net::IpAddr) -> Response {
    let Some((user, pass)) = parse_basic(headers) else {
        return unauthorized(None);
    };
    if user.is_empty() || pass.trim().is_empty() {
        return unauthorized(None);
    }
    let mut g = state.lock();
    let Some(u) = g
        .user(&user)
        .filter(|u| !u.deleted && u.password == pass)
        .cloned()
    else {
        return unauthorized(Some("invalid credentials"));
    };
    if u.http_denied {
        return api_msg(
            StatusCode::FORBIDDEN,
            "Forbidden",
            Some(&super::http_denied_body(&u.username)),
        );
    }
    if u.otp {
        let code = headers
            .get("x-sftpgo-otp")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string());
        let Some(code) = code else {
            return unauthorized(Some("invalid credentials"));
        };
        let codes = g.otps.entry(u.username.clone()).or_default();
        match codes.iter().position(|c| *c == code) {
            Some(i) => {
                codes.remove(i);
            }
            None => return unauthorized(Some("invalid credentials")),
        }
    }
    let now = now_secs();
    g.counter += 1;
    let jti = format!(
        "{:016x}{:04x}",
        crate::util::fnv1a(format!("jti-{}-{now}", g.counter).as_bytes()),
        g.counter & 0xffff
    );
    let exp = now + g.ttl_secs as i64;
    let claims = Claims {
        sub: u.updated_at_ms.to_string(),
        aud: vec!["APIUser".to_string(), client_ip(&g, peer)],
        exp,
        nbf: now - 10,
        iat: now,
        jti,
        username: u.username.clone(),
        permissions: u.permissions.clone(),
        two_fa_required: u.two_fa_pending,
        chpwd: u.password_change_pending,
        two_fa_protos: if u.two_fa_pending {
            vec!["HTTP".to_string()]
        } else {
            Vec::new()
        },
    };
    let access_token = sign(&claims, g.key_gen);
    json_response(
        StatusCode::OK,
        &TokenBody {
            access_token,
            expires_at: rfc3339_utc(exp),
        },
    )
}

/// An authenticated request's identity.
#[derive(Debug, Clone)]
pub struct Session {
    /// Username.
    pub username: String,
    /// Web-client restrictions from the token.
    pub permissions: Vec<String>,
    /// The token id.
    pub jti: String,
    /// Token expiry.
    pub exp: i64,
    /// 2FA setup pending (from the claims).
    pub two_fa_required: bool,
    /// Protocols needing 2FA (from the claims).
    pub two_fa_protos: Vec<String>,
    /// Password change pending (from the claims).
    pub chpwd: bool,
}

impl Session {
    /// `checkAuthRequirements` (routes marked R): 403 while 2FA setup or a password change
    /// is pending.
    pub fn check_requirements(&self) -> Result<(), Response> {
        if self.two_fa_required {
            let mut e = "Two-factor authentication requirements not met, please configure two-factor authentication".to_string();
            if !self.two_fa_protos.is_empty() {
                e.push_str(" for the following protocols: ");
                e.push_str(&self.two_fa_protos.join(", "));
            }
            return Err(api_msg(StatusCode::FORBIDDEN, "", Some(&e)));
        }
        if self.chpwd {
            return Err(api_msg(
                StatusCode::FORBIDDEN,
                "",
                Some("Password change required. Please set a new password to continue to use your account"),
            ));
        }
        Ok(())
    }

    /// 403 `{"message":"Forbidden"}` when the token carries `write-disabled`.
    pub fn check_write(&self) -> Result<(), Response> {
        if self.permissions.iter().any(|p| p == "write-disabled") {
            Err(api_msg(StatusCode::FORBIDDEN, "Forbidden", None))
        } else {
            Ok(())
        }
    }
}

/// Bearer validation (docs/echange.md), in SFTPGo's order.
pub fn authenticate(
    inner: &Inner,
    headers: &HeaderMap,
    peer: std::net::IpAddr,
) -> Result<Session, Response> {
    let no_token = || {
        api_msg(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            Some("no token found"),
        )
    };
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(no_token)?;
    let token = match raw.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => raw.get(7..).unwrap_or(""),
        _ => return Err(no_token()),
    };
    let claims = verify(token, inner.key_gen).ok_or_else(no_token)?;
    let now = now_secs();
    let leeway = inner.leeway_secs as i64;
    if claims.exp + leeway < now || claims.nbf - leeway > now || claims.iat - leeway > now {
        return Err(no_token());
    }
    if inner.logged_out.contains(&claims.jti) {
        return Err(api_msg(
            StatusCode::UNAUTHORIZED,
            "Your token is no longer valid",
            None,
        ));
    }
    if !claims.aud.iter().any(|a| a == "APIUser") {
        return Err(api_msg(
            StatusCode::UNAUTHORIZED,
            "Your token audience is not valid",
            None,
        ));
    }
    let ip = client_ip(inner, peer);
    if inner.bind_ip && !claims.aud.contains(&ip) {
        return Err(api_msg(
            StatusCode::UNAUTHORIZED,
            "Your token is not valid",
            None,
        ));
    }
    Ok(Session {
        username: claims.username,
        permissions: claims.permissions,
        jti: claims.jti,
        exp: claims.exp,
        two_fa_required: claims.two_fa_required,
        two_fa_protos: claims.two_fa_protos,
        chpwd: claims.chpwd,
    })
}

/// Signs a token with a non-user audience (admin), for audience tests.
pub fn admin_token(inner: &Inner, peer: std::net::IpAddr) -> String {
    let now = now_secs();
    let claims = Claims {
        sub: "0".to_string(),
        aud: vec!["API".to_string(), client_ip(inner, peer)],
        exp: now + inner.ttl_secs as i64,
        nbf: now - 10,
        iat: now,
        jti: format!("admin{now}"),
        username: "admin".to_string(),
        permissions: vec!["*".to_string()],
        two_fa_required: false,
        chpwd: false,
        two_fa_protos: Vec::new(),
    };
    sign(&claims, inner.key_gen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let c = Claims {
            sub: "1".into(),
            aud: vec!["APIUser".into(), "127.0.0.1".into()],
            exp: 10,
            nbf: 0,
            iat: 0,
            jti: "x".into(),
            username: "u".into(),
            permissions: vec![],
            two_fa_required: false,
            chpwd: false,
            two_fa_protos: vec![],
        };
        let t = sign(&c, 1);
        assert!(t.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        assert_eq!(verify(&t, 1).map(|c| c.username), Some("u".to_string()));
        assert!(verify(&t, 2).is_none());
        let mut bad = t.clone();
        bad.push('A');
        assert!(verify(&bad, 1).is_none());
        assert!(verify("a.b", 1).is_none());
    }
}
