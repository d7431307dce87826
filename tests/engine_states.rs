//! State caching (`Reductions::state_caching`): the stateful search reaches every outcome the
//! stateless one reaches, finds the same bugs, proves the same properties, and caches only
//! states it can compare.
//!
//! The main check is on *outcomes*: each program below records what its threads saw in a set
//! outside the engine (written at the end of main, so it does not change the program); the
//! stateless Optimal DPOR search runs one execution per Mazurkiewicz trace, so its set is every
//! reachable outcome, and the stateful search, which stops executions at states it has explored
//! before, must reach the same set.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use threadcheck::engine::{check, Config, FailureKind, Reductions, Report, Verdict};
use threadcheck::queue::Queue;
use threadcheck::rt::{Native, Runtime};
use threadcheck::sync::{Condition, Event, Lock, Semaphore, Var};
use threadcheck::thread::JoinHandle;

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

fn reductions(state_caching: bool) -> Reductions {
    Reductions {
        state_caching,
        ..Reductions::default()
    }
}

fn search(
    reductions: Reductions,
    program: impl Fn(&Outcomes) + Send + Sync + 'static,
) -> (Report, BTreeSet<String>) {
    let outcomes = Outcomes::default();
    let seen = outcomes.clone();
    let config = Config {
        reductions,
        ..Config::default()
    };
    let report = check(&config, move || program(&seen)).expect("the check runs");
    let set = outcomes.lock().unwrap().clone();
    (report, set)
}

fn panic_message(report: &Report) -> String {
    match &report.failure.as_ref().expect("a failure").kind {
        FailureKind::Panic { message, .. } => message.clone(),
        other => panic!("not a panic: {other:?}"),
    }
}

/// Runs `program` both ways and checks that they agree; returns the stateful report.
fn agree(name: &str, program: impl Fn(&Outcomes) + Send + Sync + Clone + 'static) -> Report {
    let (plain, expected) = search(reductions(false), program.clone());
    let (cached, reached) = search(reductions(true), program);
    assert_eq!(plain.verdict, Verdict::Holds, "{name}");
    assert_eq!(cached.verdict, Verdict::Holds, "{name}");
    assert!(plain.exhaustive && cached.exhaustive, "{name}");
    assert_eq!(plain.states, None);
    assert_eq!(
        reached, expected,
        "{name}: the stateful search missed outcomes"
    );
    assert!(
        expected.len() > 1,
        "{name}: a test of one outcome shows nothing"
    );
    cached
}

/// Two threads increment an unlocked counter twice each, recording every value they read.
fn lost_updates(outcomes: &Outcomes) {
    let counter = Arc::new(Var::<u32, Native>::named("counter", 0).fingerprinted());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            JoinHandle::<Vec<u32>, Native>::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..2 {
                    let v = counter.get();
                    seen.push(v);
                    // A yield alone is explored at a state (a persistent set): the other
                    // thread's steps still come between the read and the write.
                    Native::yield_now();
                    counter.set(v + 1);
                }
                seen
            })
        })
        .collect();
    let seen: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let last = counter.get();
    outcomes
        .lock()
        .unwrap()
        .insert(format!("{seen:?} -> {last}"));
}

/// Property: the racy counter's every combination of reads and final value is reached; the
/// threads' histories (what each one read) keep states that differ only in them apart.
#[test]
fn every_read_of_a_racy_counter_is_reached() {
    let report = agree("lost updates", lost_updates);
    assert!(report.states.unwrap() > 0, "states were compared");
}

/// Three threads append their number to a locked list, one returning the length it saw.
fn append_order(outcomes: &Outcomes) {
    let list = Arc::new(Lock::<Vec<u8>, Native>::named("list", Vec::new()).fingerprinted());
    let workers: Vec<_> = (0..3u8)
        .map(|i| {
            let list = list.clone();
            JoinHandle::<usize, Native>::spawn(move || {
                list.with(|l| {
                    l.push(i);
                    l.len()
                })
            })
        })
        .collect();
    let lengths: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let order = list.lock().clone();
    outcomes
        .lock()
        .unwrap()
        .insert(format!("{order:?} {lengths:?}"));
}

