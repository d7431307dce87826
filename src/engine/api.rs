//! The engine's public contract: configuration in, [`Report`] out.

use crate::report::Trace;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the engine chooses which interleavings to run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Every interleaving up to equivalence (Optimal DPOR with wake-up trees and sleep sets, one
    /// complete execution per Mazurkiewicz trace): a "holds" is a proof.
    #[default]
    Exhaustive,
    /// Iterative preemption bounding 0, 1, 2, ... up to the bound (CHESS): the first
    /// counterexample has the fewest preemptions. Exhaustive only within the bound.
    Bounded {
        /// The largest number of preemptions explored; `None` = until exhausted.
        max_preemptions: Option<u32>,
    },
    /// Uniformly random scheduling, seeded.
    Random {
        /// Seed of the first execution; the same seed gives the same runs.
        seed: u64,
    },
    /// Probabilistic concurrency testing with bug depth `depth` (Burckhardt et al.), seeded.
    Pct {
        /// Bug depth d (number of priority change points + 1).
        depth: u32,
        /// Seed of the first execution.
        seed: u64,
    },
    /// Every schedule, one execution each, with no reduction at all (a depth-first
    /// enumeration): the reference the exhaustive search and its reductions are tested
    /// against. A "holds" is a proof, but the number of schedules grows factorially with the
    /// steps: only for small programs. Daemon threads are not followed past the program's end.
    EverySchedule,
    /// Re-runs one schedule.
    Replay {
        /// The schedule printed with a counterexample.
        schedule: Schedule,
    },
}

/// Reductions the engine may apply; each is argued in `docs/engine.md`. All but
/// [`state_caching`](Reductions::state_caching) are on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reductions {
    /// A `Lock::with` section with no visible operation inside is one atomic step.
    pub atomic_sections: bool,
    /// Identical capture-free unit `Lock::with` sections on one lock commute.
    pub commuting_sections: bool,
    /// Operations the primitive declares commuting (`Access::Commute`, two reads) are independent.
    pub commuting_ops: bool,
    /// The exhaustive search compares states and explores each one once: a depth-first search
    /// with sleep sets and a table of visited states instead of Optimal DPOR
    /// (`docs/engine.md`, "State caching"). It pays off when many orders of dependent steps
    /// reach the same state (threads that take turns on a semaphore or a lock and end up
    /// where they would have in another order); it is worse than DPOR for threads that mostly
    /// do independent steps (it visits every state, DPOR one execution per trace). States are
    /// compared by value where objects have a fingerprint (the primitives' own states; user
    /// data in a `Lock`, `Var`, `Condition` or queue after `.fingerprinted()`), and elsewhere
    /// by the history of the threads that changed them (sound, less sharing). A spin loop makes
    /// the states endless (every iteration is new history): use DPOR there. One thread only
    /// ([`Config::workers`] is ignored). Off by default.
    pub state_caching: bool,
}

impl Default for Reductions {
    fn default() -> Self {
        Reductions {
            atomic_sections: true,
            commuting_sections: true,
            commuting_ops: true,
            state_caching: false,
        }
    }
}

impl Reductions {
    /// Every reduction off: one execution per Mazurkiewicz trace of the raw steps.
    pub fn none() -> Self {
        Reductions {
            atomic_sections: false,
            commuting_sections: false,
            commuting_ops: false,
            state_caching: false,
        }
    }
}

/// Limits of a search. A search stopped by one is reported as not exhaustive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Stop after this many executions.
    pub max_executions: Option<u64>,
    /// Stop after this much wall-clock time.
    pub max_time: Option<Duration>,
    /// Steps one execution may take before it is reported as a likely livelock.
    pub max_steps: u64,
    /// Steps the exhaustive search follows daemon threads after the program's end (main and
    /// every non-daemon thread finished). A daemon's later operations can race with the
    /// program's earlier ones, so the search runs them, for races only (a daemon's panic
    /// there is not a failure: the program is over). A search that had to stop a daemon still
    /// running at this bound is reported as not exhaustive.
    pub steps_after_end: u64,
    /// How long a thread may run without reaching its next visible operation before the search
    /// is abandoned with [`EngineError::Stalled`], naming the thread and its last step (a
    /// `std::sync::Mutex` held across a visible step, a channel or other code the checker
    /// cannot see would otherwise hang the check forever: every thread of an execution runs on
    /// one OS thread). `None`: no watchdog, and the search runs on the calling thread.
    pub max_stall: Option<Duration>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_executions: None,
            max_time: None,
            max_steps: 10_000_000,
            steps_after_end: 1_000,
            max_stall: Some(Duration::from_secs(20)),
        }
    }
}

