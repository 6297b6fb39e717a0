//! The one I/O seam both clients are driven through.
//!
//! An [`Io`] value stands for *one call* of a client method: it sends attempts, sleeps between
//! them, reads the clock, and knows whether the caller aborted. The engine ([`super::engine`],
//! [`super::auth`]) decides everything else — retries, token reuse, replays, limits — as plain
//! Rust, so that every behaviour is tested natively with a scripted `Io`
//! (`http/script.rs`, test builds only). On `wasm32`, `super::fetch::FetchIo` implements it
//! on the runtime's `fetch` (web-sys `Request` / `Response`).

use std::future::Future;

use super::retry::Attempt;
use super::{Request, ResponseHead};
use crate::error::Error;

/// Why an attempt or a body read produced no usable result, and how the retry policy should see
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// How the retry policy classifies it.
    pub kind: Attempt,
    /// The error to report if nothing else is tried.
    pub error: Error,
}

impl Failure {
    /// A failure of a given kind.
    pub fn new(kind: Attempt, error: Error) -> Failure {
        Failure { kind, error }
    }

    /// A failure the client decided on itself (a limit, a refused redirect): never retried.
    pub fn fatal(error: Error) -> Failure {
        Failure {
            kind: Attempt::Fatal,
            error,
        }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

/// A response whose head has arrived; its body is read through `body`.
pub struct Opened<B> {
    /// Status and headers.
    pub head: ResponseHead,
    /// The body, not read yet. Dropping it cancels the transfer.
    pub body: B,
}

/// A response body read chunk by chunk.
pub trait ResponseBody {
    /// Appends the next chunk to `out` and returns its length, or `None` at the end of the body.
    /// A chunk longer than `room` is not appended: it fails with a `limit_exceeded`
    /// [`Failure::fatal`] naming `room` (the caller's remaining budget), so no input can make
    /// the client allocate past its limit.
    fn read_chunk(
        &mut self,
        out: &mut Vec<u8>,
        room: usize,
    ) -> impl Future<Output = Result<Option<usize>, Failure>>;
}

/// One call's transport: sends, sleeps, tells the time. See the module documentation.
pub trait Io {
    /// The body type of the responses this transport produces.
    type Body: ResponseBody;

    /// Sends one attempt of `req` and resolves when the response head arrives (any status).
    /// Honours the caller's abort at once and the per-attempt timeout (unless
    /// [`Request::attempt_timeout`] is off). Never follows a redirect itself.
    fn send(&self, req: &Request) -> impl Future<Output = Result<Opened<Self::Body>, Failure>>;

    /// Waits `ms` milliseconds on this call's own timer; fails with `aborted` as soon as the
    /// caller aborts. Cancelling the future (dropping it) cancels the timer.
    fn sleep(&self, ms: u64) -> impl Future<Output = Result<(), Error>>;

    /// Whether the caller has aborted this call.
    fn is_aborted(&self) -> bool;

    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;

    /// A random number in `[0, 1)` (retry jitter).
    fn random(&self) -> f64;
}
