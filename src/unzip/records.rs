//! Parsers for the zip records met while reading forward. Each takes the bytes buffered so far
//! and returns `None` when it needs more of them, or the record and its length in bytes.
//! They never index out of bounds: all reads go through [`Le`].

/// `PK\x03\x04`.
pub(super) const SIG_LOCAL: u32 = 0x0403_4b50;
/// `PK\x01\x02`.
pub(super) const SIG_CENTRAL: u32 = 0x0201_4b50;
/// `PK\x07\x08`.
pub(super) const SIG_DESCRIPTOR: u32 = 0x0807_4b50;
/// `PK\x05\x06`.
pub(super) const SIG_END: u32 = 0x0605_4b50;
/// `PK\x06\x06`.
pub(super) const SIG_END64: u32 = 0x0606_4b50;
/// `PK\x06\x07`.
pub(super) const SIG_LOCATOR64: u32 = 0x0706_4b50;

pub(super) const FLAG_ENCRYPTED: u16 = 0x0001;
pub(super) const FLAG_DESCRIPTOR: u16 = 0x0008;
pub(super) const FLAG_STRONG_ENCRYPTION: u16 = 0x0040;
pub(super) const FLAG_UTF8: u16 = 0x0800;
pub(super) const FLAG_MASKED_HEADERS: u16 = 0x2000;

pub(super) const U16_MAX: u64 = 0xFFFF;
pub(super) const U32_MAX: u64 = 0xFFFF_FFFF;

const EXTRA_ZIP64: u16 = 0x0001;
const EXTRA_EXT_TIME: u16 = 0x5455;
const EXTRA_UNICODE_PATH: u16 = 0x7075;

/// Little-endian reads that yield 0 outside the slice (callers check lengths first).
pub(super) struct Le<'a>(pub(super) &'a [u8]);

impl Le<'_> {
    pub(super) fn u16(&self, at: usize) -> u16 {
        self.0
            .get(at..at.saturating_add(2))
            .and_then(|s| s.try_into().ok())
            .map(u16::from_le_bytes)
            .unwrap_or(0)
    }

    pub(super) fn u32(&self, at: usize) -> u32 {
        self.0
            .get(at..at.saturating_add(4))
            .and_then(|s| s.try_into().ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    }

    pub(super) fn u64(&self, at: usize) -> u64 {
        self.0
            .get(at..at.saturating_add(8))
            .and_then(|s| s.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or(0)
    }

    fn slice(&self, from: usize, len: usize) -> &[u8] {
        self.0
            .get(from..from.saturating_add(len))
            .unwrap_or_default()
    }
}

/// The signature at the start of `b`, when 4 bytes are there.
pub(super) fn signature(b: &[u8]) -> Option<u32> {
    (b.len() >= 4).then(|| Le(b).u32(0))
}

/// Name and extra field lengths of the local header at the start of `b`, once its fixed part
/// is there.
pub(super) fn local_lengths(b: &[u8]) -> Option<(u16, u16)> {
    (b.len() >= 30).then(|| (Le(b).u16(26), Le(b).u16(28)))
}

/// Name, extra field and comment lengths of the central record at the start of `b`, once its
/// fixed part is there.
pub(super) fn central_lengths(b: &[u8]) -> Option<(u16, u16, u16)> {
    (b.len() >= 46).then(|| (Le(b).u16(28), Le(b).u16(30), Le(b).u16(32)))
}

/// Comment length of the end record at the start of `b`, once its fixed part is there.
pub(super) fn end_comment_length(b: &[u8]) -> Option<u16> {
    (b.len() >= 22).then(|| Le(b).u16(20))
}

/// Calls `f(id, data)` for each well-formed extra field; a malformed tail is ignored.
fn each_extra(extra: &[u8], mut f: impl FnMut(u16, &[u8])) {
    let mut rest = extra;
    while rest.len() >= 4 {
        let id = Le(rest).u16(0);
        let len = usize::from(Le(rest).u16(2));
        let Some(data) = rest.get(4..4 + len) else {
            return;
        };
        f(id, data);
        rest = rest.get(4 + len..).unwrap_or_default();
    }
}

/// Values read from the zip64 extra field: each 64-bit value replaces a 32-bit field that holds
/// the `0xFFFF_FFFF` sentinel, in the order the format defines.
fn zip64_values<const N: usize>(extra: &[u8], wanted: [bool; N]) -> Option<[Option<u64>; N]> {
    let mut found = None;
    each_extra(extra, |id, data| {
        if id == EXTRA_ZIP64 && found.is_none() {
            let mut out = [None; N];
            let mut at = 0;
            for (slot, want) in out.iter_mut().zip(wanted) {
                if want && data.len() >= at + 8 {
                    *slot = Some(Le(data).u64(at));
                    at += 8;
                }
            }
            found = Some(out);
        }
    });
    found
}

/// A local file header.
#[derive(Debug, Clone)]
pub(super) struct LocalHeader {
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) dos_time: u16,
    pub(super) dos_date: u16,
    pub(super) crc: u32,
    pub(super) compressed: u64,
    pub(super) uncompressed: u64,
    /// A zip64 extra field was present (the data descriptor then has 8-byte sizes).
    pub(super) zip64: bool,
    pub(super) raw_name: Vec<u8>,
    /// Unix mtime from the extended-timestamp field `0x5455`.
    pub(super) mtime: Option<u32>,
    /// UTF-8 name from the Info-ZIP Unicode Path field `0x7075`, when its CRC matches.
    pub(super) unicode_name: Option<String>,
}

