//! Running a model on each engine, and turning what each one says into one [`Outcome`].
//!
//! * native: [`crate::engine::check`], which returns a [`Report`](crate::engine::Report) with a
//!   step trace. A failure found by the exhaustive search is re-searched with the bounded
//!   strategy to show a counterexample with the fewest preemptions (unless `--no-minimize`).
//! * loom: `loom::model::Builder::check`. Exhaustive, or preemption-bounded. Executions are
//!   counted by the body itself; a failure is a panic, caught here. Loom records no trace.
//! * shuttle: a `shuttle::Runner` with the random, PCT or DFS scheduler, wrapped in a
//!   [`Recorder`] that writes down the schedule (task choices and random draws), so that a failure
//!   comes with a schedule `threadcheck replay` can re-run. Shuttle records no trace either.

use super::capture;
use crate::engine::{self, Budget, Config, EngineError, FailureKind, Reductions, Verdict};
use crate::models::{Model, Params};
pub(crate) use crate::rt::shuttle_schedule::ShuttleSchedule;
use crate::rt::shuttle_schedule::{Recorder, Replayer};
use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::rt::LoomStop;
pub(crate) use crate::rt::LOOM_MAX_SPAWNED;
/// The number of executions of a random or PCT search when no budget is given.
pub(crate) const DEFAULT_SAMPLE: u64 = 1000;
/// The preemption bound of loom's bounded search when `--max-preemptions` is not given.
pub(crate) const LOOM_DEFAULT_PREEMPTIONS: u32 = 2;

/// Which engine runs the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EngineKind {
    /// threadcheck's own deterministic engine: exhaustive with reductions, traces, replay.
    Native,
    /// loom: exhaustive (or preemption-bounded) over the real Mutex+Condvar code; ≤ 4 threads.
    Loom,
    /// shuttle: random, PCT or depth-first scheduling, with replayable schedules.
    Shuttle,
}

impl EngineKind {
    /// The lowercase name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            EngineKind::Native => "native",
            EngineKind::Loom => "loom",
            EngineKind::Shuttle => "shuttle",
        }
    }
}

/// How the engine chooses interleavings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StrategyKind {
    /// Every interleaving (up to equivalence): a "holds" is a proof.
    Exhaustive,
    /// Every interleaving with at most --max-preemptions preemptions, fewest first.
    Bounded,
    /// Uniformly random scheduling (seeded).
    Random,
    /// Probabilistic concurrency testing with bug depth --depth (seeded).
    Pct,
    /// `fuzz` only: random and PCT depth 2, 3, 4 in turn, batch by batch.
    #[value(skip)]
    Portfolio,
}

impl StrategyKind {
    /// The lowercase name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StrategyKind::Exhaustive => "exhaustive",
            StrategyKind::Bounded => "bounded",
            StrategyKind::Random => "random",
            StrategyKind::Pct => "pct",
            StrategyKind::Portfolio => "portfolio",
        }
    }

    /// Random and PCT sample executions; the others enumerate them.
    pub(crate) fn samples(self) -> bool {
        matches!(
            self,
            StrategyKind::Random | StrategyKind::Pct | StrategyKind::Portfolio
        )
    }
}

/// Everything decided before a check starts.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub model: &'static Model,
    pub params: Params,
    pub engine: EngineKind,
    pub strategy: StrategyKind,
    pub seed: u64,
    pub depth: u32,
    pub max_preemptions: Option<u32>,
    pub budget: Budget,
    pub minimize: bool,
    pub reductions: Reductions,
    /// How `reductions` was asked for (the replay command repeats it).
    pub reductions_choice: super::args::ReductionsChoice,
    /// Threads for the native exhaustive search (`--jobs`).
    pub workers: usize,
}

/// A failing execution as the CLI shows it.
#[derive(Clone, Debug)]
pub(crate) struct FailureInfo {
    /// What went wrong, in one line or a few.
    pub message: String,
    /// Where the model panicked, if it did (`models/counter_unlocked.rs:42`).
    pub location: Option<String>,
    /// The schedule that reproduces it (native and shuttle).
    pub schedule: Option<String>,
    /// Its number of preemptions, when known.
    pub preemptions: Option<u32>,
    /// The native engine's failure, with its step trace.
    pub native: Option<engine::Failure>,
}

