//! Models of the sync primitives shared by `loom_sync.rs` (exhaustive, tiny sizes) and
//! `shuttle_sync.rs` (random and PCT, larger sizes). Each model is one execution's body,
//! generic over the runtime and over the implementation under test, so the proof and its
//! must-fail twin run the very same code with a correct or a deliberately broken primitive.
//!
//! Every assertion message here names the property it checks; the twins' tests match on it.
#![allow(dead_code)] // each test crate uses a subset

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once};
use threadcheck::error::ReleaseError;
use threadcheck::rt::{Access, Monitor, ObjectMeta, Op, Runtime, Wait};
use threadcheck::sync::{Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, Var};

/// Spawning a thread of the checker, and joining it.
pub trait Spawn: Runtime {
    /// Starts `f` on a checker thread; the returned closure joins it.
    fn go(f: impl FnOnce() + Send + 'static) -> Box<dyn FnOnce()>;
}

fn run_all<R: Spawn>(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let joins: Vec<_> = bodies.into_iter().map(|b| R::go(b)).collect();
    for join in joins {
        join();
    }
}

// ----------------------------------------------------------------------------------------------
// Expected failures

thread_local! {
    static SILENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `check`, which must fail (panic) with a message containing one of `expected`; returns
/// the message. Panic output is silenced meanwhile on this OS thread (loom and shuttle run their
/// threads as coroutines on the test's thread): a filter hook is installed once for the process
/// and delegates to the previous hook for every other thread, so parallel tests keep their output.
pub fn must_fail(expected: &[&str], check: impl FnOnce()) -> String {
    static FILTER: Once = Once::new();
    FILTER.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !SILENT.with(|s| s.get()) {
                previous(info);
            }
        }));
    });
    SILENT.with(|s| s.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(check));
    SILENT.with(|s| s.set(false));
    let payload = match result {
        Ok(()) => panic!("the checker missed the bug: expected a failure matching {expected:?}"),
        Err(payload) => payload,
    };
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        expected.iter().any(|e| message.contains(e)),
        "failed, but not as expected ({expected:?}): {message}"
    );
    message
}

// ----------------------------------------------------------------------------------------------
// Lock: mutual exclusion

