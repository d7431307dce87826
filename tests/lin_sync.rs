//! Linearizability of Semaphore and of Lock-based types, each with a broken twin the fuzzer
//! must catch within a stated number of scenarios and shrink to at most 2 threads x 2
//! operations.
//!
//! Engines: shuttle (PCT), std (OS threads, stress only: passing types), the native engine
//! (exhaustive for small scenarios, schedule shrinking to the fewest preemptions), and loom
//! (preemption-bounded exploration of 2 x 2 scenarios; also its deadlock report and
//! `fuzz_program`'s refusal).
#![cfg(feature = "lin")]

mod lin_support;

use lin_support::*;
use threadcheck::lin::{proptest::prelude::*, Config, Spec, Target};
use threadcheck::rt::{Access, Monitor, ObjectMeta, Op, Runtime, Wait};
use threadcheck::sync::{Lock, Semaphore};

// ---------------------------------------------------------------- Semaphore

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SemSpec(usize);

#[derive(Clone, Debug)]
enum SemOp {
    TryAcquire,
    AcquireTimeout,
    Release,
    Value,
}

#[derive(Clone, Debug, PartialEq)]
enum SemRet {
    Acquired(bool),
    Released,
    Value(usize),
}

impl Spec for SemSpec {
    type Op = SemOp;
    type Ret = SemRet;
    fn apply(&mut self, op: &SemOp) -> SemRet {
        match op {
            SemOp::TryAcquire | SemOp::AcquireTimeout => {
                let ok = self.0 > 0;
                if ok {
                    self.0 -= 1;
                }
                SemRet::Acquired(ok)
            }
            SemOp::Release => {
                self.0 += 1;
                SemRet::Released
            }
            SemOp::Value => SemRet::Value(self.0),
        }
    }
}

fn sem_ops() -> BoxedStrategy<SemOp> {
    prop_oneof![
        3 => Just(SemOp::TryAcquire),
        1 => Just(SemOp::AcquireTimeout),
        2 => Just(SemOp::Release),
        1 => Just(SemOp::Value),
    ]
    .boxed()
}

/// `Semaphore(1)`, permits kept (forgotten) so that they stay taken.
struct SemaphoreTarget;

impl Target for SemaphoreTarget {
    type Spec = SemSpec;
    type Imp<R: Runtime> = Semaphore<R>;
    fn spec() -> SemSpec {
        SemSpec(1)
    }
    fn new<R: Runtime>() -> Semaphore<R> {
        Semaphore::new(1)
    }
    fn call<R: Runtime>(s: &Semaphore<R>, op: &SemOp) -> SemRet {
        match op {
            SemOp::TryAcquire => SemRet::Acquired(s.try_acquire().map(|p| p.forget()).is_some()),
            SemOp::AcquireTimeout => SemRet::Acquired(
                s.acquire_timeout(std::time::Duration::from_millis(1))
                    .map(|p| p.forget())
                    .is_some(),
            ),
            SemOp::Release => {
                s.release();
                SemRet::Released
            }
            SemOp::Value => SemRet::Value(s.value()),
        }
    }
    fn ops() -> BoxedStrategy<SemOp> {
        sem_ops()
    }
}

/// A semaphore that checks the count, then decrements it in a second step.
struct RacySemaphore<R: Runtime>(R::Monitor<usize>);

/// The broken twin of [`SemaphoreTarget`].
struct RacySemaphoreTarget;

