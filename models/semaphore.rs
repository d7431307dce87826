//! `semaphore` (seeds 000 and 001): five threads share a resource guarded by `Semaphore(2)`.
//!
//! ```python
//! semaphore = threading.Semaphore(2)
//! def access_shared_resource(thread_id):
//!     with semaphore:
//!         print(f"Thread {thread_id} is accessing the resource.")
//!         time.sleep(2)
//! threads = [threading.Thread(target=access_shared_resource, args=(i,)) for i in range(5)]
//! ```
//!
//! The number of threads inside is counted under a lock (`inside`), so the count itself is
//! exact and only the semaphore is on trial.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::{Lock, Semaphore};
use crate::thread::JoinHandle;
use std::sync::Arc;
use std::time::Duration;

/// The seed's program; asserts that at most `permits` threads are ever inside.
pub fn body<R: Runtime>(params: &Params) {
    let threads = params.get("threads");
    let permits = params.count("permits");
    let semaphore = Arc::new(Semaphore::<R>::named("semaphore", permits));
    let inside = Arc::new(Lock::<usize, R>::named("inside", 0).fingerprinted());
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
            JoinHandle::<(), R>::spawn(move || {
                let _permit = semaphore.acquire(); // with semaphore:
                let now = inside.with(|n| {
                    *n += 1;
                    *n
                });
                assert!(
                    now <= permits,
                    "{now} threads are inside at once; Semaphore({permits}) admits {permits}"
                );
                R::sleep(Duration::from_secs(2)); // time.sleep(2)
                inside.with(|n| *n -= 1);
            })
        })
        .collect();
    for worker in workers {
        join(worker);
    }
    let left = semaphore.value();
    assert!(
        left == permits,
        "{left} permits left at the end, expected {permits}: a permit was lost or duplicated"
    );
}

pub(super) const MODEL: Model = Model {
    name: "semaphore",
    description: "five threads use a resource guarded by Semaphore(2)",
    property: "never more than `permits` threads inside at once, and every permit is returned",
    expected: Verdict::Holds,
    seed: "000 (Advanced Concepts in Python Threading: Semaphore) and 001 (Semaphores)",
    params: &[
        param("threads", "worker threads", 5, 1, 64),
        param("permits", "the semaphore's initial value", 2, 1, 64),
    ],
    spawned_threads: |p| p.count("threads"),
    unsupported: &[],
    notes: "Loom can check at most 4 workers (its thread cap); the seed's 5 need the native \
            engine or shuttle.",
    bodies: bodies!(body),
};