/// Progress of a running search, for progress bars.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Executions finished so far.
    pub executions: u64,
    /// Time since the search started.
    pub elapsed: Duration,
}

/// A callback receiving progress about ten times a second.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Fingerprints of the schedules of complete executions (see [`Config::schedules_seen`]).
pub type ScheduleSet = Arc<Mutex<HashSet<u64>>>;

/// Everything a search needs besides the program.
#[derive(Clone, Default)]
pub struct Config {
    /// Which interleavings to run.
    pub strategy: Strategy,
    /// When to stop.
    pub budget: Budget,
    /// Which reductions to apply.
    pub reductions: Reductions,
    /// Optional progress callback.
    pub progress: Option<ProgressFn>,
    /// With [`Strategy::Bounded`]: after the first failure, whose preemptions are the fewest
    /// possible, go on exploring the executions with at most that many preemptions for a failure
    /// with fewer steps, and report the shortest one found ([`Failure::fewest_steps`] says
    /// whether that exploration finished within the budget). Other strategies ignore it.
    pub shortest: bool,
    /// When set, a fingerprint of every complete execution's schedule (the sequence of threads
    /// that ran) is added to this set, so that a caller running several searches (a fuzzer's
    /// batches with different seeds) can count the distinct schedules it has seen.
    ///
    /// ```
    /// use threadcheck::engine::{check, Config, Strategy, Budget};
    /// use threadcheck::{rt::Native, sync::Var, thread::JoinHandle};
    /// let seen = threadcheck::engine::ScheduleSet::default();
    /// let config = Config {
    ///     strategy: Strategy::Random { seed: 1 },
    ///     budget: Budget { max_executions: Some(50), ..Budget::default() },
    ///     schedules_seen: Some(seen.clone()),
    ///     ..Config::default()
    /// };
    /// check(&config, || {
    ///     let v = std::sync::Arc::new(Var::<u32, Native>::new(0));
    ///     let w = { let v = v.clone(); JoinHandle::<(), Native>::spawn(move || v.set(1)) };
    ///     v.set(2);
    ///     w.join().unwrap();
    /// })
    /// .unwrap();
    /// let distinct = seen.lock().unwrap().len();
    /// assert!(distinct > 1 && distinct <= 50);
    /// ```
    pub schedules_seen: Option<ScheduleSet>,
    /// When set, a fingerprint of the Mazurkiewicz trace of every complete execution is added
    /// to this set (per object, the sequence of its events, with runs of commuting events
    /// sorted): two searches of the same program that fill equal sets explored the same
    /// traces. For cross-checking searches (the tests compare the sequential and the parallel
    /// exhaustive search with it).
    pub traces_seen: Option<ScheduleSet>,
    /// Operating-system threads for the exhaustive search (0 or 1: one, the default). With
    /// more, the tree is split at a shallow depth and the subtrees are searched in parallel
    /// (`docs/engine.md`, "Parallel exhaustive search"): the same traces, so the same proof. The
    /// first failure any thread finds stops the search, so with several bugs which one is
    /// reported (and the count of executions) can vary between runs; where the budget stops
    /// the search depends on timing too. One thread is fully deterministic. Other strategies
    /// ignore it.
    pub workers: usize,
    /// Explore every execution instead of stopping at the first failure: the report then
    /// lists every distinct failure met ([`Report::failures`]), and a search that ran to its
    /// end is exhaustive even though it failed. For tests that want all the outcomes of a
    /// program, and for comparing searches. [`Report::failure`] is still the first failure,
    /// with its trace. Ignored by the parallel search and by [`Config::shortest`].
    ///
    /// ```
    /// use threadcheck::engine::{check, Config, FailureKind, Verdict};
    /// use threadcheck::{rt::Native, sync::Var, thread::JoinHandle};
    /// use std::sync::Arc;
    /// let config = Config { explore_all: true, ..Config::default() };
    /// let report = check(&config, || {
    ///     let v = Arc::new(Var::<u32, Native>::named("v", 0));
    ///     let w = { let v = v.clone(); JoinHandle::<(), Native>::spawn(move || v.set(1)) };
    ///     let seen = v.get();
    ///     w.join().unwrap();
    ///     assert_eq!(seen, 0, "the worker ran first");
    /// })
    /// .unwrap();
    /// assert_eq!(report.verdict, Verdict::Violated);
    /// assert!(report.exhaustive);
    /// assert_eq!(report.failures.len(), 1);
    /// assert!(matches!(&report.failures[0].kind, FailureKind::Panic { thread, .. } if thread == "MainThread"));
    /// ```
    pub explore_all: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("strategy", &self.strategy)
            .field("budget", &self.budget)
            .field("reductions", &self.reductions)
            .field("shortest", &self.shortest)
            .field("workers", &self.workers)
            .field("explore_all", &self.explore_all)
            .finish_non_exhaustive()
    }
}

