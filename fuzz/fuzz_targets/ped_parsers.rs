//! The PRE-ETAT.DATE parsers: response envelopes (auth, order, ack, health) and webhook
//! notifications, on arbitrary bodies and statuses. A panic is a crash; an accepted token is
//! never empty and holds no whitespace or control character. The crate's own JSON parser is
//! checked against serde_json through `parse_health` (a 2xx body as parsed, `null` when it is
//! not JSON): the same value for every text serde_json reads (floats within a few units in the
//! last place: serde_json's default reading is not always the nearest), and no value for text
//! it refuses, but for numbers beyond `f64`'s range, which ours reads as `null`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::http::ResponseHead;
use passerelle::pre_etat_date::{responses, token, webhook};
use serde_json::Value;

/// Equal values, floats within a few units in the last place.
fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x.to_bits().abs_diff(y.to_bits()) <= 4
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k, a), (l, b))| k == l && close(a, b))
        }
        _ => a == b,
    }
}

/// Whether the text holds a number written with a fraction or exponent (those may be beyond
/// `f64`'s range).
fn has_float(body: &[u8]) -> bool {
    body.iter().any(|b| matches!(b, b'e' | b'E' | b'.'))
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = 100 + u16::from_le_bytes(*head) % 500;
    let h = ResponseHead::new(status, Vec::new());
    if let Ok(t) = responses::parse_auth(&h, body) {
        assert!(!t.access_token.is_empty());
        assert!(t.access_token.bytes().all(|b| (0x21..0x7f).contains(&b)));
        let _ = token::jwt_expiry(&t.access_token);
    }
    let _ = responses::parse_transaction("createOrder", &h, body);
    let _ = responses::parse_ack("sendTestWebhook", &h, body);
    let health = responses::parse_health(&h, body);
    if h.is_success() {
        let ours = health.expect("a 2xx health response is never an error");
        match serde_json::from_slice::<Value>(body) {
            Ok(theirs) => assert!(close(&ours, &theirs), "{ours} vs {theirs}"),
            Err(_) => assert!(ours.is_null() || has_float(body), "{ours}"),
        }
    }
    let _ = webhook::parse_webhook(body);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = token::jwt_expiry(text);
    }
});