/// Property: every order of three locked appends (3! = 6) is reached, with the lengths seen.
#[test]
fn every_order_of_locked_appends_is_reached() {
    agree("append order", append_order);
    let (_, orders) = search(reductions(true), append_order);
    assert_eq!(orders.len(), 6);
}

/// Four workers take turns through Semaphore(2); each records how many were inside with it.
fn semaphore_turns(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Native>::named("slots", 2));
    let inside = Arc::new(Lock::<usize, Native>::named("inside", 0).fingerprinted());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (sem, inside) = (sem.clone(), inside.clone());
            JoinHandle::<usize, Native>::spawn(move || {
                let _permit = sem.acquire();
                let now = inside.with(|n| {
                    *n += 1;
                    *n
                });
                Native::sleep(Duration::from_secs(2)); // the seed's `time.sleep(2)`
                inside.with(|n| *n -= 1);
                now
            })
        })
        .collect();
    let counts: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(counts.iter().all(|&n| n <= 2));
    outcomes.lock().unwrap().insert(format!("{counts:?}"));
}

/// Property: the semaphore's outcomes agree, and states are shared between orders of the
/// workers (fewer states than the stateless search has executions).
#[test]
fn semaphore_turns_are_all_reached_with_fewer_states() {
    let (plain, _) = search(reductions(false), semaphore_turns);
    let cached = agree("semaphore turns", semaphore_turns);
    let states = cached.states.unwrap();
    assert!(
        states > 0 && states < plain.executions * 10,
        "{states} states"
    );
}

/// A producer puts three items into a queue and sets an event; a consumer takes them, looking
/// at the event in between; a condition carries a last hand-over.
fn queue_event_condition(outcomes: &Outcomes) {
    let q = Arc::new(Queue::<u8, Native>::named("q", 0).fingerprinted());
    let done = Arc::new(Event::<Native>::named("done"));
    let cond = Arc::new(Condition::<Option<u8>, Native>::named("cond", None).fingerprinted());
    let producer = {
        let (q, done, cond) = (q.clone(), done.clone(), cond.clone());
        JoinHandle::<(), Native>::spawn(move || {
            for i in 0..3 {
                q.put(i).unwrap();
            }
            done.set();
            let mut slot = cond.lock();
            *slot = Some(9);
            slot.notify_all();
        })
    };
    let consumer = {
        let (q, done, cond) = (q.clone(), done.clone(), cond.clone());
        JoinHandle::<Vec<String>, Native>::spawn(move || {
            let mut log = Vec::new();
            for _ in 0..3 {
                let item = q.get().unwrap();
                log.push(format!("{item}{}", if done.is_set() { "!" } else { "" }));
            }
            let mut slot = cond.lock();
            while slot.is_none() {
                slot.wait();
            }
            log.push(format!("{:?}", *slot));
            log
        })
    };
    producer.join().unwrap();
    let log = consumer.join().unwrap();
    outcomes.lock().unwrap().insert(log.join(" "));
}

/// Property: queue, event and condition outcomes agree.
#[test]
fn queue_event_and_condition_outcomes_are_all_reached() {
    let report = agree("queue, event, condition", queue_event_condition);
    assert!(report.states.unwrap() > 0);
}

/// Three threads add to a locked total (sections with a capture, so not commuting ones) while
/// main looks at it once.
fn locked_adds(fingerprinted: bool) -> impl Fn(&Outcomes) + Send + Sync + Clone + 'static {
    move |outcomes: &Outcomes| {
        let total = Lock::<u32, Native>::named("total", 0);
        let total = Arc::new(if fingerprinted {
            total.fingerprinted()
        } else {
            total
        });
        let workers: Vec<_> = (1..=3u32)
            .map(|k| {
                let total = total.clone();
                JoinHandle::<(), Native>::spawn(move || total.with(|t| *t += k))
            })
            .collect();
        let midway = *total.lock();
        for w in workers {
            w.join().unwrap();
        }
        let last = *total.lock();
        outcomes.lock().unwrap().insert(format!("{midway} {last}"));
    }
}