impl LocalHeader {
    const FIXED: usize = 30;

    /// The header at the start of `b` and its length, its name copied into `name_buf` (a
    /// buffer to reuse; its content is replaced).
    pub(super) fn parse(b: &[u8], name_buf: Vec<u8>) -> Option<(LocalHeader, usize)> {
        if b.len() < Self::FIXED {
            return None;
        }
        let le = Le(b);
        let name_len = usize::from(le.u16(26));
        let extra_len = usize::from(le.u16(28));
        let total = Self::FIXED + name_len + extra_len;
        if b.len() < total {
            return None;
        }
        let mut raw_name = name_buf;
        raw_name.clear();
        raw_name.extend_from_slice(le.slice(Self::FIXED, name_len));
        let extra = le.slice(Self::FIXED + name_len, extra_len);
        let mut h = LocalHeader {
            flags: le.u16(6),
            method: le.u16(8),
            dos_time: le.u16(10),
            dos_date: le.u16(12),
            crc: le.u32(14),
            compressed: u64::from(le.u32(18)),
            uncompressed: u64::from(le.u32(22)),
            zip64: false,
            raw_name,
            mtime: None,
            unicode_name: None,
        };
        let wanted = [h.uncompressed == U32_MAX, h.compressed == U32_MAX];
        if let Some([u, c]) = zip64_values(extra, wanted) {
            h.zip64 = true;
            h.uncompressed = u.unwrap_or(h.uncompressed);
            h.compressed = c.unwrap_or(h.compressed);
        }
        h.mtime = ext_time(extra);
        h.unicode_name = unicode_path(extra, &h.raw_name);
        Some((h, total))
    }
}

fn ext_time(extra: &[u8]) -> Option<u32> {
    let mut mtime = None;
    each_extra(extra, |id, data| {
        let has_mtime = data.len() >= 5 && data.first().is_some_and(|f| f & 1 == 1);
        if id == EXTRA_EXT_TIME && mtime.is_none() && has_mtime {
            mtime = Some(Le(data).u32(1));
        }
    });
    mtime
}

fn unicode_path(extra: &[u8], raw_name: &[u8]) -> Option<String> {
    let mut name = None;
    each_extra(extra, |id, data| {
        let usable = id == EXTRA_UNICODE_PATH && data.len() >= 5 && data.first() == Some(&1);
        if usable && name.is_none() && Le(data).u32(1) == crate::unzip::crc::hash(raw_name) {
            name = std::str::from_utf8(data.get(5..).unwrap_or_default())
                .ok()
                .map(str::to_string);
        }
    });
    name
}

/// A central directory file header, reduced to what is compared with the local entries (the
/// name borrowed from the input).
#[derive(Debug, Clone)]
pub(super) struct CentralHeader<'a> {
    pub(super) flags: u16,
    pub(super) method: u16,
    pub(super) crc: u32,
    pub(super) compressed: u64,
    pub(super) uncompressed: u64,
    pub(super) local_offset: u64,
    pub(super) disk: u64,
    pub(super) raw_name: &'a [u8],
}

