//! `producer-consumer-fixed`: seed 002 done right. The producer ends the stream with a sentinel
//! (`None`), the consumer stops only on the sentinel and calls `task_done()` for every item, and
//! the main thread waits with `q.join()` until every item has been processed.
//!
//! PENDING: needs `queue::Queue` (put/get/task_done/join); wired into `models/mod.rs` at merge.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::queue::Queue;
use crate::rt::Runtime;
use crate::sync::Lock;
use crate::thread::JoinHandle;
use std::sync::Arc;

/// The fixed program; asserts that every item is consumed, in order, and accounted for by
/// `task_done` before `join` returns.
pub fn body<R: Runtime>(params: &Params) {
    let items = params.get("items");
    let q = Arc::new(Queue::<Option<u64>, R>::new(0));
    let consumed = Arc::new(Lock::<Vec<u64>, R>::named("consumed", Vec::new()));
    let producer = {
        let q = Arc::clone(&q);
        JoinHandle::<(), R>::spawn(move || {
            for i in 0..items {
                let _ = q.put(Some(i));
            }
            let _ = q.put(None); // sentinel: no more items
        })
    };
    let consumer = {
        let (q, consumed) = (Arc::clone(&q), Arc::clone(&consumed));
        JoinHandle::<(), R>::spawn(move || loop {
            let item = q.get();
            if let Some(i) = item {
                consumed.with(|c| c.push(i));
            }
            if let Err(e) = q.task_done() {
                panic!("task_done failed: {e}");
            }
            if item.is_none() {
                break;
            }
        })
    };
    q.join(); // every item put has been marked done
    let seen = consumed.with(|c| c.clone());
    let all: Vec<u64> = (0..items).collect();
    assert!(
        seen == all,
        "q.join() returned before every item was processed: consumed {seen:?}"
    );
    join(producer);
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
    notes: "",
    bodies: bodies!(body),
};