impl Target for RacySemaphoreTarget {
    type Spec = SemSpec;
    type Imp<R: Runtime> = RacySemaphore<R>;
    fn spec() -> SemSpec {
        SemSpec(1)
    }
    fn new<R: Runtime>() -> RacySemaphore<R> {
        RacySemaphore(Monitor::new(1, ObjectMeta::named("Semaphore", "racy")))
    }
    fn call<R: Runtime>(s: &RacySemaphore<R>, op: &SemOp) -> SemRet {
        let read = |s: &RacySemaphore<R>| {
            s.0.op(Op::new("read value of", Access::Read), Wait::No, |v| {
                Some(*v)
            })
            .unwrap_or(0)
        };
        match op {
            SemOp::TryAcquire | SemOp::AcquireTimeout => {
                if read(s) == 0 {
                    return SemRet::Acquired(false);
                }
                // BUG: another thread may take the last permit between the check and here.
                s.0.op(Op::new("decrement", Access::Write), Wait::No, |v| {
                    *v = v.saturating_sub(1);
                    Some(())
                });
                SemRet::Acquired(true)
            }
            SemOp::Release => {
                s.0.op(Op::new("release", Access::Write), Wait::No, |v| {
                    *v += 1;
                    Some(())
                });
                SemRet::Released
            }
            SemOp::Value => SemRet::Value(read(s)),
        }
    }
    fn ops() -> BoxedStrategy<SemOp> {
        sem_ops()
    }
}

// ---------------------------------------------------------------- a Lock-based stack

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct StackSpec(Vec<u8>);

#[derive(Clone, Debug)]
enum StackOp {
    Push(u8),
    Pop,
    Len,
}

impl Spec for StackSpec {
    type Op = StackOp;
    type Ret = Option<u8>;
    fn apply(&mut self, op: &StackOp) -> Option<u8> {
        match op {
            StackOp::Push(x) => {
                self.0.push(*x);
                None
            }
            StackOp::Pop => self.0.pop(),
            StackOp::Len => Some(self.0.len() as u8),
        }
    }
}

fn stack_ops() -> BoxedStrategy<StackOp> {
    prop_oneof![
        (0..4u8).prop_map(StackOp::Push),
        Just(StackOp::Pop),
        Just(StackOp::Len)
    ]
    .boxed()
}

/// A stack in a `Lock`: every operation is one critical section.
struct LockStack;

impl Target for LockStack {
    type Spec = StackSpec;
    type Imp<R: Runtime> = Lock<Vec<u8>, R>;
    fn spec() -> StackSpec {
        StackSpec(vec![])
    }
    fn new<R: Runtime>() -> Lock<Vec<u8>, R> {
        Lock::new(vec![])
    }
    fn call<R: Runtime>(l: &Lock<Vec<u8>, R>, op: &StackOp) -> Option<u8> {
        match op {
            StackOp::Push(x) => l.with(|v| {
                v.push(*x);
                None
            }),
            StackOp::Pop => l.with(|v| v.pop()),
            StackOp::Len => Some(l.lock().len() as u8),
        }
    }
    fn ops() -> BoxedStrategy<StackOp> {
        stack_ops()
    }
}

/// The broken twin: `pop` reads the top in one critical section and removes it in another.
struct PeekThenPopStack;

impl Target for PeekThenPopStack {
    type Spec = StackSpec;
    type Imp<R: Runtime> = Lock<Vec<u8>, R>;
    fn spec() -> StackSpec {
        StackSpec(vec![])
    }
    fn new<R: Runtime>() -> Lock<Vec<u8>, R> {
        Lock::new(vec![])
    }
    fn call<R: Runtime>(l: &Lock<Vec<u8>, R>, op: &StackOp) -> Option<u8> {
        match op {
            StackOp::Pop => {
                let top = l.with(|v| v.last().copied());
                // BUG: the top may have been popped (or covered) in between.
                if top.is_some() {
                    l.with(|v| {
                        v.pop();
                    });
                }
                top
            }
            _ => LockStack::call(l, op),
        }
    }
    fn ops() -> BoxedStrategy<StackOp> {
        stack_ops()
    }
}

// ---------------------------------------------------------------- tests

/// Property: Semaphore(1)'s try/timed acquire, release and value are linearizable in 100
/// scenarios x 300 PCT schedules (shuttle).
#[cfg(feature = "shuttle")]
#[test]
fn semaphore_is_linearizable_shuttle() {
    assert_passes::<SemaphoreTarget>(&Config::shuttle().scenarios(100).executions(300));
}

/// Property: same, 50 scenarios x 20 runs on OS threads (stress).
#[test]
fn semaphore_is_linearizable_std() {
    assert_passes::<SemaphoreTarget>(&Config::std().scenarios(50).executions(20));
}