/// A schedule in its compact printable form; `Display` and [`Schedule::parse`] round-trip.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Schedule(pub String);

impl Schedule {
    /// Parses a schedule string as printed with a counterexample
    /// (`v1_<steps>_<checksum>_<runs>`, see `docs/engine.md`); a malformed string is
    /// [`EngineError::BadSchedule`].
    ///
    /// ```
    /// use threadcheck::engine::{EngineError, Schedule};
    /// assert!(Schedule::parse("v1_3_0123abcd_0x2k.p1x1b").is_ok());
    /// assert!(matches!(Schedule::parse("3 steps"), Err(EngineError::BadSchedule(_))));
    /// ```
    pub fn parse(text: &str) -> Result<Schedule, EngineError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EngineError::BadSchedule("empty schedule".into()));
        }
        super::schedule::decode(text)?;
        Ok(Schedule(text.to_string()))
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The outcome of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No explored execution failed (a proof only when the report is exhaustive).
    Holds,
    /// An execution panicked (an assertion failed).
    Violated,
    /// An execution reached a state where every live thread is blocked.
    Deadlock,
    /// Stopped by a budget or a step bound with nothing found.
    Inconclusive,
}

/// What went wrong in a failing execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A thread panicked.
    Panic {
        /// The thread's name.
        thread: String,
        /// The panic message.
        message: String,
    },
    /// Every live thread is blocked; one line per waiting thread:
    /// `"Thread-1 waits for Lock b, held by Thread-2"`.
    Deadlock {
        /// Who waits for what, held by whom.
        waits: Vec<String>,
    },
    /// One execution exceeded [`Budget::max_steps`] (likely a livelock or an unbounded loop).
    StepBound {
        /// The bound that was hit.
        steps: u64,
    },
}

/// A failing execution, ready to print and replay.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// The schedule that reproduces it (`threadcheck replay MODEL SCHEDULE`).
    pub schedule: Schedule,
    /// How many preemptions the schedule has.
    pub preemptions: u32,
    /// How many steps (scheduling decisions) the schedule has.
    pub steps: u64,
    /// True when no failing execution with at most `preemptions` preemptions has fewer steps:
    /// a [`Config::shortest`] search explored them all.
    pub fewest_steps: bool,
    /// Every step of the execution.
    pub trace: Trace,
}

/// One distinct failure met by a [`Config::explore_all`] search, and how many executions ended
/// in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailureCount {
    /// The failure: a panic (thread and message) or a deadlock (who waits for what).
    pub kind: FailureKind,
    /// Executions that ended in it.
    pub executions: u64,
}

