//! Tokens shared by every call of one client: a single login at a time, renewal ahead of
//! expiry, one replay after a refused token.
//!
//! * [`TokenSlot`] holds the current token ([`Lease`]). When a call needs a token and none is
//!   fresh, it logs in itself (it *leads*); calls arriving meanwhile *wait* for that login's
//!   outcome instead of sending their own. A waiter is woken only by **its own** timer (a short
//!   poll, [`WAIT_FIRST_MS`] doubling up to [`WAIT_MAX_MS`]) or by its own abort: it never
//!   resumes from the leader's I/O. That is what lets one client be shared by concurrent
//!   requests in a Cloudflare Worker, where a request may not wait on I/O another request
//!   started, and it is why a waiter honours its own `AbortSignal` at once.
//! * A leader that is aborted (or dropped) releases the waiters without an outcome: the next
//!   one logs in itself. A login that fails for another reason fails its waiters with the same
//!   error (one request, not one per caller).
//! * [`Session`] adds the API's [`Auth`] rules on top: how to log in, how to put the token on a
//!   request, what a refused token looks like. A refused token is forgotten and the request is
//!   replayed once with a fresh one — unless its body is a stream that cannot be sent twice, or
//!   the client cannot log in by itself (a caller-supplied token).

use std::cell::{Cell, RefCell};
use std::future::Future;

use super::engine::{Engine, Got};
use super::io::{Io, Opened};
use super::{Body, Request, ResponseHead};
use crate::error::{ErrorCode, Result};

/// First poll interval of a waiting call (ms).
pub const WAIT_FIRST_MS: u64 = 5;
/// Longest poll interval of a waiting call (ms).
pub const WAIT_MAX_MS: u64 = 50;

/// A token and the local time from which it must be renewed (`None`: never, until refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease<T> {
    /// The token.
    pub value: T,
    /// Local clock (ms since the epoch) from which a new token is fetched.
    pub renew_at_ms: Option<u64>,
}

impl<T> Lease<T> {
    /// Whether the token may still be used at `now_ms`.
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        self.renew_at_ms.is_none_or(|at| now_ms < at)
    }
}

/// The current token of a client and the login running for it, if any.
pub struct TokenSlot<T> {
    held: RefCell<Option<Lease<T>>>,
    busy: Cell<bool>,
    round: Cell<u64>,
    outcome: RefCell<Option<(u64, Result<T>)>>,
}

impl<T: Clone> TokenSlot<T> {
    /// A slot holding `initial` (a caller-supplied token), or nothing.
    pub fn new(initial: Option<Lease<T>>) -> TokenSlot<T> {
        TokenSlot {
            held: RefCell::new(initial),
            busy: Cell::new(false),
            round: Cell::new(0),
            outcome: RefCell::new(None),
        }
    }

    /// The token held, fresh or not.
    pub fn current(&self) -> Option<T> {
        self.held.borrow().as_ref().map(|l| l.value.clone())
    }

    /// Whether a login is running.
    pub fn is_busy(&self) -> bool {
        self.busy.get()
    }

    /// Forgets the token held when `matches` says it is the refused one (another call may
    /// already have replaced it).
    pub fn forget_if(&self, matches: impl Fn(&T) -> bool) {
        let mut held = self.held.borrow_mut();
        if held.as_ref().is_some_and(|l| matches(&l.value)) {
            *held = None;
        }
    }

    /// Forgets the token held, and returns it.
    pub fn take(&self) -> Option<T> {
        self.held.borrow_mut().take().map(|l| l.value)
    }

