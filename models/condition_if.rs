//! `condition-if`: the `condition` model with `if` instead of `while` around `cond.wait()`.
//!
//! A woken consumer does not re-check: when a late consumer takes the item between the
//! `notify()` and the wake-up, the woken one finds the buffer empty. Expected: violated.
//!
//! PENDING: needs `sync::Condition` (lock/wait/notify); wired into `models/mod.rs` at merge.

use super::{bodies, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;

/// Consumers check the condition once, with `if` (the bug).
pub fn body<R: Runtime>(params: &Params) {
    super::condition::run::<R>(params, false);
}

pub(super) const MODEL: Model = Model {
    name: "condition-if",
    description: "the condition model with `if` instead of `while` around wait() (a bug)",
    property: "every consumer gets exactly one item; nobody wakes to an empty buffer",
    expected: Verdict::Violated,
    seed: "003/004 (Synchronizing Threads: Conditions), with the classic mistake",
    params: &[param("threads", "consumer threads", 2, 2, 63)],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "The failure needs a consumer that arrives after the notify and takes the item first.",
    bodies: bodies!(body),
};
