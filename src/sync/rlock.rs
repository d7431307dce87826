//! `RLock`: Python's `threading.RLock`, a lock its owner may acquire again.
//!
//! Invariants, all in one monitor: `owner` is `Some(thread)` exactly when `depth > 0`; only the
//! owner changes `depth`; `explicit <= depth` counts the acquisitions made with the explicit
//! [`RLock::acquire`] (the rest are held by [`RLockGuard`]s). So the data is reachable only
//! through guards of the owning thread, and an explicit [`RLock::release`] can only undo an
//! explicit acquisition: it can never release the hold of a live guard (which would let another
//! thread in while the guard still reads the data). A release by a thread that does not own the
//! lock, or that holds it only through guards, is refused with [`ReleaseError::NotOwner`] and
//! changes nothing (Python's `RuntimeError`).
//!
//! Guards give `&T` only, like `parking_lot::ReentrantMutex`: re-entry makes several guards of
//! one thread alias the data. Use a `Cell`/`RefCell` inside for mutation.

use crate::error::ReleaseError;
use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::time::Duration;

#[derive(Clone, Copy, Debug, Default, Hash)]
struct Hold {
    owner: Option<u64>,
    depth: usize,
    explicit: usize,
}

/// A reentrant lock owning data that its guards share (Python's `threading.RLock`).
///
/// ```
/// use threadcheck::RLock;
/// use std::cell::Cell;
///
/// let lock = RLock::new(Cell::new(0));
/// let outer = lock.lock();
/// let inner = lock.lock(); // the owner re-enters instead of deadlocking
/// inner.set(inner.get() + 1);
/// drop(inner);
/// outer.set(outer.get() + 1);
/// drop(outer);
/// assert_eq!(lock.into_inner().get(), 2);
///
/// // Python's explicit form.
/// let r = RLock::new(());
/// assert!(r.acquire(threadcheck::rt::Wait::Forever));
/// assert!(r.acquire(threadcheck::rt::Wait::Forever));
/// r.release().unwrap();
/// r.release().unwrap();
/// assert!(r.release().is_err()); // RuntimeError in Python
/// ```
pub struct RLock<T: Send = (), R: Runtime = DefaultRuntime> {
    hold: R::Monitor<Hold>,
    data: UnsafeCell<T>,
}

// SAFETY: the data is reached only through `RLockGuard`s, which exist only on the owning thread
// (they are created by its acquisition and are `!Send`); the monitor admits one owner at a time,
// and an explicit `release` cannot drop the hold of a live guard (see the invariants above). So
// at any time only one thread has references to the data, which is what `T: Send` allows, as in
// `std::sync::ReentrantLock`.
unsafe impl<T: Send, R: Runtime> Sync for RLock<T, R> {}

/// Proof that the calling thread holds an [`RLock`]; shared access to its data, released on
/// drop. Not `Send`: the lock belongs to the thread that acquired it.
///
/// ```
/// let lock = threadcheck::RLock::new(5);
/// let guard = lock.lock();
/// assert_eq!(*guard, 5);
/// assert!(lock.is_owned());
/// drop(guard);
/// assert!(!lock.is_owned());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a, T: Send = (), R: Runtime = DefaultRuntime> {
    lock: &'a RLock<T, R>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing a guard across threads only shares `&T`, which requires `T: Sync`.
unsafe impl<T: Send + Sync, R: Runtime> Sync for RLockGuard<'_, T, R> {}

impl<T: Send, R: Runtime> RLock<T, R> {
    /// A new, unlocked reentrant lock holding `value` (`RLock()`; use `()` for no data).
    ///
    /// ```
    /// let lock = threadcheck::RLock::new(vec![1, 2]);
    /// assert_eq!(lock.lock().len(), 2);
    /// ```
    pub fn new(value: T) -> Self {
        RLock::with_meta(value, ObjectMeta::new("RLock"))
    }

