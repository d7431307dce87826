//! Running one scenario under an engine: the execution body (build the implementation, run the
//! init operations, start the threads, record the history, check it), and the glue to the native
//! engine, loom, shuttle and OS threads.
//!
//! Invariants: every execution builds a fresh implementation and a fresh recorder; the first
//! failing execution's history and problem are kept in [`Shared::failure`] and no later
//! execution overwrites them; under shuttle a failure stops the run through the recording
//! scheduler (no panic, so shuttle prints nothing), under the native engine it panics so that
//! the engine reports the failing schedule and its trace, under loom it panics because a panic
//! is loom's only way to stop (the panic is caught around `Builder::check`, and the failure
//! recorded before it is kept).

use super::checker::check_history;
use super::history::{History, Recorder};
use super::report::Problem;
use super::scenario::{Scenario, Shape};
use super::{OpOf, RetOf, Spec, Target};
use crate::engine;
use crate::rt::Runtime;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Which engine runs the executions of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// threadcheck's deterministic engine ([`crate::engine`]): exhaustive exploration of small
    /// scenarios, random/PCT for larger ones, and schedule shrinking (fewest preemptions).
    Native,
    /// [shuttle](https://docs.rs/shuttle)'s random, PCT or DFS schedulers (feature `shuttle`).
    #[cfg(any(shuttle, feature = "shuttle"))]
    Shuttle,
    /// [loom](https://docs.rs/loom)'s exhaustive exploration, preemption-bounded by default
    /// (feature `loom`); no schedule shrinking, no replayable schedule.
    #[cfg(any(loom, feature = "loom"))]
    Loom,
    /// Real OS threads, free-running: a stress test, no schedule control, no replay.
    Std,
}

impl Engine {
    /// The engine's short name (`native`, `shuttle`, `loom`, `std`).
    ///
    /// ```
    /// assert_eq!(threadcheck::lin::Engine::Std.name(), "std");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Engine::Native => "native",
            #[cfg(any(shuttle, feature = "shuttle"))]
            Engine::Shuttle => "shuttle",
            #[cfg(any(loom, feature = "loom"))]
            Engine::Loom => "loom",
            Engine::Std => "std",
        }
    }
}

/// How the executions of one scenario are scheduled.
///
/// Loom has no random or PCT scheduler: under `Engine::Loom` only [`Exhaustive`] (loom's
/// full exploration) and [`Bounded`] (loom's `preemption_bound`) have their own meaning;
/// [`Auto`], [`Random`] and [`Pct`] all run loom's exploration with at most
/// [`LOOM_PREEMPTION_BOUND`] preemptions per execution. Under [`Engine::Std`] every variant
/// means free-running OS threads.
///
/// [`Exhaustive`]: Schedules::Exhaustive
/// [`Bounded`]: Schedules::Bounded
/// [`Auto`]: Schedules::Auto
/// [`Random`]: Schedules::Random
/// [`Pct`]: Schedules::Pct
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedules {
    /// Native: exhaustive when the scenario has at most [`Config::exhaustive_max_ops`]
    /// operations, PCT (depth 3) otherwise. Shuttle: PCT (depth 3). Loom: bounded by
    /// [`LOOM_PREEMPTION_BOUND`] preemptions. Std: free-running.
    Auto,
    /// Every interleaving (native: up to equivalence; shuttle: DFS; loom: its exploration
    /// without a preemption bound), capped by [`Config::executions`].
    Exhaustive,
    /// Every interleaving with at most `preemptions` preemptions, capped by
    /// [`Config::executions`] (native: `engine::Strategy::Bounded`; loom: its
    /// `preemption_bound`). Shuttle has no bounded scheduler: it runs PCT with depth
    /// `preemptions + 1` (as many priority change points as preemptions).
    Bounded {
        /// The most preemptions per execution.
        preemptions: u32,
    },
    /// Uniformly random schedules (loom: as [`Schedules::Auto`]).
    Random,
    /// Probabilistic concurrency testing with bug depth `depth` (loom: as [`Schedules::Auto`]).
    Pct {
        /// Number of priority change points + 1.
        depth: u32,
    },
}

/// The preemption bound of loom's exploration under [`Schedules::Auto`], [`Schedules::Random`]
/// and [`Schedules::Pct`], and of `Config::loom()`: loom's exhaustive search grows very fast
/// with the number of preemptions, and most linearizability bugs of small scenarios need one.
pub const LOOM_PREEMPTION_BOUND: u32 = 2;

