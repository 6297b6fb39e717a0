//! `EchangeClient` for JavaScript.

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::options::{self, Common};
use super::stream;
use super::{promise, to_value};
use crate::echange::client::{Answer, Call, Change, EchangeClient, EchangeConfig, Otp};
use crate::echange::listing::{EntryRef, EntrySink};
use crate::echange::{Credentials, EntryType};
use crate::error::Error;

const WHAT: &str = "EchangeClient";

#[wasm_bindgen(module = "/src/js/support_echange.js")]
extern "C" {
    /// Sorts entries by `path` in code point order (the byte order of the UTF-8 paths).
    #[wasm_bindgen(js_name = sortByPath)]
    fn sort_by_path(entries: &js_sys::Array);
    /// Appends every item of `items` (an array) to `target`.
    #[wasm_bindgen(js_name = appendAll)]
    fn append_all(target: &js_sys::Array, items: &JsValue);
    /// Appends to `target` the entries packed in `text` and `numbers` (see [`JsEntries`]).
    #[wasm_bindgen(js_name = appendEntries)]
    fn append_entries(target: &js_sys::Array, prefix: &str, text: &str, numbers: &[f64]);
}

/// A listing's entries as JavaScript objects, converted as they are parsed.
///
/// Entries cross into JavaScript by batches: one string holding the batch's names and dates
/// back to back, and [`NUMBERS`] numbers per entry (the name's and the date's lengths in UTF-16
/// units, the size or -1, the mode, the type). JavaScript cuts the string and builds the
/// objects, which costs far less than writing and parsing JSON text. The buffers are reused
/// from batch to batch and a batch is bounded, so the module's memory stays flat.
struct JsEntries {
    out: js_sys::Array,
    /// `path` = `prefix` + name: the folder followed by `/` (just `/` for the root).
    prefix: String,
    text: String,
    numbers: Vec<f64>,
}

/// Numbers per entry in [`JsEntries::numbers`].
const NUMBERS: usize = 5;
/// At most this many entries per batch…
const BATCH: usize = 1024;
/// …and at most about this many bytes of text (names and dates are at most 4 KiB each).
const BATCH_TEXT: usize = 64 * 1024;

impl JsEntries {
    fn new() -> JsEntries {
        JsEntries {
            out: js_sys::Array::new(),
            prefix: String::new(),
            text: String::new(),
            numbers: Vec::new(),
        }
    }

    fn flush(&mut self) {
        if self.numbers.is_empty() {
            return;
        }
        append_entries(&self.out, &self.prefix, &self.text, &self.numbers);
        self.text.clear();
        self.numbers.clear();
    }

    /// Every entry, as a JavaScript array.
    fn finish(mut self) -> js_sys::Array {
        self.flush();
        self.out
    }
}

/// The length of `s` in UTF-16 code units (what JavaScript's `slice` counts).
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

impl EntrySink for JsEntries {
    fn reset(&mut self) {
        self.out.set_length(0);
        self.text.clear();
        self.numbers.clear();
    }

    fn entry(&mut self, e: &EntryRef<'_>) -> crate::error::Result<()> {
        if self.numbers.is_empty() {
            self.prefix.clear();
            self.prefix.push_str(e.folder);
            if !e.folder.ends_with('/') {
                self.prefix.push('/');
            }
        }
        self.text.push_str(e.name);
        self.text.push_str(e.last_modified);
        let kind = match e.entry_type {
            EntryType::File => 0.0,
            EntryType::Dir => 1.0,
            EntryType::Symlink => 2.0,
            EntryType::Other => 3.0,
        };
        self.numbers.extend_from_slice(&[
            utf16_len(e.name) as f64,
            utf16_len(e.last_modified) as f64,
            e.size.map_or(-1.0, |n| n as f64),
            e.mode as f64,
            kind,
        ]);
        if self.numbers.len() >= BATCH * NUMBERS || self.text.len() >= BATCH_TEXT {
            self.flush();
        }
        Ok(())
    }
}

