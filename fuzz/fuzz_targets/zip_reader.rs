//! The streaming zip reader on arbitrary bytes, fed in chunks of fuzzer-chosen sizes with
//! fuzzer-chosen limits. Checks the event protocol, the limits, the safety of the names and that
//! the unconsumed input stays bounded; a panic or a broken invariant is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::unzip::{Event, Limits, ZipStreamReader, MAX_DATA_BLOCK};

/// Largest header the reader may hold besides one chunk (zip64 end record, 64 KiB, plus slack).
const HEADER_BOUND: usize = 70_000;

fuzz_target!(|data: &[u8]| {
    let Some((head, archive)) = data.split_first_chunk::<4>() else {
        return;
    };
    let sizes = [
        usize::from(head[0]) + 1,
        usize::from(head[1]) * 7 + 1,
        usize::from(head[2]) * 257 + 1,
    ];
    let flags = head[3];
    let mut limits = Limits::default();
    if flags & 1 != 0 {
        limits.max_entry_bytes = Some(u64::from(flags >> 2) * 97);
    }
    if flags & 2 != 0 {
        limits.max_total_bytes = Some(u64::from(flags >> 3) * 1021);
    }
    let mut zip = ZipStreamReader::new(limits);
    let mut at = 0usize;
    let mut turn = 0usize;
    let mut ended = false;
    let mut in_entry: Option<(bool, u64)> = None;
    let mut total = 0u64;
    loop {
        let event = match zip.next_event() {
            Ok(e) => e,
            Err(e) => {
                // Errors are sticky.
                assert_eq!(zip.next_event(), Err(e));
                return;
            }
        };
        match event {
            Some(Event::Entry(meta)) => {
                assert!(in_entry.is_none(), "Entry inside an entry");
                let n = &meta.name;
                assert!(!n.is_empty() && !n.starts_with('/') && !n.contains('\\'));
                assert!(!n.contains('\0') && !n.split('/').any(|s| s == ".."));
                assert_eq!(meta.is_dir, n.ends_with('/'));
                in_entry = Some((meta.is_dir, 0));
            }
            Some(Event::Data(block)) => {
                assert!(!block.is_empty() && block.len() <= MAX_DATA_BLOCK);
                let (is_dir, size) = in_entry.as_mut().expect("Data outside an entry");
                assert!(!*is_dir, "Data for a directory");
                *size += block.len() as u64;
                total += block.len() as u64;
                if let Some(max) = limits.max_entry_bytes {
                    assert!(*size <= max, "entry limit crossed");
                }
                if let Some(max) = limits.max_total_bytes {
                    assert!(total <= max, "total limit crossed");
                }
            }
            Some(Event::EntryEnd) => {
                assert!(in_entry.take().is_some(), "EntryEnd outside an entry");
            }
            Some(Event::End) => {
                assert!(in_entry.is_none() && ended, "End too early");
                assert_eq!(zip.bytes_consumed(), archive.len() as u64);
                assert_eq!(zip.next_event(), Ok(None));
                return;
            }
            None => {
                assert!(!ended, "None after the end of the input");
                let size = sizes[turn % sizes.len()];
                assert!(
                    zip.buffered_len() <= size + HEADER_BOUND,
                    "{} bytes buffered",
                    zip.buffered_len()
                );
                turn += 1;
                if at >= archive.len() {
                    zip.end_of_input();
                    ended = true;
                } else {
                    let end = archive.len().min(at + size);
                    zip.feed(&archive[at..end]);
                    at = end;
                }
            }
        }
    }
});
