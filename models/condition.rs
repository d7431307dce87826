//! `condition`: consumers wait on a `Condition` for an item, re-checking in a `while` loop; the
//! main thread puts one item per consumer, notifying one waiter each time.
//!
//! ```python
//! cond = threading.Condition()
//! items = []
//! def consumer():
//!     with cond:
//!         while not items:     # condition-if: `if not items:`
//!             cond.wait()
//!         return items.pop(0)
//! for i in range(2):           # main thread
//!     with cond:
//!         items.append(i)
//!         cond.notify()
//! ```
//!
//! The `while` matters even though this `Condition` has no spurious wake-ups: `notify()` only
//! marks a waiter runnable; it must still re-acquire the lock, and a consumer that arrives in
//! between (it never waited: it found the item there) can take the item first. The woken
//! consumer must then wait again. See `condition-if` for the twin that uses `if` and does not.

use super::{bodies, join, param, spawn, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Condition;
use std::collections::VecDeque;
use std::sync::Arc;

/// The program, with `while` (`recheck_in_loop`) or `if` around the wait.
pub(super) fn run<R: Runtime>(params: &Params, recheck_in_loop: bool) {
    let consumers = params.get("threads");
    let cond =
        Arc::new(Condition::<VecDeque<u64>, R>::named("cond", VecDeque::new()).fingerprinted());
    let handles: Vec<_> = (1..=consumers)
        .map(|i| {
            let cond = Arc::clone(&cond);
            spawn::<u64, R, _>(&format!("consumer-{i}"), move || {
                let mut items = cond.lock(); // with cond:
                if recheck_in_loop {
                    while items.is_empty() {
                        items.wait();
                    }
                } else if items.is_empty() {
                    items.wait();
                }
                match items.pop_front() {
                    Some(item) => item,
                    None => panic!(
                        "consumer-{i} woke from cond.wait() to an empty list: it was notified, \
                         but another consumer took the item before it re-acquired the lock \
                         (re-check the condition in a `while`, not an `if`)"
                    ),
                }
            })
        })
        .collect();
    for item in 0..consumers {
        let mut items = cond.lock(); // with cond:
        items.push_back(item);
        items.notify(1);
    }
    let mut got: Vec<u64> = handles.into_iter().map(join).collect();
    got.sort_unstable();
    let expected: Vec<u64> = (0..consumers).collect();
    assert!(
        got == expected,
        "the consumers got {got:?}, expected each of {expected:?} exactly once"
    );
}

/// Consumers re-check the condition in a `while` loop (correct).
pub fn body<R: Runtime>(params: &Params) {
    run::<R>(params, true);
}

pub(super) const MODEL: Model = Model {
    name: "condition",
    description: "consumers wait on a Condition in a `while` loop for the items the main thread \
                  adds",
    property: "every consumer gets exactly one item; nobody proceeds on an empty list",
    expected: Verdict::Holds,
    seed: "003 (Synchronizing Threads: Conditions)",
    params: &[param("threads", "consumer threads", 2, 1, 63)],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "The twin condition-if uses `if` instead of `while` and fails.",
    bodies: bodies!(body),
};
