//! Schedule fuzzing of a whole program (a CLI model), not of generated scenarios: random/PCT
//! executions in batches until the time budget or the first failure, then (native engine) the
//! failing schedule shrunk to the fewest preemptions. This is what `threadcheck fuzz MODEL`
//! runs.
//!
//! Invariants: batch `i` uses the seed derived from (seed, i) and the strategy the portfolio
//! assigns to `i`, so one seed reproduces the whole run; counters only grow.

use super::driver::{scenario_seed, FuzzConfig, FuzzProgress};
use super::run::{Engine, Stats};
use crate::engine::{self, EngineError, Failure, FailureKind, Schedule};
use crate::report::Trace;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why [`fuzz_program`] does not run on loom (the words of `threadcheck fuzz --engine loom`).
#[cfg(any(loom, feature = "loom"))]
const LOOM_REFUSED: &str =
    "loom has no random or pct scheduler to fuzz with: use the native or shuttle engine";

/// The result of [`fuzz_program`].
#[derive(Clone, Debug)]
pub struct ProgramFuzzReport {
    /// The final counters.
    pub progress: FuzzProgress,
    /// The first failure; `None` when the budget ran out first.
    pub failure: Option<Failure>,
    /// True when the failure's schedule has the fewest preemptions (native engine).
    pub schedule_minimal: bool,
    /// Why the run found nothing and showed nothing either: the engine ran no execution (the
    /// time budget ended before the first one, or the engine refused to run).
    pub stopped: Option<String>,
}

/// A program to fuzz: the model's main function instantiated on the engine's runtime
/// (`model::<Native>` for [`Engine::Native`], `model::<Shuttle>` for `Engine::Shuttle`,
/// `model::<Std>` for [`Engine::Std`]). `Engine::Loom` is refused: loom has no random or PCT
/// scheduler to fuzz with.
pub type Program = Arc<dyn Fn() + Send + Sync>;

