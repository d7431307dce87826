//! Soundness: the reproductions of the false proofs the soundness issue found, and the
//! differential check that keeps them from coming back.
//!
//! The differential check generates small random programs over every primitive
//! (`program_gen`), explores each with every exhaustive variant (default reductions, none,
//! state caching with and without fingerprints, the parallel search on 2 and 3 workers, the
//! bounded search without a bound) and with the reference, [`Strategy::EverySchedule`] (every
//! schedule, no reduction), all with [`Config::explore_all`], and compares the *sets* of outcomes
//! (every thread's log and the objects' final states), panics and deadlocks. Sampling (random,
//! PCT) must never reach what the reference did not. A fixed list of seeds runs here; the long
//! campaign is `campaign` below (ignored by default):
//!
//! ```sh
//! THREADCHECK_CAMPAIGN_MINUTES=30 cargo test --release --test soundness -- --ignored campaign --nocapture
//! ```

mod program_gen;

use program_gen::{body, gen_program, render, Op, Outcomes, Program, Rng, ThreadProg};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use threadcheck::engine::{
    check, Budget, Config, EngineError, FailureKind, Native, Reductions, Report, Strategy,
};

/// What one search of a program saw.
#[derive(Debug)]
struct Seen {
    outcomes: BTreeSet<String>,
    failures: BTreeSet<String>,
    exhaustive: bool,
    executions: u64,
}

/// A failure as the comparison sees it: which thread panicked with which message (without the
/// "earlier, X panicked" note, which depends on the order of independent steps), or who waits
/// for what in a deadlock.
fn failure_text(kind: &FailureKind) -> String {
    match kind {
        FailureKind::Panic { thread, message } => {
            let message = message.split(" (earlier, ").next().unwrap_or(message);
            format!("panic {thread}: {message}")
        }
        FailureKind::Deadlock { waits } => format!("deadlock {waits:?}"),
        FailureKind::StepBound { steps } => format!("step bound {steps}"),
    }
}

fn explore(program: &Arc<Program>, config: Config) -> Result<Seen, EngineError> {
    let outcomes = Outcomes::default();
    let (p, o) = (program.clone(), outcomes.clone());
    let config = Config {
        explore_all: true,
        ..config
    };
    let report: Report = check(&config, move || body::<Native>(&p, &o))?;
    let outcomes = outcomes.lock().unwrap().clone();
    Ok(Seen {
        outcomes,
        failures: report
            .failures
            .iter()
            .map(|f| failure_text(&f.kind))
            .collect(),
        exhaustive: report.exhaustive,
        executions: report.executions,
    })
}

fn config(strategy: Strategy, reductions: Reductions, workers: usize, time: Duration) -> Config {
    Config {
        strategy,
        reductions,
        workers,
        budget: Budget {
            max_time: Some(time),
            ..Budget::default()
        },
        ..Config::default()
    }
}

/// The exhaustive variants compared with the reference.
fn variants() -> Vec<(&'static str, Strategy, Reductions, usize, bool)> {
    let caching = Reductions {
        state_caching: true,
        ..Reductions::default()
    };
    vec![
        (
            "default",
            Strategy::Exhaustive,
            Reductions::default(),
            1,
            true,
        ),
        (
            "no reductions",
            Strategy::Exhaustive,
            Reductions::none(),
            1,
            true,
        ),
        ("state caching", Strategy::Exhaustive, caching, 1, true),
        (
            "state caching, no fingerprints",
            Strategy::Exhaustive,
            caching,
            1,
            false,
        ),
        (
            "2 workers",
            Strategy::Exhaustive,
            Reductions::default(),
            2,
            true,
        ),
        (
            "3 workers",
            Strategy::Exhaustive,
            Reductions::default(),
            3,
            true,
        ),
        (
            "bounded, no bound",
            Strategy::Bounded {
                max_preemptions: None,
            },
            Reductions::default(),
            1,
            true,
        ),
    ]
}

/// How one program compared.
enum Verdict {
    /// Every variant that finished agreed with the reference.
    Agreed { variants: usize },
    /// The reference did not finish within its budget: the variants that finished agreed with
    /// the default exhaustive search instead.
    TooLarge { variants: usize },
    /// Something differed (the text says what).
    Differs(String),
}

