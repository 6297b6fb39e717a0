//! A writer for Go's `archive/zip` streaming layout, as SFTPGo's `streamzip` emits it
//! (docs/echange.md).
//!
//! Layout produced, entry by entry, in the order the caller adds them:
//!
//! * **Directory** (`name/`): local header with method 0 (stored), flags `0x0000`
//!   (`0x0800` when the name needs UTF-8), zero CRC and sizes, no data, no data descriptor.
//! * **File**: local header with method 8 (Deflate), flags `0x0008` (+`0x0800`), zero CRC and
//!   sizes; the raw Deflate stream (miniz_oxide, level 5); then a data descriptor
//!   `PK\x07\x08`, CRC-32, compressed size, uncompressed size (4-byte sizes; 8-byte sizes when
//!   either size is ≥ `0xFFFF_FFFF`, as Go does).
//! * Every header carries the extended-timestamp extra field `0x5455` (5 bytes: flag `1`, mtime
//!   as `u32` Unix seconds); version needed / made by are 20 / 20 (45 needed in the central
//!   record of a zip64 entry), external attributes 0. The MS-DOS date/time fields are computed
//!   from the mtime in UTC (SFTPGo uses the server's local zone; readers should prefer `0x5455`).
//!   Dates before 1980 are clamped to 1980-01-01 00:00:00 in the MS-DOS fields only.
//! * At [`GoZipWriter::finish`]: the central directory (same extra field, plus a zip64 extra
//!   `0x0001` with both sizes and the offset when an entry is zip64 or starts at ≥ 4 GiB),
//!   then zip64 end records when there are ≥ 65535 entries or the directory's size/offset
//!   reach `0xFFFF_FFFF`, then the end of central directory record. The empty archive is
//!   exactly `PK\x05\x06` followed by 18 zero bytes.
//!
//! Memory stays bounded whatever a file's size: compressed bytes are handed back as soon as the
//! compressor produces them. Only the central-directory bookkeeping (name + a few numbers per
//! entry) grows with the number of entries.
//!
//! The writer does **not** validate names: tests use it to build hostile archives
//! (`../evil`, `/abs`, `C:x`, …) on purpose.

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::{MZError, MZFlush, MZStatus};

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_DESCRIPTOR: u32 = 0x0807_4b50;
const SIG_END: u32 = 0x0605_4b50;
const SIG_END64: u32 = 0x0606_4b50;
const SIG_LOCATOR64: u32 = 0x0706_4b50;
const U16_MAX: u64 = 0xFFFF;
const U32_MAX: u64 = 0xFFFF_FFFF;
const VERSION_20: u16 = 20;
const VERSION_45: u16 = 45;
const FLAG_DESCRIPTOR: u16 = 0x0008;
const FLAG_UTF8: u16 = 0x0800;
const EXTRA_EXT_TIME: u16 = 0x5455;
const EXTRA_ZIP64: u16 = 0x0001;
/// Deflate level (klauspost's writer uses 5 in SFTPGo).
const LEVEL: i32 = 5;
/// Size of the scratch buffer the compressor writes into.
const OUT_CHUNK: usize = 32 * 1024;

/// What the central directory needs to remember about one entry.
#[derive(Debug, Clone)]
struct CentralEntry {
    name: String,
    flags: u16,
    method: u16,
    dos_time: u16,
    dos_date: u16,
    mtime: u32,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
    offset: u64,
}

impl CentralEntry {
    fn is_zip64(&self) -> bool {
        self.compressed >= U32_MAX || self.uncompressed >= U32_MAX
    }
}

/// The file entry being written.
struct CurrentFile {
    compressor: Box<CompressorOxide>,
    hasher: crc32fast::Hasher,
    compressed: u64,
    uncompressed: u64,
    /// Index of its (provisional) record in `entries`.
    index: usize,
}

