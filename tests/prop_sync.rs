//! Random single-threaded operation sequences on each primitive (on `rt::Std`), checked step by
//! step against a small reference model of Python's semantics written here: every return
//! value, every error, every count. (Where an answer depends on another thread, e.g. an RLock
//! tried by a non-owner, the operation runs that one call on a scoped thread.)

use proptest::prelude::*;
use std::time::Duration;
use threadcheck::error::{BrokenBarrier, ReleaseError};
use threadcheck::rt::{Std, Wait};
use threadcheck::sync::{Barrier, BoundedSemaphore, Event, Lock, RLock, Semaphore};

const NO_TIME: Duration = Duration::ZERO;

#[derive(Clone, Debug)]
enum SemOp {
    /// `acquire(blocking=False)`, keeping the permit as a guard.
    TryAcquire,
    /// `acquire(timeout=0)`, then forgetting the permit (released later by `Release`).
    AcquireForget,
    /// `release(n)`.
    Release(usize),
    /// Drops the `i`-th held guard (mod the number held).
    DropGuard(usize),
    /// Reads the value.
    Value,
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        Just(SemOp::TryAcquire),
        Just(SemOp::AcquireForget),
        (1usize..3).prop_map(SemOp::Release),
        any::<usize>().prop_map(SemOp::DropGuard),
        Just(SemOp::Value),
    ]
}

proptest! {
    /// Property: `Semaphore` matches Python's: acquire succeeds iff value > 0 and takes one;
    /// release(n) adds n; a permit guard gives its permit back on drop.
    #[test]
    fn semaphore_matches_python(init in 0usize..4, ops in prop::collection::vec(sem_op(), 0..40)) {
        let sem = Semaphore::<Std>::new(init);
        let mut model = init;
        let mut guards = Vec::new();
        for op in ops {
            match op {
                SemOp::TryAcquire => {
                    let got = sem.try_acquire();
                    prop_assert_eq!(got.is_some(), model > 0);
                    if let Some(p) = got {
                        model -= 1;
                        guards.push(p);
                    }
                }
                SemOp::AcquireForget => {
                    let got = sem.acquire_timeout(NO_TIME);
                    prop_assert_eq!(got.is_some(), model > 0);
                    if let Some(p) = got {
                        model -= 1;
                        p.forget();
                    }
                }
                SemOp::Release(n) => {
                    sem.release_n(n);
                    model += n;
                }
                SemOp::DropGuard(i) => {
                    if !guards.is_empty() {
                        let i = i % guards.len();
                        drop(guards.swap_remove(i));
                        model += 1;
                    }
                }
                SemOp::Value => prop_assert_eq!(sem.value(), model),
            }
            prop_assert_eq!(sem.value(), model);
        }
    }

    /// Property: `BoundedSemaphore` matches Python's: like `Semaphore`, but `release(n)` beyond
    /// the initial value raises (here `Err(TooManyReleases)`) and changes nothing; a guard's
    /// drop never pushes the value past the bound.
    #[test]
    fn bounded_semaphore_matches_python(
        bound in 0usize..4,
        ops in prop::collection::vec(sem_op(), 0..40),
    ) {
        let sem = BoundedSemaphore::<Std>::new(bound);
        let mut model = bound;
        let mut guards = Vec::new();
        for op in ops {
            match op {
                SemOp::TryAcquire => {
                    let got = sem.try_acquire();
                    prop_assert_eq!(got.is_some(), model > 0);
                    if let Some(p) = got {
                        model -= 1;
                        guards.push(p);
                    }
                }
                SemOp::AcquireForget => {
                    let got = sem.acquire_with(Wait::No);
                    prop_assert_eq!(got.is_some(), model > 0);
                    if let Some(p) = got {
                        model -= 1;
                        p.forget();
                    }
                }
                SemOp::Release(n) => {
                    let expected = if model + n > bound {
                        Err(ReleaseError::TooManyReleases)
                    } else {
                        model += n;
                        Ok(())
                    };
                    prop_assert_eq!(sem.release_n(n), expected);
                }
                SemOp::DropGuard(i) => {
                    if !guards.is_empty() {
                        let i = i % guards.len();
                        drop(guards.swap_remove(i));
                        model = (model + 1).min(bound);
                    }
                }
                SemOp::Value => prop_assert_eq!(sem.value(), model),
            }
            prop_assert_eq!(sem.value(), model);
            prop_assert!(sem.value() <= sem.bound());
        }
    }
}