fn difference(name: &str, reference: &Seen, seen: &Seen) -> Option<String> {
    if seen.outcomes == reference.outcomes && seen.failures == reference.failures {
        return None;
    }
    let missed: Vec<_> = reference.outcomes.difference(&seen.outcomes).collect();
    let extra: Vec<_> = seen.outcomes.difference(&reference.outcomes).collect();
    let missed_f: Vec<_> = reference.failures.difference(&seen.failures).collect();
    let extra_f: Vec<_> = seen.failures.difference(&reference.failures).collect();
    Some(format!(
        "{name} ({} executions): missed outcomes {missed:?}, extra outcomes {extra:?}, missed \
         failures {missed_f:?}, extra failures {extra_f:?}",
        seen.executions
    ))
}

/// Compares every variant and sampling with the reference on one program; a program whose
/// reference needs more than `reference_executions` schedules is too large.
fn compare(program: &Program, reference_executions: u64, time: Duration) -> Verdict {
    let fingerprinted = Arc::new(Program {
        fingerprinted: true,
        ..program.clone()
    });
    let plain = Arc::new(Program {
        fingerprinted: false,
        ..program.clone()
    });
    let mut every = config(Strategy::EverySchedule, Reductions::none(), 1, time);
    every.budget.max_executions = Some(reference_executions);
    let (reference, complete) = match explore(&fingerprinted, every) {
        Ok(seen) if seen.exhaustive => (seen, true),
        Ok(_) => {
            // Too large for every schedule: compare the reductions with the plain search.
            let default = config(Strategy::Exhaustive, Reductions::default(), 1, time);
            match explore(&fingerprinted, default) {
                Ok(seen) if seen.exhaustive => (seen, false),
                Ok(_) => return Verdict::TooLarge { variants: 0 },
                Err(e) => return Verdict::Differs(format!("default: {e}")),
            }
        }
        Err(e) => return Verdict::Differs(format!("reference: {e}")),
    };
    let mut compared = 0;
    for (name, strategy, reductions, workers, fingerprints) in variants() {
        let program = if fingerprints { &fingerprinted } else { &plain };
        match explore(program, config(strategy, reductions, workers, time)) {
            Ok(seen) if !seen.exhaustive => {}
            Ok(seen) => {
                compared += 1;
                if let Some(why) = difference(name, &reference, &seen) {
                    return Verdict::Differs(why);
                }
            }
            Err(e) => return Verdict::Differs(format!("{name}: {e}")),
        }
    }
    for (name, strategy) in [
        ("random", Strategy::Random { seed: 7 }),
        ("pct", Strategy::Pct { depth: 2, seed: 7 }),
    ] {
        let mut sampling = config(strategy, Reductions::default(), 1, time);
        sampling.budget.max_executions = Some(200);
        match explore(&fingerprinted, sampling) {
            Ok(seen) => {
                let extra: Vec<_> = seen.outcomes.difference(&reference.outcomes).collect();
                let extra_f: Vec<_> = seen.failures.difference(&reference.failures).collect();
                if !extra.is_empty() || !extra_f.is_empty() {
                    return Verdict::Differs(format!(
                        "{name} reached what every schedule did not: {extra:?} {extra_f:?}"
                    ));
                }
            }
            Err(e) => return Verdict::Differs(format!("{name}: {e}")),
        }
    }
    if complete {
        Verdict::Agreed { variants: compared }
    } else {
        Verdict::TooLarge { variants: compared }
    }
}

/// Compares the seeds in `seeds`; panics listing every program that differed.
fn run_seeds(
    seeds: impl Iterator<Item = u64>,
    reference_executions: u64,
    time: Duration,
    deadline: Option<Instant>,
) {
    let (mut agreed, mut too_large, mut variants, mut among) = (0, 0, 0, 0);
    let mut differs = Vec::new();
    for seed in seeds {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let program = gen_program(&mut Rng(seed));
        if std::env::var_os("THREADCHECK_SOUNDNESS_VERBOSE").is_some() {
            eprintln!("seed {seed}");
        }
        match compare(&program, reference_executions, time) {
            Verdict::Agreed { variants: v } => {
                agreed += 1;
                variants += v;
            }
            Verdict::TooLarge { variants: v } => {
                too_large += 1;
                among += v;
            }
            Verdict::Differs(why) => {
                eprintln!("seed {seed} differs: {why}\n{}", render(&program));
                differs.push(seed);
            }
        }
    }
    eprintln!(
        "differential check: {agreed} programs agreed with every schedule ({variants} exhaustive \
         variant runs compared with it); {too_large} too large for that, whose variants agreed \
         with the default search ({among} runs); {} differed: {differs:?}",
        differs.len()
    );
    assert!(differs.is_empty(), "programs that differ: {differs:?}");
}

