//! `unzip(stream, opts)` for JavaScript: an async iterable of `ZipEntry`, read forward-only from
//! a `ReadableStream<Uint8Array>` through the pure [`crate::unzip::ZipStreamReader`].
//!
//! The JavaScript side (`unzipIterable` and the `ZipEntry` class in `support.js`) holds the
//! entries and reads the source stream; this side holds one session per `unzip()` run and
//! answers four synchronous calls: the next entry, the next data block of the current entry, a
//! source chunk (or its end) to feed, and release. The first two answer `null` when the reader
//! needs the next source chunk: JavaScript then reads it, feeds it and asks again, so a call that
//! needs no input (most of them) costs no promise. An entry is only a handle on its session, so
//! keeping entries keeps no WebAssembly memory. The session's reader state (input buffer,
//! inflater, output block) is dropped as soon as the run ends — archive complete, error, or the
//! loop broken out of — without waiting for a garbage collection.
//!
//! Entries are forward-only: moving the iterator on skips whatever the caller did not read of
//! the current entry, and the previous entry's reads then reject.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use super::error::to_js;
use super::options;
use crate::error::{Error, ErrorCode};
use crate::unzip::{EntryMeta, EventRef, Limits, ZipStreamReader, MAX_DATA_BLOCK};

const WHAT: &str = "unzip()";

/// Default bound for `bytes()`/`text()` when `maxEntryBytes` is not set: larger entries must be
/// read with `stream()`. The bytes gather in JavaScript memory, block by block, and the bound is
/// checked before each block is added.
const DEFAULT_COLLECT_CAP: f64 = (256u64 << 20) as f64;

#[wasm_bindgen(module = "/src/js/support.js")]
extern "C" {
    /// A JavaScript stream's reader, or `undefined` when `stream` is not a `ReadableStream`.
    #[wasm_bindgen(js_name = streamReader, catch)]
    fn stream_reader(stream: &JsValue) -> Result<JsValue, JsValue>;
    /// The async iterable of `ZipEntry` over the session calls; it reads `reader` and honours
    /// `signal` (`undefined` when none).
    #[wasm_bindgen(js_name = unzipIterable)]
    fn unzip_iterable(
        reader: &JsValue,
        signal: &JsValue,
        next: &JsValue,
        read: &JsValue,
        feed: &JsValue,
        release: &JsValue,
        collect_cap: f64,
    ) -> JsValue;
}

/// The reader state of a run; dropped when the run ends.
struct Live {
    zip: ZipStreamReader,
    input_done: bool,
    /// The part of the last source chunk not fed yet (fed in blocks of at most 64 KiB, so a huge
    /// chunk from the source never sits in WebAssembly memory whole).
    pending: Option<(Uint8Array, u32)>,
}

/// An event of the reader, its data block (when wanted) copied out to JavaScript.
enum Ev {
    Entry(EntryMeta),
    Data(Option<Uint8Array>),
    EntryEnd,
    End,
}

impl Live {
    /// The next event, fed from the pending chunk as needed; `None` when the next source chunk
    /// is needed. A data block is copied into a new `Uint8Array` only when `want_data`.
    fn pull(&mut self, want_data: bool) -> Result<Option<Ev>, JsValue> {
        loop {
            let ev = match self.zip.next_ref() {
                Ok(Some(EventRef::Data(block))) => {
                    Ev::Data(want_data.then(|| Uint8Array::from(block)))
                }
                Ok(Some(EventRef::Entry(meta))) => Ev::Entry(meta),
                Ok(Some(EventRef::EntryEnd)) => Ev::EntryEnd,
                Ok(Some(EventRef::End)) => Ev::End,
                Ok(None) if self.input_done => {
                    return Err(unzip_error(
                        ErrorCode::Truncated,
                        "the archive ended before its end record",
                    ))
                }
                Ok(None) => {
                    let Some((chunk, at)) = self.pending.take() else {
                        return Ok(None);
                    };
                    let len = chunk.length();
                    let end = len.min(at.saturating_add(MAX_DATA_BLOCK as u32));
                    self.zip.feed(&chunk.subarray(at, end).to_vec());
                    if end < len {
                        self.pending = Some((chunk, end));
                    }
                    continue;
                }
                Err(e) => return Err(to_js(&e)),
            };
            return Ok(Some(ev));
        }
    }
}

