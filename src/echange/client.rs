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
use crate::error::{Error, ErrorCode, Result};
use crate::http::fetch::{now_ms, OpenResponse, Transport};
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
        let replayable = external.is_none();
        let mut replayed = false;
        loop {
            if crate::http::fetch::is_aborted(signal) {
                return Err(crate::http::fetch::aborted(req.operation));
            }
            let token = self.token().await?;
            let authed = requests::with_bearer(req.clone(), &token.access_token);
            let open = self.inner.transport.open(&authed, external, signal).await?;
            if open.head.status == 401 && replayable && !replayed {
                self.forget(&token);
                replayed = true;
                continue;
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
        let open = self.open_authed(req, None, signal).await?;
        let t = self.inner.transport.timeout_ms;
        let body = open.bytes(req.operation, t).await?;
        let head = open.head.clone();
        open.guard.disarm();
        Ok((head, body))
    }

    /// Lists a folder (`None` or `""` = the home or start folder).
    pub async fn list_dir(
        &self,
        path: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<DirEntry>> {
        let req = requests::list_dir(&self.inner.base, path)?;
        let dir = path.unwrap_or("");
        let (head, body) = self.send_authed(&req, signal).await.map_err(|e| {
            if e.code() == ErrorCode::Network {
                // SFTPGo drops the connection when the path is a file (spec §4.1).
                Error::new(
                    ErrorCode::Network,
                    format!(
                        "{} failed: the server closed the connection without answering \
                         (SFTPGo does this when the path is a file, not a folder)",
                        responses::subject("listDir", Some(dir))
                    ),
                )
            } else {
                e
            }
        })?;
        responses::parse_listing(dir, &head, &body, now_ms())
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
