//! Queue and Timer properties proved exhaustively under loom (within the stated preemption
//! bounds), each with a twin that loom must catch. Run with
//! `cargo test --features loom --test loom_queue`.
//!
//! Loom explores the real Mutex + Condvar code of the monitors, whose state space grows fast, so
//! the models are tiny (2-3 threads, 2-3 items) and most use `preemption_bound = Some(3)`: every
//! interleaving with at most 3 preemptions is explored (bugs in such small models need 1 or 2).
#![cfg(feature = "loom")]

mod queue_support;

use loom::sync::atomic::AtomicUsize;
use queue_support::expect_failure;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use threadcheck::queue::Queue;
use threadcheck::rt::Loom;
use threadcheck::sync::Var;
use threadcheck::thread::{JoinHandle, Timer};

fn bounded(preemptions: usize) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder
}

fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T, Loom> {
    JoinHandle::<T, Loom>::spawn(f)
}

/// Checks what the consumer got from producer A (items 1, 2) and producer B (item 10).
fn check_delivery(got: &[u32]) {
    let mut sorted = got.to_vec();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![1, 2, 10],
        "items lost or duplicated: got {got:?}"
    );
    let from_a: Vec<u32> = got.iter().copied().filter(|x| *x < 10).collect();
    assert_eq!(from_a, vec![1, 2], "producer A's order broken: got {got:?}");
}

