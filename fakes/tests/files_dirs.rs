//! Listing, downloads, uploads and file actions of the Échange fake.

mod common;
use common::*;
use serde_json::json;

async fn list(addr: std::net::SocketAddr, b: &str, path: &str) -> Resp {
    get(
        addr,
        &format!("/api/v2/user/dirs?path={}", enc(path)),
        &[("Authorization", b)],
    )
    .await
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn listing_entries_keys_modes_times() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = get(s.addr, "/api/v2/user/dirs", &[("Authorization", &b)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("accept-ranges"), Some("none"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(
        !r.body.ends_with(b"\n"),
        "listings have no trailing newline"
    );
    let text = r.text();
    // Keys in alphabetical order, size only for files.
    assert!(text.contains("{\"last_modified\":\""));
    let v = r.json();
    let mut seen = 0;
    for e in v.as_array().unwrap() {
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        let lm = e["last_modified"].as_str().unwrap();
        assert_eq!(lm.len(), 20);
        assert!(lm.ends_with('Z'));
        match e["name"].as_str().unwrap() {
            "Relevés" => {
                assert_eq!(e["mode"], 2147484141u32);
                assert!(e.get("size").is_none());
                seen += 1;
            }
            "lisez-moi.txt" => {
                assert_eq!(e["mode"], 420);
                assert!(e["size"].as_u64().unwrap() > 0);
                seen += 1;
            }
            "lien.csv" => {
                assert_eq!(e["mode"], 134218239u32);
                assert!(e.get("size").is_none());
                seen += 1;
            }
            _ => {}
        }
        assert!(keys.len() == 3 || keys.len() == 4);
    }
    assert_eq!(seen, 3);
    // Raw text: keys in order last_modified, mode, name, size.
    let i = text.find("\"name\":\"lisez-moi.txt\"").unwrap();
    let obj_start = text[..i].rfind('{').unwrap();
    let obj_end = i + text[i..].find('}').unwrap();
    let obj = &text[obj_start..=obj_end];
    let pos = |k: &str| obj.find(k).unwrap();
    assert!(
        pos("last_modified") < pos("\"mode\"")
            && pos("\"mode\"") < pos("\"name\"")
            && pos("\"name\"") < pos("\"size\"")
    );
}

#[tokio::test]
async fn listing_order_is_not_sorted_and_big_listing_is_chunked() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = list(s.addr, &b, "/Lot-1500").await;
    assert_eq!(r.status, 200);
    assert!(r.chunked, "a large listing is chunked");
    let n = names(&r.json());
    assert_eq!(n.len(), 1500);
    let mut sorted = n.clone();
    sorted.sort();
    assert_ne!(n, sorted, "order must not be alphabetical");
    let r2 = list(s.addr, &b, "/Lot-1500").await;
    assert_eq!(names(&r2.json()), n, "deterministic");
    let small = list(s.addr, &b, "/Relevés").await;
    assert!(!small.chunked && small.header("content-length").is_some());
}

#[tokio::test]
async fn listing_empty_missing_and_html_escaped_names() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let r = list(s.addr, &b, "/Archives/Vide").await;
    assert_eq!((r.status, r.body.as_slice()), (200, &b"[]"[..]));
    let r = list(s.addr, &b, "/absent").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        "{\"error\":\"file does not exist\",\"message\":\"Unable to get directory lister\"}\n"
    );
    let r = list(s.addr, &b, "/Relevés/Déc 2025").await;
    let t = r.text();
    assert!(t.contains("R\\u0026D \\u003cnotes\\u003e.txt"), "{t}");
    assert!(names(&r.json()).contains(&"données+spéciales;v2 #1 100%.txt".to_string()));
}

