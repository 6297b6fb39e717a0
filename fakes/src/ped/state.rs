//! The fake's shared state: accounts, issued-token generation, orders, webhook log, counters.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Map, Value};

use super::clock::http_date;
use super::messages::Lang;

/// Default token lifetime, seconds.
pub const DEFAULT_TOKEN_TTL: u64 = 3600;
/// Default time the fake waits for a callback's reply, milliseconds.
pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 5000;

/// One PRE-ETAT.DATE account.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub email: String,
    pub password: String,
    pub api_key: String,
    pub callback: Option<String>,
    /// Contract flag: `registration_id` is sent with `done` webhooks.
    pub contract_registration: bool,
    /// Contract flag: `documents` are sent with `done` webhooks.
    pub contract_documents: bool,
    pub registration_id: String,
}

/// One stored transaction.
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub orderid: String,
    pub account: String,
    pub created: u64,
    pub updated: u64,
    pub external_id: Option<String>,
    pub test_mode: bool,
    pub state: String,
    pub pending: bool,
    pub refreshed: bool,
    pub method: String,
    /// The syndic object given at creation or at the last refresh.
    pub syndic: Option<Value>,
    /// The create request body as received.
    pub request: Value,
    /// Bodies of accepted refresh requests.
    pub refreshes: Vec<Value>,
}

impl Order {
    /// The vendor's order object (docs/pre-etat-date.md): FR mode adds `billing_mode` / `sso_provider` = null.
    pub fn payload(&self, lang: Lang) -> Value {
        let mut m = Map::new();
        m.insert("account".into(), json!(self.account));
        m.insert("created".into(), json!(http_date(self.created)));
        m.insert("external_id".into(), json!(self.external_id));
        m.insert("orderid".into(), json!(self.orderid));
        m.insert("pending".into(), json!(self.pending));
        m.insert("refreshed".into(), json!(self.refreshed));
        m.insert("state".into(), json!(self.state));
        m.insert("test_mode".into(), json!(self.test_mode));
        m.insert("updated".into(), json!(http_date(self.updated)));
        if lang == Lang::Fr {
            m.insert("billing_mode".into(), Value::Null);
            m.insert("sso_provider".into(), Value::Null);
        }
        Value::Object(m)
    }

    /// Moves to `state`; `updated` strictly increases so tests can see it advance.
    pub fn set_state(&mut self, state: &str, now: u64) {
        self.state = state.to_string();
        self.pending = state != "done";
        self.updated = now.max(self.updated + 1);
    }
}

/// One webhook POST attempt (or a skipped one when no callback is configured).
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub seq: u64,
    pub url: Option<String>,
    pub orderid: String,
    pub event: String,
    pub body: Value,
    pub reply_status: Option<u16>,
    pub error: Option<String>,
    pub attempt: u32,
    pub redelivery_of: Option<u64>,
}

impl Delivery {
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "url": self.url,
            "orderid": self.orderid,
            "event": self.event,
            "body": self.body,
            "reply_status": self.reply_status,
            "error": self.error,
            "attempt": self.attempt,
            "redelivery_of": self.redelivery_of,
        })
    }
}

pub(crate) struct Inner {
    pub lang: Lang,
    pub initial_lang: Lang,
    pub token_ttl: u64,
    pub initial_token_ttl: u64,
    /// Part of the signing secret; bumping it invalidates every issued token.
    pub token_generation: u64,
    pub webhook_retries: u32,
    pub webhook_timeout_ms: u64,
    pub accounts: Vec<Account>,
    /// Orders in creation order.
    pub orders: Vec<Order>,
    pub rejected_syndic: Vec<(String, String)>,
    pub deliveries: Vec<Delivery>,
    pub request_counts: BTreeMap<String, u64>,
    pub rng: u64,
    pub next_document_id: u64,
}

fn seed_accounts() -> Vec<Account> {
    vec![
        Account {
            email: "notaire@example.fr".into(),
            password: "Secret-Été-2025".into(),
            api_key: "ped-test-key".into(),
            callback: None,
            contract_registration: true,
            contract_documents: true,
            registration_id: "AC-123-45".into(),
        },
        Account {
            email: "autre@example.fr".into(),
            password: "autre-pw".into(),
            api_key: "ped-other-key".into(),
            callback: None,
            contract_registration: false,
            contract_documents: false,
            registration_id: "AD-678-90".into(),
        },
    ]
}

