//! Queue and Timer properties checked under shuttle at sizes loom cannot reach (random and PCT
//! schedules), each with a twin that shuttle must catch. Run with
//! `cargo test --features shuttle --test shuttle_queue`.
#![cfg(feature = "shuttle")]

mod queue_support;

use queue_support::{expect_failure, install_quiet_hook};
use std::sync::Arc;
use std::time::Duration;
use threadcheck::queue::{LifoQueue, Queue};
use threadcheck::rt::Shuttle;
use threadcheck::sync::{Lock, Var};
use threadcheck::thread::{JoinHandle, Timer};

const PRODUCERS: u32 = 3;
const ITEMS: u32 = 3;

/// Shuttle's panic hook goes inside our filter (see `queue_support`).
fn quiet() {
    install_quiet_hook(|| shuttle::check_random(|| (), 1));
}

fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T, Shuttle> {
    JoinHandle::<T, Shuttle>::spawn(f)
}

/// Producer `p` puts `p * 100 + 0`, `p * 100 + 1`, ...
fn produce(q: &Arc<Queue<u32, Shuttle>>) -> Vec<JoinHandle<(), Shuttle>> {
    (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            spawn(move || {
                for i in 0..ITEMS {
                    q.put(p * 100 + i).unwrap();
                }
            })
        })
        .collect()
}

/// Every item exactly once, and within what each consumer got, each producer's items in order.
fn check_delivery(per_consumer: &[Vec<u32>]) {
    let mut all: Vec<u32> = per_consumer.iter().flatten().copied().collect();
    all.sort();
    let expected: Vec<u32> = (0..PRODUCERS)
        .flat_map(|p| (0..ITEMS).map(move |i| p * 100 + i))
        .collect();
    assert_eq!(all, expected, "items lost or duplicated");
    for got in per_consumer {
        for p in 0..PRODUCERS {
            let mine: Vec<u32> = got.iter().copied().filter(|x| x / 100 == p).collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "producer {p} out of order: {got:?}"
            );
        }
    }
}

/// 3 producers x 3 items into a queue of capacity 2, 2 consumers taking 4 and 5 items.
fn delivery_model() {
    let q = Arc::new(Queue::<u32, Shuttle>::new(2));
    let producers = produce(&q);
    let consumers: Vec<_> = [4, 5]
        .into_iter()
        .map(|n| {
            let q = q.clone();
            spawn(move || (0..n).map(|_| q.get().unwrap()).collect::<Vec<_>>())
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let got: Vec<Vec<u32>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    check_delivery(&got);
    assert!(q.empty() && !q.full());
}

/// Property: a bounded `Queue` with 3 producers and 2 consumers delivers every item exactly once
/// and each consumer sees each producer's items in FIFO order (random and PCT schedules).
#[test]
fn queue_delivers_every_item_once_in_producer_order() {
    quiet();
    shuttle::check_random(delivery_model, 1000);
    shuttle::check_pct(delivery_model, 1000, 3);
}

/// The seed's consumer: `while not q.empty(): q.get()` while the producers still run.
fn seed_consumer_model() {
    let q = Arc::new(Queue::<u32, Shuttle>::new(0));
    let producers = produce(&q);
    let consumer = {
        let q = q.clone();
        spawn(move || {
            let mut got = Vec::new();
            while !q.empty() {
                got.push(q.get().unwrap());
            }
            got
        })
    };
    for p in producers {
        p.join().unwrap();
    }
    let got = consumer.join().unwrap();
    assert_eq!(got.len() as u32, PRODUCERS * ITEMS, "items lost: {got:?}");
}

/// Twin: the seed's consumer loop stops on a momentarily empty queue; shuttle finds the loss.
#[test]
fn seed_consumer_that_stops_on_empty_loses_items() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(seed_consumer_model, 300, 3));
    assert!(found.contains("items lost"), "{found}");
}

/// Consumers stop when the queue is shut down (Python 3.13); with `racy_stop` they instead stop
/// at the first `Empty` from `get_nowait`.
fn shutdown_model(racy_stop: bool) {
    let q = Arc::new(Queue::<u32, Shuttle>::new(2));
    let producers = produce(&q);
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = q.clone();
            spawn(move || {
                let mut got = Vec::new();
                if racy_stop {
                    while let Ok(item) = q.get_nowait() {
                        got.push(item);
                    }
                } else {
                    while let Ok(item) = q.get() {
                        got.push(item);
                    }
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    q.shutdown(false);
    assert!(q.put(0).is_err(), "put after shutdown must be refused");
    let got: Vec<Vec<u32>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    check_delivery(&got);
}

/// Property: consumers that loop `while let Ok(item) = q.get()` drain every item and stop once
/// the producers are done and the queue is shut down (non-immediate): nothing is lost.
#[test]
fn shutdown_lets_consumers_drain_every_item_then_stop() {
    quiet();
    shuttle::check_random(|| shutdown_model(false), 300);
    shuttle::check_pct(|| shutdown_model(false), 300, 3);
}

/// Twin: consumers that stop at the first `Empty` lose items (or leave a producer blocked).
#[test]
fn consumers_stopping_at_first_empty_lose_items() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(|| shutdown_model(true), 300, 3));
    // The lost items show up as a failed count, or as a producer blocked forever on the full
    // queue once both consumers have stopped.
    assert!(
        found.contains("items lost") || found.contains("deadlock"),
        "{found}"
    );
}

/// Property: `join` returns only when every item was processed (3 producers, 2 workers that
/// mark items done after processing); `shutdown(immediate)` then releases the workers.
#[test]
fn join_returns_only_after_every_item_is_done() {
    quiet();
    shuttle::check_pct(|| join_model(false), 300, 3);
    shuttle::check_random(|| join_model(false), 300);
}

/// Twin: workers that call `task_done` before processing let `join` return early.
#[test]
fn task_done_before_processing_lets_join_return_early() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(|| join_model(true), 300, 3));
    assert!(found.contains("join returned before"), "{found}");
}

