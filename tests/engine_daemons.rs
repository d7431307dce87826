//! Daemon threads under the exhaustive search. An execution ends when main and the non-daemon
//! threads have finished, but what a daemon does later could have happened earlier: the search
//! follows daemons past the end (`Budget::steps_after_end`) for the races of what they do there,
//! says when it had to stop one that was still running, and reports a daemon's panic only if it
//! could have come before the end.

use std::sync::Arc;
use std::time::Duration;
use threadcheck::engine::{check, Budget, Config, Reductions, Report, Verdict};
use threadcheck::rt::{Native, Runtime, ThreadSpec};
use threadcheck::sync::{Event, Lock, Var};
use threadcheck::thread::{Builder, JoinHandle};

fn exhaustive(reductions: Reductions, body: impl Fn() + Send + Sync + 'static) -> Report {
    let config = Config {
        reductions,
        ..Config::default()
    };
    check(&config, body).unwrap()
}

fn daemon<F: FnOnce() + Send + 'static>(f: F) -> JoinHandle<(), Native> {
    Builder::<Native>::new()
        .daemon(true)
        .spawn(f)
        .expect("spawn")
}

const BOTH: [fn() -> Reductions; 2] = [Reductions::default, Reductions::none];

/// The daemon sleeps, then writes what main reads. Its write comes after the end in the first
/// execution (main runs first, and the daemon's pending operation is the sleep, which races with
/// nothing), yet it can come before main's read.
#[test]
fn a_daemon_write_after_a_sleep_races_with_main() {
    for reductions in BOTH {
        let r = exhaustive(reductions(), || {
            let x = Arc::new(Var::<u32, Native>::named("x", 0));
            let y = Arc::clone(&x);
            drop(daemon(move || {
                Native::sleep(Duration::from_secs(1));
                y.set(1);
            }));
            assert_eq!(x.get(), 0, "the daemon wrote first");
        });
        assert_eq!(r.verdict, Verdict::Violated, "{:?}", reductions());
    }
}

/// A daemon loop that never ends: its second increment, after a sleep, can fall between main's
/// two reads. The search finds it although it cannot follow the loop to its (absent) end.
#[test]
fn a_daemon_loop_is_followed_past_its_first_iteration() {
    let r = exhaustive(Reductions::default(), || {
        let count = Arc::new(Lock::<u32, Native>::named("count", 0));
        let c = Arc::clone(&count);
        drop(daemon(move || loop {
            c.with(|n| *n += 1);
            Native::sleep(Duration::from_secs(1));
        }));
        let first = count.with(|n| *n);
        let second = count.with(|n| *n);
        assert!(second <= first + 1, "two increments between main's reads");
    });
    assert_eq!(r.verdict, Verdict::Violated);
}

/// Twin: a daemon loop that only touches its own data cannot change what main sees. No
/// violation, and since the loop never ends the search says it is not a proof.
#[test]
fn an_endless_daemon_makes_the_search_not_exhaustive() {
    let r = exhaustive(Reductions::default(), || {
        let mine = Arc::new(Var::<u32, Native>::named("mine", 0));
        let ours = Arc::new(Var::<u32, Native>::named("ours", 0));
        drop(daemon(move || loop {
            mine.set(mine.get() + 1);
            Native::sleep(Duration::from_secs(1));
        }));
        ours.set(1);
        assert_eq!(ours.get(), 1);
    });
    assert_eq!(r.verdict, Verdict::Holds);
    assert!(!r.exhaustive);
    let why = r.limited_by.expect("why it is not exhaustive");
    assert!(
        why.contains("daemon threads were followed 1000 steps"),
        "{why}"
    );
}

/// Twin: a daemon that ends within the bound leaves the search exhaustive.
#[test]
fn a_daemon_that_ends_leaves_the_search_exhaustive() {
    let r = exhaustive(Reductions::default(), || {
        let mine = Arc::new(Var::<u32, Native>::named("mine", 0));
        drop(daemon(move || {
            for _ in 0..3 {
                mine.set(mine.get() + 1);
                Native::sleep(Duration::from_secs(1));
            }
        }));
    });
    assert_eq!(r.verdict, Verdict::Holds);
    assert!(r.exhaustive, "{:?}", r.limited_by);
}

/// With no steps after the end, an endless daemon is reported as cut at once.
#[test]
fn zero_steps_after_the_end_is_not_exhaustive_with_a_live_daemon() {
    let config = Config {
        budget: Budget {
            steps_after_end: 0,
            ..Budget::default()
        },
        ..Config::default()
    };
    let r = check(&config, || {
        drop(daemon(|| loop {
            Native::yield_now();
        }));
    })
    .unwrap();
    assert_eq!(r.verdict, Verdict::Holds);
    assert!(!r.exhaustive);
}

/// A thread started with `Runtime::spawn` itself (the thread module catches a thread's panic for
/// `join`): an uncaught panic in it is a failure.
fn raw_daemon(f: impl FnOnce() + Send + 'static) {
    let spec = ThreadSpec {
        name: Arc::from("raw-daemon"),
        daemon: true,
    };
    Native::spawn(spec, Box::new(f)).expect("spawn");
}

/// A daemon panics after steps that depend on nothing main does: it can panic while the program
/// is alive, which is a failure, though in the first execution it only panics after the end.
#[test]
fn a_daemon_panic_that_can_come_before_the_end_is_a_failure() {
    for reductions in BOTH {
        let r = exhaustive(reductions(), || {
            let mine = Arc::new(Lock::<u32, Native>::named("mine", 0));
            raw_daemon(|| {
                Native::yield_now();
                panic!("the daemon gives up");
            });
            mine.with(|n| *n += 1);
        });
        assert_eq!(r.verdict, Verdict::Violated, "{:?}", reductions());
        let f = r.failure.expect("a failure");
        assert!(format!("{f:?}").contains("the daemon gives up"), "{f:?}");
    }
}

/// Twin: the daemon can only panic after main's last step (it waits for an event main sets
/// last), when the program is over: not a failure.
#[test]
fn a_daemon_panic_only_after_the_end_is_no_failure() {
    for reductions in BOTH {
        let r = exhaustive(reductions(), || {
            let done = Arc::new(Event::<Native>::new());
            let d = Arc::clone(&done);
            raw_daemon(move || {
                d.wait();
                panic!("the program is over");
            });
            done.set();
        });
        assert_eq!(r.verdict, Verdict::Holds, "{:?}", reductions());
        assert!(r.exhaustive);
    }
}