/// Writes a zip archive in Go archive/zip's streaming layout (SFTPGo streamzip, docs/echange.md),
/// producing bytes incrementally (never holding a whole file).
///
/// Misuse panics (this is a test fake): [`GoZipWriter::write_file_data`] with no file started.
/// Starting an entry (or finishing the archive) while a file is open finishes that file first,
/// and the returned bytes then include its end.
pub struct GoZipWriter {
    entries: Vec<CentralEntry>,
    current: Option<CurrentFile>,
    offset: u64,
    level: i32,
}

impl Default for GoZipWriter {
    fn default() -> Self {
        GoZipWriter::new()
    }
}

impl std::fmt::Debug for GoZipWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoZipWriter")
            .field("entries", &self.entries.len())
            .field("file_open", &self.current.is_some())
            .field("bytes_out", &self.offset)
            .finish()
    }
}

impl GoZipWriter {
    /// A writer with nothing written yet.
    pub fn new() -> GoZipWriter {
        GoZipWriter {
            entries: Vec::new(),
            current: None,
            offset: 0,
            level: LEVEL,
        }
    }

    /// Directory entry; `name` must end with '/' (one is appended when missing). Returns the
    /// bytes to emit (local header).
    pub fn add_dir(&mut self, name: &str, mtime_unix: u32) -> Vec<u8> {
        let mut out = self.close_current();
        let mut name = name.to_string();
        if !name.ends_with('/') {
            name.push('/');
        }
        let entry = self.new_entry(name, 0, 0, mtime_unix);
        let header = local_header(&entry);
        self.offset += header.len() as u64;
        out.extend_from_slice(&header);
        self.entries.push(entry);
        out
    }

