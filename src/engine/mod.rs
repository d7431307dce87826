//! threadcheck's own deterministic engine (public API).
//!
//! STATUS: API skeleton. The engine implementation replaces the body of [`check`]; the types
//! below are the contract the CLI, the models and the fuzzer are written against.

mod api;

pub use api::*;