    /// A fresh token: the one held, the outcome of the login running, or a login by this call.
    /// `force` skips the token held (an explicit login) but still joins a running login.
    pub async fn get<I, F, Fut>(&self, io: &I, force: bool, login: F) -> Result<T>
    where
        I: Io,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Lease<T>>>,
    {
        let mut skip_held = force;
        loop {
            if !skip_held {
                if let Some(l) = self.held.borrow().as_ref() {
                    if l.is_fresh(io.now_ms()) {
                        return Ok(l.value.clone());
                    }
                }
            }
            if self.busy.get() {
                let round = self.round.get();
                let mut delay = WAIT_FIRST_MS;
                while self.busy.get() && self.round.get() == round {
                    io.sleep(delay).await?;
                    delay = (delay * 2).min(WAIT_MAX_MS);
                }
                match self.outcome_of(round) {
                    Some(outcome) => return outcome,
                    None => {
                        // The leader gave up (aborted): look again, and lead if nobody does.
                        skip_held = false;
                        continue;
                    }
                }
            }
            let turn = Turn {
                slot: self,
                round: self.round.get(),
                finished: false,
            };
            self.busy.set(true);
            let result = login().await;
            let value = result.map(|lease| {
                let v = lease.value.clone();
                *self.held.borrow_mut() = Some(lease);
                v
            });
            turn.finish(&value);
            return value;
        }
    }

    fn outcome_of(&self, round: u64) -> Option<Result<T>> {
        match &*self.outcome.borrow() {
            Some((r, o)) if *r == round => Some(o.clone()),
            _ => None,
        }
    }

    fn end(&self, round: u64, outcome: Option<Result<T>>) {
        *self.outcome.borrow_mut() = outcome.map(|o| (round, o));
        self.busy.set(false);
        self.round.set(round.wrapping_add(1));
    }
}

/// The running login. Dropped unfinished (its call was aborted or dropped), it releases the
/// waiters without an outcome.
struct Turn<'a, T: Clone> {
    slot: &'a TokenSlot<T>,
    round: u64,
    finished: bool,
}

impl<T: Clone> Turn<'_, T> {
    fn finish(mut self, result: &Result<T>) {
        self.finished = true;
        // The leader's own abort is not the waiters' outcome: they try again themselves.
        let shared = match result {
            Err(e) if e.code() == ErrorCode::Aborted => None,
            other => Some(other.clone()),
        };
        self.slot.end(self.round, shared);
    }
}

impl<T: Clone> Drop for Turn<'_, T> {
    fn drop(&mut self) {
        if !self.finished {
            self.slot.end(self.round, None);
        }
    }
}

/// What an API's authentication looks like to the engine.
pub trait Auth {
    /// The token type.
    type Token: Clone + PartialEq;

    /// Obtains a new token (sending through `engine` and `io`).
    fn login<I: Io>(
        &self,
        engine: &Engine,
        io: &I,
    ) -> impl Future<Output = Result<Lease<Self::Token>>>;

    /// `req` carrying `token`.
    fn authorize(&self, req: &Request, token: &Self::Token) -> Request;

    /// Whether a response says the token was refused (`body` when it was read whole).
    fn refused(&self, head: &ResponseHead, body: Option<&[u8]>) -> bool {
        let _ = body;
        head.status == 401
    }

    /// Whether the client can obtain a new token by itself.
    fn can_login(&self) -> bool {
        true
    }

    /// The secrets this client holds (passwords, keys, the Basic header value …), scrubbed
    /// from every error it returns.
    fn secrets(&self) -> Vec<String>;

    /// The text of a token, scrubbed from errors too.
    fn token_text(token: &Self::Token) -> &str;
}

/// Most recent tokens remembered for scrubbing (a refused token may be echoed later).
const TOKENS_REMEMBERED: usize = 8;

/// The forms a secret can take in a server's echo: as is, JSON-escaped, percent-encoded.
pub fn secret_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    let mut add = |form: String| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    let mut json = String::new();
    crate::json::write_str(&mut json, secret);
    add(json.trim_matches('"').to_string());
    add(super::url::encode_query_value(secret));
    forms
}

/// An API's [`Auth`], its [`Engine`] and its [`TokenSlot`]: every authenticated call goes
/// through [`Session::run`].
pub struct Session<A: Auth> {
    /// The API's authentication rules (and credentials).
    pub auth: A,
    /// Retry policy and body cap.
    pub engine: Engine,
    slot: TokenSlot<A::Token>,
    seen: RefCell<Vec<String>>,
}

impl<A: Auth> Session<A> {
    /// A session starting with `initial` as its token (or none).
    pub fn new(auth: A, engine: Engine, initial: Option<Lease<A::Token>>) -> Session<A> {
        let seen = initial
            .as_ref()
            .map(|l| vec![A::token_text(&l.value).to_string()])
            .unwrap_or_default();
        Session {
            auth,
            engine,
            slot: TokenSlot::new(initial),
            seen: RefCell::new(seen),
        }
    }

