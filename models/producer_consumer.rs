//! `producer-consumer` (seed 002, as written): the consumer stops as soon as the queue is empty.
//!
//! ```python
//! q = queue.Queue()
//! def producer():
//!     for i in range(5):
//!         q.put(i)
//!         print("Produced", i)
//! def consumer():
//!     while not q.empty():
//!         item = q.get()
//!         print("Consumed", item)
//! t1 = threading.Thread(target=producer)
//! t2 = threading.Thread(target=consumer)
//! t1.start(); t2.start(); t1.join(); t2.join()
//! ```
//!
//! `q.empty()` is a snapshot, not "the producer is done": if the consumer runs before the
//! producer's first `put`, or overtakes it later, it sees an empty queue and returns while items
//! are still to come. They are put after it left, and nobody consumes them.

use super::{bodies, join, param, spawn, Model, Params};
use crate::engine::Verdict;
use crate::queue::Queue;
use crate::rt::Runtime;
use std::sync::Arc;

/// The seed's program; asserts that every produced item was consumed (which fails).
pub fn body<R: Runtime>(params: &Params) {
    let items = params.get("items");
    // maxsize 0: unbounded, as `queue.Queue()`; the queue is never shut down.
    let q = Arc::new(Queue::<u64, R>::named("q", 0).show_items().fingerprinted());
    let producer = {
        let q = Arc::clone(&q);
        spawn::<(), R, _>("producer", move || {
            for i in 0..items {
                if q.put(i).is_err() {
                    panic!("put refused: Queue q was shut down, which this model never does");
                }
            }
        })
    };
    let consumer = {
        let q = Arc::clone(&q);
        spawn::<Vec<u64>, R, _>("consumer", move || {
            let mut consumed = Vec::new();
            while !q.empty() {
                match q.get() {
                    Ok(item) => consumed.push(item),
                    Err(_) => {
                        panic!("get refused: Queue q was shut down, which this model never does")
                    }
                }
            }
            consumed
        })
    };
    join(producer);
    let consumed = join(consumer);
    let left = q.qsize();
    assert!(
        consumed.len() as u64 == items,
        "items lost: the consumer consumed {consumed:?} and returned, leaving {left} of the \
         {items} produced items in Queue q: it found the queue empty before the producer had put \
         them all (`while not q.empty()` stops at a momentarily empty queue)"
    );
}

pub(super) const MODEL: Model = Model {
    name: "producer-consumer",
    description: "a producer puts items; the consumer loops `while not q.empty(): q.get()` \
                  (seed as written)",
    property: "every produced item is consumed",
    expected: Verdict::Violated,
    seed: "002 (Multithreading in Python: Using Queues)",
    params: &[param("items", "items the producer puts", 5, 1, 1_000_000)],
    spawned_threads: |_| 2,
    unsupported: &[],
    notes: "`q.empty()` is only a snapshot: an empty queue does not mean the producer is done. \
            No preemption is needed: the consumer starting before the producer's first put is \
            enough. See producer-consumer-fixed.",
    bodies: bodies!(body),
};
