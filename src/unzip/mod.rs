//! Forward-only streaming zip reader (Go `archive/zip` streaming layout), fed chunk by chunk.
//!
//! [`ZipStreamReader`] is a pure, push-based state machine: no I/O, no async, no clock. The
//! caller [`feed`](ZipStreamReader::feed)s the bytes as they arrive, pulls
//! [`Event`]s with [`next_event`](ZipStreamReader::next_event) until it answers `Ok(None)`
//! ("feed me more"), and calls [`end_of_input`](ZipStreamReader::end_of_input) when the stream is
//! over. The last event of a good archive is [`Event::End`]; it comes only after the whole
//! central directory and end record were read, checked against the entries, and the input ended
//! right there. Any other outcome is an error: a cut stream (SFTPGo aborts mid-archive by closing
//! the connection, docs/echange.md#dropped-connections) is [`ErrorCode::Truncated`], never a
//! success.
//!
//! ```
//! use passerelle::unzip::{Event, Limits, ZipStreamReader};
//! # fn run(chunks: Vec<Vec<u8>>) -> passerelle::Result<()> {
//! let mut zip = ZipStreamReader::new(Limits::default());
//! let mut chunks = chunks.into_iter();
//! loop {
//!     match zip.next_event()? {
//!         Some(Event::Entry(meta)) => println!("{}", meta.name),
//!         Some(Event::Data(bytes)) => { /* write bytes to the current entry */ }
//!         Some(Event::EntryEnd) => { /* close it: CRC-32 and sizes were verified */ }
//!         Some(Event::End) => return Ok(()),
//!         None => match chunks.next() {
//!             Some(chunk) => zip.feed(&chunk),
//!             None => zip.end_of_input(),
//!         },
//!     }
//! }
//! # }
//! # let empty = vec![b"PK\x05\x06".iter().copied().chain([0u8; 18]).collect()];
//! # run(empty).unwrap();
//! ```
//!
//! What is read:
//! * Go's layout (SFTPGo `streamzip`, docs/echange.md#zip-layout): stored directories with no data descriptor;
//!   Deflate files with flag bit 3, zero sizes in the local header and a data descriptor
//!   (signed or not; 8-byte sizes when the sizes need zip64 or the local header has a zip64
//!   field). The end of the Deflate data is found by the inflater itself.
//! * Plain stored or Deflate entries whose sizes are in the local header (Python's `zipfile`,
//!   Info-ZIP, …).
//! * Not read: encryption, compression methods other than 0 and 8, and stored entries whose size
//!   is only in the data descriptor (their end cannot be found going forward) — all
//!   [`ErrorCode::InvalidResponse`].
//!
//! Checks: each entry's CRC-32 and sizes against its data descriptor or local header; the
//! central directory against the entries (offsets, names, methods, CRC-32s, sizes); the
//! (zip64) end records against both; no byte after the end record. Names are decoded as UTF-8
//! (flag `0x0800`, or a matching Info-ZIP Unicode Path field) or CP437, and refused with
//! [`ErrorCode::UnsafePath`] when they could escape the extraction
//! folder; the directory entry named exactly `/` (SFTPGo's whole-home marker, docs/echange.md#zip-layout) is
//! skipped silently. [`Limits`] give
//! [`ErrorCode::LimitExceeded`] before more bytes than allowed
//! are produced.
//!
//! Memory: the unconsumed input (keep it small by draining events after each `feed`), one
//! header at most (≤ ~36 KiB with the default [`Limits`]; ≤ ~192 KiB for the largest central
//! record the format allows), the inflater with its
//! 32 KiB window, and one 64 KiB output block. Nothing grows with an entry's size or with the
//! number of entries.

mod body;
mod buffer;
mod check;
mod crc;
mod meta;
mod name;
mod records;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
mod whole;

pub use meta::EntryMeta;

use miniz_oxide::inflate::stream::InflateState;

use body::{Body, Progress};
use buffer::InputBuffer;
use check::{Actual, EntryFacts, Tally};
use name::NameKind;
use records::{
    CentralHeader, Descriptor, EndRecord, LocalHeader, Locator64, FLAG_DESCRIPTOR, FLAG_ENCRYPTED,
    FLAG_MASKED_HEADERS, FLAG_STRONG_ENCRYPTION, FLAG_UTF8, MAX_END64_LEN, SIG_CENTRAL, SIG_END,
    SIG_END64, SIG_LOCAL, SIG_LOCATOR64, U32_MAX,
};