/// How [`check`](super::check) generates and runs scenarios.
///
/// ```
/// use threadcheck::lin::{Config, Shape};
/// let config = Config::native()
///     .scenarios(50)
///     .executions(500)
///     .shape(Shape { threads: 3, ops_per_thread: 2, init_ops: 1 })
///     .seed(7);
/// assert_eq!(config.scenarios, 50);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// The engine.
    pub engine: Engine,
    /// How each scenario's executions are scheduled.
    pub schedules: Schedules,
    /// Executions per scenario (random, PCT, std), or the cap of an exhaustive search.
    pub executions: u64,
    /// [`Schedules::Auto`] explores scenarios of at most this many operations exhaustively
    /// (native engine).
    pub exhaustive_max_ops: usize,
    /// Scenarios to generate before declaring success.
    pub scenarios: u32,
    /// The size of generated scenarios.
    pub shape: Shape,
    /// Seed of scenario generation and of the random schedulers: the same seed, the same run.
    pub seed: u64,
    /// The most scenario-shrinking steps proptest may take.
    pub max_shrink_iters: u32,
}

impl Config {
    fn with_engine(engine: Engine, executions: u64) -> Config {
        Config {
            engine,
            schedules: Schedules::Auto,
            executions,
            exhaustive_max_ops: 6,
            scenarios: 100,
            shape: Shape::default(),
            seed: 0,
            max_shrink_iters: 2_000,
        }
    }

    /// The native engine: 100 scenarios, exhaustive up to 6 operations, else 2000 PCT runs.
    ///
    /// ```
    /// assert_eq!(threadcheck::lin::Config::native().engine, threadcheck::lin::Engine::Native);
    /// ```
    pub fn native() -> Config {
        Config::with_engine(Engine::Native, 2_000)
    }

    /// Shuttle: 100 scenarios of 300 PCT executions each.
    ///
    /// ```
    /// # #[cfg(feature = "shuttle")]
    /// assert_eq!(threadcheck::lin::Config::shuttle().executions, 300);
    /// ```
    #[cfg(any(shuttle, feature = "shuttle"))]
    pub fn shuttle() -> Config {
        Config::with_engine(Engine::Shuttle, 300)
    }

    /// Loom (feature `loom`): **30 scenarios** of at most **2 threads x 2 operations** after at
    /// most **1 init operation**, each explored by loom with at most **2 preemptions** per
    /// execution ([`Schedules::Bounded`], [`LOOM_PREEMPTION_BOUND`]), capped at **2000
    /// executions** per scenario. Loom's exploration explodes with every thread, operation and
    /// preemption added: grow the shape or the bound with care (loom also caps a scenario at 4
    /// threads). A failure is shrunk to a minimal scenario, but loom records no replayable
    /// schedule, so the schedule is not shrunk (that needs [`Config::native`]).
    ///
    /// ```
    /// # #[cfg(feature = "loom")] {
    /// use threadcheck::lin::{Config, Schedules, Shape};
    /// let config = Config::loom();
    /// assert_eq!(config.engine.name(), "loom");
    /// assert_eq!(config.schedules, Schedules::Bounded { preemptions: 2 });
    /// assert_eq!((config.scenarios, config.executions), (30, 2000));
    /// assert_eq!(config.shape, Shape { threads: 2, ops_per_thread: 2, init_ops: 1 });
    /// # }
    /// ```
    #[cfg(any(loom, feature = "loom"))]
    pub fn loom() -> Config {
        Config {
            schedules: Schedules::Bounded {
                preemptions: LOOM_PREEMPTION_BOUND,
            },
            scenarios: 30,
            shape: Shape {
                threads: 2,
                ops_per_thread: 2,
                init_ops: 1,
            },
            ..Config::with_engine(Engine::Loom, 2_000)
        }
    }

    /// OS threads: 100 scenarios of 20 free-running executions each (a stress test).
    ///
    /// ```
    /// assert_eq!(threadcheck::lin::Config::std().engine.name(), "std");
    /// ```
    pub fn std() -> Config {
        Config::with_engine(Engine::Std, 20)
    }

    /// Sets [`Config::scenarios`].
    pub fn scenarios(mut self, n: u32) -> Config {
        self.scenarios = n;
        self
    }