/// Property: same, 100 scenarios on the native engine (exhaustive up to 6 operations).
#[test]
fn semaphore_is_linearizable_native() {
    assert_passes::<SemaphoreTarget>(&Config::native().scenarios(100));
}

/// Twin: check-then-decrement is caught within 10 scenarios (shuttle, seeds 0-2), shrunk to 2x2.
#[cfg(feature = "shuttle")]
#[test]
fn racy_semaphore_is_caught_shuttle() {
    assert_caught::<RacySemaphoreTarget>(&Config::shuttle(), 10);
}

/// Twin: caught within 10 scenarios on the native engine, shrunk to 2x2, with the fewest
/// preemptions (1: preempt the first thread between its check and its decrement).
#[test]
fn racy_semaphore_is_caught_native() {
    let failure = assert_caught::<RacySemaphoreTarget>(&Config::native(), 10);
    assert_fewest_preemptions(&failure, 1);
}

/// Property: a Lock-protected stack is linearizable (100 scenarios x 300 PCT schedules).
#[cfg(feature = "shuttle")]
#[test]
fn lock_stack_is_linearizable_shuttle() {
    assert_passes::<LockStack>(&Config::shuttle().scenarios(100).executions(300));
}

/// Property: same on OS threads (50 scenarios x 20 runs).
#[test]
fn lock_stack_is_linearizable_std() {
    assert_passes::<LockStack>(&Config::std().scenarios(50).executions(20));
}

/// Property: same on the native engine (100 scenarios).
#[test]
fn lock_stack_is_linearizable_native() {
    assert_passes::<LockStack>(&Config::native().scenarios(100));
}

/// Twin: peek-then-pop in two critical sections is caught within 30 scenarios (shuttle, seeds
/// 0-2), shrunk to 2x2.
#[cfg(feature = "shuttle")]
#[test]
fn peek_then_pop_is_caught_shuttle() {
    assert_caught::<PeekThenPopStack>(&Config::shuttle(), 30);
}

/// Twin: same on the native engine, with the fewest preemptions (1).
#[test]
fn peek_then_pop_is_caught_native() {
    let failure = assert_caught::<PeekThenPopStack>(&Config::native(), 30);
    assert_fewest_preemptions(&failure, 1);
}

// ---------------------------------------------------------------- loom

/// Property: Semaphore(1) is linearizable under loom (`Config::loom()`: 30 scenarios of 2
/// threads x 2 operations after at most 1 init operation, at most 2 preemptions each).
#[cfg(feature = "loom")]
#[test]
fn semaphore_is_linearizable_loom() {
    assert_passes::<SemaphoreTarget>(&Config::loom());
}

/// Property: the Lock-protected stack is linearizable under loom (`Config::loom()`).
#[cfg(feature = "loom")]
#[test]
fn lock_stack_is_linearizable_loom() {
    assert_passes::<LockStack>(&Config::loom());
}

/// Twin: check-then-decrement is caught under loom within 10 scenarios (seeds 0-2: 1, 3 and 2),
/// as a linearizability violation shrunk to 2x2; the report says that loom gives no replayable
/// schedule and that shrinking the schedule needs the native engine, and its regression test
/// runs loom.
#[cfg(feature = "loom")]
#[test]
fn racy_semaphore_is_caught_loom() {
    let failure = assert_caught::<RacySemaphoreTarget>(&Config::loom().scenarios(10), 10);
    assert_eq!(failure.engine, "loom");
    assert_eq!(
        (failure.schedule.as_ref(), failure.preemptions),
        (None, None)
    );
    assert!(!failure.schedule_minimal);
    let report = failure.to_string();
    assert!(report.contains("found by the loom engine"), "{report}");
    assert!(
        report.contains("Schedule: none (loom records no replayable schedule"),
        "{report}"
    );
    assert!(
        report.contains("shrinking the schedule to the fewest preemptions needs the native engine"),
        "{report}"
    );
    assert!(
        report.contains("threadcheck::lin::Config::loom()"),
        "{report}"
    );
}

