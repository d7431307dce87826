//! `BoundedSemaphore`: Python's `threading.BoundedSemaphore`, a [`Semaphore`] that refuses to be
//! released beyond its initial value.
//!
//! Invariants: `0 <= value <= bound` at every step, where `bound` is the initial value. The
//! acquire and release steps are the [`Semaphore`]'s own (one monitor operation each); a release
//! that would exceed the bound returns [`ReleaseError::TooManyReleases`] and changes nothing. A
//! [`BoundedSemaphorePermit`] releases on drop with the same bound; that release can only be
//! refused if the program also released the permit it holds explicitly (the explicit release was
//! the extra one), in which case the drop changes nothing and the trace notes it.

use super::Semaphore;
use crate::error::ReleaseError;
use crate::rt::{Access, DefaultRuntime, ObjectMeta, Runtime, Wait};
use std::fmt;
use std::time::Duration;

/// A semaphore whose value never exceeds its initial value (Python's
/// `threading.BoundedSemaphore`): releasing more than was acquired is an error.
///
/// ```
/// use threadcheck::BoundedSemaphore;
/// use threadcheck::error::ReleaseError;
///
/// let pool = BoundedSemaphore::new(2);
/// {
///     let _a = pool.acquire(); // `with pool:`
///     let _b = pool.acquire();
///     assert_eq!(pool.value(), 0);
/// } // both permits released here
/// assert_eq!(pool.value(), 2);
/// assert_eq!(pool.release(), Err(ReleaseError::TooManyReleases)); // ValueError in Python
/// assert_eq!(pool.value(), 2);
/// ```
pub struct BoundedSemaphore<R: Runtime = DefaultRuntime> {
    core: Semaphore<R>,
    bound: usize,
}

/// One permit of a [`BoundedSemaphore`]; released when dropped.
///
/// ```
/// let sem = threadcheck::BoundedSemaphore::new(1);
/// let permit = sem.acquire();
/// assert_eq!(sem.value(), 0);
/// drop(permit);
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct BoundedSemaphorePermit<'a, R: Runtime = DefaultRuntime> {
    semaphore: &'a BoundedSemaphore<R>,
}

impl<R: Runtime> BoundedSemaphore<R> {
    /// A bounded semaphore with `value` permits, which is also its bound
    /// (`BoundedSemaphore(value)`).
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::new(3);
    /// assert_eq!((sem.value(), sem.bound()), (3, 3));
    /// ```
    pub fn new(value: usize) -> Self {
        BoundedSemaphore {
            core: Semaphore::with_meta(value, ObjectMeta::new("BoundedSemaphore")),
            bound: value,
        }
    }

    /// A bounded semaphore with a name that counterexample traces show.
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::named("connections", 4);
    /// assert_eq!(sem.value(), 4);
    /// ```
    pub fn named(name: &str, value: usize) -> Self {
        BoundedSemaphore {
            core: Semaphore::with_meta(value, ObjectMeta::named("BoundedSemaphore", name)),
            bound: value,
        }
    }

    /// Takes a permit, waiting while there is none (`semaphore.acquire()`).
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::new(1);
    /// let permit = sem.acquire();
    /// assert_eq!(sem.value(), 0);
    /// drop(permit);
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> BoundedSemaphorePermit<'_, R> {
        self.acquire_with(Wait::Forever)
            .expect("a blocking acquire always succeeds")
    }

    /// Takes a permit if one is free now (`acquire(blocking=False)`).
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    #[track_caller]
    pub fn try_acquire(&self) -> Option<BoundedSemaphorePermit<'_, R>> {
        self.acquire_with(Wait::No)
    }

    /// Takes a permit, waiting at most `timeout` (`acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = threadcheck::BoundedSemaphore::new(0);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_none());
    /// ```
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<BoundedSemaphorePermit<'_, R>> {
        self.acquire_with(Wait::For(timeout))
    }

    /// Takes a permit waiting as `wait` says; `None` if none was taken.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let sem = threadcheck::BoundedSemaphore::new(1);
    /// assert!(sem.acquire_with(Wait::from_python(false, None)).is_some());
    /// ```
    #[track_caller]
    pub fn acquire_with(&self, wait: Wait) -> Option<BoundedSemaphorePermit<'_, R>> {
        // `then`, not `then_some`: a guard built eagerly would be dropped on failure,
        // releasing what was never acquired.
        self.core
            .take(wait)
            .then(|| BoundedSemaphorePermit { semaphore: self })
    }

    /// Gives back one permit (`semaphore.release()`), usually one kept with
    /// [`BoundedSemaphorePermit::forget`]. Refused with [`ReleaseError::TooManyReleases`], changing
    /// nothing, if the value would exceed the bound (Python's `ValueError`).
    ///
    /// ```
    /// use threadcheck::error::ReleaseError;
    /// let sem = threadcheck::BoundedSemaphore::new(1);
    /// sem.acquire().forget();
    /// assert_eq!(sem.release(), Ok(()));
    /// assert_eq!(sem.release(), Err(ReleaseError::TooManyReleases));
    /// ```
    #[track_caller]
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.release_n(1)
    }

    /// Gives back `n` permits at once (`release(n)`), all or none: refused with
    /// [`ReleaseError::TooManyReleases`], changing nothing, if the value would exceed the bound.
    ///
    /// ```
    /// use threadcheck::error::ReleaseError;
    /// let sem = threadcheck::BoundedSemaphore::new(2);
    /// sem.acquire().forget();
    /// assert_eq!(sem.release_n(2), Err(ReleaseError::TooManyReleases));
    /// assert_eq!(sem.value(), 1);
    /// assert_eq!(sem.release_n(1), Ok(()));
    /// ```
    #[track_caller]
    pub fn release_n(&self, n: usize) -> Result<(), ReleaseError> {
        // Not `Commute`: which of two racing releases is refused depends on their order.
        if self.core.give(n, self.bound, Access::Write) {
            Ok(())
        } else {
            Err(ReleaseError::TooManyReleases)
        }
    }

    /// The number of free permits now (a snapshot: it may change at once).
    ///
    /// ```
    /// assert_eq!(threadcheck::BoundedSemaphore::new(2).value(), 2);
    /// ```
    #[track_caller]
    pub fn value(&self) -> usize {
        self.core.value()
    }

    /// The bound: the initial value, which the value never exceeds.
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::new(2);
    /// let _p = sem.acquire();
    /// assert_eq!((sem.value(), sem.bound()), (1, 2));
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }
}

impl<R: Runtime> BoundedSemaphorePermit<'_, R> {
    /// Keeps the permit taken without releasing it on drop; give it back later with
    /// [`BoundedSemaphore::release`].
    ///
    /// ```
    /// let sem = threadcheck::BoundedSemaphore::new(1);
    /// sem.acquire().forget();
    /// assert_eq!(sem.value(), 0);
    /// sem.release().unwrap();
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl<R: Runtime> Drop for BoundedSemaphorePermit<'_, R> {
    fn drop(&mut self) {
        // Bounded, so it never breaks the invariant. Two drops reach the same state in either
        // order (`min(value + 2, bound)`) and return nothing: they commute.
        self.semaphore
            .core
            .give(1, self.semaphore.bound, Access::Commute);
    }
}

impl<R: Runtime> fmt::Debug for BoundedSemaphore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for BoundedSemaphorePermit<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphorePermit")
    }
}