/// The result of a check, whatever the engine.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    pub verdict: Verdict,
    pub exhaustive: bool,
    pub executions: u64,
    pub elapsed: Duration,
    /// Why the search is not exhaustive, in words.
    pub limited_by: Option<String>,
    pub failure: Option<FailureInfo>,
    /// Extra facts worth a line (minimisation, engine caveats).
    pub notes: Vec<String>,
    /// The distinct states a search with state caching explored.
    pub states: Option<u64>,
}

/// A check that cannot run as asked (exit code 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UsageError(pub String);

impl From<EngineError> for UsageError {
    fn from(e: EngineError) -> Self {
        UsageError(match e {
            EngineError::BadSchedule(why) => format!("bad schedule: {why}"),
            EngineError::ReplayDiverged(why) => format!(
                "the schedule does not fit this model with these parameters ({why}); replay it \
                 with the parameters printed with it"
            ),
            e @ (EngineError::Unsupported(_) | EngineError::Stalled(_)) => e.to_string(),
            // The count is the thread that was refused, not how many the model would start.
            EngineError::TooManyThreads(_) => "the model starts more than 64 threads; the native \
                                               engine supports 64 (main + 64 spawned)"
                .to_string(),
        })
    }
}

/// Runs the plan. `executions` is advanced as the search goes, for the progress indicator.
pub(crate) fn run(plan: &Plan, executions: &Arc<AtomicU64>) -> Result<Outcome, UsageError> {
    match plan.engine {
        EngineKind::Native => run_native(plan, executions),
        EngineKind::Loom => run_loom(plan, executions),
        EngineKind::Shuttle => run_shuttle(plan, executions),
    }
}

// ------------------------------------------------------------------------------------ native

fn native_strategy(plan: &Plan) -> engine::Strategy {
    match plan.strategy {
        StrategyKind::Exhaustive => engine::Strategy::Exhaustive,
        StrategyKind::Bounded => engine::Strategy::Bounded {
            max_preemptions: plan.max_preemptions,
        },
        // `fuzz` runs its portfolio batch by batch (`lin::fuzz_program`); a single search
        // with it starts where the portfolio does.
        StrategyKind::Random | StrategyKind::Portfolio => {
            engine::Strategy::Random { seed: plan.seed }
        }
        StrategyKind::Pct => engine::Strategy::Pct {
            depth: plan.depth,
            seed: plan.seed,
        },
    }
}

/// The message of a native failure.
pub(crate) fn native_message(failure: &engine::Failure) -> String {
    match &failure.kind {
        FailureKind::Panic { thread, message } => format!("{thread} panicked: {message}"),
        FailureKind::Deadlock { waits } => {
            if waits.is_empty() {
                "deadlock: every live thread is blocked".to_string()
            } else {
                // Each thread's line as the report words it: where it waits, and where the
                // holder acquired what it waits for (the engine's line has only the former).
                format!(
                    "deadlock: {}",
                    crate::report::wait_lines(failure).join("; ")
                )
            }
        }
        FailureKind::StepBound { steps } => format!(
            "an execution ran {steps} steps without ending (--max-steps): a livelock, or a loop \
             that never ends"
        ),
    }
}

fn native_failure(failure: &engine::Failure) -> FailureInfo {
    FailureInfo {
        message: native_message(failure),
        location: None,
        schedule: Some(failure.schedule.to_string()),
        preemptions: Some(failure.preemptions),
        native: Some(failure.clone()),
    }
}

/// Runs the native engine once with `strategy`.
fn native_check(
    plan: &Plan,
    strategy: engine::Strategy,
    budget: Budget,
    executions: &Arc<AtomicU64>,
    base: u64,
) -> Result<engine::Report, UsageError> {
    let counter = Arc::clone(executions);
    let config = Config {
        strategy,
        budget,
        reductions: plan.reductions,
        shortest: false,
        workers: plan.workers,
        progress: Some(Arc::new(move |p: &engine::Progress| {
            counter.store(base + p.executions, Ordering::Relaxed);
        })),
        ..Config::default()
    };
    let body = plan.model.bodies.native;
    let params = plan.params.clone();
    let report = engine::check(&config, move || {
        capture::new_execution();
        body(&params)
    })?;
    executions.store(base + report.executions, Ordering::Relaxed);
    Ok(report)
}

