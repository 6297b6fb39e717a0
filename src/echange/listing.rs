//! A listing (`GET /api/v2/user/dirs`) parsed while it arrives.
//!
//! The body is a JSON array of objects `{"name", "size"?, "mode", "last_modified", …}`. The
//! parser takes the body in chunks of any size, keeps only the entry being read (its name and
//! date, each at most [`MAX_FIELD_BYTES`], in buffers reused from entry to entry) and lends
//! every finished entry to an [`EntrySink`] as an [`EntryRef`]. So listing half a million
//! entries costs what the sink keeps, never a copy of the JSON text: the JavaScript binding
//! turns entries into JavaScript objects by small batches, and a walk's entry budget holds
//! while the body arrives.
//!
//! Unknown fields are skipped whatever their value (nesting at most [`MAX_NESTING`] levels).
//! Anything that is not such an array is `invalid_response`; a body that ends before the array
//! does is `truncated`.

use super::model::{DirEntry, EntryType};
use super::paths;
use crate::error::{Error, ErrorCode, Result};

/// Longest name or date kept for one entry, in bytes of UTF-8.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Deepest nesting of arrays and objects inside an unknown field's value.
pub const MAX_NESTING: usize = 64;

/// One entry of a listing as the parser hands it over: its strings borrowed from the parser's
/// buffers (valid UTF-8, escapes decoded), so an entry costs no allocation until a sink keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The listed folder, cleaned (`/` or `/a/b`).
    pub folder: &'a str,
    /// Base name, as on the wire (checked: not empty, no `/`, not `.` or `..`).
    pub name: &'a str,
    /// Size in bytes, when the server gave one.
    pub size: Option<u64>,
    /// Go `FileMode` bits, as on the wire.
    pub mode: u64,
    /// As on the wire.
    pub last_modified: &'a str,
    /// Decoded from `mode`.
    pub entry_type: EntryType,
}

impl EntryRef<'_> {
    /// The entry's full path (the folder, `/`, the name).
    pub fn path(&self) -> String {
        paths::child(self.folder, self.name)
    }

    /// The entry as an owned [`DirEntry`].
    pub fn to_entry(&self) -> DirEntry {
        DirEntry {
            path: self.path(),
            entry_type: self.entry_type,
            name: self.name.to_owned(),
            size: self.size,
            mode: self.mode,
            last_modified: self.last_modified.to_owned(),
        }
    }
}

/// Receives the entries of a listing as they are parsed.
pub trait EntrySink {
    /// The body is read again from its start (a retried attempt): forget what was received.
    fn reset(&mut self);
    /// One more entry, in the order of the body. An error stops the listing.
    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<()>;
}

impl EntrySink for Vec<DirEntry> {
    fn reset(&mut self) {
        self.clear();
    }

    fn entry(&mut self, entry: &EntryRef<'_>) -> Result<()> {
        self.push(entry.to_entry());
        Ok(())
    }
}

/// Where the parser is in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    Start,
    /// After `[`: an object or `]`.
    FirstElement,
    /// After `,` in the array: an object.
    Element,
    /// After an object: `,` or `]`.
    AfterElement,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object: a key.
    Key,
    /// Inside a key's string.
    InKey,
    /// After a key: `:`.
    Colon,
    /// After `:`: the value.
    Value,
    /// Inside a kept string value (name, date).
    InValue,
    /// Inside a number kept as an integer (size, mode).
    Integer,
    /// Inside `null` (a size) or a literal of an unknown field.
    Literal,
    /// Inside an unknown field's value.
    Skip,
    /// After a value: `,` or `}`.
    AfterValue,
    /// After the closing `]`: only white space.
    End,
}

/// Which field the current value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Name,
    Size,
    Mode,
    LastModified,
    Other,
}

/// Escape handling inside a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    /// After `\`.
    Backslash,
    /// Inside `\uXXXX`: digits read so far and their value.
    Unicode(u8, u16),
}

