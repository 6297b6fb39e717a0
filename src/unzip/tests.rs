//! Native tests of the streaming reader, on archives from `passerelle_fakes::gozip` (Go's
//! streaming layout), hand-made variants, and Python's `zipfile` when available.

use super::*;
use passerelle_fakes::gozip::{build_archive, GoZipWriter};

const MTIME: u32 = 1_700_000_000; // 2023-11-14T22:13:20Z

type Entries = Vec<(EntryMeta, Vec<u8>)>;

/// Reads a whole archive fed in `chunk`-byte pieces; entries with their data joined. Checks the
/// event protocol and that the unconsumed input stays bounded.
fn read_chunked(archive: &[u8], chunk: usize, limits: Limits) -> Result<Entries> {
    let mut r = ZipStreamReader::new(limits);
    let mut chunks = archive.chunks(chunk.max(1));
    let mut out = Vec::new();
    let mut cur: Option<(EntryMeta, Vec<u8>)> = None;
    let mut ended_input = false;
    loop {
        match r.next_event()? {
            Some(Event::Entry(m)) => {
                assert!(cur.is_none(), "Entry inside an entry");
                cur = Some((m, Vec::new()));
            }
            Some(Event::Data(d)) => {
                assert!(!d.is_empty() && d.len() <= MAX_DATA_BLOCK);
                let c = cur.as_mut().expect("Data outside an entry");
                assert!(!c.0.is_dir, "Data for a directory");
                c.1.extend_from_slice(&d);
            }
            Some(Event::EntryEnd) => out.push(cur.take().expect("EntryEnd outside an entry")),
            Some(Event::End) => {
                assert!(cur.is_none(), "End inside an entry");
                assert!(ended_input, "End before end_of_input");
                assert_eq!(r.next_event(), Ok(None));
                assert_eq!(r.next_event(), Ok(None));
                assert_eq!(r.bytes_consumed(), archive.len() as u64);
                assert_eq!(r.entries_read(), out.len() as u64);
                return Ok(out);
            }
            None => {
                assert!(!ended_input, "None after end_of_input");
                // Bounded: what is left is less than one chunk plus one header.
                assert!(
                    r.buffered_len() <= chunk + 70_000,
                    "{} bytes buffered with {chunk}-byte chunks",
                    r.buffered_len()
                );
                match chunks.next() {
                    Some(c) => r.feed(c),
                    None => {
                        r.end_of_input();
                        ended_input = true;
                    }
                }
            }
        }
    }
}

fn read(archive: &[u8]) -> Result<Entries> {
    read_chunked(archive, archive.len(), Limits::default())
}

/// Deterministic pseudo-random bytes (xorshift64*).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

fn names(entries: &Entries) -> Vec<&str> {
    entries.iter().map(|(m, _)| m.name.as_str()).collect()
}

/// Checks `entries` against `items` (name, None = directory / Some(content)).
fn assert_matches(entries: &Entries, items: &[(&str, Option<&[u8]>)]) {
    assert_eq!(entries.len(), items.len(), "{:?}", names(entries));
    for ((meta, data), (name, content)) in entries.iter().zip(items) {
        assert_eq!(&meta.name, name);
        assert_eq!(meta.is_dir, content.is_none(), "{name}");
        assert_eq!(data.as_slice(), content.unwrap_or_default(), "{name}");
    }
}

fn mixed_items() -> (Vec<u8>, Vec<u8>) {
    let text = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n".repeat(3000);
    (text, noise(50_000, 42))
}

#[test]
fn reads_go_layout_with_metadata() {
    let (text, random) = mixed_items();
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("docs/", None),
        ("docs/empty.txt", Some(b"")),
        ("docs/text.txt", Some(&text)),
        ("données/", None),
        ("données/été 2026.bin", Some(&random)),
        ("a~b.txt", Some(b"tilde")),
    ];
    let archive = build_archive(&items, MTIME);
    let entries = read(&archive).unwrap();
    assert_matches(&entries, &items);
    let (dir, _) = &entries[0];
    assert_eq!(dir.last_modified(), "2023-11-14T22:13:20Z");
    assert_eq!(
        (dir.compressed_size, dir.uncompressed_size),
        (Some(0), Some(0))
    );
    let (file, _) = &entries[2];
    assert_eq!(file.last_modified(), "2023-11-14T22:13:20Z");
    assert_eq!((file.compressed_size, file.uncompressed_size), (None, None));
}

