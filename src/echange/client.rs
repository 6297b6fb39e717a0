//! The Échange client (wasm32): sends the core requests with `fetch`.