/// The entry being read. Its string buffers are kept from entry to entry (no allocation per
/// entry once they have grown to the longest name and date seen).
#[derive(Default)]
struct Partial {
    name: String,
    has_name: bool,
    size: Option<u64>,
    mode: Option<u64>,
    last_modified: String,
    has_last_modified: bool,
}

impl Partial {
    fn clear(&mut self) {
        self.has_name = false;
        self.size = None;
        self.mode = None;
        self.has_last_modified = false;
    }
}

/// Parses one listing body, fed in chunks; see the module docs.
pub struct ListingParser<'s> {
    subject: String,
    folder: String,
    sink: &'s mut dyn EntrySink,
    budget: Option<u64>,
    count: u64,
    state: State,
    field: Field,
    /// Bytes of the key or kept string being read (UTF-8 once complete).
    text: Vec<u8>,
    /// A key longer than any known one: read on, compared to nothing.
    key_overflow: bool,
    escape: Escape,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    integer: u64,
    /// The rest of the literal being matched (`ull` after `n`).
    literal: &'static [u8],
    /// Inside an unknown value: the open brackets, and whether a string is open.
    stack: Vec<u8>,
    skip_string: bool,
    entry: Partial,
}

impl<'s> ListingParser<'s> {
    /// A parser of the listing of `dir` (as the caller gave it), handing entries to `sink`;
    /// with `budget`, more entries than that fail with `limit_exceeded` as soon as they start.
    pub fn new(dir: &str, budget: Option<u64>, sink: &'s mut dyn EntrySink) -> Self {
        ListingParser {
            subject: super::responses::subject("listDir", Some(dir)),
            folder: paths::clean(dir),
            sink,
            budget,
            count: 0,
            state: State::Start,
            field: Field::Other,
            text: Vec::new(),
            key_overflow: false,
            escape: Escape::None,
            high: None,
            integer: 0,
            literal: b"",
            stack: Vec::new(),
            skip_string: false,
            entry: Partial::default(),
        }
    }

    /// Entries handed to the sink so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Starts again from the beginning of the body (a retried attempt).
    pub fn reset(&mut self) {
        self.sink.reset();
        self.count = 0;
        self.state = State::Start;
        self.text.clear();
        self.stack.clear();
        self.escape = Escape::None;
        self.high = None;
        self.entry.clear();
    }

    #[cold]
    fn invalid(&self, what: &str) -> Error {
        Error::invalid_response(format!(
            "{} failed: the server answered {what}",
            self.subject
        ))
    }

    #[cold]
    fn not_a_listing(&self) -> Error {
        self.invalid("a body that is not a directory listing")
    }

    /// The body ended: an error unless the array was complete.
    pub fn finish(&mut self) -> Result<()> {
        if self.state == State::End {
            return Ok(());
        }
        if self.state == State::Start {
            return Err(self.invalid("an empty body instead of a directory listing"));
        }
        Err(Error::new(
            ErrorCode::Truncated,
            format!(
                "{} failed: the listing ended before it was complete",
                self.subject
            ),
        ))
    }

