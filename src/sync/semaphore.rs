//! `Semaphore`: Python's `threading.Semaphore`, a counter of permits.
//!
//! Invariants: the count never goes below zero; `acquire` takes one permit, waiting while the
//! count is zero; `release` adds one and never fails (use
//! [`BoundedSemaphore`](super::BoundedSemaphore) to refuse releases beyond the initial value).

use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::fmt;
use std::time::Duration;

/// A counting semaphore (Python's `threading.Semaphore`).
///
/// ```
/// use threadcheck::{Semaphore, Thread};
/// use std::sync::Arc;
///
/// // The seed: at most two of five threads access the resource at a time.
/// let sem = Arc::new(Semaphore::new(2));
/// let workers: Vec<_> = (0..5)
///     .map(|_| {
///         let sem = Arc::clone(&sem);
///         Thread::spawn(move || {
///             let _permit = sem.acquire(); // `with semaphore:`
///             // ... access the shared resource ...
///         })
///     })
///     .collect();
/// for w in workers {
///     w.join().unwrap();
/// }
/// assert_eq!(sem.value(), 2);
/// ```
pub struct Semaphore<R: Runtime = DefaultRuntime> {
    value: R::Monitor<usize>,
}

/// One permit of a [`Semaphore`]; released when dropped.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a, R: Runtime = DefaultRuntime> {
    semaphore: &'a Semaphore<R>,
}

impl<R: Runtime> Semaphore<R> {
    /// A semaphore with `value` permits (`Semaphore(value)`).
    ///
    /// ```
    /// assert_eq!(threadcheck::Semaphore::new(3).value(), 3);
    /// ```
    pub fn new(value: usize) -> Self {
        Semaphore::with_meta(value, ObjectMeta::new("Semaphore"))
    }

    /// A semaphore with a name that counterexample traces show.
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::named("slots", 2);
    /// assert_eq!(sem.value(), 2);
    /// ```
    pub fn named(name: &str, value: usize) -> Self {
        Semaphore::with_meta(value, ObjectMeta::named("Semaphore", name))
    }

    /// The core shared with [`BoundedSemaphore`](super::BoundedSemaphore), which shows its own
    /// kind in traces.
    pub(super) fn with_meta(value: usize, meta: ObjectMeta) -> Self {
        // The count is the whole state: fingerprinted for the native engine's state caching.
        let value = <R::Monitor<usize> as Monitor<usize>>::new(value, meta);
        Semaphore {
            value: value.with_fingerprint(fingerprint_of::<usize>),
        }
    }

    /// Takes a permit, waiting while there is none (`semaphore.acquire()`).
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::new(1);
    /// let permit = sem.acquire();
    /// assert_eq!(sem.value(), 0);
    /// drop(permit);
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> SemaphorePermit<'_, R> {
        self.acquire_with(Wait::Forever)
            .expect("a blocking acquire always succeeds")
    }

    /// Takes a permit if one is free now (`acquire(blocking=False)`).
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    #[track_caller]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_, R>> {
        self.acquire_with(Wait::No)
    }

    /// Takes a permit, waiting at most `timeout` (`acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = threadcheck::Semaphore::new(0);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_none());
    /// ```
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_, R>> {
        self.acquire_with(Wait::For(timeout))
    }

    /// Takes a permit waiting as `wait` says; `None` if none was taken.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let sem = threadcheck::Semaphore::new(1);
    /// assert!(sem.acquire_with(Wait::No).is_some());
    /// ```
    #[track_caller]
    pub fn acquire_with(&self, wait: Wait) -> Option<SemaphorePermit<'_, R>> {
        // `then`, not `then_some`: a guard built eagerly would be dropped on failure,
        // releasing what was never acquired.
        self.take(wait).then(|| SemaphorePermit { semaphore: self })
    }

    /// The acquire step (one monitor operation): takes a permit, waiting as `wait` says.
    #[track_caller]
    pub(super) fn take(&self, wait: Wait) -> bool {
        let op = Op::new("acquire", Access::Write);
        let taken = self.value.op(op, wait, |value| {
            (*value > 0).then(|| {
                *value -= 1;
            })
        });
        taken.is_some()
    }

    /// The release step (one monitor operation): adds `n` permits unless the count would exceed
    /// `limit`, in which case it changes nothing and returns false.
    #[track_caller]
    pub(super) fn give(&self, n: usize, limit: usize, access: Access) -> bool {
        let op = Op::new("release", access);
        let added = self.value.op(op, Wait::No, |value| {
            Some(match value.checked_add(n) {
                Some(sum) if sum <= limit => {
                    *value = sum;
                    true
                }
                _ => false,
            })
        });
        let added = added.unwrap_or(false);
        if !added {
            R::note(|| format!("refused: would exceed {limit}"));
        }
        added
    }

    /// Adds one permit, waking a waiter (`semaphore.release()`). Usually done by dropping a
    /// [`SemaphorePermit`]; call it directly after [`SemaphorePermit::forget`].
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[track_caller]
    pub fn release(&self) {
        self.release_n(1);
    }

    /// Adds `n` permits (`release(n)`).
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::new(0);
    /// sem.release_n(3);
    /// assert_eq!(sem.value(), 3);
    /// ```
    #[track_caller]
    pub fn release_n(&self, n: usize) {
        // Unbounded: only a count overflowing `usize` is refused (and changes nothing).
        self.give(n, usize::MAX, Access::Commute);
    }

    /// The number of free permits now (a snapshot: it may change at once).
    ///
    /// ```
    /// assert_eq!(threadcheck::Semaphore::new(2).value(), 2);
    /// ```
    #[track_caller]
    pub fn value(&self) -> usize {
        let op = Op::new("read value of", Access::Read);
        let value = self.value.op(op, Wait::No, |value| Some(*value));
        value.expect("a read always proceeds")
    }
}

impl<R: Runtime> SemaphorePermit<'_, R> {
    /// Keeps the permit taken without releasing it on drop; release it later with
    /// [`Semaphore::release`].
    ///
    /// ```
    /// let sem = threadcheck::Semaphore::new(1);
    /// sem.acquire().forget();
    /// assert_eq!(sem.value(), 0);
    /// sem.release();
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl<R: Runtime> Drop for SemaphorePermit<'_, R> {
    fn drop(&mut self) {
        self.semaphore.release();
    }
}

impl<R: Runtime> fmt::Debug for Semaphore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Semaphore { .. }")
    }
}

impl<R: Runtime> fmt::Debug for SemaphorePermit<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphorePermit")
    }
}