/// Twin: peek-then-pop is caught under loom within 70 scenarios (seeds 0-2: 61, 14 and 11; its
/// bug needs a push before two pops, rarer in loom's 2 x 2 scenarios), shrunk to 2x2.
#[cfg(feature = "loom")]
#[test]
fn peek_then_pop_is_caught_loom() {
    assert_caught::<PeekThenPopStack>(&Config::loom().scenarios(70), 70);
}

/// Property: the regression test printed for a loom failure re-finds the bug under loom (the
/// scenario of `lin_regression`), and passes on the correct stack.
#[cfg(feature = "loom")]
#[test]
fn lin_regression_loom() {
    let scenario = threadcheck::lin::Scenario {
        init: vec![],
        threads: vec![vec![StackOp::Push(0), StackOp::Pop], vec![StackOp::Pop]],
    };
    let failure = threadcheck::lin::check_scenario::<PeekThenPopStack>(&scenario, &Config::loom())
        .unwrap_err();
    assert!(
        matches!(
            failure.problem,
            threadcheck::lin::Problem::NotLinearizable(_)
        ),
        "{failure}"
    );
    let summary = threadcheck::lin::assert_scenario::<LockStack>(&scenario, &Config::loom());
    assert!(summary.executions > 1 && !summary.exhaustive, "{summary:?}");
}

/// An operation that blocks forever: `acquire` on a semaphore with no permit.
#[cfg(feature = "loom")]
struct BlockingAcquire;

#[cfg(feature = "loom")]
impl Target for BlockingAcquire {
    type Spec = SemSpec;
    type Imp<R: Runtime> = Semaphore<R>;
    fn spec() -> SemSpec {
        SemSpec(0)
    }
    fn new<R: Runtime>() -> Semaphore<R> {
        Semaphore::new(0)
    }
    fn call<R: Runtime>(s: &Semaphore<R>, _: &SemOp) -> SemRet {
        s.acquire().forget();
        SemRet::Acquired(true)
    }
    fn ops() -> BoxedStrategy<SemOp> {
        Just(SemOp::TryAcquire).boxed()
    }
}

/// Property: under loom an operation that blocks forever is reported as a deadlock (loom's own
/// panic, not a later one of the abandoned execution), with the call pending in the history.
#[cfg(feature = "loom")]
#[test]
fn blocking_operation_is_a_deadlock_loom() {
    let scenario = threadcheck::lin::Scenario {
        init: vec![],
        threads: vec![vec![SemOp::TryAcquire]],
    };
    let failure = threadcheck::lin::check_scenario::<BlockingAcquire>(&scenario, &Config::loom())
        .unwrap_err();
    match &failure.problem {
        threadcheck::lin::Problem::Engine(why) => assert!(why.starts_with("deadlock"), "{why}"),
        other => panic!("{other:?}\n{failure}"),
    }
    assert!(failure.history.has_pending(), "{failure}");
}

/// Property: `fuzz` runs on loom (each scenario's preemption-bounded exploration, whatever the
/// strategy: loom has no random or PCT scheduler) and finds the racy semaphore, shrunk to 2x2,
/// long before its 60 s budget.
#[cfg(feature = "loom")]
#[test]
fn fuzz_finds_the_racy_semaphore_loom() {
    let mut config = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Loom);
    config.time = std::time::Duration::from_secs(60);
    let report = threadcheck::lin::fuzz::<RacySemaphoreTarget>(&config);
    let failure = report.failure.expect("the fuzzer finds the race");
    assert_eq!(failure.engine, "loom");
    assert!(
        matches!(
            failure.problem,
            threadcheck::lin::Problem::NotLinearizable(_)
        ),
        "{failure}"
    );
    assert!(failure.scenario.thread_count() <= 2 && failure.scenario.max_ops_per_thread() <= 2);
    assert!(report.progress.executions > 0 && report.progress.elapsed.as_secs() < 60);
}

