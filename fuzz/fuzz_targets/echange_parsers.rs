//! The Échange response parsers (token, listing, error bodies) on arbitrary bodies, statuses
//! and headers. A panic is a crash; a parsed listing must hold only safe child paths; the
//! streaming listing parser must give the same outcome whatever the chunking, and accept, with
//! the same entries, every listing serde_json accepts (within its field and nesting limits).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::echange::listing::{parse_all, ListingParser, MAX_FIELD_BYTES, MAX_NESTING};
use passerelle::echange::model::WireDirEntry;
use passerelle::echange::{responses, DirEntry};
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

    // The same body in chunks of a size taken from the header bytes: the same outcome.
    let whole = parse_all(dir, body, None);
    let step = 1 + usize::from(head[0] % 97);
    let mut got: Vec<DirEntry> = Vec::new();
    let chunked = {
        let mut p = ListingParser::new(dir, None, &mut got);
        body.chunks(step)
            .try_for_each(|c| p.feed(c))
            .and_then(|()| p.finish())
    };
    match (&whole, &chunked) {
        (Ok(w), Ok(())) => assert_eq!(w, &got),
        (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
        _ => panic!("chunking changed the outcome: {whole:?} vs {chunked:?}"),
    }

    // serde_json as the reference: what it accepts as a listing with valid names, within the
    // parser's limits, the streaming parser accepts with the same fields.
    if let Ok(wire) = serde_json::from_slice::<Vec<WireDirEntry>>(body) {
        let within = wire.iter().all(|w| {
            w.name.len() <= MAX_FIELD_BYTES
                && w.last_modified.len() <= MAX_FIELD_BYTES
                && !w.name.is_empty()
                && !w.name.contains('/')
                && w.name != "."
                && w.name != ".."
        }) && body.iter().filter(|&&b| b == b'[' || b == b'{').count() <= MAX_NESTING;
        if within {
            let ours = whole.expect("serde_json accepts this listing");
            assert_eq!(ours.len(), wire.len());
            for (o, w) in ours.iter().zip(&wire) {
                assert_eq!((&o.name, o.size, o.mode, &o.last_modified), (&w.name, w.size, w.mode, &w.last_modified));
            }
        }
    }
});
