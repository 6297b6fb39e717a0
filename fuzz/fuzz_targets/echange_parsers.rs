//! The Échange response parsers (token, listing, error bodies) on arbitrary bodies, statuses
//! and headers. A panic is a crash; a parsed listing must hold only safe child paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::echange::responses;
use passerelle::http::ResponseHead;

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<3>() else {
        return;
    };
    let status = 100 + u16::from_le_bytes([head[0], head[1]]) % 500;
    let mut headers = Vec::new();
    if head[2] & 1 != 0 {
        headers.push((
            "Retry-After".to_string(),
            String::from_utf8_lossy(&body[..body.len().min(16)]).into_owned(),
        ));
    }
    if head[2] & 2 != 0 {
        headers.push((
            "Date".to_string(),
            "Wed, 21 Oct 2026 07:28:00 GMT".to_string(),
        ));
    }
    let h = ResponseHead::new(status, headers);
    let now = 1_790_000_000_000;
    let _ = responses::parse_token(&h, body, now);
    let _ = responses::api_error("listDir /x", &h, body, now);
    let dir = if head[2] & 4 != 0 {
        "/"
    } else {
        "Relevés/../Déc 2025"
    };
    if let Ok(entries) = responses::parse_listing(dir, &h, body, now) {
        for e in entries {
            assert!(e.path.starts_with('/'));
            assert!(!e.name.contains('/') && e.name != ".." && e.name != ".");
        }
    }
});