    /// Sets [`Config::executions`].
    pub fn executions(mut self, n: u64) -> Config {
        self.executions = n;
        self
    }

    /// Sets [`Config::shape`].
    pub fn shape(mut self, shape: Shape) -> Config {
        self.shape = shape;
        self
    }

    /// Sets [`Config::seed`].
    pub fn seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    /// Sets [`Config::schedules`].
    pub fn schedules(mut self, schedules: Schedules) -> Config {
        self.schedules = schedules;
        self
    }
}

/// What one failing execution left: its history, what is wrong, and (native, shuttle) how to
/// reproduce it.
pub(crate) struct ExecFailure<S: Spec> {
    pub history: History<S::Op, S::Ret>,
    pub problem: Problem,
    pub schedule: Option<String>,
    pub preemptions: Option<u32>,
    pub engine_failure: Option<engine::Failure>,
}

/// Counters of a run, accumulated over scenarios.
#[derive(Default)]
pub(crate) struct Stats {
    pub executions: u64,
    pub histories: HashSet<u64>,
    pub schedules: HashSet<u64>,
    /// False once some scenario was not explored exhaustively.
    pub all_exhaustive: bool,
}

/// A failing execution's history and what is wrong with it.
type Failed<S> = (History<<S as Spec>::Op, <S as Spec>::Ret>, Problem);
type SpecRecorder<S> = Recorder<<S as Spec>::Op, <S as Spec>::Ret>;

/// State shared between the executions of one scenario run (all on the calling OS thread under
/// the checkers).
struct Shared<S: Spec> {
    failure: Mutex<Option<Failed<S>>>,
    current: Mutex<Option<Arc<SpecRecorder<S>>>>,
    executions: AtomicU64,
    histories: Mutex<HashSet<u64>>,
}

impl<S: Spec> Shared<S> {
    fn new() -> Self {
        Shared {
            failure: Mutex::new(None),
            current: Mutex::new(None),
            executions: AtomicU64::new(0),
            histories: Mutex::new(HashSet::new()),
        }
    }

    /// Keeps the latest failure: the native engine re-runs the failure it reports last (to
    /// record its trace), and a shortest-failure search meets several before that.
    fn record_failure(&self, history: History<S::Op, S::Ret>, problem: Problem) {
        let mut slot = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some((history, problem));
    }

    fn take_failure(&self) -> Option<Failed<S>> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The history of the execution in progress (for executions the engine stopped: deadlock).
    fn current_history(&self) -> History<S::Op, S::Ret> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|r| r.history()).unwrap_or_default()
    }

    fn drain_into(&self, stats: &mut Stats) {
        stats.executions += self.executions.swap(0, Ordering::Relaxed);
        let mut histories = self.histories.lock().unwrap_or_else(|e| e.into_inner());
        stats.histories.extend(histories.drain());
    }
}

fn panic_text(payload: &crate::rt::PanicPayload) -> String {
    crate::rt::panic_text(&**payload)
        .unwrap_or("(non-string panic payload)")
        .to_string()
}

/// The order of invocations and responses, by thread: two executions with the same signature
/// have the same history up to results.
fn signature<Op, Ret>(history: &History<Op, Ret>) -> u64 {
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for c in history.calls() {
        events.push((c.invoke, c.thread, false));
        if let Some((t, _)) = &c.response {
            events.push((*t, c.thread, true));
        }
    }
    events.sort_unstable();
    let mut h = DefaultHasher::new();
    for (_, thread, response) in events {
        (thread, response).hash(&mut h);
    }
    h.finish()
}

