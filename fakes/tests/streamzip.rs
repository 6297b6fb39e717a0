//! `POST /api/v2/user/streamzip`: layout, names, headers, validation and both abort modes.

mod common;
#[path = "common/zipcheck.rs"]
mod zipcheck;
use common::*;
use serde_json::json;

const ZIP: &str = "/api/v2/user/streamzip";

async fn zip(addr: std::net::SocketAddr, b: &str, body: &str) -> Resp {
    req(
        addr,
        "POST",
        ZIP,
        &[("Authorization", b), ("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await
}

async fn zip_raw(addr: std::net::SocketAddr, b: &str, body: &str) -> Vec<u8> {
    raw(
        addr,
        &build("POST", ZIP, &[("Authorization", b)], body.as_bytes()),
    )
    .await
}

fn listing_mtime(v: &serde_json::Value, name: &str) -> String {
    v.as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap()["last_modified"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn byte_layout_matches_go_archive_zip() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = zip(
        s.addr,
        &b,
        r#"["/Archives", "/Relevés/Nov 2025", "/lisez-moi.txt"]"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.complete);
    assert!(
        r.chunked && r.header("content-length").is_none(),
        "≥ 2 KiB → chunked"
    );
    let entries = zipcheck::walk(&r.body);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names[0], "Archives/");
    assert!(names.contains(&"Archives/Vide/"));
    assert!(names.contains(&"Archives/2024.csv"));
    assert!(names.contains(&"Archives/vide.txt"));
    assert!(names.contains(&"Relevés/Nov 2025/"));
    assert!(names.contains(&"Relevés/Nov 2025/notes.txt"));
    assert!(
        !names.contains(&"Relevés/"),
        "parents of requested items get no entry"
    );
    assert_eq!(*names.last().unwrap(), "lisez-moi.txt");
    // Depth-first: children follow their directory.
    let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(
        pos("Archives/") < pos("Archives/2024.csv")
            && pos("Archives/2024.csv") < pos("Relevés/Nov 2025/")
    );
    // Non-ASCII names carry the UTF-8 flag (checked in walk); contents match downloads.
    for e in &entries {
        if e.method == 8 {
            let g = get(
                s.addr,
                &format!("/api/v2/user/files?path={}", enc(&format!("/{}", e.name))),
                &[("Authorization", &b)],
            )
            .await;
            assert_eq!(g.body, e.data, "{}", e.name);
        }
    }
    let note = entries
        .iter()
        .find(|e| e.name == "Relevés/Nov 2025/notes.txt")
        .unwrap();
    assert_eq!(note.flags, 0x0808);
    let dir = entries
        .iter()
        .find(|e| e.name == "Relevés/Nov 2025/")
        .unwrap();
    assert_eq!(dir.flags, 0x0800);
    // 0x5455 mtime equals the listing time.
    let l = get(
        s.addr,
        "/api/v2/user/dirs?path=/Archives",
        &[("Authorization", &b)],
    )
    .await
    .json();
    let want = listing_mtime(&l, "2024.csv");
    let e = entries
        .iter()
        .find(|e| e.name == "Archives/2024.csv")
        .unwrap();
    let secs = e.mtime as i64;
    assert_eq!(passerelle_fakes::util::rfc3339_utc(secs), want);
    // Headers.
    assert_eq!(r.header("content-type"), Some("application/zip"));
    assert_eq!(r.header("accept-ranges"), Some("none"));
    assert_eq!(r.header("content-transfer-encoding"), Some("binary"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"fournisseur-download.zip\"")
    );
}

#[tokio::test]
async fn empty_list_and_null_give_the_22_byte_zip() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let mut want = b"PK\x05\x06".to_vec();
    want.extend_from_slice(&[0u8; 18]);
    for body in ["[]", "null", " [ ] trailing garbage"] {
        let r = zip(s.addr, &b, body).await;
        assert_eq!(r.status, 200, "{body}");
        assert_eq!(r.body, want, "{body}");
        assert_eq!(r.header("content-length"), Some("22"));
    }
}

#[tokio::test]
async fn whole_home_symlinks_skipped_duplicates_removed() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = zip(s.addr, &b, r#"[""]"#).await;
    assert_eq!(r.status, 200);
    let entries = zipcheck::walk(&r.body);
    assert_eq!(entries[0].name, "/");
    assert!(entries.iter().any(|e| e.name == "lisez-moi.txt"));
    assert!(entries.iter().any(|e| e.name == "Lot-1500/f1499.csv"));
    assert!(
        !entries.iter().any(|e| e.name.contains("lien")),
        "symlinks skipped"
    );
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"fournisseur-/.zip\"")
    );
    // Exact duplicates after cleaning are removed; overlaps are not merged.
    let r = zip(
        s.addr,
        &b,
        r#"["/Archives/2024.csv", "Archives//2024.csv", "/Archives/./2024.csv/"]"#,
    )
    .await;
    let e = zipcheck::walk(&r.body);
    assert_eq!(e.len(), 1);
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"fournisseur-2024.zip\"")
    );
    let r = zip(s.addr, &b, r#"["/Archives", "/Archives/2024.csv"]"#).await;
    let e = zipcheck::walk(&r.body);
    assert_eq!(
        e.iter().filter(|e| e.name == "Archives/2024.csv").count(),
        2
    );
    // Single symlink item → empty archive (skipped), name from the item.
    let r = zip(s.addr, &b, r#"["/lien.csv"]"#).await;
    assert_eq!(zipcheck::walk(&r.body).len(), 0);
}

#[tokio::test]
async fn content_disposition_name_rules() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = zip(s.addr, &b, r#"["/Relevés"]"#).await;
    assert_eq!(
        r.header_bytes("content-disposition").unwrap(),
        "attachment; filename=\"fournisseur-Relevés.zip\"".as_bytes(),
        "raw UTF-8"
    );
    let r = zip(s.addr, &b, r#"["/Relevés/Déc 2025/synthèse.xml"]"#).await;
    assert_eq!(
        r.header_bytes("content-disposition").unwrap(),
        "attachment; filename=\"fournisseur-synthèse.zip\"".as_bytes()
    );
}

#[tokio::test]
async fn json_validation_errors() {
    let s = server().await;
    let b = bearer(s.addr).await;
    for (body, err) in [
        (
            "{}",
            Some("json: cannot unmarshal object into Go value of type []string"),
        ),
        (
            "[1]",
            Some("json: cannot unmarshal number into Go value of type string"),
        ),
        (
            "\"x\"",
            Some("json: cannot unmarshal string into Go value of type []string"),
        ),
        ("", None),
        ("nope", None),
    ] {
        let r = zip(s.addr, &b, body).await;
        assert_eq!(r.status, 400, "{body:?}");
        let v = r.json();
        assert_eq!(v["message"], "");
        let e = v["error"].as_str().unwrap();
        assert!(!e.is_empty());
        if let Some(want) = err {
            assert_eq!(e, want);
        }
    }
    // Auth first.
    let r = req(s.addr, "POST", ZIP, &[], b"[]").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn missing_item_early_gives_no_response_at_all() {
    let s = server().await;
    let b = bearer(s.addr).await;
    for body in [
        r#"["/missing"]"#,
        r#"["/lisez-moi.txt", "/missing", "/Archives"]"#,
    ] {
        let got = zip_raw(s.addr, &b, body).await;
        assert!(
            got.is_empty(),
            "{body}: {:?}",
            String::from_utf8_lossy(&got[..got.len().min(200)])
        );
    }
    // The server is still fine afterwards.
    assert_eq!(zip(s.addr, &b, "[]").await.status, 200);
}

#[tokio::test]
async fn missing_item_after_4_kib_gives_truncated_200_without_terminator() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let got = zip_raw(s.addr, &b, r#"["/Volumineux/gros-8MiB.bin", "/missing"]"#).await;
    let r = parse(&got, false).expect("a status line");
    assert_eq!(r.status, 200);
    assert!(r.chunked);
    assert!(!r.complete, "no chunked terminator");
    assert!(r.body.len() >= 4096);
    assert_eq!(r.body.len() % 4096, 0, "whole 4 KiB blocks");
    assert!(r.body.starts_with(b"PK\x03\x04"));
    assert!(!got.ends_with(b"0\r\n\r\n"));
    assert!(
        r.body.windows(4).all(|w| w != b"PK\x05\x06"),
        "no end record"
    );
}

#[tokio::test]
async fn configured_abort_point_both_modes() {
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"streamzip_abort_at": 100_000}),
    )
    .await;
    let got = zip_raw(s.addr, &b, r#"["/Lot-1500"]"#).await;
    let r = parse(&got, false).expect("status line");
    assert_eq!(r.status, 200);
    assert!(!r.complete);
    assert!(r.body.len() <= 100_000 && r.body.len() >= 4096);
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"streamzip_abort_at": 1000}),
    )
    .await;
    assert!(zip_raw(s.addr, &b, r#"["/Lot-1500"]"#).await.is_empty());
    control(
        s.addr,
        "POST",
        "/__fake/echange/config",
        json!({"streamzip_abort_at": 0}),
    )
    .await;
    let r = zip(s.addr, &b, r#"["/Lot-1500"]"#).await;
    assert!(r.complete && r.chunked);
    let e = zipcheck::walk(&r.body);
    assert_eq!(e.len(), 1501);
}

#[tokio::test]
async fn big_generated_file_round_trips() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = zip(s.addr, &b, r#"["/Volumineux/gros-8MiB.bin"]"#).await;
    assert!(r.complete);
    let e = zipcheck::walk(&r.body);
    assert_eq!(e.len(), 1);
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&e[0].data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let v = control(
        s.addr,
        "GET",
        "/__fake/echange/sha256?path=/Volumineux/gros-8MiB.bin",
        json!(null),
    )
    .await
    .json();
    assert_eq!(v["sha256"], hex.as_str());
}

#[tokio::test]
async fn small_complete_zip_has_content_length() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = zip(s.addr, &b, r#"["/lisez-moi.txt"]"#).await;
    assert_eq!(r.status, 200);
    assert!(!r.chunked);
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r.body.len() < 2048);
    assert_eq!(zipcheck::walk(&r.body).len(), 1);
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"fournisseur-lisez-moi.zip\"")
    );
}
