//! The PRE-ETAT.DATE client on the shared engine ([`crate::http::auth`]).
//!
//! What is specific to PRE-ETAT.DATE lives here (the facts are in `docs/pre-etat-date.md`):
//! * every call carries `X-Auth-Key`; the bearer token comes from `POST /account/auth`;
//! * with e-mail + password the client logs in on first use, again when the JWT's `exp` is
//!   within 30 s, and once after a refused token, then replays that call once;
//! * with a `token` alone it is used as is and never renewed (a 401 is returned to the caller);
//!   with a `token` plus e-mail + password the token is used first, then renewed as above;
//! * a refused token is a 401, or the 422 `{"msg": …}` the service's JWT layer answers for a
//!   malformed token or one signed with a rotated key;
//! * `create_order` and the refresh routes are validated first (`invalid_input` before any
//!   request) and never retried by the engine. Replaying them once after a refused token is
//!   safe: the JWT layer refused the request before anything was created.
//!
//! Every method takes the call's [`Io`]: on `wasm32` a `FetchIo`, natively a scripted one.

use std::fmt;

use crate::json::Json as Value;

use super::model::{
    AccessToken, Credentials, LegacyRefreshRequest, OrderRequest, RefreshRequest, REDACTED,
};
use super::requests::{self, op};
use super::responses;
use super::state::OrderState;
use super::token::{fixed_lease, managed_lease};
use super::transaction::Transaction;
use super::validation::{
    issues_to_error, validate_legacy_refresh, validate_order, validate_refresh, ValidationIssue,
};
use crate::error::{Error, Result};
use crate::http::{Auth, BaseUrl, Engine, Io, Lease, Request, ResponseHead, Session};

/// Client settings (the JavaScript constructor options).
#[derive(Clone)]
pub struct PreEtatDateConfig {
    /// Base URL, e.g. [`super::requests::DEFAULT_BASE_URL`] or the docs host's `…/api`.
    pub base_url: String,
    /// The account's API key (`X-Auth-Key`).
    pub api_key: String,
    /// Account e-mail (with `password`), to log in and renew tokens.
    pub email: Option<String>,
    /// Account password (with `email`).
    pub password: Option<String>,
    /// A bearer token to use as is (alone) or first (with `email`/`password`).
    pub token: Option<String>,
    /// Extra attempts for retryable requests (never `createOrder` nor the refresh routes).
    /// Default 2.
    pub retries: u32,
}

impl PreEtatDateConfig {
    /// Settings with the defaults (2 retries) and no login.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> PreEtatDateConfig {
        PreEtatDateConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            email: None,
            password: None,
            token: None,
            retries: 2,
        }
    }
}

impl fmt::Debug for PreEtatDateConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |o: &Option<String>| o.as_ref().map(|_| REDACTED);
        f.debug_struct("PreEtatDateConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &REDACTED)
            .field("email", &self.email)
            .field("password", &redacted(&self.password))
            .field("token", &redacted(&self.token))
            .field("retries", &self.retries)
            .finish()
    }
}

/// PRE-ETAT.DATE's authentication: e-mail + password (optional) for a JWT, `X-Auth-Key` on
/// every call.
pub struct PedAuth {
    base: BaseUrl,
    api_key: String,
    credentials: Option<Credentials>,
}

impl Auth for PedAuth {
    type Token = String;

    async fn login<I: Io>(&self, engine: &Engine, io: &I) -> Result<Lease<String>> {
        let creds = self.credentials.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "authenticate failed: the client has no email and password to log in with",
            )
        })?;
        let req = requests::auth(&self.base, &self.api_key, &creds.email, &creds.password);
        let (head, body) = engine.send(io, &req).await?;
        let token = responses::parse_auth(&head, &body)?;
        Ok(managed_lease(token.access_token))
    }

    fn authorize(&self, req: &Request, token: &String) -> Request {
        let mut authed = req.clone();
        authed.set_header("Authorization", format!("Bearer {token}"));
        authed
    }

    fn refused(&self, head: &ResponseHead, body: Option<&[u8]>) -> bool {
        head.status == 401
            || (head.status == 422
                && body
                    .and_then(|b| crate::json::parse_bytes(b).ok())
                    .is_some_and(|v| v.get("msg").is_some() && v.get("success").is_none()))
    }

    fn can_login(&self) -> bool {
        self.credentials.is_some()
    }

    fn secrets(&self) -> Vec<String> {
        let mut v = vec![self.api_key.clone()];
        if let Some(c) = &self.credentials {
            v.push(c.password.clone());
        }
        v
    }

    fn token_text(token: &String) -> &str {
        token
    }
}

