//! `unzip(stream, opts)` for JavaScript: an async iterable of `ZipEntry`, read forward-only from
//! a `ReadableStream<Uint8Array>` through the pure [`crate::unzip::ZipStreamReader`].
//!
//! The JavaScript side (`unzipIterable` and the `ZipEntry` class in `support_echange.js`) holds the
//! entries and reads the source stream; this side holds one session per `unzip()` run and
//! answers four synchronous calls: the next entries, the next data block of the current entry, a
//! source chunk (or its end) to feed, and release. The first two answer `null` when the reader
//! needs the next source chunk: JavaScript then reads it, feeds it and asks again, so a call that
//! needs no input (most of them) costs no promise.
//!
//! Entries come in batches, so that an archive of many small files costs a few calls per source
//! chunk rather than several per entry: one call reads on through the input already fed and
//! hands out every entry it completes — names joined in one string, times and sizes in one
//! `Float64Array`, the contents of small entries in one `Uint8Array` — and stops at the first
//! entry whose data is large or not all fed yet (that one stays open: its further blocks come
//! one call each), or after [`BATCH_ENTRIES`] entries or [`BATCH_BYTES`] bytes of names or data.
//! An error met after the first entry of a batch is left for the next call (the reader's errors
//! are sticky), so the entries before it are still handed out, in order.
//!
//! An entry is only a handle on its session, so keeping entries keeps no WebAssembly memory.
//! The session's reader state (input buffer, inflater, output block, batch buffers) is dropped
//! as soon as the run ends — archive complete, error, or the loop broken out of — without
//! waiting for a garbage collection.
//!
//! Entries are forward-only: moving the iterator on skips whatever the caller did not read of
//! the current entry, and the previous entry's reads then reject.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Float64Array, Uint8Array};
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

/// Most entries handed out by one call.
const BATCH_ENTRIES: usize = 1024;
/// A batch stops taking entries once its names, or its gathered data, reach this many bytes.
const BATCH_BYTES: usize = 16 * 1024;
/// Entries whose data is larger end the batch; their data then comes block by block.
const SMALL_ENTRY: usize = 4 * 1024;

#[wasm_bindgen(module = "/src/js/support_echange.js")]
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

/// The reader and its input.
struct Reader {
    zip: ZipStreamReader,
    input_done: bool,
    /// The part of the last source chunk not fed yet (fed in blocks of at most 64 KiB, so a huge
    /// chunk from the source never sits in WebAssembly memory whole).
    pending: Option<(Uint8Array, u32)>,
}

/// What one call hands out besides an open entry's first block; reused from call to call.
#[derive(Default)]
struct Batch {
    /// The entries' names, joined by NUL (a name never holds one).
    names: String,
    /// Per entry: modification time (seconds since the epoch), bytes of its data in `data`,
    /// and 1 when that is all of it (else 0: the entry is open, and the batch's last).
    nums: Vec<f64>,
    /// The data of the entries, one after the other.
    data: Vec<u8>,
}

/// The state of a run; dropped when the run ends.
struct Live {
    reader: Reader,
    batch: Batch,
}

/// An event of the reader, its data block (when there is one) passed through a function.
enum Ev<T> {
    Entry(EntryMeta),
    Data(T),
    EntryEnd,
    End,
}