    /// A new reentrant lock with a name that counterexample traces show.
    ///
    /// ```
    /// let lock = threadcheck::RLock::named("tree_lock", ());
    /// let _g = lock.lock();
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        RLock::with_meta(value, ObjectMeta::named("RLock", name))
    }

    fn with_meta(value: T, meta: ObjectMeta) -> Self {
        let hold = <R::Monitor<Hold> as Monitor<Hold>>::new(Hold::default(), meta);
        // The native engine's state caching sees the monitor, not the data beside it: the hold
        // is fingerprinted only when the data is zero-sized (carries no information), so that
        // states differing only in the data (mutated through a `Cell`) are never confused.
        let hold = if std::mem::size_of::<T>() == 0 {
            hold.with_fingerprint(fingerprint_of::<Hold>)
        } else {
            hold
        };
        RLock {
            hold,
            data: UnsafeCell::new(value),
        }
    }

    /// Acquires the lock, blocking while another thread owns it; the owner re-enters at once
    /// (`with rlock:`).
    ///
    /// ```
    /// let lock = threadcheck::RLock::new(());
    /// let a = lock.lock();
    /// let b = lock.lock();
    /// drop((a, b));
    /// ```
    #[track_caller]
    pub fn lock(&self) -> RLockGuard<'_, T, R> {
        self.acquire_with(Wait::Forever)
            .expect("a blocking acquire always succeeds")
    }

    /// Acquires the lock if it is free or already ours (`acquire(blocking=False)`).
    ///
    /// ```
    /// use threadcheck::{RLock, Thread};
    /// use std::sync::Arc;
    /// let lock = Arc::new(RLock::new(()));
    /// let held = lock.lock();
    /// assert!(lock.try_lock().is_some()); // re-entry
    /// let other = Arc::clone(&lock);
    /// let got = Thread::spawn(move || other.try_lock().is_some()).join().unwrap();
    /// assert!(!got); // another thread owns it
    /// drop(held);
    /// ```
    #[track_caller]
    pub fn try_lock(&self) -> Option<RLockGuard<'_, T, R>> {
        self.acquire_with(Wait::No)
    }

    /// Acquires the lock waiting at most `timeout` (`acquire(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = threadcheck::RLock::new(());
    /// assert!(lock.lock_timeout(Duration::from_millis(5)).is_some());
    /// ```
    #[track_caller]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<RLockGuard<'_, T, R>> {
        self.acquire_with(Wait::For(timeout))
    }

    /// Acquires the lock waiting as `wait` says; `None` if not acquired.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let lock = threadcheck::RLock::new(());
    /// assert!(lock.acquire_with(Wait::No).is_some());
    /// ```
    #[track_caller]
    pub fn acquire_with(&self, wait: Wait) -> Option<RLockGuard<'_, T, R>> {
        // `then`, not `then_some`: a guard built eagerly would be dropped on failure,
        // releasing what was never acquired.
        self.enter(wait, false).then(|| RLockGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    /// Python's explicit `rlock.acquire(...)`: acquires (or re-enters) waiting as `wait` says and
    /// returns whether it did. Each successful call must be matched by one [`release`].
    /// For data access use [`lock`](RLock::lock).
    ///
    /// [`release`]: RLock::release
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let lock = threadcheck::RLock::new(());
    /// assert!(lock.acquire(Wait::from_python(true, None)));
    /// assert!(lock.is_owned());
    /// lock.release().unwrap();
    /// ```
    #[track_caller]
    pub fn acquire(&self, wait: Wait) -> bool {
        self.enter(wait, true)
    }

    /// Python's explicit `rlock.release()`: undoes one [`acquire`](RLock::acquire) by the
    /// calling thread; the lock is free again when every acquisition is undone. Refused with
    /// [`ReleaseError::NotOwner`], changing nothing, when the calling thread does not own the
    /// lock or holds it only through guards (those release on drop).
    ///
    /// ```
    /// use threadcheck::error::ReleaseError;
    /// use threadcheck::rt::Wait;
    /// let lock = threadcheck::RLock::new(());
    /// assert_eq!(lock.release(), Err(ReleaseError::NotOwner));
    /// lock.acquire(Wait::Forever);
    /// assert_eq!(lock.release(), Ok(()));
    /// ```
    #[track_caller]
    pub fn release(&self) -> Result<(), ReleaseError> {
        let me = R::current_id();
        let op = Op::new("release", Access::Write);
        let result = self.hold.op(op, Wait::No, |hold| {
            if hold.owner != Some(me) || hold.explicit == 0 {
                return Some(Err(ReleaseError::NotOwner));
            }
            hold.explicit -= 1;
            Some(Ok(leave(hold)))
        });
        let result = result.unwrap_or(Err(ReleaseError::NotOwner));
        R::note(|| match result {
            Ok(depth) => format!("depth -> {depth}"),
            Err(e) => format!("refused: {e}"),
        });
        result.map(drop)
    }

    /// Whether the calling thread owns the lock now (CPython's `RLock._is_owned()`).
    ///
    /// ```
    /// let lock = threadcheck::RLock::new(());
    /// assert!(!lock.is_owned());
    /// let _g = lock.lock();
    /// assert!(lock.is_owned());
    /// ```
    #[track_caller]
    pub fn is_owned(&self) -> bool {
        let me = R::current_id();
        let op = Op::new("is_owned", Access::Read);
        let owned = self
            .hold
            .op(op, Wait::No, |hold| Some(hold.owner == Some(me)));
        owned.unwrap_or(false)
    }

    /// The data, without locking: `&mut self` proves no thread holds the lock.
    ///
    /// ```
    /// let mut lock = threadcheck::RLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(*lock.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the lock, returning the data.
    ///
    /// ```
    /// assert_eq!(threadcheck::RLock::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }

    /// The acquire step: one monitor operation.
    #[track_caller]
    fn enter(&self, wait: Wait, explicit: bool) -> bool {
        let me = R::current_id();
        let op = Op::new("acquire", Access::Write);
        let depth = self.hold.op(op, wait, |hold| {
            if hold.owner.is_some_and(|owner| owner != me) {
                return None;
            }
            hold.owner = Some(me);
            hold.depth += 1;
            if explicit {
                hold.explicit += 1;
            }
            Some(hold.depth)
        });
        R::note(|| match depth {
            Some(depth) => format!("depth -> {depth}"),
            None => "not acquired".to_string(),
        });
        depth.is_some()
    }
}

/// Undoes one level of the owner's hold; returns the new depth.
fn leave(hold: &mut Hold) -> usize {
    hold.depth -= 1;
    if hold.depth == 0 {
        hold.owner = None;
    }
    hold.depth
}

impl<T: Send + Default, R: Runtime> Default for RLock<T, R> {
    fn default() -> Self {
        RLock::new(T::default())
    }
}

impl<T: Send, R: Runtime> fmt::Debug for RLock<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RLock { .. }")
    }
}

impl<T: Send, R: Runtime> Deref for RLockGuard<'_, T, R> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard proves the calling thread owns the lock (see `Sync for RLock`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: Send, R: Runtime> Drop for RLockGuard<'_, T, R> {
    fn drop(&mut self) {
        let op = Op::new("release", Access::Write);
        self.lock.hold.op(op, Wait::No, |hold| Some(leave(hold)));
    }
}

impl<T: Send + fmt::Debug, R: Runtime> fmt::Debug for RLockGuard<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