    fn remember(&self, token: &A::Token) {
        let text = A::token_text(token);
        let mut seen = self.seen.borrow_mut();
        if !seen.iter().any(|t| t == text) {
            if seen.len() >= TOKENS_REMEMBERED {
                seen.remove(0);
            }
            seen.push(text.to_string());
        }
    }

    /// `e` without any secret this session holds or has held (passwords, keys, tokens), in
    /// any of the forms a server may echo them in, plus `extra` secrets of the call.
    pub fn scrub(&self, e: crate::error::Error, extra: &[String]) -> crate::error::Error {
        let mut secrets: Vec<String> = Vec::new();
        for s in self
            .auth
            .secrets()
            .iter()
            .chain(self.seen.borrow().iter())
            .chain(extra)
        {
            secrets.extend(secret_forms(s));
        }
        e.scrubbed(&secrets)
    }

    /// The token slot (for diagnostics and logout).
    pub fn slot(&self) -> &TokenSlot<A::Token> {
        &self.slot
    }

    /// A fresh token (cached, joined or obtained).
    pub async fn token<I: Io>(&self, io: &I) -> Result<A::Token> {
        self.fresh(io, false).await
    }

    /// Logs in now (joining a login already running), replacing the token held.
    pub async fn login<I: Io>(&self, io: &I) -> Result<A::Token> {
        self.fresh(io, true).await
    }

    /// [`Self::token`] and [`Self::login`]: one function, so that the slot's state machine is
    /// instantiated once (each closure passed to [`TokenSlot::get`] is a type of its own).
    async fn fresh<I: Io>(&self, io: &I, force: bool) -> Result<A::Token> {
        let t = self
            .slot
            .get(io, force, || self.auth.login(&self.engine, io))
            .await?;
        self.remember(&t);
        Ok(t)
    }

    /// Sends `req` with the token; after a refused token, forgets it and replays once with a
    /// fresh one when the request can be sent again and the client can log in.
    pub async fn run<I: Io>(&self, io: &I, req: &Request, whole: bool) -> Result<Got<I::Body>> {
        self.run_observed(io, req, whole, None).await
    }

    /// [`Self::run`], with an observer of the body read whole.
    pub async fn run_observed<I: Io>(
        &self,
        io: &I,
        req: &Request,
        whole: bool,
        mut observer: Option<&mut dyn super::engine::Observer>,
    ) -> Result<Got<I::Body>> {
        let replayable = req.body != Body::External || req.retryable;
        let mut replayed = false;
        loop {
            let token = self.token(io).await?;
            let got = self
                .engine
                .run_observed(
                    io,
                    &self.auth.authorize(req, &token),
                    whole,
                    observer
                        .as_mut()
                        .map(|o| &mut **o as &mut dyn super::engine::Observer),
                )
                .await?;
            if self.auth.refused(got.head(), got.whole_body()) && self.auth.can_login() {
                self.slot.forget_if(|t| *t == token);
                if replayable && !replayed {
                    replayed = true;
                    continue;
                }
            }
            return Ok(got);
        }
    }

    /// [`Self::run`], reading the whole body.
    pub async fn send<I: Io>(&self, io: &I, req: &Request) -> Result<(ResponseHead, Vec<u8>)> {
        match self.run(io, req, true).await? {
            Got::Whole(h, b) => Ok((h, b)),
            Got::Head(o) => Ok((o.head, Vec::new())),
        }
    }

    /// [`Self::run`], leaving the body unread.
    pub async fn open<I: Io>(&self, io: &I, req: &Request) -> Result<Opened<I::Body>> {
        match self.run(io, req, false).await? {
            Got::Head(o) => Ok(o),
            Got::Whole(h, b) => {
                let _ = b;
                Err(crate::error::Error::invalid_response(format!(
                    "{}: internal error (HTTP {}: a body was read when only the head was asked for)",
                    req.operation, h.status
                )))
            }
        }
    }
}
