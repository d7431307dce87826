//! ThreadPoolExecutor properties checked under shuttle (3 workers, 10 tasks; random and PCT
//! schedules), each with a twin that shuttle must catch. Run with
//! `cargo test --features shuttle --test shuttle_pool`.
#![cfg(feature = "shuttle")]

mod queue_support;

use queue_support::{expect_failure, install_quiet_hook, EXPECTED};
use std::sync::Arc;
use threadcheck::error::JoinError;
use threadcheck::pool::ThreadPoolExecutor;
use threadcheck::queue::Queue;
use threadcheck::rt::Shuttle;
use threadcheck::sync::{Lock, Var};
use threadcheck::thread::JoinHandle;

const TASKS: u32 = 10;

/// Shuttle's panic hook goes inside our filter (see `queue_support`).
fn quiet() {
    install_quiet_hook(|| shuttle::check_random(|| (), 1));
}

fn task(x: u32) -> u32 {
    if x % 4 == 3 {
        panic!("{EXPECTED} bad item {x}");
    }
    x * 10
}

fn map_model(chunksize: usize) {
    let pool = ThreadPoolExecutor::<Shuttle>::new(3).unwrap();
    let results: Vec<_> = pool
        .map_chunked(task, 0..TASKS, chunksize)
        .unwrap()
        .collect();
    assert_eq!(results.len(), TASKS as usize);
    for (x, result) in (0..TASKS).zip(results) {
        match result {
            Ok(v) => assert_eq!(v, x * 10, "result out of input order"),
            Err(e) => {
                let message = e.panic_message().unwrap_or_default();
                assert!(
                    x % 4 == 3 && message.contains(&format!("bad item {x}")),
                    "{e:?}"
                );
            }
        }
    }
}

/// Property: `map` on 3 workers yields the 10 results in input order; items 3 and 7 panic and
/// report it, every other item has its value (per-item tasks, chunks of 3, automatic chunks).
#[test]
fn map_keeps_input_order_and_isolates_panicking_tasks() {
    quiet();
    for chunksize in [1, 3, 0] {
        shuttle::check_random(move || map_model(chunksize), 200);
        shuttle::check_pct(move || map_model(chunksize), 200, 3);
    }
}

/// Tasks that push their result to a shared queue: the results come in completion order.
fn completion_order_model() {
    let pool = ThreadPoolExecutor::<Shuttle>::new(3).unwrap();
    let done = Arc::new(Queue::<u32, Shuttle>::new(0));
    for x in 0..TASKS {
        let done = done.clone();
        pool.submit(move || done.put(x).unwrap()).unwrap();
    }
    let results: Vec<u32> = (0..TASKS).map(|_| done.get().unwrap()).collect();
    let expected: Vec<u32> = (0..TASKS).collect();
    assert_eq!(results, expected, "results out of input order");
}

/// Twin: collecting results in completion order breaks input order.
#[test]
fn collecting_results_in_completion_order_breaks_input_order() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(completion_order_model, 300, 3));
    assert!(found.contains("out of input order"), "{found}");
}

/// Submits 10 tasks recording that they ran; another thread cancels the odd ones; then a
/// `shutdown(wait, cancel_futures)` cancels whatever has not started.
fn cancel_model() {
    let pool = Arc::new(ThreadPoolExecutor::<Shuttle>::new(3).unwrap());
    let ran = Arc::new(Lock::<Vec<bool>, Shuttle>::new(vec![false; TASKS as usize]));
    let futures: Vec<_> = (0..TASKS)
        .map(|x| {
            let ran = ran.clone();
            pool.submit(move || ran.with(|r| r[x as usize] = true))
                .unwrap()
        })
        .collect();
    let futures = Arc::new(futures);
    let canceller = {
        let futures = futures.clone();
        JoinHandle::<Vec<bool>, Shuttle>::spawn(move || {
            futures.iter().step_by(2).map(|f| f.cancel()).collect()
        })
    };
    let cancelled_evens = canceller.join().unwrap();
    pool.shutdown(true, true);
    let ran = ran.lock().clone();
    let futures = Arc::try_unwrap(futures).unwrap_or_else(|_| unreachable!("canceller is done"));
    for (x, future) in futures.into_iter().enumerate() {
        assert!(
            future.done(),
            "every future is settled after shutdown(wait)"
        );
        let cancelled = future.cancelled();
        if x % 2 == 0 {
            assert_eq!(cancelled_evens[x / 2], cancelled, "cancel() said otherwise");
        }
        assert_eq!(
            ran[x], !cancelled,
            "task {x}: ran = {}, cancelled = {cancelled}",
            ran[x]
        );
        match future.result() {
            Ok(()) => assert!(ran[x]),
            Err(e) => assert!(matches!(e, JoinError::Cancelled) && !ran[x], "{e:?}"),
        }
    }
}