/// Property: a lock whose data has no fingerprint (not `.fingerprinted()`) still takes part:
/// its state is named by what the threads that changed it did, which is sound but tells
/// apart states that different orders of changes reach. The outcomes stay the same; with the
/// fingerprint, those states are shared (fewer of them).
#[test]
fn data_without_fingerprint_is_compared_by_its_history() {
    let with = agree("fingerprinted data", locked_adds(true));
    let without = agree("data without fingerprint", locked_adds(false));
    let (with, without) = (with.states.unwrap(), without.states.unwrap());
    assert!(
        with > 0 && with < without,
        "{with} states with, {without} without"
    );
}

/// Twin of the proofs above: the stateful search finds a lost update, a broken mutual
/// exclusion and a deadlock.
#[test]
fn state_caching_finds_the_bugs() {
    let lost = |_: &Outcomes| {
        let counter = Arc::new(Var::<u32, Native>::named("counter", 0).fingerprinted());
        let w = {
            let counter = counter.clone();
            JoinHandle::<(), Native>::spawn(move || {
                let v = counter.get();
                counter.set(v + 1);
            })
        };
        let v = counter.get();
        counter.set(v + 1);
        w.join().unwrap();
        assert_eq!(counter.get(), 2, "lost update");
    };
    let (report, _) = search(reductions(true), lost);
    assert_eq!(report.verdict, Verdict::Violated);
    assert!(panic_message(&report).contains("lost update"));

    // Semaphore(3) guarding a region that admits two: three workers get in together.
    let too_many = |_: &Outcomes| {
        let sem = Arc::new(Semaphore::<Native>::named("slots", 3));
        let inside = Arc::new(Lock::<usize, Native>::named("inside", 0).fingerprinted());
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                JoinHandle::<(), Native>::spawn(move || {
                    let _permit = sem.acquire();
                    let now = inside.with(|n| {
                        *n += 1;
                        *n
                    });
                    assert!(now <= 2, "{now} inside");
                    inside.with(|n| *n -= 1);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
    };
    let (report, _) = search(reductions(true), too_many);
    // A worker's panic is caught for its join, and main's `unwrap` reports it.
    assert_eq!(report.verdict, Verdict::Violated);
    assert!(panic_message(&report).contains("3 inside"));

    let deadlock = |_: &Outcomes| {
        let a = Arc::new(Lock::<u8, Native>::named("a", 0).fingerprinted());
        let b = Arc::new(Lock::<u8, Native>::named("b", 0).fingerprinted());
        let w = {
            let (a, b) = (a.clone(), b.clone());
            JoinHandle::<(), Native>::spawn(move || {
                let _b = b.lock();
                let _a = a.lock();
            })
        };
        {
            let _a = a.lock();
            let _b = b.lock();
        }
        w.join().unwrap();
    };
    let (report, _) = search(reductions(true), deadlock);
    assert_eq!(report.verdict, Verdict::Deadlock);
}

/// Property: every model gets its expected verdict with state caching, as it does without
/// (sizes small enough for a debug build: the seed counters' 100000 iterations have 10^10
/// states; DPOR with the section reductions is the search for those). A "holds" is a proof,
/// except for `daemon`, whose endless daemon is cut as in the stateless search. The models
/// come with the `cli` feature.
#[cfg(feature = "cli")]
#[test]
fn every_model_gets_its_expected_verdict_with_state_caching() {
    use threadcheck::models;
    for m in models::all() {
        let overrides: &[(&str, u64)] = match m.name {
            "counter-locked" | "counter-unlocked" => &[("iterations", 3)],
            "semaphore" => &[("threads", 4)],
            "pool-map" => &[("threads", 2), ("items", 3)],
            _ => &[],
        };
        let params = m.params_with(overrides).expect("valid parameters");
        let body = m.bodies.native;
        let config = Config {
            reductions: reductions(true),
            ..Config::default()
        };
        let report = check(&config, move || body(&params)).expect("the check runs");
        assert_eq!(report.verdict, m.expected, "{}", m.name);
        assert!(report.states.is_some());
        if m.name == "daemon" {
            assert!(!report.exhaustive);
            assert!(report
                .limited_by
                .unwrap_or_default()
                .contains("daemon threads ran"));
        } else if m.expected == Verdict::Holds {
            assert!(report.exhaustive, "{}: not exhaustive", m.name);
        } else {
            assert!(report.failure.is_some(), "{}: no counterexample", m.name);
        }
    }
}

/// Property: a program that behaves differently when re-run (here: it counts its executions in
/// a static) is reported as not deterministic by every search that replays prefixes
/// (stateless, stateful, bounded), instead of being explored wrongly.
#[test]
fn a_program_that_changes_between_runs_is_refused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use threadcheck::engine::{EngineError, Strategy};
    for (strategy, state_caching) in [
        (Strategy::Exhaustive, false),
        (Strategy::Exhaustive, true),
        (
            Strategy::Bounded {
                max_preemptions: None,
            },
            false,
        ),
    ] {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        RUNS.store(0, Ordering::SeqCst);
        let config = Config {
            strategy: strategy.clone(),
            reductions: reductions(state_caching),
            ..Config::default()
        };
        let result = check(&config, || {
            // From the second run on, main first touches an object it did not touch before.
            if RUNS.fetch_add(1, Ordering::SeqCst) > 0 {
                Var::<u32, Native>::named("late", 0).set(2);
            }
            let v = Arc::new(Var::<u32, Native>::named("v", 0));
            let w = {
                let v = v.clone();
                JoinHandle::<(), Native>::spawn(move || v.set(1))
            };
            v.set(2);
            w.join().unwrap();
        });
        match result {
            Err(EngineError::ReplayDiverged(why)) => {
                assert!(why.contains("not deterministic"), "{strategy:?}: {why}")
            }
            other => panic!("{strategy:?} (caching {state_caching}): {other:?}"),
        }
    }
}

/// A program from a script per thread: each step reads or writes one of three variables (a
/// write stores the thread's number); every thread returns what it read, and main records that
/// with the final values.
fn scripted(scripts: Vec<Vec<(usize, bool)>>) -> impl Fn(&Outcomes) + Send + Sync + Clone {
    move |outcomes: &Outcomes| {
        let vars: Arc<Vec<Var<u32, Native>>> = Arc::new(
            (0..3)
                .map(|i| Var::named(&format!("v{i}"), 0).fingerprinted())
                .collect(),
        );
        let handles: Vec<_> = scripts
            .iter()
            .cloned()
            .enumerate()
            .map(|(k, script)| {
                let vars = vars.clone();
                JoinHandle::<Vec<u32>, Native>::spawn(move || {
                    let mut seen = Vec::new();
                    for (v, write) in script {
                        if write {
                            vars[v].set(k as u32 + 1);
                        } else {
                            seen.push(vars[v].get());
                        }
                    }
                    seen
                })
            })
            .collect();
        let seen: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let last: Vec<u32> = vars.iter().map(|v| v.get()).collect();
        outcomes
            .lock()
            .unwrap()
            .insert(format!("{seen:?} {last:?}"));
    }
}

/// Property: on 200 pseudo-random programs (2 or 3 threads, 1 to 3 reads or writes each, over
/// three variables) the stateful search reaches exactly the outcomes the stateless one does.
#[test]
fn random_programs_reach_the_same_outcomes() {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..200 {
        let threads = 2 + (next() % 2) as usize;
        let scripts: Vec<Vec<(usize, bool)>> = (0..threads)
            .map(|_| {
                (0..1 + next() % 3)
                    .map(|_| ((next() % 3) as usize, next() % 2 == 0))
                    .collect()
            })
            .collect();
        let program = scripted(scripts.clone());
        let (plain, expected) = search(reductions(false), program.clone());
        let (cached, reached) = search(reductions(true), program);
        assert!(plain.exhaustive && cached.exhaustive, "{scripts:?}");
        assert_eq!(reached, expected, "{scripts:?}");
    }
}