/// Client for GÉRÉDIS « Échange » (SFTPGo user API).
#[wasm_bindgen(js_name = EchangeClient)]
pub struct JsEchangeClient {
    client: EchangeClient,
    common: Rc<Common>,
}

fn otp_provider(f: Function) -> Otp {
    Otp::Provider(Rc::new(move || {
        let f = f.clone();
        Box::pin(async move {
            let v = f
                .call0(&JsValue::UNDEFINED)
                .map_err(|_| Error::invalid_input("token(): the `otp` callback threw"))?;
            let v = if v.has_type::<Promise>() || v.is_object() {
                JsFuture::from(Promise::resolve(&v))
                    .await
                    .map_err(|_| Error::invalid_input("token(): the `otp` callback rejected"))?
            } else {
                v
            };
            v.as_string().ok_or_else(|| {
                Error::invalid_input("token(): the `otp` callback must return a string")
            })
        })
    }))
}

#[wasm_bindgen(js_class = EchangeClient)]
impl JsEchangeClient {
    /// `new EchangeClient({ baseUrl, username, password, otp?, timeoutMs?, retries?, fetch? })`
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsEchangeClient, JsValue> {
        let common = options::common(&options, WHAT)?;
        let username = options::required_string(&options, WHAT, "username")?;
        let password = options::required_string(&options, WHAT, "password")?;
        let otp = match options::field(&options, "otp") {
            None => Otp::None,
            Some(v) => match v.as_string() {
                Some(s) => Otp::Fixed(s),
                None => match v.dyn_into::<Function>() {
                    Ok(f) => otp_provider(f),
                    Err(_) => {
                        return Err(Error::invalid_input(
                            "EchangeClient: option `otp` must be a string or a function",
                        )
                        .into())
                    }
                },
            },
        };
        let client = EchangeClient::new(EchangeConfig {
            base_url: common.base_url.clone(),
            credentials: Credentials { username, password },
            otp,
            retries: common.retries,
        })?;
        Ok(JsEchangeClient {
            client,
            common: Rc::new(common),
        })
    }

    /// The current token `{ access_token, expires_at }` (cached while valid).
    pub fn token(&self, options: JsValue) -> Promise {
        self.call(Ok(Call::Token), &options, "token()", Then::Token)
    }

    /// Lists a folder: `listDir(path?, { signal? })`.
    #[wasm_bindgen(js_name = listDir)]
    pub fn list_dir(&self, path: JsValue, options: JsValue) -> Promise {
        let call = match path.as_string() {
            Some(p) => Ok(Call::List(Some(p))),
            None if path.is_undefined() || path.is_null() => Ok(Call::List(None)),
            None => Err(Error::invalid_input("listDir(): `path` must be a string")),
        };
        self.call(call, &options, "listDir()", Then::Entries)
    }

    /// Every descendant of a folder: `walk(path?, { concurrency?, maxDepth?, signal? })`.
    pub fn walk(&self, path: JsValue, options: JsValue) -> Promise {
        let (client, common) = (self.client.clone(), self.common.clone());
        promise(async move {
            let path = optional_path(&path, "walk()")?;
            let concurrency = options::uint(&options, "walk()", "concurrency", 64.0)?
                .map(|n| n.max(1.0) as usize)
                .unwrap_or(crate::echange::walk::DEFAULT_CONCURRENCY);
            let mut limits = crate::echange::walk::WalkLimits {
                max_depth: options::uint(&options, "walk()", "maxDepth", u32::MAX as f64)?
                    .map(|n| n as u32),
                ..Default::default()
            };
            if let Some(n) = options::uint(&options, "walk()", "maxEntries", 1e15)? {
                limits.max_entries = n as u64;
            }
            if let Some(n) = options::uint(&options, "walk()", "maxFolderDepth", u32::MAX as f64)? {
                limits.max_folder_depth = n as u32;
            }
            let io = common.io(options::signal(&options, "walk()")?);
            // Each folder's entries become JavaScript objects as its listing arrives; they are
            // gathered and sorted there. The module keeps only the sub-folders left to list.
            let mut parts: Vec<js_sys::Array> = Vec::new();
            client
                .walk_into(
                    &io,
                    path.as_deref(),
                    concurrency,
                    limits,
                    JsEntries::new,
                    |mut e| {
                        e.flush();
                        parts.push(e.out);
                        Ok(())
                    },
                )
                .await?;
            let entries = js_sys::Array::new();
            for part in &parts {
                append_all(&entries, part);
            }
            sort_by_path(&entries);
            Ok(entries.into())
        })
    }

