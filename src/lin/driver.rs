//! The drivers: generate scenarios with proptest, run each, shrink the first failing one
//! (scenario with proptest, then schedule with the native engine), and report.
//!
//! Invariants: one seed determines the whole run (scenario generation and each scenario's
//! scheduler seed); a reported scenario failed when last run; shrinking only keeps candidates
//! that failed.

use super::report::{trace_of, LinFailure};
use super::run::{run_native, run_scenario, Config, Engine, ExecFailure, Schedules, Stats};
use super::scenario::{scenarios, Scenario, Shape};
use super::{OpOf, Target};
use crate::engine;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a passing [`check`] ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Scenarios generated and run.
    pub scenarios: u64,
    /// Executions over all scenarios.
    pub executions: u64,
    /// Distinct histories observed (orders of invocations and responses).
    pub distinct_histories: u64,
    /// True when every scenario was explored exhaustively (native engine; loom with
    /// [`Schedules::Exhaustive`] when no scenario reached [`Config::executions`]).
    pub exhaustive: bool,
}

fn runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    let config = proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// The scenarios of `T`: its operations, its shape, its precondition.
fn target_scenarios<T: Target>(shape: Shape) -> BoxedStrategy<Scenario<OpOf<T>>> {
    scenarios(T::ops(), shape)
        .prop_filter("Target::valid", |s| T::valid(s))
        .boxed()
}

fn new_tree<V: fmt::Debug>(
    strategy: &BoxedStrategy<V>,
    runner: &mut TestRunner,
) -> Box<dyn ValueTree<Value = V>> {
    match strategy.new_tree(runner) {
        Ok(tree) => tree,
        Err(why) => panic!("threadcheck::lin: cannot generate a valid scenario ({why}); is Target::valid too strict?"),
    }
}

/// The scheduler seed of scenario `index`.
/// Runs a shrinking candidate. A sampled search (random, PCT) that finds nothing is repeated
/// once with another seed and twice the executions, so that a candidate is not judged passing
/// on one unlucky sample.
fn fails<T: Target>(
    candidate: &Scenario<OpOf<T>>,
    config: &Config,
    seed: u64,
    stats: &mut Stats,
) -> Option<ExecFailure<T::Spec>> {
    if let Some(failure) = run_scenario::<T>(candidate, config, seed, stats) {
        return Some(failure);
    }
    let exhaustive = config.engine == Engine::Native
        && (matches!(
            config.schedules,
            Schedules::Exhaustive | Schedules::Bounded { .. }
        ) || (config.schedules == Schedules::Auto
            && candidate.total_ops() <= config.exhaustive_max_ops));
    // Loom's exploration has no seed: a second run would explore the same executions.
    #[cfg(any(loom, feature = "loom"))]
    let exhaustive = exhaustive || config.engine == Engine::Loom;
    if exhaustive || config.engine == Engine::Std {
        return None;
    }
    let retry = Config {
        executions: config.executions.saturating_mul(2),
        ..config.clone()
    };
    run_scenario::<T>(candidate, &retry, scenario_seed(seed, u64::MAX), stats)
}

/// The scenarios one reshaping step away: each operation of a longest thread moved to the
/// front or the end of each other thread, and each single operation dropped.
fn reshapes<Op: Clone>(s: &Scenario<Op>) -> Vec<Scenario<Op>> {
    let mut out = Vec::new();
    let longest = s.max_ops_per_thread();
    for from in 0..s.threads.len() {
        if s.threads[from].len() != longest {
            continue;
        }
        for i in 0..s.threads[from].len() {
            for to in 0..s.threads.len() {
                if to == from {
                    continue;
                }
                for front in [true, false] {
                    let mut c = s.clone();
                    let op = c.threads[from].remove(i);
                    if front {
                        c.threads[to].insert(0, op);
                    } else {
                        c.threads[to].push(op);
                    }
                    out.push(c);
                }
            }
        }
    }
    for t in 0..s.threads.len() {
        for i in 0..s.threads[t].len() {
            let mut c = s.clone();
            c.threads[t].remove(i);
            if c.threads[t].is_empty() {
                c.threads.remove(t);
            }
            out.push(c);
        }
    }
    for i in 0..s.init.len() {
        let mut c = s.clone();
        c.init.remove(i);
        out.push(c);
    }
    out
}