#[tokio::test]
async fn listing_a_file_drops_the_connection_without_any_response() {
    let s = server().await;
    let b = bearer(s.addr).await;
    for p in ["/lisez-moi.txt", "/lien.csv"] {
        let raw_resp = raw(
            s.addr,
            &build(
                "GET",
                &format!("/api/v2/user/dirs?path={}", enc(p)),
                &[("Authorization", &b)],
                b"",
            ),
        )
        .await;
        assert!(
            raw_resp.is_empty(),
            "expected no bytes, got {:?}",
            String::from_utf8_lossy(&raw_resp)
        );
    }
}

#[tokio::test]
async fn query_decoding_go_rules_and_cleaning() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    // `+` is a space.
    let r = get(
        s.addr,
        "/api/v2/user/dirs?path=/Relev%C3%A9s/D%C3%A9c+2025",
        &h,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(names(&r.json()).contains(&"releve-01.csv".to_string()));
    // A pair with `;` or a bad escape is dropped → lists `/`.
    for q in ["path=/Archives;x", "path=/Archives%zz"] {
        let r = get(s.addr, &format!("/api/v2/user/dirs?{q}"), &h).await;
        assert_eq!(r.status, 200);
        assert!(
            names(&r.json()).contains(&"lisez-moi.txt".to_string()),
            "{q}"
        );
    }
    // Cleaning: backslashes, dots, relative paths, no escape above /.
    for p in [
        "Archives",
        "\\Archives\\",
        "/x/../Archives/./",
        "../../Archives",
    ] {
        let r = get(s.addr, &format!("/api/v2/user/dirs?path={}", enc(p)), &h).await;
        assert_eq!(r.status, 200, "{p}");
        assert!(names(&r.json()).contains(&"Vide".to_string()), "{p}");
    }
}

#[tokio::test]
async fn download_headers_and_errors() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let p = "/Relevés/Déc 2025/Relevé n°1 (copie).csv";
    let r = get(s.addr, &format!("/api/v2/user/files?path={}", enc(p)), &h).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header_bytes("content-disposition").unwrap(),
        "attachment; filename=\"Relevé n°1 (copie).csv\"".as_bytes()
    );
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("last-modified").unwrap().ends_with(" GMT"));
    assert_eq!(
        r.header("content-length").unwrap(),
        r.body.len().to_string()
    );
    assert!(r.header("etag").is_none());
    assert!(r.text().starts_with("date;compteur"));
    let bin = get(
        s.addr,
        "/api/v2/user/files?path=/Volumineux/gros-8MiB.bin",
        &h,
    )
    .await;
    assert_eq!(bin.header("content-type"), Some("application/octet-stream"));
    assert_eq!(bin.body.len(), 8 << 20);
    // Symlink is followed.
    let r = get(s.addr, "/api/v2/user/files?path=/lien.csv", &h).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"lien.csv\"")
    );

    let r = get(s.addr, "/api/v2/user/files", &h).await;
    assert_eq!(
        r.text(),
        "{\"message\":\"Please set the path to a valid file\"}\n"
    );
    assert_eq!(r.status, 400);
    let r = get(s.addr, "/api/v2/user/files?path=/Archives/", &h).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        "{\"message\":\"Please set the path to a valid file, \\\"/Archives\\\" is a directory\"}\n"
    );
    let r = get(s.addr, "/api/v2/user/files?path=/nope.txt", &h).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        "{\"error\":\"file does not exist\",\"message\":\"Unable to stat the requested file\"}\n"
    );
}