impl Inner {
    fn new(lang: Lang) -> Inner {
        Inner {
            lang,
            initial_lang: lang,
            token_ttl: DEFAULT_TOKEN_TTL,
            initial_token_ttl: DEFAULT_TOKEN_TTL,
            token_generation: 1,
            webhook_retries: 0,
            webhook_timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS,
            accounts: seed_accounts(),
            orders: Vec::new(),
            rejected_syndic: Vec::new(),
            deliveries: Vec::new(),
            request_counts: BTreeMap::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
            next_document_id: 41,
        }
    }

    fn reset(&mut self) {
        self.lang = self.initial_lang;
        self.token_ttl = self.initial_token_ttl;
        self.token_generation += 1;
        self.webhook_retries = 0;
        self.webhook_timeout_ms = DEFAULT_WEBHOOK_TIMEOUT_MS;
        self.accounts = seed_accounts();
        self.orders.clear();
        self.rejected_syndic.clear();
        self.deliveries.clear();
        self.request_counts.clear();
        self.next_document_id = 41;
        // `rng` keeps going so order ids stay unique for the whole process.
    }

    pub fn signing_secret(&self) -> Vec<u8> {
        format!("passerelle-fake-ped-secret-{}", self.token_generation).into_bytes()
    }

    pub fn account_by_key(&self, key: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.api_key == key)
    }

    pub fn account_mut(&mut self, email: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.email == email)
    }

    pub fn order(&self, orderid: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.orderid == orderid)
    }

    pub fn order_mut(&mut self, orderid: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.orderid == orderid)
    }

    /// A fresh, unused `[A-Z0-9]{6}` id (xorshift64*).
    pub fn new_orderid(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        loop {
            let mut id = String::with_capacity(6);
            for _ in 0..6 {
                self.rng ^= self.rng >> 12;
                self.rng ^= self.rng << 25;
                self.rng ^= self.rng >> 27;
                let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32;
                let c = ALPHABET.get((r % 36) as usize).copied().unwrap_or(b'X');
                id.push(char::from(c));
            }
            if self.order(&id).is_none() {
                return id;
            }
        }
    }

    pub fn is_rejected(&self, username: &str, password: &str) -> bool {
        self.rejected_syndic
            .iter()
            .any(|(u, p)| u == username && p == password)
    }

    pub fn next_seq(&self) -> u64 {
        self.deliveries.len() as u64 + 1
    }
}

/// State of the PRE-ETAT.DATE fake. Cheap to clone (an `Arc` inside); clones share state.
#[derive(Clone)]
pub struct PedState {
    pub(crate) inner: Arc<Mutex<Inner>>,
}

impl PedState {
    /// Seed state: the two accounts of the contract, no orders, messages in `lang`,
    /// token lifetime 3600 s.
    pub fn new(lang: Lang) -> PedState {
        PedState {
            inner: Arc::new(Mutex::new(Inner::new(lang))),
        }
    }

    /// Back to the seed state (accounts, callbacks, contract flags, orders, rejected syndic
    /// pairs, webhook log, request counts, language and token lifetime as configured at start);
    /// every token issued before is invalid afterwards.
    pub fn reset(&self) {
        self.lock().reset();
    }

    /// Sets the lifetime of tokens issued from now on (the `--token-ttl` option); it is also the
    /// value [`PedState::reset`] restores.
    pub fn set_token_ttl(&self, secs: u64) {
        let mut g = self.lock();
        g.token_ttl = secs;
        g.initial_token_ttl = secs;
    }

    /// Current message language.
    pub fn lang(&self) -> Lang {
        self.lock().lang
    }

    /// How many requests reached a vendor route since the last reset. `route` is the method
    /// and the route pattern without the `/api` prefix, e.g. `"POST /order/"`,
    /// `"POST /order/{orderid}/refresh"`, `"POST /account/auth"`, `"GET /health"`.
    pub fn request_count(&self, route: &str) -> u64 {
        self.lock().request_counts.get(route).copied().unwrap_or(0)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn count(&self, route: &str) {
        *self
            .lock()
            .request_counts
            .entry(route.to_string())
            .or_insert(0) += 1;
    }
}
