//! Errors of the primitives, named after the Python exceptions they stand for.

use crate::rt::PanicPayload;
use std::fmt;

/// A release that the primitive refuses; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseError {
    /// `BoundedSemaphore.release()` beyond its initial value (Python: `ValueError`).
    TooManyReleases,
    /// `RLock.release()` by a thread that does not own it (Python: `RuntimeError`).
    NotOwner,
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReleaseError::TooManyReleases => "semaphore released too many times",
            ReleaseError::NotOwner => "cannot release un-acquired lock",
        })
    }
}
impl std::error::Error for ReleaseError {}

/// `task_done()` called more times than there were items put (Python: `ValueError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}
impl std::error::Error for TaskDoneError {}

/// A barrier wait failed because the barrier is, or became, broken (Python:
/// `threading.BrokenBarrierError`): it was aborted, a waiter timed out, or the action panicked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken")
    }
}
impl std::error::Error for BrokenBarrier {}

/// A wait that gave up after its timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}
impl std::error::Error for Timeout {}

/// Why `join` or `Future::result` did not return the closure's value.
pub enum JoinError {
    /// The closure panicked; this is its payload.
    Panicked(PanicPayload),
    /// A thread tried to join itself (Python: `RuntimeError`), which would never return.
    JoinSelf,
    /// The timeout passed first; the thread or task is still running.
    Timeout,
    /// The task was cancelled before it started (pool futures only).
    Cancelled,
}

impl JoinError {
    /// The panic message, when the payload is a string (as `panic!` makes it).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(p) => crate::rt::panic_text(&**p),
            _ => None,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(_) => match self.panic_message() {
                Some(m) => write!(f, "Panicked({m:?})"),
                None => f.write_str("Panicked(..)"),
            },
            JoinError::JoinSelf => f.write_str("JoinSelf"),
            JoinError::Timeout => f.write_str("Timeout"),
            JoinError::Cancelled => f.write_str("Cancelled"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(_) => match self.panic_message() {
                Some(m) => write!(f, "panicked: {m}"),
                None => f.write_str("panicked"),
            },
            JoinError::JoinSelf => f.write_str("cannot join current thread"),
            JoinError::Timeout => f.write_str("timed out"),
            JoinError::Cancelled => f.write_str("cancelled"),
        }
    }
}
impl std::error::Error for JoinError {}

/// A barrier was asked for zero parties (Python: `ValueError`); a barrier needs at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroParties;

impl fmt::Display for ZeroParties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party")
    }
}
impl std::error::Error for ZeroParties {}

/// The queue or the pool was shut down (Python 3.13's `queue.ShutDown`; for a pool, the
/// `RuntimeError` "cannot schedule new futures after shutdown"). It carries back what the caller
/// handed in (the item for a `put`, the closure for a `submit`), so nothing is lost; a `get`
/// carries `()`.
///
/// ```
/// use threadcheck::{error::ShutDown, ThreadPoolExecutor};
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// pool.shutdown(true, false);
/// let refused = pool.submit(|| 42).unwrap_err();
/// let ShutDown(f) = refused; // the closure is handed back
/// assert_eq!(f(), 42);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShutDown<T = ()>(pub T);

impl<T> ShutDown<T> {
    /// What the refused call was given (the item, the closure), handed back.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.shutdown(false);
    /// assert_eq!(q.put(7).unwrap_err().into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for ShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShutDown(..)")
    }
}
impl<T> fmt::Display for ShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("shut down")
    }
}
impl<T> std::error::Error for ShutDown<T> {}

/// Why a non-blocking or timed `put` did not put its item; the item is handed back in both cases
/// (Python raises `queue.Full` or `queue.ShutDown`).
///
/// ```
/// use threadcheck::{error::PutError, Queue};
/// let q = Queue::new(1);
/// q.put_nowait('a').unwrap();
/// match q.put_nowait('b') {
///     Err(PutError::Full(item)) => assert_eq!(item, 'b'),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue stayed full (for the whole timeout, if there was one).
    Full(T),
    /// The queue is shut down.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(1);
    /// q.put(1).unwrap();
    /// assert_eq!(q.put_nowait(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full (rather than shut down).
    ///
    /// ```
    /// let q = threadcheck::Queue::new(1);
    /// q.put(1).unwrap();
    /// assert!(q.put_nowait(2).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, PutError::Full(_))
    }
}

impl<T> From<ShutDown<T>> for PutError<T> {
    fn from(e: ShutDown<T>) -> Self {
        PutError::ShutDown(e.0)
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "Full(..)",
            PutError::ShutDown(_) => "ShutDown(..)",
        })
    }
}
impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "queue is full",
            PutError::ShutDown(_) => "queue is shut down",
        })
    }
}
impl<T> std::error::Error for PutError<T> {}

/// Why a non-blocking or timed `get` returned no item (Python raises `queue.Empty` or
/// `queue.ShutDown`).
///
/// ```
/// use threadcheck::{error::GetError, Queue};
/// let q = Queue::<u8>::new(0);
/// assert_eq!(q.get_nowait(), Err(GetError::Empty));
/// q.shutdown(false);
/// assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetError {
    /// The queue stayed empty (for the whole timeout, if there was one).
    Empty,
    /// The queue is shut down and has no item left (or was shut down with `immediate`).
    ShutDown,
}

impl From<ShutDown> for GetError {
    fn from(_: ShutDown) -> Self {
        GetError::ShutDown
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetError::Empty => "queue is empty",
            GetError::ShutDown => "queue is shut down",
        })
    }
}
impl std::error::Error for GetError {}

/// A thread pool was asked for zero workers (Python: `ValueError("max_workers must be greater
/// than 0")`).
///
/// ```
/// use threadcheck::{error::ZeroWorkers, ThreadPoolExecutor};
/// assert_eq!(ThreadPoolExecutor::new(0).unwrap_err(), ZeroWorkers);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroWorkers;

impl fmt::Display for ZeroWorkers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("max_workers must be greater than 0")
    }
}
impl std::error::Error for ZeroWorkers {}
