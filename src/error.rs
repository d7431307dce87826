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

/// A non-blocking or timed `put` found the queue full. The item is handed back, never lost.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}
impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is full")
    }
}
impl<T> std::error::Error for Full<T> {}

/// A non-blocking or timed `get` found the queue empty (Python: `queue.Empty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is empty")
    }
}
impl std::error::Error for Empty {}

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
            JoinError::Panicked(p) => p
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| p.downcast_ref::<String>().map(String::as_str)),
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
