//! `Event`: Python's `threading.Event`, a flag that threads can wait for.
//!
//! Invariants: the flag is the whole state, in one monitor; `set` and `clear` are one step each
//! and commute with themselves (two sets reach the same state in either order); `is_set` and
//! `wait` only read. A `set` wakes every waiter: each re-checks the flag in the same atomic step
//! that lets it return, so a waiter returns from [`Event::wait`] only having seen the flag set.
//! As in Python, a `set` immediately followed by a `clear` may be missed by a waiter that was not
//! scheduled in between: an event is a level, not a queue of pulses.

use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::fmt;
use std::time::Duration;

/// A flag that threads wait for (Python's `threading.Event`).
///
/// ```
/// use threadcheck::{Event, Thread};
/// use std::sync::Arc;
///
/// let ready = Arc::new(Event::new());
/// let waiter = {
///     let ready = Arc::clone(&ready);
///     Thread::spawn(move || {
///         ready.wait(); // blocks until some thread sets the flag
///         "saw it"
///     })
/// };
/// ready.set();
/// assert_eq!(waiter.join().unwrap(), "saw it");
/// assert!(ready.is_set());
/// ```
pub struct Event<R: Runtime = DefaultRuntime> {
    flag: R::Monitor<bool>,
}

impl<R: Runtime> Event<R> {
    /// A new event, not set (`Event()`).
    ///
    /// ```
    /// assert!(!threadcheck::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Event::with_meta(ObjectMeta::new("Event"))
    }

    /// A new event, not set, with a name that counterexample traces show.
    ///
    /// ```
    /// let done = threadcheck::Event::named("done");
    /// done.set();
    /// assert!(done.is_set());
    /// ```
    pub fn named(name: &str) -> Self {
        Event::with_meta(ObjectMeta::named("Event", name))
    }

    /// An unset event; the flag is the whole state, fingerprinted for the native engine's state
    /// caching.
    fn with_meta(meta: ObjectMeta) -> Self {
        let flag = <R::Monitor<bool> as Monitor<bool>>::new(false, meta);
        Event {
            flag: flag.with_fingerprint(fingerprint_of::<bool>),
        }
    }

    /// Sets the flag and wakes every waiter (`event.set()`).
    ///
    /// ```
    /// let e = threadcheck::Event::new();
    /// e.set();
    /// e.set(); // idempotent
    /// assert!(e.is_set());
    /// ```
    #[track_caller]
    pub fn set(&self) {
        let op = Op::new("set", Access::Commute);
        self.flag.op(op, Wait::No, |flag| {
            *flag = true;
            Some(())
        });
    }

    /// Clears the flag (`event.clear()`): later waits block until the next [`set`](Event::set).
    ///
    /// ```
    /// let e = threadcheck::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    #[track_caller]
    pub fn clear(&self) {
        let op = Op::new("clear", Access::Commute);
        self.flag.op(op, Wait::No, |flag| {
            *flag = false;
            Some(())
        });
    }

    /// Whether the flag is set now (`event.is_set()`; a snapshot).
    ///
    /// ```
    /// let e = threadcheck::Event::new();
    /// assert!(!e.is_set());
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[track_caller]
    pub fn is_set(&self) -> bool {
        let op = Op::new("is_set", Access::Read);
        let flag = self.flag.op(op, Wait::No, |flag| Some(*flag));
        let flag = flag.unwrap_or(false);
        R::note(|| format!("-> {flag}"));
        flag
    }

    /// Blocks until the flag is set (`event.wait()`); returns at once if it already is.
    ///
    /// ```
    /// let e = threadcheck::Event::new();
    /// e.set();
    /// e.wait();
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        self.wait_with(Wait::Forever);
    }

    /// Blocks until the flag is set or `timeout` passes; returns the flag, as Python's
    /// `event.wait(timeout)` does: `false` means it timed out.
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = threadcheck::Event::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(5)));
    /// e.set();
    /// assert!(e.wait_timeout(Duration::from_millis(5)));
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_with(Wait::For(timeout))
    }

    /// Waits for the flag as `wait` says and returns it (`wait(Wait::No)` is `is_set`).
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let e = threadcheck::Event::new();
    /// assert!(!e.wait_with(Wait::No));
    /// ```
    #[track_caller]
    pub fn wait_with(&self, wait: Wait) -> bool {
        let op = Op::new("wait", Access::Read);
        let flag = self.flag.op(op, wait, |flag| flag.then_some(())).is_some();
        R::note(|| format!("-> {flag}"));
        flag
    }
}

impl<R: Runtime> Default for Event<R> {
    fn default() -> Self {
        Event::new()
    }
}

impl<R: Runtime> fmt::Debug for Event<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Event { .. }")
    }
}
