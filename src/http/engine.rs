//! The retry loop both clients use: one budget for a request and for the read of its body,
//! redirects checked against the request's origin, bodies read chunk by chunk under a cap.
//!
//! Rules (documented for users in `docs/engine.md`):
//! * Only requests marked [`Request::retryable`] are sent again, after a network error, a
//!   per-attempt timeout, a body cut short, or a status among 408, 429, 500, 502, 503, 504
//!   (see [`super::retry`]). The attempts for the head and for the body share one budget of
//!   `retries + 1`.
//! * Redirects are never followed by the runtime. A redirect to the request's own origin is
//!   followed here (at most [`MAX_REDIRECTS`] hops; `303`, and `301`/`302` after a `POST`,
//!   become a `GET` without body); a redirect to another origin is refused with code `http`
//!   and the target origin in the message, so credentials and bodies never leave the origin
//!   the caller configured.
//! * A whole body is read chunk by chunk; the cap is checked before each chunk is appended.

use std::borrow::Cow;

use super::io::{Failure, Io, Opened, ResponseBody};
use super::retry::{Attempt, Decision, RetryPolicy};
use super::url::{origin, resolve};
use super::{Body, Method, Request, ResponseHead};
use crate::error::{Error, ErrorCode, Result};

/// Most same-origin redirect hops followed for one request.
pub const MAX_REDIRECTS: u32 = 5;

/// Default cap for a body read whole (JSON answers, error pages): 64 MiB — a listing of half a
/// million entries is about 50 MB. Downloads stream and have no cap.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;

