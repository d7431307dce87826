//! `condition-if`: the `condition` model with `if` instead of `while` around `cond.wait()`.
//!
//! ```python
//! def consumer():
//!     with cond:
//!         if not items:        # the bug: checked once
//!             cond.wait()
//!         return items.pop(0)  # IndexError: pop from empty list
//! ```
//!
//! Wake-ups here are never spurious, yet `if` fails: consumer-1 waits; the main thread appends
//! an item and notifies it; before consumer-1 re-acquires the lock, consumer-2 arrives, finds the
//! item and takes it; consumer-1 returns from `wait()` to an empty list. Expected: violated.

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
    property: "every consumer gets exactly one item; nobody proceeds on an empty list",
    expected: Verdict::Violated,
    seed: "003 (Synchronizing Threads: Conditions), with the classic mistake",
    params: &[param(
        "threads",
        "consumer threads (2 or more to race)",
        2,
        2,
        63,
    )],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "The failure needs a consumer that arrives after the notify and takes the item before \
            the notified one re-acquires the lock.",
    bodies: bodies!(body),
};
