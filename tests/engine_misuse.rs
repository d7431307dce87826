//! Code the checker cannot see is refused or diagnosed, never proved and never a hang: the
//! `Std` runtime's primitives (the root aliases) inside a check, and a real lock held across a
//! visible step.

use std::sync::Arc;
use std::time::{Duration, Instant};
use threadcheck::engine::{check, Budget, Config, EngineError, Verdict};
use threadcheck::rt::Native;
use threadcheck::sync::Var;
use threadcheck::thread::JoinHandle;

/// The README's lost update written with the root aliases (the `Std` runtime, OS threads):
/// once "proved" in one execution, now refused.
#[test]
fn root_aliases_inside_a_check_are_refused() {
    let report = check(&Config::default(), || {
        let counter = Arc::new(threadcheck::Var::named("counter", 0u32));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                threadcheck::Thread::spawn(move || counter.set(counter.get() + 1))
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(counter.get(), 2);
    });
    match report {
        Err(EngineError::Unsupported(why)) => {
            assert!(why.contains("Std"), "{why}");
            assert!(why.contains("Native"), "{why}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A thread of the `Std` runtime is refused as well (the first thing that program does).
#[test]
fn a_std_thread_inside_a_check_is_refused() {
    let report = check(&Config::default(), || {
        threadcheck::Thread::spawn(|| ()).join().unwrap();
    });
    assert!(
        matches!(report, Err(EngineError::Unsupported(_))),
        "{report:?}"
    );
}

/// The twin: the same program on the `Native` runtime is checked, and the lost update found.
#[test]
fn the_same_program_on_native_is_checked() {
    let report = check(&Config::default(), || {
        let counter = Arc::new(Var::<u32, Native>::named("counter", 0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                JoinHandle::<(), Native>::spawn(move || counter.set(counter.get() + 1))
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(counter.get(), 2);
    })
    .unwrap();
    assert_eq!(report.verdict, Verdict::Violated);
}

/// A `std::sync::Mutex` held across a visible step: the other thread blocks on it while the
/// holder is suspended on the same OS thread. Once a hang forever; now a diagnosis naming the
/// thread and its last step, after `max_stall`.
#[test]
fn a_real_lock_held_across_a_step_is_diagnosed_not_hung() {
    let started = Instant::now();
    let config = Config {
        budget: Budget {
            max_stall: Some(Duration::from_millis(500)),
            ..Budget::default()
        },
        ..Config::default()
    };
    let report = check(&config, || {
        let real = Arc::new(std::sync::Mutex::new(0));
        let seen = Arc::new(Var::<u32, Native>::named("seen", 0));
        let worker = {
            let (real, seen) = (real.clone(), seen.clone());
            JoinHandle::<(), Native>::spawn(move || {
                let _guard = real.lock().unwrap();
                seen.set(1); // a visible step while the real lock is held
            })
        };
        seen.set(2);
        *real.lock().unwrap() += 1;
        worker.join().unwrap();
    });
    match report {
        Err(EngineError::Stalled(why)) => {
            assert!(
                why.contains("MainThread") || why.contains("Thread-1"),
                "{why}"
            );
            assert!(
                why.contains("engine_misuse.rs"),
                "names the last step's line: {why}"
            );
        }
        other => panic!("expected a stall, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}