/// The syndic's extranet credentials of a call, scrubbed from its errors too.
fn syndic_secrets(syndic: Option<&super::model::Syndic>) -> Vec<String> {
    syndic
        .map(|s| vec![s.username.clone(), s.password.clone()])
        .unwrap_or_default()
}

/// Header values must be visible ASCII (fetch refuses others, and line breaks would be worse).
fn header_safe(value: &str) -> bool {
    !value.trim().is_empty() && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Client for the PRE-ETAT.DATE API. Cheap to clone (clones share the token).
#[derive(Clone)]
pub struct PreEtatDateClient {
    session: std::rc::Rc<Session<PedAuth>>,
}

impl fmt::Debug for PreEtatDateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = &self.session.auth;
        f.debug_struct("PreEtatDateClient")
            .field("base", &auth.base.as_str())
            .field("api_key", &REDACTED)
            .field("credentials", &auth.credentials)
            .field("token", &self.session.slot().current().map(|_| REDACTED))
            .finish()
    }
}

impl PreEtatDateClient {
    /// Checks the settings (nothing is sent): a valid base URL, a printable API key, and
    /// `email` + `password` (both or neither) and/or `token`. Errors are `invalid_input` and
    /// never quote the values.
    pub fn new(config: PreEtatDateConfig) -> Result<PreEtatDateClient> {
        let base = BaseUrl::parse(&config.base_url)?;
        if !header_safe(&config.api_key) {
            return Err(Error::invalid_input(
                "apiKey is required and must be printable ASCII without line breaks",
            ));
        }
        let credentials = match (config.email, config.password) {
            (Some(email), Some(password)) => {
                if email.trim().is_empty() || password.is_empty() {
                    return Err(Error::invalid_input(
                        "email and password must both be non-empty when given",
                    ));
                }
                Some(Credentials::new(email, password))
            }
            (None, None) => None,
            _ => {
                return Err(Error::invalid_input(
                    "email and password must be given together",
                ))
            }
        };
        let initial = match (config.token, credentials.is_some()) {
            (Some(t), _) if !header_safe(&t) => {
                return Err(Error::invalid_input(
                    "token must be printable ASCII without line breaks",
                ))
            }
            (Some(t), false) => Some(fixed_lease(t)),
            (Some(t), true) => Some(managed_lease(t)),
            (None, true) => None,
            (None, false) => {
                return Err(Error::invalid_input(
                    "PreEtatDateClient needs email and password, or a token",
                ))
            }
        };
        let auth = PedAuth {
            base,
            api_key: config.api_key,
            credentials,
        };
        Ok(PreEtatDateClient {
            session: std::rc::Rc::new(Session::new(
                auth,
                Engine::with_retries(config.retries),
                initial,
            )),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.session.auth.base
    }

    /// Runs a call and scrubs every secret of the client from its error, and the call's own
    /// secrets (a syndic's credentials) too.
    async fn scrubbing_with<T>(
        &self,
        extra: Vec<String>,
        call: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        call.await.map_err(|e| self.session.scrub(e, &extra))
    }

    fn auth(&self) -> &PedAuth {
        &self.session.auth
    }

    /// `POST /account/auth`: logs in now (joining a login already running) and caches the
    /// token. `invalid_input` when the client has no e-mail and password.
    pub async fn authenticate<I: Io>(&self, io: &I) -> Result<AccessToken> {
        self.run(io, self.prepare_authenticate())
            .await?
            .into_token()
    }

    /// `GET /health` (API key only): any 2xx is healthy; returns the JSON body, if any.
    pub async fn health<I: Io>(&self, io: &I) -> Result<Value> {
        self.run(io, self.prepare_health()).await?.into_value()
    }

    /// `POST /order/`: validated first (`invalid_input` before any request), never retried;
    /// replayed once after a refused token (no order was created then).
    pub async fn create_order<I: Io>(&self, io: &I, order: &OrderRequest) -> Result<Transaction> {
        self.run(io, self.prepare_create_order(order))
            .await?
            .into_transaction()
    }

    /// `POST /order/{orderid}/refresh`, validated first.
    pub async fn request_refresh<I: Io>(
        &self,
        io: &I,
        orderid: &str,
        refresh: &RefreshRequest,
    ) -> Result<Transaction> {
        self.run(io, self.prepare_refresh(orderid, refresh))
            .await?
            .into_transaction()
    }

    /// `POST /order/needrefresh`, the vendor's deprecated form of [`Self::request_refresh`].
    pub async fn request_refresh_legacy<I: Io>(
        &self,
        io: &I,
        refresh: &LegacyRefreshRequest,
    ) -> Result<Transaction> {
        self.run(io, self.prepare_refresh_legacy(refresh))
            .await?
            .into_transaction()
    }

    /// `POST /order/test/webhook-events`: asks the service to send `event` for `orderid`.
    /// Returns the envelope's payload (undocumented; usually `null`).
    pub async fn send_test_webhook<I: Io>(
        &self,
        io: &I,
        orderid: &str,
        event: &OrderState,
    ) -> Result<Value> {
        self.run(io, self.prepare_test_webhook(orderid, event))
            .await?
            .into_value()
    }

    /// The call of [`Self::authenticate`].
    pub(crate) fn prepare_authenticate(&self) -> Call {
        Call::new(op::AUTHENTICATE, Send::Login, Read::Token)
    }

    /// The call of [`Self::health`].
    pub(crate) fn prepare_health(&self) -> Call {
        let a = self.auth();
        Call::new(
            op::HEALTH,
            Send::Plain(requests::health(&a.base, &a.api_key)),
            Read::Health,
        )
    }

    /// The call of [`Self::send_test_webhook`].
    pub(crate) fn prepare_test_webhook(&self, orderid: &str, event: &OrderState) -> Call {
        let a = self.auth();
        let req = requests::send_test_webhook(&a.base, &a.api_key, "", orderid, event);
        Call::new(op::SEND_TEST_WEBHOOK, Send::Authed(req), Read::Ack)
    }

    /// The checked request of [`Self::create_order`].
    pub(crate) fn prepare_create_order(&self, order: &OrderRequest) -> Call {
        self.prepare(
            op::CREATE_ORDER,
            order.syndic.as_ref(),
            validate_order(order),
            &|base, key| requests::create_order(base, key, "", order),
        )
    }

    /// The checked request of [`Self::request_refresh`].
    pub(crate) fn prepare_refresh(&self, orderid: &str, refresh: &RefreshRequest) -> Call {
        self.prepare(
            op::REQUEST_REFRESH,
            refresh.syndic.as_ref(),
            validate_refresh(refresh),
            &|base, key| requests::refresh(base, key, "", orderid, refresh),
        )
    }

    /// The checked request of [`Self::request_refresh_legacy`].
    pub(crate) fn prepare_refresh_legacy(&self, refresh: &LegacyRefreshRequest) -> Call {
        self.prepare(
            op::REQUEST_REFRESH_LEGACY,
            refresh.syndic.as_ref(),
            validate_legacy_refresh(refresh),
            &|base, key| requests::refresh_legacy(base, key, "", refresh),
        )
    }

    /// An order call: the request `build` makes when validation found no issue, else the
    /// `invalid_input` error listing them; the syndic's credentials are the call's secrets.
    fn prepare(
        &self,
        operation: &'static str,
        syndic: Option<&super::model::Syndic>,
        issues: Vec<ValidationIssue>,
        build: &dyn Fn(&BaseUrl, &str) -> Result<Request>,
    ) -> Call {
        let a = self.auth();
        let request = if issues.is_empty() {
            build(&a.base, &a.api_key)
        } else {
            Err(issues_to_error(operation, &issues))
        };
        let mut call = Call::new(operation, Send::Authed(request), Read::Transaction);
        call.secrets = syndic_secrets(syndic);
        call
    }

    /// Runs a prepared call: sends it (a login, a request with the API key only, or one with
    /// the token, replayed once after a refused token) and reads its answer; every error is
    /// scrubbed of the client's and the call's secrets. Every method goes through this one
    /// function, so the module holds one state machine for all of them.
    pub(crate) async fn run<I: Io>(&self, io: &I, call: Call) -> Result<Answer> {
        let Call {
            operation,
            secrets,
            send,
            read,
        } = call;
        self.scrubbing_with(secrets, async move {
            let (head, body) = match send {
                Send::Login => {
                    if !self.auth().can_login() {
                        return Err(Error::invalid_input(
                            "authenticate failed: the client has no email and password to log in with",
                        ));
                    }
                    let access_token = self.session.login(io).await?;
                    return Ok(Answer::Token(AccessToken { access_token }));
                }
                Send::Plain(req) => self.session.engine.send(io, &req).await?,
                Send::Authed(req) => self.session.send(io, &req?).await?,
            };
            Ok(match read {
                Read::Health => Answer::Value(responses::parse_health(&head, &body)?),
                Read::Ack => Answer::Value(responses::parse_ack(operation, &head, &body)?),
                // A login answered above: `Read::Token` never reaches this point.
                Read::Transaction | Read::Token => {
                    Answer::Transaction(responses::parse_transaction(operation, &head, &body)?)
                }
            })
        })
        .await
    }
}

/// How a prepared [`Call`] is sent.
enum Send {
    /// A login (`authenticate`).
    Login,
    /// With the API key only.
    Plain(Request),
    /// With the token too (or the error that stopped the request from being built).
    Authed(Result<Request>),
}

/// How the answer of a prepared [`Call`] is read.
#[derive(Clone, Copy)]
enum Read {
    /// The token of a login.
    Token,
    /// `parse_health`.
    Health,
    /// `parse_ack`.
    Ack,
    /// The order the order routes return.
    Transaction,
}

/// One call of the client, checked and built without I/O: what [`PreEtatDateClient::run`]
/// runs.
pub(crate) struct Call {
    operation: &'static str,
    secrets: Vec<String>,
    send: Send,
    read: Read,
}

impl Call {
    fn new(operation: &'static str, send: Send, read: Read) -> Call {
        Call {
            operation,
            secrets: Vec::new(),
            send,
            read,
        }
    }
}

/// The answer of a [`Call`]: built once per call and moved out at once, so its size is no cost.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Answer {
    /// `authenticate`.
    Token(AccessToken),
    /// `health`, `sendTestWebhook`: the envelope's payload.
    Value(Value),
    /// The order routes.
    Transaction(Transaction),
}

impl Answer {
    fn into_token(self) -> Result<AccessToken> {
        match self {
            Answer::Token(t) => Ok(t),
            _ => Error::wrong_answer(),
        }
    }

