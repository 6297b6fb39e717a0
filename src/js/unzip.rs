//! `unzip(stream, opts)` for JavaScript: an async iterable of `ZipEntry`, read forward-only from
//! a `ReadableStream<Uint8Array>` through the pure [`crate::unzip::ZipStreamReader`].
//!
//! Entries are forward-only: moving the iterator on skips whatever the caller did not read of
//! the current entry, and the previous entry's `bytes()`/`text()`/`stream()` then reject.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use super::error::{is_passerelle_error, to_js};
use super::options;
use super::stream::async_iterable;
use crate::error::{Error, ErrorCode};
use crate::unzip::{EntryMeta, Event, Limits, ZipStreamReader};

const WHAT: &str = "unzip()";

struct State {
    zip: ZipStreamReader,
    input_done: bool,
    /// Index of the entry the iterator is on (0 = none yet).
    current: u64,
    /// Whether the current entry's data has been read to its end.
    current_done: bool,
    finished: bool,
    busy: bool,
}

struct Session {
    state: RefCell<State>,
    reader: JsValue,
    signal: Option<AbortSignal>,
    /// Largest entry `bytes()`/`text()` gather in memory (`stream()` has no such bound).
    collect_cap: u64,
}

/// Default bound for `bytes()`/`text()` when `maxEntryBytes` is not set: larger entries must be
/// read with `stream()` (a zip bomb must not exhaust wasm memory).
const DEFAULT_COLLECT_CAP: u64 = 256 << 20;

fn unzip_error(code: ErrorCode, message: &str) -> JsValue {
    to_js(&Error::new(code, format!("unzip: {message}")))
}

impl Session {
    /// Reads the next chunk from the source stream; `None` at its end.
    async fn read_chunk(&self) -> Result<Option<Vec<u8>>, JsValue> {
        if crate::http::fetch::is_aborted(self.signal.as_ref()) {
            let _ = self.cancel_source();
            return Err(unzip_error(ErrorCode::Aborted, "aborted"));
        }
        let read = Reflect::get(&self.reader, &JsValue::from_str("read"))?;
        let read: js_sys::Function = read.dyn_into()?;
        let result = JsFuture::from(Promise::resolve(&read.call0(&self.reader)?))
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
        if Reflect::get(&result, &JsValue::from_str("done"))?.is_truthy() {
            return Ok(None);
        }
        let value = Reflect::get(&result, &JsValue::from_str("value"))?;
        if !value.is_instance_of::<Uint8Array>() {
            return Err(to_js(&Error::invalid_input(
                "unzip(): the stream must yield Uint8Array chunks",
            )));
        }
        Ok(Some(Uint8Array::from(value).to_vec()))
    }

    fn cancel_source(&self) -> Result<(), JsValue> {
        let cancel: js_sys::Function =
            Reflect::get(&self.reader, &JsValue::from_str("cancel"))?.dyn_into()?;
        let p = cancel.call0(&self.reader)?;
        // Swallow a rejection of cancel(): the caller already has the real error.
        swallow(&p);
        Ok(())
    }

    /// The next event, feeding the reader from the source as needed.
    async fn event(&self) -> Result<Event, JsValue> {
        loop {
            let next = {
                let mut st = self.state.borrow_mut();
                let r = st.zip.next_event();
                match r {
                    Ok(Some(ev)) => Some(Ok(ev)),
                    Ok(None) if st.input_done => Some(Err(unzip_error(
                        ErrorCode::Truncated,
                        "the archive ended before its end record",
                    ))),
                    Ok(None) => None,
                    Err(e) => Some(Err(to_js(&e))),
                }
            };
            match next {
                Some(Ok(ev)) => return Ok(ev),
                Some(Err(e)) => {
                    self.state.borrow_mut().finished = true;
                    let _ = self.cancel_source();
                    return Err(e);
                }
                None => {
                    let chunk = match self.read_chunk().await {
                        Ok(c) => c,
                        Err(e) => {
                            self.state.borrow_mut().finished = true;
                            return Err(e);
                        }
                    };
                    let mut st = self.state.borrow_mut();
                    match chunk {
                        Some(bytes) => st.zip.feed(&bytes),
                        None => {
                            st.zip.end_of_input();
                            st.input_done = true;
                        }
                    }
                }
            }
        }
    }

