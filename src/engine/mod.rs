//! threadcheck's own deterministic model checker.
//!
//! [`check`] runs a program (its main thread, a closure) again and again under the [`Native`]
//! runtime, where every thread is a coroutine and every primitive operation is one visible step
//! chosen by a deterministic scheduler. The [`Strategy`] decides which interleavings run:
//! exhaustive (Optimal DPOR: one execution per Mazurkiewicz trace), preemption bounded (CHESS),
//! random, PCT, or the replay of one printed schedule. A failing execution (panic, deadlock, step
//! bound) comes back as a [`Failure`] with a readable trace and a
//! schedule string that replays it.
//!
//! The design, the algorithms and the soundness argument of every reduction are in
//! `docs/engine.md`. The memory model is sequential consistency: weak-memory effects are loom's
//! job.

mod api;
mod bounded;
mod dpor;
mod driver;
mod enumerate;
mod exec;
mod native;
mod parallel;
mod run;
mod schedule;
mod stateful;
mod strategy;

pub use api::*;
pub(crate) use native::refuse_inside_check;
pub use native::{Native, NativeGuard, NativeMonitor, NativeMutex};