pub(crate) fn scenario_seed(seed: u64, index: u64) -> u64 {
    let mut x = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

/// Shrinks a failing scenario with proptest's value tree, then (native engine) its schedule.
/// Under shuttle and loom the schedule is kept as found (loom records none).
fn shrink<T: Target>(
    mut tree: impl ValueTree<Value = Scenario<OpOf<T>>>,
    failure: ExecFailure<T::Spec>,
    config: &Config,
    seed: u64,
    scenarios_tried: u64,
    stats: &mut Stats,
) -> Box<LinFailure<T::Spec>> {
    let original = tree.current();
    let mut best = (original.clone(), failure);
    let mut steps = 0u32;
    // 1. proptest's shrinking: drop threads and operations, simplify arguments.
    if tree.simplify() {
        while steps < config.max_shrink_iters {
            steps += 1;
            let candidate = tree.current();
            match fails::<T>(&candidate, config, seed, stats) {
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
                Some(failure) => {
                    best = (candidate, failure);
                    if !tree.simplify() {
                        break;
                    }
                }
            }
        }
    }
    // 2. Reshaping, which proptest's local steps cannot do: move an operation from a longest
    //    thread to another thread (3 + 1 operations -> 2 + 2), or drop one; keep any candidate
    //    that still fails and is smaller (threads, longest thread, operations).
    let size = |s: &Scenario<OpOf<T>>| (s.thread_count(), s.max_ops_per_thread(), s.total_ops());
    'improve: while steps < config.max_shrink_iters {
        for candidate in reshapes(&best.0) {
            if size(&candidate) >= size(&best.0) || !T::valid(&candidate) {
                continue;
            }
            steps += 1;
            if let Some(failure) = fails::<T>(&candidate, config, seed, stats) {
                best = (candidate, failure);
                continue 'improve;
            }
            if steps >= config.max_shrink_iters {
                break;
            }
        }
        break;
    }
    let (scenario, mut failure) = best;
    let mut schedule_minimal = false;
    if config.engine == Engine::Native {
        // Fewest preemptions: iterative preemption bounding finds a failing schedule with the
        // fewest preemptions first; then the fewest steps: the engine goes on through the
        // schedules with that many preemptions for a shorter failing one.
        let bounded = engine::Strategy::Bounded {
            max_preemptions: None,
        };
        let budget = config.executions.saturating_mul(10).max(10_000);
        let scenario = Arc::new(scenario.clone());
        if let Some(f) = run_native::<T>(&scenario, bounded, budget, true, stats) {
            failure = f;
            schedule_minimal = true;
        }
    }
    let target = std::any::type_name::<T>().to_string();
    let trace = match &failure.engine_failure {
        Some(f) if !f.trace.steps.is_empty() => f.trace.clone(),
        _ => trace_of(&failure.history),
    };
    Box::new(LinFailure {
        op_type: std::any::type_name::<OpOf<T>>().to_string(),
        target,
        engine: config.engine.name(),
        scenario,
        original,
        scenarios_tried,
        shrink_steps: steps,
        history: failure.history,
        problem: failure.problem,
        schedule: failure.schedule,
        preemptions: failure.preemptions,
        schedule_minimal,
        steps: failure.engine_failure.as_ref().map(|f| f.steps),
        steps_minimal: schedule_minimal
            && failure
                .engine_failure
                .as_ref()
                .is_some_and(|f| f.fewest_steps),
        trace,
    })
}

