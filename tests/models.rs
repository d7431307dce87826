//! Every seed model gets its expected verdict on every engine that can run it.
//!
//! Loom runs small parameters (its cost grows exponentially with the steps, and it allows at most
//! 4 spawned threads); where even those are too many interleavings for a few seconds, the test
//! sets a preemption bound (every interleaving with at most that many preemptions), says so, and
//! shows that the twin bug is found within the same bound. Shuttle runs the seed's parameters
//! with a few hundred random and PCT executions. The native-engine tests run every model with its
//! seed parameters.
#![cfg(feature = "cli")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;
use threadcheck::engine::{self, Verdict};
use threadcheck::models::{self, Model, Params};
use threadcheck::pool::ThreadPoolExecutor;
use threadcheck::queue::Queue;
use threadcheck::rt::{Loom, Runtime, Shuttle};
use threadcheck::sync::{Event, Lock, Semaphore, Var};
use threadcheck::thread::JoinHandle;

fn model(name: &str) -> &'static Model {
    models::find(name).unwrap_or_else(|| panic!("no model {name}"))
}

fn params(name: &str, values: &[(&str, u64)]) -> Params {
    model(name)
        .params_with(values)
        .unwrap_or_else(|e| panic!("{e}"))
}

thread_local! {
    /// The first panic message seen on this test's thread since the last `message` call.
    static FIRST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Records panic messages per thread (loom runs a model on the test's own thread), because
/// some of loom's panics (its deadlock report) do not carry a string payload.
fn record_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let text = info.to_string();
            let _ = FIRST_PANIC.try_with(|first| {
                if let Ok(mut first) = first.try_borrow_mut() {
                    first.get_or_insert(text);
                }
            });
            previous(info);
        }));
    });
    let _ = FIRST_PANIC.try_with(|first| first.borrow_mut().take());
}

/// The message of a failed check: the first panic seen (the root cause: loom's deadlock report
/// is followed by a second panic of its own), else the payload.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    let first = FIRST_PANIC.with(|first| first.borrow_mut().take());
    first
        .map(|f| {
            f.split_once(":\n")
                .map_or(f.clone(), |(_, m)| m.to_string())
        })
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// The verdict of an exhaustive loom run, and the failure message if any.
fn loom_check(f: impl Fn() + Send + Sync + 'static) -> (Verdict, String) {
    loom_check_bounded(None, f)
}

/// The verdict of a loom run over every interleaving with at most `bound` preemptions
/// (exhaustive with `None`), and the failure message if any.
fn loom_check_bounded(
    bound: Option<usize>,
    f: impl Fn() + Send + Sync + 'static,
) -> (Verdict, String) {
    record_panics();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = bound;
    match catch_unwind(AssertUnwindSafe(|| builder.check(f))) {
        Ok(()) => (Verdict::Holds, String::new()),
        Err(p) => {
            let m = message(p);
            if m.starts_with("deadlock") {
                (Verdict::Deadlock, m)
            } else {
                (Verdict::Violated, m)
            }
        }
    }
}

/// The verdict of a seeded random shuttle run of `n` executions.
fn shuttle_check(f: impl Fn() + Send + Sync + 'static, seed: u64, n: usize) -> (Verdict, String) {
    record_panics();
    shuttle_verdict(catch_unwind(AssertUnwindSafe(|| {
        shuttle::check_random_with_seed(f, seed, n)
    })))
}

/// The verdict of a seeded PCT shuttle run of `n` executions with bug depth `depth`.
fn pct_check(
    f: impl Fn() + Send + Sync + 'static,
    seed: u64,
    n: usize,
    depth: usize,
) -> (Verdict, String) {
    record_panics();
    let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(seed, depth, n);
    let runner = shuttle::Runner::new(scheduler, shuttle::Config::new());
    shuttle_verdict(catch_unwind(AssertUnwindSafe(|| {
        runner.run(f);
    })))
}

fn shuttle_verdict(result: std::thread::Result<()>) -> (Verdict, String) {
    match result {
        Ok(()) => (Verdict::Holds, String::new()),
        Err(p) => {
            let m = message(p);
            if m.starts_with("deadlock") {
                (Verdict::Deadlock, m)
            } else {
                (Verdict::Violated, m)
            }
        }
    }
}

