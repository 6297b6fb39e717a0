//! GÉRÉDIS « Échange » — the SFTPGo user REST API (`/api/v2/user/...`).
//!
//! The pure parts live here and are tested natively: [`model`] (wire types), [`paths`] (path
//! cleaning and checks), [`requests`] (request builders), [`responses`] (parsing and error
//! mapping) and [`token`] (token lifetime). [`client::EchangeClient`] sends them through the
//! shared engine ([`crate::http`]).

pub mod listing;
pub mod model;
pub mod paths;
pub mod requests;
pub mod responses;
pub mod token;
pub mod walk;

pub mod client;

pub use model::{DirEntry, EntryType, Token};
pub use requests::Credentials;
