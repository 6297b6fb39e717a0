//! PRE-ETAT.DATE: models, validation, request builders, envelope parsing, webhooks.

mod b64;
pub mod doctype;
pub mod model;
pub mod requests;
pub mod responses;
pub mod state;
pub mod transaction;
pub mod validation;

pub use doctype::{document_type_label, DocumentType, Lang};
pub use model::{
    AccessToken, Credentials, Invoice, LegacyRefreshRequest, OrderMethod, OrderRequest, Owner,
    RefreshRequest, Syndic,
};
pub use responses::Envelope;
pub use state::OrderState;
pub use transaction::Transaction;
pub use validation::{validate_legacy_refresh, validate_order, validate_refresh, ValidationIssue};
