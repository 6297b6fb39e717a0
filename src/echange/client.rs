//! The Échange client: SFTPGo's user API on the shared engine ([`crate::http::auth`]).
//!
//! What is specific to Échange lives here: the token comes from `GET /api/v2/user/token` with
//! Basic auth (and a 2FA code when the account has one), it is renewed ahead of its
//! `expires_at` ([`super::token`]), a 401 means the token was refused (expired, logged out, or
//! bound to another client IP), and SFTPGo closes the connection without answering in a few
//! documented cases, which the messages explain. Everything else — single-flight login,
//! waiting, retries, replay, limits — is the engine's.
//!
//! Every method takes the call's [`Io`]: on `wasm32` a `FetchIo`, natively a scripted one.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::listing::{EntrySink, ListingParser};
use super::model::{DirEntry, Token};
use super::requests::{self, Credentials};
use super::responses;
use super::token::plan;
use super::walk::{FolderTap, WalkLimits, WalkPlan};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{Auth, BaseUrl, Engine, Io, Lease, Opened, Request, ResponseBody, Session};

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
    /// Extra attempts for idempotent requests. Default 2.
    pub retries: u32,
}

/// Échange's authentication: Basic credentials (+ 2FA) for a Bearer token.
pub struct EchangeAuth {
    base: BaseUrl,
    credentials: Credentials,
    otp: Otp,
}

impl Auth for EchangeAuth {
    type Token = Token;

    async fn login<I: Io>(&self, engine: &Engine, io: &I) -> Result<Lease<Token>> {
        let otp = match &self.otp {
            Otp::None => None,
            Otp::Fixed(s) => Some(s.clone()),
            Otp::Provider(f) => Some(f().await?),
        };
        let req = requests::token(&self.base, &self.credentials, otp.as_deref())?;
        let (head, body) = engine.send(io, &req).await?;
        let now = io.now_ms();
        let token = responses::parse_token(&head, &body, now)?;
        // A token whose expiry cannot be read is used by this login's callers only.
        let renew_at_ms =
            Some(plan(token.clone(), now, head.header("date")).map_or(0, |c| c.renew_at_ms));
        Ok(Lease {
            value: token,
            renew_at_ms,
        })
    }

    fn authorize(&self, req: &Request, token: &Token) -> Request {
        requests::with_bearer(req.clone(), &token.access_token)
    }

    fn secrets(&self) -> Vec<String> {
        let c = &self.credentials;
        let pair = format!("{}:{}", c.username, c.password);
        let basic = c.basic();
        let mut v = vec![c.password.clone(), pair, basic];
        if let Otp::Fixed(code) = &self.otp {
            v.push(code.clone());
        }
        v
    }

    fn token_text(token: &Token) -> &str {
        &token.access_token
    }
}

/// A call that changes the tree ([`EchangeClient::change`]); paths are absolute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<'a> {
    /// Create a folder; `true`: also its missing ancestors.
    Mkdir(&'a str, bool),
    /// Delete a file (or a symlink itself).
    DeleteFile(&'a str),
    /// Delete a folder and everything in it.
    DeleteDir(&'a str),
    /// Move or rename: from, to.
    Move(&'a str, &'a str),
    /// Copy a file or folder: from, to.
    Copy(&'a str, &'a str),
}

/// Client for the SFTPGo user API of GÉRÉDIS « Échange ».
#[derive(Clone)]
pub struct EchangeClient {
    session: Rc<Session<EchangeAuth>>,
}

/// How SFTPGo fails some requests: it closes the connection without answering.
struct DropReason<'a> {
    subject: &'a str,
    why: &'a str,
}

/// Runtime error codes that are not a connection closed by the server.
const NOT_A_DROP: [&str; 8] = [
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_OVERFLOW",
    "ERR_TLS_CERT_ALTNAME_INVALID",
];

impl DropReason<'_> {
    fn explain(&self, e: Error) -> Error {
        if e.code() != ErrorCode::Network {
            return e;
        }
        // Failures before or outside a connection keep their own words.
        let code = e.cause().map(|c| c.code.as_str()).unwrap_or("");
        if NOT_A_DROP.contains(&code) {
            return e;
        }
        let explained = Error::new(
            ErrorCode::Network,
            format!(
                "{} failed: the server closed the connection without answering (SFTPGo does \
                 this when {})",
                self.subject, self.why
            ),
        );
        match e.cause() {
            Some(c) => explained.with_cause(c.clone()),
            None => explained,
        }
    }
}

