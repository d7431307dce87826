//! Starting threads: the order of starts is part of a program's behaviour (names and idents
//! are numbered in creation order, as Python does), and a daemon may start a non-daemon thread
//! that the program's end must then wait for, or not, depending on the order.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use threadcheck::engine::{check, Budget, Config, Native, Reductions, Report, Strategy, Verdict};
use threadcheck::rt::Runtime;
use threadcheck::sync::Var;
use threadcheck::thread::{current_in, wait_for_non_daemon_in, Builder, JoinHandle};

type Set = Arc<Mutex<BTreeSet<String>>>;

/// Two threads each take a step and then start a child; the children's names record the order
/// of the starts.
fn grandchildren(out: Set) -> impl Fn() + Send + Sync + 'static {
    move || {
        let start = |tag: &'static str| {
            JoinHandle::<String, Native>::spawn(move || {
                Native::yield_now();
                let c = Builder::<Native>::new()
                    .spawn(|| current_in::<Native>().name().to_string())
                    .unwrap();
                format!("{tag}:{}", c.join().unwrap())
            })
        };
        let a = start("A");
        let b = start("B");
        let ra = a.join().unwrap();
        let rb = b.join().unwrap();
        out.lock().unwrap().insert(format!("{ra} {rb}"));
    }
}

fn names(strategy: Strategy, reductions: Reductions) -> (Report, BTreeSet<String>) {
    let out = Set::default();
    let config = Config {
        strategy,
        reductions,
        budget: Budget {
            max_executions: Some(5000),
            ..Budget::default()
        },
        ..Config::default()
    };
    let report = check(&config, grandchildren(out.clone())).unwrap();
    let seen = out.lock().unwrap().clone();
    (report, seen)
}

#[test]
fn thread_names_follow_the_order_of_the_starts() {
    let (report, exhaustive) = names(Strategy::Exhaustive, Reductions::default());
    assert!(report.exhaustive);
    // B's child started before A's, and A's before main started B: both are real orders.
    for outcome in [
        "A:Thread-4 B:Thread-3",
        "A:Thread-3 B:Thread-4",
        "A:Thread-2 B:Thread-4",
    ] {
        assert!(
            exhaustive.contains(outcome),
            "{outcome} missing: {exhaustive:?}"
        );
    }
    let (_, none) = names(Strategy::Exhaustive, Reductions::none());
    assert_eq!(exhaustive, none);
    let (_, every) = names(Strategy::EverySchedule, Reductions::none());
    assert_eq!(exhaustive, every, "the reference, every schedule");
    for seed in 0..10 {
        let (_, random) = names(Strategy::Random { seed }, Reductions::default());
        assert!(random.is_subset(&exhaustive), "{random:?}");
    }
}

/// Main starts daemon D (which starts non-daemon N, then writes `d`) and non-daemon T; main
/// waits for the non-daemon threads and reads `d` and `n`. Main's wait can come before D's
/// start of N: then N is not waited for, and `d == 1 && n == 0` is possible, unless main
/// joins D first (`join_daemon`).
fn daemon_starts_non_daemon(join_daemon: bool) -> impl Fn() + Send + Sync + 'static {
    move || {
        let d = Arc::new(Var::<i64, Native>::named("d", 0));
        let n = Arc::new(Var::<i64, Native>::named("n", 0));
        let (d2, n2) = (d.clone(), n.clone());
        let daemon = Builder::<Native>::new()
            .daemon(true)
            .spawn(move || {
                let _n = Builder::<Native>::new()
                    .daemon(false)
                    .spawn(move || n2.set(1))
                    .unwrap();
                d2.set(1);
            })
            .unwrap();
        let _t = Builder::<Native>::new().daemon(false).spawn(|| ()).unwrap();
        if join_daemon {
            daemon.join().unwrap();
        }
        wait_for_non_daemon_in::<Native>();
        let (dv, nv) = (d.get(), n.get());
        assert!(!(dv == 1 && nv == 0), "the daemon went on, N not finished");
    }
}

#[test]
fn a_daemon_starting_a_non_daemon_thread_is_explored() {
    let caching = Reductions {
        state_caching: true,
        ..Reductions::default()
    };
    for (strategy, reductions, workers) in [
        (Strategy::Exhaustive, Reductions::default(), 1),
        (Strategy::Exhaustive, Reductions::none(), 1),
        (Strategy::Exhaustive, caching, 1),
        (Strategy::Exhaustive, Reductions::default(), 2),
        (Strategy::EverySchedule, Reductions::none(), 1),
    ] {
        let config = Config {
            strategy: strategy.clone(),
            reductions,
            workers,
            ..Config::default()
        };
        let report = check(&config, daemon_starts_non_daemon(false)).unwrap();
        assert_eq!(
            report.verdict,
            Verdict::Violated,
            "{strategy:?} {reductions:?} workers {workers}"
        );
    }
}

/// The twin: when main joins the daemon before waiting, N is always waited for.
#[test]
fn joining_the_daemon_first_makes_the_wait_see_its_child() {
    let report = check(&Config::default(), daemon_starts_non_daemon(true)).unwrap();
    assert_eq!(report.verdict, Verdict::Holds);
    assert!(report.exhaustive);
}
