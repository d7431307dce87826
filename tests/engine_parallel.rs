//! The exhaustive search on several threads (`Config::workers`) explores exactly the traces the
//! sequential search explores, and finds the same bugs, with counterexamples that replay.

mod engine_common;

use engine_common::*;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use threadcheck::engine::{check, Config, Reductions, Report, Strategy, Verdict};
use threadcheck::models;
use threadcheck::rt::Native;

/// Runs the exhaustive search with `workers` threads and collects the trace fingerprints.
fn search(
    workers: usize,
    reductions: Reductions,
    body: impl Fn() + Send + Sync + 'static,
) -> (Report, HashSet<u64>) {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let config = Config {
        workers,
        reductions,
        traces_seen: Some(seen.clone()),
        ..Config::default()
    };
    let report = check(&config, body).expect("the check runs");
    let traces = seen.lock().unwrap().clone();
    (report, traces)
}

/// Sequential and parallel searches of `body` prove it and explore the same set of traces.
fn same_traces<F: Fn() + Send + Sync + 'static>(
    name: &str,
    reductions: Reductions,
    body: impl Fn() -> F,
) {
    let (one, one_traces) = search(1, reductions, body());
    let (two, two_traces) = search(2, reductions, body());
    assert_eq!(one.verdict, Verdict::Holds, "{name}");
    assert_eq!(two.verdict, Verdict::Holds, "{name}");
    assert!(one.exhaustive && two.exhaustive, "{name}");
    assert!(!one_traces.is_empty(), "{name}");
    assert_eq!(one_traces.len(), two_traces.len(), "{name}: traces");
    assert_eq!(one_traces, two_traces, "{name}");
}

/// Property: on the semaphore with 3 and 4 workers (162 and 3,528 traces), with and without
/// reductions, the parallel search explores exactly the sequential search's traces.
#[test]
fn parallel_search_explores_the_same_traces_as_the_sequential_one() {
    for reductions in [Reductions::default(), Reductions::none()] {
        for workers in [3, 4] {
            same_traces(&format!("semaphore {workers}"), reductions, || {
                semaphore_limit::<Native>(workers)
            });
        }
        same_traces("locked 2 x 4", reductions, || {
            locked_counter::<Native>(2, 4, false)
        });
    }
}

/// The same on the seed models that hold (seed parameters, but 4 semaphore workers: the seed's
/// 5 take a minute in a debug build), the daemon excepted (its endless daemon makes neither
/// search a proof; it is compared below).
#[test]
fn parallel_search_proves_the_seed_models_that_hold() {
    for m in models::all() {
        if m.expected != Verdict::Holds || m.name == "daemon" {
            continue;
        }
        let params = if m.name == "semaphore" {
            m.params_with(&[("threads", 4)]).expect("4 workers")
        } else {
            m.default_params()
        };
        let body = m.bodies.native;
        same_traces(m.name, Reductions::default(), || {
            let p = params.clone();
            move || body(&p)
        });
    }
}

/// Twin: the parallel search finds every bug the sequential one finds, with the same verdict,
/// and its counterexample replays to the same failure.
#[test]
fn parallel_search_finds_the_bugs_and_its_counterexamples_replay() {
    type Case = (&'static str, fn() -> Box<dyn Fn() + Send + Sync>);
    let cases: [Case; 3] = [
        ("unlocked counter", || {
            Box::new(unlocked_counter::<Native>(3))
        }),
        ("lock-order deadlock", || {
            Box::new(lock_order_deadlock::<Native>())
        }),
        ("broken try-acquire", || {
            Box::new(broken_semaphore_try::<Native>(3))
        }),
    ];
    for (name, body) in cases {
        let (one, _) = search(1, Reductions::default(), body());
        let (two, _) = search(2, Reductions::default(), body());
        assert_ne!(one.verdict, Verdict::Holds, "{name}");
        assert_eq!(two.verdict, one.verdict, "{name}");
        let failure = two.failure.expect("a failure");
        let replay = Config {
            strategy: Strategy::Replay {
                schedule: failure.schedule.clone(),
            },
            ..Config::default()
        };
        let again = check(&replay, body()).expect("the schedule replays");
        assert_eq!(again.verdict, two.verdict, "{name}");
        assert_eq!(
            again.failure.expect("a failure").steps,
            failure.steps,
            "{name}"
        );
    }
    for m in models::all() {
        if m.expected == Verdict::Holds {
            continue;
        }
        let params = m.default_params();
        let body = m.bodies.native;
        let (two, _) = search(2, Reductions::default(), move || body(&params));
        assert_eq!(two.verdict, m.expected, "{}", m.name);
    }
}

/// The daemon model: both searches follow the endless daemon to the same bound and say so.
#[test]
fn parallel_search_reports_a_cut_daemon() {
    let m = models::all().iter().find(|m| m.name == "daemon").unwrap();
    let p = m.default_params();
    let body = m.bodies.native;
    let (two, _) = search(2, Reductions::default(), move || body(&p));
    assert_eq!(two.verdict, Verdict::Holds);
    assert!(!two.exhaustive);
    assert!(two.limited_by.unwrap_or_default().contains("daemon"));
}
