//! `counter-locked` (seed 003): two threads each do `with lock: counter += 1` 100000 times.
//!
//! ```python
//! counter = 0
//! lock = threading.Lock()
//! def increment():
//!     global counter
//!     for _ in range(100000):
//!         with lock:
//!             counter += 1
//! ```
//!
//! The increment is a capture-free unit section (`counter.with(increment)`), so the native
//! engine's commuting-sections reduction applies: the sections commute, and the proof does not
//! have to enumerate the C(200000, 100000) orders of the two threads' sections.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Lock;
use crate::thread::JoinHandle;
use std::sync::Arc;

/// `counter += 1`: capture-free and unit-returning, so two such sections commute.
fn increment(counter: &mut u64) {
    *counter += 1;
}

/// The seed's program; asserts that no increment is lost.
pub fn body<R: Runtime>(params: &Params) {
    let iterations = params.get("iterations");
    let threads = params.get("threads");
    let counter = Arc::new(Lock::<u64, R>::named("counter_lock", 0).fingerprinted());
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = Arc::clone(&counter);
            JoinHandle::<(), R>::spawn(move || {
                for _ in 0..iterations {
                    counter.with(increment);
                }
            })
        })
        .collect();
    for worker in workers {
        join(worker);
    }
    let total = counter.with(|c| *c);
    let expected = threads * iterations;
    assert!(
        total == expected,
        "lost update: the final counter is {total}, expected {expected} ({threads} threads x {iterations} increments)"
    );
}

pub(super) const MODEL: Model = Model {
    name: "counter-locked",
    description: "two threads increment a shared counter inside `with lock:`",
    property: "the final counter equals threads x iterations (no update is lost)",
    expected: Verdict::Holds,
    seed: "003 (Threading and Concurrency in Python: Using a Lock)",
    params: &[
        param(
            "iterations",
            "increments per thread",
            100_000,
            1,
            100_000_000,
        ),
        param("threads", "incrementing threads", 2, 1, 64),
    ],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "Loom explores every interleaving of the raw lock operations and gives up beyond \
            a few iterations (its branch limit); the native engine proves the seed's 100000.",
    bodies: bodies!(body),
};