fn on_loom(name: &'static str, values: &[(&str, u64)]) -> (Verdict, String) {
    let body = model(name).bodies.loom;
    let p = params(name, values);
    loom_check(move || body(&p))
}

fn on_shuttle(name: &'static str, values: &[(&str, u64)], n: usize) -> (Verdict, String) {
    let body = model(name).bodies.shuttle;
    let p = params(name, values);
    shuttle_check(move || body(&p), 7, n)
}

fn on_loom_bounded(name: &'static str, values: &[(&str, u64)], bound: usize) -> (Verdict, String) {
    let body = model(name).bodies.loom;
    let p = params(name, values);
    loom_check_bounded(Some(bound), move || body(&p))
}

fn on_pct(name: &'static str, values: &[(&str, u64)], n: usize) -> (Verdict, String) {
    let body = model(name).bodies.shuttle;
    let p = params(name, values);
    pct_check(move || body(&p), 7, n, 3)
}

// ------------------------------------------------------------------------------ the registry

/// Property: model names are unique, defaults are within their ranges, and every model says
/// what it checks.
#[test]
fn registry_is_consistent() {
    let all = models::all();
    let mut names: Vec<&str> = all.iter().map(|m| m.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "duplicate model names");
    for m in all {
        assert!(
            !m.description.is_empty() && !m.property.is_empty(),
            "{}",
            m.name
        );
        for p in m.params {
            assert!(
                p.min <= p.default && p.default <= p.max,
                "{}: --{} default out of range",
                m.name,
                p.name
            );
        }
        let defaults = m.default_params();
        assert!(
            (m.spawned_threads)(&defaults) >= 1,
            "{} spawns nothing",
            m.name
        );
    }
}