#[test]
fn every_chunk_size_gives_the_same_result() {
    let (text, random) = mixed_items();
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("/", None),
        ("d/", None),
        ("d/empty", Some(b"")),
        ("d/text.txt", Some(&text)),
        ("d/é/", None),
        ("d/é/random.bin", Some(&random)),
        ("z", Some(b"z")),
    ];
    let archive = build_archive(&items, MTIME);
    let reference = read(&archive).unwrap();
    assert_matches(&reference, &items[1..]);
    let mut sizes: Vec<usize> = (1..=64).collect();
    let mut p = 128;
    while p < archive.len() {
        sizes.push(p);
        p *= 2;
    }
    sizes.push(archive.len());
    for size in sizes {
        let got = read_chunked(&archive, size, Limits::default())
            .unwrap_or_else(|e| panic!("chunk size {size}: {e}"));
        assert!(got == reference, "chunk size {size} differs");
    }
}

/// `next_ref` lends the same blocks `next_event` gives; `entry_data_complete` is never true before an
/// entry's last byte was produced, and is true with the last block when the input is all there.
#[test]
fn borrowed_blocks_and_data_complete() {
    let (text, random) = mixed_items();
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("d/", None),
        ("d/empty", Some(b"")),
        ("d/text.txt", Some(&text)),
        ("d/random.bin", Some(&random)),
        ("z", Some(b"z")),
    ];
    let archive = build_archive(&items, MTIME);
    let reference = read(&archive).unwrap();
    for chunk in [1, 7, 1000, archive.len()] {
        let mut r = ZipStreamReader::new(Limits::default());
        let mut pieces = archive.chunks(chunk);
        let mut out: Entries = Vec::new();
        let mut produced = 0usize;
        loop {
            let complete_before = r.entry_data_complete();
            match r.next_ref().unwrap() {
                Some(EventRef::Entry(m)) => {
                    assert!(!complete_before);
                    out.push((m, Vec::new()));
                    produced = 0;
                }
                Some(EventRef::Data(d)) => {
                    assert!(!complete_before, "data after the entry's data was complete");
                    let e = out.last_mut().unwrap();
                    e.1.extend_from_slice(d);
                    produced += d.len();
                    let want = items.iter().find(|i| i.0 == e.0.name).unwrap().1.unwrap();
                    if r.entry_data_complete() {
                        assert_eq!(produced, want.len(), "complete too early, chunk {chunk}");
                    }
                    if chunk == archive.len() {
                        // All input at hand: the end of the data is seen with its last block.
                        assert_eq!(r.entry_data_complete(), produced == want.len());
                    }
                }
                Some(EventRef::EntryEnd) => assert!(!r.entry_data_complete()),
                Some(EventRef::End) => break,
                None => match pieces.next() {
                    Some(p) => r.feed(p),
                    None => r.end_of_input(),
                },
            }
        }
        assert!(out == reference, "chunk size {chunk}");
    }
}

#[test]
fn fifteen_hundred_files() {
    let mut w = GoZipWriter::new();
    let mut archive = Vec::new();
    let mut expected = Vec::new();
    for d in 0..15 {
        let dir = format!("dossier-{d}/");
        archive.extend(w.add_dir(&dir, MTIME));
        expected.push((dir.clone(), None));
        for f in 0..100 {
            let name = format!("{dir}fichier-{f}.txt");
            let content = format!("contenu {d}/{f}\n").repeat(f);
            archive.extend(w.start_file(&name, MTIME));
            archive.extend(w.write_file_data(content.as_bytes()));
            archive.extend(w.finish_file());
            expected.push((name, Some(content.into_bytes())));
        }
    }
    archive.extend(w.finish());
    let items: Vec<(&str, Option<&[u8]>)> = expected
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_deref()))
        .collect();
    for chunk in [4096, archive.len()] {
        let entries = read_chunked(&archive, chunk, Limits::default()).unwrap();
        assert_eq!(entries.iter().filter(|(m, _)| !m.is_dir).count(), 1500);
        assert_matches(&entries, &items);
    }
}