/// Generates [`Config::scenarios`] scenarios of [`Config::shape`] and checks every execution of
/// each for linearizability. On the first failure, shrinks it and returns the report.
///
/// See the [module documentation](super) for an example.
pub fn check<T: Target>(config: &Config) -> Result<Summary, Box<LinFailure<T::Spec>>> {
    let strategy = target_scenarios::<T>(config.shape);
    let mut runner = runner(config.seed);
    let mut stats = Stats {
        all_exhaustive: true,
        ..Stats::default()
    };
    for index in 0..u64::from(config.scenarios) {
        let tree = new_tree(&strategy, &mut runner);
        let seed = scenario_seed(config.seed, index);
        if let Some(failure) = run_scenario::<T>(&tree.current(), config, seed, &mut stats) {
            return Err(shrink::<T>(
                tree,
                failure,
                config,
                seed,
                index + 1,
                &mut stats,
            ));
        }
    }
    Ok(Summary {
        scenarios: u64::from(config.scenarios),
        executions: stats.executions,
        distinct_histories: stats.histories.len() as u64,
        exhaustive: stats.all_exhaustive,
    })
}

/// [`check`], panicking with the full report on a failure: the form for a `#[test]`.
///
/// ```
/// # use threadcheck::lin::{self, proptest::prelude::*, Spec, Target};
/// # use threadcheck::{rt::Runtime, sync::Lock};
/// # #[derive(Clone, Debug, PartialEq, Eq, Hash)]
/// # struct Counter(u32);
/// # impl Spec for Counter {
/// #     type Op = (); type Ret = u32;
/// #     fn apply(&mut self, _: &()) -> u32 { self.0 += 1; self.0 }
/// # }
/// struct Locked;
/// impl Target for Locked {
///     type Spec = Counter;
///     type Imp<R: Runtime> = Lock<u32, R>;
///     fn spec() -> Counter { Counter(0) }
///     fn new<R: Runtime>() -> Lock<u32, R> { Lock::new(0) }
///     fn call<R: Runtime>(l: &Lock<u32, R>, _: &()) -> u32 { l.with(|n| { *n += 1; *n }) }
///     fn ops() -> BoxedStrategy<()> { Just(()).boxed() }
/// }
/// lin::assert_linearizable::<Locked>(&lin::Config::std().scenarios(5).executions(3));
/// ```
#[track_caller]
pub fn assert_linearizable<T: Target>(config: &Config) -> Summary {
    match check::<T>(config) {
        Ok(summary) => summary,
        Err(failure) => panic!("{failure}"),
    }
}

/// Runs one given scenario (no generation, no shrinking) as `config` says: the form of a
/// regression test.
pub fn check_scenario<T: Target>(
    scenario: &Scenario<OpOf<T>>,
    config: &Config,
) -> Result<Summary, Box<LinFailure<T::Spec>>> {
    let mut stats = Stats {
        all_exhaustive: true,
        ..Stats::default()
    };
    let seed = scenario_seed(config.seed, 0);
    match run_scenario::<T>(scenario, config, seed, &mut stats) {
        None => Ok(Summary {
            scenarios: 1,
            executions: stats.executions,
            distinct_histories: stats.histories.len() as u64,
            exhaustive: stats.all_exhaustive,
        }),
        Some(failure) => {
            let tree = proptest::strategy::Just(scenario.clone())
                .new_tree(&mut runner(config.seed))
                .expect("Just never rejects");
            Err(shrink::<T>(tree, failure, config, seed, 1, &mut stats))
        }
    }
}

/// [`check_scenario`], panicking with the full report on a failure (what the generated
/// regression tests call).
#[track_caller]
pub fn assert_scenario<T: Target>(scenario: &Scenario<OpOf<T>>, config: &Config) -> Summary {
    match check_scenario::<T>(scenario, config) {
        Ok(summary) => summary,
        Err(failure) => panic!("{failure}"),
    }
}

