//! The streaming zip reader compiled to wasm32, fed an archive that the fake's `streamzip`
//! produced (Go's layout), at every chunk size from 1 byte up: the same entries and bytes must
//! come out every time, and every truncation must be reported as such.
// The archive comes from the fake's streamzip through the Échange client.
#![cfg(all(target_arch = "wasm32", feature = "unzip", feature = "echange"))]

use passerelle::echange::client::{EchangeClient, EchangeConfig, Otp};
use passerelle::echange::Credentials;
use passerelle::unzip::{Event, Limits, ZipStreamReader};
use passerelle::ErrorCode;
use wasm_bindgen_test::*;

fn fake() -> String {
    match option_env!("PASSERELLE_FAKE_URL") {
        Some(url) => url.to_string(),
        None => panic!("PASSERELLE_FAKE_URL must be set at compile time (scripts/test does it)"),
    }
}

async fn zip_bytes(paths: &[&str]) -> Vec<u8> {
    let c = EchangeClient::new(EchangeConfig {
        base_url: fake(),
        credentials: Credentials {
            username: "fournisseur".into(),
            password: "motdepasse-Été:2025".into(),
        },
        otp: Otp::None,
        retries: 0,
    })
    .unwrap();
    let list: Vec<String> = paths.iter().map(|s| s.to_string()).collect();
    let io = passerelle::http::fetch::FetchIo::new(None, 20_000, 20_000, None);
    let mut open = c.download_zip(&io, &list).await.expect("streamzip");
    passerelle::echange::client::read_body(&mut open.body, &open.head, 512 << 20, "test")
        .await
        .expect("zip body")
}

/// Reads a whole archive fed in `chunk`-byte pieces: (name, content) per entry.
fn read_all(zip: &[u8], chunk: usize) -> Result<Vec<(String, Vec<u8>)>, passerelle::Error> {
    let mut r = ZipStreamReader::new(Limits::default());
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut pieces = zip.chunks(chunk.max(1));
    loop {
        match r.next_event()? {
            Some(Event::Entry(m)) => out.push((m.name, Vec::new())),
            Some(Event::Data(d)) => out
                .last_mut()
                .expect("data after an entry")
                .1
                .extend_from_slice(&d),
            Some(Event::EntryEnd) => {}
            Some(Event::End) => return Ok(out),
            None => match pieces.next() {
                Some(p) => r.feed(p),
                None => r.end_of_input(),
            },
        }
    }
}

#[wasm_bindgen_test]
async fn every_chunk_size_gives_the_same_entries() {
    let zip = zip_bytes(&["/Relevés", "/Archives"]).await;
    let whole = read_all(&zip, zip.len()).expect("whole archive");
    assert!(whole.len() >= 4, "fixture folders have entries");
    assert!(whole
        .iter()
        .any(|(n, _)| n.starts_with("Relevés/Déc 2025/")));
    let mut sizes: Vec<usize> = (1..=64).collect();
    let mut p = 128;
    while p < zip.len() {
        sizes.push(p);
        p *= 2;
    }
    for size in sizes {
        assert_eq!(
            read_all(&zip, size).expect("chunked read"),
            whole,
            "chunk size {size}"
        );
    }
}

#[wasm_bindgen_test]
async fn every_truncation_is_an_error() {
    let zip = zip_bytes(&["/Archives"]).await;
    for cut in 0..zip.len() {
        let e = read_all(&zip[..cut], 7).expect_err("a cut archive must not read as complete");
        assert_eq!(e.code(), ErrorCode::Truncated, "cut at {cut}: {e:?}");
    }
}
