//! `deadlock` (the hazard seed 004 warns about): two threads take two locks in opposite orders.
//!
//! ```python
//! def transfer_ab():
//!     with lock_a:
//!         with lock_b: ...
//! def transfer_ba():
//!     with lock_b:
//!         with lock_a: ...
//! ```

use super::{bodies, join, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Lock;
use crate::thread::{Builder, JoinHandle};
use std::sync::Arc;

/// Takes `first` then `second` and moves one unit between them.
fn transfer<R: Runtime>(first: &Lock<i64, R>, second: &Lock<i64, R>) {
    let mut from = first.lock();
    let mut to = second.lock();
    *from -= 1;
    *to += 1;
}

/// Two threads lock `lock_a`/`lock_b` in opposite orders; some interleavings deadlock.
pub fn body<R: Runtime>(_params: &Params) {
    let a = Arc::new(Lock::<i64, R>::named("lock_a", 10).fingerprinted());
    let b = Arc::new(Lock::<i64, R>::named("lock_b", 10).fingerprinted());
    let spawn = |name: &str, first: &Arc<Lock<i64, R>>, second: &Arc<Lock<i64, R>>| {
        let (first, second) = (Arc::clone(first), Arc::clone(second));
        let spawned = Builder::<R>::new()
            .name(name)
            .spawn(move || transfer(&first, &second));
        spawned.unwrap_or_else(|e| panic!("cannot start {name}: {e}"))
    };
    let workers: Vec<JoinHandle<(), R>> =
        vec![spawn("transfer_ab", &a, &b), spawn("transfer_ba", &b, &a)];
    for worker in workers {
        join(worker);
    }
    let total = a.with(|a| *a) + b.with(|b| *b);
    assert!(total == 20, "money created or destroyed: total is {total}");
}

pub(super) const MODEL: Model = Model {
    name: "deadlock",
    description: "two threads take lock_a and lock_b in opposite orders",
    property: "the program finishes (no state where every thread waits for a lock)",
    expected: Verdict::Deadlock,
    seed: "004 (Python's Threading Module: race conditions and deadlocks)",
    params: &[],
    spawned_threads: |_| 2,
    unsupported: &[],
    notes: "The deadlock needs one preemption: transfer_ab holds lock_a when transfer_ba takes \
            lock_b.",
    bodies: bodies!(body),
};