    /// Folders and files as one zip, streamed: `downloadZip(paths, { onProgress?, signal? })`.
    #[wasm_bindgen(js_name = downloadZip)]
    pub fn download_zip(&self, paths: JsValue, options: JsValue) -> Promise {
        let ready = self.download_zip_call(&paths, &options);
        self.run(ready)
    }

    /// A file as a stream: `downloadFile(path, { offset?, onProgress?, signal? })`.
    #[wasm_bindgen(js_name = downloadFile)]
    pub fn download_file(&self, path: JsValue, options: JsValue) -> Promise {
        let ready = self.download_file_call(&path, &options);
        self.run(ready)
    }

    /// Uploads: `uploadFile(path, data, { mkdirParents?, mtime?, signal? })`; `data` is a Blob,
    /// ArrayBuffer, Uint8Array or ReadableStream.
    #[wasm_bindgen(js_name = uploadFile)]
    pub fn upload_file(&self, path: JsValue, data: JsValue, options: JsValue) -> Promise {
        let ready = self.upload_file_call(&path, data, &options);
        self.run(ready)
    }

    /// Creates a folder: `mkdir(path, { parents?, signal? })`.
    pub fn mkdir(&self, path: JsValue, options: JsValue) -> Promise {
        let args = required_path(&path, "mkdir()").and_then(|p| {
            let parents = options::boolean(&options, "mkdir()", "parents")?.unwrap_or(false);
            Ok(ChangeArgs::Mkdir(p, parents))
        });
        self.change("mkdir()", args, &options)
    }

    /// Deletes a file.
    #[wasm_bindgen(js_name = deleteFile)]
    pub fn delete_file(&self, path: JsValue, options: JsValue) -> Promise {
        let args = required_path(&path, "deleteFile()").map(ChangeArgs::DeleteFile);
        self.change("deleteFile()", args, &options)
    }

    /// Deletes a folder recursively.
    #[wasm_bindgen(js_name = deleteDir)]
    pub fn delete_dir(&self, path: JsValue, options: JsValue) -> Promise {
        let args = required_path(&path, "deleteDir()").map(ChangeArgs::DeleteDir);
        self.change("deleteDir()", args, &options)
    }

    /// Moves or renames.
    #[wasm_bindgen(js_name = "move")]
    pub fn move_entry(&self, from: JsValue, to: JsValue, options: JsValue) -> Promise {
        let args = required_path(&from, "move()")
            .and_then(|f| Ok(ChangeArgs::Move(f, required_path(&to, "move()")?)));
        self.change("move()", args, &options)
    }

    /// Copies (server-side).
    pub fn copy(&self, from: JsValue, to: JsValue, options: JsValue) -> Promise {
        let args = required_path(&from, "copy()")
            .and_then(|f| Ok(ChangeArgs::Copy(f, required_path(&to, "copy()")?)));
        self.change("copy()", args, &options)
    }

    /// Invalidates the current token on the server.
    pub fn logout(&self, options: JsValue) -> Promise {
        self.call(Ok(Call::Logout), &options, "logout()", Then::Undefined)
    }
}

/// The arguments of a call that changes the tree.
enum ChangeArgs {
    Mkdir(String, bool),
    DeleteFile(String),
    DeleteDir(String),
    Move(String, String),
    Copy(String, String),
}