fn sample_budget(plan: &Plan) -> Budget {
    let mut budget = plan.budget;
    if plan.strategy.samples() && budget.max_executions.is_none() && budget.max_time.is_none() {
        budget.max_executions = Some(DEFAULT_SAMPLE);
    }
    budget
}

fn run_native(plan: &Plan, executions: &Arc<AtomicU64>) -> Result<Outcome, UsageError> {
    let budget = sample_budget(plan);
    let report = native_check(plan, native_strategy(plan), budget, executions, 0)?;
    let mut outcome = Outcome {
        verdict: report.verdict,
        exhaustive: report.exhaustive,
        executions: report.executions,
        elapsed: report.elapsed,
        limited_by: report.limited_by.clone(),
        failure: report.failure.as_ref().map(native_failure),
        notes: Vec::new(),
        states: report.states,
    };
    if let Some(states) = report.states {
        outcome.notes.push(format!(
            "state caching: {} distinct states explored",
            super::progress::thousands(states)
        ));
    }
    if report.panics_returned > 0 {
        let n = report.panics_returned;
        outcome.notes.push(format!(
            "{} thread panic{} returned to the program by a join (not failures: the program \
             handles them)",
            super::progress::thousands(n),
            if n == 1 { " was" } else { "s were" }
        ));
    }
    if plan.strategy.samples()
        && outcome.verdict == Verdict::Inconclusive
        && report.failure.is_none()
        && report.executions > 0
    {
        // A random or PCT sample that ran its course found nothing: that is its answer (a
        // sample of no execution is none: it stays inconclusive).
        outcome.verdict = Verdict::Holds;
        outcome.exhaustive = false;
    }
    // Minimise: the exhaustive search returns the first failure it meets; the bounded search
    // (preemption bounds 0, 1, 2, ...) returns one with the fewest preemptions.
    let found = report.failure.as_ref().map(|f| f.preemptions);
    if let (true, StrategyKind::Exhaustive, Some(preemptions)) =
        (plan.minimize, plan.strategy, found)
    {
        if preemptions > 0 {
            let mut budget = plan.budget;
            if let Some(max) = budget.max_executions {
                budget.max_executions = Some(max.saturating_sub(report.executions).max(1));
            }
            if let Some(max) = budget.max_time {
                budget.max_time = Some(
                    max.saturating_sub(report.elapsed)
                        .max(Duration::from_millis(100)),
                );
            }
            let strategy = engine::Strategy::Bounded {
                max_preemptions: Some(preemptions - 1),
            };
            let again = native_check(plan, strategy, budget, executions, report.executions)?;
            outcome.executions += again.executions;
            outcome.elapsed += again.elapsed;
            if let Some(smaller) = again
                .failure
                .as_ref()
                .filter(|f| f.preemptions < preemptions)
            {
                outcome.notes.push(format!(
                    "minimised: the exhaustive search first met a counterexample with {preemptions} \
                     preemption(s); this one has {}, the fewest possible (--no-minimize to skip)",
                    smaller.preemptions
                ));
                outcome.verdict = again.verdict;
                outcome.failure = Some(native_failure(smaller));
            } else if again.verdict == Verdict::Holds && again.exhaustive {
                outcome.notes.push(format!(
                    "this counterexample has the fewest preemptions possible ({preemptions})"
                ));
            }
        } else {
            outcome
                .notes
                .push("this counterexample has no preemption at all".to_string());
        }
    }
    Ok(outcome)
}

/// Replays one native-engine schedule.
pub(crate) fn replay_native(
    model: &'static Model,
    params: &Params,
    schedule: &str,
    budget: &Budget,
    reductions: Reductions,
) -> Result<Outcome, UsageError> {
    let schedule = engine::Schedule::parse(schedule)?;
    let config = Config {
        strategy: engine::Strategy::Replay { schedule },
        budget: *budget,
        reductions,
        progress: None,
        shortest: false,
        ..Config::default()
    };
    let body = model.bodies.native;
    let params = params.clone();
    let report = engine::check(&config, move || {
        capture::new_execution();
        body(&params)
    })?;
    Ok(Outcome {
        verdict: report.verdict,
        exhaustive: false,
        executions: report.executions,
        elapsed: report.elapsed,
        limited_by: report
            .limited_by
            .clone()
            .or_else(|| Some("one replayed schedule".to_string())),
        failure: report.failure.as_ref().map(native_failure),
        notes: Vec::new(),
        states: None,
    })
}

