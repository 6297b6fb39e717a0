//! The client's behaviour, independent of how bytes travel: token acquisition and renewal,
//! one shared login for concurrent callers, validation before sending, one replay after a 401.
//!
//! [`Session`] is driven through the [`Exchange`] trait, implemented by the `fetch` transport on
//! wasm32 (`client.rs`) and by scripted transports in the native tests below.
//!
//! Token rules (spec §4.1, `shared/API.md`):
//! * e-mail + password: log in on first use; log in again when the JWT's `exp` is within 30 s,
//!   or once after a bearer call answered 401, then replay that call once.
//! * a `token` alone: used as is, never renewed; a 401 is returned to the caller.
//! * a `token` plus e-mail + password: the token is used first, then renewed as above.
//!
//! Replaying `createOrder` after a 401 is safe: a 401 means the server refused the token, so no
//! order was created. Automatic *transport* retries stay off for it (see
//! [`super::requests::create_order`]).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::model::{
    AccessToken, Credentials, LegacyRefreshRequest, OrderRequest, RefreshRequest, REDACTED,
};
use super::requests::{self, op};
use super::responses;
use super::state::OrderState;
use super::token::{TokenDecision, TokenState};
use super::transaction::Transaction;
use super::validation::{
    issues_to_error, validate_legacy_refresh, validate_order, validate_refresh,
};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{BaseUrl, Request, ResponseHead};

/// How a [`Session`] sends requests and reads the clock.
pub trait Exchange {
    /// Sends `req` (with the transport's own timeout and retry policy) and resolves with the
    /// head and whole body of whatever response arrives, whatever its status.
    fn send(&self, req: &Request) -> impl Future<Output = Result<(ResponseHead, Vec<u8>)>>;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// One login shared by every caller that needs a token while it runs.
#[derive(Default)]
struct Gate {
    busy: Cell<bool>,
    round: Cell<u64>,
    waiters: RefCell<Vec<Waker>>,
    outcome: RefCell<Option<(u64, Result<String>)>>,
}

impl Gate {
    fn begin(&self) -> Turn<'_> {
        self.busy.set(true);
        Turn {
            gate: self,
            round: self.round.get(),
            finished: false,
        }
    }

    fn end(&self, round: u64, outcome: Option<Result<String>>) {
        *self.outcome.borrow_mut() = outcome.map(|o| (round, o));
        self.busy.set(false);
        self.round.set(round.wrapping_add(1));
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }

    fn outcome_of(&self, round: u64) -> Option<Result<String>> {
        match &*self.outcome.borrow() {
            Some((r, o)) if *r == round => Some(o.clone()),
            _ => None,
        }
    }
}

/// The running login. Dropped unfinished (the caller's future was dropped), it releases the
/// waiters without an outcome, so one of them logs in itself.
struct Turn<'a> {
    gate: &'a Gate,
    round: u64,
    finished: bool,
}

impl Turn<'_> {
    fn finish(mut self, result: &Result<String>) {
        self.finished = true;
        // The leader's own abort is not the waiters' outcome: they try again themselves.
        let shared = match result {
            Err(e) if e.code() == ErrorCode::Aborted => None,
            other => Some(other.clone()),
        };
        self.gate.end(self.round, shared);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.gate.end(self.round, None);
        }
    }
}

/// Resolves when the login of `round` is over.
struct Wait<'a> {
    gate: &'a Gate,
    round: u64,
}

impl Future for Wait<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.gate.busy.get() || self.gate.round.get() != self.round {
            return Poll::Ready(());
        }
        self.gate.waiters.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Configuration, credentials and token of one PRE-ETAT.DATE client. `Debug` redacts secrets.
pub struct Session {
    base: BaseUrl,
    api_key: String,
    credentials: Option<Credentials>,
    token: RefCell<TokenState>,
    gate: Gate,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("base", &self.base.as_str())
            .field("api_key", &REDACTED)
            .field("credentials", &self.credentials)
            .field("token", &*self.token.borrow())
            .finish()
    }
}

/// Header values must be visible ASCII (fetch refuses others, and line breaks would be worse).
/// A refused bearer token: 401, or the 422 `{"msg": …}` that Flask's JWT extension answers for
/// a malformed token or one signed with a rotated key (spec §4.1, §15).
fn is_auth_failure(head: &ResponseHead, body: &[u8]) -> bool {
    head.status == 401
        || (head.status == 422
            && serde_json::from_slice::<Value>(body)
                .ok()
                .is_some_and(|v| v.get("msg").is_some() && v.get("success").is_none()))
}