    /// Runs `f` with the busy flag set (one consumer at a time).
    fn enter(&self) -> Result<(), JsValue> {
        let mut st = self.state.borrow_mut();
        if st.busy {
            return Err(to_js(&Error::invalid_input(
                "unzip(): wait for the previous read to finish before starting another",
            )));
        }
        st.busy = true;
        Ok(())
    }

    fn leave(&self) {
        self.state.borrow_mut().busy = false;
    }

    /// Moves to the next entry, skipping unread data of the current one.
    async fn next_entry(self: Rc<Self>) -> Result<JsValue, JsValue> {
        if self.state.borrow().finished {
            return Ok(JsValue::UNDEFINED);
        }
        loop {
            let skipping = {
                let st = self.state.borrow();
                st.current > 0 && !st.current_done
            };
            if !skipping {
                break;
            }
            match self.event().await? {
                Event::Data(_) => {}
                Event::EntryEnd => self.state.borrow_mut().current_done = true,
                _ => {
                    return Err(unzip_error(
                        ErrorCode::InvalidResponse,
                        "unexpected record inside an entry",
                    ))
                }
            }
        }
        match self.event().await? {
            Event::Entry(meta) => {
                let index = {
                    let mut st = self.state.borrow_mut();
                    st.current += 1;
                    st.current_done = false;
                    st.current
                };
                Ok(JsZipEntry {
                    session: self.clone(),
                    index,
                    meta,
                }
                .into())
            }
            Event::End => {
                self.state.borrow_mut().finished = true;
                Ok(JsValue::UNDEFINED)
            }
            _ => Err(unzip_error(
                ErrorCode::InvalidResponse,
                "unexpected record between entries",
            )),
        }
    }

    /// The next data block of entry `index`; `None` at its end.
    async fn entry_data(&self, index: u64) -> Result<Option<Vec<u8>>, JsValue> {
        {
            let st = self.state.borrow();
            if st.current != index {
                return Err(to_js(&Error::invalid_input(
                    "unzip(): this entry's data is gone; read it before moving to the next entry",
                )));
            }
            if st.current_done {
                return Ok(None);
            }
        }
        match self.event().await? {
            Event::Data(d) => Ok(Some(d)),
            Event::EntryEnd => {
                self.state.borrow_mut().current_done = true;
                Ok(None)
            }
            _ => Err(unzip_error(
                ErrorCode::InvalidResponse,
                "unexpected record inside an entry",
            )),
        }
    }
}

/// One entry of an archive being read by `unzip()`.
#[wasm_bindgen(js_name = ZipEntry)]
pub struct JsZipEntry {
    session: Rc<Session>,
    index: u64,
    meta: EntryMeta,
}

#[wasm_bindgen(js_class = ZipEntry)]
impl JsZipEntry {
    /// Path inside the archive (`/`-separated; folders end with `/`).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.meta.name.clone()
    }

    /// Whether the entry is a folder.
    #[wasm_bindgen(getter)]
    pub fn is_dir(&self) -> bool {
        self.meta.is_dir
    }

    /// ISO 8601 UTC modification time.
    #[wasm_bindgen(getter)]
    pub fn last_modified(&self) -> String {
        self.meta.last_modified.clone()
    }

    /// The whole content (bounded by `maxEntryBytes`).
    pub fn bytes(&self) -> Promise {
        let session = self.session.clone();
        let index = self.index;
        future_to_promise(async move {
            let out = collect(&session, index).await?;
            Ok(Uint8Array::from(out.as_slice()).into())
        })
    }

    /// The content decoded as UTF-8 (invalid sequences become U+FFFD).
    pub fn text(&self) -> Promise {
        let session = self.session.clone();
        let index = self.index;
        future_to_promise(async move {
            let out = collect(&session, index).await?;
            Ok(JsValue::from_str(&String::from_utf8_lossy(&out)))
        })
    }

    /// The content as a `ReadableStream<Uint8Array>`, produced as it is read.
    pub fn stream(&self) -> Result<JsValue, JsValue> {
        let session = self.session.clone();
        let index = self.index;
        let pull = Closure::<dyn FnMut() -> Promise>::new(move || {
            let session = session.clone();
            future_to_promise(async move {
                session.enter()?;
                let r = session.entry_data(index).await;
                session.leave();
                match r? {
                    Some(d) => Ok(Uint8Array::from(d.as_slice()).into()),
                    None => Ok(JsValue::UNDEFINED),
                }
            })
        })
        .into_js_value();
        Ok(make_pull_stream(&pull))
    }
}