use crate::{Error, ErrorCode, Result};

/// Largest [`Event::Data`] block, in bytes (64 KiB).
pub const MAX_DATA_BLOCK: usize = 64 * 1024;

/// Default of [`Limits::max_name_bytes`]: 4 KiB (Linux's `PATH_MAX`).
pub const DEFAULT_MAX_NAME_BYTES: u16 = 4096;
/// Default of [`Limits::max_extra_bytes`]: 16 KiB.
pub const DEFAULT_MAX_EXTRA_BYTES: u16 = 16 * 1024;
/// Default of [`Limits::max_comment_bytes`]: 16 KiB.
pub const DEFAULT_MAX_COMMENT_BYTES: u16 = 16 * 1024;

/// Limits on what an archive may make the reader produce or hold. Exceeding one fails with
/// [`ErrorCode::LimitExceeded`] before the excess is produced or buffered.
///
/// The header limits are checked on a record's fixed part, before its variable part is waited
/// for, so a header held in memory is at most `46 + max_name_bytes + max_extra_bytes +
/// max_comment_bytes` bytes (about 36 KiB with the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest uncompressed size of any single entry (`None` = no limit, the default).
    pub max_entry_bytes: Option<u64>,
    /// Largest uncompressed size of all entries together (`None` = no limit, the default).
    pub max_total_bytes: Option<u64>,
    /// Largest entry name, in raw bytes (local and central headers); default
    /// [`DEFAULT_MAX_NAME_BYTES`]. The format itself allows up to 65,535.
    pub max_name_bytes: u16,
    /// Largest extra field of an entry, in bytes (local and central headers); default
    /// [`DEFAULT_MAX_EXTRA_BYTES`].
    pub max_extra_bytes: u16,
    /// Largest comment (an entry's, in the central directory, or the archive's, in the end
    /// record), in bytes; default [`DEFAULT_MAX_COMMENT_BYTES`].
    pub max_comment_bytes: u16,
    /// Largest number of entries (`None` = no limit, the default; the reader keeps no state per
    /// entry, so this bounds work, not memory).
    pub max_entries: Option<u64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entry_bytes: None,
            max_total_bytes: None,
            max_name_bytes: DEFAULT_MAX_NAME_BYTES,
            max_extra_bytes: DEFAULT_MAX_EXTRA_BYTES,
            max_comment_bytes: DEFAULT_MAX_COMMENT_BYTES,
            max_entries: None,
        }
    }
}

/// What [`ZipStreamReader::next_event`] yields, in this order for each entry:
/// `Entry`, zero or more `Data`, `EntryEnd`; then `End` once for the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new entry starts (its name has been checked safe).
    Entry(EntryMeta),
    /// The next uncompressed bytes of the current entry (1 to [`MAX_DATA_BLOCK`] bytes;
    /// never for a directory).
    Data(Vec<u8>),
    /// The current entry is complete and its CRC-32 and sizes were verified.
    EntryEnd,
    /// The archive is complete: central directory and end record read and verified, and the
    /// input ended right after them.
    End,
}

/// What [`ZipStreamReader::next_ref`] yields: an [`Event`] whose data block is borrowed from the
/// reader.
#[derive(Debug, PartialEq, Eq)]
pub enum EventRef<'a> {
    /// See [`Event::Entry`].
    Entry(EntryMeta),
    /// See [`Event::Data`]; valid until the next call on the reader.
    Data(&'a [u8]),
    /// See [`Event::EntryEnd`].
    EntryEnd,
    /// See [`Event::End`].
    End,
}

/// The entry being read.
struct Current {
    /// Not reported to the caller (the `/` marker).
    hidden: bool,
    is_dir: bool,
    header: LocalHeader,
    offset: u64,
    body: Body,
}

