//! `pool-map` (seed 001): `ThreadPoolExecutor(3).map(task, range(5))`.
//!
//! ```python
//! def task(n):
//!     return n * n
//! with ThreadPoolExecutor(max_workers=3) as executor:
//!     results = executor.map(task, range(5))
//! print(list(results)) # [0, 1, 4, 9, 16]
//! ```
//!
//! The tasks finish in any order on the pool's workers; `map` must still hand the results back
//! complete and in input order.

use super::{bodies, param, Model, Params};
use crate::engine::Verdict;
use crate::pool::ThreadPoolExecutor;
use crate::rt::Runtime;

/// `task(n)`: `n * n`.
fn square(n: u64) -> u64 {
    n * n
}

/// The seed's program; asserts that the results come back complete and in input order.
pub fn body<R: Runtime>(params: &Params) {
    let workers = params.count("threads");
    let items = params.get("items");
    let executor = ThreadPoolExecutor::<R>::named("executor", workers)
        .unwrap_or_else(|e| panic!("ThreadPoolExecutor({workers}) refused: {e}"));
    let results = match executor.map(square, 0..items) {
        Ok(results) => results,
        Err(_) => panic!("map refused: the executor was shut down before the `with` block ended"),
    };
    executor.shutdown(true, false); // the end of the `with` block
    let results: Vec<u64> = results
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("task({i}) failed: {e}")))
        .collect();
    let expected: Vec<u64> = (0..items).map(square).collect();
    assert!(
        results == expected,
        "list(executor.map(task, range({items}))) is {results:?}, expected {expected:?}"
    );
}

pub(super) const MODEL: Model = Model {
    name: "pool-map",
    description: "ThreadPoolExecutor(3).map(task, range(5)) with task(n) = n * n",
    property: "the results are [0, 1, 4, 9, 16]: complete and in input order",
    expected: Verdict::Holds,
    seed: "001 (Multithreading and Semaphores in Python: ThreadPoolExecutor)",
    params: &[
        param("threads", "max_workers of the pool", 3, 1, 64),
        param("items", "the n of range(n)", 5, 0, 10_000),
    ],
    // Workers start lazily, one per queued task while none is idle: min(max_workers, tasks).
    spawned_threads: |p| p.count("threads").min(p.count("items")),
    unsupported: &[],
    notes: "The tasks may finish in any order; map returns their results in input order.",
    bodies: bodies!(body),
};