    /// Starts a Deflate file entry with a data descriptor. Returns the local header bytes.
    pub fn start_file(&mut self, name: &str, mtime_unix: u32) -> Vec<u8> {
        let mut out = self.close_current();
        let entry = self.new_entry(name.to_string(), FLAG_DESCRIPTOR, 8, mtime_unix);
        let header = local_header(&entry);
        self.offset += header.len() as u64;
        out.extend_from_slice(&header);
        self.entries.push(entry);
        self.current = Some(CurrentFile {
            compressor: Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
                self.level, -15, 0,
            ))),
            hasher: crc32fast::Hasher::new(),
            compressed: 0,
            uncompressed: 0,
            index: self.entries.len() - 1,
        });
        out
    }

    /// Feeds uncompressed bytes of the current file; returns compressed bytes ready to emit
    /// (may be empty).
    ///
    /// # Panics
    /// When no file entry is open (a test-writing mistake).
    pub fn write_file_data(&mut self, data: &[u8]) -> Vec<u8> {
        let cur = self
            .current
            .as_mut()
            .expect("GoZipWriter::write_file_data called with no file started");
        cur.hasher.update(data);
        cur.uncompressed += data.len() as u64;
        let out = run_deflate(&mut cur.compressor, data, MZFlush::None);
        cur.compressed += out.len() as u64;
        self.offset += out.len() as u64;
        out
    }

    /// Ends the current file: rest of the deflate stream + data descriptor. Returns nothing when
    /// no file is open.
    pub fn finish_file(&mut self) -> Vec<u8> {
        self.close_current()
    }

    /// Central directory (+ zip64 records when needed) + end of central directory record.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = self.close_current();
        let already = out.len() as u64;
        let start = self.offset;
        for e in &self.entries {
            out.extend_from_slice(&central_header(e));
        }
        let cd_size = out.len() as u64 - already;
        let end = start + cd_size;
        let mut records = self.entries.len() as u64;
        let mut size = cd_size;
        let mut offset = start;
        if records >= U16_MAX || size >= U32_MAX || offset >= U32_MAX {
            // zip64 end of central directory record
            put32(&mut out, SIG_END64);
            put64(&mut out, 44);
            put16(&mut out, VERSION_45);
            put16(&mut out, VERSION_45);
            put32(&mut out, 0);
            put32(&mut out, 0);
            put64(&mut out, records);
            put64(&mut out, records);
            put64(&mut out, size);
            put64(&mut out, offset);
            // zip64 end of central directory locator
            put32(&mut out, SIG_LOCATOR64);
            put32(&mut out, 0);
            put64(&mut out, end);
            put32(&mut out, 1);
            records = U16_MAX;
            size = U32_MAX;
            offset = U32_MAX;
        }
        put32(&mut out, SIG_END);
        put16(&mut out, 0);
        put16(&mut out, 0);
        put16(&mut out, records as u16);
        put16(&mut out, records as u16);
        put32(&mut out, size as u32);
        put32(&mut out, offset as u32);
        put16(&mut out, 0);
        self.offset += out.len() as u64 - already;
        out
    }

    /// Deflate level (0 = stored blocks … 10) for the files started from now on (default 5).
    /// Level 0 suits incompressible data: klauspost's writer also emits stored blocks for it.
    pub fn set_level(&mut self, level: u8) {
        self.level = i32::from(level.min(10));
    }

    /// Total bytes produced so far.
    pub fn bytes_out(&self) -> u64 {
        self.offset
    }

    fn new_entry(&self, name: String, flags: u16, method: u16, mtime: u32) -> CentralEntry {
        let (dos_date, dos_time) = dos_date_time(mtime);
        let flags = if needs_utf8_flag(&name) {
            flags | FLAG_UTF8
        } else {
            flags
        };
        CentralEntry {
            name,
            flags,
            method,
            dos_time,
            dos_date,
            mtime,
            crc: 0,
            compressed: 0,
            uncompressed: 0,
            offset: self.offset,
        }
    }

    /// Finishes the open file, if any: end of the Deflate stream + data descriptor. Counts the
    /// bytes in `self.offset`.
    fn close_current(&mut self) -> Vec<u8> {
        let Some(mut cur) = self.current.take() else {
            return Vec::new();
        };
        let mut out = run_deflate(&mut cur.compressor, &[], MZFlush::Finish);
        cur.compressed += out.len() as u64;
        let crc = cur.hasher.finalize();
        out.extend_from_slice(&data_descriptor(crc, cur.compressed, cur.uncompressed));
        if let Some(e) = self.entries.get_mut(cur.index) {
            e.crc = crc;
            e.compressed = cur.compressed;
            e.uncompressed = cur.uncompressed;
        }
        self.offset += out.len() as u64;
        out
    }
}

/// Runs the compressor over `input` (all of it) with `flush`, returning what it wrote. With
/// [`MZFlush::Finish`] it runs until the stream end.
fn run_deflate(c: &mut CompressorOxide, mut input: &[u8], flush: MZFlush) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; OUT_CHUNK];
    if input.is_empty() && flush == MZFlush::None {
        return out;
    }
    loop {
        let r = deflate(c, input, &mut buf, flush);
        out.extend_from_slice(buf.get(..r.bytes_written).unwrap_or_default());
        input = input.get(r.bytes_consumed..).unwrap_or_default();
        match r.status {
            Ok(MZStatus::StreamEnd) => return out,
            Ok(_) => {
                if flush != MZFlush::Finish && input.is_empty() && r.bytes_written < buf.len() {
                    return out;
                }
            }
            // No progress possible without more input: everything pending was written.
            Err(MZError::Buf) if flush != MZFlush::Finish => return out,
            Err(e) => panic!("miniz_oxide deflate failed: {e:?}"),
        }
    }
}

/// Go's rule for the UTF-8 flag: set when some character is outside `0x20..=0x7d` or is a backslash.
fn needs_utf8_flag(name: &str) -> bool {
    name.chars()
        .any(|c| (c as u32) < 0x20 || (c as u32) > 0x7d || c == '\\')
}

