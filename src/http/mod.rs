//! Transport-neutral HTTP pieces: request descriptions, URL building, response heads, retry and
//! timeout policy. Everything here is plain Rust with no I/O; `fetch.rs` (wasm32 only) is the one
//! place that touches the network.

pub mod request;
pub mod response;
pub mod retry;
pub mod url;

#[cfg(target_arch = "wasm32")]
pub mod fetch;

pub use request::{Body, Method, Request};
pub use response::ResponseHead;
pub use retry::{Attempt, Decision, RetryPolicy};
pub use url::BaseUrl;
