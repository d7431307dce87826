//! Every seed model gets its expected verdict on every engine that can run it.
//!
//! Loom runs small parameters (its cost grows exponentially with the steps, and it allows at most
//! 4 spawned threads); shuttle runs the seed's thread counts with a few hundred random or PCT
//! executions. The native-engine tests are ignored until the engine merges (`Native` is a
//! placeholder in this branch); run them with `cargo test --all-features -- --ignored`.
#![cfg(feature = "cli")]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use threadcheck::engine::{self, Verdict};
use threadcheck::models::{self, Model, Params};
use threadcheck::rt::{Loom, Runtime, Shuttle};
use threadcheck::sync::{Lock, Semaphore};
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
    record_panics();
    match catch_unwind(AssertUnwindSafe(|| loom::model(f))) {
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
    match catch_unwind(AssertUnwindSafe(|| {
        shuttle::check_random_with_seed(f, seed, n)
    })) {
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

// ------------------------------------------------------------------------- the native engine

fn native_verdict(name: &str, values: &[(&str, u64)]) -> engine::Report {
    let body = model(name).bodies.native;
    let p = params(name, values);
    engine::check(&engine::Config::default(), move || body(&p)).expect("the check runs")
}

/// Property (native): every model gets its expected verdict with the seed's parameters, and a
/// "holds" is exhaustive (a proof).
#[test]
#[ignore = "needs the native engine"]
fn every_model_gets_its_expected_verdict_on_native() {
    for m in models::all() {
        let report = native_verdict(m.name, &[]);
        assert_eq!(report.verdict, m.expected, "{}", m.name);
        if m.expected == Verdict::Holds {
            assert!(report.exhaustive, "{}: not exhaustive", m.name);
        } else {
            assert!(report.failure.is_some(), "{}: no counterexample", m.name);
        }
    }
}

/// Property (native): the lost update of counter-unlocked has a one-preemption counterexample
/// whose trace reads and writes `Var counter`.
#[test]
#[ignore = "needs the native engine"]
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
#[ignore = "needs the native engine"]
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