/// One execution of `scenario` on runtime `R`. Returns false (after recording the failure) when
/// the history is not linearizable or an operation panicked.
fn execute<T: Target, R: Runtime>(
    scenario: &Arc<Scenario<OpOf<T>>>,
    shared: &Shared<T::Spec>,
) -> bool {
    let imp = Arc::new(T::new::<R>());
    let recorder = Arc::new(Recorder::<OpOf<T>, RetOf<T>>::new());
    *shared.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(recorder.clone());
    shared.executions.fetch_add(1, Ordering::Relaxed);

    // The init operations, sequentially, on the main thread (history thread 0).
    for op in &scenario.init {
        let index = recorder.invoke(0, op);
        match R::catch_unwind(|| T::call::<R>(&imp, op)) {
            Ok(ret) => recorder.respond(index, ret),
            Err(payload) => {
                let problem = Problem::Panicked {
                    thread: 0,
                    message: panic_text(&payload),
                };
                shared.record_failure(recorder.history(), problem);
                return false;
            }
        }
    }

    let mut handles = Vec::with_capacity(scenario.threads.len());
    for k in 0..scenario.threads.len() {
        let (imp, rec, scenario) = (imp.clone(), recorder.clone(), scenario.clone());
        let spawned = crate::thread::Builder::<R>::new()
            .name(format!("T{}", k + 1))
            .spawn(move || -> Result<(), String> {
                for op in &scenario.threads[k] {
                    let index = rec.invoke(k + 1, op);
                    let ret = R::catch_unwind(|| T::call::<R>(&imp, op));
                    rec.respond_or_fail(index, ret.map_err(|p| panic_text(&p)))?;
                }
                Ok(())
            });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                let problem = Problem::Engine(format!("could not start thread T{}: {e}", k + 1));
                shared.record_failure(recorder.history(), problem);
                return false;
            }
        }
    }
    let mut panicked = None;
    for (k, handle) in handles.into_iter().enumerate() {
        let outcome = handle.join().map_err(|e| e.to_string()).and_then(|r| r);
        if let (Err(message), None) = (outcome, &panicked) {
            panicked = Some(Problem::Panicked {
                thread: k + 1,
                message,
            });
        }
    }

    let history = recorder.history();
    shared
        .histories
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(signature(&history));
    if let Some(problem) = panicked {
        shared.record_failure(history, problem);
        return false;
    }
    match check_history(&T::spec(), &history) {
        Ok(_) => true,
        Err(why) => {
            shared.record_failure(history, Problem::NotLinearizable(why));
            false
        }
    }
}

impl<Op: Clone, Ret: Clone> Recorder<Op, Ret> {
    /// Records the response, or leaves the call pending and passes the panic message on.
    fn respond_or_fail(&self, index: usize, ret: Result<Ret, String>) -> Result<(), String> {
        let ret = ret?;
        self.respond(index, ret);
        Ok(())
    }
}

/// The message an execution panics with under the native engine when its history fails.
pub(crate) const FAILED: &str = "threadcheck::lin: the history is not linearizable";

/// Runs the executions of `scenario` as `config` says. `seed` varies per scenario.
pub(crate) fn run_scenario<T: Target>(
    scenario: &Scenario<OpOf<T>>,
    config: &Config,
    seed: u64,
    stats: &mut Stats,
) -> Option<ExecFailure<T::Spec>> {
    let scenario = Arc::new(scenario.clone());
    match config.engine {
        Engine::Native => {
            let strategy = native_strategy(config, scenario.total_ops(), seed);
            run_native::<T>(&scenario, strategy, config.executions, false, stats)
        }
        #[cfg(any(shuttle, feature = "shuttle"))]
        Engine::Shuttle => shuttle_run::run::<T>(&scenario, config, seed, stats),
        #[cfg(any(loom, feature = "loom"))]
        Engine::Loom => loom_run::run::<T>(&scenario, config, stats),
        Engine::Std => {
            stats.all_exhaustive = false;
            let shared = Shared::<T::Spec>::new();
            for _ in 0..config.executions {
                let ok = crate::rt::Std::catch_unwind(|| {
                    execute::<T, crate::rt::Std>(&scenario, &shared)
                });
                if !matches!(ok, Ok(true)) {
                    if let Err(payload) = ok {
                        let problem = Problem::Panicked {
                            thread: 0,
                            message: panic_text(&payload),
                        };
                        shared.record_failure(shared.current_history(), problem);
                    }
                    break;
                }
            }
            shared.drain_into(stats);
            shared.take_failure().map(|(history, problem)| ExecFailure {
                history,
                problem,
                schedule: None,
                preemptions: None,
                engine_failure: None,
            })
        }
    }
}

fn native_strategy(config: &Config, ops: usize, seed: u64) -> engine::Strategy {
    match config.schedules {
        Schedules::Auto if ops <= config.exhaustive_max_ops => engine::Strategy::Exhaustive,
        Schedules::Auto => engine::Strategy::Pct { depth: 3, seed },
        Schedules::Exhaustive => engine::Strategy::Exhaustive,
        Schedules::Bounded { preemptions } => engine::Strategy::Bounded {
            max_preemptions: Some(preemptions),
        },
        Schedules::Random => engine::Strategy::Random { seed },
        Schedules::Pct { depth } => engine::Strategy::Pct { depth, seed },
    }
}