    fn into_value(self) -> Result<Value> {
        match self {
            Answer::Value(v) => Ok(v),
            _ => Error::wrong_answer(),
        }
    }

    fn into_transaction(self) -> Result<Transaction> {
        match self {
            Answer::Transaction(t) => Ok(t),
            _ => Error::wrong_answer(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::tests::en_order;
    use super::super::token::tests::jwt;
    use super::super::transaction::tests::FR_PAYLOAD;
    use super::*;
    use crate::error::ErrorCode;
    use crate::http::script::{block_on, run_all, run_all_with, Reply, Script, Task};
    use crate::http::Attempt;

    fn auth_ok(token: &str) -> Reply {
        Reply::new(
            200,
            &format!(
                r#"{{"message": "Connexion réussie", "payload": {{"access_token": "{token}"}}, "success": true}}"#
            ),
        )
    }

    fn order_ok() -> Reply {
        Reply::new(
            200,
            &format!(
                r#"{{"message": "Transaction créée avec succès", "payload": {FR_PAYLOAD}, "success": true}}"#
            ),
        )
    }

    fn unauthorized() -> Reply {
        Reply::new(401, r#"{"msg": "Token has expired"}"#)
    }

    fn config() -> PreEtatDateConfig {
        let mut c = PreEtatDateConfig::new("https://api.example.test", "API-KEY-1");
        c.email = Some("user@mail.com".into());
        c.password = Some("account-pw".into());
        c
    }

    fn managed() -> PreEtatDateClient {
        PreEtatDateClient::new(config()).unwrap()
    }

    #[test]
    fn first_call_logs_in_then_reuses_the_token() {
        let t1 = jwt(r#"{"exp":4000000000}"#);
        let sc = Script::new(vec![auth_ok(&t1), order_ok(), order_ok()]);
        let c = managed();
        let order = block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        assert_eq!(order.orderid, "C7HOF2");
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        assert_eq!(sc.ops(), ["authenticate", "createOrder", "createOrder"]);
        assert_eq!(sc.auth_header(0), None);
        assert_eq!(sc.auth_header(1), Some(format!("Bearer {t1}")));
        assert_eq!(sc.auth_header(2), Some(format!("Bearer {t1}")));
        for r in sc.sent.borrow().iter() {
            assert_eq!(r.header_value("x-auth-key"), Some("API-KEY-1"));
            assert_eq!(
                r.headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                    .count(),
                usize::from(r.operation != "authenticate")
            );
        }
        assert!(!sc.sent.borrow()[1].retryable);
    }

    #[test]
    fn token_near_expiry_is_renewed_before_the_call() {
        let old = jwt(r#"{"exp":1000}"#);
        let new = jwt(r#"{"exp":5000}"#);
        let sc = Script::new(vec![auth_ok(&old), order_ok(), auth_ok(&new), order_ok()]);
        let c = managed();
        sc.now.set(900_000);
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        sc.now.set(975_000); // within 30 s of exp
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        assert_eq!(
            sc.ops(),
            ["authenticate", "createOrder", "authenticate", "createOrder"]
        );
        assert_eq!(sc.auth_header(3), Some(format!("Bearer {new}")));
    }

    #[test]
    fn a_refused_token_renews_and_replays_once() {
        // 401, and the 422 {"msg"} of the JWT layer, are both refusals.
        for refusal in [
            unauthorized(),
            Reply::new(422, r#"{"msg": "Signature verification failed"}"#),
        ] {
            let sc = Script::new(vec![
                auth_ok("tok-a"),
                refusal,
                auth_ok("tok-b"),
                order_ok(),
            ]);
            let c = managed();
            block_on(c.create_order(&sc.io(), &en_order())).unwrap();
            assert_eq!(
                sc.ops(),
                ["authenticate", "createOrder", "authenticate", "createOrder"]
            );
            assert_eq!(sc.auth_header(3).as_deref(), Some("Bearer tok-b"));
        }
        // A 422 with the envelope is a validation answer, not a refusal.
        let sc = Script::new(vec![
            auth_ok("t"),
            Reply::new(
                422,
                r#"{"message": "zipcode invalide", "payload": null, "success": false}"#,
            ),
        ]);
        let e = block_on(managed().create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!(e.server_message(), Some("zipcode invalide"));
        assert_eq!(sc.ops().len(), 2);

        let sc = Script::new(vec![
            auth_ok("a"),
            unauthorized(),
            auth_ok("b"),
            unauthorized(),
        ]);
        let c = managed();
        let e = block_on(c.request_refresh(&sc.io(), "SD28Z5", &RefreshRequest::default()))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(e.server_message(), Some("Token has expired"));
        assert_eq!(sc.ops().len(), 4, "exactly one replay");
    }

    #[test]
    fn fixed_token_is_never_renewed() {
        let expired = jwt(r#"{"exp":1}"#);
        let mut cfg = PreEtatDateConfig::new("https://h", "K");
        cfg.token = Some(expired.clone());
        let c = PreEtatDateClient::new(cfg).unwrap();
        let sc = Script::new(vec![order_ok(), unauthorized()]);
        sc.now.set(10_000_000_000);
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        let e = block_on(c.create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(sc.ops(), ["createOrder", "createOrder"]);
        assert_eq!(sc.auth_header(0), Some(format!("Bearer {expired}")));
        let e = block_on(c.authenticate(&sc.io())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert_eq!(sc.ops().len(), 2);
    }

    #[test]
    fn token_plus_credentials_starts_with_the_token_then_renews() {
        let mut cfg = config();
        cfg.token = Some("given".into());
        let c = PreEtatDateClient::new(cfg).unwrap();
        let sc = Script::new(vec![unauthorized(), auth_ok("fresh"), order_ok()]);
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        assert_eq!(sc.ops(), ["createOrder", "authenticate", "createOrder"]);
        assert_eq!(sc.auth_header(0).as_deref(), Some("Bearer given"));
        assert_eq!(sc.auth_header(2).as_deref(), Some("Bearer fresh"));
    }

    #[test]
    fn invalid_input_sends_nothing() {
        let sc = Script::new(vec![]);
        let c = managed();
        let mut order = en_order();
        order.owners.clear();
        order.zipcode = "2A004".into();
        let e = block_on(c.create_order(&sc.io(), &order)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e
            .message()
            .starts_with("createOrder failed: the request is invalid (2 problems)"));
        let e = block_on(c.request_refresh(&sc.io(), " ", &RefreshRequest::default())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        let e = block_on(c.request_refresh_legacy(&sc.io(), &LegacyRefreshRequest::default()))
            .unwrap_err();
        assert!(e.message().starts_with("requestRefreshLegacy failed"));
        let e = block_on(c.send_test_webhook(&sc.io(), "", &OrderState::Done)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(sc.sent.borrow().is_empty());
    }

    #[test]
    fn login_failure_is_reported_and_nothing_else_is_sent() {
        let sc = Script::new(vec![Reply::new(
            401,
            r#"{"message": "Informations de connexion invalides.", "payload": null, "success": false}"#,
        )]);
        let c = managed();
        let e = block_on(c.create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        assert_eq!(
            e.server_message(),
            Some("Informations de connexion invalides.")
        );
        assert!(e.message().starts_with("authenticate failed"));
        assert_eq!(sc.ops(), ["authenticate"]);
        let all = format!("{e} {e:?} {c:?}");
        for secret in ["account-pw", "API-KEY-1"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
    }

    #[test]
    fn concurrent_callers_share_one_login() {
        let sc = Script::new(vec![auth_ok("shared"), order_ok(), order_ok(), order_ok()]);
        sc.latency.set(5);
        let c = managed();
        let o = en_order();
        let (io1, io2, io3) = (sc.io(), sc.io(), sc.io());
        let tasks: Vec<Task<'_, Result<Transaction>>> = vec![
            Box::pin(c.create_order(&io1, &o)),
            Box::pin(c.create_order(&io2, &o)),
            Box::pin(c.create_order(&io3, &o)),
        ];
        for r in run_all(tasks) {
            r.unwrap();
        }
        assert_eq!(
            sc.ops(),
            ["authenticate", "createOrder", "createOrder", "createOrder"]
        );
        for i in 1..4 {
            assert_eq!(sc.auth_header(i).as_deref(), Some("Bearer shared"));
        }

        // A failed shared login fails every caller with one request.
        let sc = Script::new(vec![Reply::new(
            401,
            r#"{"message": "Invalid credentials", "payload": null, "success": false}"#,
        )]);
        sc.latency.set(5);
        let c = managed();
        let (io1, io2) = (sc.io(), sc.io());
        let a = c.create_order(&io1, &o);
        let b = async { c.authenticate(&io2).await.map(|_| ()) };
        let tasks: Vec<Task<'_, Result<()>>> =
            vec![Box::pin(async { a.await.map(|_| ()) }), Box::pin(b)];
        for r in run_all(tasks) {
            assert_eq!(r.unwrap_err().code(), ErrorCode::Unauthorized);
        }
        assert_eq!(sc.ops(), ["authenticate"]);
    }

    #[test]
    fn a_waiter_honours_its_own_abort_at_once() {
        // The login hangs; the waiter's abort ends the waiter without waiting for the login.
        let sc = Script::new(vec![Reply::Hang]);
        let c = managed();
        let (leader, waiter) = (sc.io(), sc.io());
        let flag = waiter.aborted.clone();
        let leader_flag = leader.aborted.clone();
        let tasks: Vec<Task<'_, Result<AccessToken>>> = vec![
            Box::pin(c.authenticate(&leader)),
            Box::pin(c.authenticate(&waiter)),
        ];
        let mut waiter_rounds = None;
        let results = run_all_with(tasks, |round| {
            if round == 3 {
                flag.set(true);
            }
            if round == 40 {
                waiter_rounds.get_or_insert(round);
                leader_flag.set(true);
            }
        });
        assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::Aborted);
        assert_eq!(results[0].as_ref().unwrap_err().code(), ErrorCode::Aborted);
        assert_eq!(sc.ops(), ["authenticate"], "the waiter sent nothing");
    }

    #[test]
    fn an_aborted_leader_does_not_fail_the_waiters() {
        let sc = Script::new(vec![Reply::Hang, auth_ok("second"), order_ok()]);
        let c = managed();
        let o = en_order();
        let (leader, waiter) = (sc.io(), sc.io());
        let flag = leader.aborted.clone();
        let a = async { c.authenticate(&leader).await.map(|_| String::new()) };
        let b = async { c.create_order(&waiter, &o).await.map(|t| t.orderid) };
        let tasks: Vec<Task<'_, Result<String>>> = vec![Box::pin(a), Box::pin(b)];
        let results = run_all_with(tasks, |round| {
            if round == 5 {
                flag.set(true);
            }
        });
        assert_eq!(results[0].as_ref().unwrap_err().code(), ErrorCode::Aborted);
        assert_eq!(results[1].as_ref().unwrap(), "C7HOF2");
        assert_eq!(sc.ops(), ["authenticate", "authenticate", "createOrder"]);
        assert_eq!(sc.auth_header(2).as_deref(), Some("Bearer second"));
    }

    #[test]
    fn an_abandoned_login_lets_the_next_caller_log_in() {
        let sc = Script::new(vec![auth_ok("lost"), auth_ok("second"), order_ok()]);
        sc.latency.set(3);
        let c = managed();
        {
            let io = sc.io();
            let waker = std::task::Waker::from(std::sync::Arc::new(NoopWake));
            let mut cx = std::task::Context::from_waker(&waker);
            let mut first = Box::pin(c.authenticate(&io));
            assert!(std::future::Future::poll(first.as_mut(), &mut cx).is_pending());
            assert!(c.session.slot().is_busy());
        } // dropped mid-login (an aborted caller)
        assert!(!c.session.slot().is_busy());
        block_on(c.create_order(&sc.io(), &en_order())).unwrap();
        assert_eq!(sc.ops(), ["authenticate", "authenticate", "createOrder"]);
        assert_eq!(sc.auth_header(2).as_deref(), Some("Bearer second"));
    }

    struct NoopWake;
    impl std::task::Wake for NoopWake {
        fn wake(self: std::sync::Arc<Self>) {}
    }

    #[test]
    fn create_order_is_never_retried_but_a_login_is() {
        // A 503 on createOrder is reported, not retried (an order costs money).
        let sc = Script::new(vec![
            Reply::Fail(Attempt::Network),
            auth_ok("t"),
            Reply::new(
                503,
                r#"{"message": "Service indisponible", "payload": null, "success": false}"#,
            ),
        ]);
        let e = block_on(managed().create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Server);
        assert_eq!(sc.ops(), ["authenticate", "authenticate", "createOrder"]);
        // A timeout of createOrder is not retried either.
        let sc = Script::new(vec![auth_ok("t"), Reply::Fail(Attempt::Timeout)]);
        let e = block_on(managed().create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Timeout);
        assert_eq!(sc.ops(), ["authenticate", "createOrder"]);
    }

    #[test]
    fn health_authenticate_and_test_webhook() {
        let sc = Script::new(vec![
            Reply::new(
                200,
                r#"{"message": "OK", "payload": null, "success": true}"#,
            ),
            auth_ok("t1"),
            Reply::new(
                200,
                r#"{"message": "Événement envoyé", "payload": null, "success": true}"#,
            ),
        ]);
        let c = managed();
        assert_eq!(block_on(c.health(&sc.io())).unwrap()["message"], "OK");
        assert_eq!(
            block_on(c.authenticate(&sc.io())).unwrap().access_token,
            "t1"
        );
        assert_eq!(
            block_on(c.send_test_webhook(&sc.io(), "C7HOF2", &OrderState::NeedRefresh)).unwrap(),
            Value::Null
        );
        assert_eq!(sc.ops(), ["health", "authenticate", "sendTestWebhook"]);
        assert_eq!(sc.auth_header(0), None);
        assert_eq!(sc.auth_header(2).as_deref(), Some("Bearer t1"));
    }

    #[test]
    fn refresh_routes_parse_the_order() {
        let seed = r#"{"message": null, "payload": {"orderid": "SD28Z5", "state": "need-refresh", "refreshed": true}, "success": true}"#;
        let sc = Script::new(vec![
            auth_ok("t"),
            Reply::new(200, seed),
            Reply::new(200, seed),
        ]);
        let c = managed();
        let t =
            block_on(c.request_refresh(&sc.io(), "SD28Z5", &RefreshRequest::default())).unwrap();
        assert_eq!(t.state, OrderState::NeedRefresh);
        let legacy = LegacyRefreshRequest {
            orderid: "SD28Z5".into(),
            account: "user@mail.com".into(),
            ..LegacyRefreshRequest::default()
        };
        let t = block_on(c.request_refresh_legacy(&sc.io(), &legacy)).unwrap();
        assert_eq!(t.refreshed, Some(true));
        assert_eq!(
            sc.ops(),
            ["authenticate", "requestRefresh", "requestRefreshLegacy"]
        );
        assert!(sc.sent.borrow().iter().skip(1).all(|r| !r.retryable));
    }

    #[test]
    fn configuration_checks_never_echo_secrets() {
        let with =
            |base: &str, key: &str, email: Option<&str>, pw: Option<&str>, t: Option<&str>| {
                let mut c = PreEtatDateConfig::new(base, key);
                c.email = email.map(str::to_string);
                c.password = pw.map(str::to_string);
                c.token = t.map(str::to_string);
                PreEtatDateClient::new(c)
            };
        let (e, p) = (Some("u@x.fr"), Some("pw-secret"));
        for r in [
            with("ftp://h", "K", e, p, None),
            with("https://h", "", e, p, None),
            with("https://h", "KEY\nSECRET", e, p, None),
            with("https://h", "KÉY-SECRET", e, p, None),
            with("https://h", "K", None, None, None),
            with("https://h", "K", Some(""), p, None),
            with("https://h", "K", e, Some(""), None),
            with("https://h", "K", e, None, None),
            with("https://h", "K", None, None, Some("tok\r\nSECRET")),
            with("https://h", "K", None, None, Some(" ")),
        ] {
            let e = r.unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput);
            let all = format!("{e} {e:?}");
            assert!(
                !all.contains("SECRET") && !all.contains("pw-secret"),
                "{all}"
            );
        }
        let c = with("https://h/", "KEY-SECRET", e, p, Some("TOKEN-SECRET")).unwrap();
        let dbg = format!("{c:?}");
        for secret in ["KEY-SECRET", "pw-secret", "TOKEN-SECRET"] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
        assert_eq!(c.base_url().as_str(), "https://h");
    }

    #[test]
    fn secrets_echoed_by_a_server_never_reach_an_error() {
        // A non-JSON page quoting the API key and the password; an order error quoting the
        // syndic's credentials and the bearer token.
        let sc = Script::new(vec![Reply::new(
            502,
            "<html>upstream said: X-Auth-Key API-KEY-1, {\"email\": \"user@mail.com\", \"password\": \"account-pw\"}</html>",
        )]);
        sc.replies
            .borrow_mut()
            .push_back(Reply::new(502, "again account-pw"));
        sc.replies
            .borrow_mut()
            .push_back(Reply::new(502, "again API-KEY-1"));
        let c = managed();
        let e = block_on(c.authenticate(&sc.io())).unwrap_err();
        let all = format!("{e} {e:?}");
        for secret in ["API-KEY-1", "account-pw"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
        let mut order = en_order();
        order.syndic = Some(super::super::model::Syndic {
            name: "Syndic".into(),
            username: "syndic-login-42".into(),
            password: "syndic-pass-42".into(),
            url: None,
        });
        let sc = Script::new(vec![
            auth_ok("jwt-SECRET"),
            Reply::new(
                400,
                r#"{"message": "refused syndic-login-42 / syndic-pass-42 with Bearer jwt-SECRET", "payload": null, "success": false}"#,
            ),
        ]);
        let e = block_on(c.create_order(&sc.io(), &order)).unwrap_err();
        let all = format!("{e} {e:?}");
        for secret in ["syndic-login-42", "syndic-pass-42", "jwt-SECRET"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
        assert!(all.contains("<redacted>"));
    }

    #[test]
    fn retry_after_and_a_body_cut_short_share_one_budget() {
        // health (a GET) and the login (creates nothing) are retryable.
        let ok = || {
            Reply::new(
                200,
                r#"{"message": "OK", "payload": null, "success": true}"#,
            )
        };
        let sc = Script::new(vec![
            Reply::new(
                429,
                r#"{"message": "Trop de requêtes", "payload": null, "success": false}"#,
            )
            .header("Retry-After", "3"),
            ok(),
        ]);
        block_on(managed().health(&sc.io())).unwrap();
        assert_eq!(sc.ops(), ["health", "health"]);
        assert_eq!(sc.retry_sleeps(), [3000]);

        let cut = || Reply::new(200, r#"{"message": "Connexion réussie", "payl"#).cut();
        let sc = Script::new(vec![cut(), cut(), auth_ok("t")]);
        assert_eq!(
            block_on(managed().authenticate(&sc.io()))
                .unwrap()
                .access_token,
            "t"
        );
        assert_eq!(sc.ops(), ["authenticate"; 3]);

        // Cut on every attempt: retries = 2 → 3 requests, then `truncated`.
        let sc = Script::new(vec![cut(), cut(), cut(), auth_ok("t")]);
        let e = block_on(managed().authenticate(&sc.io())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Truncated);
        assert_eq!(sc.ops().len(), 3);

        // createOrder is never retried, not even for a Retry-After.
        let sc = Script::new(vec![
            auth_ok("t"),
            Reply::new(
                503,
                r#"{"message": "Maintenance", "payload": null, "success": false}"#,
            )
            .header("Retry-After", "1"),
        ]);
        let e = block_on(managed().create_order(&sc.io(), &en_order())).unwrap_err();
        assert_eq!((e.code(), e.retry_after()), (ErrorCode::Server, Some(1)));
        assert_eq!(sc.ops(), ["authenticate", "createOrder"]);
    }
}