// -------------------------------------------------------------------------------------- loom

/// What a loom or shuttle panic means.
enum PanicMeaning {
    Violated,
    Deadlock(String),
    GaveUp(String),
    Usage(String),
}

fn classify_loom(message: &str) -> PanicMeaning {
    match crate::rt::loom_stop(message) {
        Some(LoomStop::Deadlock) => PanicMeaning::Deadlock(
            "deadlock: every thread is blocked (loom does not say on what: run with --engine \
             native to see which thread waits for which lock)"
                .to_string(),
        ),
        Some(LoomStop::BranchLimit) => PanicMeaning::GaveUp(
            "loom gave up: one execution exceeded its branch limit (LOOM_MAX_BRANCHES, 1000 by \
             default). The model is too long for loom with these parameters: lower --iterations, \
             or use --engine native"
                .to_string(),
        ),
        Some(LoomStop::ThreadCap) => PanicMeaning::Usage(format!(
            "loom's thread cap is {LOOM_MAX_SPAWNED} spawned threads; use --engine native"
        )),
        Some(LoomStop::BadSetting) => {
            PanicMeaning::Usage(format!("bad loom setting in the environment: {message}"))
        }
        None => PanicMeaning::Violated,
    }
}

fn run_loom(plan: &Plan, executions: &Arc<AtomicU64>) -> Result<Outcome, UsageError> {
    let mut builder = catch_unwind(loom::model::Builder::new).map_err(|p| {
        let message = capture::payload_message(&*p).unwrap_or_default();
        UsageError(format!("bad loom setting in the environment: {message}"))
    })?;
    let bound = match plan.strategy {
        StrategyKind::Exhaustive => None,
        StrategyKind::Bounded => Some(plan.max_preemptions.unwrap_or(LOOM_DEFAULT_PREEMPTIONS)),
        StrategyKind::Random | StrategyKind::Pct | StrategyKind::Portfolio => {
            return Err(UsageError(format!(
                "loom has no {} scheduler: it explores exhaustively, or bounded with \
                 --max-preemptions; use --engine shuttle or --engine native for {0}",
                plan.strategy.name()
            )))
        }
    };
    if let Some(bound) = bound {
        builder.preemption_bound = Some(bound as usize);
    }
    // Loom checks its budgets every `checkpoint_interval` executions; check them every time.
    if let Some(max) = plan.budget.max_executions {
        builder.max_permutations =
            Some(usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX));
        builder.checkpoint_interval = 1;
    }
    if let Some(max) = plan.budget.max_time {
        builder.max_duration = Some(max);
        builder.checkpoint_interval = 1;
    }
    let body = plan.model.bodies.loom;
    let params = plan.params.clone();
    let counter = Arc::clone(executions);
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        builder.check(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            capture::new_execution();
            body(&params)
        })
    }));
    let elapsed = start.elapsed();
    let count = executions.load(Ordering::Relaxed);
    let mut outcome = Outcome {
        verdict: Verdict::Holds,
        exhaustive: bound.is_none(),
        executions: count,
        elapsed,
        limited_by: bound
            .map(|b| format!("preemption bound: at most {b} preemption(s) per execution")),
        failure: None,
        notes: Vec::new(),
        states: None,
    };
    match result {
        Ok(()) => {
            let by_count = plan.budget.max_executions.is_some_and(|max| count >= max);
            let by_time = plan.budget.max_time.is_some_and(|max| elapsed >= max);
            if by_count || by_time {
                outcome.verdict = Verdict::Inconclusive;
                outcome.exhaustive = false;
                outcome.limited_by = Some(budget_words(&plan.budget, by_count));
            }
        }
        Err(payload) => {
            let first = capture::first_panic();
            let message = first
                .as_ref()
                .map(|p| p.message.clone())
                .or_else(|| capture::payload_message(&*payload))
                .unwrap_or_else(|| "the model panicked".to_string());
            outcome.exhaustive = false;
            match classify_loom(&message) {
                PanicMeaning::Violated => {
                    outcome.verdict = Verdict::Violated;
                    outcome.failure = Some(FailureInfo {
                        message,
                        location: first.and_then(|p| p.location),
                        schedule: None,
                        preemptions: None,
                        native: None,
                    });
                }
                PanicMeaning::Deadlock(message) => {
                    outcome.verdict = Verdict::Deadlock;
                    outcome.failure = Some(FailureInfo {
                        message,
                        location: None,
                        schedule: None,
                        preemptions: None,
                        native: None,
                    });
                }
                PanicMeaning::GaveUp(why) => {
                    outcome.verdict = Verdict::Inconclusive;
                    outcome.limited_by = Some(why);
                    // The execution loom gave up on did not complete.
                    outcome.executions = count.saturating_sub(1);
                }
                PanicMeaning::Usage(why) => return Err(UsageError(why)),
            }
        }
    }
    Ok(outcome)
}