/// Runs `scenario` on the native engine with `strategy`, at most `executions` executions; with
/// `shortest`, a failure is shrunk to the fewest steps ([`engine::Config::shortest`]).
pub(crate) fn run_native<T: Target>(
    scenario: &Arc<Scenario<OpOf<T>>>,
    strategy: engine::Strategy,
    executions: u64,
    shortest: bool,
    stats: &mut Stats,
) -> Option<ExecFailure<T::Spec>> {
    type Native = crate::rt::Native;
    let shared = Arc::new(Shared::<T::Spec>::new());
    let config = engine::Config {
        strategy,
        budget: engine::Budget {
            max_executions: Some(executions),
            ..engine::Budget::default()
        },
        shortest,
        ..engine::Config::default()
    };
    let body = {
        let (scenario, shared) = (scenario.clone(), shared.clone());
        move || {
            if !execute::<T, Native>(&scenario, &shared) {
                panic!("{FAILED}");
            }
        }
    };
    let report = engine::check(&config, body);
    shared.drain_into(stats);
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            return Some(ExecFailure {
                history: History::new(),
                problem: Problem::Engine(e.to_string()),
                schedule: None,
                preemptions: None,
                engine_failure: None,
            })
        }
    };
    if !report.exhaustive {
        stats.all_exhaustive = false;
    }
    if report.executions == 0 && report.failure.is_none() {
        // Nothing was checked: say so rather than pass vacuously.
        let why = report
            .limited_by
            .unwrap_or_else(|| "no reason given".into());
        return Some(ExecFailure {
            history: History::new(),
            problem: Problem::Engine(format!("the native engine ran no execution ({why})")),
            schedule: None,
            preemptions: None,
            engine_failure: None,
        });
    }
    let failure = report.failure?;
    let (history, problem) = shared.take_failure().unwrap_or_else(|| {
        let what = match &failure.kind {
            engine::FailureKind::Panic { thread, message } => {
                format!("thread {thread} panicked: {message}")
            }
            engine::FailureKind::Deadlock { waits } => {
                format!("deadlock: {}", waits.join("; "))
            }
            engine::FailureKind::StepBound { steps } => {
                format!("an execution exceeded {steps} steps (livelock?)")
            }
        };
        (shared.current_history(), Problem::Engine(what))
    });
    Some(ExecFailure {
        history,
        problem,
        schedule: Some(failure.schedule.to_string()),
        preemptions: Some(failure.preemptions),
        engine_failure: Some(failure),
    })
}

#[cfg(any(shuttle, feature = "shuttle"))]
pub(crate) mod shuttle_run {
    //! Shuttle glue: a scheduler wrapper that records each execution's schedule and preemptions
    //! and ends the run, without a panic, once an execution failed.

    use super::*;
    use crate::rt::shuttle_schedule::{Recorded, Recorder};
    use shuttle::scheduler::{DfsScheduler, PctScheduler, RandomScheduler, Scheduler};

    pub(crate) fn run<T: Target>(
        scenario: &Arc<Scenario<OpOf<T>>>,
        config: &Config,
        seed: u64,
        stats: &mut Stats,
    ) -> Option<ExecFailure<T::Spec>> {
        stats.all_exhaustive = false;
        let inner = scheduler(config.schedules, seed, config.executions);
        run_with::<T>(scenario, inner, stats)
    }

    fn scheduler(schedules: Schedules, seed: u64, executions: u64) -> Box<dyn Scheduler + Send> {
        let n = usize::try_from(executions).unwrap_or(usize::MAX);
        match schedules {
            Schedules::Auto => Box::new(PctScheduler::new_from_seed(seed, 3, n)),
            Schedules::Pct { depth } => {
                Box::new(PctScheduler::new_from_seed(seed, depth as usize, n))
            }
            // Shuttle has no preemption-bounded scheduler: PCT with one priority change point
            // per allowed preemption is the sampling counterpart.
            Schedules::Bounded { preemptions } => Box::new(PctScheduler::new_from_seed(
                seed,
                preemptions as usize + 1,
                n,
            )),
            Schedules::Random => Box::new(RandomScheduler::new_from_seed(seed, n)),
            Schedules::Exhaustive => Box::new(DfsScheduler::new(Some(n), false)),
        }
    }

