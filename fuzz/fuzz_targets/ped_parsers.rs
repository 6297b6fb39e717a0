//! The PRE-ETAT.DATE parsers: response envelopes (auth, order, ack, health) and webhook
//! notifications, on arbitrary bodies and statuses. A panic is a crash; an accepted token is
//! never empty and holds no whitespace or control character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::http::ResponseHead;
use passerelle::pre_etat_date::{responses, token, webhook};

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
    let _ = responses::parse_health(&h, body);
    let _ = webhook::parse_webhook(body);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = token::jwt_expiry(text);
    }
});
