//! Panic policy: a panic in any thread is a failure of its execution unless a `join` returned
//! it to the program; the report names the thread that panicked and its own line, and shows the
//! panic where it happened.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use threadcheck::engine::{check, Config, FailureKind, Native, Reductions, Verdict};
use threadcheck::sync::{Lock, Var};
use threadcheck::thread::JoinHandle;

/// A checker thread that may run after the writer; nobody joins either (main returns, as many
/// C and Python programs do). Once reported as holding although the assertion failed.
fn unjoined(fired: &'static AtomicU64) -> impl Fn() + Send + Sync + 'static {
    move || {
        let m = Arc::new(Lock::<(), Native>::named("m", ()));
        let done = Arc::new(Var::<bool, Native>::named("done", false));
        {
            let (m, done) = (m.clone(), done.clone());
            let _ = JoinHandle::<(), Native>::spawn(move || {
                let g = m.lock();
                let seen = done.get();
                if seen {
                    fired.fetch_add(1, Ordering::Relaxed);
                }
                assert!(!seen, "the checker ran after the writer");
                drop(g);
            });
        }
        let _ = JoinHandle::<(), Native>::spawn(move || {
            let g = m.lock();
            done.set(true);
            drop(g);
        });
    }
}

#[test]
fn an_unjoined_threads_failed_assertion_is_a_failure() {
    static FIRED: AtomicU64 = AtomicU64::new(0);
    let report = check(&Config::default(), unjoined(&FIRED)).unwrap();
    assert!(FIRED.load(Ordering::Relaxed) > 0);
    assert_eq!(report.verdict, Verdict::Violated);
    let failure = report.failure.unwrap();
    match &failure.kind {
        FailureKind::Panic { thread, message } => {
            assert_eq!(
                thread, "Thread-1",
                "the thread that panicked, not MainThread"
            );
            assert!(
                message.contains("the checker ran after the writer"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The panic step is the thread's own, at its own line, and comes before the release its
    // guard made while unwinding.
    let steps = &failure.trace.steps;
    let at = steps.iter().position(|s| s.action == "panic").unwrap();
    assert!(
        steps[at].file.ends_with("engine_panics.rs"),
        "{:?}",
        steps[at]
    );
    assert_eq!(failure.trace.threads[steps[at].thread].name, "Thread-1");
    assert!(
        steps[at + 1..]
            .iter()
            .any(|s| s.action == "release" && s.thread == steps[at].thread),
        "the release while unwinding follows the panic: {steps:#?}"
    );
}

/// The twin: the same panic returned by a `join` and handled by the program is no failure;
/// the report counts it.
#[test]
fn a_panic_a_join_returns_is_the_programs_to_handle() {
    let report = check(&Config::default(), || {
        let v = Arc::new(Var::<bool, Native>::named("v", false));
        let checker = {
            let v = v.clone();
            JoinHandle::<(), Native>::spawn(move || assert!(!v.get(), "saw the write"))
        };
        v.set(true);
        let _ = checker.join(); // discarded on purpose: returned to the program
    })
    .unwrap();
    assert_eq!(report.verdict, Verdict::Holds);
    assert!(report.exhaustive);
    assert!(report.panics_returned > 0);
}

/// Two identical capture-free sections that panic on the second call: which thread panics
/// depends on their order, so they must not be treated as commuting.
#[test]
fn commuting_sections_do_not_hide_which_thread_panicked() {
    let outcomes = |reductions: Reductions| {
        let out = Arc::new(Mutex::new(BTreeSet::new()));
        let o = out.clone();
        let config = Config {
            reductions,
            ..Config::default()
        };
        let report = check(&config, move || {
            let l = Arc::new(Lock::<i64, Native>::named("l", 0));
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let l = l.clone();
                    JoinHandle::<(), Native>::spawn(move || {
                        l.with(|x| {
                            *x += 1;
                            if *x == 2 {
                                panic!("second")
                            }
                        })
                    })
                })
                .collect();
            let res: Vec<bool> = hs.into_iter().map(|h| h.join().is_ok()).collect();
            o.lock().unwrap().insert(format!("{res:?}"));
        })
        .unwrap();
        assert!(report.exhaustive);
        let seen = out.lock().unwrap().clone();
        seen
    };
    let expected: BTreeSet<String> = ["[false, true]", "[true, false]"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(outcomes(Reductions::default()), expected);
    assert_eq!(outcomes(Reductions::none()), expected);
}