fn header_safe(value: &str) -> bool {
    !value.trim().is_empty() && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

impl Session {
    /// Checks the configuration; nothing is sent. Needs an API key and either e-mail +
    /// password or a token. Errors are `invalid_input` and never quote the values.
    pub fn new(
        base_url: &str,
        api_key: &str,
        credentials: Option<Credentials>,
        token: Option<String>,
    ) -> Result<Session> {
        let base = BaseUrl::parse(base_url)?;
        if !header_safe(api_key) {
            return Err(Error::invalid_input(
                "apiKey is required and must be printable ASCII without line breaks",
            ));
        }
        if let Some(c) = &credentials {
            if c.email.trim().is_empty() || c.password.is_empty() {
                return Err(Error::invalid_input(
                    "email and password must both be non-empty when given",
                ));
            }
        }
        let state = match (token, credentials.is_some()) {
            (Some(t), _) if !header_safe(&t) => {
                return Err(Error::invalid_input(
                    "token must be printable ASCII without line breaks",
                ))
            }
            (Some(t), false) => TokenState::fixed(t),
            (Some(t), true) => {
                let mut s = TokenState::managed();
                s.store(t);
                s
            }
            (None, true) => TokenState::managed(),
            (None, false) => {
                return Err(Error::invalid_input(
                    "PreEtatDateClient needs email and password, or a token",
                ))
            }
        };
        Ok(Session {
            base,
            api_key: api_key.to_string(),
            credentials,
            token: RefCell::new(state),
            gate: Gate::default(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// Whether the session can obtain a new token itself (it has e-mail and password).
    pub fn can_renew(&self) -> bool {
        self.credentials.is_some() && !self.token.borrow().is_fixed()
    }

    async fn do_login<E: Exchange>(&self, io: &E, creds: &Credentials) -> Result<String> {
        let req = requests::auth(&self.base, &self.api_key, &creds.email, &creds.password);
        let (head, body) = io.send(&req).await?;
        let token = responses::parse_auth(&head, &body)?;
        self.token.borrow_mut().store(token.access_token.clone());
        Ok(token.access_token)
    }

    /// Logs in, or joins the login already running.
    async fn login<E: Exchange>(&self, io: &E) -> Result<String> {
        let creds = self.credentials.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "authenticate failed: the client has no email and password to log in with",
            )
        })?;
        loop {
            if self.gate.busy.get() {
                let round = self.gate.round.get();
                Wait {
                    gate: &self.gate,
                    round,
                }
                .await;
                match self.gate.outcome_of(round) {
                    Some(outcome) => return outcome,
                    None => continue,
                }
            }
            let turn = self.gate.begin();
            let result = self.do_login(io, creds).await;
            turn.finish(&result);
            return result;
        }
    }

    /// `POST /account/auth`: logs in now (joining a login already running) and caches the
    /// token. `invalid_input` when the session has no e-mail and password.
    pub async fn authenticate<E: Exchange>(&self, io: &E) -> Result<AccessToken> {
        self.login(io)
            .await
            .map(|access_token| AccessToken { access_token })
    }

    /// A usable bearer token: the cached one, or a fresh login.
    async fn bearer<E: Exchange>(&self, io: &E) -> Result<String> {
        let cached = {
            let state = self.token.borrow();
            match state.decide(io.now_ms()) {
                TokenDecision::Use => state.token().map(str::to_string),
                TokenDecision::Authenticate => None,
            }
        };
        match cached {
            Some(t) => Ok(t),
            None => self.login(io).await,
        }
    }

    /// Sends a bearer request; after a 401, renews the token and replays once (when renewable).
    async fn call<E: Exchange>(&self, io: &E, req: &Request) -> Result<(ResponseHead, Vec<u8>)> {
        let mut replayed = false;
        loop {
            let token = self.bearer(io).await?;
            let mut authed = req.clone();
            authed.set_header("Authorization", format!("Bearer {token}"));
            let (head, body) = io.send(&authed).await?;
            if is_auth_failure(&head, &body) && !replayed && self.can_renew() {
                self.token.borrow_mut().invalidate_if(&token);
                replayed = true;
                continue;
            }
            return Ok((head, body));
        }
    }

    /// `GET /health` (API key only): any 2xx is healthy; returns the JSON body, if any.
    pub async fn health<E: Exchange>(&self, io: &E) -> Result<Value> {
        let (head, body) = io
            .send(&requests::health(&self.base, &self.api_key))
            .await?;
        responses::parse_health(&head, &body)
    }

    /// `POST /order/`: validates first (`invalid_input` before any request), never retried by
    /// the transport; replayed once after a 401 (no order was created then).
    pub async fn create_order<E: Exchange>(
        &self,
        io: &E,
        order: &OrderRequest,
    ) -> Result<Transaction> {
        let issues = validate_order(order);
        if !issues.is_empty() {
            return Err(issues_to_error(op::CREATE_ORDER, &issues));
        }
        let req = requests::create_order(&self.base, &self.api_key, "", order)?;
        let (head, body) = self.call(io, &req).await?;
        responses::parse_transaction(op::CREATE_ORDER, &head, &body)
    }

    /// `POST /order/{orderid}/refresh`, validated first.
    pub async fn request_refresh<E: Exchange>(
        &self,
        io: &E,
        orderid: &str,
        refresh: &RefreshRequest,
    ) -> Result<Transaction> {
        let issues = validate_refresh(refresh);
        if !issues.is_empty() {
            return Err(issues_to_error(op::REQUEST_REFRESH, &issues));
        }
        let req = requests::refresh(&self.base, &self.api_key, "", orderid, refresh)?;
        let (head, body) = self.call(io, &req).await?;
        responses::parse_transaction(op::REQUEST_REFRESH, &head, &body)
    }

    /// `POST /order/needrefresh` (deprecated route), validated first.
    pub async fn request_refresh_legacy<E: Exchange>(
        &self,
        io: &E,
        refresh: &LegacyRefreshRequest,
    ) -> Result<Transaction> {
        let issues = validate_legacy_refresh(refresh);
        if !issues.is_empty() {
            return Err(issues_to_error(op::REQUEST_REFRESH_LEGACY, &issues));
        }
        let req = requests::refresh_legacy(&self.base, &self.api_key, "", refresh)?;
        let (head, body) = self.call(io, &req).await?;
        responses::parse_transaction(op::REQUEST_REFRESH_LEGACY, &head, &body)
    }

    /// `POST /order/test/webhook-events`: asks the service to send `event` for `orderid`.
    /// Returns the envelope's payload (undocumented; usually `null`).
    pub async fn send_test_webhook<E: Exchange>(
        &self,
        io: &E,
        orderid: &str,
        event: &OrderState,
    ) -> Result<Value> {
        let req = requests::send_test_webhook(&self.base, &self.api_key, "", orderid, event)?;
        let (head, body) = self.call(io, &req).await?;
        responses::parse_ack(op::SEND_TEST_WEBHOOK, &head, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::en_order;
    use super::super::token::tests::jwt;
    use super::super::transaction::tests::FR_PAYLOAD;
    use super::*;
    use std::collections::VecDeque;
    use std::sync::Arc;
    use std::task::Wake;

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// Polls until ready (the scripted transport never waits on anything real).
    fn block_on<F: Future>(f: F) -> F::Output {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        for _ in 0..10_000 {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
        panic!("future never completed");
    }

    /// Polls two futures in turn until both are ready.
    fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
        let (mut ra, mut rb) = (None, None);
        for _ in 0..10_000 {
            if ra.is_none() {
                if let Poll::Ready(v) = a.as_mut().poll(&mut cx) {
                    ra = Some(v);
                }
            }
            if rb.is_none() {
                if let Poll::Ready(v) = b.as_mut().poll(&mut cx) {
                    rb = Some(v);
                }
            }
            if let (Some(_), Some(_)) = (&ra, &rb) {
                return (ra.unwrap(), rb.unwrap());
            }
        }
        panic!("futures never completed");
    }

    /// Pending once, then ready: lets another future run while a request is "in flight".
    struct YieldOnce(bool);
    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    /// A transport answering from a script and recording what was sent.
    #[derive(Default)]
    struct Script {
        replies: RefCell<VecDeque<Result<(u16, String)>>>,
        sent: RefCell<Vec<Request>>,
        now: Cell<u64>,
        slow: bool,
    }

    impl Script {
        fn new(replies: Vec<(u16, String)>) -> Script {
            Script {
                replies: RefCell::new(replies.into_iter().map(Ok).collect()),
                ..Script::default()
            }
        }
        fn ops(&self) -> Vec<&'static str> {
            self.sent.borrow().iter().map(|r| r.operation).collect()
        }
        fn bearer(&self, i: usize) -> Option<String> {
            self.sent.borrow()[i]
                .header_value("authorization")
                .map(str::to_string)
        }
    }

    impl Exchange for Script {
        async fn send(&self, req: &Request) -> Result<(ResponseHead, Vec<u8>)> {
            self.sent.borrow_mut().push(req.clone());
            let reply = self.replies.borrow_mut().pop_front();
            if self.slow {
                YieldOnce(false).await;
            }
            match reply {
                Some(Ok((status, body))) => {
                    Ok((ResponseHead::new(status, vec![]), body.into_bytes()))
                }
                Some(Err(e)) => Err(e),
                None => Err(Error::new(ErrorCode::Network, "script exhausted")),
            }
        }
        fn now_ms(&self) -> u64 {
            self.now.get()
        }
    }

    fn auth_ok(token: &str) -> (u16, String) {
        (
            200,
            format!(
                r#"{{"message": "Connexion russie", "payload": {{"access_token": "{token}"}}, "success": true}}"#
            ),
        )
    }

    fn order_ok() -> (u16, String) {
        (
            200,
            format!(
                r#"{{"message": "Transaction creée avec succsée", "payload": {FR_PAYLOAD}, "success": true}}"#
            ),
        )
    }

    fn unauthorized() -> (u16, String) {
        (401, r#"{"msg": "Token has expired"}"#.into())
    }

    fn managed() -> Session {
        Session::new(
            "https://api.example.test",
            "API-KEY-1",
            Some(Credentials::new("user@mail.com", "account-pw")),
            None,
        )
        .unwrap()
    }

    #[test]
    fn first_call_logs_in_then_reuses_the_token() {
        let t1 = jwt(r#"{"exp":4000000000}"#);
        let io = Script::new(vec![auth_ok(&t1), order_ok(), order_ok()]);
        let s = managed();
        let order = block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(order.orderid, "C7HOF2");
        block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(io.ops(), ["authenticate", "createOrder", "createOrder"]);
        assert_eq!(io.bearer(0), None);
        assert_eq!(io.bearer(1), Some(format!("Bearer {t1}")));
        assert_eq!(io.bearer(2), Some(format!("Bearer {t1}")));
        for r in io.sent.borrow().iter() {
            assert_eq!(r.header_value("x-auth-key"), Some("API-KEY-1"));
            assert_eq!(
                r.headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                    .count(),
                usize::from(r.operation != "authenticate")
            );
        }
        assert!(!io.sent.borrow()[1].retryable);
    }

    #[test]
    fn token_near_expiry_is_renewed_before_the_call() {
        let old = jwt(r#"{"exp":1000}"#);
        let new = jwt(r#"{"exp":5000}"#);
        let io = Script::new(vec![auth_ok(&old), order_ok(), auth_ok(&new), order_ok()]);
        let s = managed();
        io.now.set(900_000);
        block_on(s.create_order(&io, &en_order())).unwrap();
        io.now.set(975_000); // within 30 s of exp
        block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(
            io.ops(),
            ["authenticate", "createOrder", "authenticate", "createOrder"]
        );
        assert_eq!(io.bearer(3), Some(format!("Bearer {new}")));
    }

    #[test]
    fn a_401_renews_and_replays_once() {
        let io = Script::new(vec![
            auth_ok("tok-a"),
            unauthorized(),
            auth_ok("tok-b"),
            order_ok(),
        ]);
        let s = managed();
        block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(
            io.ops(),
            ["authenticate", "createOrder", "authenticate", "createOrder"]
        );
        assert_eq!(io.bearer(3).as_deref(), Some("Bearer tok-b"));

        let io = Script::new(vec![
            auth_ok("a"),
            unauthorized(),
            auth_ok("b"),
            unauthorized(),
        ]);
        let s = managed();
        let e = block_on(s.request_refresh(&io, "SD28Z5", &RefreshRequest::default())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(e.server_message(), Some("Token has expired"));
        assert_eq!(io.ops().len(), 4, "exactly one replay");
    }

    #[test]
    fn fixed_token_is_never_renewed() {
        let expired = jwt(r#"{"exp":1}"#);
        let s = Session::new("https://h", "K", None, Some(expired.clone())).unwrap();
        assert!(!s.can_renew());
        let io = Script::new(vec![order_ok(), unauthorized()]);
        io.now.set(10_000_000_000);
        block_on(s.create_order(&io, &en_order())).unwrap();
        let e = block_on(s.create_order(&io, &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(io.ops(), ["createOrder", "createOrder"]);
        assert_eq!(io.bearer(0), Some(format!("Bearer {expired}")));
        let e = block_on(s.authenticate(&io)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert_eq!(io.ops().len(), 2);
    }

    #[test]
    fn token_plus_credentials_starts_with_the_token_then_renews() {
        let s = Session::new(
            "https://h",
            "K",
            Some(Credentials::new("u@x.fr", "pw")),
            Some("given".into()),
        )
        .unwrap();
        let io = Script::new(vec![unauthorized(), auth_ok("fresh"), order_ok()]);
        block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(io.ops(), ["createOrder", "authenticate", "createOrder"]);
        assert_eq!(io.bearer(0).as_deref(), Some("Bearer given"));
        assert_eq!(io.bearer(2).as_deref(), Some("Bearer fresh"));
    }

    #[test]
    fn invalid_input_sends_nothing() {
        let io = Script::new(vec![]);
        let s = managed();
        let mut order = en_order();
        order.owners.clear();
        order.zipcode = "2A004".into();
        let e = block_on(s.create_order(&io, &order)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e
            .message()
            .starts_with("createOrder failed: the request is invalid (2 problems)"));
        let e = block_on(s.request_refresh(&io, " ", &RefreshRequest::default())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        let e =
            block_on(s.request_refresh_legacy(&io, &LegacyRefreshRequest::default())).unwrap_err();
        assert!(e.message().starts_with("requestRefreshLegacy failed"));
        let e = block_on(s.send_test_webhook(&io, "", &OrderState::Done)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(io.sent.borrow().is_empty());
    }

    #[test]
    fn login_failure_is_reported_and_nothing_else_is_sent() {
        let io = Script::new(vec![(
            401,
            r#"{"message": "Informations de connexion invalides.", "payload": null, "success": false}"#.into(),
        )]);
        let s = managed();
        let e = block_on(s.create_order(&io, &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(
            e.server_message(),
            Some("Informations de connexion invalides.")
        );
        assert!(e.message().starts_with("authenticate failed"));
        assert_eq!(io.ops(), ["authenticate"]);
        let all = format!("{e} {e:?} {s:?}");
        for secret in ["account-pw", "API-KEY-1"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
    }

    #[test]
    fn concurrent_callers_share_one_login() {
        let mut io = Script::new(vec![auth_ok("shared"), order_ok(), order_ok()]);
        io.slow = true;
        let s = managed();
        let o = en_order();
        let (a, b) = join(s.create_order(&io, &o), s.create_order(&io, &o));
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        assert_eq!(io.ops(), ["authenticate", "createOrder", "createOrder"]);

        // A failed shared login fails both callers with one request.
        let mut io = Script::new(vec![(
            401,
            r#"{"message": "Invalid credentials", "payload": null, "success": false}"#.into(),
        )]);
        io.slow = true;
        let s = managed();
        let (a, b) = join(s.create_order(&io, &o), s.authenticate(&io));
        assert_eq!(a.unwrap_err().code(), ErrorCode::Unauthorized);
        assert_eq!(b.unwrap_err().code(), ErrorCode::Unauthorized);
        assert_eq!(io.ops(), ["authenticate"]);
    }

    #[test]
    fn an_abandoned_login_lets_the_next_caller_log_in() {
        let mut io = Script::new(vec![auth_ok("lost"), auth_ok("second"), order_ok()]);
        io.slow = true;
        let s = managed();
        {
            let waker = Waker::from(Arc::new(Noop));
            let mut cx = Context::from_waker(&waker);
            let mut first = Box::pin(s.authenticate(&io));
            assert!(first.as_mut().poll(&mut cx).is_pending());
            assert!(s.gate.busy.get());
        } // dropped mid-login (an aborted caller)
        assert!(!s.gate.busy.get());
        block_on(s.create_order(&io, &en_order())).unwrap();
        assert_eq!(io.ops(), ["authenticate", "authenticate", "createOrder"]);
        assert_eq!(io.bearer(2).as_deref(), Some("Bearer second"));
    }

    #[test]
    fn an_aborted_leader_does_not_fail_the_waiters() {
        let mut io = Script::new(vec![auth_ok("second"), order_ok()]);
        io.replies.borrow_mut().push_front(Err(Error::new(
            ErrorCode::Aborted,
            "authenticate was aborted",
        )));
        io.slow = true;
        let s = managed();
        let o = en_order();
        let (a, b) = join(s.authenticate(&io), s.create_order(&io, &o));
        assert_eq!(a.unwrap_err().code(), ErrorCode::Aborted);
        assert_eq!(b.unwrap().orderid, "C7HOF2");
        assert_eq!(io.ops(), ["authenticate", "authenticate", "createOrder"]);
    }

    #[test]
    fn health_authenticate_and_test_webhook() {
        let io = Script::new(vec![
            (
                200,
                r#"{"message": "OK", "payload": null, "success": true}"#.into(),
            ),
            auth_ok("t1"),
            (
                200,
                r#"{"message": "Événement envoyé", "payload": null, "success": true}"#.into(),
            ),
        ]);
        let s = managed();
        assert_eq!(block_on(s.health(&io)).unwrap()["message"], "OK");
        assert_eq!(block_on(s.authenticate(&io)).unwrap().access_token, "t1");
        assert_eq!(
            block_on(s.send_test_webhook(&io, "C7HOF2", &OrderState::NeedRefresh)).unwrap(),
            Value::Null
        );
        assert_eq!(io.ops(), ["health", "authenticate", "sendTestWebhook"]);
        assert_eq!(io.bearer(0), None);
        assert_eq!(io.bearer(2).as_deref(), Some("Bearer t1"));
    }

    #[test]
    fn refresh_routes_parse_the_order() {
        let seed = r#"{"message": null, "payload": {"orderid": "SD28Z5", "state": "need-refresh", "refreshed": true}, "success": true}"#;
        let io = Script::new(vec![auth_ok("t"), (200, seed.into()), (200, seed.into())]);
        let s = managed();
        let t = block_on(s.request_refresh(&io, "SD28Z5", &RefreshRequest::default())).unwrap();
        assert_eq!(t.state, OrderState::NeedRefresh);
        let legacy = LegacyRefreshRequest {
            orderid: "SD28Z5".into(),
            account: "user@mail.com".into(),
            ..LegacyRefreshRequest::default()
        };
        let t = block_on(s.request_refresh_legacy(&io, &legacy)).unwrap();
        assert_eq!(t.refreshed, Some(true));
        assert_eq!(
            io.ops(),
            ["authenticate", "requestRefresh", "requestRefreshLegacy"]
        );
        assert!(io.sent.borrow().iter().skip(1).all(|r| !r.retryable));
    }

    #[test]
    fn configuration_checks_never_echo_secrets() {
        let creds = || Some(Credentials::new("u@x.fr", "pw-secret"));
        for (base, key, c, t) in [
            ("ftp://h", "K", creds(), None),
            ("https://h", "", creds(), None),
            ("https://h", "KEY\nSECRET", creds(), None),
            ("https://h", "KÉY-SECRET", creds(), None),
            ("https://h", "K", None, None),
            (
                "https://h",
                "K",
                Some(Credentials::new("", "pw-secret")),
                None,
            ),
            ("https://h", "K", Some(Credentials::new("u@x.fr", "")), None),
            ("https://h", "K", None, Some("tok\r\nSECRET".to_string())),
            ("https://h", "K", None, Some(" ".to_string())),
        ] {
            let e = Session::new(base, key, c, t).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
            let all = format!("{e} {e:?}");
            assert!(
                !all.contains("SECRET") && !all.contains("pw-secret"),
                "{all}"
            );
        }
        let s = Session::new(
            "https://h/",
            "KEY-SECRET",
            creds(),
            Some("TOKEN-SECRET".into()),
        )
        .unwrap();
        let dbg = format!("{s:?}");
        for secret in ["KEY-SECRET", "pw-secret", "TOKEN-SECRET"] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
        assert_eq!(s.base_url().as_str(), "https://h");
    }
}
