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
//!
//! ## The pure core, natively
//!
//! ```
//! use passerelle::echange::{requests, responses};
//! use passerelle::http::{BaseUrl, ResponseHead};
//! use passerelle::ErrorCode;
//!
//! let base = BaseUrl::parse("https://echange.example.fr/").unwrap();
//! let req = requests::list_dir(&base, Some("Relevés/Déc 2025")).unwrap();
//! assert_eq!(req.url, "https://echange.example.fr/api/v2/user/dirs?path=Relev%C3%A9s/D%C3%A9c%202025");
//!
//! let head = ResponseHead::new(404, vec![]);
//! let body = br#"{"error":"file does not exist","message":"Unable to get directory lister"}"#;
//! let err = responses::parse_listing("/nope", &head, body, 0).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::NotFound);
//! assert_eq!(err.server_message(), Some("Unable to get directory lister"));
//! ```
//!
//! ## The clients
//!
//! `echange::client::EchangeClient` and `pre_etat_date::client::PreEtatDateClient` offer every
//! operation as an `async fn` returning `Result<T, passerelle::Error>`. Each takes the call's
//! transport (`http::io::Io`): on `wasm32-unknown-unknown` a `http::fetch::FetchIo`, natively a
//! transport of your own (the tests use a scripted one). JavaScript users get the same through
//! the npm package.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "echange")]
pub mod echange;
pub mod error;
pub mod http;
pub mod json;
#[cfg(feature = "echange")]
pub mod mirror;
#[cfg(feature = "pre-etat-date")]
pub mod pre_etat_date;
pub mod time;
#[cfg(feature = "unzip")]
pub mod unzip;

#[cfg(target_arch = "wasm32")]
mod js;

pub use error::{Error, ErrorCause, ErrorCode, Result};

/// The WebAssembly module's allocator: talc instead of the standard library's dlmalloc, ~3 KB
/// gzip lighter per module. Freed blocks are merged and reused, so wasm memory stays bounded
/// (tests/js/node-hostile.test.mjs: the same peaks as with dlmalloc).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
