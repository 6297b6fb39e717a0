//! The PRE-ETAT.DATE client (wasm32): the [`Session`] logic driven by the `fetch` transport.
//!
//! Behaviour (see [`super::session`] for the details and their native tests):
//! * `create_order` validates first (`invalid_input` before any request) and is never retried
//!   by the transport; a 401 leads to one fresh login and one replay (a 401 means the order was
//!   not created, so this cannot create it twice).
//! * With `email`/`password`, the client logs in on first use, again when the token's `exp` is
//!   within 30 s, and once after a 401; concurrent callers share one login. With only `token`,
//!   that token is used as is.
//! * Every method takes the caller's `AbortSignal`; dropping the future aborts the request.

use std::fmt;
use std::rc::Rc;

use serde_json::Value;
use web_sys::AbortSignal;

use super::model::{AccessToken, Credentials, LegacyRefreshRequest, OrderRequest, RefreshRequest};
use super::session::{Exchange, Session};
use super::state::OrderState;
use super::transaction::Transaction;
use crate::error::{Error, Result};
use crate::http::fetch::{aborted, is_aborted, now_ms, Transport};
use crate::http::{BaseUrl, Request, ResponseHead};

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
    /// Per-attempt timeout (ms); 0 = none. Default 30 000.
    pub timeout_ms: u32,
    /// Extra attempts for retryable requests (never `createOrder` nor the refresh routes).
    /// Default 2.
    pub retries: u32,
    /// Custom `fetch`.
    pub fetch: Option<js_sys::Function>,
}

impl PreEtatDateConfig {
    /// Settings with the defaults (30 s timeout, 2 retries, global `fetch`) and no login.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> PreEtatDateConfig {
        PreEtatDateConfig {
            base_url: base_url.into(),
            api_key: api_key.into(),
            email: None,
            password: None,
            token: None,
            timeout_ms: 30_000,
            retries: 2,
            fetch: None,
        }
    }
}

impl fmt::Debug for PreEtatDateConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |o: &Option<String>| o.as_ref().map(|_| super::model::REDACTED);
        f.debug_struct("PreEtatDateConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &super::model::REDACTED)
            .field("email", &self.email)
            .field("password", &redacted(&self.password))
            .field("token", &redacted(&self.token))
            .field("timeout_ms", &self.timeout_ms)
            .field("retries", &self.retries)
            .field("fetch", &self.fetch.is_some())
            .finish()
    }
}

/// The `fetch` transport seen through [`Exchange`], with the caller's signal.
struct Fetch<'a> {
    transport: &'a Transport,
    signal: Option<&'a AbortSignal>,
}

impl Exchange for Fetch<'_> {
    async fn send(&self, req: &Request) -> Result<(ResponseHead, Vec<u8>)> {
        if is_aborted(self.signal) {
            return Err(aborted(req.operation));
        }
        self.transport.send(req, self.signal).await
    }

    fn now_ms(&self) -> u64 {
        now_ms()
    }
}

struct Inner {
    session: Session,
    transport: Transport,
}

/// Client for the PRE-ETAT.DATE API. Cheap to clone (clones share the token).
#[derive(Clone)]
pub struct PreEtatDateClient {
    inner: Rc<Inner>,
}

impl fmt::Debug for PreEtatDateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreEtatDateClient")
            .field("session", &self.inner.session)
            .finish()
    }
}

impl PreEtatDateClient {
    /// Checks the settings (nothing is sent): a valid base URL, an API key, and `email` +
    /// `password` (both or neither) and/or `token`. Errors are `invalid_input`.
    pub fn new(config: PreEtatDateConfig) -> Result<PreEtatDateClient> {
        let credentials = match (config.email, config.password) {
            (Some(email), Some(password)) => Some(Credentials::new(email, password)),
            (None, None) => None,
            _ => {
                return Err(Error::invalid_input(
                    "email and password must be given together",
                ))
            }
        };
        let session = Session::new(&config.base_url, &config.api_key, credentials, config.token)?;
        Ok(PreEtatDateClient {
            inner: Rc::new(Inner {
                session,
                transport: Transport::new(config.fetch, config.timeout_ms, config.retries),
            }),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        self.inner.session.base_url()
    }

    fn io<'a>(&'a self, signal: Option<&'a AbortSignal>) -> Fetch<'a> {
        Fetch {
            transport: &self.inner.transport,
            signal,
        }
    }

    /// `POST /account/auth`: logs in now and caches the token (`invalid_input` without
    /// e-mail and password).
    pub async fn authenticate(&self, signal: Option<&AbortSignal>) -> Result<AccessToken> {
        self.inner.session.authenticate(&self.io(signal)).await
    }

    /// `GET /health`: any 2xx is healthy; resolves with the JSON body, if any.
    pub async fn health(&self, signal: Option<&AbortSignal>) -> Result<Value> {
        self.inner.session.health(&self.io(signal)).await
    }

    /// `POST /order/`: validated first, never retried automatically.
    pub async fn create_order(
        &self,
        order: &OrderRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<Transaction> {
        self.inner
            .session
            .create_order(&self.io(signal), order)
            .await
    }

    /// `POST /order/{orderid}/refresh`.
    pub async fn request_refresh(
        &self,
        orderid: &str,
        refresh: &RefreshRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<Transaction> {
        self.inner
            .session
            .request_refresh(&self.io(signal), orderid, refresh)
            .await
    }

    /// `POST /order/needrefresh`, the vendor's deprecated form of [`Self::request_refresh`].
    #[deprecated(note = "the vendor deprecated POST /order/needrefresh; use request_refresh")]
    pub async fn request_refresh_legacy(
        &self,
        refresh: &LegacyRefreshRequest,
        signal: Option<&AbortSignal>,
    ) -> Result<Transaction> {
        self.inner
            .session
            .request_refresh_legacy(&self.io(signal), refresh)
            .await
    }

    /// `POST /order/test/webhook-events`: makes the service send `event` for `orderid`.
    pub async fn send_test_webhook(
        &self,
        orderid: &str,
        event: &OrderState,
        signal: Option<&AbortSignal>,
    ) -> Result<Value> {
        self.inner
            .session
            .send_test_webhook(&self.io(signal), orderid, event)
            .await
    }
}