/// Property: a bounded `Queue` (maxsize 1, so producers wait while it is full) delivers every
/// item exactly once and keeps each producer's FIFO order: producers A (1, 2) and B (10), one
/// consumer. Preemption bound 3.
#[test]
fn queue_delivers_every_item_once_in_producer_order() {
    bounded(3).check(|| {
        let q = Arc::new(Queue::<u32, Loom>::new(1));
        let a = {
            let q = q.clone();
            spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        let b = {
            let q = q.clone();
            spawn(move || q.put(10).unwrap())
        };
        let got: Vec<u32> = (0..3).map(|_| q.get().unwrap()).collect();
        a.join().unwrap();
        b.join().unwrap();
        check_delivery(&got);
        assert!(q.empty());
    });
}

/// Twin: the seed's consumer, `while not q.empty(): q.get()`, stops as soon as it sees the queue
/// empty, before the producer is done: loom finds the run that loses items.
#[test]
fn seed_consumer_that_stops_on_empty_loses_items() {
    let found = expect_failure(|| {
        loom::model(|| {
            let q = Arc::new(Queue::<u32, Loom>::new(0));
            let producer = {
                let q = q.clone();
                spawn(move || {
                    q.put(1).unwrap();
                    q.put(2).unwrap();
                })
            };
            let mut got = Vec::new();
            while !q.empty() {
                got.push(q.get().unwrap());
            }
            producer.join().unwrap();
            assert_eq!(got, vec![1, 2], "items lost: got {got:?}");
        })
    });
    assert!(found.contains("items lost"), "{found}");
}

/// A broken queue: `put` reads the list, then writes it back with the item added, in two steps
/// (what `items = q.items; items.append(x); q.items = items` does in Python).
struct RacyQueue {
    items: Var<Vec<u32>, Loom>,
}

impl RacyQueue {
    fn put(&self, item: u32) {
        let mut items = self.items.get();
        items.push(item);
        self.items.set(items);
    }
}

/// Twin: two producers put one item each into the racy queue; loom finds the lost item.
#[test]
fn racy_queue_with_separate_read_and_write_loses_items() {
    let found = expect_failure(|| {
        loom::model(|| {
            let q = Arc::new(RacyQueue {
                items: Var::new(Vec::new()),
            });
            let other = {
                let q = q.clone();
                spawn(move || q.put(10))
            };
            q.put(1);
            other.join().unwrap();
            let mut got = q.items.get();
            got.sort();
            assert_eq!(got, vec![1, 10], "items lost or duplicated: got {got:?}");
        })
    });
    assert!(found.contains("items lost"), "{found}");
}

/// Runs the `join` model: the main thread puts 2 items and joins; a worker takes each one,
/// processes it and marks it done (`done_first`: marks it done *before* processing, a bug).
fn join_model(done_first: bool) {
    let q = Arc::new(Queue::<u32, Loom>::new(0));
    let processed = Arc::new(AtomicUsize::new(0));
    let worker = {
        let (q, processed) = (q.clone(), processed.clone());
        spawn(move || {
            for _ in 0..2 {
                q.get().unwrap();
                if done_first {
                    q.task_done().unwrap();
                    processed.fetch_add(1, SeqCst);
                } else {
                    processed.fetch_add(1, SeqCst);
                    q.task_done().unwrap();
                }
            }
        })
    };
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.join();
    assert_eq!(
        processed.load(SeqCst),
        2,
        "join returned before every item was processed"
    );
    worker.join().unwrap();
    assert!(
        q.task_done().is_err(),
        "a surplus task_done must be refused"
    );
}

/// Property: `join` returns only after every item put was marked `task_done`, and a surplus
/// `task_done` is refused. Exhaustive.
#[test]
fn join_returns_only_after_every_item_is_done() {
    loom::model(|| join_model(false));
}

/// Twin: a worker that calls `task_done` before it processes the item lets `join` return early.
#[test]
fn task_done_before_processing_lets_join_return_early() {
    let found = expect_failure(|| loom::model(|| join_model(true)));
    assert!(found.contains("join returned before"), "{found}");
}

static CANCELLED_RUNS: StdAtomicUsize = StdAtomicUsize::new(0);
static FIRED_RUNS: StdAtomicUsize = StdAtomicUsize::new(0);

/// Property: a `Timer` runs its function at most once, never after a `cancel` that returned
/// `true`, and always when `cancel` returned `false`. Exhaustive; both outcomes occur.
#[test]
fn timer_fires_at_most_once_and_never_after_a_successful_cancel() {
    CANCELLED_RUNS.store(0, SeqCst);
    FIRED_RUNS.store(0, SeqCst);
    loom::model(|| {
        let fired = Arc::new(AtomicUsize::new(0));
        let timer = {
            let fired = fired.clone();
            Timer::<Loom>::start(Duration::from_secs(1), move || {
                fired.fetch_add(1, SeqCst);
            })
        };
        let cancelled = timer.cancel();
        timer.join().unwrap();
        let fired = fired.load(SeqCst);
        if cancelled {
            assert_eq!(fired, 0, "fired after a successful cancel");
            CANCELLED_RUNS.fetch_add(1, SeqCst);
        } else {
            assert_eq!(fired, 1, "neither cancelled nor fired once");
            FIRED_RUNS.fetch_add(1, SeqCst);
        }
    });
    assert!(CANCELLED_RUNS.load(SeqCst) > 0, "no run cancelled in time");
    assert!(FIRED_RUNS.load(SeqCst) > 0, "no run fired first");
}

/// A broken timer: the thread checks the cancelled flag, then fires, in two steps; `cancel`
/// sets the flag and reports success.
fn broken_timer_model() {
    let cancelled = Arc::new(Var::<bool, Loom>::new(false));
    let fired = Arc::new(AtomicUsize::new(0));
    let thread = {
        let (cancelled, fired) = (cancelled.clone(), fired.clone());
        spawn(move || {
            if !cancelled.get() {
                fired.fetch_add(1, SeqCst);
            }
        })
    };
    cancelled.set(true);
    let cancel_succeeded = true;
    thread.join().unwrap();
    if cancel_succeeded {
        assert_eq!(fired.load(SeqCst), 0, "fired after a successful cancel");
    }
}

/// Twin: loom finds the run where the broken timer fires after its cancel reported success.
#[test]
fn timer_that_checks_then_fires_in_two_steps_fires_after_cancel() {
    let found = expect_failure(|| loom::model(broken_timer_model));
    assert!(found.contains("fired after a successful cancel"), "{found}");
}