#[test]
fn random_programs_reach_the_same_outcomes_in_every_search() {
    run_seeds(0..40, 3_000, Duration::from_secs(3), None);
}

/// The seeds on which the engine once panicked, or searches disagreed.
#[test]
fn programs_that_once_broke_the_engine_agree() {
    run_seeds(
        [1264, 50096, 50262, 50350, 15, 1007, 1023, 100137].into_iter(),
        3_000,
        Duration::from_secs(10),
        None,
    );
}

/// The long campaign: fresh seeds for `THREADCHECK_CAMPAIGN_MINUTES` (default 30), from
/// `THREADCHECK_CAMPAIGN_FIRST_SEED` (default 100000).
#[test]
#[ignore = "long: run it with --ignored"]
fn campaign() {
    let minutes: u64 = std::env::var("THREADCHECK_CAMPAIGN_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(30);
    let first: u64 = std::env::var("THREADCHECK_CAMPAIGN_FIRST_SEED")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(100_000);
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    run_seeds(first.., 10_000, Duration::from_secs(10), Some(deadline));
}

/// A small program written out, for the reproductions below.
fn program(threads: Vec<(bool, Vec<Op>)>, sem_init: usize) -> Program {
    Program {
        threads: threads
            .into_iter()
            .map(|(daemon, ops)| ThreadProg { ops, daemon })
            .collect(),
        sem_init,
        queue_max: 2,
        barrier_parties: 2,
        fingerprinted: true,
    }
}

/// Two daemon threads doing one try-acquire each after main: the parallel search once missed
/// outcomes here (fuzz seed 1007, shrunk).
#[test]
fn parallel_search_reaches_every_outcome_with_daemons() {
    use Op::*;
    let p = program(
        vec![
            (false, vec![Spawn(1), Spawn(2), SemTry]),
            (true, vec![BSemTry]),
            (true, vec![SemCriticalTry(1)]),
        ],
        1,
    );
    assert_agrees(&p);
}

/// The program's variants all agree with the reference, or (if every schedule is too many) with
/// the default search; at least the sequential, parallel and bounded variants finished.
fn assert_agrees(p: &Program) {
    match compare(p, 20_000, Duration::from_secs(30)) {
        Verdict::Agreed { variants } | Verdict::TooLarge { variants } => assert!(variants >= 6),
        Verdict::Differs(why) => panic!("{why}"),
    }
}

/// The same without daemons, every thread joined (fuzz seed 1007 as generated).
#[test]
fn parallel_search_reaches_every_outcome_without_daemons() {
    use Op::*;
    let p = program(
        vec![
            (
                false,
                vec![SemTry, Spawn(1), Spawn(2), SemTry, SemTry, Join(1), Join(2)],
            ),
            (false, vec![SemRelease, BSemTry]),
            (
                false,
                vec![SemCriticalTry(1), SemTry, BSemTry, BSemTry, SemTry],
            ),
        ],
        1,
    );
    assert_agrees(&p);
}

/// Campaign seed 100137, as generated: main's section panics if it runs before the worker's
/// increment of the same lock, which the worker only reaches after a barrier wait. Past the
/// panic the worker's increment never ran, so its race with main's section was never seen and
/// the search past failures (`explore_all`) missed every outcome where the worker goes first.
#[test]
fn the_search_past_a_panic_sees_what_the_other_threads_do_next() {
    use Op::*;
    let p = Program {
        threads: vec![
            ThreadProg {
                daemon: false,
                ops: vec![
                    EventIsSet,
                    Spawn(1),
                    LockIncPanicAt1(1),
                    Join(1),
                    EventWaitTimeout,
                ],
            },
            ThreadProg {
                daemon: false,
                ops: vec![
                    BarrierWaitTimeout,
                    LockInc(1),
                    EventIsSet,
                    BarrierWaitTimeout,
                ],
            },
        ],
        sem_init: 0,
        queue_max: 0,
        barrier_parties: 2,
        fingerprinted: true,
    };
    match compare(&p, 20_000, Duration::from_secs(30)) {
        Verdict::Agreed { variants } => assert!(variants >= 6),
        Verdict::TooLarge { .. } => panic!("every schedule of this program is few"),
        Verdict::Differs(why) => panic!("{why}"),
    }
}