#[tokio::test]
async fn download_ranges_and_conditionals() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let t = "/api/v2/user/files?path=/Archives/2024.csv";
    let full = get(s.addr, t, &[("Authorization", &b)]).await.body;
    let size = full.len();
    let rng = |r: &'static str| [("Authorization", b.clone()), ("Range", r.to_string())];
    let go = |h: [(&'static str, String); 2]| async move {
        let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        get(s.addr, t, &hh).await
    };
    let r = go(rng("bytes=100-199")).await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, full[100..200].to_vec());
    assert_eq!(
        r.header("content-range").unwrap(),
        format!("bytes 100-199/{size}")
    );
    assert_eq!(r.header("content-length"), Some("100"));
    let r = go(rng("bytes=0-0")).await;
    assert_eq!(
        (r.status, r.body.len()),
        (206, size),
        "0-0 quirk = whole file"
    );
    let r = go(rng("bytes=-10")).await;
    assert_eq!(r.body, full[size - 10..].to_vec());
    let r = go(rng("bytes=-999999")).await;
    assert_eq!(r.body, full[1..].to_vec(), "-N ≥ size quirk = size−1 bytes");
    let r = go(rng("items=0-1")).await;
    assert_eq!(
        (r.status, r.body.len()),
        (200, size),
        "non-bytes unit ignored"
    );
    for bad in ["bytes=0-1,5-6", "bytes=999999-", "bytes=-0", "bytes=a-b"] {
        let r = go(rng(bad)).await;
        assert_eq!(r.status, 416, "{bad}");
        assert!(r.header("content-range").is_none(), "{bad}");
        let v = r.json();
        assert_eq!(v["message"], "Requested Range Not Satisfiable");
        assert!(!v["error"].as_str().unwrap().is_empty());
    }
    let r = go(rng("bytes=0-1,5-6")).await;
    assert_eq!(r.json()["error"], "unsupported range \"0-1,5-6\"");

    let lm = get(s.addr, t, &[("Authorization", &b)])
        .await
        .header("last-modified")
        .unwrap()
        .to_string();
    let r = get(
        s.addr,
        t,
        &[("Authorization", &b), ("If-Modified-Since", &lm)],
    )
    .await;
    assert_eq!((r.status, r.body.len()), (304, 0));
    let r = get(
        s.addr,
        t,
        &[
            ("Authorization", &b),
            ("If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"),
        ],
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    // If-Range: equal date → range honoured, other date → full body.
    let r = get(
        s.addr,
        t,
        &[
            ("Authorization", &b),
            ("Range", "bytes=0-9"),
            ("If-Range", &lm),
        ],
    )
    .await;
    assert_eq!((r.status, r.body.len()), (206, 10));
    let r = get(
        s.addr,
        t,
        &[
            ("Authorization", &b),
            ("Range", "bytes=0-9"),
            ("If-Range", "Mon, 01 Jan 2001 00:00:00 GMT"),
        ],
    )
    .await;
    assert_eq!((r.status, r.body.len()), (200, size));
}

#[tokio::test]
async fn generated_range_matches_full_content() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let t = "/api/v2/user/files?path=/Volumineux/gros-8MiB.bin";
    let full = get(s.addr, t, &[("Authorization", &b)]).await.body;
    let r = get(
        s.addr,
        t,
        &[("Authorization", &b), ("Range", "bytes=1000003-1000102")],
    )
    .await;
    assert_eq!(r.body, full[1000003..1000103].to_vec());
    // sha256 control agrees with the downloaded bytes.
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&full)
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
    assert_eq!(v["size"], 8 << 20);
}

#[tokio::test]
async fn upload_raw_roundtrip_mtime_and_errors() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let r = req(
        s.addr,
        "POST",
        &format!(
            "/api/v2/user/files/upload?path={}",
            enc("/Relevés/envoi é+1.bin")
        ),
        &[("Authorization", &b), ("X-SFTPGO-MTIME", "1767225600000")],
        &data,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, "{\"message\":\"Upload completed\"}\n")
    );
    let g = get(
        s.addr,
        &format!("/api/v2/user/files?path={}", enc("/Relevés/envoi é+1.bin")),
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(g.body, data);
    assert_eq!(
        g.header("last-modified"),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    let l = list(s.addr, &b, "/Relevés").await.json();
    let e = l
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "envoi é+1.bin")
        .unwrap()
        .clone();
    assert_eq!(e["last_modified"], "2026-01-01T00:00:00Z");
    assert_eq!(e["size"], 300_000);

    let h = [("Authorization", b.as_str())];
    let r = req(s.addr, "POST", "/api/v2/user/files/upload", &h, b"x").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            400,
            "{\"error\":\"please set a file path\",\"message\":\"\"}\n"
        )
    );
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files/upload?path=/nope/a.txt",
        &h,
        b"x",
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "Unable to write file \"/nope/a.txt\"");
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files/upload?path=/nope/a.txt&mkdir_parents=true",
        &h,
        b"x",
    )
    .await;
    assert_eq!(r.status, 201);
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files/upload?path=/Archives",
        &h,
        b"x",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("operation unsupported"))
    );
}