/// Fuzzes the schedules of `program` as `config` says (`executions_per_scenario` is the batch
/// size; `shape` is unused): batches of random/PCT executions until `config.time` passes or
/// an execution fails. A native failure is re-run with preemption bounding so that the
/// reported schedule has the fewest preemptions.
///
/// `Engine::Loom` runs nothing: the report's [`stopped`](ProgramFuzzReport::stopped) says that
/// loom has no random or PCT scheduler (as `threadcheck fuzz --engine loom` does); check such a
/// program with loom's exhaustive or bounded search instead (`threadcheck check --engine loom`).
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use threadcheck::lin::{fuzz_program, Engine, FuzzConfig};
/// use threadcheck::sync::Lock;
///
/// fn model() {
///     let lock = Arc::new(Lock::<u32, threadcheck::rt::Std>::new(0));
///     let l2 = lock.clone();
///     let t = threadcheck::thread::Builder::<threadcheck::rt::Std>::new()
///         .spawn(move || l2.with(|n| *n += 1))
///         .unwrap();
///     lock.with(|n| *n += 1);
///     t.join().unwrap();
///     assert_eq!(*lock.lock(), 2);
/// }
/// let mut config = FuzzConfig::new(Engine::Std);
/// config.time = Duration::from_millis(50);
/// config.executions_per_scenario = 10;
/// let report = fuzz_program(&config, Arc::new(model)).unwrap();
/// assert!(report.failure.is_none());
/// ```
pub fn fuzz_program(
    config: &FuzzConfig,
    program: Program,
) -> Result<ProgramFuzzReport, EngineError> {
    let start = Instant::now();
    let mut stats = Stats::default();
    let mut batch = 0u64;
    // Schedule fingerprints: the native engine adds them to `seen`, shuttle to `stats`.
    let seen = engine::ScheduleSet::default();
    let snapshot = |stats: &Stats, batches: u64| {
        let distinct = stats.schedules.len() + seen.lock().map_or(0, |s| s.len());
        FuzzProgress {
            scenarios: batches,
            executions: stats.executions,
            distinct_schedules: (distinct > 0).then_some(distinct as u64),
            distinct_histories: 0,
            elapsed: start.elapsed(),
        }
    };
    let report = |stats: &Stats, batches: u64, failure, schedule_minimal, stopped| {
        let progress = snapshot(stats, batches);
        if let Some(callback) = &config.progress {
            callback(&progress);
        }
        Ok(ProgramFuzzReport {
            progress,
            failure,
            schedule_minimal,
            stopped,
        })
    };
    #[cfg(any(loom, feature = "loom"))]
    if config.engine == Engine::Loom {
        return report(&stats, 0, None, false, Some(LOOM_REFUSED.to_string()));
    }
    while start.elapsed() < config.time {
        let schedules = config.strategy.schedules(batch);
        let seed = scenario_seed(config.seed, batch);
        batch += 1;
        let remaining = config.time.saturating_sub(start.elapsed());
        match config.engine {
            Engine::Native => {
                let strategy = match schedules {
                    super::Schedules::Pct { depth } => engine::Strategy::Pct { depth, seed },
                    _ => engine::Strategy::Random { seed },
                };
                let base = stats.executions;
                let progress: Option<engine::ProgressFn> = config.progress.clone().map(|cb| {
                    let elapsed0 = start.elapsed();
                    let seen = seen.clone();
                    let f: engine::ProgressFn = Arc::new(move |p: &engine::Progress| {
                        let distinct = seen.lock().map(|s| s.len() as u64).unwrap_or(0);
                        cb(&FuzzProgress {
                            scenarios: batch,
                            executions: base + p.executions,
                            distinct_schedules: Some(distinct),
                            distinct_histories: 0,
                            elapsed: elapsed0 + p.elapsed,
                        })
                    });
                    f
                });
                let engine_config = engine::Config {
                    strategy,
                    budget: engine::Budget {
                        max_executions: Some(config.executions_per_scenario),
                        max_time: Some(remaining),
                        ..engine::Budget::default()
                    },
                    progress,
                    schedules_seen: Some(seen.clone()),
                    ..engine::Config::default()
                };
                let body = program.clone();
                let result = engine::check(&engine_config, move || body())?;
                stats.executions += result.executions;
                if let Some(failure) = result.failure {
                    let (failure, minimal) = shrink_native(&program, failure, &mut stats)?;
                    return report(&stats, batch, Some(failure), minimal, None);
                }
                if result.executions == 0 {
                    // The engine ran nothing: say why instead of reporting an empty sample.
                    let why = result
                        .limited_by
                        .unwrap_or_else(|| "the native engine ran no execution".into());
                    return report(&stats, batch, None, false, Some(why));
                }
            }
            #[cfg(any(shuttle, feature = "shuttle"))]
            Engine::Shuttle => {
                let found = super::run::shuttle_run::run_program(
                    program.clone(),
                    schedules,
                    seed,
                    config.executions_per_scenario,
                    Some(remaining),
                    &mut stats,
                );
                if let Some(f) = found {
                    let kind = if f.message.contains("deadlock") {
                        FailureKind::Deadlock {
                            waits: vec![f.message],
                        }
                    } else {
                        FailureKind::Panic {
                            thread: "(shuttle task)".into(),
                            message: f.message,
                        }
                    };
                    let failure = Failure {
                        kind,
                        schedule: Schedule(f.schedule),
                        preemptions: f.preemptions,
                        steps: 0,
                        fewest_steps: false,
                        trace: Trace::default(),
                    };
                    return report(&stats, batch, Some(failure), false, None);
                }
            }
            #[cfg(any(loom, feature = "loom"))]
            Engine::Loom => return report(&stats, 0, None, false, Some(LOOM_REFUSED.to_string())),
            Engine::Std => {
                for _ in 0..config.executions_per_scenario {
                    let body = program.clone();
                    let outcome =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || body()));
                    stats.executions += 1;
                    if let Err(payload) = outcome {
                        let message = crate::rt::panic_text(&*payload)
                            .unwrap_or_default()
                            .to_string();
                        let failure = Failure {
                            kind: FailureKind::Panic {
                                thread: "MainThread".into(),
                                message,
                            },
                            schedule: Schedule(String::new()),
                            preemptions: 0,
                            steps: 0,
                            fewest_steps: false,
                            trace: Trace::default(),
                        };
                        return report(&stats, batch, Some(failure), false, None);
                    }
                }
            }
        }
        // After every batch, on every engine: the native engine reports progress itself only
        // every 100 ms of one search, and a batch is usually shorter than that.
        if let Some(callback) = &config.progress {
            callback(&snapshot(&stats, batch));
        }
    }
    if stats.executions == 0 {
        // A budget that ended before the first execution is no evidence of anything.
        let why = format!(
            "the time budget ({:?}) ran out before the first execution",
            config.time
        );
        return report(&stats, batch, None, false, Some(why));
    }
    report(&stats, batch, None, false, None)
}

/// Re-runs the program with iterative preemption bounding: the first failure it finds has the
/// fewest preemptions, and the search goes on among those schedules for the one with the fewest
/// steps ([`engine::Config::shortest`]). Keeps the fuzzer's failure if the bounded search finds
/// none in budget.
fn shrink_native(
    program: &Program,
    found: Failure,
    stats: &mut Stats,
) -> Result<(Failure, bool), EngineError> {
    let config = engine::Config {
        strategy: engine::Strategy::Bounded {
            max_preemptions: Some(found.preemptions),
        },
        budget: engine::Budget {
            max_executions: Some(100_000),
            max_time: Some(Duration::from_secs(10)),
            ..engine::Budget::default()
        },
        shortest: true,
        ..engine::Config::default()
    };
    let body = program.clone();
    let result = engine::check(&config, move || body())?;
    stats.executions += result.executions;
    Ok(match result.failure {
        Some(f) if f.preemptions <= found.preemptions => (f, true),
        _ => (found, false),
    })
}
