//! Cross-checks between the entries read, the central directory and the end records.
//!
//! The reader keeps O(1) state for this whatever the number of entries: each entry (local side)
//! and each central record is reduced to a 64-bit hash of its offset, raw name, UTF-8 flag, method,
//! CRC-32 and sizes, and the fingerprints are summed (so the central directory may list the
//! entries in any order).

use super::records::{CentralHeader, EndRecord, Locator64, FLAG_UTF8, U16_MAX, U32_MAX};
use crate::{Error, Result};

/// What identifies an entry in both the local and the central views.
pub(super) struct EntryFacts<'a> {
    pub(super) offset: u64,
    pub(super) raw_name: &'a [u8],
    /// The UTF-8 flag (it decides how the name reads).
    pub(super) utf8: bool,
    pub(super) method: u16,
    pub(super) crc: u32,
    pub(super) compressed: u64,
    pub(super) uncompressed: u64,
}

impl EntryFacts<'_> {
    /// A 64-bit hash of the fields, eight bytes at a time (multiply and xor-shift mixing: not
    /// cryptographic, it only has to tell differing records apart).
    fn fingerprint(&self) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mix = |h: u64, word: u64| {
            let x = (h ^ word).wrapping_mul(K);
            x ^ (x >> 29)
        };
        let mut h = mix(0x243f_6a88_85a3_08d3, self.offset);
        h = mix(h, self.raw_name.len() as u64);
        // Not `chunks_exact`: sharing its iterator with the CRC-32's loop made the compiler
        // stop inlining it there, which slowed inflating large entries down.
        let name = self.raw_name;
        let mut at = 0;
        while let Some(w) = name.get(at..at + 8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            h = mix(h, u64::from_le_bytes(b));
            at += 8;
        }
        let mut tail = [0u8; 8];
        let rest = name.get(at..).unwrap_or_default();
        if let Some(t) = tail.get_mut(..rest.len()) {
            t.copy_from_slice(rest);
        }
        h = mix(h, u64::from_le_bytes(tail));
        h = mix(
            h,
            u64::from(self.utf8) | u64::from(self.method) << 8 | u64::from(self.crc) << 32,
        );
        h = mix(h, self.compressed);
        mix(h, self.uncompressed)
    }
}

/// Running totals for one side (local entries or central records).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tally {
    pub(super) count: u64,
    sum: u64,
}

impl Tally {
    pub(super) fn add(&mut self, facts: &EntryFacts<'_>) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(facts.fingerprint());
    }
}

/// Adds a central record to `central`.
pub(super) fn central_record(central: &mut Tally, h: &CentralHeader<'_>) -> Result<()> {
    if h.disk != 0 {
        return Err(multi_disk());
    }
    central.add(&EntryFacts {
        offset: h.local_offset,
        raw_name: h.raw_name,
        utf8: h.flags & FLAG_UTF8 != 0,
        method: h.method,
        crc: h.crc,
        compressed: h.compressed,
        uncompressed: h.uncompressed,
    });
    Ok(())
}

fn multi_disk() -> Error {
    Error::invalid_response(
        "unzip: the archive claims to span several disks, which a stream cannot be.",
    )
}

fn mismatch(what: &str, found: u64, actual: u64) -> Error {
    Error::invalid_response(format!(
        "unzip: the end of central directory record is inconsistent: it gives {found} as the \
         {what}, but the archive read has {actual}."
    ))
}

/// The facts the end records are checked against.
pub(super) struct Actual {
    pub(super) local: Tally,
    pub(super) central: Tally,
    pub(super) cd_offset: u64,
    pub(super) cd_size: u64,
}

/// Checks the central directory against the entries, then the end records against both.
/// `zip64` is the zip64 end record with its offset, and the locator, when present.
pub(super) fn end_records(
    actual: &Actual,
    end: &EndRecord,
    zip64: Option<&(EndRecord, u64, Locator64)>,
) -> Result<()> {
    if actual.central.count != actual.local.count {
        return Err(Error::invalid_response(format!(
            "unzip: the central directory lists {} entries but the archive holds {}.",
            actual.central.count, actual.local.count
        )));
    }
    if actual.central != actual.local {
        return Err(Error::invalid_response(
            "unzip: the central directory does not match the entries read (a name, offset, \
             size or checksum differs).",
        ));
    }
    let entries = actual.local.count;
    match zip64 {
        Some((e64, e64_offset, loc)) => {
            if loc.end64_offset != *e64_offset {
                return Err(mismatch(
                    "zip64 end record offset",
                    loc.end64_offset,
                    *e64_offset,
                ));
            }
            if loc.disk != 0 || loc.disks > 1 || e64.disk != 0 || e64.cd_disk != 0 {
                return Err(multi_disk());
            }
            for (what, found, real) in [
                ("zip64 entry count", e64.entries, entries),
                (
                    "zip64 entry count on this disk",
                    e64.entries_on_disk,
                    entries,
                ),
                ("zip64 central directory size", e64.cd_size, actual.cd_size),
                (
                    "zip64 central directory offset",
                    e64.cd_offset,
                    actual.cd_offset,
                ),
            ] {
                if found != real {
                    return Err(mismatch(what, found, real));
                }
            }
            // The classic record holds either the true value or the sentinel.
            for (what, found, real, sentinel) in [
                ("disk number", end.disk, 0, U16_MAX),
                ("central directory disk", end.cd_disk, 0, U16_MAX),
                ("entry count", end.entries, entries, U16_MAX),
                (
                    "entry count on this disk",
                    end.entries_on_disk,
                    entries,
                    U16_MAX,
                ),
                (
                    "central directory size",
                    end.cd_size,
                    actual.cd_size,
                    U32_MAX,
                ),
                (
                    "central directory offset",
                    end.cd_offset,
                    actual.cd_offset,
                    U32_MAX,
                ),
            ] {
                if found != real && found != sentinel {
                    return Err(mismatch(what, found, real));
                }
            }
        }
        None => {
            if end.disk != 0 || end.cd_disk != 0 {
                return Err(multi_disk());
            }
            for (what, found, real) in [
                ("entry count", end.entries, entries),
                ("entry count on this disk", end.entries_on_disk, entries),
                ("central directory size", end.cd_size, actual.cd_size),
                ("central directory offset", end.cd_offset, actual.cd_offset),
            ] {
                if found != real {
                    return Err(mismatch(what, found, real));
                }
            }
        }
    }
    Ok(())
}