#[tokio::test]
async fn multipart_upload() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let boundary = "XyZ123";
    let mut body = Vec::new();
    for (field, fname, content) in [
        ("filenames", "dossier/a é.txt", "AAA"),
        ("other", "ignored.txt", "III"),
        ("filenames", "b.csv", "BBB"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{fname}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files?path=/Archives",
        &[("Authorization", &b), ("Content-Type", &ct)],
        &body,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (201, "{\"message\":\"Upload completed\"}\n")
    );
    let n = names(&list(s.addr, &b, "/Archives").await.json());
    assert!(n.contains(&"a é.txt".to_string()) && n.contains(&"b.csv".to_string()));
    assert!(!n.contains(&"ignored.txt".to_string()));
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files?path=/Archives",
        &[("Authorization", &b), ("Content-Type", "text/plain")],
        b"zz",
    )
    .await;
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (400, Some("Unable to parse multipart form"))
    );
    let only_other = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--{boundary}--\r\n"
    );
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/files?path=/Archives",
        &[("Authorization", &b), ("Content-Type", &ct)],
        only_other.as_bytes(),
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "{\"message\":\"No files uploaded!\"}\n")
    );
}

#[tokio::test]
async fn dirs_create_delete() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let r = req(
        s.addr,
        "POST",
        &format!("/api/v2/user/dirs?path={}", enc("/R&D")),
        &h,
        b"",
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            201,
            "{\"message\":\"Directory \\\"/R\\u0026D\\\" created\"}\n"
        )
    );
    let r = req(s.addr, "POST", "/api/v2/user/dirs?path=/R%26D", &h, b"").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (500, Some("failure"))
    );
    let r = req(s.addr, "POST", "/api/v2/user/dirs", &h, b"").await;
    assert_eq!(r.status, 500, "`/` already exists");
    let r = req(s.addr, "POST", "/api/v2/user/dirs?path=/a/b/c", &h, b"").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (404, Some("file does not exist"))
    );
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/dirs?path=/a/b/c&mkdir_parents=1",
        &h,
        b"",
    )
    .await;
    assert_eq!(r.status, 404, "only exactly `true` counts");
    let r = req(
        s.addr,
        "POST",
        "/api/v2/user/dirs?path=/a/b/c&mkdir_parents=true",
        &h,
        b"",
    )
    .await;
    assert_eq!(r.status, 201);
    let r = req(s.addr, "DELETE", "/api/v2/user/dirs?path=/a", &h, b"").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "{\"message\":\"Directory \\\"/a\\\" deleted\"}\n")
    );
    assert_eq!(list(s.addr, &b, "/a/b").await.status, 404);
    let r = req(s.addr, "DELETE", "/api/v2/user/dirs?path=/", &h, b"").await;
    assert_eq!(r.status, 403);
    let r = req(s.addr, "DELETE", "/api/v2/user/dirs?path=/a", &h, b"").await;
    assert_eq!(r.status, 404);
    let r = req(
        s.addr,
        "DELETE",
        "/api/v2/user/dirs?path=/lisez-moi.txt",
        &h,
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "plain files are deleted too");
}

