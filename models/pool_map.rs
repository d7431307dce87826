//! `pool-map` (seed 001): `ThreadPoolExecutor(3).map(square, range(5))`.
//!
//! ```python
//! with ThreadPoolExecutor(max_workers=3) as executor:
//!     results = executor.map(task, range(5))
//! print(list(results)) # [0, 1, 4, 9, 16]
//! ```
//!
//! PENDING: needs `pool::ThreadPoolExecutor` (new/map/shutdown); wired into `models/mod.rs`
//! at merge.

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
    let executor = ThreadPoolExecutor::<R>::new(workers);
    let results: Vec<u64> = executor
        .map(square, 0..items)
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("a task failed: {e}")))
        .collect();
    executor.shutdown();
    let expected: Vec<u64> = (0..items).map(square).collect();
    assert!(
        results == expected,
        "map returned {results:?}, expected {expected:?}"
    );
}

pub(super) const MODEL: Model = Model {
    name: "pool-map",
    description: "ThreadPoolExecutor(3).map(square, range(5))",
    property: "the results are [0, 1, 4, 9, 16]: complete and in input order",
    expected: Verdict::Holds,
    seed: "001 (Multithreading and Semaphores in Python: ThreadPoolExecutor)",
    params: &[
        param("threads", "max_workers of the pool", 3, 1, 64),
        param("items", "the n of range(n)", 5, 0, 10_000),
    ],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "",
    bodies: bodies!(body),
};