/// The result of [`check`].
#[derive(Clone, Debug)]
pub struct Report {
    /// The verdict.
    pub verdict: Verdict,
    /// True when every interleaving (up to equivalence) was explored: a `Holds` is a proof.
    pub exhaustive: bool,
    /// Executions run.
    pub executions: u64,
    /// Wall-clock time of the search.
    pub elapsed: Duration,
    /// The first failure found, if any.
    pub failure: Option<Failure>,
    /// Why the search was not exhaustive (budget, bound, strategy), if it was not.
    pub limited_by: Option<String>,
    /// With [`Reductions::state_caching`]: the distinct states the search stored.
    pub states: Option<u64>,
    /// With [`Config::explore_all`]: every distinct failure met, in the order first met
    /// (empty otherwise, and when nothing failed).
    pub failures: Vec<FailureCount>,
    /// Panics of threads that a `join` returned to the program, over all executions. A
    /// thread's panic is a failure unless a `join` returns it to the program (which then
    /// handles it, or discards it with `let _ = t.join()`): these are the ones that were
    /// not failures.
    pub panics_returned: u64,
}

/// A search that could not be run as asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The schedule string is malformed.
    BadSchedule(String),
    /// The replayed program did not follow the schedule (it changed, or takes other parameters).
    ReplayDiverged(String),
    /// More threads than the engine supports (64).
    TooManyThreads(usize),
    /// The program used something the checker cannot see (a primitive of the `Std` runtime,
    /// whose threads and locks are real): checking it would prove nothing. The message says
    /// what and what to use instead.
    Unsupported(String),
    /// A thread ran for [`Budget::max_stall`] without reaching its next visible operation: it
    /// is probably blocked in code the checker cannot see (a `std::sync::Mutex` held across a
    /// visible step, a channel, I/O) or loops without one. The message names the thread and
    /// its last visible step. The search was abandoned (its OS thread is left blocked).
    Stalled(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::BadSchedule(why) => write!(f, "bad schedule: {why}"),
            EngineError::ReplayDiverged(why) => write!(f, "replay diverged: {why}"),
            EngineError::TooManyThreads(_) => f.write_str(
                "the program started more than 64 threads; the engine supports 64 (main + 64 \
                 spawned)",
            ),
            EngineError::Unsupported(why) => write!(f, "not checkable: {why}"),
            EngineError::Stalled(why) => write!(f, "the check stalled: {why}"),
        }
    }
}
impl std::error::Error for EngineError {}

/// Explores `body` (the program's main thread) as `config` says.
///
/// `body` runs as the main thread of every execution, under the [`Native`](super::Native)
/// runtime: the primitives it uses must be the `Native` ones (`sync::Lock::<T, Native>`, ...),
/// created inside `body` (state kept between executions would make the program
/// nondeterministic). Returns an error only when the search cannot be run as asked: a malformed
/// or diverging replay schedule, or more than 64 spawned threads.
///
/// ```
/// use threadcheck::engine::{check, Config, Verdict};
/// use threadcheck::rt::Native;
/// use threadcheck::sync::Var;
/// use threadcheck::thread::JoinHandle;
/// use std::sync::Arc;
///
/// // Two unlocked increments: the checker finds the lost update.
/// let report = check(&Config::default(), || {
///     let counter = Arc::new(Var::<u32, Native>::named("counter", 0));
///     let workers: Vec<_> = (0..2)
///         .map(|_| {
///             let counter = counter.clone();
///             JoinHandle::<(), Native>::spawn(move || counter.set(counter.get() + 1))
///         })
///         .collect();
///     for w in workers {
///         w.join().unwrap();
///     }
///     assert_eq!(counter.get(), 2);
/// })
/// .unwrap();
/// assert_eq!(report.verdict, Verdict::Violated);
/// println!("{}", report.failure.unwrap().schedule); // replayable
/// ```
pub fn check<F>(config: &Config, body: F) -> Result<Report, EngineError>
where
    F: Fn() + Send + Sync + 'static,
{
    super::driver::check(config, std::sync::Arc::new(body))
}