impl EchangeClient {
    /// Validates the configuration (nothing is sent).
    pub fn new(config: EchangeConfig) -> Result<EchangeClient> {
        let base = BaseUrl::parse(&config.base_url)?;
        config.credentials.validate()?;
        let auth = EchangeAuth {
            base,
            credentials: config.credentials,
            otp: config.otp,
        };
        Ok(EchangeClient {
            session: Rc::new(Session::new(
                auth,
                Engine::with_retries(config.retries),
                None,
            )),
        })
    }

    /// Runs a call and scrubs every secret of the client from its error.
    async fn scrubbing<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        call.await.map_err(|e| self.session.scrub(e, &[]))
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.session.auth.base
    }

    fn base(&self) -> &BaseUrl {
        &self.session.auth.base
    }

    /// The current token: cached while fresh; concurrent callers share one request.
    pub async fn token<I: Io>(&self, io: &I) -> Result<Token> {
        match self.run(io, Ok(Call::Token), None).await? {
            Answer::Token(t) => Ok(t),
            _ => Error::wrong_answer(),
        }
    }

    /// Sends a Bearer request and reads the whole body; a dropped connection is explained.
    async fn send(
        &self,
        io: &impl Io,
        req: &Request,
        drop: Option<DropReason<'_>>,
    ) -> Result<(crate::http::ResponseHead, Vec<u8>)> {
        self.session.send(io, req).await.map_err(|e| match &drop {
            Some(d) => d.explain(e),
            None => e,
        })
    }

    /// Lists a folder (`None` or `""` = the home or start folder).
    pub async fn list_dir<I: Io>(&self, io: &I, path: Option<&str>) -> Result<Vec<DirEntry>> {
        let mut entries = Vec::new();
        self.scrubbing(self.list_dir_within(io, path, None, &mut entries))
            .await?;
        Ok(entries)
    }

    /// [`Self::list_dir`], handing each entry to `sink` as the listing arrives instead of
    /// collecting them: the memory a listing takes is what the sink keeps (the body is parsed
    /// chunk by chunk, never held whole). On a retried attempt the sink is reset first.
    pub async fn list_dir_into<I: Io>(
        &self,
        io: &I,
        path: Option<&str>,
        sink: &mut dyn EntrySink,
    ) -> Result<()> {
        let call = Ok(Call::List(path.map(str::to_string)));
        self.run(io, call, Some(sink)).await.map(|_| ())
    }

    /// [`Self::list_dir_into`]; with `budget`, the listing fails with `limit_exceeded` as soon
    /// as its body holds more entries than that.
    async fn list_dir_within<I: Io>(
        &self,
        io: &I,
        path: Option<&str>,
        budget: Option<u64>,
        sink: &mut dyn EntrySink,
    ) -> Result<()> {
        let req = requests::list_dir(self.base(), path)?;
        let dir = path.unwrap_or("");
        let subject = responses::subject("listDir", Some(dir));
        let drop = DropReason {
            subject: &subject,
            why: "the path is a file, not a folder",
        };
        let mut parser = ListingParser::new(dir, budget, sink);
        let got = self
            .session
            .run_observed(io, &req, true, Some(&mut parser))
            .await
            .map_err(|e| drop.explain(e))?;
        let (head, body) = match got {
            crate::http::Got::Whole(h, b) => (h, b),
            crate::http::Got::Head(o) => (o.head, Vec::new()),
        };
        responses::expect_success(&subject, &head, &body, io.now_ms())?;
        parser.finish().map_err(|e| e.with_status(head.status))
    }

    /// Every descendant of a folder, breadth-first with at most `concurrency` listings in
    /// flight, sorted by path. Symlinks are listed, not followed. `limits.max_depth` 1 =
    /// children only; past the budget (`max_folder_depth`, `max_entries`) the walk fails with
    /// `limit_exceeded` instead of growing without end.
    pub async fn walk<I: Io>(
        &self,
        io: &I,
        path: Option<&str>,
        concurrency: usize,
        limits: WalkLimits,
    ) -> Result<Vec<DirEntry>> {
        let mut found = Vec::new();
        self.walk_into(io, path, concurrency, limits, Vec::new, |mut listing| {
            found.append(&mut listing);
            Ok(())
        })
        .await?;
        found.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(found)
    }

    /// [`Self::walk`], with each folder's entries going to a sink of their own, made by
    /// `new_sink` when the folder's listing starts and handed to `done` when it completes, in
    /// no particular order (sort the entries by path for [`Self::walk`]'s order). The walk
    /// itself keeps only the sub-folders left to list.
    pub async fn walk_into<I: Io, S: EntrySink>(
        &self,
        io: &I,
        path: Option<&str>,
        concurrency: usize,
        limits: WalkLimits,
        new_sink: impl Fn() -> S,
        mut done: impl FnMut(S) -> Result<()>,
    ) -> Result<()> {
        self.scrubbing(async move {
            use futures_util::stream::{FuturesUnordered, StreamExt};
            let new_sink = &new_sink;
            let mut plan = WalkPlan::with_limits(path.unwrap_or(""), limits);
            let mut inflight = FuturesUnordered::new();
            let concurrency = concurrency.max(1);
            loop {
                while inflight.len() < concurrency {
                    let Some((dir, depth)) = plan.next_folder() else {
                        break;
                    };
                    // What is left of the entry budget: a listing over it stops while it arrives.
                    let left = limits.max_entries.saturating_sub(plan.found_count());
                    inflight.push(async move {
                        let mut tap = FolderTap::new(new_sink());
                        let r = self
                            .list_dir_within(io, Some(&dir), Some(left), &mut tap)
                            .await
                            .map(|()| tap);
                        (depth, r)
                    });
                }
                match inflight.next().await {
                    None => break,
                    Some((depth, result)) => {
                        let tap = result?;
                        plan.add_folders(depth, tap.count, tap.folders)?;
                        done(tap.inner)?;
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// Opens a download: a 2xx head with its body unread, or the server's error.
    async fn open_download<I: Io>(
        &self,
        io: &I,
        req: &Request,
        drop: DropReason<'_>,
    ) -> Result<Opened<I::Body>> {
        let mut open = self
            .session
            .open(io, req)
            .await
            .map_err(|e| drop.explain(e))?;
        if !open.head.is_success() {
            let body = crate::http::engine::read_whole(
                &mut open.body,
                &open.head,
                ERROR_BODY_CAP,
                req.operation,
            )
            .await
            .unwrap_or_default();
            return Err(responses::api_error(
                drop.subject,
                &open.head,
                &body,
                io.now_ms(),
            ));
        }
        Ok(open)
    }

    /// Starts `POST /streamzip` and resolves when the headers arrive; the body is the zip.
    pub async fn download_zip<I: Io>(&self, io: &I, paths: &[String]) -> Result<Opened<I::Body>> {
        self.opened(self.run(io, self.prepare_download_zip(paths), None).await)
    }

    /// Starts a file download (from `offset` with a `Range` request); resolves with the open
    /// response. A resumed download must answer 206 from exactly `offset`.
    pub async fn download_file<I: Io>(
        &self,
        io: &I,
        path: &str,
        offset: Option<u64>,
    ) -> Result<Opened<I::Body>> {
        let call = self.prepare_download_file(path, offset);
        self.opened(self.run(io, call, None).await)
    }

    /// Uploads the call's external body to `path` (`POST /files/upload`); `replayable` says
    /// whether it may be sent twice (never a stream). No per-attempt timeout.
    pub async fn upload_file<I: Io>(
        &self,
        io: &I,
        path: &str,
        replayable: bool,
        mkdir_parents: bool,
        mtime_ms: Option<i64>,
    ) -> Result<()> {
        let call = self.prepare_upload_file(path, replayable, mkdir_parents, mtime_ms);
        self.run(io, call, None).await.map(|_| ())
    }

    /// Creates a folder (`parents`: also its missing ancestors).
    pub async fn mkdir<I: Io>(&self, io: &I, path: &str, parents: bool) -> Result<()> {
        self.change(io, Change::Mkdir(path, parents)).await
    }

    /// Deletes a file (or a symlink itself).
    pub async fn delete_file<I: Io>(&self, io: &I, path: &str) -> Result<()> {
        self.change(io, Change::DeleteFile(path)).await
    }

    /// Deletes a folder and everything in it.
    pub async fn delete_dir<I: Io>(&self, io: &I, path: &str) -> Result<()> {
        self.change(io, Change::DeleteDir(path)).await
    }

    /// Moves or renames (an existing folder target is refused by the server).
    pub async fn move_entry<I: Io>(&self, io: &I, from: &str, to: &str) -> Result<()> {
        self.change(io, Change::Move(from, to)).await
    }

    /// Copies a file or folder (server-side).
    pub async fn copy_entry<I: Io>(&self, io: &I, from: &str, to: &str) -> Result<()> {
        self.change(io, Change::Copy(from, to)).await
    }

    /// One of the calls that change the tree and answer with a plain success.
    pub async fn change<I: Io>(&self, io: &I, change: Change<'_>) -> Result<()> {
        self.run(io, self.prepare_change(change), None)
            .await
            .map(|_| ())
    }

    /// Invalidates the current token on the server and forgets it.
    pub async fn logout<I: Io>(&self, io: &I) -> Result<()> {
        self.run(io, Ok(Call::Logout), None).await.map(|_| ())
    }

    /// The call of [`Self::change`].
    pub(crate) fn prepare_change(&self, change: Change<'_>) -> Result<Call> {
        let base = self.base();
        let (req, subject) = match change {
            Change::Mkdir(path, parents) => (
                requests::mkdir(base, path, parents)?,
                responses::subject("mkdir", Some(path)),
            ),
            Change::DeleteFile(path) => (
                requests::delete_file(base, path)?,
                responses::subject("deleteFile", Some(path)),
            ),
            Change::DeleteDir(path) => (
                requests::delete_dir(base, path)?,
                responses::subject("deleteDir", Some(path)),
            ),
            Change::Move(from, to) => (
                requests::move_entry(base, from, to)?,
                format!("move(\"{from}\" → \"{to}\")"),
            ),
            Change::Copy(from, to) => (
                requests::copy_entry(base, from, to)?,
                format!("copy(\"{from}\" → \"{to}\")"),
            ),
        };
        Ok(Call::Check {
            req,
            subject,
            why: None,
        })
    }

    /// The call of [`Self::upload_file`].
    pub(crate) fn prepare_upload_file(
        &self,
        path: &str,
        replayable: bool,
        mkdir_parents: bool,
        mtime_ms: Option<i64>,
    ) -> Result<Call> {
        let mut req = requests::upload_file(
            self.base(),
            path,
            crate::http::Body::External,
            replayable,
            mkdir_parents,
            mtime_ms,
        )?;
        req.attempt_timeout = false;
        Ok(Call::Check {
            req,
            subject: responses::subject("uploadFile", Some(path)),
            // SFTPGo answers an early refusal (no permission, missing parent folder, quota) and
            // closes the connection without reading a large body; the runtime then reports a
            // failed write and the answer is lost.
            why: Some(
                "it refused the upload before reading it all (no permission, a missing parent \
                 folder or a full quota), or the network failed",
            ),
        })
    }

    /// The call of [`Self::download_zip`].
    pub(crate) fn prepare_download_zip(&self, paths: &[String]) -> Result<Call> {
        Ok(Call::Open {
            req: requests::stream_zip(self.base(), paths)?,
            subject: zip_subject(paths.len()),
            why: "a requested path does not exist or is not readable",
            resume: None,
        })
    }

    /// The call of [`Self::download_file`].
    pub(crate) fn prepare_download_file(&self, path: &str, offset: Option<u64>) -> Result<Call> {
        Ok(Call::Open {
            req: requests::download_file(self.base(), path, offset)?,
            subject: responses::subject("downloadFile", Some(path)),
            why: "the file could not be read",
            resume: offset.filter(|o| *o > 0),
        })
    }

    fn opened<B>(&self, answer: Result<Answer<B>>) -> Result<Opened<B>> {
        match answer? {
            Answer::Opened(open, _) => Ok(open),
            _ => Error::wrong_answer(),
        }
    }

    /// Runs a prepared call (or reports the error that stopped it from being built) and scrubs
    /// every secret of the client from its error. Every method but `walk` goes through this
    /// one function, so the module holds one state machine for all of them. `sink` receives
    /// the entries of a [`Call::List`].
    pub(crate) async fn run<I: Io>(
        &self,
        io: &I,
        call: Result<Call>,
        sink: Option<&mut dyn EntrySink>,
    ) -> Result<Answer<I::Body>> {
        self.scrubbing(async move {
            match call? {
                Call::Token => Ok(Answer::Token(self.session.token(io).await?)),
                Call::List(path) => {
                    let mut none = NoEntries;
                    let sink = sink.unwrap_or(&mut none);
                    self.list_dir_within(io, path.as_deref(), None, sink)
                        .await?;
                    Ok(Answer::Done)
                }
                Call::Check { req, subject, why } => {
                    let drop = why.map(|why| DropReason {
                        subject: &subject,
                        why,
                    });
                    let (head, body) = self.send(io, &req, drop).await?;
                    responses::expect_success(&subject, &head, &body, io.now_ms())?;
                    Ok(Answer::Done)
                }
                Call::Open {
                    req,
                    subject,
                    why,
                    resume,
                } => {
                    let drop = DropReason {
                        subject: &subject,
                        why,
                    };
                    let open = self.open_download(io, &req, drop).await?;
                    if let Some(o) = resume {
                        check_resumed(&subject, &open.head, o)?;
                    }
                    Ok(Answer::Opened(open, subject))
                }
                Call::Logout => {
                    let Some(token) = self.session.slot().take() else {
                        return Ok(Answer::Done);
                    };
                    let req =
                        requests::with_bearer(requests::logout(self.base()), &token.access_token);
                    let (head, body) = self.session.engine.send(io, &req).await?;
                    responses::expect_success("logout()", &head, &body, io.now_ms())?;
                    Ok(Answer::Done)
                }
            }
        })
        .await
    }
}

/// One call of the client, built without I/O: what [`EchangeClient::run`] runs.
pub(crate) enum Call {
    /// The current token.
    Token,
    /// Forget the token and invalidate it on the server.
    Logout,
    /// List a folder (`None`: the home or start folder).
    List(Option<String>),
    /// A request answered by a plain success (the calls that change the tree, uploads);
    /// `why` explains a connection the server closed without answering.
    Check {
        req: Request,
        subject: String,
        why: Option<&'static str>,
    },
    /// A download: resolves with the open response (a resumed one must start at `resume`).
    Open {
        req: Request,
        subject: String,
        why: &'static str,
        resume: Option<u64>,
    },
}

/// The answer of a [`Call`].
pub(crate) enum Answer<B> {
    /// [`Call::Token`].
    Token(Token),
    /// A call that answers nothing.
    Done,
    /// [`Call::Open`]: the open response and the call's subject (for messages).
    Opened(
        Opened<B>,
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] String,
    ),
}

/// A sink that drops the entries (a listing run without one).
struct NoEntries;

impl EntrySink for NoEntries {
    fn reset(&mut self) {}

    fn entry(&mut self, _: &super::listing::EntryRef<'_>) -> Result<()> {
        Ok(())
    }
}

/// Largest error page read from a failed download.
const ERROR_BODY_CAP: usize = 64 << 10;

/// `downloadZip(1 path)`, `downloadZip(3 paths)`.
pub fn zip_subject(count: usize) -> String {
    format!(
        "downloadZip({count} path{})",
        if count == 1 { "" } else { "s" }
    )
}

/// A resumed download must be a 206 starting at `offset`. Browsers hide `Content-Range`
/// cross-origin unless the server exposes it (SFTPGo's default exposes nothing), so a 206
/// without a visible range is accepted.
fn check_resumed(subject: &str, head: &crate::http::ResponseHead, offset: u64) -> Result<()> {
    let range = head.header("content-range");
    let start = range
        .and_then(|v| v.strip_prefix("bytes "))
        .and_then(|v| v.split('-').next())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if head.status == 206 && (range.is_none() || start == Some(offset)) {
        return Ok(());
    }
    Err(Error::invalid_response(format!(
        "{subject} failed: the server did not resume at byte {offset} (HTTP {})",
        head.status
    ))
    .with_status(head.status))
}

/// Reads a body into memory under `cap` (used by tests and by callers who want the bytes).
pub async fn read_body<B: ResponseBody>(
    body: &mut B,
    head: &crate::http::ResponseHead,
    cap: usize,
    operation: &str,
) -> Result<Vec<u8>> {
    crate::http::engine::read_whole(body, head, cap, operation)
        .await
        .map_err(Error::from)
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
