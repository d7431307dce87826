//! The handle of a started thread: join (once, for the value), wait (any number of times),
//! liveness, name.

use super::{Outcome, ThreadInfo};
use crate::error::JoinError;
use crate::rt::{Access, Monitor, ObjectMeta, Op, Runtime, Settle, Wait};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

enum State<T> {
    Running,
    Finished(Outcome<T>),
    Joined,
}

impl<T> State<T> {
    /// The fingerprint for the native engine's state caching, faithful only when `T` is
    /// zero-sized (its value carries no information): used only then.
    fn zst_fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::mem::discriminant(self).hash(&mut h);
        if let State::Finished(outcome) = self {
            super::hash_zst_outcome(outcome, &mut h);
        }
        h.finish()
    }
}

struct Shared<T: Send, R: Runtime> {
    state: R::Monitor<State<T>>,
}

/// A started thread (Python's `threading.Thread` after `start()`).
///
/// [`join`](JoinHandle::join) returns the closure's value, or [`JoinError::Panicked`] with the
/// panic, or [`JoinError::JoinSelf`] if a thread tries to join itself.
///
/// ```
/// use threadcheck::Thread;
/// let t = Thread::spawn(|| "done");
/// assert_eq!(t.join().unwrap(), "done");
/// let p = Thread::spawn(|| panic!("boom"));
/// assert_eq!(p.join().unwrap_err().panic_message(), Some("boom"));
/// ```
pub struct JoinHandle<T: Send + 'static, R: Runtime> {
    info: Arc<ThreadInfo<R>>,
    shared: Arc<Shared<T, R>>,
}

impl<T: Send + 'static, R: Runtime> JoinHandle<T, R> {
    pub(super) fn new(info: Arc<ThreadInfo<R>>) -> Self {
        let meta = ObjectMeta {
            kind: "Thread",
            name: Some(info.name.clone()),
        };
        let state = <R::Monitor<State<T>> as Monitor<State<T>>>::new(State::Running, meta);
        // A result of a type with data is not hashed (`T` need not be `Hash`): the native
        // engine's state caching cannot compare such a thread's states by their content.
        let state = if std::mem::size_of::<T>() == 0 {
            state.with_fingerprint(State::zst_fingerprint)
        } else {
            state
        };
        JoinHandle {
            info,
            shared: Arc::new(Shared { state }),
        }
    }

    /// Starts a thread with default settings.
    ///
    /// ```
    /// let t = threadcheck::Thread::spawn(|| 2 + 2);
    /// assert_eq!(t.join().unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn<F>(f: F) -> Self
    where
        F: FnOnce() -> T + Send + 'static,
    {
        super::Builder::<R>::new()
            .spawn(f)
            .expect("failed to spawn a thread")
    }

    pub(super) fn body<F>(&self, f: F) -> Box<dyn FnOnce() + Send + 'static>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let info = self.info.clone();
        let shared = self.shared.clone();
        Box::new(move || {
            R::set_thread_slot(info.clone());
            let outcome = R::catch_unwind(f);
            if let Err(payload) = &outcome {
                R::thread_panicked(payload);
            }
            let mut outcome = Some(outcome.map_err(JoinError::Panicked));
            let op = Op::new("finish", Access::Write).settling(Settle::Settles);
            shared.state.op(op, Wait::No, |state| {
                *state = State::Finished(outcome.take().expect("a thread finishes once"));
                Some(())
            });
            if !info.daemon {
                info.program.exited();
            }
        })
    }

    /// Waits for the thread to finish and returns its value (`t.join()`).
    ///
    /// ```
    /// let t = threadcheck::Thread::spawn(|| vec![1, 2, 3]);
    /// assert_eq!(t.join().unwrap().len(), 3);
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T, JoinError> {
        self.join_with(Wait::Forever)
    }

    /// Waits at most `timeout`; on [`JoinError::Timeout`] the handle is handed back so that the
    /// thread can be joined later.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut t = threadcheck::Thread::spawn(|| 1);
    /// let value = loop {
    ///     match t.join_timeout(Duration::from_millis(10)) {
    ///         Ok(v) => break v,
    ///         Err((_, again)) => t = again,
    ///     }
    /// };
    /// assert_eq!(value, 1);
    /// ```
    #[track_caller]
    pub fn join_timeout(self, timeout: Duration) -> Result<T, (JoinError, Self)> {
        match self.join_with(Wait::For(timeout)) {
            Err(JoinError::Timeout) => Err((JoinError::Timeout, self)),
            Ok(v) => Ok(v),
            Err(e) => Err((e, self)),
        }
    }

    #[track_caller]
    fn join_with(&self, wait: Wait) -> Result<T, JoinError> {
        if super::current_in::<R>().ident == self.info.ident {
            return Err(JoinError::JoinSelf);
        }
        // Proceeds only once `finish` made the state `Finished` (or a join made it `Joined`).
        let op = Op::new("join", Access::Write).settling(Settle::Awaits);
        let outcome = self.shared.state.op(op, wait, |state| match state {
            State::Running => None,
            State::Finished(_) => match std::mem::replace(state, State::Joined) {
                State::Finished(outcome) => Some(outcome),
                _ => unreachable!(),
            },
            State::Joined => Some(Err(JoinError::Cancelled)),
        });
        let outcome = outcome.unwrap_or(Err(JoinError::Timeout));
        if let Err(JoinError::Panicked(payload)) = &outcome {
            R::panic_returned(payload);
        }
        outcome
    }

    /// Whether the thread is still running (`t.is_alive()`).
    ///
    /// ```
    /// let t = threadcheck::Thread::spawn(|| ());
    /// let _ = t.is_alive(); // true or false: it may already be done
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn is_alive(&self) -> bool {
        let op = Op::new("is_alive", Access::Read);
        self.shared
            .state
            .op(op, Wait::No, |state| Some(matches!(state, State::Running)))
            .expect("a read always proceeds")
    }

    /// The thread's name.
    pub fn name(&self) -> &str {
        self.info.name()
    }

    /// The thread's name, shared (no copy); for the models.
    #[cfg(feature = "cli")]
    pub(crate) fn shared_name(&self) -> Arc<str> {
        self.info.name.clone()
    }

    /// The thread's ident within its program.
    pub fn ident(&self) -> u64 {
        self.info.ident()
    }

    /// Whether the thread is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.info.is_daemon()
    }
}

impl<T: Send + 'static, R: Runtime> fmt::Debug for JoinHandle<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("name", &self.info.name)
            .field("ident", &self.info.ident)
            .field("daemon", &self.info.daemon)
            .finish()
    }
}
