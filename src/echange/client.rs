//! The Échange client (wasm32): sends the core's requests with `fetch`, keeps the token.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::future::{FutureExt, Shared};
use web_sys::AbortSignal;

use super::model::{DirEntry, Token};
use super::requests::{self, Credentials};
use super::responses;
use super::token::{plan, CachedToken};
use super::walk::WalkPlan;
use crate::error::{Error, ErrorCode, Result};
use crate::http::fetch::{abortable, now_ms, OpenResponse, Transport};
use crate::http::{BaseUrl, Request, ResponseHead};

/// A boxed, non-`Send` future (wasm is single-threaded).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where the 2FA code comes from.
#[derive(Clone, Default)]
pub enum Otp {
    /// The account has no 2FA.
    #[default]
    None,
    /// A fixed code (usable once: SFTPGo codes are single-use).
    Fixed(String),
    /// Asked for every new token.
    Provider(Rc<dyn Fn() -> LocalFuture<Result<String>>>),
}

/// Client settings.
#[derive(Clone)]
pub struct EchangeConfig {
    /// Base URL of the Échange server.
    pub base_url: String,
    /// Account credentials.
    pub credentials: Credentials,
    /// 2FA code source.
    pub otp: Otp,
    /// Per-attempt timeout (ms); 0 = none. Default 30 000.
    pub timeout_ms: u32,
    /// Extra attempts for idempotent requests. Default 2.
    pub retries: u32,
    /// Custom `fetch`.
    pub fetch: Option<js_sys::Function>,
}

type TokenFuture = Shared<LocalFuture<Result<Token>>>;

enum Slot {
    Empty,
    Fresh(CachedToken),
    Pending(TokenFuture),
}

struct Inner {
    base: BaseUrl,
    credentials: Credentials,
    otp: Otp,
    transport: Transport,
    slot: RefCell<Slot>,
}

/// Client for the SFTPGo user API of GÉRÉDIS « Échange ».
#[derive(Clone)]
pub struct EchangeClient {
    inner: Rc<Inner>,
}

