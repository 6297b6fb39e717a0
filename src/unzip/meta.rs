//! Entry metadata shown to callers.

use crate::time::{days_from_civil, format_iso8601};

/// Metadata of one entry, from its local header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    /// The entry's path inside the archive, `/`-separated, checked safe (no leading `/`, no `..`
    /// segment, no backslash, NUL or drive letter). Directories end with `/`.
    pub name: String,
    /// `true` for a directory entry (name ending with `/`); it has no data.
    pub is_dir: bool,
    /// Last modification time in seconds since the Unix epoch, UTC: from the extended timestamp
    /// field `0x5455` when present (exact UTC seconds), otherwise from the MS-DOS date/time
    /// fields read as UTC (the writer's local time in truth; 2-second resolution). See
    /// [`last_modified`](Self::last_modified) for the ISO 8601 text.
    pub modified: i64,
    /// Compressed size when the local header gives it (`None` for entries whose sizes come in a
    /// data descriptor after the data, as in Go's layout).
    pub compressed_size: Option<u64>,
    /// Uncompressed size when the local header gives it (same rule).
    pub uncompressed_size: Option<u64>,
}

impl EntryMeta {
    /// Last modification time, ISO 8601 UTC (`2026-07-21T18:26:40Z`), from
    /// [`modified`](Self::modified). Formatted on request: most readers never ask.
    pub fn last_modified(&self) -> String {
        format_iso8601(self.modified)
    }
}

/// Seconds since the epoch from the extended timestamp, else the MS-DOS fields (out-of-range
/// parts are clamped into range).
pub(super) fn modified(mtime: Option<u32>, dos_date: u16, dos_time: u16) -> i64 {
    if let Some(secs) = mtime {
        return i64::from(secs);
    }
    let year = 1980 + i64::from(dos_date >> 9);
    let month = u32::from((dos_date >> 5) & 0x0f).clamp(1, 12);
    let day = u32::from(dos_date & 0x1f).max(1);
    let hour = i64::from(dos_time >> 11).min(23);
    let minute = i64::from((dos_time >> 5) & 0x3f).min(59);
    let second = (i64::from(dos_time & 0x1f) * 2).min(59);
    days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_modified(mtime: Option<u32>, dos_date: u16, dos_time: u16) -> String {
        format_iso8601(modified(mtime, dos_date, dos_time))
    }

    #[test]
    fn extended_timestamp_wins() {
        assert_eq!(
            last_modified(Some(1_700_000_000), 0, 0),
            "2023-11-14T22:13:20Z"
        );
    }

    #[test]
    fn dos_fields_are_read_as_utc() {
        let date = (43 << 9) | (11 << 5) | 14;
        let time = (22 << 11) | (13 << 5) | 10;
        assert_eq!(last_modified(None, date, time), "2023-11-14T22:13:20Z");
        // Zeroed fields (month 0, day 0) are clamped, not a panic.
        assert_eq!(last_modified(None, 0, 0), "1980-01-01T00:00:00Z");
        assert_eq!(last_modified(None, 0xFFFF, 0xFFFF), "2107-12-31T23:59:59Z");
    }
}