struct Session {
    /// `None` once the run ended (finished, failed or cancelled).
    live: RefCell<Option<Live>>,
    /// Whether the iterator is on an entry whose data has not been read to its end.
    in_entry: Cell<bool>,
}

fn unzip_error(code: ErrorCode, message: &str) -> JsValue {
    to_js(&Error::new(code, format!("unzip: {message}")))
}

fn unexpected(place: &str) -> JsValue {
    unzip_error(
        ErrorCode::InvalidResponse,
        &format!("unexpected record {place}"),
    )
}

fn ended_error() -> JsValue {
    to_js(&Error::invalid_input(
        "unzip(): this archive's reading is over (finished, failed or cancelled)",
    ))
}

impl Session {
    /// Drops the reader state.
    fn release(&self) {
        self.live.borrow_mut().take();
    }

    /// Runs `f` on the reader state; a failure ends the run (JavaScript then cancels the
    /// source).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Live, &Session) -> Result<T, JsValue>,
    ) -> Result<T, JsValue> {
        let r = match self.live.borrow_mut().as_mut() {
            Some(live) => f(live, self),
            None => Err(ended_error()),
        };
        if r.is_err() {
            self.release();
        }
        r
    }

    /// Moves to the next entry, skipping unread data of the current one: `[name, lastModified,
    /// firstBlock, complete]` (the first data block and whether the data ended, as far as the
    /// input already fed allows), `undefined` at the end, `null` when a source chunk is needed.
    fn next_entry(&self) -> Result<JsValue, JsValue> {
        if self.live.borrow().is_none() {
            return Ok(JsValue::UNDEFINED);
        }
        let r = self.with(|live, s| {
            while s.in_entry.get() {
                match live.pull(false)? {
                    None => return Ok(JsValue::NULL),
                    Some(Ev::Data(_)) => {}
                    Some(Ev::EntryEnd) => s.in_entry.set(false),
                    Some(_) => return Err(unexpected("inside an entry")),
                }
            }
            let meta = match live.pull(false)? {
                None => return Ok(JsValue::NULL),
                Some(Ev::Entry(meta)) => meta,
                Some(Ev::End) => return Ok(JsValue::UNDEFINED),
                Some(_) => return Err(unexpected("between entries")),
            };
            s.in_entry.set(true);
            // What the input already holds of the entry: its first block, and its end when that
            // block is all. A failure here is left for the next call (the reader's errors are
            // sticky), so the entry itself is still reported.
            let mut first = JsValue::UNDEFINED;
            match live.pull(true) {
                Ok(Some(Ev::Data(block))) => {
                    first = block.map_or(JsValue::UNDEFINED, JsValue::from);
                    if live.zip.entry_data_complete() {
                        match live.pull(false) {
                            Ok(Some(Ev::EntryEnd)) => s.in_entry.set(false),
                            Ok(Some(_)) => return Err(unexpected("inside an entry")),
                            Ok(None) | Err(_) => {}
                        }
                    }
                }
                Ok(Some(Ev::EntryEnd)) => s.in_entry.set(false),
                Ok(Some(_)) => return Err(unexpected("inside an entry")),
                Ok(None) | Err(_) => {}
            }
            Ok(Array::of4(
                &JsValue::from_str(&meta.name),
                &JsValue::from_str(&meta.last_modified),
                &first,
                &JsValue::from_bool(!s.in_entry.get()),
            )
            .into())
        });
        if let Ok(v) = &r {
            if v.is_undefined() {
                self.release();
            }
        }
        r
    }

    /// The next data block of the current entry: a `Uint8Array`, `undefined` at its end, `null`
    /// when a source chunk is needed.
    fn entry_data(&self) -> Result<JsValue, JsValue> {
        if !self.in_entry.get() {
            return Ok(JsValue::UNDEFINED);
        }
        self.with(|live, s| match live.pull(true)? {
            None => Ok(JsValue::NULL),
            Some(Ev::Data(block)) => Ok(block.map_or(JsValue::UNDEFINED, JsValue::from)),
            Some(Ev::EntryEnd) => {
                s.in_entry.set(false);
                Ok(JsValue::UNDEFINED)
            }
            Some(_) => Err(unexpected("inside an entry")),
        })
    }

    /// Feeds the next source chunk (`undefined`: the source ended). Only called after an answer
    /// of `null`, so the previous chunk was fed whole.
    fn feed(&self, chunk: JsValue) -> Result<(), JsValue> {
        self.with(|live, _| {
            if chunk.is_undefined() {
                live.zip.end_of_input();
                live.input_done = true;
            } else {
                live.pending = Some((chunk.unchecked_into(), 0));
            }
            Ok(())
        })
    }
}