    /// Parses the next bytes of the body.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.state {
                State::InKey | State::InValue => {
                    // The common case first: a run of plain characters.
                    if self.escape == Escape::None && self.high.is_none() {
                        let run = bytes[i..]
                            .iter()
                            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                            .unwrap_or(bytes.len() - i);
                        if run > 0 {
                            self.push_text(&bytes[i..i + run])?;
                            i += run;
                            continue;
                        }
                    }
                    self.string_byte(b)?;
                }
                State::Skip if self.skip_string => self.skip_string_byte(b)?,
                State::Integer => {
                    // The digits in this chunk at once.
                    let mut n = self.integer;
                    while let Some(&d) = bytes.get(i).filter(|d| d.is_ascii_digit()) {
                        n = match n
                            .checked_mul(10)
                            .and_then(|n| n.checked_add(u64::from(d - b'0')))
                        {
                            Some(n) => n,
                            None => return Err(self.invalid("an entry size or mode out of range")),
                        };
                        i += 1;
                    }
                    self.integer = n;
                    match bytes.get(i) {
                        None => break, // the number goes on in the next chunk
                        Some(b'.' | b'e' | b'E' | b'-' | b'+') => {
                            return Err(self.invalid("an entry size or mode that is not an integer"))
                        }
                        // This byte ends the number: read it again.
                        Some(_) => self.end_integer()?,
                    }
                    continue;
                }
                State::Literal => {
                    let (&want, rest) = self
                        .literal
                        .split_first()
                        .ok_or_else(|| self.not_a_listing())?;
                    if b != want {
                        return Err(self.not_a_listing());
                    }
                    self.literal = rest;
                    if rest.is_empty() {
                        self.end_literal()?;
                    }
                }
                State::Skip => {
                    if self.skip_byte(b)? {
                        continue;
                    }
                }
                _ if matches!(b, b' ' | b'\t' | b'\n' | b'\r') => {}
                State::Start => self.expect(b == b'[', State::FirstElement)?,
                State::FirstElement if b == b']' => self.state = State::End,
                State::FirstElement | State::Element => {
                    if b != b'{' {
                        return Err(self.not_a_listing());
                    }
                    self.start_entry()?;
                }
                State::AfterElement => match b {
                    b',' => self.state = State::Element,
                    b']' => self.state = State::End,
                    _ => return Err(self.not_a_listing()),
                },
                State::FirstKey if b == b'}' => self.end_entry()?,
                State::FirstKey | State::Key => {
                    self.expect(b == b'"', State::InKey)?;
                    // The common case: the whole key in this chunk, without escapes.
                    if let Some(key) = plain_string(&bytes[i + 1..]) {
                        self.field = field_of(key);
                        self.state = State::Colon;
                        i += key.len() + 2;
                        continue;
                    }
                    self.text.clear();
                    self.key_overflow = false;
                }
                State::Value
                    if b == b'"' && matches!(self.field, Field::Name | Field::LastModified) =>
                {
                    // The common case: the whole string in this chunk, without escapes.
                    if let Some(text) = plain_string(&bytes[i + 1..]) {
                        self.plain_value(text)?;
                        i += text.len() + 2;
                        continue;
                    }
                    self.start_value(b)?;
                }
                State::Colon => self.expect(b == b':', State::Value)?,
                State::Value => self.start_value(b)?,
                State::AfterValue => match b {
                    b',' => self.state = State::Key,
                    b'}' => self.end_entry()?,
                    _ => return Err(self.not_a_listing()),
                },
                State::End => return Err(self.not_a_listing()),
            }
            i += 1;
        }
        Ok(())
    }

    fn expect(&mut self, ok: bool, next: State) -> Result<()> {
        if !ok {
            return Err(self.not_a_listing());
        }
        self.state = next;
        Ok(())
    }

    fn start_entry(&mut self) -> Result<()> {
        self.count += 1;
        if let Some(budget) = self.budget {
            if self.count > budget {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!(
                        "walk() stopped: the tree holds more entries than its budget \
                         (maxEntries; {budget} left when this listing started); walk a \
                         smaller folder, set maxDepth, or raise maxEntries"
                    ),
                ));
            }
        }
        self.entry.clear();
        self.state = State::FirstKey;
        Ok(())
    }

    fn end_entry(&mut self) -> Result<()> {
        let p = &self.entry;
        let (true, Some(mode), true) = (p.has_name, p.mode, p.has_last_modified) else {
            return Err(self.not_a_listing());
        };
        let name = p.name.as_str();
        if name.is_empty() || name == "." || name == ".." || name.as_bytes().contains(&b'/') {
            return Err(self.invalid("an entry with an invalid name"));
        }
        let entry = EntryRef {
            folder: &self.folder,
            name,
            size: p.size,
            mode,
            last_modified: &p.last_modified,
            entry_type: EntryType::from_mode(mode),
        };
        self.sink.entry(&entry)?;
        self.state = State::AfterElement;
        Ok(())
    }

    fn start_value(&mut self, b: u8) -> Result<()> {
        match (self.field, b) {
            (Field::Name | Field::LastModified, b'"') => {
                self.text.clear();
                self.state = State::InValue;
            }
            (Field::Size | Field::Mode, b'0'..=b'9') => {
                self.integer = u64::from(b - b'0');
                self.state = State::Integer;
            }
            (Field::Size, b'n') => {
                self.literal = b"ull";
                self.state = State::Literal;
            }
            (Field::Other, b'"' | b'[' | b'{' | b'-' | b'0'..=b'9' | b'a'..=b'z') => {
                self.stack.clear();
                self.skip_string = false;
                self.state = State::Skip;
                // A value's first byte is always consumed by the skipping loop.
                self.skip_byte(b)?;
            }
            _ => return Err(self.not_a_listing()),
        }
        Ok(())
    }

    fn end_integer(&mut self) -> Result<()> {
        match self.field {
            Field::Size => self.entry.size = Some(self.integer),
            Field::Mode => self.entry.mode = Some(self.integer),
            _ => return Err(self.not_a_listing()),
        }
        self.state = State::AfterValue;
        Ok(())
    }

    fn end_literal(&mut self) -> Result<()> {
        // Only a size is read as a literal (`null`).
        self.entry.size = None;
        self.state = State::AfterValue;
        Ok(())
    }

    /// One byte of an unknown value (outside its strings). Returns `true` when the byte was not
    /// consumed: it follows the value and must be read again.
    fn skip_byte(&mut self, b: u8) -> Result<bool> {
        match b {
            b'"' => self.skip_string = true,
            b'[' | b'{' => {
                if self.stack.len() >= MAX_NESTING {
                    return Err(self.invalid("a value nested too deeply"));
                }
                self.stack.push(if b == b'[' { b']' } else { b'}' });
            }
            b']' | b'}' => match self.stack.pop() {
                Some(open) if open == b => {
                    if self.stack.is_empty() {
                        self.state = State::AfterValue;
                    }
                }
                // Closes the entry (or the array) itself: the scalar before it ended.
                None => {
                    self.state = State::AfterValue;
                    return Ok(true);
                }
                Some(_) => return Err(self.not_a_listing()),
            },
            b',' if self.stack.is_empty() => {
                self.state = State::AfterValue;
                return Ok(true);
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                if self.stack.is_empty() {
                    self.state = State::AfterValue;
                }
            }
            b',' | b':' => {}
            b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => {}
            _ => return Err(self.not_a_listing()),
        }
        Ok(false)
    }

    /// One byte inside a string of an unknown value.
    fn skip_string_byte(&mut self, b: u8) -> Result<()> {
        match (self.escape, b) {
            (Escape::Backslash, _) => self.escape = Escape::None,
            (Escape::None, b'\\') => self.escape = Escape::Backslash,
            (Escape::None, b'"') => {
                self.skip_string = false;
                if self.stack.is_empty() {
                    self.state = State::AfterValue;
                }
            }
            (_, c) if c < 0x20 => return Err(self.not_a_listing()),
            _ => {}
        }
        Ok(())
    }

    /// A kept string value read whole from the chunk (no escapes): checked, then copied into
    /// the entry's buffer (the same checks, in the same order, as a string read in pieces).
    fn plain_value(&mut self, text: &[u8]) -> Result<()> {
        if text.len() > MAX_FIELD_BYTES {
            return Err(self.too_long());
        }
        let Ok(text) = std::str::from_utf8(text) else {
            return Err(self.invalid("a string that is not UTF-8"));
        };
        let slot = if self.field == Field::Name {
            self.entry.has_name = true;
            &mut self.entry.name
        } else {
            self.entry.has_last_modified = true;
            &mut self.entry.last_modified
        };
        slot.clear();
        slot.push_str(text);
        self.state = State::AfterValue;
        Ok(())
    }

    #[cold]
    fn too_long(&self) -> Error {
        Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "{} failed: the server answered an entry name or date longer than \
                 {MAX_FIELD_BYTES} bytes",
                self.subject
            ),
        )
    }

    fn push_text(&mut self, bytes: &[u8]) -> Result<()> {
        if self.state == State::InKey {
            // No known key is longer than 13 bytes: longer keys are unknown, never stored.
            if self.key_overflow || self.text.len() + bytes.len() > 16 {
                self.key_overflow = true;
                self.text.clear();
            } else {
                self.text.extend_from_slice(bytes);
            }
            return Ok(());
        }
        if self.text.len() + bytes.len() > MAX_FIELD_BYTES {
            return Err(self.too_long());
        }
        self.text.extend_from_slice(bytes);
        Ok(())
    }

    fn push_char(&mut self, c: char) -> Result<()> {
        let mut buf = [0u8; 4];
        self.push_text(c.encode_utf8(&mut buf).as_bytes())
    }

    /// One byte of a key or kept string that is not a plain character.
    fn string_byte(&mut self, b: u8) -> Result<()> {
        match self.escape {
            Escape::Backslash => {
                let c = match b {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        self.escape = Escape::Unicode(0, 0);
                        return Ok(());
                    }
                    _ => return Err(self.not_a_listing()),
                };
                self.escape = Escape::None;
                if self.high.is_some() {
                    return Err(self.invalid("a string with a lone surrogate"));
                }
                self.push_char(c)
            }
            Escape::Unicode(n, v) => {
                let d = (b as char)
                    .to_digit(16)
                    .ok_or_else(|| self.not_a_listing())?;
                let v = (v << 4) | d as u16;
                if n < 3 {
                    self.escape = Escape::Unicode(n + 1, v);
                    return Ok(());
                }
                self.escape = Escape::None;
                self.unicode_unit(v)
            }
            Escape::None => match b {
                b'\\' => {
                    self.escape = Escape::Backslash;
                    Ok(())
                }
                _ if self.high.is_some() => Err(self.invalid("a string with a lone surrogate")),
                b'"' => self.end_string(),
                _ => Err(self.not_a_listing()), // a control character
            },
        }
    }

    fn unicode_unit(&mut self, v: u16) -> Result<()> {
        let code = match (self.high.take(), v) {
            (None, 0xD800..=0xDBFF) => {
                self.high = Some(v);
                return Ok(());
            }
            (None, 0xDC00..=0xDFFF) | (Some(_), 0..=0xDBFF | 0xE000..) => None,
            (None, _) => Some(u32::from(v)),
            (Some(h), _) => {
                Some(0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(v) - 0xDC00))
            }
        };
        match code.and_then(char::from_u32) {
            Some(c) => self.push_char(c),
            None => Err(self.invalid("a string with a lone surrogate")),
        }
    }

    fn end_string(&mut self) -> Result<()> {
        if self.state == State::InKey {
            self.field = if self.key_overflow {
                Field::Other
            } else {
                field_of(&self.text)
            };
            self.state = State::Colon;
            return Ok(());
        }
        // No copy: the checked bytes become the field, and the field's previous buffer becomes
        // `text` for the next strings.
        let slot = match self.field {
            Field::Name => {
                self.entry.has_name = true;
                &mut self.entry.name
            }
            Field::LastModified => {
                self.entry.has_last_modified = true;
                &mut self.entry.last_modified
            }
            _ => return Err(self.not_a_listing()),
        };
        let bytes = std::mem::take(&mut self.text);
        match String::from_utf8(bytes) {
            Ok(s) => {
                self.text = std::mem::replace(slot, s).into_bytes();
                self.text.clear();
            }
            Err(_) => return Err(self.invalid("a string that is not UTF-8")),
        }
        self.state = State::AfterValue;
        Ok(())
    }
}