#[test]
fn megabytes_of_data_stream_through() {
    let random = noise(3 << 20, 7);
    let zeros = vec![0u8; 2 << 20];
    let items: Vec<(&str, Option<&[u8]>)> =
        vec![("random.bin", Some(&random)), ("zeros.bin", Some(&zeros))];
    let archive = build_archive(&items, MTIME);
    for chunk in [7919, 65_536, archive.len()] {
        let entries = read_chunked(&archive, chunk, Limits::default()).unwrap();
        assert_matches(&entries, &items);
    }
}

#[test]
fn zip64_end_records_for_65536_entries() {
    let mut w = GoZipWriter::new();
    let mut archive = Vec::new();
    for i in 0..65_536u32 {
        archive.extend(w.add_dir(&format!("{i}/"), MTIME));
    }
    archive.extend(w.finish());
    let entries = read_chunked(&archive, 65_536, Limits::default()).unwrap();
    assert_eq!(entries.len(), 65_536);
    assert_eq!(entries[65_535].0.name, "65535/");
}

#[test]
fn empty_archive() {
    let archive = GoZipWriter::new().finish();
    assert!(read(&archive).unwrap().is_empty());
}

#[test]
fn truncation_at_every_offset_is_an_error() {
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("d/", None),
        ("d/a.txt", Some(b"hello hello hello")),
        ("d/empty", Some(b"")),
        ("b.txt", Some(b"bye")),
    ];
    let archive = build_archive(&items, MTIME);
    assert_matches(&read(&archive).unwrap(), &items);
    for cut in 0..archive.len() {
        for chunk in [1, 5, archive.len()] {
            let err = read_chunked(&archive[..cut], chunk, Limits::default())
                .expect_err("a truncated archive must not succeed");
            assert_eq!(err.code(), ErrorCode::Truncated, "cut at {cut}: {err}");
            assert!(err.message().starts_with("unzip: "));
        }
    }
}

#[test]
fn single_byte_corruption_never_panics_nor_changes_the_output() {
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("d/", None),
        ("d/été.txt", Some(b"bonjour bonjour bonjour")),
        ("d/empty", Some(b"")),
        ("b.txt", Some(b"au revoir")),
    ];
    let archive = build_archive(&items, MTIME);
    let (mut ok, mut failed) = (0, 0);
    for at in 0..archive.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bad = archive.clone();
            bad[at] ^= mask;
            for chunk in [3, bad.len()] {
                match read_chunked(&bad, chunk, Limits::default()) {
                    // Success is allowed only when the change hit a field nobody checks; the
                    // names and contents must then be the original ones.
                    Ok(entries) => {
                        assert_matches(&entries, &items);
                        ok += 1;
                    }
                    Err(e) => {
                        assert!(e.message().starts_with("unzip: "), "{e}");
                        failed += 1;
                    }
                }
            }
        }
    }
    println!("corruption sweep: {failed} failures, {ok} successes");
    assert!(failed > ok, "{failed} failures, {ok} successes");
}

#[test]
fn unsafe_names_are_refused() {
    for bad in [
        "../evil.txt",
        "a/../../evil",
        "/etc/passwd",
        "C:/x.txt",
        "a\\b",
        "nul\0",
    ] {
        let archive = build_archive(&[("ok.txt", Some(b"fine")), (bad, Some(b"x"))], MTIME);
        let err = read(&archive).unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsafePath, "{bad:?}");
        let archive = build_archive(&[(bad, None)], MTIME);
        assert_eq!(read(&archive).unwrap_err().code(), ErrorCode::UnsafePath);
    }
}

#[test]
fn root_marker_is_skipped() {
    let archive = build_archive(&[("/", None), ("a.txt", Some(b"a")), ("s/", None)], MTIME);
    let entries = read(&archive).unwrap();
    assert_eq!(names(&entries), ["a.txt", "s/"]);
}

#[test]
fn entry_limit() {
    let data = noise(1000, 1);
    let archive = build_archive(&[("a", Some(&data))], MTIME);
    let at_limit = Limits {
        max_entry_bytes: Some(1000),
        ..Limits::default()
    };
    assert!(read_chunked(&archive, 64, at_limit).is_ok());
    let below = Limits {
        max_entry_bytes: Some(999),
        ..Limits::default()
    };
    let err = read_chunked(&archive, 64, below).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(err.message().starts_with("unzip: "));
}

