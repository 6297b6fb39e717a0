//! Path handling: the Échange path cleaning and zip-list checks, and zip entry names (decoding
//! and the safety check) through a one-entry archive built around the fuzzed name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle::echange::paths;
use passerelle::unzip::{Event, Limits, ZipStreamReader};

/// A stored one-entry archive (local header, data, central record, end record) named `name`.
fn one_entry_zip(name: &[u8], utf8: bool) -> Vec<u8> {
    let data = b"x";
    let crc = 0x8cdc_1683u32; // CRC-32 of "x"
    let flags: u16 = if utf8 { 0x0800 } else { 0 };
    let n = name.len() as u16;
    let mut z = Vec::new();
    z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    z.extend_from_slice(&[20, 0]);
    z.extend_from_slice(&flags.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 0x21, 0]); // method 0, time, date
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let cd = z.len() as u32;
    z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    z.extend_from_slice(&[20, 0, 20, 0]);
    z.extend_from_slice(&flags.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 0x21, 0]);
    z.extend_from_slice(&crc.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&[0; 12]); // extra, comment, disk, attrs
    z.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    z.extend_from_slice(name);
    let cd_size = z.len() as u32 - cd;
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&[0, 0]);
    z
}

fuzz_target!(|data: &[u8]| {
    let Some((&flag, name)) = data.split_first() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(name) {
        let clean = paths::clean(text);
        assert!(clean.starts_with('/'));
        assert!(!clean.split('/').any(|s| s == ".." || s == "."));
        assert!(clean == "/" || !clean.ends_with('/'));
        assert_eq!(paths::clean(&clean), clean, "clean is idempotent");
        let child = paths::child(&clean, "f");
        assert!(child.starts_with('/') && child.ends_with("/f"));
        let _ = paths::check("listDir", text);
        let list: Vec<String> = text.split('\n').map(str::to_string).collect();
        if let Ok(cleaned) = paths::check_zip_list(&list) {
            assert_eq!(cleaned.len(), list.len());
        }
    }
    if name.len() > u16::MAX as usize {
        return;
    }
    let archive = one_entry_zip(name, flag & 1 != 0);
    let mut zip = ZipStreamReader::new(Limits::default());
    zip.feed(&archive);
    zip.end_of_input();
    loop {
        match zip.next_event() {
            Ok(Some(Event::Entry(meta))) => {
                let n = meta.name;
                assert!(!n.is_empty() && !n.starts_with('/') && !n.contains('\\'));
                assert!(!n.contains('\0') && !n.split('/').any(|s| s == ".."));
                let b = n.as_bytes();
                assert!(!(b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic()));
            }
            Ok(Some(Event::End)) | Ok(None) | Err(_) => return,
            Ok(Some(_)) => {}
        }
    }
});