/// The field a key names.
fn field_of(key: &[u8]) -> Field {
    match key {
        b"name" => Field::Name,
        b"size" => Field::Size,
        b"mode" => Field::Mode,
        b"last_modified" => Field::LastModified,
        _ => Field::Other,
    }
}

/// The content of a string that starts `bytes` (after its opening quote) when its closing
/// quote is there too and nothing before it needs a closer look (an escape or a control
/// character, which the byte-by-byte path reads or refuses).
fn plain_string(bytes: &[u8]) -> Option<&[u8]> {
    let end = bytes
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    (bytes[end] == b'"').then(|| &bytes[..end])
}

/// Parses a whole listing body into entries (what the streaming parser does, in one go).
pub fn parse_all(dir: &str, body: &[u8], budget: Option<u64>) -> Result<Vec<DirEntry>> {
    let mut out = Vec::new();
    let mut p = ListingParser::new(dir, budget, &mut out);
    p.feed(body)?;
    p.finish()?;
    Ok(out)
}

impl crate::http::engine::Observer for ListingParser<'_> {
    fn reset(&mut self) {
        ListingParser::reset(self);
    }

    fn chunk(&mut self, bytes: &[u8]) -> Result<()> {
        self.feed(bytes)
    }

    fn keeps_body(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `WireDirEntry` as serde's derive read it (the reference).
    #[derive(serde::Deserialize)]
    struct WireDirEntry {
        name: String,
        #[serde(default)]
        size: Option<u64>,
        mode: u64,
        last_modified: String,
    }

    /// What serde_json makes of the same body (the reference), as entries.
    fn reference(dir: &str, body: &[u8]) -> Option<Vec<DirEntry>> {
        let wire: Vec<WireDirEntry> = serde_json::from_slice(body).ok()?;
        let folder = paths::clean(dir);
        Some(
            wire.into_iter()
                .map(|w| DirEntry {
                    path: paths::child(&folder, &w.name),
                    entry_type: EntryType::from_mode(w.mode),
                    name: w.name,
                    size: w.size,
                    mode: w.mode,
                    last_modified: w.last_modified,
                })
                .collect(),
        )
    }

    /// Parses `body` fed in pieces of `step` bytes.
    fn chunked(dir: &str, body: &[u8], step: usize) -> Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        let mut p = ListingParser::new(dir, None, &mut out);
        for piece in body.chunks(step.max(1)) {
            p.feed(piece)?;
        }
        p.finish()?;
        Ok(out)
    }

    const SAMPLE: &str = r#" [ {"name":"a b.csv","size":1234,"mode":420,"last_modified":"2026-07-21T18:26:40Z"},
      {"last_modified":"2026-07-21T18:26:40Z","mode":2147484141,"name":"Relev\u00e9s","size":null},
      {"name":"lien","mode":134218239,"last_modified":"x","extra":{"a":[1,2.5e3,-3,{"b":"]}\"\\"}],"t":true,"n":null},"more":"\ud83d\ude00"},
      {"name":"\ud83d\ude00 \"quoted\" \\ \n","mode":0,"last_modified":"\/","size":18446744073709551615}
    ] "#;

    #[test]
    fn same_entries_as_serde_json_in_every_chunking() {
        let want = reference("/Relevés/", SAMPLE.as_bytes()).expect("the sample is valid JSON");
        assert_eq!(want.len(), 4);
        for step in [1, 2, 3, 7, 64, SAMPLE.len()] {
            assert_eq!(
                chunked("/Relevés/", SAMPLE.as_bytes(), step).unwrap(),
                want,
                "{step}"
            );
        }
        let got = chunked("/", SAMPLE.as_bytes(), 5).unwrap();
        assert_eq!(got[1].path, "/Relevés");
        assert_eq!(got[1].entry_type, EntryType::Dir);
        assert_eq!(got[1].size, None);
        assert_eq!(got[3].name, "😀 \"quoted\" \\ \n");
        assert_eq!(got[3].last_modified, "/");
        assert_eq!(chunked("/", b"[]", 1).unwrap(), vec![]);
        assert_eq!(chunked("/", b"\n[\n]\n", 1).unwrap(), vec![]);
    }

    #[test]
    fn malformed_bodies_are_invalid_and_short_ones_truncated() {
        let code = |body: &str| chunked("/", body.as_bytes(), 3).unwrap_err().code();
        for bad in [
            "<html>",
            "null",
            "{}",
            "[1]",
            "[{}]",
            r#"[{"name":"a","mode":1}]"#,
            r#"[{"name":"a","mode":"1","last_modified":"x"}]"#,
            r#"[{"name":"a","mode":1.5,"last_modified":"x"}]"#,
            r#"[{"name":"a","mode":-1,"last_modified":"x"}]"#,
            r#"[{"name":"a","mode":99999999999999999999,"last_modified":"x"}]"#,
            r#"[{"name":"a","mode":1,"last_modified":"x","z":}]"#,
            r#"[{"name":"a","mode":1,"last_modified":"x","z":[1}]}]"#,
            r#"[{"name":"a","mode":1,"last_modified":"x"}] x"#,
            r#"[{"name":"a","mode":1,"last_modified":"x"},]"#,
            "[{\"name\":\"a\tb\",\"mode\":1,\"last_modified\":\"x\"}]",
            r#"[{"name":"\ud800","mode":1,"last_modified":"x"}]"#,
            r#"[{"name":"\udc00x","mode":1,"last_modified":"x"}]"#,
            r#"[{"name":"\q","mode":1,"last_modified":"x"}]"#,
            r#"[{"name":"..","mode":1,"last_modified":"x"}]"#,
            r#"[{"name":"a/b","mode":1,"last_modified":"x"}]"#,
            r#"[{"name":"","mode":1,"last_modified":"x"}]"#,
            "",
        ] {
            assert_eq!(code(bad), ErrorCode::InvalidResponse, "{bad}");
        }
        for short in [
            "[",
            r#"[{"name":"a"#,
            r#"[{"name":"a","mode":12"#,
            r#"[{"x":[["#,
        ] {
            let c = code(short);
            assert_eq!(c, ErrorCode::Truncated, "{short}");
        }
        let bad_utf8 = b"[{\"name\":\"\xff\",\"mode\":1,\"last_modified\":\"x\"}]";
        for step in [2, bad_utf8.len()] {
            assert_eq!(
                chunked("/", bad_utf8, step).unwrap_err().code(),
                ErrorCode::InvalidResponse
            );
        }
    }

    #[test]
    fn bounded_fields_nesting_and_budget() {
        let long = format!(
            r#"[{{"name":"{}","mode":1,"last_modified":"x"}}]"#,
            "n".repeat(MAX_FIELD_BYTES + 1)
        );
        // Read in pieces, and whole from one chunk: the same error.
        for step in [100, long.len()] {
            let e = chunked("/", long.as_bytes(), step).unwrap_err();
            assert_eq!(e.code(), ErrorCode::LimitExceeded);
            assert!(e.message().contains("4096"), "{}", e.message());
        }
        let longest = format!(
            r#"[{{"name":"{}","mode":1,"last_modified":"x"}}]"#,
            "n".repeat(MAX_FIELD_BYTES)
        );
        let got = chunked("/", longest.as_bytes(), longest.len()).unwrap();
        assert_eq!(got[0].name.len(), MAX_FIELD_BYTES);
        // A long unknown key, and a long unknown string, cost nothing and are fine.
        let skipped = format!(
            r#"[{{"{}":"{}","name":"a","mode":1,"last_modified":"x"}}]"#,
            "k".repeat(100_000),
            "v".repeat(100_000)
        );
        assert_eq!(chunked("/", skipped.as_bytes(), 4096).unwrap().len(), 1);
        let deep = format!(
            r#"[{{"z":{}{},"name":"a","mode":1,"last_modified":"x"}}]"#,
            "[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        assert_eq!(
            chunked("/", deep.as_bytes(), 10).unwrap_err().code(),
            ErrorCode::InvalidResponse
        );
        let ok_deep = format!(
            r#"[{{"z":{}{},"name":"a","mode":1,"last_modified":"x"}}]"#,
            "[".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        assert_eq!(chunked("/", ok_deep.as_bytes(), 10).unwrap().len(), 1);

        let three = r#"[{"name":"a","mode":1,"last_modified":"x"},{"name":"b","mode":1,"last_modified":"x"},{"name":"c","mode":1,"last_modified":"x"}]"#;
        let mut out = Vec::new();
        let mut p = ListingParser::new("/", Some(2), &mut out);
        let e = p.feed(three.as_bytes()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::LimitExceeded);
        assert!(e.message().contains("maxEntries"));
        assert_eq!(out.len(), 2, "the third entry is refused as it starts");
        let mut out = Vec::new();
        let mut p = ListingParser::new("/", Some(3), &mut out);
        p.feed(three.as_bytes()).unwrap();
        p.finish().unwrap();
        assert_eq!(p.count(), 3);
    }

    #[test]
    fn reset_starts_over() {
        let body = br#"[{"name":"a","mode":1,"last_modified":"x"},{"name":"b","mode":1,"last_modified":"x"}]"#;
        let mut out = Vec::new();
        let mut p = ListingParser::new("/d", None, &mut out);
        p.feed(&body[..50]).unwrap();
        p.reset();
        p.feed(body).unwrap();
        p.finish().unwrap();
        assert_eq!(
            out.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["/d/a", "/d/b"]
        );
    }

    #[test]
    fn generated_listings_match_serde_json() {
        // A small deterministic generator: names with escapes and non-ASCII, optional sizes,
        // unknown fields of every kind, random white space; fed in varying chunk sizes.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pieces = [
            "é",
            "\\u00e9",
            "\\n",
            "\\\"",
            "x",
            "\\ud83d\\ude00",
            " ",
            "\\\\",
        ];
        let extras = [
            r#""uid":1000"#,
            r#""o":{"a":[true,false,null,"}"]}"#,
            r#""f":-1.25e-3"#,
        ];
        for round in 0..200 {
            let mut body = String::from("[");
            for i in 0..next(20) {
                if i > 0 {
                    body.push(',');
                }
                let ws = if next(2) == 0 { " \n" } else { "" };
                let mut name = format!("f{i}");
                for _ in 0..next(6) {
                    name.push_str(pieces[next(pieces.len() as u64) as usize]);
                }
                let mut fields = vec![
                    format!(r#""name":{ws}"{name}""#),
                    format!(r#""mode":{}"#, next(1 << 32)),
                    format!(r#""last_modified":"2026-0{}-01T00:00:00Z""#, 1 + next(9)),
                ];
                match next(3) {
                    0 => fields.push(format!(r#""size":{}"#, next(u64::MAX))),
                    1 => fields.push(r#""size":null"#.to_string()),
                    _ => {}
                }
                if next(2) == 0 {
                    fields.push(extras[next(extras.len() as u64) as usize].to_string());
                }
                let k = fields.len() as u64;
                fields.swap(0, next(k) as usize);
                body.push_str(&format!("{ws}{{{}}}{ws}", fields.join(&format!(",{ws}"))));
            }
            body.push(']');
            let want = reference("/r", body.as_bytes()).unwrap_or_else(|| panic!("{body}"));
            let step = 1 + next(40) as usize;
            assert_eq!(
                chunked("/r", body.as_bytes(), step).unwrap(),
                want,
                "round {round}"
            );
        }
    }
}