/// MS-DOS `(date, time)` for Unix seconds, in UTC, clamped to 1980-01-01 at the earliest.
pub(crate) fn dos_date_time(mtime: u32) -> (u16, u16) {
    let secs = i64::from(mtime).max(315_532_800); // 1980-01-01T00:00:00Z
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let date = ((y - 1980) as u16) << 9 | (m as u16) << 5 | d as u16;
    let time =
        ((rem / 3600) as u16) << 11 | (((rem / 60) % 60) as u16) << 5 | ((rem % 60) / 2) as u16;
    (date, time)
}

/// `(year, month, day)` for days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn ext_time_extra(mtime: u32) -> [u8; 9] {
    let mut b = [0u8; 9];
    b[0..2].copy_from_slice(&EXTRA_EXT_TIME.to_le_bytes());
    b[2..4].copy_from_slice(&5u16.to_le_bytes());
    b[4] = 1;
    b[5..9].copy_from_slice(&mtime.to_le_bytes());
    b
}

fn local_header(e: &CentralEntry) -> Vec<u8> {
    let extra = ext_time_extra(e.mtime);
    let mut b = Vec::with_capacity(30 + e.name.len() + extra.len());
    put32(&mut b, SIG_LOCAL);
    put16(&mut b, VERSION_20);
    put16(&mut b, e.flags);
    put16(&mut b, e.method);
    put16(&mut b, e.dos_time);
    put16(&mut b, e.dos_date);
    put32(&mut b, 0); // CRC-32 (in the data descriptor)
    put32(&mut b, 0); // compressed size
    put32(&mut b, 0); // uncompressed size
    put16(&mut b, e.name.len() as u16);
    put16(&mut b, extra.len() as u16);
    b.extend_from_slice(e.name.as_bytes());
    b.extend_from_slice(&extra);
    b
}

/// The signed data descriptor Go writes after a file's data.
pub(crate) fn data_descriptor(crc: u32, compressed: u64, uncompressed: u64) -> Vec<u8> {
    let mut b = Vec::with_capacity(24);
    put32(&mut b, SIG_DESCRIPTOR);
    put32(&mut b, crc);
    if compressed >= U32_MAX || uncompressed >= U32_MAX {
        put64(&mut b, compressed);
        put64(&mut b, uncompressed);
    } else {
        put32(&mut b, compressed as u32);
        put32(&mut b, uncompressed as u32);
    }
    b
}

fn central_header(e: &CentralEntry) -> Vec<u8> {
    let mut extra = ext_time_extra(e.mtime).to_vec();
    let zip64 = e.is_zip64() || e.offset >= U32_MAX;
    if zip64 {
        put16(&mut extra, EXTRA_ZIP64);
        put16(&mut extra, 24);
        put64(&mut extra, e.uncompressed);
        put64(&mut extra, e.compressed);
        put64(&mut extra, e.offset);
    }
    let mut b = Vec::with_capacity(46 + e.name.len() + extra.len());
    put32(&mut b, SIG_CENTRAL);
    put16(&mut b, VERSION_20); // made by (OS byte 0)
    put16(&mut b, if e.is_zip64() { VERSION_45 } else { VERSION_20 });
    put16(&mut b, e.flags);
    put16(&mut b, e.method);
    put16(&mut b, e.dos_time);
    put16(&mut b, e.dos_date);
    put32(&mut b, e.crc);
    if zip64 {
        put32(&mut b, U32_MAX as u32);
        put32(&mut b, U32_MAX as u32);
    } else {
        put32(&mut b, e.compressed as u32);
        put32(&mut b, e.uncompressed as u32);
    }
    put16(&mut b, e.name.len() as u16);
    put16(&mut b, extra.len() as u16);
    put16(&mut b, 0); // comment length
    put16(&mut b, 0); // disk number start
    put16(&mut b, 0); // internal attributes
    put32(&mut b, 0); // external attributes
    put32(&mut b, e.offset.min(U32_MAX) as u32);
    b.extend_from_slice(e.name.as_bytes());
    b.extend_from_slice(&extra);
    b
}

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}

