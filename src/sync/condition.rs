//! `Condition`: Python's `threading.Condition`, a lock owning data plus a list of waiters.
//!
//! The algorithm is CPython's, with tickets instead of per-waiter locks:
//!
//! 1. `wait` registers a ticket in the waiters monitor *while holding the lock*;
//! 2. releases the lock;
//! 3. waits until its ticket is marked notified (one monitor step), or times out and withdraws
//!    the ticket (one step: if a notification arrived in between, the wait counts as notified,
//!    so no notification is ever lost on a timed-out waiter);
//! 4. re-acquires the lock.
//!
//! `notify(n)` marks the `n` oldest registered tickets notified, in one step. Notifying is a
//! method of [`ConditionGuard`], so it is only possible while holding the lock: Python's
//! "cannot notify on un-acquired lock" `RuntimeError` cannot happen.
//!
//! Invariants: a ticket is in at most one of `pending` and `notified`; it is added to `pending`
//! only by a thread holding the lock, and moved to `notified` only by a thread holding the lock.
//! Hence no lost wake-up: a waiter that checked its predicate under the lock and registered is
//! seen by every `notify` issued after the lock was released, i.e. by every notifier that could
//! have changed the predicate. Wake-ups are never spurious here, but [`ConditionGuard::wait_for`]
//! re-checks its predicate anyway, as correct condition code must.

use crate::rt::{
    fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, RuntimeMutex, Wait,
};
use std::collections::VecDeque;
use std::fmt;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Waiters {
    next_ticket: u64,
    /// Registered, not yet notified; oldest first.
    pending: VecDeque<u64>,
    /// Notified, not yet woken.
    notified: Vec<u64>,
}

impl Waiters {
    /// Consumes `ticket`'s notification if it has one.
    fn take_notified(&mut self, ticket: u64) -> bool {
        match self.notified.iter().position(|&t| t == ticket) {
            Some(at) => {
                self.notified.swap_remove(at);
                true
            }
            None => false,
        }
    }

    /// The fingerprint for the native engine's state caching: everything, with `notified` as a
    /// set (only membership in it is ever consulted; `swap_remove` reorders it).
    fn fingerprint(&self) -> u64 {
        let mut notified = self.notified.clone();
        notified.sort_unstable();
        fingerprint_of(&(self.next_ticket, &self.pending, notified))
    }
}

/// A condition variable bound to the lock that owns its data (Python's
/// `threading.Condition`).
///
/// ```
/// use threadcheck::{Condition, Thread};
/// use std::sync::Arc;
///
/// // A one-slot mailbox.
/// let mailbox = Arc::new(Condition::new(None::<String>));
/// let consumer = {
///     let mailbox = Arc::clone(&mailbox);
///     Thread::spawn(move || {
///         let mut slot = mailbox.lock(); // `with cond:`
///         slot.wait_for(|m| m.is_some()); // `cond.wait_for(lambda: ...)`
///         slot.take().unwrap()
///     })
/// };
/// {
///     let mut slot = mailbox.lock();
///     *slot = Some("hello".to_string());
///     slot.notify(1);
/// }
/// assert_eq!(consumer.join().unwrap(), "hello");
/// ```
pub struct Condition<T: Send, R: Runtime = DefaultRuntime> {
    lock: R::Mutex<T>,
    waiters: R::Monitor<Waiters>,
}

/// Proof of holding a [`Condition`]'s lock: access to the data, and the `wait`/`notify`
/// operations. Dropping it releases the lock.
///
/// ```
/// let cond = threadcheck::Condition::new(0);
/// let mut guard = cond.lock();
/// *guard += 1;
/// assert_eq!(guard.notify_all(), 0); // nobody waiting
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a, T: Send + 'a, R: Runtime = DefaultRuntime> {
    cond: &'a Condition<T, R>,
    /// `None` only inside `wait`, between releasing and re-acquiring the lock.
    guard: Option<<R::Mutex<T> as RuntimeMutex<T>>::Guard<'a>>,
}

impl<T: Send, R: Runtime> Condition<T, R> {
    /// A new condition whose lock holds `value` (`Condition()`).
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(vec![1]);
    /// assert_eq!(cond.lock().len(), 1);
    /// ```
    pub fn new(value: T) -> Self {
        Condition::with_meta(value, ObjectMeta::new("Condition"))
    }