#[derive(Clone, Debug)]
enum RLockOp {
    /// Explicit `acquire()`.
    Acquire,
    /// Explicit `release()`.
    Release,
    /// `with rlock:` entered: a guard kept.
    Lock,
    /// The innermost guard dropped (guards nest).
    DropGuard,
    /// `_is_owned()`.
    IsOwned,
    /// Another thread's `acquire(blocking=False)`.
    OtherTryLock,
    /// Another thread's `release()`.
    OtherRelease,
}

fn rlock_op() -> impl Strategy<Value = RLockOp> {
    prop_oneof![
        Just(RLockOp::Acquire),
        Just(RLockOp::Release),
        Just(RLockOp::Lock),
        Just(RLockOp::DropGuard),
        Just(RLockOp::IsOwned),
        Just(RLockOp::OtherTryLock),
        Just(RLockOp::OtherRelease),
    ]
}

proptest! {
    /// Property: `RLock` matches Python's: the owner re-enters any number of times; it is free
    /// again when every acquisition is undone; another thread can take it exactly when it is
    /// free; a release by a non-owner (or with nothing acquired explicitly) is refused with
    /// `NotOwner` and changes nothing.
    #[test]
    fn rlock_matches_python(ops in prop::collection::vec(rlock_op(), 0..40)) {
        let lock = RLock::<u8, Std>::new(7);
        let (mut explicit, mut guards) = (0usize, Vec::new());
        for op in ops {
            match op {
                RLockOp::Acquire => {
                    prop_assert!(lock.acquire(Wait::No));
                    explicit += 1;
                }
                RLockOp::Release => {
                    let expected = if explicit > 0 {
                        explicit -= 1;
                        Ok(())
                    } else {
                        Err(ReleaseError::NotOwner)
                    };
                    prop_assert_eq!(lock.release(), expected);
                }
                RLockOp::Lock => {
                    let guard = lock.lock_timeout(NO_TIME);
                    prop_assert!(guard.is_some());
                    guards.extend(guard);
                }
                RLockOp::DropGuard => drop(guards.pop()),
                RLockOp::IsOwned => {
                    prop_assert_eq!(lock.is_owned(), explicit + guards.len() > 0);
                }
                RLockOp::OtherTryLock => {
                    let free = explicit + guards.len() == 0;
                    let got = std::thread::scope(|s| {
                        s.spawn(|| lock.try_lock().map(|g| *g)).join().unwrap()
                    });
                    prop_assert_eq!(got, free.then_some(7));
                }
                RLockOp::OtherRelease => {
                    let refused = std::thread::scope(|s| s.spawn(|| lock.release()).join().unwrap());
                    prop_assert_eq!(refused, Err(ReleaseError::NotOwner));
                }
            }
            for guard in &guards {
                prop_assert_eq!(**guard, 7);
            }
        }
    }
}

#[derive(Clone, Debug)]
enum EventOp {
    Set,
    Clear,
    IsSet,
    WaitTimeout,
    /// `wait()`, only issued when the flag is set (it would block forever otherwise).
    WaitIfSet,
}

proptest! {
    /// Property: `Event` matches Python's: the flag is what the last set/clear made it;
    /// `wait(timeout)` returns the flag; `wait()` returns at once when set.
    #[test]
    fn event_matches_python(ops in prop::collection::vec(prop_oneof![
        Just(EventOp::Set), Just(EventOp::Clear), Just(EventOp::IsSet),
        Just(EventOp::WaitTimeout), Just(EventOp::WaitIfSet),
    ], 0..40)) {
        let event = Event::<Std>::new();
        let mut flag = false;
        for op in ops {
            match op {
                EventOp::Set => { event.set(); flag = true; }
                EventOp::Clear => { event.clear(); flag = false; }
                EventOp::IsSet => prop_assert_eq!(event.is_set(), flag),
                EventOp::WaitTimeout => prop_assert_eq!(event.wait_timeout(NO_TIME), flag),
                EventOp::WaitIfSet => if flag { event.wait() },
            }
        }
    }
}

