//! `Future`: the handle of a task submitted to a [`ThreadPoolExecutor`](super::ThreadPoolExecutor)
//! (Python's `concurrent.futures.Future`).
//!
//! Invariants: the state goes `Pending -> Running -> Done` (by the worker) or
//! `Pending -> Cancelled` (by [`Future::cancel`] or a `shutdown(cancel_futures)`), and the step
//! that leaves `Pending` is one monitor operation, so a task either runs or is cancelled, never
//! both. `Done` holds the value or the panic until [`Future::result`] takes it (`Taken`).

use crate::error::JoinError;
use crate::rt::{Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Settle, Wait};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub(super) enum State<T> {
    Pending,
    Running,
    Done(Result<T, JoinError>),
    Cancelled,
    Taken,
}

impl<T> State<T> {
    /// The fingerprint for the native engine's state caching, faithful only when `T` is
    /// zero-sized (its value carries no information): used only then.
    fn zst_fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::mem::discriminant(self).hash(&mut h);
        if let State::Done(outcome) = self {
            crate::thread::hash_zst_outcome(outcome, &mut h);
        }
        h.finish()
    }
}

pub(super) type Shared<T, R> = Arc<<R as Runtime>::Monitor<State<T>>>;

/// The result of a task submitted with [`ThreadPoolExecutor::submit`](super::ThreadPoolExecutor::submit):
/// Python's `concurrent.futures.Future`.
///
/// [`result`](Future::result) waits for the task and returns its value, or
/// [`JoinError::Panicked`] if it panicked, or [`JoinError::Cancelled`] if it was cancelled before
/// it started.
///
/// ```
/// use threadcheck::ThreadPoolExecutor;
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let answer = pool.submit(|| 6 * 7).unwrap();
/// let failed = pool.submit(|| -> u8 { panic!("bad input") }).unwrap();
/// assert_eq!(answer.result().unwrap(), 42);
/// assert_eq!(failed.result().unwrap_err().panic_message(), Some("bad input"));
/// ```
pub struct Future<T: Send + 'static, R: Runtime = DefaultRuntime> {
    shared: Shared<T, R>,
}

