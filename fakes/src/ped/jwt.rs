//! HS256 JSON Web Tokens: `{"alg":"HS256","typ":"JWT"}` header, claims `sub`, `iat`, `exp`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> Option<HmacSha256> {
    HmacSha256::new_from_slice(secret).ok()
}

/// Signs a token for `sub` valid from `iat` until `exp` (Unix seconds).
pub fn sign(secret: &[u8], sub: &str, iat: u64, exp: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({ "sub": sub, "iat": iat, "exp": exp }).to_string();
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
    let sig = match mac(secret) {
        Some(mut m) => {
            m.update(signing_input.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        None => Vec::new(),
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Returns the `sub` claim of a well-formed, correctly signed, unexpired token.
pub fn verify(secret: &[u8], token: &str, now: u64) -> Option<String> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let mut m = mac(secret)?;
    m.update(format!("{h}.{c}").as_bytes());
    m.verify_slice(&sig).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    if now >= exp {
        return None;
    }
    Some(claims.get("sub")?.as_str()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let t = sign(b"k1", "a@b.fr", 100, 200);
        assert_eq!(t.split('.').count(), 3);
        assert_eq!(verify(b"k1", &t, 150).as_deref(), Some("a@b.fr"));
        assert_eq!(verify(b"k1", &t, 200), None, "expired at exp");
        assert_eq!(verify(b"k2", &t, 150), None, "other secret");
        let mut tampered = t.clone();
        tampered.insert(t.len() / 2, 'x');
        assert_eq!(verify(b"k1", &tampered, 150), None);
        assert_eq!(verify(b"k1", "a.b", 150), None);
        assert_eq!(verify(b"k1", "", 150), None);
    }
}
