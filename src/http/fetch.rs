//! The `fetch` adapter (wasm32 only).
