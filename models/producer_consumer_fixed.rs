//! `producer-consumer-fixed`: seed 002 done right. The producer ends the stream with a sentinel
//! (`None`); the consumer stops only at the sentinel, never because the queue is momentarily
//! empty, and marks every item `task_done()`; the main thread waits with `q.join()` until every
//! item has been processed.
//!
//! ```python
//! def producer():
//!     for i in range(5):
//!         q.put(i)
//!     q.put(None)              # sentinel: no more items
//! def consumer():
//!     while True:
//!         item = q.get()       # waits while the queue is empty
//!         if item is not None:
//!             consumed.append(item)
//!         q.task_done()
//!         if item is None:
//!             break
//! ...
//! t1.join()                    # the producer has put everything, sentinel included
//! q.join()                     # and every item put has been marked done
//! assert consumed == list(range(5))
//! ```
//!
//! The order of the two joins matters: `q.join()` waits for the items put *so far*, so called
//! before the producer's first `put` it returns at once, with nothing consumed.

use super::{bodies, join, param, spawn, Model, Params};
use crate::engine::Verdict;
use crate::queue::Queue;
use crate::rt::Runtime;
use crate::sync::Lock;
use std::sync::Arc;

/// The fixed program; asserts that every item is consumed, in order, and accounted for by
/// `task_done` before `join` returns.
pub fn body<R: Runtime>(params: &Params) {
    let items = params.get("items");
    let q = Arc::new(
        Queue::<Option<u64>, R>::named("q", 0)
            .show_items()
            .fingerprinted(),
    );
    let consumed = Arc::new(Lock::<Vec<u64>, R>::named("consumed", Vec::new()).fingerprinted());
    let producer = {
        let q = Arc::clone(&q);
        spawn::<(), R, _>("producer", move || {
            for item in (0..items).map(Some).chain([None]) {
                if q.put(item).is_err() {
                    panic!("put refused: Queue q was shut down, which this model never does");
                }
            }
        })
    };
    let consumer = {
        let (q, consumed) = (Arc::clone(&q), Arc::clone(&consumed));
        spawn::<(), R, _>("consumer", move || loop {
            let item = match q.get() {
                Ok(item) => item,
                Err(_) => panic!("get refused: Queue q was shut down, which this model never does"),
            };
            if let Some(i) = item {
                consumed.with(|c| c.push(i));
            }
            if let Err(e) = q.task_done() {
                panic!("q.task_done() refused: {e}");
            }
            if item.is_none() {
                break;
            }
        })
    };
    join(producer); // every item, and the sentinel, has been put
    q.join(); // and marked done
    let seen = consumed.with(|c| c.clone());
    let all: Vec<u64> = (0..items).collect();
    assert!(
        seen == all,
        "q.join() returned before every item was processed: consumed {seen:?}, produced {all:?}"
    );
    join(consumer);
}

pub(super) const MODEL: Model = Model {
    name: "producer-consumer-fixed",
    description: "seed 002 with a sentinel and task_done()/join(): the consumer never stops early",
    property: "every produced item is consumed, in order, before q.join() returns",
    expected: Verdict::Holds,
    seed: "002 (Multithreading in Python: Using Queues), fixed",
    params: &[param("items", "items the producer puts", 5, 1, 1_000_000)],
    spawned_threads: |_| 2,
    unsupported: &[],
    notes: "The consumer's blocking get() waits for the next item instead of concluding from an \
            empty queue that there is none; only the sentinel ends it. The main thread joins the \
            producer before q.join(), which only waits for the items put so far.",
    bodies: bodies!(body),
};