/// What becomes of a call's answer in JavaScript.
enum Then {
    /// `undefined`.
    Undefined,
    /// The token as a plain object.
    Token,
    /// The listing's entries (gathered as they are parsed).
    Entries,
    /// The download as a stream; `file`: a file download (its length is known).
    Stream { file: bool, on_progress: JsValue },
}

/// A call checked and built, with its signal: everything [`JsEchangeClient::run`] needs.
struct Ready {
    call: Result<Call, Error>,
    signal: Option<AbortSignal>,
    /// The body of an upload, and whether a stream must first be gathered into a Blob.
    upload: Option<(JsValue, bool)>,
    then: Then,
}

impl JsEchangeClient {
    /// A call's arguments checked (`call`), then its signal.
    #[inline(never)]
    fn call(
        &self,
        call: Result<Call, Error>,
        options: &JsValue,
        what: &str,
        then: Then,
    ) -> Promise {
        let ready = call.and_then(|call| {
            Ok(Ready {
                signal: options::signal(options, what)?,
                call: Ok(call),
                upload: None,
                then,
            })
        });
        self.run(ready)
    }

    /// The promise of every call but `walk`: one non-generic function, so the module holds one
    /// copy of the call's state machine. Errors of the arguments reject the promise.
    #[inline(never)]
    fn run(&self, ready: Result<Ready, Error>) -> Promise {
        let (client, common) = (self.client.clone(), self.common.clone());
        promise(async move {
            let Ready {
                call,
                signal,
                upload,
                then,
            } = ready?;
            let mut io = common.io(signal);
            if let Some((data, gather)) = upload {
                let body = if gather {
                    // Browsers only stream request bodies over HTTP/2; gather into a Blob (kept
                    // on disk by the browser when large) so HTTP/1.1 servers work too.
                    JsFuture::from(stream::stream_to_blob(&data))
                        .await
                        .map_err(|_| {
                            Error::invalid_input(
                                "uploadFile(): the data stream failed while it was read",
                            )
                        })?
                } else {
                    data
                };
                io = io.with_upload(body);
            }
            // Entries become JavaScript objects as they are parsed, a bounded batch at a time:
            // the listing costs the module one body chunk and one batch, whatever its length.
            let mut entries = match then {
                Then::Entries => Some(JsEntries::new()),
                _ => None,
            };
            let sink = entries.as_mut().map(|e| e as &mut dyn EntrySink);
            let answer = client.run(&io, call, sink).await?;
            match (answer, then) {
                (Answer::Token(t), _) => to_value(&t),
                (Answer::Opened(open, subject), Then::Stream { file, on_progress }) => {
                    let expected = if file { file_length(&open.head) } else { None };
                    stream::body_stream(open, subject, expected, on_progress)
                }
                _ => Ok(entries.map_or(JsValue::UNDEFINED, |e| e.finish().into())),
            }
        })
    }