/// Convenience for tests: a whole archive from `(name, Option<content>)` items
/// (None = directory), all with the given mtime.
pub fn build_archive(items: &[(&str, Option<&[u8]>)], mtime_unix: u32) -> Vec<u8> {
    let mut w = GoZipWriter::new();
    let mut out = Vec::new();
    for (name, content) in items {
        match content {
            None => out.extend(w.add_dir(name, mtime_unix)),
            Some(data) => {
                out.extend(w.start_file(name, mtime_unix));
                for chunk in data.chunks(64 * 1024) {
                    out.extend(w.write_file_data(chunk));
                }
                out.extend(w.finish_file());
            }
        }
    }
    out.extend(w.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MTIME: u32 = 1_700_000_000; // 2023-11-14T22:13:20Z

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
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

    fn ext_time(mtime: u32) -> Vec<u8> {
        let mut v = vec![0x55, 0x54, 5, 0, 1];
        v.extend_from_slice(&mtime.to_le_bytes());
        v
    }

    #[test]
    fn empty_archive_is_exactly_an_end_record() {
        let bytes = GoZipWriter::new().finish();
        let mut expected = b"PK\x05\x06".to_vec();
        expected.extend_from_slice(&[0u8; 18]);
        assert_eq!(bytes, expected);
        assert_eq!(build_archive(&[], MTIME), expected);
    }

    #[test]
    fn dos_fields_follow_the_mtime_in_utc() {
        let (date, time) = dos_date_time(MTIME);
        assert_eq!(date, (43 << 9) | (11 << 5) | 14);
        assert_eq!(time, (22 << 11) | (13 << 5) | 10);
        // 2000-02-29T23:59:59Z: leap day, odd seconds rounded down.
        let (date, time) = dos_date_time(951_868_799);
        assert_eq!(date, (20 << 9) | (2 << 5) | 29);
        assert_eq!(time, (23 << 11) | (59 << 5) | 29);
        // Before 1980: clamped.
        assert_eq!(dos_date_time(0), ((1 << 5) | 1, 0));
    }

    #[test]
    fn utf8_flag_follows_go_rule() {
        assert!(!needs_utf8_flag("reports/2026/jan.csv"));
        assert!(needs_utf8_flag("été.txt"));
        assert!(needs_utf8_flag("a~b"));
        assert!(needs_utf8_flag("a\\b"));
        assert!(needs_utf8_flag("tab\there"));
    }

    #[test]
    fn directory_and_file_bytes_field_by_field() {
        let content = b"hello hello hello hello, Go zip!".repeat(10);
        let mut w = GoZipWriter::new();
        let mut out = w.add_dir("docs", MTIME);
        assert_eq!(w.bytes_out(), out.len() as u64);
        let dir_len = out.len();
        out.extend(w.start_file("docs/é.txt", MTIME + 1));
        let data_start = out.len();
        out.extend(w.write_file_data(&content));
        out.extend(w.finish_file());
        assert_eq!(w.bytes_out(), out.len() as u64);
        let cd_start = out.len();
        out.extend(w.finish());

        // Directory local header.
        let (date, time) = dos_date_time(MTIME);
        assert_eq!(u32_at(&out, 0), SIG_LOCAL);
        assert_eq!(u16_at(&out, 4), 20); // version needed
        assert_eq!(u16_at(&out, 6), 0); // flags
        assert_eq!(u16_at(&out, 8), 0); // stored
        assert_eq!(u16_at(&out, 10), time);
        assert_eq!(u16_at(&out, 12), date);
        assert_eq!(&out[14..26], &[0u8; 12]); // CRC, sizes
        assert_eq!(u16_at(&out, 26), 5);
        assert_eq!(u16_at(&out, 28), 9);
        assert_eq!(&out[30..35], b"docs/");
        assert_eq!(out[35..44], ext_time(MTIME)[..]);
        assert_eq!(dir_len, 44);

        // File local header.
        let f = dir_len;
        let name = "docs/é.txt".as_bytes();
        assert_eq!(u32_at(&out, f), SIG_LOCAL);
        assert_eq!(u16_at(&out, f + 4), 20);
        assert_eq!(u16_at(&out, f + 6), 0x0808);
        assert_eq!(u16_at(&out, f + 8), 8);
        assert_eq!(&out[f + 14..f + 26], &[0u8; 12]);
        assert_eq!(u16_at(&out, f + 26) as usize, name.len());
        assert_eq!(u16_at(&out, f + 28), 9);
        assert_eq!(&out[f + 30..f + 30 + name.len()], name);
        assert_eq!(
            out[f + 30 + name.len()..data_start],
            ext_time(MTIME + 1)[..]
        );

        // Deflate data, then the signed descriptor.
        let desc = cd_start - 16;
        let inflated = miniz_oxide::inflate::decompress_to_vec(&out[data_start..desc]).unwrap();
        assert_eq!(inflated, content);
        assert!(
            desc - data_start < content.len(),
            "the data must be compressed"
        );
        assert_eq!(u32_at(&out, desc), SIG_DESCRIPTOR);
        assert_eq!(u32_at(&out, desc + 4), crc32fast::hash(&content));
        assert_eq!(u32_at(&out, desc + 8) as usize, desc - data_start);
        assert_eq!(u32_at(&out, desc + 12) as usize, content.len());

        // Central directory: two records, then the end record.
        let c = cd_start;
        assert_eq!(u32_at(&out, c), SIG_CENTRAL);
        assert_eq!(u16_at(&out, c + 4), 20); // made by
        assert_eq!(u16_at(&out, c + 6), 20); // needed
        assert_eq!(u16_at(&out, c + 8), 0);
        assert_eq!(u16_at(&out, c + 10), 0);
        assert_eq!(u16_at(&out, c + 12), time);
        assert_eq!(u16_at(&out, c + 14), date);
        assert_eq!(&out[c + 16..c + 28], &[0u8; 12]);
        assert_eq!(u16_at(&out, c + 28), 5);
        assert_eq!(u16_at(&out, c + 30), 9);
        assert_eq!(&out[c + 32..c + 42], &[0u8; 10]); // comment, disk, attrs
        assert_eq!(u32_at(&out, c + 42), 0); // offset
        assert_eq!(&out[c + 46..c + 51], b"docs/");
        assert_eq!(out[c + 51..c + 60], ext_time(MTIME)[..]);
        let c = c + 60;
        assert_eq!(u32_at(&out, c), SIG_CENTRAL);
        assert_eq!(u16_at(&out, c + 8), 0x0808);
        assert_eq!(u16_at(&out, c + 10), 8);
        assert_eq!(u32_at(&out, c + 16), crc32fast::hash(&content));
        assert_eq!(u32_at(&out, c + 20) as usize, desc - data_start);
        assert_eq!(u32_at(&out, c + 24) as usize, content.len());
        assert_eq!(u32_at(&out, c + 38), 0); // external attributes
        assert_eq!(u32_at(&out, c + 42) as usize, dir_len);
        assert_eq!(&out[c + 46..c + 46 + name.len()], name);
        let e = c + 46 + name.len() + 9;
        assert_eq!(u32_at(&out, e), SIG_END);
        assert_eq!(u16_at(&out, e + 8), 2);
        assert_eq!(u16_at(&out, e + 10), 2);
        assert_eq!(u32_at(&out, e + 12) as usize, e - cd_start);
        assert_eq!(u32_at(&out, e + 16) as usize, cd_start);
        assert_eq!(u16_at(&out, e + 20), 0);
        assert_eq!(out.len(), e + 22);
    }

    #[test]
    fn empty_file_has_a_final_block_and_a_descriptor() {
        let out = build_archive(&[("empty", Some(b""))], MTIME);
        let data = 30 + 5 + 9;
        let desc = out.len() - 22 - (46 + 5 + 9) - 16;
        assert!(
            desc > data,
            "an empty deflate stream still has a final block"
        );
        assert!(miniz_oxide::inflate::decompress_to_vec(&out[data..desc])
            .unwrap()
            .is_empty());
        assert_eq!(u32_at(&out, desc), SIG_DESCRIPTOR);
        assert_eq!(u32_at(&out, desc + 4), 0);
        assert_eq!(u32_at(&out, desc + 12), 0);
    }

    #[test]
    fn zip64_data_descriptor_uses_8_byte_sizes() {
        let small = data_descriptor(7, 10, 20);
        assert_eq!(small.len(), 16);
        let big = data_descriptor(7, 10, 0xFFFF_FFFF);
        assert_eq!(big.len(), 24);
        assert_eq!(u32_at(&big, 0), SIG_DESCRIPTOR);
        assert_eq!(u32_at(&big, 4), 7);
        assert_eq!(u64_at(&big, 8), 10);
        assert_eq!(u64_at(&big, 16), 0xFFFF_FFFF);
    }

    #[test]
    fn offsets_beyond_4_gib_switch_to_zip64_records() {
        let mut w = GoZipWriter::new();
        // Pretend 5 GiB were already written (a real one would take too long in a test).
        w.offset = 5 << 30;
        let mut out = w.add_dir("d/", MTIME);
        out.extend(w.start_file("d/f", MTIME));
        out.extend(w.write_file_data(b"abc"));
        out.extend(w.finish_file());
        let cd = out.len();
        out.extend(w.finish());
        let base = 5u64 << 30;
        // First central record: sizes and offset in the zip64 extra.
        assert_eq!(u32_at(&out, cd), SIG_CENTRAL);
        assert_eq!(u32_at(&out, cd + 20), 0xFFFF_FFFF);
        assert_eq!(u32_at(&out, cd + 24), 0xFFFF_FFFF);
        assert_eq!(u16_at(&out, cd + 30), 9 + 28);
        assert_eq!(u32_at(&out, cd + 42), 0xFFFF_FFFF);
        let x = cd + 46 + 2 + 9;
        assert_eq!(u16_at(&out, x), 0x0001);
        assert_eq!(u16_at(&out, x + 2), 24);
        assert_eq!(u64_at(&out, x + 4), 0);
        assert_eq!(u64_at(&out, x + 12), 0);
        assert_eq!(u64_at(&out, x + 20), base);
        // zip64 end record, locator, then the end record with max values.
        let cd_len = 2 * (46 + 9 + 28) + 2 + 3;
        let e64 = cd + cd_len;
        assert_eq!(u32_at(&out, e64), SIG_END64);
        assert_eq!(u64_at(&out, e64 + 4), 44);
        assert_eq!(u16_at(&out, e64 + 12), 45);
        assert_eq!(u16_at(&out, e64 + 14), 45);
        assert_eq!(u64_at(&out, e64 + 24), 2);
        assert_eq!(u64_at(&out, e64 + 32), 2);
        assert_eq!(u64_at(&out, e64 + 40), cd_len as u64);
        assert_eq!(u64_at(&out, e64 + 48), base + cd as u64);
        let loc = e64 + 56;
        assert_eq!(u32_at(&out, loc), SIG_LOCATOR64);
        assert_eq!(u64_at(&out, loc + 8), base + e64 as u64);
        assert_eq!(u32_at(&out, loc + 16), 1);
        let e = loc + 20;
        assert_eq!(u32_at(&out, e), SIG_END);
        assert_eq!(u16_at(&out, e + 8), 0xFFFF);
        assert_eq!(u32_at(&out, e + 12), 0xFFFF_FFFF);
        assert_eq!(u32_at(&out, e + 16), 0xFFFF_FFFF);
        assert_eq!(out.len(), e + 22);
    }

    #[test]
    fn output_is_incremental_and_bounded() {
        let mut w = GoZipWriter::new();
        let mut total = w.start_file("big.bin", MTIME).len() as u64;
        let chunk = noise(64 * 1024, 3);
        let mut before_finish = 0u64;
        for _ in 0..64 {
            let out = w.write_file_data(&chunk);
            assert!(
                out.len() <= 2 * chunk.len(),
                "one call returned {}",
                out.len()
            );
            before_finish += out.len() as u64;
        }
        total += before_finish;
        assert!(
            before_finish > 3 << 20,
            "compressed bytes must flow before finish_file"
        );
        let tail = w.finish_file();
        assert!(tail.len() < 256 * 1024);
        total += tail.len() as u64;
        assert_eq!(w.bytes_out(), total);
    }

    /// Runs a Python script with the archive's path as `sys.argv[1]`; `None` when python3 is
    /// missing.
    fn python(script: &str, archive: &[u8], tag: &str) -> Option<String> {
        let path = std::env::temp_dir().join(format!("gozip-{}-{tag}.zip", std::process::id()));
        std::fs::write(&path, archive).unwrap();
        let res = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .output();
        let _ = std::fs::remove_file(&path);
        match res {
            Err(e) => {
                println!("note: python3 unavailable ({e}); skipping the zipfile cross-check");
                None
            }
            Ok(o) => {
                assert!(
                    o.status.success(),
                    "python3 failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                Some(String::from_utf8(o.stdout).unwrap())
            }
        }
    }

    const PY_LIST: &str = r#"
import sys, zipfile, zlib
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    for i in z.infolist():
        data = z.read(i)
        print("%s|%d|%d|%08x|%s" % (i.filename, i.is_dir(), len(data), zlib.crc32(data), "-".join(map(str, i.date_time))))
"#;

    #[test]
    fn python_zipfile_reads_the_archive() {
        let big = noise(300_000, 9);
        let text = b"line of text\n".repeat(5000);
        let items: Vec<(&str, Option<&[u8]>)> = vec![
            ("docs/", None),
            ("docs/empty.txt", Some(b"")),
            ("docs/text.txt", Some(&text)),
            ("docs/données/", None),
            ("docs/données/été 2026.bin", Some(&big)),
            ("a~b.txt", Some(b"x")),
        ];
        let archive = build_archive(&items, MTIME);
        let Some(stdout) = python(PY_LIST, &archive, "read") else {
            return;
        };
        let expected: Vec<String> = items
            .iter()
            .map(|(name, content)| {
                let data = content.unwrap_or_default();
                format!(
                    "{name}|{}|{}|{:08x}|2023-11-14-22-13-20",
                    u8::from(content.is_none()),
                    data.len(),
                    crc32fast::hash(data)
                )
            })
            .collect();
        assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn python_zipfile_reads_a_zip64_entry_count() {
        let mut w = GoZipWriter::new();
        let mut archive = Vec::new();
        for i in 0..65_535u32 {
            archive.extend(w.add_dir(&format!("{i}/"), MTIME));
        }
        archive.extend(w.start_file("last", MTIME));
        archive.extend(w.write_file_data(b"the end"));
        archive.extend(w.finish());
        let eocd = archive.len() - 22;
        assert_eq!(u16_at(&archive, eocd + 8), 0xFFFF);
        assert_eq!(u32_at(&archive, eocd - 20), SIG_LOCATOR64);
        assert_eq!(u32_at(&archive, eocd - 20 - 56), SIG_END64);
        assert_eq!(u64_at(&archive, eocd - 20 - 56 + 24), 65_536);
        let script = r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    names = z.namelist()
    print(len(names), names[0], names[-1], z.read("last").decode())
"#;
        let Some(stdout) = python(script, &archive, "many") else {
            return;
        };
        assert_eq!(stdout.trim(), "65536 0/ last the end");
    }
}
