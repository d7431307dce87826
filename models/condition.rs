//! `condition`: consumers wait on a `Condition` for an item, re-checking in a `while` loop.
//!
//! ```python
//! with cond:
//!     while not items:
//!         cond.wait()
//!     item = items.pop(0)
//! ```
//!
//! The `while` matters: between `notify()` and the woken waiter re-acquiring the lock, another
//! consumer may take the item. See `condition-if` for the twin that uses `if`.
//!
//! PENDING: needs `sync::Condition` (lock/wait/notify); wired into `models/mod.rs` at merge.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Condition;
use crate::thread::JoinHandle;
use std::collections::VecDeque;
use std::sync::Arc;

/// The consumer loop: `while` or `if` around the wait.
pub(super) fn run<R: Runtime>(params: &Params, recheck_in_loop: bool) {
    let consumers = params.get("threads");
    let cond = Arc::new(Condition::<VecDeque<u64>, R>::new(VecDeque::new()));
    let handles: Vec<_> = (0..consumers)
        .map(|_| {
            let cond = Arc::clone(&cond);
            JoinHandle::<u64, R>::spawn(move || {
                let mut items = cond.lock();
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
                        "woken with no item to take: another consumer took it between notify() \
                         and this wake-up (check the condition in a `while`, not an `if`)"
                    ),
                }
            })
        })
        .collect();
    for item in 0..consumers {
        let mut items = cond.lock();
        items.push_back(item);
        items.notify(1);
    }
    let mut got: Vec<u64> = handles.into_iter().map(join).collect();
    got.sort_unstable();
    let expected: Vec<u64> = (0..consumers).collect();
    assert!(got == expected, "consumers got {got:?}, expected {expected:?}");
}

/// Consumers re-check the condition in a `while` loop (correct).
pub fn body<R: Runtime>(params: &Params) {
    run::<R>(params, true);
}

pub(super) const MODEL: Model = Model {
    name: "condition",
    description: "consumers wait on a Condition in a `while` loop; the main thread notifies",
    property: "every consumer gets exactly one item; nobody wakes to an empty buffer",
    expected: Verdict::Holds,
    seed: "003/004 (Synchronizing Threads: Conditions)",
    params: &[param("threads", "consumer threads", 2, 1, 63)],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "",
    bodies: bodies!(body),
};
