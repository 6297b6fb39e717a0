//! # Passerelle
//!
//! Typed clients for two French B2B APIs, written as a pure Rust core with a thin WebAssembly
//! edge:
//!
//! * **GÉRÉDIS « Échange »**, an SFTPGo server ([`echange`]): tokens, listings, streamed zip
//!   downloads, uploads.
//! * **PRE-ETAT.DATE** ([`pre_etat_date`]): authentication, orders, refresh requests, webhooks.
//! * A forward-only streaming zip reader for the Go writer's layout ([`unzip`]).
//!
//! Everything that builds requests, parses responses, validates input, decides retries, tracks
//! token lifetime or reads zip bytes is plain Rust, tested natively. Only `http::fetch` and the
//! `js` module (both `wasm32` only) touch `fetch` and JavaScript.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod echange;
pub mod error;
pub mod http;
pub mod pre_etat_date;
pub mod time;
pub mod unzip;

#[cfg(target_arch = "wasm32")]
mod js;

pub use error::{Error, ErrorCode, Result};