/// How [`fuzz`] schedules each scenario's executions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzStrategy {
    /// Uniformly random schedules.
    Random,
    /// PCT with depth 3.
    Pct,
    /// Rotates random, PCT depth 2, PCT depth 3 and PCT depth 4 across scenarios.
    Portfolio,
}

impl FuzzStrategy {
    pub(crate) fn schedules(self, index: u64) -> Schedules {
        match self {
            FuzzStrategy::Random => Schedules::Random,
            FuzzStrategy::Pct => Schedules::Pct { depth: 3 },
            FuzzStrategy::Portfolio => match index % 4 {
                0 => Schedules::Random,
                k => Schedules::Pct {
                    depth: 1 + k as u32,
                },
            },
        }
    }
}

/// Progress of a [`fuzz`] run, for progress bars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FuzzProgress {
    /// Scenarios run so far.
    pub scenarios: u64,
    /// Executions so far.
    pub executions: u64,
    /// Distinct schedules so far (whole-program fuzzing on native and shuttle; `None` where
    /// they are not recorded).
    pub distinct_schedules: Option<u64>,
    /// Distinct histories (orders of invocations and responses) so far.
    pub distinct_histories: u64,
    /// Time since the start.
    pub elapsed: Duration,
}

impl FuzzProgress {
    /// Executions per second.
    ///
    /// ```
    /// use threadcheck::lin::FuzzProgress;
    /// use std::time::Duration;
    /// let p = FuzzProgress { scenarios: 1, executions: 500, distinct_schedules: None,
    ///     distinct_histories: 3, elapsed: Duration::from_secs(2) };
    /// assert_eq!(p.rate(), 250.0);
    /// ```
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.executions as f64 / secs
        } else {
            0.0
        }
    }
}

impl fmt::Display for FuzzProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} scenarios, {} executions",
            self.scenarios, self.executions
        )?;
        if let Some(d) = self.distinct_schedules {
            write!(f, ", {d} distinct schedules")?;
        }
        write!(
            f,
            ", {} distinct histories, {:.0} executions/s, {:.1}s",
            self.distinct_histories,
            self.rate(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// A progress callback.
pub type FuzzProgressFn = Arc<dyn Fn(&FuzzProgress) + Send + Sync>;

/// What [`fuzz`] runs: until `time` passes or the first failure.
#[derive(Clone)]
pub struct FuzzConfig {
    /// The engine (native or shuttle; std has no schedule control; loom has no random or PCT
    /// scheduler, so [`fuzz`] runs each scenario's bounded exploration, see [`Schedules`], and
    /// [`fuzz_program`](super::fuzz_program) refuses it).
    pub engine: Engine,
    /// How executions are scheduled.
    pub strategy: FuzzStrategy,
    /// The time budget.
    pub time: Duration,
    /// The seed of the whole run.
    pub seed: u64,
    /// The size of generated scenarios.
    pub shape: Shape,
    /// Executions per scenario.
    pub executions_per_scenario: u64,
    /// Called about ten times a second, and once at the end.
    pub progress: Option<FuzzProgressFn>,
}

impl FuzzConfig {
    /// A 30-second portfolio run on `engine` with seed 0, scenarios of 3 threads x 3
    /// operations, 200 executions each.
    ///
    /// ```
    /// let c = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Native);
    /// assert_eq!(c.time.as_secs(), 30);
    /// ```
    pub fn new(engine: Engine) -> FuzzConfig {
        FuzzConfig {
            engine,
            strategy: FuzzStrategy::Portfolio,
            time: Duration::from_secs(30),
            seed: 0,
            shape: Shape {
                threads: 3,
                ops_per_thread: 3,
                init_ops: 2,
            },
            executions_per_scenario: 200,
            progress: None,
        }
    }
}

impl fmt::Debug for FuzzConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuzzConfig")
            .field("engine", &self.engine)
            .field("strategy", &self.strategy)
            .field("time", &self.time)
            .field("seed", &self.seed)
            .field("shape", &self.shape)
            .field("executions_per_scenario", &self.executions_per_scenario)
            .finish_non_exhaustive()
    }
}