impl Reader {
    /// The next event, fed from the pending chunk as needed; `None` when the next source chunk
    /// is needed. A data block is handed to `take`, which makes what the event carries.
    fn pull<T>(&mut self, take: impl FnOnce(&[u8]) -> T) -> Result<Option<Ev<T>>, JsValue> {
        loop {
            let ev = match self.zip.next_ref() {
                Ok(Some(EventRef::Data(block))) => Ev::Data(take(block)),
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

/// What [`Session::next_batch`] found.
enum Found {
    /// A source chunk is needed before any entry.
    NeedInput,
    /// The archive is complete and read, with no entry left.
    End,
    /// Entries in the batch (`spill`: the open last entry's first block, or `undefined`), and
    /// whether the archive is complete after them.
    Entries { spill: JsValue, end: bool },
}

impl Session {
    /// Drops the reader state.
    fn release(&self) {
        self.live.borrow_mut().take();
    }

    /// Runs `f` on the run's state; a failure ends the run (JavaScript then cancels the
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

    /// Moves on past the current entry (skipping its unread data) and reads the next entries:
    /// `[names, nums, data, spill]` (see [`Batch`]; `data` is `undefined` when empty, `spill`
    /// the open last entry's block that did not fit in `data`, or `undefined`), `undefined` at
    /// the end, `null` when a source chunk is needed.
    fn next_batch(&self) -> Result<JsValue, JsValue> {
        if self.live.borrow().is_none() {
            return Ok(JsValue::UNDEFINED);
        }
        let found = self.with(|live, s| {
            let Live { reader, batch } = live;
            while s.in_entry.get() {
                match reader.pull(|_| ())? {
                    None => return Ok(Found::NeedInput),
                    Some(Ev::Data(())) => {}
                    Some(Ev::EntryEnd) => s.in_entry.set(false),
                    Some(_) => return Err(unexpected("inside an entry")),
                }
            }
            batch.names.clear();
            batch.nums.clear();
            batch.data.clear();
            let mut spill = JsValue::UNDEFINED;
            let mut end = false;
            while batch.nums.len() < 3 * BATCH_ENTRIES
                && batch.names.len() < BATCH_BYTES
                && batch.data.len() < BATCH_BYTES
            {
                let first = batch.nums.is_empty();
                let meta = match reader.pull(|_| ()) {
                    Ok(None) if first => return Ok(Found::NeedInput),
                    Ok(None) => break,
                    Ok(Some(Ev::Entry(meta))) => meta,
                    Ok(Some(Ev::End)) if first => return Ok(Found::End),
                    Ok(Some(Ev::End)) => {
                        end = true;
                        break;
                    }
                    Ok(Some(_)) => return Err(unexpected("between entries")),
                    Err(e) if first => return Err(e),
                    // Left for the next call: the entries before it are handed out first.
                    Err(_) => break,
                };
                if !first {
                    batch.names.push('\0');
                }
                batch.names.push_str(&meta.name);
                s.in_entry.set(true);
                if batch.data.capacity() == 0 {
                    batch.data.reserve_exact(BATCH_BYTES + SMALL_ENTRY);
                }
                let start = batch.data.len();
                let data = &mut batch.data;
                // The entry's data while it is small; a larger block goes out on its own and
                // leaves the entry open (unless that block was the end of it).
                loop {
                    let ev = reader.pull(|block| {
                        if data.len() - start + block.len() <= SMALL_ENTRY {
                            data.extend_from_slice(block);
                            None
                        } else {
                            Some(Uint8Array::from(block))
                        }
                    });
                    match ev {
                        Ok(Some(Ev::Data(None))) => {}
                        Ok(Some(Ev::Data(Some(block)))) => {
                            spill = block.into();
                            if reader.zip.entry_data_complete() {
                                match reader.pull(|_| ()) {
                                    Ok(Some(Ev::EntryEnd)) => s.in_entry.set(false),
                                    Ok(Some(_)) => return Err(unexpected("inside an entry")),
                                    Ok(None) | Err(_) => {}
                                }
                            }
                            break;
                        }
                        Ok(Some(Ev::EntryEnd)) => {
                            s.in_entry.set(false);
                            break;
                        }
                        Ok(Some(_)) => return Err(unexpected("inside an entry")),
                        // The entry stays open; an error is reported by the next call.
                        Ok(None) | Err(_) => break,
                    }
                }
                let open = s.in_entry.get();
                batch.nums.extend([
                    meta.modified as f64,
                    (batch.data.len() - start) as f64,
                    if open { 0.0 } else { 1.0 },
                ]);
                if open || !spill.is_undefined() {
                    break;
                }
            }
            Ok(Found::Entries { spill, end })
        })?;
        let (spill, end) = match found {
            Found::NeedInput => return Ok(JsValue::NULL),
            Found::End => {
                self.release();
                return Ok(JsValue::UNDEFINED);
            }
            Found::Entries { spill, end } => (spill, end),
        };
        let out = match self.live.borrow().as_ref() {
            Some(Live { batch, .. }) => Array::of4(
                &JsValue::from_str(&batch.names),
                &Float64Array::from(batch.nums.as_slice()),
                &if batch.data.is_empty() {
                    JsValue::UNDEFINED
                } else {
                    Uint8Array::from(batch.data.as_slice()).into()
                },
                &spill,
            ),
            None => return Err(ended_error()),
        };
        if end {
            // Complete: nothing more to read, so the memory goes now.
            self.release();
        }
        Ok(out.into())
    }

    /// The next data block of the current entry: a `Uint8Array`, `undefined` at its end, `null`
    /// when a source chunk is needed.
    fn entry_data(&self) -> Result<JsValue, JsValue> {
        if !self.in_entry.get() {
            return Ok(JsValue::UNDEFINED);
        }
        self.with(
            |live, s| match live.reader.pull(|b: &[u8]| Uint8Array::from(b))? {
                None => Ok(JsValue::NULL),
                Some(Ev::Data(block)) => Ok(block.into()),
                Some(Ev::EntryEnd) => {
                    s.in_entry.set(false);
                    Ok(JsValue::UNDEFINED)
                }
                Some(_) => Err(unexpected("inside an entry")),
            },
        )
    }

    /// Feeds the next source chunk (`undefined`: the source ended). Only called after an answer
    /// of `null`, so the previous chunk was fed whole.
    fn feed(&self, chunk: JsValue) -> Result<(), JsValue> {
        self.with(|live, _| {
            let r = &mut live.reader;
            if chunk.is_undefined() {
                r.zip.end_of_input();
                r.input_done = true;
            } else {
                r.pending = Some((chunk.unchecked_into(), 0));
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
            reader: Reader {
                zip: ZipStreamReader::new(limits),
                input_done: false,
                pending: None,
            },
            batch: Batch::default(),
        })),
        in_entry: Cell::new(false),
    });
    let s = session.clone();
    let next = Closure::<dyn FnMut() -> Result<JsValue, JsValue>>::new(move || s.next_batch())
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
