//! `counter-unlocked`: seed 003 without the lock. `counter += 1` is a read and a write (Python's
//! `LOAD_GLOBAL` ... `STORE_GLOBAL`), two separate steps another thread can run between.
//!
//! ```python
//! def increment():
//!     global counter
//!     for _ in range(100000):
//!         counter += 1      # read counter, then write counter + 1
//! ```

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Var;
use crate::thread::JoinHandle;
use std::sync::Arc;

/// The seed's program without the lock; asserts that no increment is lost (which fails).
pub fn body<R: Runtime>(params: &Params) {
    let iterations = params.get("iterations");
    let threads = params.get("threads");
    let counter = Arc::new(Var::<u64, R>::named("counter", 0).fingerprinted());
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = Arc::clone(&counter);
            JoinHandle::<(), R>::spawn(move || {
                for _ in 0..iterations {
                    let seen = counter.get(); // read counter
                    counter.set(seen + 1); //    write counter
                }
            })
        })
        .collect();
    for worker in workers {
        join(worker);
    }
    let total = counter.get();
    let expected = threads * iterations;
    assert!(
        total == expected,
        "lost update: the final counter is {total}, expected {expected} ({threads} threads x {iterations} increments)"
    );
}

pub(super) const MODEL: Model = Model {
    name: "counter-unlocked",
    description: "two threads do `counter += 1` with no lock (read and write are separate steps)",
    property: "the final counter equals threads x iterations (no update is lost)",
    expected: Verdict::Violated,
    seed: "003 (Threading and Concurrency in Python), without its lock",
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
    notes: "A lost update needs one preemption between a thread's read and its write.",
    bodies: bodies!(body),
};