impl CentralHeader<'_> {
    const FIXED: usize = 46;

    pub(super) fn parse(b: &[u8]) -> Option<(CentralHeader<'_>, usize)> {
        if b.len() < Self::FIXED {
            return None;
        }
        let le = Le(b);
        let name_len = usize::from(le.u16(28));
        let extra_len = usize::from(le.u16(30));
        let comment_len = usize::from(le.u16(32));
        let total = Self::FIXED + name_len + extra_len + comment_len;
        if b.len() < total {
            return None;
        }
        let extra = le.slice(Self::FIXED + name_len, extra_len);
        let mut h = CentralHeader {
            flags: le.u16(8),
            method: le.u16(10),
            crc: le.u32(16),
            compressed: u64::from(le.u32(20)),
            uncompressed: u64::from(le.u32(24)),
            local_offset: u64::from(le.u32(42)),
            disk: u64::from(le.u16(34)),
            raw_name: b
                .get(Self::FIXED..Self::FIXED + name_len)
                .unwrap_or_default(),
        };
        let wanted = [
            h.uncompressed == U32_MAX,
            h.compressed == U32_MAX,
            h.local_offset == U32_MAX,
            h.disk == U16_MAX,
        ];
        if let Some([u, c, o, d]) = zip64_values(extra, wanted) {
            h.uncompressed = u.unwrap_or(h.uncompressed);
            h.compressed = c.unwrap_or(h.compressed);
            h.local_offset = o.unwrap_or(h.local_offset);
            h.disk = d.unwrap_or(h.disk);
        }
        Some((h, total))
    }
}

/// A data descriptor (with or without its signature).
#[derive(Debug, Clone, Copy)]
pub(super) struct Descriptor {
    pub(super) crc: u32,
    pub(super) compressed: u64,
    pub(super) uncompressed: u64,
}

impl Descriptor {
    /// `wide`: 8-byte sizes (zip64).
    pub(super) fn parse(b: &[u8], wide: bool) -> Option<(Descriptor, usize)> {
        let sig = signature(b)?;
        let start = if sig == SIG_DESCRIPTOR { 4 } else { 0 };
        let total = start + 4 + if wide { 16 } else { 8 };
        if b.len() < total {
            return None;
        }
        let le = Le(b);
        let (compressed, uncompressed) = if wide {
            (le.u64(start + 4), le.u64(start + 12))
        } else {
            (u64::from(le.u32(start + 4)), u64::from(le.u32(start + 8)))
        };
        Some((
            Descriptor {
                crc: le.u32(start),
                compressed,
                uncompressed,
            },
            total,
        ))
    }
}

/// The end of central directory record, classic (the comment is skipped) or zip64 (its
/// extensible data is skipped): the same fields, with wider integers in the zip64 form.
#[derive(Debug, Clone, Copy)]
pub(super) struct EndRecord {
    pub(super) disk: u64,
    pub(super) cd_disk: u64,
    pub(super) entries_on_disk: u64,
    pub(super) entries: u64,
    pub(super) cd_size: u64,
    pub(super) cd_offset: u64,
}

impl EndRecord {
    const FIXED: usize = 22;

    pub(super) fn parse(b: &[u8]) -> Option<(EndRecord, usize)> {
        if b.len() < Self::FIXED {
            return None;
        }
        let le = Le(b);
        let total = Self::FIXED + usize::from(le.u16(20));
        if b.len() < total {
            return None;
        }
        Some((
            EndRecord {
                disk: u64::from(le.u16(4)),
                cd_disk: u64::from(le.u16(6)),
                entries_on_disk: u64::from(le.u16(8)),
                entries: u64::from(le.u16(10)),
                cd_size: u64::from(le.u32(12)),
                cd_offset: u64::from(le.u32(16)),
            },
            total,
        ))
    }
}

/// Largest zip64 end record accepted (its extensible data is buffered).
pub(super) const MAX_END64_LEN: u64 = 64 * 1024;

impl EndRecord {
    const FIXED64: usize = 56;

    /// Parses a zip64 end record; `Err(len)` when it claims a size above [`MAX_END64_LEN`].
    pub(super) fn parse64(b: &[u8]) -> Result<Option<(EndRecord, usize)>, u64> {
        if b.len() < 12 {
            return Ok(None);
        }
        let le = Le(b);
        let len = le.u64(4).saturating_add(12);
        if len > MAX_END64_LEN || len < Self::FIXED64 as u64 {
            return Err(len);
        }
        let total = len as usize;
        if b.len() < total {
            return Ok(None);
        }
        Ok(Some((
            EndRecord {
                disk: u64::from(le.u32(16)),
                cd_disk: u64::from(le.u32(20)),
                entries_on_disk: le.u64(24),
                entries: le.u64(32),
                cd_size: le.u64(40),
                cd_offset: le.u64(48),
            },
            total,
        )))
    }
}

