//! threadcheck's own deterministic engine (public API).
//!
//! STATUS: API skeleton. The engine implementation replaces the body of [`check`]; the types
//! below are the contract the CLI, the models and the fuzzer are written against.

mod api;

pub use api::*;

// PLACEHOLDER until the engine branch merges: `Native` behaves as `Std` so that the CLI's
// native dispatch compiles. The engine branch replaces this file.
/// Placeholder for the native engine's runtime (replaced by the engine).
pub type Native = crate::rt::Std;