#[test]
fn total_limit_and_no_output_beyond_it() {
    let zeros = vec![0u8; 10 << 20];
    let archive = build_archive(
        &[("a", Some(&zeros[..1000])), ("bomb", Some(&zeros))],
        MTIME,
    );
    assert!(
        archive.len() < 100_000,
        "a small archive inflating to 10 MB"
    );
    let limits = Limits {
        max_total_bytes: Some(1 << 20),
        ..Limits::default()
    };
    let mut r = ZipStreamReader::new(limits);
    r.feed(&archive);
    r.end_of_input();
    let mut produced = 0u64;
    let err = loop {
        match r.next_event() {
            Ok(Some(Event::Data(d))) => produced += d.len() as u64,
            Ok(Some(_)) => {}
            Ok(None) => panic!("input was complete"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(produced <= 1 << 20, "{produced} bytes produced");
    assert!(r.total_uncompressed() <= 1 << 20);
    // Errors are sticky.
    assert_eq!(r.next_event().unwrap_err(), err);
}

#[test]
fn limits_apply_to_stored_entries_from_their_header() {
    let archive = stored_archive(b"f.txt", b"0123456789", 0);
    let limits = Limits {
        max_entry_bytes: Some(9),
        ..Limits::default()
    };
    let err = read_chunked(&archive, 1, limits).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}

/// A one-entry stored archive with sizes in the local header (as Info-ZIP writes it).
fn stored_archive(name: &[u8], data: &[u8], flags: u16) -> Vec<u8> {
    let crc = super::crc::hash(data);
    let len = data.len() as u32;
    let mut a = Vec::new();
    let put = |a: &mut Vec<u8>, parts: &[&[u8]]| parts.iter().for_each(|p| a.extend(*p));
    let head = |sig: u32| sig.to_le_bytes();
    put(
        &mut a,
        &[
            &head(SIG_LOCAL),
            &20u16.to_le_bytes(),
            &flags.to_le_bytes(),
            &0u16.to_le_bytes(),
            &2115u16.to_le_bytes(),
            &(33u16).to_le_bytes(),
            &crc.to_le_bytes(),
            &len.to_le_bytes(),
            &len.to_le_bytes(),
            &(name.len() as u16).to_le_bytes(),
            &0u16.to_le_bytes(),
            name,
            data,
        ],
    );
    let cd = a.len() as u32;
    put(
        &mut a,
        &[
            &head(SIG_CENTRAL),
            &20u16.to_le_bytes(),
            &20u16.to_le_bytes(),
            &flags.to_le_bytes(),
            &0u16.to_le_bytes(),
            &2115u16.to_le_bytes(),
            &(33u16).to_le_bytes(),
            &crc.to_le_bytes(),
            &len.to_le_bytes(),
            &len.to_le_bytes(),
            &(name.len() as u16).to_le_bytes(),
            &[0u8; 12],
            &0u32.to_le_bytes(),
            name,
        ],
    );
    let cd_len = a.len() as u32 - cd;
    put(
        &mut a,
        &[
            &head(SIG_END),
            &[0u8; 4],
            &1u16.to_le_bytes(),
            &1u16.to_le_bytes(),
            &cd_len.to_le_bytes(),
            &cd.to_le_bytes(),
            &0u16.to_le_bytes(),
        ],
    );
    a
}

#[test]
fn stored_entries_with_sizes_in_the_header() {
    let entries = read_chunked(
        &stored_archive(b"f.txt", b"stored!", 0),
        2,
        Limits::default(),
    )
    .unwrap();
    assert_eq!(entries[0].1, b"stored!");
    assert_eq!(entries[0].0.compressed_size, Some(7));
    // No extended timestamp: the MS-DOS fields (1980-01-01 01:02:06 here) are used.
    assert_eq!(entries[0].0.last_modified(), "1980-01-01T01:02:06Z");
}

#[test]
fn cp437_names_without_the_utf8_flag() {
    let entries = read(&stored_archive(b"caf\x82.txt", b"x", 0)).unwrap();
    assert_eq!(entries[0].0.name, "café.txt");
}

#[test]
fn stored_entry_with_unknown_size_is_refused() {
    let mut archive = stored_archive(b"f.txt", b"", FLAG_DESCRIPTOR);
    // Zero sizes and flag 3, as an unseekable writer would do for a stored entry.
    archive[14..26].fill(0);
    let err = read(&archive).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert!(err.message().contains("stored"), "{err}");
}

#[test]
fn encrypted_entries_are_refused() {
    let archive = stored_archive(b"f.txt", b"secret", FLAG_ENCRYPTED);
    let err = read(&archive).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert!(err.message().contains("encrypted"), "{err}");
}

#[test]
fn garbage_and_empty_input() {
    let err = read(b"<html>502 Bad Gateway</html>").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert!(err.message().starts_with("unzip: "));
    assert_eq!(read(b"").unwrap_err().code(), ErrorCode::Truncated);
    assert_eq!(read(b"PK").unwrap_err().code(), ErrorCode::Truncated);
}

#[test]
fn bytes_after_the_end_record_are_refused() {
    let mut archive = build_archive(&[("a", Some(b"a"))], MTIME);
    archive.push(0);
    assert_eq!(
        read(&archive).unwrap_err().code(),
        ErrorCode::InvalidResponse
    );
    // Also when they come after End was reached... they cannot: End waits for end_of_input.
    let archive = build_archive(&[("a", Some(b"a"))], MTIME);
    let mut r = ZipStreamReader::new(Limits::default());
    r.feed(&archive);
    while let Some(e) = r.next_event().unwrap() {
        assert_ne!(e, Event::End, "End before end_of_input");
    }
    r.feed(b"x");
    r.end_of_input();
    let err = loop {
        match r.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no End expected"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
}

#[test]
fn feeding_after_end_of_input_is_an_error() {
    let mut r = ZipStreamReader::new(Limits::default());
    r.end_of_input();
    r.feed(b"PK");
    assert_eq!(r.next_event().unwrap_err().code(), ErrorCode::InvalidInput);
}

#[test]
fn crc_mismatch_in_the_descriptor() {
    let mut archive = build_archive(&[("a.txt", Some(b"some text"))], MTIME);
    let desc = archive.windows(4).position(|w| w == b"PK\x07\x08").unwrap();
    archive[desc + 4] ^= 0x55;
    let err = read(&archive).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert!(err.message().contains("CRC-32"), "{err}");
}

#[test]
fn descriptor_without_signature() {
    let archive = build_archive(&[("a.txt", Some(b"some text"))], MTIME);
    let desc = archive.windows(4).position(|w| w == b"PK\x07\x08").unwrap();
    let mut unsigned = archive[..desc].to_vec();
    unsigned.extend_from_slice(&archive[desc + 4..]);
    // The central directory moved 4 bytes back: fix its offset in the end record.
    let eocd = unsigned.len() - 22;
    let off = u32::from_le_bytes(unsigned[eocd + 16..eocd + 20].try_into().unwrap()) - 4;
    unsigned[eocd + 16..eocd + 20].copy_from_slice(&off.to_le_bytes());
    for chunk in [1, 13, unsigned.len()] {
        let entries = read_chunked(&unsigned, chunk, Limits::default()).unwrap();
        assert_eq!(entries[0].1, b"some text");
    }
}

#[test]
fn central_directory_must_match_the_entries() {
    // Same entry count and structure, different contents: the central directory of one
    // archive after the entries of the other must be refused.
    let a = build_archive(&[("a.txt", Some(b"aaaa"))], MTIME);
    let b = build_archive(&[("a.txt", Some(b"bbbb"))], MTIME);
    let cd = |z: &[u8]| z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let mut mixed = a[..cd(&a)].to_vec();
    mixed.extend_from_slice(&b[cd(&b)..]);
    let err = read(&mixed).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidResponse);
    assert!(err.message().contains("central directory"), "{err}");
    // A missing central record: the end record's count no longer matches.
    let two = build_archive(&[("a", Some(b"1")), ("b", Some(b"2"))], MTIME);
    let first_cd = cd(&two);
    let second_cd = first_cd
        + 4
        + two[first_cd + 4..]
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .unwrap();
    let mut short = two[..second_cd].to_vec();
    short.extend_from_slice(&two[two.len() - 22..]);
    assert_eq!(read(&short).unwrap_err().code(), ErrorCode::InvalidResponse);
}

#[test]
fn debug_output_is_short() {
    let r = ZipStreamReader::new(Limits::default());
    let s = format!("{r:?}");
    assert!(s.starts_with("ZipStreamReader"), "{s}");
}

/// Runs `script` with python3 (argument: output path) and returns the archive it wrote;
/// `None` (and a note) when python3 is missing.
fn python_archive(script: &str, tag: &str) -> Option<Vec<u8>> {
    let path = std::env::temp_dir().join(format!("unzip-{}-{tag}.zip", std::process::id()));
    let res = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output();
    match res {
        Err(e) => {
            println!("note: python3 unavailable ({e}); skipping the zipfile test");
            None
        }
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let bytes = std::fs::read(&path).unwrap();
            let _ = std::fs::remove_file(&path);
            Some(bytes)
        }
    }
}

#[test]
fn python_zipfile_archives() {
    // Seekable output: sizes in the local headers, stored and Deflate entries.
    let seekable = r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(zipfile.ZipInfo("d/", (2024, 5, 17, 10, 30, 0)), "")
    z.writestr(zipfile.ZipInfo("d/été.txt", (2024, 5, 17, 10, 30, 0)), "bonjour " * 1000, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("s.bin", bytes(range(256)) * 10, compress_type=zipfile.ZIP_STORED)
"#;
    // Unseekable output (a pipe): data descriptors, one entry with forced zip64 fields.
    let streamed = r#"
import sys, zipfile
class Pipe:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(sys.argv[1], "wb") as f:
    with zipfile.ZipFile(Pipe(f), "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("a.txt", "w") as e: e.write(b"streamed " * 500)
        with z.open("big.txt", "w", force_zip64=True) as e: e.write(b"zip64 " * 700)
"#;
    let bonjour = "bonjour ".repeat(1000);
    let s_bin: Vec<u8> = (0..10).flat_map(|_| 0..=255u8).collect();
    if let Some(archive) = python_archive(seekable, "seekable") {
        for chunk in [1, 17, archive.len()] {
            let entries = read_chunked(&archive, chunk, Limits::default()).unwrap();
            assert_matches(
                &entries,
                &[
                    ("d/", None),
                    ("d/été.txt", Some(bonjour.as_bytes())),
                    ("s.bin", Some(&s_bin)),
                ],
            );
            assert_eq!(entries[1].0.last_modified(), "2024-05-17T10:30:00Z");
            assert_eq!(entries[2].0.uncompressed_size, Some(2560));
        }
    }
    let streamed_text = "streamed ".repeat(500);
    let zip64_text = "zip64 ".repeat(700);
    if let Some(archive) = python_archive(streamed, "streamed") {
        assert_eq!(archive[6] & 0x08, 0x08, "python used a data descriptor");
        for chunk in [1, 17, archive.len()] {
            let entries = read_chunked(&archive, chunk, Limits::default()).unwrap();
            assert_matches(
                &entries,
                &[
                    ("a.txt", Some(streamed_text.as_bytes())),
                    ("big.txt", Some(zip64_text.as_bytes())),
                ],
            );
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let items: Vec<(&str, Option<&[u8]>)> = vec![
        ("d/", None),
        ("d/a.txt", Some(b"alpha alpha alpha alpha")),
        ("b.bin", Some(&[7u8; 300])),
    ];
    let archive = build_archive(&items, MTIME);
    let rnd = noise(4 * 3000, 99);
    let mut successes = 0;
    for round in 0..3000 {
        let r = &rnd[round * 4..round * 4 + 4];
        let mut bad = archive.clone();
        // Up to 4 random byte changes, sometimes a cut or an inserted byte.
        for k in 0..usize::from(r[0] % 4) + 1 {
            let at = (usize::from(r[1]) * 7 + usize::from(r[2]) * 13 + k * 101) % bad.len();
            bad[at] = r[3].wrapping_add(k as u8);
        }
        match r[0] % 8 {
            0 => bad.truncate(usize::from(r[1]) * 2 % bad.len()),
            1 => bad.insert(usize::from(r[2]) % bad.len(), r[3]),
            _ => {}
        }
        if let Ok(entries) = read_chunked(&bad, usize::from(r[1] % 16) + 1, Limits::default()) {
            assert_matches(&entries, &items);
            successes += 1;
        }
    }
    assert!(successes < 3000);
    // Pure garbage, and garbage behind a valid signature.
    for (i, chunk) in noise(64 * 200, 5).chunks(64).enumerate() {
        let mut g = if i % 2 == 0 {
            b"PK\x03\x04".to_vec()
        } else {
            b"PK\x01\x02".to_vec()
        };
        g.extend_from_slice(chunk);
        assert!(read(&g).is_err());
        assert!(read(chunk).is_err());
    }
}

/// Feeds `archive` one byte at a time until the first error; the largest buffered length seen.
fn first_error_bytewise(archive: &[u8], limits: Limits) -> (Error, usize) {
    let mut r = ZipStreamReader::new(limits);
    let mut most = 0;
    for b in archive.chunks(1) {
        r.feed(b);
        most = most.max(r.buffered_len());
        loop {
            match r.next_event() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return (e, most),
            }
        }
    }
    r.end_of_input();
    loop {
        if let Err(e) = r.next_event() {
            return (e, most);
        }
    }
}

/// Reads `archive` byte by byte with the default limits; it must fail `limit_exceeded` with a
/// message holding every `needle`. Returns the most bytes buffered before the refusal.
fn refused_over_limit(archive: &[u8], needles: &[&str]) -> usize {
    let (err, most) = first_error_bytewise(archive, Limits::default());
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{}", err.message());
    for needle in needles {
        assert!(err.message().contains(needle), "{}", err.message());
    }
    most
}

#[test]
fn long_names_are_refused_before_they_are_buffered() {
    let long = vec![b'n'; 60_000];
    let archive = stored_archive(&long, b"data", 0);
    let most = refused_over_limit(&archive, &["60000-byte entry name", "maxNameBytes"]);
    assert!(most <= 30, "{most} bytes buffered before the refusal");
    // At the limit the name is fine; raising the limit lets longer names through.
    let at = vec![b'n'; usize::from(DEFAULT_MAX_NAME_BYTES)];
    assert!(read_chunked(&stored_archive(&at, b"d", 0), 100, Limits::default()).is_ok());
    let raised = Limits {
        max_name_bytes: u16::MAX,
        ..Limits::default()
    };
    let entries = read_chunked(&archive, 1000, raised).unwrap();
    assert_eq!(entries[0].0.name.len(), 60_000);
}

#[test]
fn extra_fields_and_comments_are_bounded() {
    // Patched lengths are enough: the checks come before the bytes are awaited.
    let patched = |at: fn(usize) -> usize, len: u16| {
        let mut a = stored_archive(b"f.txt", b"x", 0);
        let i = at(a.len());
        a[i..i + 2].copy_from_slice(&len.to_le_bytes());
        a
    };
    // A 40,000-byte extra field in the local header.
    let most = refused_over_limit(&patched(|_| 28, 40_000), &["extra field", "local header"]);
    assert!(most <= 30);
    // A 20,000-byte comment in the central record (it starts after the 36-byte entry).
    let central = patched(|_| 36 + 32, 20_000);
    refused_over_limit(&central, &["comment", "central directory"]);
    // A 30,000-byte archive comment in the end record.
    let end = patched(|len| len - 22 + 20, 30_000);
    refused_over_limit(&end, &["comment", "end of central directory"]);
}

#[test]
fn entry_count_limit() {
    let items: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("f{i}"), vec![b'a'; 3])).collect();
    let refs: Vec<(&str, Option<&[u8]>)> = items
        .iter()
        .map(|(n, d)| (n.as_str(), Some(d.as_slice())))
        .collect();
    let archive = build_archive(&refs, MTIME);
    let five = Limits {
        max_entries: Some(5),
        ..Limits::default()
    };
    assert_eq!(read_chunked(&archive, 7, five).unwrap().len(), 5);
    let four = Limits {
        max_entries: Some(4),
        ..Limits::default()
    };
    let err = read_chunked(&archive, 7, four).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(
        err.message().contains("limit of 4 entries"),
        "{}",
        err.message()
    );
}