/// The result of [`fuzz`].
#[derive(Debug)]
pub struct FuzzReport<S: super::Spec> {
    /// The final counters.
    pub progress: FuzzProgress,
    /// The first failure, shrunk; `None` when the budget ran out first.
    pub failure: Option<Box<LinFailure<S>>>,
}

/// Fuzzes `T`: generates scenarios and runs each with a batch of random/PCT executions until
/// the time budget runs out or an execution fails; the failure is shrunk as in [`check`].
///
/// ```
/// # use threadcheck::lin::{self, proptest::prelude::*, Spec, Target, FuzzConfig, Engine};
/// # use threadcheck::{rt::Runtime, sync::Lock};
/// # use std::time::Duration;
/// # #[derive(Clone, Debug, PartialEq, Eq, Hash)]
/// # struct Counter(u32);
/// # impl Spec for Counter {
/// #     type Op = (); type Ret = u32;
/// #     fn apply(&mut self, _: &()) -> u32 { self.0 += 1; self.0 }
/// # }
/// # struct Locked;
/// # impl Target for Locked {
/// #     type Spec = Counter;
/// #     type Imp<R: Runtime> = Lock<u32, R>;
/// #     fn spec() -> Counter { Counter(0) }
/// #     fn new<R: Runtime>() -> Lock<u32, R> { Lock::new(0) }
/// #     fn call<R: Runtime>(l: &Lock<u32, R>, _: &()) -> u32 { l.with(|n| { *n += 1; *n }) }
/// #     fn ops() -> BoxedStrategy<()> { Just(()).boxed() }
/// # }
/// let mut config = FuzzConfig::new(Engine::Std);
/// config.time = Duration::from_millis(100);
/// config.executions_per_scenario = 2;
/// let report = lin::fuzz::<Locked>(&config);
/// assert!(report.failure.is_none());
/// assert!(report.progress.executions > 0);
/// ```
pub fn fuzz<T: Target>(config: &FuzzConfig) -> FuzzReport<T::Spec> {
    let start = Instant::now();
    let strategy = target_scenarios::<T>(config.shape);
    let mut runner = runner(config.seed);
    let mut stats = Stats::default();
    let mut last_report = Instant::now();
    let snapshot = |stats: &Stats, scenarios: u64| FuzzProgress {
        scenarios,
        executions: stats.executions,
        distinct_schedules: if stats.schedules.is_empty() {
            None
        } else {
            Some(stats.schedules.len() as u64)
        },
        distinct_histories: stats.histories.len() as u64,
        elapsed: start.elapsed(),
    };
    let mut index = 0u64;
    let mut failure = None;
    while start.elapsed() < config.time {
        let tree = new_tree(&strategy, &mut runner);
        let run_config = Config {
            engine: config.engine,
            schedules: config.strategy.schedules(index),
            executions: config.executions_per_scenario,
            exhaustive_max_ops: 0,
            scenarios: 1,
            shape: config.shape,
            seed: config.seed,
            max_shrink_iters: 2_000,
        };
        let seed = scenario_seed(config.seed, index);
        index += 1;
        if let Some(f) = run_scenario::<T>(&tree.current(), &run_config, seed, &mut stats) {
            failure = Some(shrink::<T>(tree, f, &run_config, seed, index, &mut stats));
            break;
        }
        if let Some(progress) = &config.progress {
            if last_report.elapsed() >= Duration::from_millis(100) {
                last_report = Instant::now();
                progress(&snapshot(&stats, index));
            }
        }
    }
    let progress = snapshot(&stats, index);
    if let Some(callback) = &config.progress {
        callback(&progress);
    }
    FuzzReport { progress, failure }
}
