//! `unzip(stream, opts)` for JavaScript: an async iterable of `ZipEntry`, read forward-only from
//! a `ReadableStream<Uint8Array>` through the pure [`crate::unzip::ZipStreamReader`].
//!
//! The JavaScript side (`unzipIterable` and the `ZipEntry` class in `support.js`) holds the
//! entries; this side holds one session per `unzip()` run and answers three calls: the next
//! entry, the next data block of an entry, and cancel. An entry is only a handle (an index) on
//! its session, so keeping entries keeps no WebAssembly memory. The session's reader state (input
//! buffer, inflater, output block) is dropped as soon as the run ends — archive complete, error,
//! or the loop broken out of — without waiting for a garbage collection.
//!
//! Entries are forward-only: moving the iterator on skips whatever the caller did not read of
//! the current entry, and the previous entry's reads then reject.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::error::{is_passerelle_error, to_js};
use super::options;
use crate::error::{Error, ErrorCode};
use crate::unzip::{Event, Limits, ZipStreamReader, MAX_DATA_BLOCK};

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
    /// Resolves to the next `Uint8Array` chunk, or `undefined` at the end of the stream.
    #[wasm_bindgen(js_name = readStreamChunk)]
    fn read_stream_chunk(reader: &JsValue) -> Promise;
    /// Cancels a reader; a rejection of `cancel()` is swallowed.
    #[wasm_bindgen(js_name = cancelReader)]
    fn cancel_reader(reader: &JsValue);
    /// The async iterable of `ZipEntry` over the three session calls.
    #[wasm_bindgen(js_name = unzipIterable)]
    fn unzip_iterable(
        next: &JsValue,
        read: &JsValue,
        cancel: &JsValue,
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

struct Session {
    /// `None` once the run ended (finished, failed or cancelled).
    live: RefCell<Option<Live>>,
    reader: RefCell<Option<JsValue>>,
    signal: Option<AbortSignal>,
    /// Index of the entry the iterator is on (0 = none yet).
    current: Cell<u64>,
    /// Whether the current entry's data has been read to its end.
    current_done: Cell<bool>,
    busy: Cell<bool>,
}

fn unzip_error(code: ErrorCode, message: &str) -> JsValue {
    to_js(&Error::new(code, format!("unzip: {message}")))
}

/// What pulling the reader state produced.
enum Pull {
    Event(Event),
    Failed(JsValue),
    NeedChunk,
}

impl Session {
    /// Ends the run: drops the reader state and cancels the source (when it is not over).
    fn release(&self, cancel_source: bool) {
        self.live.borrow_mut().take();
        if let Some(reader) = self.reader.borrow_mut().take() {
            if cancel_source {
                cancel_reader(&reader);
            }
        }
    }

    fn ended_error() -> JsValue {
        to_js(&Error::invalid_input(
            "unzip(): this archive's reading is over (finished, failed or cancelled)",
        ))
    }

    /// Reads the next chunk from the source stream; `None` at its end.
    async fn read_chunk(&self) -> Result<Option<Uint8Array>, JsValue> {
        if crate::http::fetch::is_aborted(self.signal.as_ref()) {
            return Err(unzip_error(ErrorCode::Aborted, "aborted"));
        }
        let Some(reader) = self.reader.borrow().clone() else {
            return Err(Self::ended_error());
        };
        let value = JsFuture::from(read_stream_chunk(&reader))
            .await
            .map_err(|cause| {
                if is_passerelle_error(&cause) {
                    cause
                } else {
                    unzip_error(
                        ErrorCode::Truncated,
                        "the source stream failed before the archive was complete",
                    )
                }
            })?;
        if value.is_undefined() {
            return Ok(None);
        }
        Ok(Some(value.unchecked_into()))
    }

    /// One step of the reader state: an event, a failure, or a need for the next source chunk.
    fn pull(&self) -> Pull {
        let mut live = self.live.borrow_mut();
        let Some(live) = live.as_mut() else {
            return Pull::Failed(Self::ended_error());
        };
        loop {
            match live.zip.next_event() {
                Ok(Some(ev)) => return Pull::Event(ev),
                Ok(None) if live.input_done => {
                    return Pull::Failed(unzip_error(
                        ErrorCode::Truncated,
                        "the archive ended before its end record",
                    ))
                }
                Ok(None) => {}
                Err(e) => return Pull::Failed(to_js(&e)),
            }
            // Feed the next block of the pending chunk, if any.
            let Some((chunk, at)) = live.pending.take() else {
                return Pull::NeedChunk;
            };
            let len = chunk.length();
            let end = len.min(at.saturating_add(MAX_DATA_BLOCK as u32));
            live.zip.feed(&chunk.subarray(at, end).to_vec());
            if end < len {
                live.pending = Some((chunk, end));
            }
        }
    }

    /// The next event, feeding the reader from the source as needed. Any failure ends the run.
    async fn event(&self) -> Result<Event, JsValue> {
        loop {
            match self.pull() {
                Pull::Event(ev) => {
                    if ev == Event::End {
                        self.release(false);
                    }
                    return Ok(ev);
                }
                Pull::Failed(e) => {
                    self.release(true);
                    return Err(e);
                }
                Pull::NeedChunk => {}
            }
            let chunk = match self.read_chunk().await {
                Ok(c) => c,
                Err(e) => {
                    self.release(true);
                    return Err(e);
                }
            };
            let mut live = self.live.borrow_mut();
            let Some(live) = live.as_mut() else {
                return Err(Self::ended_error());
            };
            match chunk {
                Some(c) => live.pending = Some((c, 0)),
                None => {
                    live.zip.end_of_input();
                    live.input_done = true;
                }
            }
        }
    }

    /// Marks the session busy (one read at a time).
    fn enter(&self) -> Result<(), JsValue> {
        if self.busy.replace(true) {
            return Err(to_js(&Error::invalid_input(
                "unzip(): wait for the previous read to finish before starting another",
            )));
        }
        Ok(())
    }

    /// Moves to the next entry, skipping unread data of the current one: `[index, name, isDir,
    /// lastModified]`, or `undefined` at the end.
    async fn next_entry(&self) -> Result<JsValue, JsValue> {
        if self.live.borrow().is_none() {
            return Ok(JsValue::UNDEFINED);
        }
        while self.current.get() > 0 && !self.current_done.get() {
            match self.event().await? {
                Event::Data(_) => {}
                Event::EntryEnd => self.current_done.set(true),
                _ => return Err(self.unexpected("inside an entry")),
            }
        }
        match self.event().await? {
            Event::Entry(meta) => {
                let index = self.current.get() + 1;
                self.current.set(index);
                self.current_done.set(false);
                Ok(Array::of4(
                    &JsValue::from_f64(index as f64),
                    &JsValue::from_str(&meta.name),
                    &JsValue::from_bool(meta.is_dir),
                    &JsValue::from_str(&meta.last_modified),
                )
                .into())
            }
            Event::End => Ok(JsValue::UNDEFINED),
            _ => Err(self.unexpected("between entries")),
        }
    }

    fn unexpected(&self, place: &str) -> JsValue {
        self.release(true);
        unzip_error(
            ErrorCode::InvalidResponse,
            &format!("unexpected record {place}"),
        )
    }

    /// The next data block of entry `index`; `undefined` at its end.
    async fn entry_data(&self, index: u64) -> Result<JsValue, JsValue> {
        if self.current.get() != index {
            return Err(to_js(&Error::invalid_input(
                "unzip(): this entry's data is gone; read it before moving to the next entry",
            )));
        }
        if self.current_done.get() {
            return Ok(JsValue::UNDEFINED);
        }
        match self.event().await? {
            Event::Data(d) => Ok(Uint8Array::from(d.as_slice()).into()),
            Event::EntryEnd => {
                self.current_done.set(true);
                Ok(JsValue::UNDEFINED)
            }
            _ => Err(self.unexpected("inside an entry")),
        }
    }
}

/// Runs one session call as a promise, with the busy flag held during it.
fn call<F>(session: &Rc<Session>, f: impl FnOnce(Rc<Session>) -> F + 'static) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let session = session.clone();
    super::promise(async move {
        session.enter()?;
        let r = f(session.clone()).await;
        session.busy.set(false);
        r
    })
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
        reader: RefCell::new(Some(reader)),
        signal,
        current: Cell::new(0),
        current_done: Cell::new(true),
        busy: Cell::new(false),
    });
    let s = session.clone();
    let next = Closure::<dyn FnMut() -> Promise>::new(move || {
        call(&s, |session| async move { session.next_entry().await })
    })
    .into_js_value();
    let s = session.clone();
    let read = Closure::<dyn FnMut(f64) -> Promise>::new(move |index: f64| {
        call(&s, move |session| async move {
            session.entry_data(index as u64).await
        })
    })
    .into_js_value();
    let cancel = Closure::<dyn FnMut()>::new(move || session.release(true)).into_js_value();
    let cap = limits
        .max_entry_bytes
        .map_or(DEFAULT_COLLECT_CAP, |n| n as f64);
    Ok(unzip_iterable(&next, &read, &cancel, cap))
}
