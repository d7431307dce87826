//! Counterexample traces and their rendering (text table, JSON, HTML).
//!
//! A [`Trace`] is what every engine produces for a failing execution: the threads, and one
//! [`Step`] per visible operation in the order they ran. Rendering lives here so that the CLI,
//! the tests and the fuzzer print the same readable report.

mod trace;

pub use trace::{Step, ThreadDesc, Trace};