impl EchangeClient {
    /// Validates the configuration (nothing is sent).
    pub fn new(config: EchangeConfig) -> Result<EchangeClient> {
        let base = BaseUrl::parse(&config.base_url)?;
        config.credentials.validate()?;
        Ok(EchangeClient {
            inner: Rc::new(Inner {
                base,
                credentials: config.credentials,
                otp: config.otp,
                transport: Transport::new(config.fetch, config.timeout_ms, config.retries),
                slot: RefCell::new(Slot::Empty),
            }),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The transport (timeouts, retries, fetch).
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn fetch_token(inner: Rc<Inner>) -> Result<Token> {
        let otp = match &inner.otp {
            Otp::None => None,
            Otp::Fixed(s) => Some(s.clone()),
            Otp::Provider(f) => Some(f().await?),
        };
        let req = requests::token(&inner.base, &inner.credentials, otp.as_deref())?;
        let (head, body) = inner.transport.send(&req, None).await?;
        let now = now_ms();
        let token = responses::parse_token(&head, &body, now)?;
        let mut slot = inner.slot.borrow_mut();
        *slot = match plan(token.clone(), now, head.header("date")) {
            Some(c) => Slot::Fresh(c),
            None => Slot::Empty,
        };
        Ok(token)
    }

    /// The current token: cached while fresh; concurrent callers share one request.
    pub async fn token(&self) -> Result<Token> {
        let fut = {
            let mut slot = self.inner.slot.borrow_mut();
            match &*slot {
                Slot::Fresh(c) if c.is_fresh(now_ms()) => return Ok(c.token.clone()),
                Slot::Pending(f) => f.clone(),
                _ => {
                    let inner = self.inner.clone();
                    let fut: LocalFuture<Result<Token>> = Box::pin(async move {
                        let r = Self::fetch_token(inner.clone()).await;
                        if r.is_err() {
                            *inner.slot.borrow_mut() = Slot::Empty;
                        }
                        r
                    });
                    let shared = fut.shared();
                    *slot = Slot::Pending(shared.clone());
                    shared
                }
            }
        };
        fut.await
    }

    /// Forgets `token` if it is the cached one (after a 401).
    fn forget(&self, token: &Token) {
        let mut slot = self.inner.slot.borrow_mut();
        if let Slot::Fresh(c) = &*slot {
            if c.token.access_token == token.access_token {
                *slot = Slot::Empty;
            }
        }
    }

    /// Sends a Bearer request; on a 401, fetches one fresh token and replays once (when the
    /// body can be replayed). Resolves when headers arrive.
    pub async fn open_authed(
        &self,
        req: &Request,
        external: Option<&wasm_bindgen::JsValue>,
        signal: Option<&AbortSignal>,
    ) -> Result<OpenResponse> {
        self.open_authed_with(&self.inner.transport, req, external, signal, None, &mut 0)
            .await
    }

    /// Like [`Self::open_authed`], with the transport to use (uploads use one without a
    /// per-attempt timeout), a caller-owned retry counter shared with body-read retries, and
    /// `on_drop` = `(subject, why)` explaining a connection that the server closed without
    /// answering *this* request (not the token request).
    async fn open_authed_with(
        &self,
        transport: &Transport,
        req: &Request,
        external: Option<&wasm_bindgen::JsValue>,
        signal: Option<&AbortSignal>,
        on_drop: Option<(&str, &str)>,
        attempt: &mut u32,
    ) -> Result<OpenResponse> {
        let replayable = req.retryable || external.is_none();
        let mut replayed = false;
        loop {
            if crate::http::fetch::is_aborted(signal) {
                return Err(crate::http::fetch::aborted(req.operation));
            }
            let token = abortable(req.operation, self.token(), signal).await?;
            let authed = requests::with_bearer(req.clone(), &token.access_token);
            let open = match transport
                .open_counted(&authed, external, signal, attempt)
                .await
            {
                Ok(o) => o,
                Err(e) => {
                    return Err(match on_drop {
                        Some((subject, why)) => explain_drop(e, subject, why),
                        None => e,
                    })
                }
            };
            if open.head.status == 401 {
                // The token was refused (expired, logged out, or bound to another client IP):
                // never use it again, whether or not this request can be replayed.
                self.forget(&token);
                if replayable && !replayed {
                    replayed = true;
                    continue;
                }
            }
            return Ok(open);
        }
    }

    /// Sends a Bearer request and reads the whole body.
    pub async fn send_authed(
        &self,
        req: &Request,
        signal: Option<&AbortSignal>,
    ) -> Result<(ResponseHead, Vec<u8>)> {
        self.send_authed_explained(req, signal, None).await
    }

    async fn send_authed_explained(
        &self,
        req: &Request,
        signal: Option<&AbortSignal>,
        on_drop: Option<(&str, &str)>,
    ) -> Result<(ResponseHead, Vec<u8>)> {
        // One retry budget for the request and for its body: a body cut short is retried like a
        // network error when the request is retryable.
        let transport = &self.inner.transport;
        let mut attempt = 0u32;
        loop {
            let open = self
                .open_authed_with(transport, req, None, signal, on_drop, &mut attempt)
                .await?;
            match open.bytes(req.operation, transport.timeout_ms).await {
                Ok(body) => {
                    let head = open.head.clone();
                    open.guard.disarm();
                    return Ok((head, body));
                }
                Err(e) => match transport.body_retry(req, attempt, &open.guard) {
                    None => return Err(e),
                    Some(ms) => {
                        drop(open);
                        crate::http::fetch::sleep(req.operation, ms, signal).await?;
                        attempt += 1;
                    }
                },
            }
        }
    }

    /// Lists a folder (`None` or `""` = the home or start folder).
    pub async fn list_dir(
        &self,
        path: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<DirEntry>> {
        let req = requests::list_dir(&self.inner.base, path)?;
        let dir = path.unwrap_or("");
        let subject = responses::subject("listDir", Some(dir));
        // SFTPGo drops the connection when the path is a file (spec §4.1).
        let (head, body) = self
            .send_authed_explained(
                &req,
                signal,
                Some((&subject, "the path is a file, not a folder")),
            )
            .await?;
        responses::parse_listing(dir, &head, &body, now_ms())
    }

    /// Every descendant of a folder, breadth-first with at most `concurrency` listings in
    /// flight, sorted by path. Symlinks are listed, not followed. `max_depth` 1 = children only.
    pub async fn walk(
        &self,
        path: Option<&str>,
        concurrency: usize,
        max_depth: Option<u32>,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<DirEntry>> {
        use futures_util::stream::{FuturesUnordered, StreamExt};
        let mut plan = WalkPlan::new(path.unwrap_or(""), max_depth);
        let mut inflight = FuturesUnordered::new();
        let concurrency = concurrency.max(1);
        loop {
            while inflight.len() < concurrency {
                let Some((dir, depth)) = plan.next_folder() else {
                    break;
                };
                let client = self.clone();
                let signal = signal.cloned();
                inflight.push(async move {
                    let r = client.list_dir(Some(&dir), signal.as_ref()).await;
                    (depth, r)
                });
            }
            match inflight.next().await {
                None => break,
                Some((depth, result)) => plan.add_listing(depth, result?),
            }
        }
        Ok(plan.finish())
    }

    async fn open_download(
        &self,
        req: &Request,
        subject: &str,
        drop_reason: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<OpenResponse> {
        let mut open = self
            .open_authed_with(
                &self.inner.transport,
                req,
                None,
                signal,
                Some((subject, drop_reason)),
                &mut 0,
            )
            .await?;
        if !open.head.is_success() {
            let body = open
                .bytes(req.operation, self.inner.transport.timeout_ms)
                .await
                .unwrap_or_default();
            return Err(responses::api_error(subject, &open.head, &body, now_ms()));
        }
        // The body may take hours: the per-attempt timeout covers the wait for headers only.
        open.guard.clear_timer();
        Ok(open)
    }

    /// Starts `POST /streamzip` and resolves when the headers arrive; the body is the zip.
    pub async fn download_zip(
        &self,
        paths: &[String],
        signal: Option<&AbortSignal>,
    ) -> Result<OpenResponse> {
        let req = requests::stream_zip(&self.inner.base, paths)?;
        let subject = format!(
            "downloadZip({} path{})",
            paths.len(),
            if paths.len() == 1 { "" } else { "s" }
        );
        self.open_download(
            &req,
            &subject,
            "a requested path does not exist or is not readable",
            signal,
        )
        .await
    }

    /// Starts a file download (from `offset` with a `Range` request); resolves with the open
    /// response. A resumed download must answer 206 from exactly `offset`.
    pub async fn download_file(
        &self,
        path: &str,
        offset: Option<u64>,
        signal: Option<&AbortSignal>,
    ) -> Result<OpenResponse> {
        let req = requests::download_file(&self.inner.base, path, offset)?;
        let subject = responses::subject("downloadFile", Some(path));
        let open = self
            .open_download(&req, &subject, "the file could not be read", signal)
            .await?;
        if let Some(o) = offset.filter(|o| *o > 0) {
            let start = open
                .head
                .header("content-range")
                .and_then(|v| v.strip_prefix("bytes "))
                .and_then(|v| v.split('-').next())
                .and_then(|v| v.trim().parse::<u64>().ok());
            // Browsers hide Content-Range cross-origin unless the server exposes it (SFTPGo's
            // default `exposed_headers` is empty): a 206 without a visible range is accepted.
            let range_hidden = open.head.header("content-range").is_none();
            if open.head.status != 206 || !(range_hidden || start == Some(o)) {
                return Err(Error::invalid_response(format!(
                    "{subject} failed: the server did not resume at byte {o} (HTTP {})",
                    open.head.status
                ))
                .with_status(open.head.status));
            }
        }
        Ok(open)
    }

    /// Uploads a body to `path` (`POST /files/upload`). `body` is the JavaScript body (bytes,
    /// Blob or stream); `replayable` says whether it may be sent twice (not for streams).
    pub async fn upload_file(
        &self,
        path: &str,
        body: &wasm_bindgen::JsValue,
        replayable: bool,
        mkdir_parents: bool,
        mtime_ms: Option<i64>,
        signal: Option<&AbortSignal>,
    ) -> Result<()> {
        let req = requests::upload_file(
            &self.inner.base,
            path,
            crate::http::Body::External,
            replayable,
            mkdir_parents,
            mtime_ms,
        )?;
        let subject = responses::subject("uploadFile", Some(path));
        // SFTPGo answers an early refusal (no permission, missing parent folder, quota) and
        // closes the connection without reading a large body; the runtime then reports a failed
        // write and the answer is lost.
        let why = "it refused the upload before reading it all (no permission, a missing parent \
                   folder or a full quota), or the network failed";
        // No per-attempt timeout: fetch resolves only after the whole body is sent.
        let transport = self.inner.transport.without_timeout();
        let open = self
            .open_authed_with(
                &transport,
                &req,
                Some(body),
                signal,
                Some((&subject, why)),
                &mut 0,
            )
            .await?;
        let bytes = open
            .bytes(req.operation, self.inner.transport.timeout_ms)
            .await?;
        let head = open.head.clone();
        open.guard.disarm();
        responses::expect_success(&subject, &head, &bytes, now_ms())
    }

    async fn simple(
        &self,
        req: Request,
        subject: String,
        signal: Option<&AbortSignal>,
    ) -> Result<()> {
        let (head, body) = self.send_authed(&req, signal).await?;
        responses::expect_success(&subject, &head, &body, now_ms())
    }

    /// Creates a folder (`parents`: also its missing ancestors).
    pub async fn mkdir(
        &self,
        path: &str,
        parents: bool,
        signal: Option<&AbortSignal>,
    ) -> Result<()> {
        let req = requests::mkdir(&self.inner.base, path, parents)?;
        self.simple(req, responses::subject("mkdir", Some(path)), signal)
            .await
    }

    /// Deletes a file (or a symlink itself).
    pub async fn delete_file(&self, path: &str, signal: Option<&AbortSignal>) -> Result<()> {
        let req = requests::delete_file(&self.inner.base, path)?;
        self.simple(req, responses::subject("deleteFile", Some(path)), signal)
            .await
    }

    /// Deletes a folder and everything in it.
    pub async fn delete_dir(&self, path: &str, signal: Option<&AbortSignal>) -> Result<()> {
        let req = requests::delete_dir(&self.inner.base, path)?;
        self.simple(req, responses::subject("deleteDir", Some(path)), signal)
            .await
    }

    /// Moves or renames (an existing folder target is refused by the server).
    pub async fn move_entry(
        &self,
        from: &str,
        to: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<()> {
        let req = requests::move_entry(&self.inner.base, from, to)?;
        self.simple(req, format!("move(\"{from}\" → \"{to}\")"), signal)
            .await
    }

    /// Copies a file or folder (server-side).
    pub async fn copy_entry(
        &self,
        from: &str,
        to: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<()> {
        let req = requests::copy_entry(&self.inner.base, from, to)?;
        self.simple(req, format!("copy(\"{from}\" → \"{to}\")"), signal)
            .await
    }

    /// Invalidates the current token on the server and forgets it.
    pub async fn logout(&self, signal: Option<&AbortSignal>) -> Result<()> {
        let token = {
            let slot = self.inner.slot.borrow();
            match &*slot {
                Slot::Fresh(c) => Some(c.token.clone()),
                _ => None,
            }
        };
        let Some(token) = token else { return Ok(()) };
        *self.inner.slot.borrow_mut() = Slot::Empty;
        let req = requests::with_bearer(requests::logout(&self.inner.base), &token.access_token);
        let (head, body) = self.inner.transport.send(&req, signal).await?;
        responses::expect_success("logout()", &head, &body, now_ms())
    }
}

/// Explains a connection dropped before any response (SFTPGo's way of failing some requests).
fn explain_drop(e: Error, subject: &str, why: &str) -> Error {
    if e.code() == ErrorCode::Network {
        Error::new(
            ErrorCode::Network,
            format!(
                "{subject} failed: the server closed the connection without answering \
                 (SFTPGo does this when {why})"
            ),
        )
    } else {
        e
    }
}