/// The budget that stopped a search, in words.
fn budget_words(budget: &Budget, by_count: bool) -> String {
    match (by_count, budget.max_executions, budget.max_time) {
        (true, Some(n), _) => format!("stopped by the budget: --max-executions {n}"),
        (_, _, Some(t)) => format!(
            "stopped by the budget: --time {}",
            super::format_duration(t)
        ),
        _ => "stopped by the budget".to_string(),
    }
}

// ----------------------------------------------------------------------------------- shuttle

fn shuttle_config(budget: &Budget) -> shuttle::Config {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.max_steps =
        shuttle::MaxSteps::FailAfter(usize::try_from(budget.max_steps).unwrap_or(usize::MAX));
    config.max_time = budget.max_time;
    config.silence_warnings = true;
    config
}

fn classify_shuttle(message: &str, budget: &Budget) -> PanicMeaning {
    if let Some(rest) = message.strip_prefix("deadlock! blocked tasks: ") {
        // "[main-thread (task main-thread(0), pending future), Thread-1 (task ...), ...]"
        let names: Vec<&str> = rest
            .trim_start_matches('[')
            .split(", ")
            .filter_map(|t| t.split_once(" (task ").map(|(name, _)| name.trim()))
            .filter(|t| !t.is_empty())
            .collect();
        PanicMeaning::Deadlock(format!(
            "deadlock: every thread is blocked ({}). Run with --engine native to see which \
             thread waits for which lock",
            names.join(", ")
        ))
    } else if message.starts_with("exceeded max_steps bound") {
        PanicMeaning::GaveUp(format!(
            "an execution ran {} steps without ending (--max-steps): a livelock, or a loop that \
             never ends",
            budget.max_steps
        ))
    } else {
        PanicMeaning::Violated
    }
}

/// Turns a caught shuttle run into an outcome.
fn shuttle_outcome(
    result: Result<(), Box<dyn std::any::Any + Send>>,
    budget: &Budget,
    schedule: Option<(ShuttleSchedule, u32)>,
    outcome: &mut Outcome,
) {
    let Err(payload) = result else { return };
    let first = capture::first_panic();
    let message = first
        .as_ref()
        .map(|p| p.message.clone())
        .or_else(|| capture::payload_message(&*payload))
        .unwrap_or_else(|| "the model panicked".to_string());
    outcome.exhaustive = false;
    let failure = |message: String, location: Option<String>| FailureInfo {
        message,
        location,
        schedule: schedule.as_ref().map(|(s, _)| s.encode()),
        preemptions: schedule.as_ref().map(|(_, p)| *p),
        native: None,
    };
    match classify_shuttle(&message, budget) {
        PanicMeaning::Violated => {
            outcome.verdict = Verdict::Violated;
            outcome.failure = Some(failure(message, first.and_then(|p| p.location)));
        }
        PanicMeaning::Deadlock(message) => {
            outcome.verdict = Verdict::Deadlock;
            outcome.failure = Some(failure(message, None));
        }
        PanicMeaning::GaveUp(why) | PanicMeaning::Usage(why) => {
            outcome.verdict = Verdict::Inconclusive;
            outcome.limited_by = Some(why);
        }
    }
}