impl Current {
    /// The entry's name, for messages (decoded again: it was checked when the entry started).
    fn name(&self) -> String {
        match &self.header.unicode_name {
            Some(n) => n.clone(),
            None => name::decode(&self.header.raw_name, self.header.flags & FLAG_UTF8 != 0)
                .unwrap_or_else(|_| String::from_utf8_lossy(&self.header.raw_name).into_owned()),
        }
    }

    fn has_descriptor(&self) -> bool {
        self.header.flags & FLAG_DESCRIPTOR != 0
    }
}

/// Where the reader is.
enum State {
    /// Before a record: local header, central header or end records (see `phase`).
    Records,
    /// Inside an entry's data.
    Data(Box<Current>),
    /// After an entry's data, before its data descriptor.
    Descriptor(Box<Current>),
    /// The end record was read and checked; waiting for the input to end.
    Complete,
    /// `End` was returned.
    Ended,
}

/// Which records may come next.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Entries,
    Central,
    /// After the zip64 end record (its offset): the locator must follow.
    AfterEnd64(EndRecord, u64),
    /// After the locator: the end record must follow.
    AfterLocator(EndRecord, u64, Locator64),
}

/// Result of one internal step.
enum Step {
    /// Any event but data (never `EventRef::Data`).
    Event(EventRef<'static>),
    /// The next `n` bytes of the current entry are at the start of the output block.
    Data(usize),
    Continue,
    NeedInput,
    /// After `End`: nothing to do, whatever the input state.
    Idle,
}

/// A pure, push-based, forward-only zip reader. See the [module documentation](self).
pub struct ZipStreamReader {
    limits: Limits,
    input: InputBuffer,
    eof: bool,
    state: State,
    phase: Phase,
    failed: Option<Error>,
    inflater: Option<Box<InflateState>>,
    /// The last finished entry's state, reused for the next one (with its name's buffer).
    spare: Option<Box<Current>>,
    out: Vec<u8>,
    total_out: u64,
    local: Tally,
    central: Tally,
    cd_offset: Option<u64>,
    entries_reported: u64,
}

impl std::fmt::Debug for ZipStreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipStreamReader")
            .field("limits", &self.limits)
            .field("offset", &self.input.offset())
            .field("buffered", &self.input.len())
            .field("entries", &self.local.count)
            .field("total_out", &self.total_out)
            .field("eof", &self.eof)
            .field("failed", &self.failed)
            .finish()
    }
}

impl ZipStreamReader {
    /// A reader expecting the first byte of an archive.
    pub fn new(limits: Limits) -> ZipStreamReader {
        ZipStreamReader {
            limits,
            input: InputBuffer::default(),
            eof: false,
            state: State::Records,
            phase: Phase::Entries,
            failed: None,
            inflater: None,
            spare: None,
            out: Vec::new(),
            total_out: 0,
            local: Tally::default(),
            central: Tally::default(),
            cd_offset: None,
            entries_reported: 0,
        }
    }