fn join_model(done_first: bool) {
    let q = Arc::new(LifoQueue::<u32, Shuttle>::new(0));
    let processed = Arc::new(Lock::<u32, Shuttle>::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (q, processed) = (q.clone(), processed.clone());
            spawn(move || {
                while q.get().is_ok() {
                    if done_first {
                        q.task_done().unwrap();
                    }
                    processed.with(|n| *n += 1);
                    if !done_first {
                        q.task_done().unwrap();
                    }
                }
            })
        })
        .collect();
    for p in produce_into(&q) {
        p.join().unwrap();
    }
    q.join();
    let seen = *processed.lock();
    assert_eq!(
        seen,
        PRODUCERS * ITEMS,
        "join returned before every item was processed"
    );
    assert!(q.shutdown(true).is_empty(), "nothing is left after join");
    for w in workers {
        w.join().unwrap();
    }
}

/// Producers for any queue kind.
fn produce_into(q: &Arc<LifoQueue<u32, Shuttle>>) -> Vec<JoinHandle<(), Shuttle>> {
    (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            spawn(move || {
                for i in 0..ITEMS {
                    q.put(p * 100 + i).unwrap();
                }
            })
        })
        .collect()
}

/// A shared `cancel` operation.
type Canceller = Arc<dyn Fn() -> bool + Send + Sync>;

/// Timer model: a timer and two threads that cancel it; with `broken`, a timer that checks its
/// cancelled flag and fires in two steps.
fn timer_model(broken: bool) {
    let fired = Arc::new(Lock::<u32, Shuttle>::new(0));
    let (cancel, join): (Canceller, Box<dyn FnOnce()>) = if broken {
        let flag = Arc::new(Var::<bool, Shuttle>::new(false));
        let thread = {
            let (flag, fired) = (flag.clone(), fired.clone());
            spawn(move || {
                if !flag.get() {
                    fired.with(|n| *n += 1);
                }
            })
        };
        (
            Arc::new(move || {
                flag.set(true);
                true
            }),
            Box::new(move || thread.join().unwrap()),
        )
    } else {
        let timer = {
            let fired = fired.clone();
            Arc::new(Timer::<Shuttle>::start(
                Duration::from_millis(5),
                move || fired.with(|n| *n += 1),
            ))
        };
        let t = timer.clone();
        (
            Arc::new(move || t.cancel()),
            Box::new(move || match Arc::try_unwrap(timer) {
                Ok(timer) => timer.join().unwrap(),
                Err(_) => unreachable!("the cancellers are done"),
            }),
        )
    };
    let cancellers: Vec<_> = (0..2)
        .map(|_| {
            let cancel = cancel.clone();
            spawn(move || cancel())
        })
        .collect();
    let outcomes: Vec<bool> = cancellers.into_iter().map(|c| c.join().unwrap()).collect();
    drop(cancel);
    join();
    let fired = *fired.lock();
    assert!(fired <= 1, "fired {fired} times");
    if outcomes.contains(&true) {
        assert_eq!(fired, 0, "fired after a successful cancel");
    } else {
        assert_eq!(fired, 1, "not cancelled, yet never fired");
    }
}

/// Property: a `Timer` cancelled concurrently by two threads fires at most once, never after a
/// `cancel` that returned `true`, and fires when every `cancel` returned `false`.
#[test]
fn timer_fires_at_most_once_and_never_after_a_successful_cancel() {
    quiet();
    shuttle::check_random(|| timer_model(false), 500);
    shuttle::check_pct(|| timer_model(false), 500, 3);
}

/// Twin: a timer that checks "cancelled?" and fires in separate steps fires after a cancel.
#[test]
fn timer_that_checks_then_fires_in_two_steps_fires_after_cancel() {
    quiet();
    let found = expect_failure(|| shuttle::check_pct(|| timer_model(true), 500, 3));
    assert!(found.contains("fired after a successful cancel"), "{found}");
}