impl<T: Send + 'static, R: Runtime> Future<T, R> {
    pub(super) fn pending() -> Self {
        let meta = ObjectMeta::new("Future");
        let state = <R::Monitor<State<T>> as Monitor<State<T>>>::new(State::Pending, meta);
        // A result of a type with data is not hashed (`T` need not be `Hash`): the native
        // engine's state caching cannot compare such a future's states by their content.
        let state = if std::mem::size_of::<T>() == 0 {
            state.with_fingerprint(State::zst_fingerprint)
        } else {
            state
        };
        Future {
            shared: Arc::new(state),
        }
    }

    pub(super) fn shared(&self) -> Shared<T, R> {
        Arc::clone(&self.shared)
    }

    /// Waits for the task and returns its value (`future.result()`).
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| "done").unwrap();
    /// assert_eq!(f.result().unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn result(self) -> Result<T, JoinError> {
        self.result_with(Wait::Forever)
    }

    /// Waits at most `timeout` for the task (`future.result(timeout=...)`); on
    /// [`JoinError::Timeout`] (or any other error) the future is handed back.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let mut f = pool.submit(|| 1).unwrap();
    /// let value = loop {
    ///     match f.result_timeout(Duration::from_millis(10)) {
    ///         Ok(v) => break v,
    ///         Err((_, again)) => f = again,
    ///     }
    /// };
    /// assert_eq!(value, 1);
    /// ```
    #[track_caller]
    pub fn result_timeout(self, timeout: Duration) -> Result<T, (JoinError, Self)> {
        match self.result_with(Wait::For(timeout)) {
            Ok(value) => Ok(value),
            Err(e) => Err((e, self)),
        }
    }

    #[track_caller]
    fn result_with(&self, wait: Wait) -> Result<T, JoinError> {
        // `Done` is reached by `finish`, `Cancelled` by a cancellation, `Taken` after `Done`.
        let op = Op::new("result", Access::Write).settling(Settle::Awaits);
        let outcome = self.shared.op(op, wait, |state| match state {
            State::Pending | State::Running => None,
            State::Done(_) => match std::mem::replace(state, State::Taken) {
                State::Done(outcome) => Some(outcome),
                _ => unreachable!("matched Done"),
            },
            State::Cancelled | State::Taken => Some(Err(JoinError::Cancelled)),
        });
        outcome.unwrap_or(Err(JoinError::Timeout))
    }

    /// Cancels the task if it has not started (`future.cancel()`). Returns `true` if the task is
    /// now cancelled (it will never run; also when it already was), `false` if it is running
    /// or done.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let first = pool.submit(|| ()).unwrap();
    /// let second = pool.submit(|| ()).unwrap();
    /// if second.cancel() {
    ///     assert!(second.cancelled());
    /// }
    /// first.result().unwrap();
    /// ```
    #[track_caller]
    pub fn cancel(&self) -> bool {
        let op = Op::new("cancel", Access::Write).settling(Settle::Settles);
        let cancelled = self.shared.op(op, Wait::No, |state| {
            Some(match state {
                State::Pending => {
                    *state = State::Cancelled;
                    true
                }
                State::Cancelled => true,
                State::Running | State::Done(_) | State::Taken => false,
            })
        });
        cancelled == Some(true)
    }

    /// Whether the task was cancelled (`future.cancelled()`).
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// let cancelled = f.cancel();
    /// assert_eq!(f.cancelled(), cancelled);
    /// ```
    #[track_caller]
    pub fn cancelled(&self) -> bool {
        self.read("read cancelled of", |s| matches!(s, State::Cancelled))
    }

    /// Whether the task is running now (`future.running()`): a snapshot.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// let _ = f.running(); // true or false, depending on timing
    /// f.result().unwrap();
    /// ```
    #[track_caller]
    pub fn running(&self) -> bool {
        self.read("read running of", |s| matches!(s, State::Running))
    }

    /// Whether the task finished or was cancelled (`future.done()`): a snapshot.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// pool.shutdown(true, false);
    /// assert!(f.done());
    /// ```
    #[track_caller]
    pub fn done(&self) -> bool {
        self.read("read done of", |s| {
            matches!(s, State::Done(_) | State::Cancelled | State::Taken)
        })
    }

    #[track_caller]
    fn read(&self, action: &'static str, f: impl Fn(&State<T>) -> bool) -> bool {
        let op = Op::new(action, Access::Read);
        let value = self.shared.op(op, Wait::No, |s| Some(f(s))) == Some(true);
        R::note(|| format!("-> {value}"));
        value
    }
}

/// The worker's side: `Pending -> Running`, or `false` if the task was cancelled.
pub(super) fn start<T: Send, R: Runtime>(
    shared: &Shared<T, R>,
    site: &'static Location<'static>,
) -> bool {
    let op = Op {
        action: "start task of",
        access: Access::Write,
        commutes_with: "start task of",
        settle: Settle::No,
        site,
    };
    let started = shared.op(op, Wait::No, |state| {
        Some(match state {
            State::Pending => {
                *state = State::Running;
                true
            }
            _ => false,
        })
    });
    let started = started == Some(true);
    if !started {
        R::note(|| "cancelled".to_string());
    }
    started
}

/// The worker's side: `Running -> Done`.
pub(super) fn finish<T: Send, R: Runtime>(
    shared: &Shared<T, R>,
    site: &'static Location<'static>,
    outcome: Result<T, JoinError>,
) {
    let shown = outcome.as_ref().err().map(JoinError::to_string);
    let op = Op {
        action: "finish task of",
        access: Access::Write,
        commutes_with: "finish task of",
        settle: Settle::Settles,
        site,
    };
    let mut outcome = Some(outcome);
    shared.op(op, Wait::No, |state| {
        if let Some(outcome) = outcome.take() {
            *state = State::Done(outcome);
        }
        Some(())
    });
    if let Some(shown) = shown {
        R::note(|| shown);
    }
}

/// The pool's side: `Pending -> Cancelled` for a task that will never run (shutdown with
/// `cancel_futures`, or no worker could be started).
pub(super) fn cancel_queued<T: Send, R: Runtime>(
    shared: &Shared<T, R>,
    site: &'static Location<'static>,
) {
    let op = Op {
        action: "cancel task of",
        access: Access::Write,
        commutes_with: "cancel task of",
        settle: Settle::Settles,
        site,
    };
    shared.op(op, Wait::No, |state| {
        if matches!(state, State::Pending) {
            *state = State::Cancelled;
        }
        Some(())
    });
}

impl<T: Send + 'static, R: Runtime> fmt::Debug for Future<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Future { .. }")
    }
}