#[wasm_bindgen(inline_js = "export function make_pull_stream(pull) {
  return new ReadableStream({
    async pull(controller) {
      const chunk = await pull();
      if (chunk === undefined) controller.close(); else controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}
export function swallow(p) {
  Promise.resolve(p).catch(() => {});
}")]
extern "C" {
    fn make_pull_stream(pull: &JsValue) -> JsValue;
    fn swallow(p: &JsValue);
}

async fn collect(session: &Rc<Session>, index: u64) -> Result<Vec<u8>, JsValue> {
    session.enter()?;
    let mut out: Vec<u8> = Vec::new();
    let too_large = || {
        unzip_error(
            ErrorCode::LimitExceeded,
            &format!(
                "the entry is larger than {} bytes; read it with stream() or raise maxEntryBytes",
                session.collect_cap
            ),
        )
    };
    let r = loop {
        match session.entry_data(index).await {
            Ok(Some(d)) => {
                if out.len() as u64 + d.len() as u64 > session.collect_cap
                    || out.try_reserve(d.len()).is_err()
                {
                    break Err(too_large());
                }
                out.extend_from_slice(&d)
            }
            Ok(None) => break Ok(out),
            Err(e) => break Err(e),
        }
    };
    session.leave();
    r
}

/// `unzip(stream, { maxEntryBytes?, maxTotalBytes?, signal? })` → `AsyncIterable<ZipEntry>`.
#[wasm_bindgen(js_name = unzip)]
pub fn unzip(stream: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let get_reader = options::field(&stream, "getReader")
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| Error::invalid_input("unzip(): pass a ReadableStream<Uint8Array>"))?;
    let limits = Limits {
        max_entry_bytes: options::uint(&options, WHAT, "maxEntryBytes", 9_007_199_254_740_991.0)?
            .map(|n| n as u64),
        max_total_bytes: options::uint(&options, WHAT, "maxTotalBytes", 9_007_199_254_740_991.0)?
            .map(|n| n as u64),
    };
    let signal = options::signal(&options, WHAT)?;
    let reader = get_reader
        .call0(&stream)
        .map_err(|_| Error::invalid_input("unzip(): the stream is locked or unreadable"))?;
    let session = Rc::new(Session {
        state: RefCell::new(State {
            zip: ZipStreamReader::new(limits),
            input_done: false,
            current: 0,
            current_done: true,
            finished: false,
            busy: false,
        }),
        reader,
        signal,
        collect_cap: limits.max_entry_bytes.unwrap_or(DEFAULT_COLLECT_CAP),
    });
    let s1 = session.clone();
    let next = Closure::<dyn FnMut() -> Promise>::new(move || {
        let session = s1.clone();
        future_to_promise(async move {
            session.enter()?;
            let r = session.clone().next_entry().await;
            session.leave();
            r
        })
    })
    .into_js_value();
    let s2 = session;
    let cancel = Closure::<dyn FnMut()>::new(move || {
        s2.state.borrow_mut().finished = true;
        let _ = s2.cancel_source();
    })
    .into_js_value();
    Ok(async_iterable(&next, &cancel))
}
