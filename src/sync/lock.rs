//! `Lock`: Python's `threading.Lock` (non-reentrant) owning the data it protects.
//!
//! Invariants: the data is reachable only through a [`LockGuard`] or inside [`Lock::with`], so
//! it is touched by one thread at a time; dropping the guard releases the lock. A thread that
//! acquires a `Lock` it already holds waits forever, as in Python (use [`RLock`](super::RLock)
//! for re-entry); under the checkers that shows up as a reported deadlock.

use crate::rt::{fingerprint_of, DefaultRuntime, ObjectMeta, Runtime, RuntimeMutex, Wait};
use std::fmt;
use std::hash::Hash;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::time::Duration;

/// A mutual-exclusion lock owning the data it protects (Python's `threading.Lock`).
///
/// ```
/// use threadcheck::{Lock, Thread};
/// use std::sync::Arc;
///
/// let counter = Arc::new(Lock::new(0));
/// let threads: Vec<_> = (0..2)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         Thread::spawn(move || {
///             for _ in 0..1000 {
///                 counter.with(|c| *c += 1); // `with lock: counter += 1`
///             }
///         })
///     })
///     .collect();
/// for t in threads {
///     t.join().unwrap();
/// }
/// assert_eq!(*counter.lock(), 2000);
/// ```
pub struct Lock<T: Send, R: Runtime = DefaultRuntime> {
    inner: R::Mutex<T>,
}

/// Proof of holding a [`Lock`]; gives access to the data and releases the lock when dropped.
pub struct LockGuard<'a, T: Send + 'a, R: Runtime = DefaultRuntime> {
    inner: <R::Mutex<T> as RuntimeMutex<T>>::Guard<'a>,
}

impl<T: Send, R: Runtime> Lock<T, R> {
    /// A new, unlocked lock holding `value`.
    ///
    /// ```
    /// let lock = threadcheck::Lock::new(vec![1, 2]);
    /// lock.with(|v| v.push(3));
    /// assert_eq!(lock.into_inner(), vec![1, 2, 3]);
    /// ```
    pub fn new(value: T) -> Self {
        Lock::with_meta(value, ObjectMeta::new("Lock"))
    }

    /// A new lock with a name that counterexample traces show ("acquire Lock counter_lock").
    ///
    /// ```
    /// let lock = threadcheck::Lock::named("counter_lock", 0);
    /// *lock.lock() += 1;
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        Lock::with_meta(value, ObjectMeta::named("Lock", name))
    }

    fn with_meta(value: T, meta: ObjectMeta) -> Self {
        let inner = <R::Mutex<T> as RuntimeMutex<T>>::new(value, meta);
        // Zero-sized data (`Lock<()>`) carries no information: it needs no opt-in.
        let inner = if std::mem::size_of::<T>() == 0 {
            inner.with_fingerprint(|_| 0)
        } else {
            inner
        };
        Lock { inner }
    }

    /// The same lock, with its data fingerprinted: lets the native engine's state caching
    /// (`Reductions::state_caching`, CLI `--state-caching`) compare this lock's data by value;
    /// without it, the data is named by the history of the threads that changed it, so the states
    /// that different orders of changes reach are told apart (sound, less sharing). `T`'s `Hash`
    /// must cover everything in the data that can influence the program. A lock whose data is
    /// zero-sized (`Lock<()>`) needs no opt-in: it is fingerprinted already.
    ///
    /// ```
    /// let lock = threadcheck::Lock::new(0).fingerprinted();
    /// *lock.lock() += 1;
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn fingerprinted(self) -> Self
    where
        T: Hash,
    {
        Lock {
            inner: self.inner.with_fingerprint(fingerprint_of::<T>),
        }
    }

    /// Acquires the lock, blocking until it is free (`lock.acquire()`).
    ///
    /// ```
    /// let lock = threadcheck::Lock::new(1);
    /// let mut guard = lock.lock();
    /// *guard += 1;
    /// drop(guard); // release
    /// assert_eq!(*lock.lock(), 2);
    /// ```
    #[track_caller]
    pub fn lock(&self) -> LockGuard<'_, T, R> {
        let guard = self.inner.acquire(Location::caller(), Wait::Forever);
        LockGuard {
            inner: guard.expect("a blocking acquire always succeeds"),
        }
    }

    /// Acquires the lock if it is free now (`lock.acquire(blocking=False)`).
    ///
    /// ```
    /// let lock = threadcheck::Lock::new(());
    /// let held = lock.lock();
    /// assert!(lock.try_lock().is_none());
    /// drop(held);
    /// assert!(lock.try_lock().is_some());
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Option<LockGuard<'_, T, R>> {
        self.acquire(Wait::No)
    }

    /// Acquires the lock, waiting at most `timeout` (`lock.acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = threadcheck::Lock::new(());
    /// let _held = lock.lock();
    /// assert!(lock.lock_timeout(Duration::from_millis(10)).is_none());
    /// ```
    #[track_caller]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<LockGuard<'_, T, R>> {
        self.acquire(Wait::For(timeout))
    }

    /// Acquires the lock waiting as `wait` says; `None` if not acquired.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let lock = threadcheck::Lock::new(());
    /// assert!(lock.acquire(Wait::from_python(true, Some(0.5))).is_some());
    /// ```
    #[track_caller]
    pub fn acquire(&self, wait: Wait) -> Option<LockGuard<'_, T, R>> {
        self.inner
            .acquire(Location::caller(), wait)
            .map(|inner| LockGuard { inner })
    }

    /// Runs `f` on the data with the lock held: Python's `with lock:` block.
    ///
    /// Under the native engine a section that performs no other visible operation is a single
    /// atomic step, and identical capture-free unit sections commute (see `docs/engine.md`).
    ///
    /// ```
    /// let lock = threadcheck::Lock::new(41);
    /// let seen = lock.with(|n| { *n += 1; *n });
    /// assert_eq!(seen, 42);
    /// ```
    #[track_caller]
    pub fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        self.inner.with(Location::caller(), f)
    }

    /// The data, without locking: `&mut self` proves no other thread can hold the lock.
    ///
    /// ```
    /// let mut lock = threadcheck::Lock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Consumes the lock, returning the data.
    ///
    /// ```
    /// assert_eq!(threadcheck::Lock::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: Send + Default, R: Runtime> Default for Lock<T, R> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Lock<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lock { .. }")
    }
}

impl<T: Send, R: Runtime> Deref for LockGuard<'_, T, R> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: Send, R: Runtime> DerefMut for LockGuard<'_, T, R> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: Send + fmt::Debug, R: Runtime> fmt::Debug for LockGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