    fn lock(log: &Mutex<Recorded>) -> std::sync::MutexGuard<'_, Recorded> {
        log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A failing execution of a plain program under shuttle.
    pub(crate) struct ProgramFailure {
        pub message: String,
        pub schedule: String,
        pub preemptions: u32,
    }

    /// Runs `body` (a program instantiated on the shuttle runtime) for `executions` executions
    /// scheduled as `schedules` says, counting executions and distinct schedules into `stats`;
    /// stops at the first panic (an assertion or a deadlock found by shuttle).
    pub(crate) fn run_program(
        body: Arc<dyn Fn() + Send + Sync>,
        schedules: Schedules,
        seed: u64,
        executions: u64,
        time: Option<std::time::Duration>,
        stats: &mut Stats,
    ) -> Option<ProgramFailure> {
        let (scheduler, log) = Recorder::new(scheduler(schedules, seed, executions));
        let mut shuttle_config = shuttle::Config::new();
        shuttle_config.failure_persistence = shuttle::FailurePersistence::None;
        shuttle_config.max_time = time;
        let runner = shuttle::Runner::new(scheduler, shuttle_config);
        let count = Arc::new(AtomicU64::new(0));
        let counted = {
            let count = count.clone();
            move || {
                count.fetch_add(1, Ordering::Relaxed);
                body()
            }
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(counted)));
        stats.executions += count.load(Ordering::Relaxed);
        let mut log = lock(&log);
        stats.schedules.extend(log.distinct.drain());
        let payload = outcome.err()?;
        Some(ProgramFailure {
            message: panic_text(&payload),
            schedule: log.schedule.encode(),
            preemptions: log.preemptions,
        })
    }

    fn run_with<T: Target>(
        scenario: &Arc<Scenario<OpOf<T>>>,
        inner: Box<dyn Scheduler + Send>,
        stats: &mut Stats,
    ) -> Option<ExecFailure<T::Spec>> {
        type Shuttle = crate::rt::Shuttle;
        let failed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (scheduler, log) = Recorder::new(inner);
        let scheduler = scheduler.with_stop(failed.clone());
        let mut shuttle_config = shuttle::Config::new();
        shuttle_config.failure_persistence = shuttle::FailurePersistence::None;
        let runner = shuttle::Runner::new(scheduler, shuttle_config);
        let shared = Arc::new(Shared::<T::Spec>::new());
        let body = {
            let (scenario, shared, failed) = (scenario.clone(), shared.clone(), failed.clone());
            move || {
                if !failed.load(Ordering::SeqCst) && !execute::<T, Shuttle>(&scenario, &shared) {
                    failed.store(true, Ordering::SeqCst);
                }
            }
        };
        // A panic escaping the body (a deadlock, found by shuttle) ends the run.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(body)));
        if let Err(payload) = outcome {
            let problem = Problem::Engine(format!("shuttle: {}", panic_text(&payload)));
            shared.record_failure(shared.current_history(), problem);
        }
        shared.drain_into(stats);
        let mut log = lock(&log);
        stats.schedules.extend(log.distinct.drain());
        let (history, problem) = shared.take_failure()?;
        Some(ExecFailure {
            history,
            problem,
            schedule: Some(log.schedule.encode()),
            preemptions: Some(log.preemptions),
            engine_failure: None,
        })
    }
}

#[cfg(any(loom, feature = "loom"))]
pub(crate) mod loom_run {
    //! Loom glue: each scenario is one `loom::model::Builder::check`, whose body runs one
    //! execution and panics when it failed (loom's only way to stop); the panic is caught here.
    //! Loom records no schedule and no trace: the report shows the history's calls and returns.

    use super::*;

    use crate::rt::{LoomStop, LOOM_MAX_SPAWNED as MAX_SPAWNED};

    /// The preemption bound loom explores with under `schedules` (`None`: no bound).
    pub(crate) fn preemption_bound(schedules: Schedules) -> Option<u32> {
        match schedules {
            Schedules::Exhaustive => None,
            Schedules::Bounded { preemptions } => Some(preemptions),
            Schedules::Auto | Schedules::Random | Schedules::Pct { .. } => {
                Some(LOOM_PREEMPTION_BOUND)
            }
        }
    }

