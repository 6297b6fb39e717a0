//! A strict walker for the Go streaming zip layout (docs/echange.md): checks every field it reads.
#![allow(dead_code)]

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub mtime: u32,
    pub data: Vec<u8>,
    pub offset: usize,
}

fn u16at(b: &[u8], p: usize) -> u16 {
    u16::from_le_bytes([b[p], b[p + 1]])
}
fn u32at(b: &[u8], p: usize) -> u32 {
    u32::from_le_bytes([b[p], b[p + 1], b[p + 2], b[p + 3]])
}

pub fn inflate_raw(input: &[u8]) -> (Vec<u8>, usize) {
    let mut st = InflateState::new_boxed(DataFormat::Raw);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut pos = 0;
    loop {
        let r = inflate(&mut st, &input[pos..], &mut buf, MZFlush::None);
        pos += r.bytes_consumed;
        out.extend_from_slice(&buf[..r.bytes_written]);
        match r.status {
            Ok(MZStatus::StreamEnd) => return (out, pos),
            Ok(_) => assert!(r.bytes_consumed > 0 || r.bytes_written > 0, "inflate stuck"),
            Err(e) => panic!("inflate error {e:?}"),
        }
    }
}

fn check_extra(extra: &[u8]) -> u32 {
    assert_eq!(extra.len(), 9, "only the 0x5455 extra field");
    assert_eq!(u16at(extra, 0), 0x5455);
    assert_eq!(u16at(extra, 2), 5);
    assert_eq!(extra[4], 1, "mtime flag");
    u32at(extra, 5)
}

/// Walks local entries, the central directory and the end record; panics on any deviation.
pub fn walk(z: &[u8]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut p = 0;
    while u32at(z, p) == 0x0403_4b50 {
        let offset = p;
        assert_eq!(u16at(z, p + 4), 20, "version needed");
        let flags = u16at(z, p + 6);
        let method = u16at(z, p + 8);
        assert_eq!(u32at(z, p + 14), 0, "local CRC is zero");
        assert_eq!(u32at(z, p + 18), 0, "local compressed size is zero");
        assert_eq!(u32at(z, p + 22), 0, "local size is zero");
        let nlen = u16at(z, p + 26) as usize;
        let xlen = u16at(z, p + 28) as usize;
        let name = String::from_utf8(z[p + 30..p + 30 + nlen].to_vec()).unwrap();
        let mtime = check_extra(&z[p + 30 + nlen..p + 30 + nlen + xlen]);
        let utf8 = !name.is_ascii();
        assert_eq!(flags & 0x0800 != 0, utf8, "UTF-8 flag for {name}");
        p += 30 + nlen + xlen;
        let data = if name.ends_with('/') {
            assert_eq!(method, 0, "dirs are stored");
            assert_eq!(flags & !0x0800, 0, "dir flags");
            Vec::new()
        } else {
            assert_eq!(method, 8, "files are deflated");
            assert_eq!(flags & !0x0800, 0x0008, "file flags");
            let (data, used) = inflate_raw(&z[p..]);
            p += used;
            assert_eq!(u32at(z, p), 0x0807_4b50, "signed data descriptor");
            assert_eq!(u32at(z, p + 4), crc32fast::hash(&data), "descriptor CRC");
            assert_eq!(u32at(z, p + 8) as usize, used, "descriptor compressed size");
            assert_eq!(u32at(z, p + 12) as usize, data.len(), "descriptor size");
            p += 16;
            data
        };
        entries.push(Entry {
            name,
            flags,
            method,
            mtime,
            data,
            offset,
        });
    }
    let cd_start = p;
    for e in &entries {
        assert_eq!(u32at(z, p), 0x0201_4b50, "central header for {}", e.name);
        assert_eq!(u16at(z, p + 4), 20, "made by");
        assert_eq!(u16at(z, p + 6), 20, "needed");
        assert_eq!(u16at(z, p + 8), e.flags);
        assert_eq!(u16at(z, p + 10), e.method);
        assert_eq!(
            u32at(z, p + 16),
            if e.method == 8 {
                crc32fast::hash(&e.data)
            } else {
                0
            }
        );
        assert_eq!(u32at(z, p + 24) as usize, e.data.len());
        let nlen = u16at(z, p + 28) as usize;
        let xlen = u16at(z, p + 30) as usize;
        assert_eq!(u16at(z, p + 32), 0, "comment");
        assert_eq!(u32at(z, p + 38), 0, "external attributes");
        assert_eq!(u32at(z, p + 42) as usize, e.offset, "local header offset");
        assert_eq!(&z[p + 46..p + 46 + nlen], e.name.as_bytes());
        assert_eq!(
            check_extra(&z[p + 46 + nlen..p + 46 + nlen + xlen]),
            e.mtime
        );
        p += 46 + nlen + xlen;
    }
    assert_eq!(u32at(z, p), 0x0605_4b50, "end of central directory");
    assert_eq!(u16at(z, p + 8) as usize, entries.len());
    assert_eq!(u16at(z, p + 10) as usize, entries.len());
    assert_eq!(u32at(z, p + 12) as usize, p - cd_start, "cd size");
    assert_eq!(u32at(z, p + 16) as usize, cd_start, "cd offset");
    assert_eq!(p + 22, z.len(), "nothing after the end record");
    entries
}