fn run_shuttle(plan: &Plan, executions: &Arc<AtomicU64>) -> Result<Outcome, UsageError> {
    let budget = sample_budget(plan);
    let count = budget
        .max_executions
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let inner: Box<dyn Scheduler + Send> = match plan.strategy {
        StrategyKind::Random | StrategyKind::Portfolio => {
            Box::new(RandomScheduler::new_from_seed(plan.seed, count))
        }
        StrategyKind::Pct => Box::new(PctScheduler::new_from_seed(
            plan.seed,
            plan.depth as usize,
            count,
        )),
        StrategyKind::Exhaustive => Box::new(DfsScheduler::new(
            budget.max_executions.map(|_| count),
            false,
        )),
        StrategyKind::Bounded => return Err(UsageError(
            "shuttle has no preemption-bounded search: use --strategy exhaustive (depth-first), \
                 random or pct with shuttle, or --engine native or loom for bounded"
                .to_string(),
        )),
    };
    let (recorder, recorded) = Recorder::new(inner);
    let recorder = recorder.with_progress(Arc::clone(executions));
    let body = plan.model.bodies.shuttle;
    let params = plan.params.clone();
    let runner = shuttle::Runner::new(recorder, shuttle_config(&budget));
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        runner.run(move || {
            capture::new_execution();
            body(&params)
        });
    }));
    let elapsed = start.elapsed();
    let rec = recorded.lock().unwrap_or_else(|e| e.into_inner());
    let ran = rec.executions;
    let mut outcome = Outcome {
        verdict: Verdict::Holds,
        exhaustive: false,
        executions: ran,
        elapsed,
        limited_by: None,
        failure: None,
        notes: Vec::new(),
        states: None,
    };
    let by_count = budget.max_executions.is_some_and(|max| ran >= max);
    let by_time = budget.max_time.is_some_and(|max| elapsed >= max);
    match plan.strategy {
        StrategyKind::Exhaustive => {
            if by_count || by_time {
                outcome.verdict = Verdict::Inconclusive;
                outcome.limited_by = Some(budget_words(&budget, by_count));
            } else {
                outcome.exhaustive = true;
            }
        }
        StrategyKind::Random | StrategyKind::Pct | StrategyKind::Portfolio if ran == 0 => {
            // A sample of no execution is no evidence.
            outcome.verdict = Verdict::Inconclusive;
            outcome.limited_by = Some(budget_words(&budget, by_count));
        }
        StrategyKind::Random | StrategyKind::Pct | StrategyKind::Portfolio => {
            outcome.limited_by = Some(if plan.strategy == StrategyKind::Pct {
                format!("PCT sampling (depth {}, seed {})", plan.depth, plan.seed)
            } else {
                format!("random sampling (seed {})", plan.seed)
            });
        }
        StrategyKind::Bounded => {}
    }
    let schedule = rec.schedule.clone();
    let preemptions = rec.preemptions;
    drop(rec);
    shuttle_outcome(result, &budget, Some((schedule, preemptions)), &mut outcome);
    Ok(outcome)
}

/// Replays one shuttle schedule.
pub(crate) fn replay_shuttle(
    model: &'static Model,
    params: &Params,
    schedule: ShuttleSchedule,
    budget: &Budget,
) -> Result<Outcome, UsageError> {
    let (replayer, diverged) = Replayer::new(schedule.clone());
    let body = model.bodies.shuttle;
    let run_params = params.clone();
    let runner = shuttle::Runner::new(replayer, shuttle_config(budget));
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| {
        runner.run(move || {
            capture::new_execution();
            body(&run_params)
        });
    }));
    let mut outcome = Outcome {
        verdict: Verdict::Holds,
        exhaustive: false,
        executions: 1,
        elapsed: start.elapsed(),
        limited_by: Some("one replayed schedule".to_string()),
        failure: None,
        notes: Vec::new(),
        states: None,
    };
    let diverged = diverged.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(why) = diverged {
        return Err(UsageError(format!(
            "the schedule does not fit {} with these parameters ({why}); replay it with the \
             parameters printed with it",
            model.name
        )));
    }
    shuttle_outcome(result, budget, Some((schedule, 0)), &mut outcome);
    if let Some(f) = outcome.failure.as_mut() {
        f.preemptions = None; // not recorded on replay
    }
    Ok(outcome)
}