    fn engine_failure<S: Spec>(history: History<S::Op, S::Ret>, why: String) -> ExecFailure<S> {
        ExecFailure {
            history,
            problem: Problem::Engine(why),
            schedule: None,
            preemptions: None,
            engine_failure: None,
        }
    }

    /// What loom's own panics mean (a deadlock, its limits), or `None` for anything else.
    fn loom_message(message: &str) -> Option<String> {
        match crate::rt::loom_stop(message)? {
            LoomStop::Deadlock => Some(
                "deadlock: every thread is blocked (an operation waits forever; loom does not say \
                 on what: run the scenario on the native engine to see which thread waits for \
                 what)"
                    .to_string(),
            ),
            LoomStop::BranchLimit => Some(
                "loom gave up: one execution exceeded its branch limit (LOOM_MAX_BRANCHES, 1000 \
                 by default); use a smaller Shape or the native engine"
                    .to_string(),
            ),
            LoomStop::ThreadCap => Some(format!(
                "loom's thread cap is {MAX_SPAWNED} spawned threads; use a smaller Shape or the \
                 native engine"
            )),
            // Read before the scenario runs (`Builder::new`), reported there.
            LoomStop::BadSetting => None,
        }
    }

    pub(crate) fn run<T: Target>(
        scenario: &Arc<Scenario<OpOf<T>>>,
        config: &Config,
        stats: &mut Stats,
    ) -> Option<ExecFailure<T::Spec>> {
        type Loom = crate::rt::Loom;
        let bound = preemption_bound(config.schedules);
        if scenario.threads.len() > MAX_SPAWNED {
            stats.all_exhaustive = false;
            return Some(engine_failure::<T::Spec>(
                History::new(),
                format!(
                    "loom runs at most {MAX_SPAWNED} threads, the scenario has {}: use a \
                     smaller Shape or the native engine",
                    scenario.threads.len()
                ),
            ));
        }
        // `Builder::new` reads the LOOM_* environment variables and panics on a bad one.
        let mut builder = match std::panic::catch_unwind(loom::model::Builder::new) {
            Ok(builder) => builder,
            Err(payload) => {
                stats.all_exhaustive = false;
                return Some(engine_failure::<T::Spec>(
                    History::new(),
                    format!(
                        "bad loom setting in the environment: {}",
                        panic_text(&payload)
                    ),
                ));
            }
        };
        // The configuration wins over LOOM_MAX_PREEMPTIONS / LOOM_MAX_PERMUTATIONS; a checkpoint
        // file would make every scenario resume the same path.
        builder.preemption_bound = bound.map(|b| b as usize);
        builder.checkpoint_file = None;
        // Loom checks `max_permutations` before an execution, every `checkpoint_interval`
        // executions, and stops when the execution about to start has that number: executions
        // + 1 runs exactly `executions`.
        builder.max_permutations =
            Some(usize::try_from(config.executions.saturating_add(1)).unwrap_or(usize::MAX));
        builder.checkpoint_interval = 1;
        let shared = Arc::new(Shared::<T::Spec>::new());
        let body = {
            let (scenario, shared) = (scenario.clone(), shared.clone());
            move || {
                if !execute::<T, Loom>(&scenario, &shared) {
                    panic!("{FAILED}");
                }
            }
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)));
        let ran = shared.executions.load(Ordering::Relaxed);
        shared.drain_into(stats);
        if bound.is_some() || ran >= config.executions || outcome.is_err() {
            stats.all_exhaustive = false;
        }
        if let Err(payload) = outcome {
            // The execution's own failure (recorded before the body panicked) comes first; a
            // panic without one is loom's: a deadlock, or one of its limits (`rt::Loom` lets
            // loom's own panics through the operations' `catch_unwind`).
            let recorded = shared
                .failure
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some();
            if !recorded {
                let message = panic_text(&payload);
                let why = loom_message(&message).unwrap_or_else(|| format!("loom: {message}"));
                shared.record_failure(shared.current_history(), Problem::Engine(why));
            }
        } else if ran == 0 {
            // Nothing was checked: say so rather than pass vacuously.
            return Some(engine_failure::<T::Spec>(
                History::new(),
                "loom ran no execution".to_string(),
            ));
        }
        let (history, problem) = shared.take_failure()?;
        Some(ExecFailure {
            history,
            problem,
            schedule: None,
            preemptions: None,
            engine_failure: None,
        })
    }
}
