//! `Timer`: Python's `threading.Timer`, a thread that runs a function once after an interval
//! unless cancelled first.
//!
//! Invariants: the phase goes `Waiting -> Cancelled` (by [`Timer::cancel`]) or
//! `Waiting -> Running -> Finished` (by the timer thread), and the step that leaves `Waiting` is
//! one monitor operation, so "fire" and "cancel" cannot both win: the function runs at most once,
//! and never after a `cancel` that returned `true`. Under the checking runtimes the timer thread's
//! wait is [`Wait::For`]: "fire now, or see the cancel", so both orders are explored.

use super::{Builder, JoinHandle};
use crate::error::JoinError;
use crate::rt::{
    fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, PanicPayload, Runtime, Settle,
    Wait,
};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Phase {
    Waiting,
    Cancelled,
    Running,
    Finished,
}

/// A function that runs once on its own thread after `interval`, unless cancelled first
/// (Python's `threading.Timer(interval, function)`, started).
///
/// ```
/// use threadcheck::Timer;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// // Seed 000: a delayed message.
/// let fired = Arc::new(AtomicBool::new(false));
/// let flag = Arc::clone(&fired);
/// let timer = Timer::start(Duration::from_millis(10), move || {
///     flag.store(true, Ordering::SeqCst); // print("This message is delayed!")
/// });
/// timer.join().unwrap();
/// assert!(fired.load(Ordering::SeqCst));
///
/// // A cancelled timer never runs its function.
/// let never = Timer::start(Duration::from_secs(3600), || unreachable!());
/// assert!(never.cancel());
/// never.join().unwrap();
/// ```
pub struct Timer<R: Runtime = DefaultRuntime> {
    phase: Arc<R::Monitor<Phase>>,
    thread: JoinHandle<Result<(), PanicPayload>, R>,
}

/// Configures a [`Timer`] before it starts: thread name and daemon flag.
///
/// ```
/// use threadcheck::TimerBuilder;
/// use std::time::Duration;
/// let timer = TimerBuilder::new(Duration::from_millis(1))
///     .name("reminder")
///     .daemon(true)
///     .start(|| ())
///     .unwrap();
/// assert_eq!(timer.name(), "reminder");
/// timer.join().unwrap();
/// ```
pub struct TimerBuilder<R: Runtime = DefaultRuntime> {
    interval: Duration,
    thread: Builder<R>,
    name: Option<String>,
}

impl<R: Runtime> TimerBuilder<R> {
    /// A builder for a timer firing after `interval`; its thread is non-daemon unless
    /// [`daemon`](Self::daemon) says otherwise.
    ///
    /// ```
    /// let b = threadcheck::TimerBuilder::new(std::time::Duration::ZERO);
    /// b.start(|| ()).unwrap().join().unwrap();
    /// ```
    pub fn new(interval: Duration) -> Self {
        TimerBuilder {
            interval,
            thread: Builder::new().daemon(false),
            name: None,
        }
    }

    /// Names the timer's thread (and the timer, in traces).
    ///
    /// ```
    /// let t = threadcheck::TimerBuilder::new(std::time::Duration::ZERO)
    ///     .name("tick")
    ///     .start(|| ())
    ///     .unwrap();
    /// assert_eq!(t.name(), "tick");
    /// t.join().unwrap();
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Makes the timer's thread a daemon (`timer.daemon = True`): the program does not wait for
    /// it to fire.
    ///
    /// ```
    /// let t = threadcheck::TimerBuilder::new(std::time::Duration::from_secs(60))
    ///     .daemon(true)
    ///     .start(|| ())
    ///     .unwrap();
    /// assert!(t.is_daemon());
    /// t.cancel();
    /// ```
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.thread = self.thread.daemon(daemon);
        self
    }

    /// Starts the timer (`timer.start()`). Fails only if the runtime cannot create a thread.
    ///
    /// ```
    /// let t = threadcheck::TimerBuilder::new(std::time::Duration::ZERO).start(|| ()).unwrap();
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn start<F>(self, function: F) -> std::io::Result<Timer<R>>
    where
        F: FnOnce() + Send + 'static,
    {
        let site = Location::caller();
        let meta = match &self.name {
            Some(name) => ObjectMeta::named("Timer", name),
            None => ObjectMeta::new("Timer"),
        };
        // The phase is the whole state (the function is fixed: it moves to the timer thread).
        let phase = <R::Monitor<Phase> as Monitor<Phase>>::new(Phase::Waiting, meta);
        let phase = Arc::new(phase.with_fingerprint(fingerprint_of::<Phase>));
        let thread = match self.name {
            Some(name) => self.thread.name(name),
            None => self.thread,
        };
        let interval = self.interval;
        let shared = Arc::clone(&phase);
        let thread = thread.spawn(move || run::<R>(&shared, interval, site, function))?;
        Ok(Timer { phase, thread })
    }
}