/// Retry policy and body cap of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Engine {
    /// When to try again.
    pub policy: RetryPolicy,
    /// Largest body read whole into memory.
    pub max_body_bytes: usize,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            policy: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Watches a body read whole, chunk by chunk, and may stop it (a count of listing entries that
/// must stay under a budget, checked while the body arrives rather than after).
pub trait Observer {
    /// A new attempt starts reading its body from the beginning.
    fn reset(&mut self);
    /// The next chunk; an error stops the read (never retried).
    fn chunk(&mut self, bytes: &[u8]) -> Result<()>;
    /// Whether the body is kept too. An observer that consumes the body itself (a listing
    /// parsed while it arrives) returns `false`: the run then resolves with an empty body, and
    /// memory holds one chunk at a time.
    fn keeps_body(&self) -> bool {
        true
    }
}

/// What one run produced: a head with its unread body, or a head with the whole body.
pub enum Got<B> {
    /// The response head; the body is still to be read (downloads).
    Head(Opened<B>),
    /// The head and the whole body.
    Whole(ResponseHead, Vec<u8>),
}

impl<B> Got<B> {
    /// The response head.
    pub fn head(&self) -> &ResponseHead {
        match self {
            Got::Head(o) => &o.head,
            Got::Whole(h, _) => h,
        }
    }

    /// The body, when it was read whole.
    pub fn whole_body(&self) -> Option<&[u8]> {
        match self {
            Got::Head(_) => None,
            Got::Whole(_, b) => Some(b),
        }
    }
}

/// The error for a caller abort.
pub fn aborted(operation: &str) -> Error {
    Error::new(ErrorCode::Aborted, format!("{operation} was aborted"))
}

impl Engine {
    /// An engine with `retries` extra attempts and the default body cap.
    pub fn with_retries(retries: u32) -> Engine {
        Engine {
            policy: RetryPolicy {
                retries,
                ..RetryPolicy::default()
            },
            ..Engine::default()
        }
    }

    /// Sends `req` (retrying as the rules allow) and resolves when a final response head
    /// arrives; the body is left unread.
    pub async fn open<I: Io>(&self, io: &I, req: &Request) -> Result<Opened<I::Body>> {
        match self.run(io, req, false).await? {
            Got::Head(o) => Ok(o),
            Got::Whole(..) => unreachable_whole(req.operation),
        }
    }

    /// Sends `req` and reads the whole body, retrying a body cut short like a failed attempt.
    pub async fn send<I: Io>(&self, io: &I, req: &Request) -> Result<(ResponseHead, Vec<u8>)> {
        match self.run(io, req, true).await? {
            Got::Whole(h, b) => Ok((h, b)),
            Got::Head(o) => Ok((o.head, Vec::new())),
        }
    }

    /// The loop behind [`Self::open`] and [`Self::send`]: `whole` reads the body too.
    pub async fn run<I: Io>(&self, io: &I, req: &Request, whole: bool) -> Result<Got<I::Body>> {
        self.run_observed(io, req, whole, None).await
    }

    /// [`Self::run`], with an [`Observer`] of the body when it is read whole.
    pub async fn run_observed<I: Io>(
        &self,
        io: &I,
        req: &Request,
        whole: bool,
        mut observer: Option<&mut dyn Observer>,
    ) -> Result<Got<I::Body>> {
        let mut attempt = 0u32;
        loop {
            if io.is_aborted() {
                return Err(aborted(req.operation));
            }
            let failure = match self.send_following(io, req).await {
                Err(f) => f,
                Ok(opened) => {
                    let kind =
                        Attempt::Status(opened.head.status, opened.head.retry_after(io.now_ms()));
                    if let Decision::RetryAfterMs(ms) =
                        self.policy
                            .decide(attempt, req.retryable, kind, io.random())
                    {
                        drop(opened);
                        io.sleep(ms).await?;
                        attempt += 1;
                        continue;
                    }
                    if !whole {
                        return Ok(Got::Head(opened));
                    }
                    let Opened { head, mut body } = opened;
                    // Error answers are kept whole for their message; only a success's body
                    // is shown to the observer.
                    let mut watch = observer
                        .as_mut()
                        .filter(|_| head.is_success())
                        .map(|o| &mut **o as &mut dyn Observer);
                    if let Some(o) = watch.as_mut() {
                        o.reset();
                    }
                    let read =
                        read_observed(&mut body, &head, self.max_body_bytes, req.operation, watch);
                    match read.await {
                        Ok(bytes) => return Ok(Got::Whole(head, bytes)),
                        Err(f) => f,
                    }
                }
            };
            match self
                .policy
                .decide(attempt, req.retryable, failure.kind, io.random())
            {
                Decision::Stop => return Err(failure.error),
                Decision::RetryAfterMs(ms) => {
                    io.sleep(ms).await?;
                    attempt += 1;
                }
            }
        }
    }

    /// One attempt, following same-origin redirects.
    async fn send_following<I: Io>(
        &self,
        io: &I,
        req: &Request,
    ) -> std::result::Result<Opened<I::Body>, Failure> {
        let mut current: Cow<'_, Request> = Cow::Borrowed(req);
        let mut hops = 0u32;
        loop {
            let opened = io.send(&current).await?;
            let status = opened.head.status;
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok(opened);
            }
            let Some(location) = opened.head.header("location") else {
                // A 3xx without a target is an answer like any other.
                return Ok(opened);
            };
            let next = redirect_target(&current, status, location, hops)?;
            drop(opened);
            hops += 1;
            current = Cow::Owned(next);
        }
    }
}

fn unreachable_whole<T>(operation: &str) -> Result<T> {
    Err(Error::invalid_response(format!(
        "{operation}: internal error (a body was read when only the head was asked for)"
    )))
}