/// Property: a task runs if and only if its future was not cancelled, whether by
/// `Future::cancel` from another thread or by `shutdown(cancel_futures=true)`; `cancel` returns
/// `true` exactly when it cancelled; after `shutdown(wait=true)` every future is done.
#[test]
fn a_task_runs_iff_its_future_was_not_cancelled() {
    quiet();
    shuttle::check_random(cancel_model, 300);
    shuttle::check_pct(cancel_model, 300, 3);
}

const PENDING: u8 = 0;
const RUNNING: u8 = 1;
const CANCELLED: u8 = 2;

/// A broken future: `cancel` and the worker each check the state, then change it, in two steps.
fn broken_cancel_model() {
    let state = Arc::new(Var::<u8, Shuttle>::new(PENDING));
    let ran = Arc::new(Var::<bool, Shuttle>::new(false));
    let worker = {
        let (state, ran) = (state.clone(), ran.clone());
        JoinHandle::<(), Shuttle>::spawn(move || {
            if state.get() == PENDING {
                state.set(RUNNING);
                ran.set(true);
            }
        })
    };
    let cancelled = if state.get() == PENDING {
        state.set(CANCELLED);
        true
    } else {
        false
    };
    worker.join().unwrap();
    assert!(!(cancelled && ran.get()), "ran after a successful cancel");
}

/// Twin: with check-then-set in two steps, a task runs although `cancel` reported success.
#[test]
fn future_with_check_then_set_cancel_runs_cancelled_tasks() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(broken_cancel_model, 300, 3));
    assert!(found.contains("ran after a successful cancel"), "{found}");
}

/// Property: `shutdown(wait=true)` called from inside a task (or the pool dropped there) does
/// not wait for the calling worker itself: it returns, later submits are refused, and the
/// pending tasks still run.
#[test]
fn shutdown_from_inside_a_task_returns() {
    quiet();
    shuttle::check_random(|| shutdown_from_task_model(false), 300);
    shuttle::check_pct(|| shutdown_from_task_model(false), 300, 3);
}

/// Twin: a "shutdown" that waits for every worker, the caller included, never returns.
#[test]
fn shutdown_that_waits_for_its_own_worker_deadlocks() {
    quiet();
    let found = expect_failure(|| shuttle::check_random(|| shutdown_from_task_model(true), 10));
    assert!(found.contains("deadlock"), "{found}");
}

fn shutdown_from_task_model(wait_for_self: bool) {
    let pool = Arc::new(ThreadPoolExecutor::<Shuttle>::new(2).unwrap());
    let workers_left = Arc::new(Queue::<(), Shuttle>::new(0));
    let first = {
        let (pool, workers_left) = (pool.clone(), workers_left.clone());
        pool.clone()
            .submit(move || {
                pool.shutdown(true, false);
                if wait_for_self {
                    // What waiting for every worker, this one included, amounts to.
                    workers_left.put(()).unwrap();
                    workers_left.join();
                }
                pool.submit(|| ()).is_err()
            })
            .unwrap()
    };
    let second = pool.submit(|| 2);
    assert!(
        first.result().unwrap(),
        "submit after shutdown must be refused"
    );
    if let Ok(second) = second {
        assert_eq!(second.result().unwrap(), 2);
    }
}