/// `threads` threads each do `increments` read-then-write increments of a shared [`Var`],
/// inside a [`Lock`] or (`locked == false`) not. Property: no update is lost.
pub fn counter<R: Spawn>(threads: usize, increments: usize, locked: bool) {
    let lock = Arc::new(Lock::<(), R>::named("counter_lock", ()));
    let counter = Arc::new(Var::<usize, R>::named("counter", 0));
    let bodies = (0..threads)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            Box::new(move || {
                for _ in 0..increments {
                    let _held = locked.then(|| lock.lock());
                    let seen = counter.get();
                    counter.set(seen + 1);
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all::<R>(bodies);
    let total = counter.get();
    assert_eq!(
        total,
        threads * increments,
        "lost update: counter = {total}"
    );
}

// ----------------------------------------------------------------------------------------------
// Semaphore: admission

/// A counting semaphore as the model sees it.
pub trait Admit: Send + Sync + 'static {
    /// Takes a permit; false if none was taken.
    fn enter(&self) -> bool;
    /// Gives the permit back.
    fn leave(&self);
}

impl<R: Runtime> Admit for Semaphore<R> {
    fn enter(&self) -> bool {
        self.acquire().forget();
        true
    }
    fn leave(&self) {
        self.release();
    }
}

impl<R: Runtime> Admit for BoundedSemaphore<R> {
    fn enter(&self) -> bool {
        self.acquire().forget();
        true
    }
    fn leave(&self) {
        self.release().expect("a held permit can be given back");
    }
}

/// The bug: check-then-decrement in two steps, without a lock.
pub struct RacySemaphore<R: Runtime>(pub Var<usize, R>);

impl<R: Runtime> Admit for RacySemaphore<R> {
    fn enter(&self) -> bool {
        if self.0.get() > 0 {
            let now = self.0.get().checked_sub(1);
            self.0
                .set(now.expect("the semaphore value went below zero"));
            true
        } else {
            false
        }
    }
    fn leave(&self) {
        self.0.set(self.0.get() + 1);
    }
}

/// `threads` threads each enter `rounds` times a section guarded by `sem`, which has
/// `permits` permits. Property: never more than `permits` threads inside at once.
pub fn admission<R: Spawn, S: Admit>(sem: S, permits: usize, threads: usize, rounds: usize) {
    let sem = Arc::new(sem);
    let inside = Arc::new(AtomicUsize::new(0));
    let bodies = (0..threads)
        .map(|_| {
            let (sem, inside) = (sem.clone(), inside.clone());
            Box::new(move || {
                for _ in 0..rounds {
                    if sem.enter() {
                        let now = inside.fetch_add(1, SeqCst) + 1;
                        assert!(now <= permits, "{now} threads inside, {permits} permits");
                        R::yield_now();
                        inside.fetch_sub(1, SeqCst);
                        sem.leave();
                    }
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all::<R>(bodies);
}

// ----------------------------------------------------------------------------------------------
// BoundedSemaphore: over-release

/// A bounded semaphore's release, as the model sees it.
pub trait BoundedRelease: Send + Sync + 'static {
    /// Gives a permit back, refused beyond the bound.
    fn give(&self) -> Result<(), ReleaseError>;
    /// The current value.
    fn current(&self) -> usize;
}

impl<R: Runtime> BoundedRelease for BoundedSemaphore<R> {
    fn give(&self) -> Result<(), ReleaseError> {
        self.release()
    }
    fn current(&self) -> usize {
        self.value()
    }
}

/// The bug: check-then-increment in two steps.
pub struct RacyBounded<R: Runtime> {
    /// The value.
    pub value: Var<usize, R>,
    /// The bound.
    pub bound: usize,
}

impl<R: Runtime> BoundedRelease for RacyBounded<R> {
    fn give(&self) -> Result<(), ReleaseError> {
        let v = self.value.get();
        if v < self.bound {
            self.value.set(v + 1);
            Ok(())
        } else {
            Err(ReleaseError::TooManyReleases)
        }
    }
    fn current(&self) -> usize {
        self.value.get()
    }
}

/// `releasers` threads each release once a semaphore bounded by `bound` whose permits are all
/// taken (value 0). Property: exactly `bound` releases are accepted, the refused ones change
/// nothing, and the value never exceeds the bound.
pub fn over_release<R: Spawn, S: BoundedRelease>(sem: S, bound: usize, releasers: usize) {
    let sem = Arc::new(sem);
    let accepted = Arc::new(AtomicUsize::new(0));
    let bodies = (0..releasers)
        .map(|_| {
            let (sem, accepted) = (sem.clone(), accepted.clone());
            Box::new(move || {
                if sem.give().is_ok() {
                    accepted.fetch_add(1, SeqCst);
                }
                let value = sem.current();
                assert!(value <= bound, "value {value} exceeds the bound {bound}");
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    run_all::<R>(bodies);
    let (accepted, value) = (accepted.load(SeqCst), sem.current());
    assert_eq!(
        accepted, bound,
        "{accepted} releases accepted with bound {bound}"
    );
    assert_eq!(
        value, bound,
        "value {value} after the releases, bound {bound}"
    );
}

// ----------------------------------------------------------------------------------------------
// Event: every waiter wakes

/// An event as the model sees it.
pub trait Flag: Send + Sync + 'static {
    /// Sets the flag, waking the waiters.
    fn raise(&self);
    /// Blocks until the flag is set.
    fn await_raised(&self);
}

impl<R: Runtime> Flag for Event<R> {
    fn raise(&self) {
        self.set();
    }
    fn await_raised(&self) {
        self.wait();
        assert!(self.is_set(), "woke with the flag clear");
    }
}

/// The bug: `set` wakes one waiter (a semaphore release) instead of all.
pub struct WakeOneEvent<R: Runtime> {
    /// The flag.
    pub flag: Var<bool, R>,
    /// Where waiters sleep.
    pub wake: Semaphore<R>,
}

impl<R: Runtime> Flag for WakeOneEvent<R> {
    fn raise(&self) {
        self.flag.set(true);
        self.wake.release();
    }
    fn await_raised(&self) {
        if !self.flag.get() {
            self.wake.acquire().forget();
        }
    }
}

/// `waiters` threads wait for the flag; the main thread sets it once. Property: every waiter
/// returns (a stuck waiter is a deadlock the checker reports).
pub fn wake_all<R: Spawn, F: Flag>(flag: F, waiters: usize) {
    let flag = Arc::new(flag);
    let joins: Vec<_> = (0..waiters)
        .map(|_| {
            let flag = flag.clone();
            R::go(move || flag.await_raised())
        })
        .collect();
    flag.raise();
    for join in joins {
        join();
    }
}

// ----------------------------------------------------------------------------------------------
// Condition: no lost wake-up

/// How the consumers wait for an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumer {
    /// `cond.wait_for(|n| *n > 0)` under the lock: correct.
    WaitFor,
    /// The bug: `if *n == 0 { cond.wait() }`: does not re-check after waking.
    IfNotWhile,
    /// The bug: checks under the lock, releases it, then locks again and waits on the stale
    /// answer.
    CheckThenLock,
}

/// The main thread produces `consumers` items one at a time into a counter under a
/// [`Condition`], notifying one waiter per item; each of `consumers` threads takes one item.
/// Property: every consumer gets an item (none takes from an empty buffer, none waits forever).
pub fn handoff<R: Spawn>(consumers: usize, how: Consumer) {
    let cond = Arc::new(Condition::<usize, R>::named("items", 0));
    let joins: Vec<_> = (0..consumers)
        .map(|_| {
            let cond = cond.clone();
            R::go(move || {
                let mut items = match how {
                    Consumer::WaitFor => {
                        let mut items = cond.lock();
                        items.wait_for(|n| *n > 0);
                        items
                    }
                    Consumer::IfNotWhile => {
                        let mut items = cond.lock();
                        if *items == 0 {
                            items.wait();
                        }
                        items
                    }
                    Consumer::CheckThenLock => {
                        let empty = *cond.lock() == 0;
                        let mut items = cond.lock();
                        if empty {
                            items.wait(); // the item may have come (and its notify gone) already
                        }
                        items
                    }
                };
                assert!(*items > 0, "a consumer woke to an empty buffer");
                *items -= 1;
            })
        })
        .collect();
    for _ in 0..consumers {
        let mut items = cond.lock();
        *items += 1;
        items.notify(1);
    }
    for join in joins {
        join();
    }
    assert_eq!(*cond.lock(), 0, "items left over");
}

/// One consumer waits with `wait_for_timeout` while the main thread produces one item.
/// Property: the result is the predicate's value at return (true iff the item was there), and
/// the lock is held again in either case.
pub fn timed_handoff<R: Spawn>() {
    let cond = Arc::new(Condition::<usize, R>::new(0));
    let consumer = {
        let cond = cond.clone();
        R::go(move || {
            let mut items = cond.lock();
            let got = items.wait_for_timeout(|n| *n > 0, std::time::Duration::from_millis(1));
            assert_eq!(
                got,
                *items > 0,
                "wait_for_timeout returned {got} with {} items",
                *items
            );
        })
    };
    {
        let mut items = cond.lock();
        *items += 1;
        items.notify_all();
    }
    consumer();
}

// ----------------------------------------------------------------------------------------------
// Barrier: released together, distinct indices

/// A barrier as the model sees it.
pub trait Rendezvous: Send + Sync + 'static {
    /// Waits for the other parties; returns this thread's index.
    fn meet(&self) -> usize;
}

impl<R: Runtime> Rendezvous for Barrier<R> {
    fn meet(&self) -> usize {
        self.wait().expect("a barrier nobody breaks does not break")
    }
}

/// The bug: an unlocked arrival count, the last arrival opening an [`Event`].
pub struct RacyBarrier<R: Runtime> {
    /// Threads arrived.
    pub count: Var<usize, R>,
    /// The number of parties.
    pub parties: usize,
    /// Opened by the last arrival.
    pub open: Event<R>,
}

impl<R: Runtime> Rendezvous for RacyBarrier<R> {
    fn meet(&self) -> usize {
        let index = self.count.get();
        self.count.set(index + 1);
        if index + 1 == self.parties {
            self.open.set();
        } else {
            self.open.wait();
        }
        index
    }
}

/// `parties` threads (the main thread and `parties - 1` spawned ones) meet `generations` times.
/// `actions` counts the barrier action's runs (pass a counter the action increments, or `None`).
/// Property: nobody passes generation `g` before every party arrived at it (and, with an action,
/// before the action ran exactly once for it); the indices of a generation are `0..parties`.
pub fn rendezvous<R: Spawn, B: Rendezvous>(
    barrier: B,
    parties: usize,
    generations: usize,
    actions: Option<Arc<AtomicUsize>>,
) {
    let barrier = Arc::new(barrier);
    let arrived = Arc::new(AtomicUsize::new(0));
    let indices = Arc::new(Mutex::new(vec![Vec::new(); generations]));
    let party = {
        let (barrier, arrived, indices) = (barrier.clone(), arrived.clone(), indices.clone());
        move || {
            for generation in 0..generations {
                arrived.fetch_add(1, SeqCst);
                let index = barrier.meet();
                let seen = arrived.load(SeqCst);
                assert!(
                    seen >= (generation + 1) * parties,
                    "released from generation {generation} with {seen} arrivals"
                );
                if let Some(actions) = &actions {
                    let ran = actions.load(SeqCst);
                    assert_eq!(
                        ran,
                        generation + 1,
                        "released with the action run {ran} times"
                    );
                }
                indices.lock().unwrap()[generation].push(index);
            }
        }
    };
    let joins: Vec<_> = (1..parties).map(|_| R::go(party.clone())).collect();
    party();
    for join in joins {
        join();
    }
    for (generation, mut got) in indices.lock().unwrap().clone().into_iter().enumerate() {
        got.sort_unstable();
        assert_eq!(
            got,
            (0..parties).collect::<Vec<_>>(),
            "indices of generation {generation}"
        );
    }
}

// ----------------------------------------------------------------------------------------------
// RLock: re-entry, exclusion, non-owner release refused

/// Python's explicit reentrant-lock interface, as the model sees it.
pub trait Reentrant: Send + Sync + 'static {
    /// Acquires (or re-enters), blocking.
    fn enter(&self);
    /// Undoes one acquisition; refused for a non-owner.
    fn exit(&self) -> Result<(), ReleaseError>;
}

impl<R: Runtime> Reentrant for RLock<(), R> {
    fn enter(&self) {
        assert!(self.acquire(Wait::Forever));
    }
    fn exit(&self) -> Result<(), ReleaseError> {
        self.release()
    }
}

/// The bug: an RLock whose release does not check the owner.
pub struct UncheckedRLock<R: Runtime> {
    hold: R::Monitor<(Option<u64>, usize)>,
}

impl<R: Runtime> Default for UncheckedRLock<R> {
    fn default() -> Self {
        UncheckedRLock {
            hold: Monitor::new((None, 0), ObjectMeta::new("UncheckedRLock")),
        }
    }
}

impl<R: Runtime> Reentrant for UncheckedRLock<R> {
    fn enter(&self) {
        let me = R::current_id();
        self.hold
            .op(Op::new("acquire", Access::Write), Wait::Forever, |h| {
                (h.0.is_none() || h.0 == Some(me)).then(|| *h = (Some(me), h.1 + 1))
            });
    }
    fn exit(&self) -> Result<(), ReleaseError> {
        let op = Op::new("release", Access::Write);
        let released = self.hold.op(op, Wait::No, |h| {
            Some(if h.1 == 0 {
                Err(ReleaseError::NotOwner)
            } else {
                h.1 -= 1;
                if h.1 == 0 {
                    h.0 = None;
                }
                Ok(())
            })
        });
        released.unwrap_or(Err(ReleaseError::NotOwner))
    }
}

/// Thread A enters twice (re-entry must not deadlock), works, exits twice; thread B first tries
/// to release the lock it never acquired (must be refused: `NotOwner`), then enters and works.
/// Property: re-entry works, B's release is refused and changes nothing, so the two are never
/// inside together.
pub fn reentry<R: Spawn, L: Reentrant>(lock: L) {
    let lock = Arc::new(lock);
    let inside = Arc::new(AtomicUsize::new(0));
    let work = {
        let inside = inside.clone();
        move || {
            let now = inside.fetch_add(1, SeqCst) + 1;
            assert_eq!(now, 1, "two threads inside the RLock");
            R::yield_now();
            inside.fetch_sub(1, SeqCst);
        }
    };
    let a = {
        let (lock, work) = (lock.clone(), work.clone());
        R::go(move || {
            lock.enter();
            lock.enter();
            work();
            lock.exit().expect("the owner releases");
            work();
            lock.exit().expect("the owner releases");
        })
    };
    let b = {
        let lock = lock.clone();
        R::go(move || {
            let refused = lock.exit();
            assert_eq!(refused, Err(ReleaseError::NotOwner), "a non-owner released");
            lock.enter();
            work();
            lock.exit().expect("the owner releases");
        })
    };
    a();
    b();
}

/// The RLock guard form on one thread: nested guards, `is_owned`, and a refused explicit
/// release while only guards hold it. Property: all of Python's answers.
pub fn guard_reentry<R: Runtime>() {
    let lock = RLock::<usize, R>::new(7);
    let outer = lock.lock();
    let inner = lock.try_lock().expect("the owner re-enters");
    assert!(lock.is_owned());
    assert_eq!(
        lock.release(),
        Err(ReleaseError::NotOwner),
        "released a guard's hold"
    );
    assert_eq!(*inner + *outer, 14);
    drop(inner);
    assert!(lock.is_owned());
    drop(outer);
    assert!(!lock.is_owned());
}

// ----------------------------------------------------------------------------------------------
// Barrier: breaking

/// How the barrier gets broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// One party waits with a timeout (under virtual time it may give up at once).
    Timeout,
    /// The main thread aborts while the other party waits.
    Abort,
    /// The action panics.
    ActionPanics,
}

/// What a party's `wait` ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Passed with this index.
    Passed(usize),
    /// Got `BrokenBarrier`.
    Broken,
    /// Panicked (it ran the panicking action).
    Panicked,
}

/// Runs `f`, silencing the panic output of this OS thread meanwhile (for expected panics).
pub fn quiet<T>(f: impl FnOnce() -> T) -> T {
    SILENT.with(|s| s.set(true));
    let result = f();
    SILENT.with(|s| s.set(false));
    result
}

/// A `Barrier(2)` between a spawned party and the main thread, broken as `how` says.
/// Property: the parties of a generation all pass (distinct indices) or all fail; a broken
/// barrier leaves nobody waiting; `reset` repairs it.
pub fn barrier_break<R: Spawn>(how: Break) {
    let barrier = match how {
        Break::ActionPanics => Barrier::<R>::with_action(2, || panic!("the action failed")),
        Break::Timeout | Break::Abort => Barrier::<R>::new(2),
    };
    let barrier = Arc::new(barrier.expect("2 parties"));
    let party = |barrier: &Barrier<R>, timed: bool| {
        let wait = || match timed {
            true => barrier.wait_timeout(std::time::Duration::from_millis(1)),
            false => barrier.wait(),
        };
        match quiet(|| R::catch_unwind(wait)) {
            Ok(Ok(index)) => Ended::Passed(index),
            Ok(Err(_)) => Ended::Broken,
            Err(_) => Ended::Panicked,
        }
    };
    let other = Arc::new(Mutex::new(None));
    let join = {
        let (barrier, other) = (barrier.clone(), other.clone());
        R::go(move || *other.lock().unwrap() = Some(party(&barrier, how == Break::Timeout)))
    };
    let mine = match how {
        Break::Abort => {
            barrier.abort();
            Ended::Broken
        }
        Break::Timeout | Break::ActionPanics => party(&barrier, false),
    };
    join();
    let theirs = other.lock().unwrap().expect("the party finished");
    match (mine, theirs) {
        (Ended::Passed(a), Ended::Passed(b)) => assert_ne!(a, b, "duplicate indices"),
        (Ended::Broken, Ended::Broken) => assert!(how != Break::ActionPanics),
        (Ended::Panicked, Ended::Broken) | (Ended::Broken, Ended::Panicked) => {
            assert_eq!(how, Break::ActionPanics)
        }
        split => panic!("a generation split: {split:?}"),
    }
    let broke = mine != Ended::Passed(0) && mine != Ended::Passed(1);
    assert_eq!(
        barrier.is_broken(),
        broke,
        "is_broken after {mine:?}/{theirs:?}"
    );
    barrier.reset();
    assert!(!barrier.is_broken(), "reset did not repair");
    assert_eq!(barrier.n_waiting(), 0);
}