/// The request to send after a redirect from `current`, or the failure that refuses it.
fn redirect_target(
    current: &Request,
    status: u16,
    location: &str,
    hops: u32,
) -> std::result::Result<Request, Failure> {
    let op = current.operation;
    let refuse =
        |message: String| Failure::fatal(Error::new(ErrorCode::Http, message).with_status(status));
    let Some(target) = resolve(&current.url, location) else {
        return Err(refuse(format!(
            "{op} failed: the server redirected to an address that is not http(s); the redirect was not followed"
        )));
    };
    let (Some(from), Some(to)) = (origin(&current.url), origin(&target)) else {
        return Err(refuse(format!(
            "{op} failed: the server redirected to an address that is not http(s); the redirect was not followed"
        )));
    };
    if from != to {
        return Err(refuse(format!(
            "{op} failed: the server redirected to another origin ({to}); credentials and request \
             bodies are never sent to another origin, so the redirect was not followed"
        )));
    }
    if hops >= MAX_REDIRECTS {
        return Err(refuse(format!(
            "{op} failed: too many redirects (more than {MAX_REDIRECTS}; a redirect loop)"
        )));
    }
    let mut next = current.clone();
    next.url = target;
    let to_get = status == 303 || (matches!(status, 301 | 302) && current.method == Method::Post);
    if to_get {
        next.method = Method::Get;
        next.body = Body::Empty;
        next.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    } else if current.body == Body::External && !current.retryable {
        return Err(refuse(format!(
            "{op} failed: the server redirected a streamed upload, which cannot be sent twice"
        )));
    }
    Ok(next)
}

/// Reads a whole body under `cap` bytes. A body cut short (or shorter than its
/// `Content-Length`) is `truncated`, retryable like a network error.
pub async fn read_whole<B: ResponseBody>(
    body: &mut B,
    head: &ResponseHead,
    cap: usize,
    operation: &str,
) -> std::result::Result<Vec<u8>, Failure> {
    read_observed(body, head, cap, operation, None).await
}

/// [`read_whole`], showing each chunk to `observer`.
async fn read_observed<B: ResponseBody>(
    body: &mut B,
    head: &ResponseHead,
    cap: usize,
    operation: &str,
    mut observer: Option<&mut dyn Observer>,
) -> std::result::Result<Vec<u8>, Failure> {
    let too_large = |what: String| {
        Failure::fatal(
            Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{operation} failed: the response body {what} is larger than the {} this \
                     client reads into memory",
                    human_bytes(cap)
                ),
            )
            .with_status(head.status),
        )
    };
    let declared = if head.header("content-encoding").is_some() {
        None
    } else {
        head.content_length()
    };
    if let Some(n) = declared {
        if n > cap as u64 {
            return Err(too_large(format!("({n} bytes announced)")));
        }
    }
    let keep = observer.as_ref().is_none_or(|o| o.keeps_body());
    let mut out = Vec::new();
    // Bytes read so far (kept in `out`, or seen by an observer that consumes them).
    let mut seen = 0usize;
    loop {
        let room = cap - seen;
        let start = out.len();
        match body.read_chunk(&mut out, room).await {
            Ok(Some(_)) => {
                seen += out.len() - start;
                if let Some(o) = observer.as_mut().map(|o| &mut **o as &mut dyn Observer) {
                    o.chunk(&out[start..])
                        .map_err(|e| Failure::fatal(e.with_status(head.status)))?;
                }
                if !keep {
                    out.clear();
                }
            }
            Ok(None) => break,
            Err(f) if f.error.code() == ErrorCode::LimitExceeded => {
                return Err(too_large(format!("(over {seen} bytes)")));
            }
            Err(f) if f.kind == Attempt::Network => {
                return Err(Failure::new(
                    Attempt::Network,
                    Error::new(
                        ErrorCode::Truncated,
                        format!(
                            "{operation} failed: the response body ended early, after {seen} bytes"
                        ),
                    )
                    .with_status(head.status),
                ));
            }
            Err(f) => return Err(f),
        }
    }
    if let Some(n) = declared {
        if (seen as u64) < n {
            return Err(Failure::new(
                Attempt::Network,
                Error::new(
                    ErrorCode::Truncated,
                    format!(
                        "{operation} failed: the response body ended after {seen} of the {n} \
                         bytes announced"
                    ),
                )
                .with_status(head.status),
            ));
        }
    }
    Ok(out)
}

/// `256 MiB`, `64 KiB`, `100 bytes`.
pub fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