    /// A new condition with a name that counterexample traces show.
    ///
    /// ```
    /// let cond = threadcheck::Condition::named("not_empty", 0);
    /// assert_eq!(*cond.lock(), 0);
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        Condition::with_meta(value, ObjectMeta::named("Condition", name))
    }

    fn with_meta(value: T, meta: ObjectMeta) -> Self {
        let lock = <R::Mutex<T> as RuntimeMutex<T>>::new(value, meta.clone());
        // Zero-sized data carries no information: such a lock's data needs no opt-in.
        let lock = if std::mem::size_of::<T>() == 0 {
            lock.with_fingerprint(|_| 0)
        } else {
            lock
        };
        let waiters = <R::Monitor<Waiters> as Monitor<Waiters>>::new(Waiters::default(), meta);
        Condition {
            lock,
            waiters: waiters.with_fingerprint(Waiters::fingerprint),
        }
    }

    /// The same condition, with its data fingerprinted: lets the native engine's state caching
    /// (`Reductions::state_caching`, CLI `--state-caching`) compare this condition's data by value;
    /// without it, the data is named by the history of the threads that changed it (sound, less
    /// sharing; zero-sized data needs no fingerprint). `T`'s `Hash` must cover everything in the
    /// data that can influence the program. The waiter list is always fingerprinted.
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(0).fingerprinted();
    /// *cond.lock() += 1;
    /// assert_eq!(cond.into_inner(), 1);
    /// ```
    pub fn fingerprinted(self) -> Self
    where
        T: Hash,
    {
        Condition {
            lock: self.lock.with_fingerprint(fingerprint_of::<T>),
            waiters: self.waiters,
        }
    }

    /// Acquires the lock, blocking until it is free (`with cond:`).
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(1);
    /// *cond.lock() += 1;
    /// assert_eq!(*cond.lock(), 2);
    /// ```
    #[track_caller]
    pub fn lock(&self) -> ConditionGuard<'_, T, R> {
        self.acquire_with(Wait::Forever)
            .expect("a blocking acquire always succeeds")
    }

    /// Acquires the lock if it is free now (`cond.acquire(blocking=False)`).
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(());
    /// let held = cond.lock();
    /// assert!(cond.try_lock().is_none());
    /// drop(held);
    /// assert!(cond.try_lock().is_some());
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Option<ConditionGuard<'_, T, R>> {
        self.acquire_with(Wait::No)
    }

    /// Acquires the lock waiting at most `timeout` (`cond.acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadcheck::Condition::new(());
    /// let _held = cond.lock();
    /// assert!(cond.lock_timeout(Duration::from_millis(5)).is_none());
    /// ```
    #[track_caller]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<ConditionGuard<'_, T, R>> {
        self.acquire_with(Wait::For(timeout))
    }

    /// Acquires the lock waiting as `wait` says; `None` if not acquired.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let cond = threadcheck::Condition::new(());
    /// assert!(cond.acquire_with(Wait::No).is_some());
    /// ```
    #[track_caller]
    pub fn acquire_with(&self, wait: Wait) -> Option<ConditionGuard<'_, T, R>> {
        self.lock
            .acquire(Location::caller(), wait)
            .map(|guard| ConditionGuard {
                cond: self,
                guard: Some(guard),
            })
    }

    /// The data, without locking: `&mut self` proves no thread holds the lock.
    ///
    /// ```
    /// let mut cond = threadcheck::Condition::new(1);
    /// *cond.get_mut() = 2;
    /// assert_eq!(cond.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.lock.get_mut()
    }

    /// Consumes the condition, returning the data.
    ///
    /// ```
    /// assert_eq!(threadcheck::Condition::new('c').into_inner(), 'c');
    /// ```
    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<'a, T: Send + 'a, R: Runtime> ConditionGuard<'a, T, R> {
    /// Releases the lock, waits until notified, re-acquires the lock (`cond.wait()`).
    ///
    /// Call it in a loop that re-checks the condition, or use
    /// [`wait_for`](ConditionGuard::wait_for), which does.
    ///
    /// ```
    /// use threadcheck::{Condition, Thread};
    /// use std::sync::Arc;
    /// let cond = Arc::new(Condition::new(false));
    /// let setter = Arc::clone(&cond);
    /// let mut ready = cond.lock();
    /// Thread::spawn(move || {
    ///     let mut ready = setter.lock();
    ///     *ready = true;
    ///     ready.notify_all();
    /// });
    /// while !*ready {
    ///     ready.wait();
    /// }
    /// ```
    #[track_caller]
    pub fn wait(&mut self) {
        self.wait_with(Wait::Forever);
    }

    /// Like [`wait`](ConditionGuard::wait), giving up after `timeout`; returns `false` if it
    /// timed out (Python's `cond.wait(timeout)`). The lock is re-acquired either way.
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadcheck::Condition::new(());
    /// let mut guard = cond.lock();
    /// assert!(!guard.wait_timeout(Duration::from_millis(5))); // nobody notifies
    /// ```
    #[track_caller]
    pub fn wait_timeout(&mut self, timeout: Duration) -> bool {
        self.wait_with(Wait::For(timeout))
    }

    /// Waits as `wait` says ([`Wait::No`] releases and re-acquires the lock, giving other
    /// threads a chance, and returns whether a notification was already there: never).
    /// Returns whether it was notified.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let cond = threadcheck::Condition::new(());
    /// let mut guard = cond.lock();
    /// assert!(!guard.wait_with(Wait::No));
    /// ```
    #[track_caller]
    pub fn wait_with(&mut self, wait: Wait) -> bool {
        let site = Location::caller();
        let waiters = &self.cond.waiters;
        // 1. Register, holding the lock.
        let ticket = waiters
            .op(Op::new("wait", Access::Write), Wait::No, |w| {
                let ticket = w.next_ticket;
                w.next_ticket += 1;
                w.pending.push_back(ticket);
                Some(ticket)
            })
            .expect("registering always proceeds");
        // 2. Release the lock.
        drop(self.guard.take());
        // 3. Wait for the ticket, or withdraw it.
        let mut notified = waiters
            .op(Op::new("wake", Access::Write), wait, |w| {
                w.take_notified(ticket).then_some(())
            })
            .is_some();
        if !notified {
            notified = waiters
                .op(Op::new("time out", Access::Write), Wait::No, |w| {
                    if w.take_notified(ticket) {
                        return Some(true);
                    }
                    w.pending.retain(|&t| t != ticket);
                    Some(false)
                })
                .unwrap_or(false);
        }
        R::note(|| format!("-> {}", if notified { "notified" } else { "timed out" }));
        // 4. Re-acquire the lock.
        self.guard = Some(
            self.cond
                .lock
                .acquire(site, Wait::Forever)
                .expect("a blocking acquire always succeeds"),
        );
        notified
    }

    /// Waits until `predicate(&data)` holds, re-checking after every wake-up
    /// (`cond.wait_for(predicate)`). Returns at once if it already holds.
    ///
    /// ```
    /// use threadcheck::{Condition, Thread};
    /// use std::sync::Arc;
    /// let items = Arc::new(Condition::new(Vec::new()));
    /// let producer = Arc::clone(&items);
    /// Thread::spawn(move || {
    ///     for i in 0..3 {
    ///         let mut items = producer.lock();
    ///         items.push(i);
    ///         items.notify(1);
    ///     }
    /// });
    /// let mut items = items.lock();
    /// items.wait_for(|v| v.len() == 3);
    /// assert_eq!(*items, [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn wait_for(&mut self, mut predicate: impl FnMut(&T) -> bool) {
        while !predicate(self) {
            self.wait();
        }
    }

    /// Like [`wait_for`](ConditionGuard::wait_for), giving up once `timeout` has passed in
    /// total; returns the predicate's last value, as Python does (`false` = timed out).
    ///
    /// ```
    /// use std::time::Duration;
    /// let cond = threadcheck::Condition::new(0);
    /// let mut n = cond.lock();
    /// assert!(!n.wait_for_timeout(|n| *n > 0, Duration::from_millis(5)));
    /// *n = 1;
    /// assert!(n.wait_for_timeout(|n| *n > 0, Duration::from_millis(5)));
    /// ```
    #[track_caller]
    pub fn wait_for_timeout(
        &mut self,
        mut predicate: impl FnMut(&T) -> bool,
        timeout: Duration,
    ) -> bool {
        // Under virtual time a timed wait either proceeds or times out at once; after one
        // time-out the deadline has passed.
        let deadline = (!R::VIRTUAL_TIME).then(|| Instant::now() + timeout);
        loop {
            if predicate(self) {
                return true;
            }
            let remaining = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => timeout,
            };
            if deadline.is_some() && remaining.is_zero() {
                return false;
            }
            if !self.wait_timeout(remaining) && deadline.is_none() {
                return predicate(self);
            }
        }
    }

    /// Wakes up to `n` waiters, the longest-waiting first (`cond.notify(n)`); returns how many
    /// it woke. They run once this guard is dropped (or waits).
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(());
    /// assert_eq!(cond.lock().notify(1), 0); // nobody waiting: a no-op, as in Python
    /// ```
    #[track_caller]
    pub fn notify(&self, n: usize) -> usize {
        self.wake(Op::new("notify", Access::Write), n)
    }

    /// Wakes every waiter (`cond.notify_all()`); returns how many it woke.
    ///
    /// ```
    /// let cond = threadcheck::Condition::new(());
    /// assert_eq!(cond.lock().notify_all(), 0);
    /// ```
    #[track_caller]
    pub fn notify_all(&self) -> usize {
        self.wake(Op::new("notify_all", Access::Write), usize::MAX)
    }

    fn wake(&self, op: Op, n: usize) -> usize {
        let woken = self.cond.waiters.op(op, Wait::No, |w| {
            let k = n.min(w.pending.len());
            let Waiters {
                pending, notified, ..
            } = w;
            notified.extend(pending.drain(..k));
            Some(k)
        });
        let woken = woken.unwrap_or(0);
        R::note(|| format!("woke {woken}"));
        woken
    }
}

impl<T: Send, R: Runtime> Deref for ConditionGuard<'_, T, R> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard
            .as_deref()
            .expect("the lock is held outside wait")
    }
}

impl<T: Send, R: Runtime> DerefMut for ConditionGuard<'_, T, R> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard
            .as_deref_mut()
            .expect("the lock is held outside wait")
    }
}

impl<T: Send + Default, R: Runtime> Default for Condition<T, R> {
    fn default() -> Self {
        Condition::new(T::default())
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Condition<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condition { .. }")
    }
}

impl<T: Send + fmt::Debug, R: Runtime> fmt::Debug for ConditionGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
