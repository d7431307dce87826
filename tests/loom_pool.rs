//! ThreadPoolExecutor properties proved under loom, each with a twin that loom must catch. Run
//! with `cargo test --features loom --test loom_pool`.
//!
//! Loom allows 4 spawned threads, and explores the real Mutex + Condvar code of the pool's job
//! queue and of every future, so the pools have 1-2 workers and 2-3 tasks, and the models use
//! `preemption_bound = Some(2)`: every interleaving with at most 2 preemptions is explored
//! (bound 3 takes about a minute for the `map` model).
#![cfg(feature = "loom")]

mod queue_support;

use queue_support::{expect_failure, EXPECTED};
use std::sync::Arc;
use threadcheck::error::JoinError;
use threadcheck::pool::ThreadPoolExecutor;
use threadcheck::queue::Queue;
use threadcheck::rt::Loom;
use threadcheck::thread::JoinHandle;

fn bounded(preemptions: usize) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder
}

fn task(x: u32) -> u32 {
    if x == 1 {
        panic!("{EXPECTED} bad item {x}");
    }
    x * 10
}

fn check_results(results: Vec<Result<u32, JoinError>>) {
    assert_eq!(results.len(), 3, "one result per item");
    assert_eq!(
        results[0].as_ref().ok(),
        Some(&0),
        "item 0: {:?}",
        results[0]
    );
    let message = results[1].as_ref().err().and_then(JoinError::panic_message);
    assert!(
        message.is_some_and(|m| m.contains("bad item 1")),
        "item 1 must report its panic: {:?}",
        results[1]
    );
    assert_eq!(
        results[2].as_ref().ok(),
        Some(&20),
        "item 2: {:?}",
        results[2]
    );
}

/// Property: `map` on 2 workers returns the results in input order, and a panicking item
/// yields `Err(Panicked)` for itself only (3 items, the middle one panics). Preemption bound 2.
#[test]
fn map_keeps_input_order_and_isolates_a_panicking_task() {
    bounded(2).check(|| {
        let pool = ThreadPoolExecutor::<Loom>::new(2).unwrap();
        let results: Vec<_> = pool.map(task, [0, 1, 2]).unwrap().collect();
        check_results(results);
    });
}

/// Property: with one worker, a task that panics does not take the worker down: the next task
/// still runs and its future gets the value. Exhaustive.
#[test]
fn worker_survives_a_panicking_task() {
    loom::model(|| {
        let pool = ThreadPoolExecutor::<Loom>::new(1).unwrap();
        let bad = pool.submit(|| task(1)).unwrap();
        let good = pool.submit(|| task(2)).unwrap();
        assert_eq!(good.result().unwrap(), 20);
        assert!(matches!(bad.result(), Err(JoinError::Panicked(_))));
    });
}

/// Twin: collecting results in completion order (tasks push their result to a shared queue)
/// instead of input order: loom finds the run where the second task finishes first.
#[test]
fn collecting_results_in_completion_order_breaks_input_order() {
    let found = expect_failure(|| {
        bounded(2).check(|| {
            let pool = ThreadPoolExecutor::<Loom>::new(2).unwrap();
            let done = Arc::new(Queue::<u32, Loom>::new(0));
            for x in [0, 2] {
                let done = done.clone();
                pool.submit(move || done.put(task(x)).unwrap()).unwrap();
            }
            let results = vec![done.get().unwrap(), done.get().unwrap()];
            assert_eq!(results, vec![0, 20], "results out of input order");
        })
    });
    assert!(found.contains("out of input order"), "{found}");
}

/// Twin: a hand-made "pool" whose worker runs the tasks without catching panics: the first
/// task's panic ends the worker, the second result never comes, and loom reports the deadlock.
#[test]
fn worker_without_panic_isolation_deadlocks() {
    let found = expect_failure(|| {
        loom::model(|| {
            let results = Arc::new(Queue::<u32, Loom>::new(0));
            let worker = {
                let results = results.clone();
                JoinHandle::<(), Loom>::spawn(move || {
                    for x in [1, 2] {
                        results.put(task(x)).unwrap();
                    }
                })
            };
            let value = results.get().unwrap();
            assert_eq!(value, 20);
            let _ = worker.join();
        })
    });
    assert!(found.contains("deadlock"), "{found}");
}