    #[inline(never)]
    fn download_zip_call(&self, paths: &JsValue, options: &JsValue) -> Result<Ready, Error> {
        const W: &str = "downloadZip()";
        let list: Vec<String> = if js_sys::Array::is_array(paths) {
            js_sys::Array::from(paths)
                .iter()
                .map(|v| v.as_string())
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| {
                    Error::invalid_input("downloadZip(): `paths` must be an array of strings")
                })?
        } else {
            return Err(Error::invalid_input(
                "downloadZip(): `paths` must be an array of strings",
            ));
        };
        let on_progress = progress_option(options, W)?;
        Ok(Ready {
            signal: options::signal(options, W)?,
            call: self.client.prepare_download_zip(&list),
            upload: None,
            then: Then::Stream {
                file: false,
                on_progress,
            },
        })
    }

    #[inline(never)]
    fn download_file_call(&self, path: &JsValue, options: &JsValue) -> Result<Ready, Error> {
        const W: &str = "downloadFile()";
        let path = required_path(path, W)?;
        let offset =
            options::uint(options, W, "offset", 9_007_199_254_740_991.0)?.map(|n| n as u64);
        let on_progress = progress_option(options, W)?;
        Ok(Ready {
            signal: options::signal(options, W)?,
            call: self.client.prepare_download_file(&path, offset),
            upload: None,
            then: Then::Stream {
                file: true,
                on_progress,
            },
        })
    }

    #[inline(never)]
    fn upload_file_call(
        &self,
        path: &JsValue,
        data: JsValue,
        options: &JsValue,
    ) -> Result<Ready, Error> {
        const W: &str = "uploadFile()";
        let path = required_path(path, W)?;
        let parents = options::boolean(options, W, "mkdirParents")?.unwrap_or(false);
        let mtime = match options::field(options, "mtime") {
            None => None,
            Some(d) => {
                let ms = d
                    .dyn_ref::<js_sys::Date>()
                    .map(|d| d.get_time())
                    .filter(|t| t.is_finite());
                Some(ms.ok_or_else(|| {
                    Error::invalid_input("uploadFile(): option `mtime` must be a valid Date")
                })? as i64)
            }
        };
        let signal = options::signal(options, W)?;
        let is_stream = crate::http::fetch::is_readable_stream(&data);
        let is_bytes = data.is_instance_of::<js_sys::Uint8Array>()
            || data.is_instance_of::<js_sys::ArrayBuffer>()
            || (data.is_object()
                && options::field(&data, "arrayBuffer").is_some()
                && options::field(&data, "size").is_some());
        let (upload, replayable) = if is_stream {
            if stream::is_browser() {
                ((data, true), true)
            } else {
                ((data, false), false)
            }
        } else if is_bytes {
            ((data, false), true)
        } else {
            return Err(Error::invalid_input(
                "uploadFile(): `data` must be a Blob, ArrayBuffer, Uint8Array or ReadableStream",
            ));
        };
        Ok(Ready {
            signal,
            call: self
                .client
                .prepare_upload_file(&path, replayable, parents, mtime),
            upload: Some(upload),
            then: Then::Undefined,
        })
    }

    /// The five calls that change the tree: arguments are checked first, then the signal, as
    /// each call did on its own.
    #[inline(never)]
    fn change(&self, what: &str, args: Result<ChangeArgs, Error>, options: &JsValue) -> Promise {
        let call = args.map(|args| {
            self.client.prepare_change(match &args {
                ChangeArgs::Mkdir(p, parents) => Change::Mkdir(p, *parents),
                ChangeArgs::DeleteFile(p) => Change::DeleteFile(p),
                ChangeArgs::DeleteDir(p) => Change::DeleteDir(p),
                ChangeArgs::Move(f, t) => Change::Move(f, t),
                ChangeArgs::Copy(f, t) => Change::Copy(f, t),
            })
        });
        let ready = call.and_then(|call| {
            Ok(Ready {
                signal: options::signal(options, what)?,
                call,
                upload: None,
                then: Then::Undefined,
            })
        });
        self.run(ready)
    }
}

/// The length a file download announces (none when the body is encoded).
fn file_length(head: &crate::http::ResponseHead) -> Option<u64> {
    let encoded = head
        .header("content-encoding")
        .is_some_and(|v| !v.eq_ignore_ascii_case("identity"));
    if encoded {
        None
    } else {
        head.content_length()
    }
}

fn optional_path(v: &JsValue, what: &str) -> Result<Option<String>, Error> {
    match v.as_string() {
        Some(p) => Ok(Some(p)),
        None if v.is_undefined() || v.is_null() => Ok(None),
        None => Err(Error::invalid_input(format!(
            "{what}: `path` must be a string"
        ))),
    }
}

fn required_path(v: &JsValue, what: &str) -> Result<String, Error> {
    v.as_string()
        .ok_or_else(|| Error::invalid_input(format!("{what}: the path must be a string")))
}

fn progress_option(options: &JsValue, what: &str) -> Result<JsValue, Error> {
    Ok(options::function(options, what, "onProgress")?
        .map(JsValue::from)
        .unwrap_or(JsValue::UNDEFINED))
}