#[derive(Clone, Debug)]
enum BarrierOp {
    Wait,
    WaitTimeout,
    Abort,
    Reset,
    IsBroken,
    NWaiting,
}

proptest! {
    /// Property: `Barrier(1)` matches Python's: each wait passes at once with index 0 unless the
    /// barrier is broken (then `BrokenBarrier`); abort breaks it; reset repairs it; nobody is
    /// ever left waiting.
    #[test]
    fn barrier_of_one_matches_python(ops in prop::collection::vec(prop_oneof![
        Just(BarrierOp::Wait), Just(BarrierOp::WaitTimeout), Just(BarrierOp::Abort),
        Just(BarrierOp::Reset), Just(BarrierOp::IsBroken), Just(BarrierOp::NWaiting),
    ], 0..40)) {
        let barrier = Barrier::<Std>::new(1).unwrap();
        let mut broken = false;
        let expected = |broken: bool| if broken { Err(BrokenBarrier) } else { Ok(0) };
        for op in ops {
            match op {
                BarrierOp::Wait => prop_assert_eq!(barrier.wait(), expected(broken)),
                BarrierOp::WaitTimeout => {
                    prop_assert_eq!(barrier.wait_timeout(NO_TIME), expected(broken));
                }
                BarrierOp::Abort => { barrier.abort(); broken = true; }
                BarrierOp::Reset => { barrier.reset(); broken = false; }
                BarrierOp::IsBroken => prop_assert_eq!(barrier.is_broken(), broken),
                BarrierOp::NWaiting => prop_assert_eq!(barrier.n_waiting(), 0),
            }
            prop_assert_eq!(barrier.parties(), 1);
        }
    }
}

#[derive(Clone, Debug)]
enum LockOp {
    /// `acquire(blocking=False)`, keeping the guard.
    TryLock,
    /// Adds one to the data through the held guard, if any.
    Bump,
    /// Releases the held guard, if any.
    Unlock,
}

proptest! {
    /// Property: `Lock::try_lock` matches Python's `acquire(blocking=False)`: it succeeds iff
    /// the lock is not held (also by the same thread: the lock is not reentrant), and the data
    /// holds every update made under it.
    #[test]
    fn lock_try_lock_matches_python(ops in prop::collection::vec(prop_oneof![
        Just(LockOp::TryLock), Just(LockOp::Bump), Just(LockOp::Unlock),
    ], 0..40)) {
        let lock = Lock::<u32, Std>::new(0);
        let mut held = None;
        let mut model = 0;
        for op in ops {
            match op {
                LockOp::TryLock => {
                    let got = lock.try_lock();
                    prop_assert_eq!(got.is_some(), held.is_none());
                    if let Some(guard) = got {
                        prop_assert_eq!(*guard, model);
                        held = Some(guard);
                    }
                }
                LockOp::Bump => if let Some(guard) = held.as_mut() {
                    **guard += 1;
                    model += 1;
                },
                LockOp::Unlock => held = None,
            }
        }
        drop(held);
        prop_assert_eq!(lock.into_inner(), model);
    }
}

/// Twin: the `BoundedSemaphore` run against the plain `Semaphore` model (releases never
/// refused): proptest must find a sequence where the two disagree.
#[test]
fn bounded_semaphore_twin_wrong_model_refuted() {
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0usize..4, prop::collection::vec(sem_op(), 0..40));
    let verdict = runner.run(&strategy, |(bound, ops)| {
        let sem = BoundedSemaphore::<Std>::new(bound);
        let mut model = bound;
        for op in ops {
            if let SemOp::Release(n) = op {
                prop_assert_eq!(sem.release_n(n), Ok(()), "the wrong model never refuses");
                model += n;
            }
            prop_assert_eq!(sem.value(), model);
        }
        Ok(())
    });
    assert!(verdict.is_err(), "proptest missed the difference");
}