/// Property: `fuzz_program` refuses loom, as `threadcheck fuzz --engine loom` does: nothing
/// runs, and the report says why.
#[cfg(feature = "loom")]
#[test]
fn fuzz_program_refuses_loom() {
    let config = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Loom);
    let report = threadcheck::lin::fuzz_program(
        &config,
        std::sync::Arc::new(lost_update::<threadcheck::rt::Loom>),
    )
    .unwrap();
    assert!(report.failure.is_none());
    assert_eq!(report.progress.executions, 0);
    let why = report.stopped.expect("the reason");
    assert!(why.contains("loom has no random or pct scheduler"), "{why}");
}

// ---------------------------------------------------------------- regression test, fuzzing

/// Property: the regression test the report prints compiles and re-finds the bug (pasted
/// verbatim from the report of `peek_then_pop_is_caught_shuttle`).
#[cfg(feature = "shuttle")]
#[test]
#[should_panic(expected = "PeekThenPopStack is not linearizable")]
fn lin_regression() {
    #[allow(unused_imports)]
    use crate::StackOp::*;
    let scenario: threadcheck::lin::Scenario<crate::StackOp> = threadcheck::lin::Scenario {
        init: vec![],
        threads: vec![vec![Push(0), Pop], vec![Pop]],
    };
    threadcheck::lin::assert_scenario::<crate::PeekThenPopStack>(
        &scenario,
        &threadcheck::lin::Config::shuttle(),
    );
}

/// Property: the same scenario passes on the correct stack (the regression test can fail).
#[cfg(feature = "shuttle")]
#[test]
fn lin_regression_passes_on_the_correct_stack() {
    let scenario = threadcheck::lin::Scenario {
        init: vec![],
        threads: vec![vec![StackOp::Push(0), StackOp::Pop], vec![StackOp::Pop]],
    };
    let summary = threadcheck::lin::assert_scenario::<LockStack>(&scenario, &Config::shuttle());
    assert_eq!(summary.executions, 300);
}

#[cfg(feature = "shuttle")]
fn fuzz_config(engine: threadcheck::lin::Engine, seconds: u64) -> threadcheck::lin::FuzzConfig {
    let mut config = threadcheck::lin::FuzzConfig::new(engine);
    config.time = std::time::Duration::from_secs(seconds);
    config
}

/// Property: `fuzz` stops at the first failure, long before its 60 s budget, and reports it
/// shrunk to 2x2 with counters.
#[cfg(feature = "shuttle")]
#[test]
fn fuzz_finds_the_racy_semaphore() {
    let config = fuzz_config(threadcheck::lin::Engine::Shuttle, 60);
    let report = threadcheck::lin::fuzz::<RacySemaphoreTarget>(&config);
    let failure = report.failure.expect("the fuzzer finds the race");
    assert!(failure.scenario.thread_count() <= 2 && failure.scenario.max_ops_per_thread() <= 2);
    assert!(report.progress.executions > 0);
    assert!(report.progress.distinct_schedules.is_some_and(|d| d > 0));
}

/// Property: on a correct type `fuzz` runs until its budget (1 s), calls the progress callback
/// with growing counters, and sees many distinct schedules.
#[cfg(feature = "shuttle")]
#[test]
fn fuzz_runs_until_the_budget_on_a_correct_type() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut config = fuzz_config(threadcheck::lin::Engine::Shuttle, 1);
    let sink = seen.clone();
    config.progress = Some(Arc::new(move |p| sink.lock().unwrap().push(*p)));
    let report = threadcheck::lin::fuzz::<SemaphoreTarget>(&config);
    assert!(report.failure.is_none(), "{}", report.failure.unwrap());
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "progress reported {} times", seen.len());
    assert!(seen.windows(2).all(|w| w[0].executions <= w[1].executions));
    assert_eq!(seen.last().unwrap().executions, report.progress.executions);
    assert!(report.progress.distinct_schedules.unwrap() > 10);
    assert!(report.progress.scenarios > 1);
}