/// `unzip(stream, { maxEntryBytes?, maxTotalBytes?, maxNameBytes?, maxExtraBytes?,
/// maxCommentBytes?, maxEntries?, signal? })` → `AsyncIterable<ZipEntry>`.
#[wasm_bindgen(js_name = unzip)]
pub fn unzip(stream: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    let header = |key: &str, default: u16| -> Result<u16, JsValue> {
        Ok(options::uint(&options, WHAT, key, 65_535.0)?.map_or(default, |n| n as u16))
    };
    let defaults = Limits::default();
    let limits = Limits {
        max_entry_bytes: options::uint(&options, WHAT, "maxEntryBytes", MAX_SAFE)?
            .map(|n| n as u64),
        max_total_bytes: options::uint(&options, WHAT, "maxTotalBytes", MAX_SAFE)?
            .map(|n| n as u64),
        max_name_bytes: header("maxNameBytes", defaults.max_name_bytes)?,
        max_extra_bytes: header("maxExtraBytes", defaults.max_extra_bytes)?,
        max_comment_bytes: header("maxCommentBytes", defaults.max_comment_bytes)?,
        max_entries: options::uint(&options, WHAT, "maxEntries", MAX_SAFE)?.map(|n| n as u64),
    };
    let signal = options::signal(&options, WHAT)?;
    let reader = stream_reader(&stream)
        .map_err(|_| Error::invalid_input("unzip(): the stream is locked or unreadable"))?;
    if reader.is_undefined() {
        return Err(Error::invalid_input("unzip(): pass a ReadableStream<Uint8Array>").into());
    }
    let session = Rc::new(Session {
        live: RefCell::new(Some(Live {
            zip: ZipStreamReader::new(limits),
            input_done: false,
            pending: None,
        })),
        in_entry: Cell::new(false),
    });
    let s = session.clone();
    let next = Closure::<dyn FnMut() -> Result<JsValue, JsValue>>::new(move || s.next_entry())
        .into_js_value();
    let s = session.clone();
    let read = Closure::<dyn FnMut() -> Result<JsValue, JsValue>>::new(move || s.entry_data())
        .into_js_value();
    let s = session.clone();
    let feed =
        Closure::<dyn FnMut(JsValue) -> Result<(), JsValue>>::new(move |chunk| s.feed(chunk))
            .into_js_value();
    let release = Closure::<dyn FnMut()>::new(move || session.release()).into_js_value();
    let cap = limits
        .max_entry_bytes
        .map_or(DEFAULT_COLLECT_CAP, |n| n as f64);
    let signal: JsValue = signal.map_or(JsValue::UNDEFINED, JsValue::from);
    Ok(unzip_iterable(
        &reader, &signal, &next, &read, &feed, &release, cap,
    ))
}
