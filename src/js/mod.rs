//! wasm-bindgen exports and TypeScript declarations (wasm32 only).