/// A program with a lost update: two threads increment a `Var` without a lock.
fn lost_update<R: Runtime>() {
    use std::sync::Arc;
    use threadcheck::sync::Var;
    let counter = Arc::new(Var::<u32, R>::new(0));
    let c2 = counter.clone();
    let t = threadcheck::thread::Builder::<R>::new()
        .spawn(move || c2.set(c2.get() + 1))
        .unwrap();
    counter.set(counter.get() + 1);
    t.join().unwrap();
    assert_eq!(counter.get(), 2, "lost update");
}

/// Property: `fuzz_program` (what `threadcheck fuzz MODEL` runs) finds a lost update under
/// shuttle well within its 60 s budget, with a schedule.
#[cfg(feature = "shuttle")]
#[test]
fn fuzz_program_finds_a_lost_update_shuttle() {
    let config = fuzz_config(threadcheck::lin::Engine::Shuttle, 60);
    let report = threadcheck::lin::fuzz_program(
        &config,
        std::sync::Arc::new(lost_update::<threadcheck::rt::Shuttle>),
    )
    .unwrap();
    let failure = report.failure.expect("found");
    assert!(format!("{:?}", failure.kind).contains("lost update"));
    assert!(failure.schedule.0.starts_with("shuttle:"));
}

/// Property: same on the native engine, with the fewest preemptions (1).
#[test]
fn fuzz_program_finds_a_lost_update_native() {
    let mut config = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Native);
    config.time = std::time::Duration::from_secs(60);
    let report = threadcheck::lin::fuzz_program(
        &config,
        std::sync::Arc::new(lost_update::<threadcheck::rt::Native>),
    )
    .unwrap();
    let failure = report.failure.expect("found");
    assert!(report.schedule_minimal);
    assert_eq!(failure.preemptions, 1);
    assert!(failure.fewest_steps, "then the fewest steps");
}

/// Property: `fuzz` on the native engine finds the racy semaphore and shrinks its schedule.
#[test]
fn fuzz_finds_the_racy_semaphore_native() {
    let mut config = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Native);
    config.time = std::time::Duration::from_secs(60);
    let report = threadcheck::lin::fuzz::<RacySemaphoreTarget>(&config);
    let failure = report.failure.expect("found");
    assert_fewest_preemptions(&failure, 1);
}

/// Property: `fuzz_program` on the native engine reports progress (growing executions) even
/// when every batch is shorter than the engine's own 100 ms progress interval.
#[test]
fn fuzz_program_reports_native_progress_per_batch() {
    use std::sync::{Arc, Mutex};
    fn locked<R: Runtime>() {
        let lock = Arc::new(Lock::<u32, R>::new(0));
        let l2 = lock.clone();
        let t = threadcheck::thread::Builder::<R>::new()
            .spawn(move || l2.with(|n| *n += 1))
            .unwrap();
        lock.with(|n| *n += 1);
        t.join().unwrap();
        assert_eq!(*lock.lock(), 2);
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut config = threadcheck::lin::FuzzConfig::new(threadcheck::lin::Engine::Native);
    config.time = std::time::Duration::from_millis(500);
    config.executions_per_scenario = 10;
    config.progress = Some(Arc::new(move |p| sink.lock().unwrap().push(*p)));
    let report =
        threadcheck::lin::fuzz_program(&config, Arc::new(locked::<threadcheck::rt::Native>))
            .unwrap();
    assert!(report.failure.is_none() && report.stopped.is_none());
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 3, "progress reported {} times", seen.len());
    assert!(
        seen[0].executions > 0,
        "the first report counts the first batch"
    );
    assert!(seen.windows(2).all(|w| w[0].executions <= w[1].executions));
    assert_eq!(seen.last().unwrap().executions, report.progress.executions);
    // Distinct schedules are counted on the native engine too: more than one of this
    // program's few schedules, never more than the executions, never decreasing.
    let distinct: Vec<u64> = seen
        .iter()
        .map(|p| {
            p.distinct_schedules
                .expect("native counts distinct schedules")
        })
        .collect();
    let last = *distinct.last().unwrap();
    assert!(
        last > 1 && last <= report.progress.executions,
        "{distinct:?}"
    );
    assert!(distinct.windows(2).all(|w| w[0] <= w[1]), "{distinct:?}");
}
