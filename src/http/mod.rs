//! HTTP: requests and responses as data, the one I/O seam ([`io::Io`]) and the one engine both
//! clients run on — retries with one budget ([`engine`]), a single-flight token with renewal and
//! one replay after a refusal ([`auth`]). Everything here is plain Rust with no I/O except
//! `fetch.rs` (wasm32 only), the seam on the runtime's `fetch`.

pub mod auth;
pub mod engine;
pub mod io;
pub mod request;
pub mod response;
pub mod retry;
pub mod url;

#[cfg(target_arch = "wasm32")]
pub mod fetch;

#[cfg(all(test, any(feature = "echange", feature = "pre-etat-date")))]
pub(crate) mod script;

pub use auth::{Auth, Lease, Session, TokenSlot};
pub use engine::{Engine, Got};
pub use io::{Failure, Io, Opened, ResponseBody};
pub use request::{Body, Method, Request};
pub use response::ResponseHead;
pub use retry::{Attempt, Decision, RetryPolicy};
pub use url::BaseUrl;