/// The zip64 end of central directory locator.
#[derive(Debug, Clone, Copy)]
pub(super) struct Locator64 {
    pub(super) disk: u64,
    pub(super) end64_offset: u64,
    pub(super) disks: u64,
}

impl Locator64 {
    const LEN: usize = 20;

    pub(super) fn parse(b: &[u8]) -> Option<(Locator64, usize)> {
        if b.len() < Self::LEN {
            return None;
        }
        let le = Le(b);
        Some((
            Locator64 {
                disk: u64::from(le.u32(4)),
                end64_offset: le.u64(8),
                disks: u64::from(le.u32(16)),
            },
            Self::LEN,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_reads_never_panic() {
        let le = Le(&[1, 2, 3]);
        assert_eq!(le.u16(0), 0x0201);
        assert_eq!(le.u16(2), 0);
        assert_eq!(le.u32(0), 0);
        assert_eq!(le.u64(usize::MAX), 0);
        assert!(le.slice(usize::MAX, 5).is_empty());
    }

    #[test]
    fn extra_fields_tolerate_malformed_tails() {
        let mut extra = vec![0x55, 0x54, 5, 0, 1, 0x10, 0x20, 0x30, 0x40];
        extra.extend_from_slice(&[0x01, 0x00, 200, 0]); // claims 200 bytes, has none
        assert_eq!(ext_time(&extra), Some(0x4030_2010));
        assert_eq!(ext_time(&[0x55, 0x54, 5]), None);
        // flag without the modification-time bit: no mtime.
        assert_eq!(ext_time(&[0x55, 0x54, 5, 0, 2, 1, 2, 3, 4]), None);
        // flags 3 (mtime + atime): the mtime comes first.
        assert_eq!(ext_time(&[0x55, 0x54, 5, 0, 3, 1, 0, 0, 0]), Some(1));
    }

    #[test]
    fn zip64_extra_replaces_only_sentinel_fields() {
        let mut extra = vec![0x01, 0x00, 16, 0];
        extra.extend_from_slice(&7u64.to_le_bytes());
        extra.extend_from_slice(&9u64.to_le_bytes());
        assert_eq!(
            zip64_values(&extra, [false, true, true]),
            Some([None, Some(7), Some(9)])
        );
        assert_eq!(zip64_values(&[], [true]), None);
    }

    #[test]
    fn unicode_path_field_needs_a_matching_crc() {
        let raw = b"caf\x82.txt";
        let field = |crc: u32| {
            let utf8 = "café.txt".as_bytes();
            let mut e = vec![0x75, 0x70];
            e.extend_from_slice(&((5 + utf8.len()) as u16).to_le_bytes());
            e.push(1);
            e.extend_from_slice(&crc.to_le_bytes());
            e.extend_from_slice(utf8);
            e
        };
        assert_eq!(
            unicode_path(&field(crate::unzip::crc::hash(raw)), raw).as_deref(),
            Some("café.txt")
        );
        assert_eq!(unicode_path(&field(1), raw), None);
    }

    #[test]
    fn descriptor_with_and_without_signature() {
        let mut b = SIG_DESCRIPTOR.to_le_bytes().to_vec();
        b.extend_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
        let (d, n) = Descriptor::parse(&b, false).unwrap();
        assert_eq!((d.crc, d.compressed, d.uncompressed, n), (1, 2, 3, 16));
        let (d, n) = Descriptor::parse(&b[4..], false).unwrap();
        assert_eq!((d.crc, d.compressed, d.uncompressed, n), (1, 2, 3, 12));
        assert!(Descriptor::parse(&b[..15], false).is_none());
        assert!(Descriptor::parse(&b, true).is_none());
    }

    #[test]
    fn oversized_zip64_end_record_is_refused() {
        let mut b = SIG_END64.to_le_bytes().to_vec();
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(EndRecord::parse64(&b).is_err());
        let mut b = SIG_END64.to_le_bytes().to_vec();
        b.extend_from_slice(&10u64.to_le_bytes());
        assert!(EndRecord::parse64(&b).is_err());
    }
}