/// The timer thread: wait for the interval or a cancel, then decide "fire" in one step.
fn run<R: Runtime>(
    phase: &R::Monitor<Phase>,
    interval: Duration,
    site: &'static Location<'static>,
    function: impl FnOnce(),
) -> Result<(), PanicPayload> {
    let wait = Op {
        action: "wait for interval of",
        access: Access::Read,
        commutes_with: "wait for interval of",
        settle: Settle::No,
        site,
    };
    let cancelled = phase.op(wait, Wait::For(interval), |p| {
        (*p == Phase::Cancelled).then_some(())
    });
    if cancelled.is_some() {
        return Ok(());
    }
    let fire = Op {
        action: "fire",
        access: Access::Write,
        commutes_with: "fire",
        settle: Settle::No,
        site,
    };
    let fired = phase.op(fire, Wait::No, |p| {
        Some(if *p == Phase::Waiting {
            *p = Phase::Running;
            true
        } else {
            false
        })
    });
    if fired != Some(true) {
        R::note(|| "cancelled".to_string());
        return Ok(());
    }
    let outcome = R::catch_unwind(function);
    if let Err(payload) = &outcome {
        R::thread_panicked(payload);
    }
    let finish = Op {
        action: "finish",
        access: Access::Write,
        commutes_with: "finish",
        settle: Settle::No,
        site,
    };
    phase.op(finish, Wait::No, |p| {
        *p = Phase::Finished;
        Some(())
    });
    outcome
}

impl<R: Runtime> Timer<R> {
    /// Starts a timer that runs `function` on a new non-daemon thread after `interval`
    /// (`Timer(interval, function).start()`). Panics only if the runtime cannot create a
    /// thread, like [`std::thread::spawn`]; use [`TimerBuilder::start`] to get that error.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadcheck::Timer::start(Duration::from_millis(1), || println!("later"));
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn start<F>(interval: Duration, function: F) -> Self
    where
        F: FnOnce() + Send + 'static,
    {
        TimerBuilder::new(interval)
            .start(function)
            .expect("failed to spawn a timer thread")
    }

    /// A builder for a timer with a name or a daemon flag ([`TimerBuilder::new`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadcheck::Timer::builder(Duration::ZERO).name("t").start(|| ()).unwrap();
    /// t.join().unwrap();
    /// ```
    pub fn builder(interval: Duration) -> TimerBuilder<R> {
        TimerBuilder::new(interval)
    }

    /// Stops the timer if its function has not started yet (`timer.cancel()`). Returns `true`
    /// if the timer is now cancelled before running (the function will never run; also when it
    /// was already cancelled), `false` if the function already started or finished.
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = threadcheck::Timer::start(Duration::from_secs(3600), || ());
    /// assert!(t.cancel());
    /// assert!(t.cancel()); // still cancelled
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn cancel(&self) -> bool {
        let op = Op::new("cancel", Access::Write);
        let cancelled = self.phase.op(op, Wait::No, |p| {
            Some(match *p {
                Phase::Waiting => {
                    *p = Phase::Cancelled;
                    true
                }
                Phase::Cancelled => true,
                Phase::Running | Phase::Finished => false,
            })
        });
        let cancelled = cancelled == Some(true);
        R::note(|| {
            if cancelled {
                "cancelled before firing".to_string()
            } else {
                "too late: already fired".to_string()
            }
        });
        cancelled
    }

    /// Whether the timer is done: cancelled, or its function has returned (Python's
    /// `timer.finished.is_set()`).
    ///
    /// ```
    /// let t = threadcheck::Timer::start(std::time::Duration::from_secs(3600), || ());
    /// assert!(!t.finished());
    /// t.cancel();
    /// assert!(t.finished());
    /// ```
    #[track_caller]
    pub fn finished(&self) -> bool {
        let op = Op::new("read finished of", Access::Read);
        let done = self.phase.op(op, Wait::No, |p| {
            Some(matches!(p, Phase::Cancelled | Phase::Finished))
        });
        done == Some(true)
    }

    /// Waits for the timer thread to end (`timer.join()`): after the function ran, or at once
    /// after a cancel. Returns [`JoinError::Panicked`] if the function panicked.
    ///
    /// ```
    /// let t = threadcheck::Timer::start(std::time::Duration::ZERO, || panic!("boom"));
    /// assert_eq!(t.join().unwrap_err().panic_message(), Some("boom"));
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<(), JoinError> {
        self.thread.join()?.map_err(|payload| {
            R::panic_returned(&payload);
            JoinError::Panicked(payload)
        })
    }

    /// Whether the timer thread is still running (`timer.is_alive()`).
    ///
    /// ```
    /// let t = threadcheck::Timer::start(std::time::Duration::from_secs(3600), || ());
    /// assert!(t.is_alive());
    /// t.cancel();
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The timer thread's name.
    ///
    /// ```
    /// let t = threadcheck::Timer::start(std::time::Duration::ZERO, || ());
    /// assert!(t.name().starts_with("Thread-"));
    /// t.join().unwrap();
    /// ```
    pub fn name(&self) -> &str {
        self.thread.name()
    }

    /// Whether the timer thread is a daemon.
    ///
    /// ```
    /// let t = threadcheck::Timer::start(std::time::Duration::ZERO, || ());
    /// assert!(!t.is_daemon());
    /// t.join().unwrap();
    /// ```
    pub fn is_daemon(&self) -> bool {
        self.thread.is_daemon()
    }
}

impl<R: Runtime> fmt::Debug for Timer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("name", &self.thread.name())
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for TimerBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerBuilder")
            .field("interval", &self.interval)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
