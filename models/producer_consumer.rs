//! `producer-consumer` (seed 002, as written): the consumer stops as soon as the queue is empty.
//!
//! ```python
//! q = queue.Queue()
//! def producer():
//!     for i in range(5):
//!         q.put(i)
//! def consumer():
//!     while not q.empty():
//!         item = q.get()
//! ```
//!
//! If the consumer runs first, or overtakes the producer, it sees an empty queue and stops
//! before every item has been produced: items are left unconsumed.
//!
//! PENDING: needs `queue::Queue` (put/get/empty); wired into `models/mod.rs` at merge.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::queue::Queue;
use crate::rt::Runtime;
use crate::thread::JoinHandle;
use std::sync::Arc;

/// The seed's program; asserts that every produced item was consumed (which fails).
pub fn body<R: Runtime>(params: &Params) {
    let items = params.get("items");
    let q = Arc::new(Queue::<u64, R>::new(0)); // maxsize 0: unbounded, as `queue.Queue()`
    let producer = {
        let q = Arc::clone(&q);
        JoinHandle::<(), R>::spawn(move || {
            for i in 0..items {
                let _ = q.put(i);
            }
        })
    };
    let consumer = {
        let q = Arc::clone(&q);
        JoinHandle::<Vec<u64>, R>::spawn(move || {
            let mut consumed = Vec::new();
            while !q.empty() {
                consumed.push(q.get());
            }
            consumed
        })
    };
    join(producer);
    let consumed = join(consumer);
    let left = q.qsize();
    assert!(
        consumed.len() as u64 == items,
        "the consumer stopped early: it consumed {consumed:?} and left {left} of {items} items \
         in the queue, because it found the queue empty before the producer had put them all"
    );
}

pub(super) const MODEL: Model = Model {
    name: "producer-consumer",
    description: "a producer puts items; the consumer loops `while not q.empty()` (seed as written)",
    property: "every produced item is consumed",
    expected: Verdict::Violated,
    seed: "002 (Multithreading in Python: Using Queues)",
    params: &[param("items", "items the producer puts", 5, 1, 1_000_000)],
    spawned_threads: |_| 2,
    unsupported: &[],
    notes: "`q.empty()` is only a snapshot: an empty queue does not mean the producer is done. \
            See producer-consumer-fixed.",
    bodies: bodies!(body),
};