    /// Appends the next bytes of the archive (any size, including empty). Bytes fed after
    /// [`end_of_input`](Self::end_of_input) make the next [`next_event`](Self::next_event) fail.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.failed.is_some() || chunk.is_empty() {
            return;
        }
        if self.eof {
            self.failed = Some(Error::invalid_input(
                "unzip: bytes were fed after the end of the input was signalled.",
            ));
            return;
        }
        self.input.push(chunk);
    }

    /// Signals that no more bytes will come. From then on, `next_event` never answers
    /// `Ok(None)` before `End`: an incomplete archive fails with [`ErrorCode::Truncated`].
    pub fn end_of_input(&mut self) {
        self.eof = true;
    }

    /// The next event; `Ok(None)` when more input is needed (or after `End`). After an error,
    /// every later call returns the same error.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        Ok(self.next_ref()?.map(|e| match e {
            EventRef::Entry(meta) => Event::Entry(meta),
            EventRef::Data(block) => Event::Data(block.to_vec()),
            EventRef::EntryEnd => Event::EntryEnd,
            EventRef::End => Event::End,
        }))
    }

    /// Like [`next_event`](Self::next_event), but a data block is lent rather than copied into
    /// a new `Vec`: it stays valid until the next call on the reader.
    pub fn next_ref(&mut self) -> Result<Option<EventRef<'_>>> {
        let n = loop {
            if let Some(e) = &self.failed {
                return Err(e.clone());
            }
            match self.step() {
                Ok(Step::Event(event)) => return Ok(Some(event)),
                Ok(Step::Data(n)) => break n,
                Ok(Step::Continue) => {}
                Ok(Step::Idle) => return Ok(None),
                Ok(Step::NeedInput) if !self.eof => return Ok(None),
                Ok(Step::NeedInput) => self.failed = Some(self.truncated()),
                Err(e) => self.failed = Some(e),
            }
        };
        Ok(Some(EventRef::Data(self.out.get(..n).unwrap_or_default())))
    }

    /// Whether the end of the current entry's data has been seen: every byte of it was
    /// produced, and what remains before its [`Event::EntryEnd`] is checking it (and reading its
    /// data descriptor, if it has one). It can still be `false` after the last block, when the
    /// input fed so far stops before the end marker of the entry's Deflate stream.
    pub fn entry_data_complete(&self) -> bool {
        match &self.state {
            State::Data(cur) => cur.body.is_complete(),
            State::Descriptor(_) => true,
            _ => false,
        }
    }

    /// Number of bytes fed but not consumed yet.
    pub fn buffered_len(&self) -> usize {
        self.input.len()
    }

    /// Number of archive bytes consumed so far.
    pub fn bytes_consumed(&self) -> u64 {
        self.input.offset()
    }

    /// Number of entries reported with [`Event::Entry`] so far.
    pub fn entries_read(&self) -> u64 {
        self.entries_reported
    }

    /// Uncompressed bytes produced so far, all entries together.
    pub fn total_uncompressed(&self) -> u64 {
        self.total_out
    }

    fn truncated(&self) -> Error {
        let at = self.input.offset() + self.input.len() as u64;
        let what = match &self.state {
            State::Data(cur) => format!("in the middle of the data of entry {:?}", cur.name()),
            State::Descriptor(cur) => {
                format!("inside the data descriptor of entry {:?}", cur.name())
            }
            _ if at == 0 => "before its first byte".to_string(),
            _ => "before its end of central directory record".to_string(),
        };
        Error::new(
            ErrorCode::Truncated,
            format!(
                "unzip: the archive ended {what}, after {at} bytes; the download was cut short \
                 and the archive is incomplete."
            ),
        )
    }

    fn step(&mut self) -> Result<Step> {
        match std::mem::replace(&mut self.state, State::Records) {
            State::Records => self.record(),
            State::Data(cur) => self.data(cur),
            State::Descriptor(cur) => self.descriptor(cur),
            State::Complete => {
                self.state = State::Complete;
                if self.input.len() > 0 {
                    return Err(trailing());
                }
                if self.eof {
                    self.state = State::Ended;
                    return Ok(Step::Event(EventRef::End));
                }
                Ok(Step::NeedInput)
            }
            State::Ended => {
                self.state = State::Ended;
                if self.input.len() > 0 {
                    return Err(trailing());
                }
                // Nothing more will come; `None` is the steady answer after `End`.
                Ok(Step::Idle)
            }
        }
    }

    /// Between records: dispatches on the signature.
    fn record(&mut self) -> Result<Step> {
        let Some(sig) = records::signature(self.input.bytes()) else {
            return Ok(Step::NeedInput);
        };
        let at = self.input.offset();
        match (sig, self.phase) {
            (SIG_LOCAL, Phase::Entries) => self.local_header(),
            (SIG_CENTRAL, Phase::Entries | Phase::Central) => {
                if let Some((name, extra, comment)) = records::central_lengths(self.input.bytes()) {
                    self.check_header(name, extra, comment, "central directory record")?;
                }
                let Some((h, len)) = CentralHeader::parse(self.input.bytes()) else {
                    return Ok(Step::NeedInput);
                };
                self.cd_offset.get_or_insert(at);
                self.phase = Phase::Central;
                check::central_record(&mut self.central, &h)?;
                self.input.consume(len);
                Ok(Step::Continue)
            }
            (SIG_END64, Phase::Entries | Phase::Central) => {
                let parsed = EndRecord::parse64(self.input.bytes()).map_err(|len| {
                    Error::invalid_response(format!(
                        "unzip: the zip64 end of central directory record claims {len} bytes \
                         (allowed: 56 to {MAX_END64_LEN})."
                    ))
                })?;
                let Some((e64, len)) = parsed else {
                    return Ok(Step::NeedInput);
                };
                self.cd_offset.get_or_insert(at);
                self.phase = Phase::AfterEnd64(e64, at);
                self.input.consume(len);
                Ok(Step::Continue)
            }
            (SIG_LOCATOR64, Phase::AfterEnd64(e64, e64_at)) => {
                let Some((loc, len)) = Locator64::parse(self.input.bytes()) else {
                    return Ok(Step::NeedInput);
                };
                self.phase = Phase::AfterLocator(e64, e64_at, loc);
                self.input.consume(len);
                Ok(Step::Continue)
            }
            (SIG_END, Phase::Entries | Phase::Central | Phase::AfterLocator(..)) => {
                if let Some(comment) = records::end_comment_length(self.input.bytes()) {
                    self.check_header(0, 0, comment, "end of central directory record")?;
                }
                let Some((end, len)) = EndRecord::parse(self.input.bytes()) else {
                    return Ok(Step::NeedInput);
                };
                let cd_offset = *self.cd_offset.get_or_insert(at);
                let zip64 = match self.phase {
                    Phase::AfterLocator(e64, e64_at, loc) => Some((e64, e64_at, loc)),
                    _ => None,
                };
                let cd_end = zip64.as_ref().map_or(at, |z| z.1);
                let actual = Actual {
                    local: self.local,
                    central: self.central,
                    cd_offset,
                    cd_size: cd_end.saturating_sub(cd_offset),
                };
                check::end_records(&actual, &end, zip64.as_ref())?;
                self.input.consume(len);
                self.state = State::Complete;
                Ok(Step::Continue)
            }
            _ => Err(Error::invalid_response(format!(
                "unzip: unexpected bytes {} at offset {at} where a {} was expected; the \
                 archive is corrupt or not a zip archive.",
                hex4(self.input.bytes()),
                match self.phase {
                    Phase::Entries => "local file header or central directory",
                    Phase::Central => "central directory record or end record",
                    Phase::AfterEnd64(..) => "zip64 end of central directory locator",
                    Phase::AfterLocator(..) => "end of central directory record",
                }
            ))),
        }
    }

    fn local_header(&mut self) -> Result<Step> {
        let offset = self.input.offset();
        if let Some((name, extra)) = records::local_lengths(self.input.bytes()) {
            self.check_header(name, extra, 0, "local header")?;
        }
        if let Some(max) = self.limits.max_entries {
            if self.local.count >= max {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("unzip: the archive holds more than the limit of {max} entries."),
                ));
            }
        }
        let reuse = self
            .spare
            .as_mut()
            .map(|c| std::mem::take(&mut c.header.raw_name))
            .unwrap_or_default();
        let Some((header, len)) = LocalHeader::parse(self.input.bytes(), reuse) else {
            return Ok(Step::NeedInput);
        };
        let name = match &header.unicode_name {
            Some(n) => n.clone(),
            None => name::decode(&header.raw_name, header.flags & FLAG_UTF8 != 0)?,
        };
        if header.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS) != 0
            || header.method == 99
        {
            return Err(Error::invalid_response(format!(
                "unzip: entry {name:?} is encrypted; encrypted archives are not supported."
            )));
        }
        let kind = name::check(&name)?;
        let is_dir = name.ends_with('/');
        let with_descriptor = header.flags & FLAG_DESCRIPTOR != 0;
        let (body, known) = match header.method {
            0 => {
                let sizes_unknown = header.compressed == 0 && header.uncompressed == 0;
                if with_descriptor && sizes_unknown && !is_dir {
                    return Err(Error::invalid_response(format!(
                        "unzip: entry {name:?} is stored (not compressed) with its size only in \
                         a data descriptor after the data; a forward-only reader cannot find \
                         where its data ends."
                    )));
                }
                if header.compressed != header.uncompressed {
                    return Err(Error::invalid_response(format!(
                        "unzip: stored entry {name:?} has different compressed ({}) and \
                         uncompressed ({}) sizes.",
                        header.compressed, header.uncompressed
                    )));
                }
                (Body::stored(header.compressed), true)
            }
            8 => (Body::deflate(), !with_descriptor),
            m => {
                return Err(Error::invalid_response(format!(
                    "unzip: entry {name:?} uses compression method {m}; only stored (0) and \
                     Deflate (8) are supported."
                )))
            }
        };
        if known {
            self.check_limits(|| name.clone(), header.uncompressed, header.uncompressed)?;
        }
        if header.method == 8 {
            match &mut self.inflater {
                Some(inf) => body::reset_inflater(inf),
                None => self.inflater = Some(body::new_inflater()),
            }
        }
        let meta = EntryMeta {
            name,
            is_dir,
            modified: meta::modified(header.mtime, header.dos_date, header.dos_time),
            compressed_size: known.then_some(header.compressed),
            uncompressed_size: known.then_some(header.uncompressed),
        };
        self.input.consume(len);
        let hidden = kind == NameKind::RootMarker;
        let current = Current {
            hidden,
            is_dir,
            header,
            offset,
            body,
        };
        // The previous entry's box, when there is one: no allocation per entry.
        self.state = State::Data(match self.spare.take() {
            Some(mut b) => {
                *b = current;
                b
            }
            None => Box::new(current),
        });
        if hidden {
            return Ok(Step::Continue);
        }
        self.entries_reported += 1;
        Ok(Step::Event(EventRef::Entry(meta)))
    }

    /// Fails when a header's variable fields exceed the header limits (checked on the fixed
    /// part, before the rest is buffered).
    fn check_header(&self, name: u16, extra: u16, comment: u16, record: &str) -> Result<()> {
        let l = &self.limits;
        let over = [
            ("entry name", name, l.max_name_bytes, "maxNameBytes"),
            ("extra field", extra, l.max_extra_bytes, "maxExtraBytes"),
            ("comment", comment, l.max_comment_bytes, "maxCommentBytes"),
        ]
        .into_iter()
        .find(|(_, len, max, _)| len > max);
        match over {
            None => Ok(()),
            Some((what, len, max, option)) => Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "unzip: a {record} at offset {} has a {len}-byte {what}, over the limit of \
                     {max} bytes ({option}).",
                    self.input.offset()
                ),
            )),
        }
    }

    /// Fails when producing `entry_total` bytes for this entry (and `added` more overall)
    /// would exceed a limit.
    fn check_limits(&self, name: impl Fn() -> String, entry_total: u64, added: u64) -> Result<()> {
        if let Some(max) = self.limits.max_entry_bytes {
            if entry_total > max {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!(
                        "unzip: entry {:?} inflates to more than the limit of {max} bytes per \
                         entry.",
                        name()
                    ),
                ));
            }
        }
        if let Some(max) = self.limits.max_total_bytes {
            if self.total_out.saturating_add(added) > max {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!(
                        "unzip: the archive inflates to more than the limit of {max} bytes in \
                         total (reached in entry {:?}).",
                        name()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// How many bytes the next step may produce: one more than the limits allow (so crossing
    /// a limit is detected), at most one block.
    fn output_allowance(&self, cur: &Current) -> usize {
        let entry_left = self
            .limits
            .max_entry_bytes
            .map_or(u64::MAX, |m| m.saturating_sub(cur.body.uncompressed));
        let total_left = self
            .limits
            .max_total_bytes
            .map_or(u64::MAX, |m| m.saturating_sub(self.total_out));
        let left = entry_left.min(total_left).saturating_add(1);
        usize::try_from(left)
            .unwrap_or(MAX_DATA_BLOCK)
            .min(MAX_DATA_BLOCK)
    }

    fn data(&mut self, mut cur: Box<Current>) -> Result<Step> {
        let allowance = self.output_allowance(&cur);
        if self.out.len() < MAX_DATA_BLOCK {
            self.out.resize(MAX_DATA_BLOCK, 0);
        }
        let before = cur.body.uncompressed;
        let (used, progress) = {
            let out = self.out.get_mut(..allowance).unwrap_or_default();
            let inflater = match &mut self.inflater {
                Some(i) => i,
                None => self.inflater.insert(body::new_inflater()),
            };
            match cur.body.step(self.input.bytes(), out, inflater) {
                Some(r) => r,
                None => {
                    return Err(Error::invalid_response(format!(
                        "unzip: the compressed data of entry {:?} is corrupt (invalid Deflate \
                         stream).",
                        cur.name()
                    )))
                }
            }
        };
        self.input.consume(used);
        match progress {
            Progress::Data(n) => {
                if cur.is_dir {
                    return Err(Error::invalid_response(format!(
                        "unzip: directory entry {:?} has contents.",
                        cur.name()
                    )));
                }
                self.check_limits(
                    || cur.name(),
                    cur.body.uncompressed,
                    cur.body.uncompressed - before,
                )?;
                self.total_out += n as u64;
                self.state = State::Data(cur);
                Ok(Step::Data(n))
            }
            Progress::Continue => {
                self.state = State::Data(cur);
                Ok(Step::Continue)
            }
            Progress::NeedInput => {
                self.state = State::Data(cur);
                Ok(Step::NeedInput)
            }
            Progress::Finished => {
                if cur.has_descriptor() {
                    self.state = State::Descriptor(cur);
                    return Ok(Step::Continue);
                }
                let (crc, compressed, uncompressed) = (
                    cur.header.crc,
                    cur.header.compressed,
                    cur.header.uncompressed,
                );
                verify(&cur, "local header", crc, compressed, uncompressed)?;
                Ok(self.finish_entry(cur))
            }
        }
    }

    fn descriptor(&mut self, cur: Box<Current>) -> Result<Step> {
        let wide =
            cur.header.zip64 || cur.body.compressed >= U32_MAX || cur.body.uncompressed >= U32_MAX;
        let Some((d, len)) = Descriptor::parse(self.input.bytes(), wide) else {
            self.state = State::Descriptor(cur);
            return Ok(Step::NeedInput);
        };
        verify(&cur, "data descriptor", d.crc, d.compressed, d.uncompressed)?;
        // The local header should hold zeros here; values it does hold must agree too.
        let h = &cur.header;
        let or_actual = |claimed: u64, actual: u64| {
            if claimed == 0 || claimed == U32_MAX {
                actual
            } else {
                claimed
            }
        };
        verify(
            &cur,
            "local header",
            if h.crc == 0 { d.crc } else { h.crc },
            or_actual(h.compressed, d.compressed),
            or_actual(h.uncompressed, d.uncompressed),
        )?;
        self.input.consume(len);
        Ok(self.finish_entry(cur))
    }

    fn finish_entry(&mut self, cur: Box<Current>) -> Step {
        self.local.add(&EntryFacts {
            offset: cur.offset,
            raw_name: &cur.header.raw_name,
            utf8: cur.header.flags & FLAG_UTF8 != 0,
            method: cur.header.method,
            crc: cur.body.crc(),
            compressed: cur.body.compressed,
            uncompressed: cur.body.uncompressed,
        });
        self.state = State::Records;
        let hidden = cur.hidden;
        self.spare = Some(cur);
        if hidden {
            Step::Continue
        } else {
            Step::Event(EventRef::EntryEnd)
        }
    }
}

/// Compares what was read with what a record claims.
fn verify(cur: &Current, source: &str, crc: u32, compressed: u64, uncompressed: u64) -> Result<()> {
    let body = &cur.body;
    let problem = if body.crc() != crc {
        Some(format!(
            "its CRC-32 is {:08x} but the {source} says {crc:08x}",
            body.crc()
        ))
    } else if body.compressed != compressed {
        Some(format!(
            "its compressed size is {} but the {source} says {compressed}",
            body.compressed
        ))
    } else if body.uncompressed != uncompressed {
        Some(format!(
            "its uncompressed size is {} but the {source} says {uncompressed}",
            body.uncompressed
        ))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(Error::invalid_response(format!(
            "unzip: entry {:?} is corrupt: {p}.",
            cur.name()
        ))),
    }
}

fn trailing() -> Error {
    Error::invalid_response("unzip: unexpected bytes after the end of central directory record.")
}

fn hex4(b: &[u8]) -> String {
    b.iter().take(4).map(|x| format!("{x:02x}")).collect()
}