/// Property: a parameter a model does not take is refused, naming the accepted ones.
#[test]
fn unknown_and_out_of_range_parameters_are_refused() {
    let err = model("deadlock")
        .params_with(&[("threads", 3)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "deadlock takes no --threads; it takes no parameters"
    );
    let err = model("semaphore")
        .params_with(&[("permits", 0)])
        .unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
}

/// Property: a misspelt model name gets the closest real one as a suggestion.
#[test]
fn closest_name_suggestions() {
    assert_eq!(models::closest("counter-unlockd"), Some("counter-unlocked"));
    assert_eq!(models::closest("dedlock"), Some("deadlock"));
    assert_eq!(models::closest("xyzzy-plugh-quux"), None);
}

// ---------------------------------------------------------------------------- counter-locked

/// Property (counter-locked, loom, 2 threads x 2): the locked counter never loses an update,
/// in every interleaving.
#[test]
fn counter_locked_holds_on_loom() {
    assert_eq!(
        on_loom("counter-locked", &[("iterations", 2)]).0,
        Verdict::Holds
    );
}

/// Property (counter-locked, shuttle, 3 threads x 5): no lost update in 300 random executions.
#[test]
fn counter_locked_holds_on_shuttle() {
    let (verdict, _) = on_shuttle("counter-locked", &[("iterations", 5), ("threads", 3)], 300);
    assert_eq!(verdict, Verdict::Holds);
}

// -------------------------------------------------------------------------- counter-unlocked

/// Property (counter-unlocked, loom, 2 threads x 2): loom finds the lost update.
#[test]
fn counter_unlocked_violated_on_loom() {
    let (verdict, message) = on_loom("counter-unlocked", &[("iterations", 2)]);
    assert_eq!(verdict, Verdict::Violated);
    assert!(message.contains("lost update"), "{message}");
}

/// Property (counter-unlocked, shuttle, 2 threads x 3): random scheduling finds the lost update.
#[test]
fn counter_unlocked_violated_on_shuttle() {
    let (verdict, message) = on_shuttle("counter-unlocked", &[("iterations", 3)], 300);
    assert_eq!(verdict, Verdict::Violated);
    assert!(message.contains("lost update"), "{message}");
}

// --------------------------------------------------------------------------------- semaphore

/// Property (semaphore, loom, 2 workers, Semaphore(1)): never more than one inside, in every
/// interleaving.
#[test]
fn semaphore_holds_on_loom() {
    let (verdict, message) = on_loom("semaphore", &[("threads", 2), ("permits", 1)]);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// Property (semaphore, shuttle, the seed's 5 workers and Semaphore(2)): never more than two
/// inside, in 300 random executions. Loom cannot run 5 workers (its cap is 4 spawned threads).
#[test]
fn semaphore_seed_holds_on_shuttle() {
    let (verdict, message) = on_shuttle("semaphore", &[], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// The semaphore model's body with a broken semaphore: one permit too many.
fn over_admitting<R: Runtime>(workers: usize, permits: usize) {
    let semaphore = Arc::new(Semaphore::<R>::new(permits + 1)); // the bug
    let inside = Arc::new(Lock::<usize, R>::new(0));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (semaphore, inside) = (semaphore.clone(), inside.clone());
            JoinHandle::<(), R>::spawn(move || {
                let _permit = semaphore.acquire();
                let now = inside.with(|n| {
                    *n += 1;
                    *n
                });
                assert!(now <= permits, "{now} threads are inside at once");
                inside.with(|n| *n -= 1);
            })
        })
        .collect();
    for h in handles {
        if let Err(e) = h.join() {
            panic!("worker failed: {e}");
        }
    }
}

/// Twin of the semaphore proofs: with one permit too many, both checkers catch the
/// over-admission (so the property above is not vacuous).
#[test]
fn semaphore_twin_over_admission_is_caught() {
    let (verdict, message) = loom_check(|| over_admitting::<Loom>(2, 1));
    assert_eq!(verdict, Verdict::Violated);
    assert!(message.contains("inside at once"), "{message}");
    let (verdict, message) = shuttle_check(|| over_admitting::<Shuttle>(5, 2), 3, 500);
    assert_eq!(verdict, Verdict::Violated);
    assert!(message.contains("inside at once"), "{message}");
}

// ---------------------------------------------------------------------------------- deadlock

/// Property (deadlock, loom): the opposite lock orders deadlock in some interleaving.
#[test]
fn deadlock_found_on_loom() {
    assert_eq!(on_loom("deadlock", &[]).0, Verdict::Deadlock);
}

/// Property (deadlock, shuttle): random scheduling finds the deadlock too.
#[test]
fn deadlock_found_on_shuttle() {
    let (verdict, message) = on_shuttle("deadlock", &[], 500);
    assert_eq!(verdict, Verdict::Deadlock, "{message}");
}

// ------------------------------------------------------------------------------------ daemon

/// Property: loom and shuttle say they cannot run the daemon model (they cannot abandon a
/// thread), and the native engine is not refused.
#[test]
fn daemon_is_native_only() {
    let m = model("daemon");
    for engine in ["loom", "shuttle"] {
        let why = m.unsupported_reason(engine).unwrap_or_default();
        assert!(why.contains("cannot abandon a thread"), "{engine}: {why}");
    }
    assert!(m.unsupported_reason("native").is_none());
}

/// Twin of `daemon_is_native_only`: the refusal is true. Under shuttle the daemon loop keeps
/// the execution alive until the step bound.
#[test]
fn daemon_really_is_endless_on_shuttle() {
    let body = model("daemon").bodies.shuttle;
    let p = model("daemon").default_params();
    let mut config = shuttle::Config::new();
    config.max_steps = shuttle::MaxSteps::FailAfter(2000);
    config.failure_persistence = shuttle::FailurePersistence::None;
    let runner = shuttle::Runner::new(
        shuttle::scheduler::RandomScheduler::new_from_seed(1, 1),
        config,
    );
    let result = catch_unwind(AssertUnwindSafe(|| runner.run(move || body(&p))));
    let message = message(result.expect_err("a daemon loop cannot end under shuttle"));
    assert!(message.contains("max_steps"), "{message}");
}

// ------------------------------------------------------------------------------ on OS threads

/// Property: the models that hold also run to completion, with the seed's parameters, on OS
/// threads (the production runtime), as the Python programs do.
#[test]
fn holding_models_run_on_os_threads() {
    for name in [
        "producer-consumer-fixed",
        "timer-cancel",
        "pool-map",
        "event",
        "condition",
    ] {
        let m = model(name);
        assert_eq!(m.expected, Verdict::Holds, "{name}");
        (m.bodies.std)(&m.default_params());
    }
}

// ------------------------------------------------------------------------- producer-consumer

/// Property (producer-consumer, loom, 2 items, exhaustive): loom finds the consumer that stops
/// at a momentarily empty queue, leaving items unconsumed.
#[test]
fn producer_consumer_violated_on_loom() {
    let (verdict, message) = on_loom("producer-consumer", &[("items", 2)]);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("items lost"), "{message}");
}

/// Property (producer-consumer, shuttle, the seed's 5 items): random and PCT scheduling both
/// find the lost items.
#[test]
fn producer_consumer_violated_on_shuttle() {
    for (verdict, message) in [
        on_shuttle("producer-consumer", &[], 200),
        on_pct("producer-consumer", &[], 200),
    ] {
        assert_eq!(verdict, Verdict::Violated, "{message}");
        assert!(message.contains("items lost"), "{message}");
    }
}

// ------------------------------------------------------------------- producer-consumer-fixed

/// Property (producer-consumer-fixed, loom, 2 items, preemption bound 3): every item is
/// consumed, in order, before `q.join()` returns, in every interleaving with at most 3
/// preemptions. The twin (the seed's `while not q.empty()` consumer) is found within the same
/// bound, so the bound admits the interleavings that matter here.
#[test]
fn producer_consumer_fixed_holds_on_loom() {
    let (verdict, message) = on_loom_bounded("producer-consumer-fixed", &[("items", 2)], 3);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_loom_bounded("producer-consumer", &[("items", 2)], 3);
    assert_eq!(verdict, Verdict::Violated, "{message}");
}

/// Property (producer-consumer-fixed, shuttle, the seed's 5 items): no item lost in 300 random
/// and 300 PCT executions.
#[test]
fn producer_consumer_fixed_holds_on_shuttle() {
    let (verdict, message) = on_shuttle("producer-consumer-fixed", &[], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_pct("producer-consumer-fixed", &[], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// The fixed program with the main thread's two joins swapped: `q.join()` before the producer
/// has put anything returns at once (it waits for the items put so far).
fn join_too_early<R: Runtime>(items: u64) {
    let q = Arc::new(Queue::<Option<u64>, R>::new(0));
    let consumed = Arc::new(Lock::<Vec<u64>, R>::new(Vec::new()));
    let producer = {
        let q = Arc::clone(&q);
        JoinHandle::<(), R>::spawn(move || {
            for item in (0..items).map(Some).chain([None]) {
                q.put(item).expect("never shut down");
            }
        })
    };
    let consumer = {
        let (q, consumed) = (Arc::clone(&q), Arc::clone(&consumed));
        JoinHandle::<(), R>::spawn(move || {
            while let Some(i) = q.get().expect("never shut down") {
                consumed.with(|c| c.push(i));
                q.task_done().expect("one task_done per item");
            }
            q.task_done().expect("one task_done for the sentinel");
        })
    };
    q.join(); // the bug: the producer may not have put anything yet
    let seen = consumed.with(|c| c.clone());
    assert!(
        seen.len() as u64 == items,
        "q.join() returned before every item was processed: consumed {seen:?}"
    );
    producer.join().expect("producer");
    consumer.join().expect("consumer");
}

/// Twin of the producer-consumer-fixed proofs: with `q.join()` called before the producer is
/// joined, both checkers catch `join` returning early (so the fixed model's join order, and its
/// assertion, matter).
#[test]
fn producer_consumer_fixed_twin_join_too_early_is_caught() {
    let (verdict, message) = loom_check_bounded(Some(3), || join_too_early::<Loom>(2));
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("q.join() returned before"), "{message}");
    let (verdict, message) = shuttle_check(|| join_too_early::<Shuttle>(5), 3, 300);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("q.join() returned before"), "{message}");
}

// ------------------------------------------------------------------------------ timer-cancel

/// Property (timer-cancel, loom, exhaustive): `delayed_message` never runs after `cancel()`
/// reported success, and runs exactly once when the cancel came too late; both outcomes occur.
#[test]
fn timer_cancel_holds_on_loom_with_both_outcomes() {
    let body = model("timer-cancel").bodies.loom;
    let p = params("timer-cancel", &[]);
    let shared = p.clone();
    let (verdict, message) = loom_check(move || body(&shared));
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let outcomes = p.outcomes();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(
        outcomes.keys().any(|k| k.contains("in time")),
        "{outcomes:?}"
    );
    assert!(
        outcomes.keys().any(|k| k.contains("too late")),
        "{outcomes:?}"
    );
}

/// Property (timer-cancel, shuttle): the same in 300 random and 300 PCT executions, which also
/// see both outcomes.
#[test]
fn timer_cancel_holds_on_shuttle_with_both_outcomes() {
    let body = model("timer-cancel").bodies.shuttle;
    let p = params("timer-cancel", &[]);
    let shared = p.clone();
    let (verdict, message) = shuttle_check(move || body(&shared), 7, 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let shared = p.clone();
    let (verdict, message) = pct_check(move || body(&shared), 7, 300, 3);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    assert_eq!(p.outcomes().len(), 2, "{:?}", p.outcomes());
}

/// CPython's `Timer` algorithm (`finished.wait(interval)`, then `if not finished.is_set():
/// function()`; `cancel()` is `finished.set()`), with a `cancel` that reports "in time" when the
/// timer had not fired yet. The check and the act are two steps: a cancel between them reports
/// success and the function runs anyway.
fn check_then_act_timer<R: Runtime>() {
    let finished = Arc::new(Event::<R>::named("finished"));
    let fired = Arc::new(Var::<bool, R>::named("fired", false));
    let runs = Arc::new(Var::<u32, R>::named("runs", 0));
    let thread = {
        let (finished, fired, runs) =
            (Arc::clone(&finished), Arc::clone(&fired), Arc::clone(&runs));
        JoinHandle::<(), R>::spawn(move || {
            finished.wait_timeout(Duration::from_secs(5));
            if !finished.is_set() {
                // a cancel here is missed
                fired.set(true);
                runs.set(runs.get() + 1);
            }
            finished.set();
        })
    };
    finished.set(); // timer.cancel() ...
    let in_time = !fired.get(); // ... reports whether the timer had fired
    thread.join().expect("timer thread");
    let ran = runs.get();
    assert!(
        !in_time || ran == 0,
        "delayed_message ran {ran} time(s) although cancel() reported success"
    );
}

/// Twin of the timer-cancel proofs: CPython's check-then-act timer runs the function after a
/// cancel that found it not yet fired, and both checkers catch it.
#[test]
fn timer_cancel_twin_check_then_act_is_caught() {
    let (verdict, message) = loom_check(check_then_act_timer::<Loom>);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("although cancel()"), "{message}");
    let (verdict, message) = shuttle_check(check_then_act_timer::<Shuttle>, 3, 300);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("although cancel()"), "{message}");
}

// ---------------------------------------------------------------------------------- pool-map

/// Property (pool-map, loom): `map` returns every result in input order; exhaustively with 1
/// worker and 2 items, and with 2 workers and 3 items within preemption bound 3 (the twin below
/// is found within the same bound).
#[test]
fn pool_map_holds_on_loom() {
    let (verdict, message) = on_loom("pool-map", &[("threads", 1), ("items", 2)]);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_loom_bounded("pool-map", &[("threads", 2), ("items", 3)], 3);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// Property (pool-map, shuttle, the seed's ThreadPoolExecutor(3) and range(5)): the results are
/// [0, 1, 4, 9, 16] in 300 random and 300 PCT executions.
#[test]
fn pool_map_seed_holds_on_shuttle() {
    let (verdict, message) = on_shuttle("pool-map", &[], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_pct("pool-map", &[], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// The pool-map program collecting results as the tasks complete (`as_completed`) instead of
/// through `map`: the order is the workers', not the input's.
fn completion_order<R: Runtime>(workers: usize, items: u64) {
    let executor = ThreadPoolExecutor::<R>::new(workers).expect("workers > 0");
    let done = Arc::new(Lock::<Vec<u64>, R>::new(Vec::new()));
    for n in 0..items {
        let done = Arc::clone(&done);
        let submitted = executor.submit(move || done.with(|d| d.push(n * n)));
        assert!(submitted.is_ok(), "submit refused");
    }
    executor.shutdown(true, false);
    let results = done.with(|d| d.clone());
    let expected: Vec<u64> = (0..items).map(|n| n * n).collect();
    assert!(
        results == expected,
        "results out of input order: {results:?}, expected {expected:?}"
    );
}

/// Twin of the pool-map proofs: results collected in completion order come out of input order,
/// and both checkers catch it (within loom's preemption bound 3).
#[test]
fn pool_map_twin_completion_order_is_caught() {
    let (verdict, message) = loom_check_bounded(Some(3), || completion_order::<Loom>(2, 3));
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("out of input order"), "{message}");
    let (verdict, message) = shuttle_check(|| completion_order::<Shuttle>(3, 5), 3, 300);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("out of input order"), "{message}");
}

// ------------------------------------------------------------------------------------- event

/// Property (event, loom): every waiter wakes and sees the data written before `set()`;
/// exhaustively with 1 waiter, and with the default 2 waiters within preemption bound 2.
#[test]
fn event_holds_on_loom() {
    let (verdict, message) = on_loom("event", &[("threads", 1)]);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_loom_bounded("event", &[], 2);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// Property (event, shuttle, 3 waiters): the same in 300 random and 300 PCT executions.
#[test]
fn event_holds_on_shuttle() {
    let (verdict, message) = on_shuttle("event", &[("threads", 3)], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_pct("event", &[("threads", 3)], 300);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// The event program with the setter's two lines swapped: `set()` before `data = 42`.
fn set_before_write<R: Runtime>() {
    let ready = Arc::new(Event::<R>::named("ready"));
    let data = Arc::new(Var::<u64, R>::named("data", 0));
    let waiter = {
        let (ready, data) = (Arc::clone(&ready), Arc::clone(&data));
        JoinHandle::<(), R>::spawn(move || {
            ready.wait();
            let seen = data.get();
            assert!(seen == 42, "woken by Event ready but read data = {seen}");
        })
    };
    ready.set(); // the bug: published before the data is written
    data.set(42);
    if let Err(e) = waiter.join() {
        panic!("waiter failed: {e}");
    }
}

/// Twin of the event proofs: a waiter woken before the data is written reads 0, and both
/// checkers catch it.
#[test]
fn event_twin_set_before_write_is_caught() {
    let (verdict, message) = loom_check(set_before_write::<Loom>);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("read data = 0"), "{message}");
    let (verdict, message) = shuttle_check(set_before_write::<Shuttle>, 3, 300);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(message.contains("read data = 0"), "{message}");
}

// ------------------------------------------------------------------ condition / condition-if

/// Property (condition, loom): every consumer gets exactly one item; exhaustively with 1
/// consumer, and with 2 consumers within preemption bound 3 (the least bound within which loom
/// finds the twin, condition-if: see `condition_if_violated_on_loom`).
#[test]
fn condition_holds_on_loom() {
    let (verdict, message) = on_loom("condition", &[("threads", 1)]);
    assert_eq!(verdict, Verdict::Holds, "{message}");
    let (verdict, message) = on_loom_bounded("condition", &[("threads", 2)], 3);
    assert_eq!(verdict, Verdict::Holds, "{message}");
}

/// Property (condition, shuttle, 2 and 3 consumers): the same in 300 random and 300 PCT
/// executions each.
#[test]
fn condition_holds_on_shuttle() {
    for consumers in [2, 3] {
        let values = [("threads", consumers)];
        let (verdict, message) = on_shuttle("condition", &values, 300);
        assert_eq!(verdict, Verdict::Holds, "{message}");
        let (verdict, message) = on_pct("condition", &values, 300);
        assert_eq!(verdict, Verdict::Holds, "{message}");
    }
}

/// Property (condition-if, loom, 2 consumers, preemption bound 3): with `if` instead of
/// `while`, loom finds the consumer notified and then robbed of its item by a late consumer.
/// (Within bound 2 there is no such interleaving of loom's Mutex + Condvar steps.)
#[test]
fn condition_if_violated_on_loom() {
    let (verdict, message) = on_loom_bounded("condition-if", &[], 3);
    assert_eq!(verdict, Verdict::Violated, "{message}");
    assert!(
        message.contains("woke from cond.wait() to an empty list"),
        "{message}"
    );
}

/// Property (condition-if, shuttle, 2 consumers): random and PCT scheduling find it too.
#[test]
fn condition_if_violated_on_shuttle() {
    for (verdict, message) in [
        on_shuttle("condition-if", &[], 300),
        on_pct("condition-if", &[], 300),
    ] {
        assert_eq!(verdict, Verdict::Violated, "{message}");
        assert!(message.contains("to an empty list"), "{message}");
    }
}

// ------------------------------------------------------------------------- the native engine

fn native_verdict(name: &str, values: &[(&str, u64)]) -> engine::Report {
    let body = model(name).bodies.native;
    let p = params(name, values);
    engine::check(&engine::Config::default(), move || body(&p)).expect("the check runs")
}

/// Property (native): every model gets its expected verdict with the seed's parameters, and a
/// "holds" is exhaustive (a proof), except `daemon`: its daemon loops forever, so the search
/// follows it only `Budget::steps_after_end` steps past the end and says it is not a proof.
#[test]
fn every_model_gets_its_expected_verdict_on_native() {
    for m in models::all() {
        let report = native_verdict(m.name, &[]);
        assert_eq!(report.verdict, m.expected, "{}", m.name);
        if m.name == "daemon" {
            assert!(!report.exhaustive);
            let why = report.limited_by.unwrap_or_default();
            assert!(why.contains("daemon threads were followed"), "{why}");
        } else if m.expected == Verdict::Holds {
            assert!(report.exhaustive, "{}: not exhaustive", m.name);
        } else {
            assert!(report.failure.is_some(), "{}: no counterexample", m.name);
        }
    }
}

/// Property (native): the lost update of counter-unlocked has a one-preemption counterexample
/// whose trace reads and writes `Var counter`.
#[test]
fn counter_unlocked_minimal_counterexample_on_native() {
    let body = model("counter-unlocked").bodies.native;
    let p = params("counter-unlocked", &[("iterations", 3)]);
    let config = engine::Config {
        strategy: engine::Strategy::Bounded {
            max_preemptions: None,
        },
        ..Default::default()
    };
    let report = engine::check(&config, move || body(&p)).expect("the check runs");
    let failure = report.failure.expect("a counterexample");
    assert_eq!(failure.preemptions, 1);
    assert!(failure
        .trace
        .steps
        .iter()
        .any(|s| s.object.contains("counter") && s.action == "write"));
}

/// Property (native): the deadlock names both locks.
#[test]
fn deadlock_names_the_cycle_on_native() {
    let report = native_verdict("deadlock", &[]);
    assert_eq!(report.verdict, Verdict::Deadlock);
    match report.failure.map(|f| f.kind) {
        Some(engine::FailureKind::Deadlock { waits }) => {
            let all = waits.join("\n");
            assert!(all.contains("lock_a") && all.contains("lock_b"), "{all}");
        }
        other => panic!("not a deadlock: {other:?}"),
    }
}

/// Property (native): producer-consumer's counterexample needs no preemption at all (the
/// consumer simply runs before the producer), and its trace shows the consumer's `empty` check
/// on `Queue q`.
#[test]
fn producer_consumer_counterexample_on_native() {
    let body = model("producer-consumer").bodies.native;
    let p = params("producer-consumer", &[]);
    let config = engine::Config {
        strategy: engine::Strategy::Bounded {
            max_preemptions: None,
        },
        ..Default::default()
    };
    let report = engine::check(&config, move || body(&p)).expect("the check runs");
    let failure = report.failure.expect("a counterexample");
    assert_eq!(failure.preemptions, 0);
    assert!(failure
        .trace
        .steps
        .iter()
        .any(|s| s.object.contains('q') && s.action == "empty"));
}

/// Property (native): timer-cancel is proved, and both outcomes (cancel in time, cancel too
/// late) occur in the exhaustive search.
#[test]
fn timer_cancel_both_outcomes_on_native() {
    let body = model("timer-cancel").bodies.native;
    let p = params("timer-cancel", &[]);
    let shared = p.clone();
    let report =
        engine::check(&engine::Config::default(), move || body(&shared)).expect("the check runs");
    assert_eq!(report.verdict, Verdict::Holds);
    assert!(report.exhaustive);
    assert_eq!(p.outcomes().len(), 2, "{:?}", p.outcomes());
}