#[tokio::test]
async fn delete_files() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let r = req(
        s.addr,
        "DELETE",
        "/api/v2/user/files?path=/lien.csv",
        &h,
        b"",
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "{\"message\":\"File \\\"/lien.csv\\\" deleted\"}\n")
    );
    let r = get(
        s.addr,
        "/api/v2/user/files?path=/Relevés/Déc+2025/releve-01.csv",
        &h,
    )
    .await;
    assert_eq!(r.status, 200, "the symlink target stays");
    let r = req(
        s.addr,
        "DELETE",
        "/api/v2/user/files?path=/Archives",
        &h,
        b"",
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            400,
            "{\"message\":\"Unable delete \\\"/Archives\\\", it is not a file/symlink\"}\n"
        )
    );
    let r = req(s.addr, "DELETE", "/api/v2/user/files?path=/nope", &h, b"").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn copy_and_move() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [("Authorization", b.as_str())];
    let act = |op: &'static str, p: &'static str, t: &'static str| async move {
        req(
            s.addr,
            "POST",
            &format!(
                "/api/v2/user/file-actions/{op}?path={}&target={}",
                enc(p),
                enc(t)
            ),
            &h,
            b"",
        )
        .await
    };
    // Copy a file into a new path with missing parents.
    let r = act("copy", "/lisez-moi.txt", "/new/deep/copie.txt").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            200,
            "{\"message\":\"\\\"/lisez-moi.txt\\\" copied to \\\"/new/deep/copie.txt\\\"\"}\n"
        )
    );
    // Copy into an existing dir.
    let r = act("copy", "/lisez-moi.txt", "/Archives").await;
    assert_eq!(r.status, 200);
    assert!(
        names(&list(s.addr, &b, "/Archives").await.json()).contains(&"lisez-moi.txt".to_string())
    );
    // Copy a dir: trailing slash on the source copies the contents; message keeps it.
    let r = act("copy", "/Relevés/Nov 2025/", "/Nov-contenu").await;
    assert_eq!(
        r.json()["message"],
        "\"/Relevés/Nov 2025/\" copied to \"/Nov-contenu\""
    );
    assert!(
        names(&list(s.addr, &b, "/Nov-contenu").await.json()).contains(&"notes.txt".to_string())
    );
    let r = act("copy", "/Relevés/Nov 2025", "/Archives").await;
    assert_eq!(r.status, 200);
    assert_eq!(list(s.addr, &b, "/Archives/Nov 2025").await.status, 200);
    let r = act("copy", "/Archives", "/Archives").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (
            400,
            Some("the copy source and target cannot be the same: operation unsupported")
        )
    );
    let r = act("copy", "/lien.csv", "/x.csv").await;
    assert_eq!(r.status, 400);
    let r = act("copy", "/nope", "/x").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "Unable to copy \"/nope\" => \"/x\"");

    // Move.
    let r = act("move", "/new/deep/copie.txt", "/lisez-moi-2.txt").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            200,
            "{\"message\":\"\\\"/new/deep/copie.txt\\\" renamed to \\\"/lisez-moi-2.txt\\\"\"}\n"
        )
    );
    let r = act("move", "/lisez-moi-2.txt", "/Archives").await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (400, Some("operation unsupported")),
        "no move into an existing dir"
    );
    let r = act("move", "/lisez-moi-2.txt", "/absent/x.txt").await;
    assert_eq!(r.status, 404, "parents are not created");
    let r = act("move", "/lisez-moi-2.txt", "/lisez-moi.txt").await;
    assert_eq!(r.status, 200, "files are overwritten");
    let r = act("move", "/Nov-contenu", "/Nov-déplacé").await;
    assert_eq!(r.status, 200);
    assert!(
        names(&list(s.addr, &b, "/Nov-déplacé").await.json()).contains(&"notes.txt".to_string())
    );
    let r = act("move", "/Nov-déplacé", "/Nov-déplacé").await;
    assert_eq!(
        r.json()["error"],
        "the rename source and target cannot be the same: operation unsupported"
    );
    let r = act("move", "/nope", "/x").await;
    assert_eq!(r.status, 404);
    // Deprecated PATCH form.
    let r = req(
        s.addr,
        "PATCH",
        "/api/v2/user/files?path=/lisez-moi.txt&target=/lisez.txt",
        &h,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn metadata_sets_mtime() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let h = [
        ("Authorization", b.as_str()),
        ("Content-Type", "application/json"),
    ];
    let r = req(
        s.addr,
        "PATCH",
        "/api/v2/user/files/metadata?path=/lisez-moi.txt",
        &h,
        br#"{"modification_time":1767225600000}"#,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "{\"message\":\"OK\"}\n")
    );
    let g = get(s.addr, "/api/v2/user/files?path=/lisez-moi.txt", &h).await;
    assert_eq!(
        g.header("last-modified"),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    let r = req(
        s.addr,
        "PATCH",
        "/api/v2/user/files/metadata?path=/lisez-moi.txt",
        &h,
        b"{}",
    )
    .await;
    assert_eq!(
        r.json()["error"],
        "please set a modification_time and a path"
    );
    let r = req(
        s.addr,
        "PATCH",
        "/api/v2/user/files/metadata?path=/lisez-moi.txt",
        &h,
        b"nope",
    )
    .await;
    assert_eq!(r.status, 400);
    let r = req(
        s.addr,
        "PATCH",
        "/api/v2/user/files/metadata?path=/nope",
        &h,
        br#"{"modification_time":1}"#,
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn generate_control_creates_on_the_fly_files() {
    let s = server().await;
    let b = bearer(s.addr).await;
    control(
        s.addr,
        "POST",
        "/__fake/echange/generate",
        json!({"path": "/Big/g.bin", "size": 100_000}),
    )
    .await;
    let r = get(
        s.addr,
        "/api/v2/user/files?path=/Big/g.bin",
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(r.body.len(), 100_000);
    let r2 = get(
        s.addr,
        "/api/v2/user/files?path=/Big/g.bin",
        &[("Authorization", &b)],
    )
    .await;
    assert_eq!(r.body, r2.body);
}

#[tokio::test]
async fn listing_is_gzipped_when_asked() {
    let s = server().await;
    let b = bearer(s.addr).await;
    let plain = get(
        s.addr,
        "/api/v2/user/dirs?path=/Archives",
        &[("Authorization", &b)],
    )
    .await;
    let r = get(
        s.addr,
        "/api/v2/user/dirs?path=/Archives",
        &[("Authorization", &b), ("Accept-Encoding", "gzip, br")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r.all("vary").iter().any(|v| v.contains("Accept-Encoding")));
    assert!(r.header("content-length").is_none());
    assert_eq!(&r.body[..3], &[0x1f, 0x8b, 8]);
    let n = r.body.len();
    let (inflated, used) = inflate_raw(&r.body[10..n - 8]);
    assert_eq!(used, n - 18);
    assert_eq!(inflated, plain.body);
    assert_eq!(
        u32::from_le_bytes(r.body[n - 8..n - 4].try_into().unwrap()),
        crc32fast::hash(&plain.body)
    );
    // Errors are compressed too; without Accept-Encoding nothing changes.
    let r = get(
        s.addr,
        "/api/v2/user/dirs?path=/nope",
        &[("Authorization", &b), ("Accept-Encoding", "deflate")],
    )
    .await;
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (404, Some("deflate"))
    );
    assert!(String::from_utf8(inflate_raw(&r.body).0)
        .unwrap()
        .contains("Unable to get directory lister"));
    assert!(plain.header("content-encoding").is_none());
}

fn inflate_raw(input: &[u8]) -> (Vec<u8>, usize) {
    zipcheck::inflate_raw(input)
}

#[path = "common/zipcheck.rs"]
mod zipcheck;
