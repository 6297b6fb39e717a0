//! PRE-ETAT.DATE (Maison du Pré-état daté): models, validation, request builders, envelope
//! parsing, token lifetime and webhooks — all pure, no I/O — and the client on the shared
//! engine. The facts about the API are in `docs/pre-etat-date.md`.
//!
//! | file | concept |
//! |---|---|
//! | [`model`] | request bodies ([`OrderRequest`], [`RefreshRequest`], …), credentials; `Debug` redacts secrets |
//! | [`state`] | [`OrderState`], shared by orders and webhooks |
//! | [`transaction`] | the order payload [`Transaction`] (unknown fields kept) |
//! | [`validation`] | [`validate_order`] and friends: every problem, with path and code |
//! | [`requests`] | one builder per endpoint, returning [`crate::http::Request`] |
//! | [`responses`] | the `{message, payload, success}` envelope and payload parsers |
//! | [`token`] | JWT `exp` and when a token is renewed |
//! | [`client`] | [`PreEtatDateClient`]: what is specific to the API, on the shared engine |
//! | [`webhook`] | [`parse_webhook`] and its PDF decoding |
//! | [`doctype`] | `doctype` codes and their French / English labels |
//!
//! `create_order` and the refresh routes are never retried automatically: an order costs money.
//!
//! ```
//! use passerelle::http::{BaseUrl, ResponseHead};
//! use passerelle::pre_etat_date::{requests, responses, validate_order, OrderRequest, OrderState};
//!
//! let order = OrderRequest::from_json_value(passerelle::json::parse(r#"{
//!     "address": "4 BIS RUE DE LA FERME", "city": "CALUIRE ET CUIRE", "zipcode": "69300",
//!     "owners": [{"firstname": "Jean", "lastname": "Dupont"}],
//!     "invoice": {"address": "64, avenue Kleber", "city": "PARIS", "zipcode": "75116",
//!                 "lastname": "PLAISIR NOTAIRES"},
//!     "method": "extranet",
//!     "syndic": {"name": "Syndic Name", "username": "syndic_user", "password": "syndic_pass"}
//! }"#).unwrap()).unwrap();
//! assert!(validate_order(&order).is_empty());
//!
//! let base = BaseUrl::parse("https://api.maison-du-pre-etat-date.fr").unwrap();
//! let req = requests::create_order(&base, "api-key", "jwt", &order).unwrap();
//! assert_eq!(req.url, "https://api.maison-du-pre-etat-date.fr/order/");
//! assert!(!req.retryable);
//!
//! // … the transport sends `req` and hands back the head and the body …
//! let body = br#"{"message": "Transaction created", "success": true,
//!     "payload": {"orderid": "C7HOF2", "state": "confirmed",
//!                 "created": "Tue, 25 Mar 2025 17:32:39 GMT"}}"#;
//! let order = responses::parse_transaction("createOrder", &ResponseHead::new(200, vec![]), body)
//!     .unwrap();
//! assert_eq!(order.state, OrderState::Confirmed);
//! assert_eq!(order.created_iso().as_deref(), Some("2025-03-25T17:32:39Z"));
//! ```

mod b64;
pub mod client;
pub mod doctype;
pub mod model;
mod read;
pub mod requests;
pub mod responses;
#[cfg(test)]
mod serde_ref;
pub mod state;
pub mod token;
pub mod transaction;
pub mod validation;
pub mod webhook;

pub use client::{PreEtatDateClient, PreEtatDateConfig};
pub use doctype::{document_type_label, DocumentType, Lang};
pub use model::{
    AccessToken, Credentials, Invoice, LegacyRefreshRequest, OrderMethod, OrderRequest, Owner,
    RefreshRequest, Syndic,
};
pub use responses::Envelope;
pub use state::OrderState;
pub use token::{fixed_lease, jwt_expiry, managed_lease};
pub use transaction::Transaction;
pub use validation::{
    issues_to_error, validate_legacy_refresh, validate_order, validate_order_value,
    validate_refresh, ValidationIssue,
};
pub use webhook::{parse_webhook, parse_webhook_value, WebhookDocument, WebhookEvent};
