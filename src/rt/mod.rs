//! The runtime abstraction every primitive is written against.
//!
//! # Design
//!
//! Every primitive in this crate is written **once**, generic over a [`Runtime`] type parameter:
//! `sync::Semaphore<R: Runtime = DefaultRuntime>`. A runtime supplies three things:
//!
//! * a [`RuntimeMutex`] (`R::Mutex<T>`), the lock behind [`Lock`](crate::sync::Lock);
//! * a [`Monitor`] (`R::Monitor<S>`): a piece of state `S` whose operations are *guarded steps*:
//!   "when `f(&mut state)` can proceed, run it atomically". Every other primitive (RLock,
//!   Semaphore, Event, Condition's waiter list, Barrier, queues, futures, thread completion) is
//!   a small state machine inside one monitor, so its operations are exactly the steps of the
//!   Python reference semantics;
//! * threads: spawn with a name and a daemon flag, yield, sleep, the current thread's identity.
//!
//! The backends are one small module each, like tokio's `src/loom/` facade:
//!
//! | type | module | what it is for |
//! |---|---|---|
//! | [`Std`] | `std_rt` | production: `parking_lot` lock, `std::sync` Mutex+Condvar monitors, OS threads |
//! | `Loom` | `loom_rt` | exhaustive checking with [loom](https://docs.rs/loom) (feature `loom` or `--cfg loom`) |
//! | `Shuttle` | `shuttle_rt` | random, PCT, DFS and replay with [shuttle](https://docs.rs/shuttle) (feature `shuttle` or `--cfg shuttle`) |
//! | `Native` | [`crate::engine`] | threadcheck's own engine: each monitor operation is **one** visible step |
//!
//! Under std, loom and shuttle a monitor *is* a Mutex + Condvar (one generic implementation,
//! [`condvar_monitor`]), so loom and shuttle verify the real blocking code. Under the native engine
//! the same operation is a single scheduling point whose enabledness is "`f` would proceed": a
//! semaphore acquire is one step instead of the dozen lock/wait/notify steps loom has to
//! interleave. Both kinds run the same primitive code, so the verdicts cross-check each other.
//!
//! # Choosing a runtime: both conventions
//!
//! * **By configuration** (a library user's tests): the root aliases ([`crate::Semaphore`],
//!   [`crate::Lock`], ...) use [`DefaultRuntime`], which is `Loom` under `RUSTFLAGS="--cfg loom"`,
//!   `Shuttle` under `RUSTFLAGS="--cfg shuttle"`, and [`Std`] otherwise. Code written against the
//!   aliases is checked by loom the usual way, with no change.
//! * **By type, at run time** (the CLI, one binary for every engine): the generic types in
//!   [`crate::sync`], [`crate::queue`], ... take the runtime as a parameter, so a model written as
//!   `fn model<R: Runtime>()` runs as `model::<Loom>()` inside `loom::model` and as
//!   `model::<Shuttle>()` inside a shuttle scheduler, in the same process.
//!
//! Generic parameters with defaults do not drive type inference in Rust (`Semaphore::new(2)`
//! would be ambiguous), hence the root aliases fix the runtime and the generic types are used with
//! an explicit `::<R>` in generic code, the way `parking_lot::Mutex` aliases `lock_api::Mutex`.
//!
//! # Time under the checking backends
//!
//! Under loom, shuttle and the native engine time is virtual. A timed wait ([`Wait::For`])
//! never blocks: at the scheduling point where it runs it either proceeds (if `f` can) or times
//! out (if it cannot). Because the waiting thread performs no visible operation while it waits,
//! "waited, was woken, proceeded" is the same observable behaviour as "was preempted, then
//! proceeded", which the checker explores anyway; and "timed out" is possible exactly at the points
//! where the condition is false, as in Python, whose timed waits re-check before giving up. So
//! both outcomes are explored without a nondeterministic choice (loom has none, and loom's own
//! `Condvar::wait_timeout` never times out).
//!
//! Sleeping is a yield. Under loom a yield is a spin hint: loom runs the other threads first,
//! which keeps polling loops (`while !done { sleep(..) }`) finite but means schedules in which the
//! sleeper overtakes a runnable thread are not explored there. The native engine treats a sleep
//! as an ordinary scheduling point and explores both.
//!
//! # Memory model
//!
//! Monitors and locks are sequentially consistent. Weak-memory effects of code that uses raw
//! atomics are loom's job: run such code with `Loom`.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

#[doc(hidden)]
pub mod checker_rt;
#[doc(hidden)]
pub mod condvar_monitor;
mod std_rt;
pub use crate::engine::Native;
pub use std_rt::Std;

#[cfg(any(loom, feature = "loom"))]
mod loom_rt;
#[cfg(any(loom, feature = "loom"))]
pub use loom_rt::Loom;
// What loom's own panics mean: used by `lin` (and the CLI, which needs `lin`).
#[cfg(all(any(loom, feature = "loom"), feature = "lin"))]
pub(crate) use loom_rt::{loom_stop, LoomStop, LOOM_MAX_SPAWNED};

#[cfg(any(shuttle, feature = "shuttle"))]
mod shuttle_rt;
#[cfg(any(shuttle, feature = "shuttle"))]
pub use shuttle_rt::Shuttle;
// Printable, replayable shuttle schedules: used by `lin` (and the CLI, which needs `lin`).
#[cfg(all(any(shuttle, feature = "shuttle"), feature = "lin"))]
pub(crate) mod shuttle_schedule;

/// The runtime the root aliases use: `Loom` under `--cfg loom`, `Shuttle` under `--cfg shuttle`,
/// [`Std`] otherwise.
#[cfg(loom)]
pub type DefaultRuntime = Loom;
/// The runtime the root aliases use: `Loom` under `--cfg loom`, `Shuttle` under `--cfg shuttle`,
/// [`Std`] otherwise.
#[cfg(all(shuttle, not(loom)))]
pub type DefaultRuntime = Shuttle;
/// The runtime the root aliases use: `Loom` under `--cfg loom`, `Shuttle` under `--cfg shuttle`,
/// [`Std`] otherwise.
#[cfg(not(any(loom, shuttle)))]
pub type DefaultRuntime = Std;

/// The payload of a panic, as `std::panic::catch_unwind` returns it.
pub type PanicPayload = Box<dyn std::any::Any + Send + 'static>;

/// The message of a panic payload when it is a string, as `panic!` makes it.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// A backend the primitives run on. See the [module documentation](self) for the design.
pub trait Runtime: Sized + Send + Sync + 'static {
    /// Short lowercase name: `"std"`, `"loom"`, `"shuttle"`, `"native"`.
    const NAME: &'static str;
    /// True when time is virtual and timed waits follow the "proceed or time out now" rule.
    const VIRTUAL_TIME: bool;

    /// The lock behind [`Lock`](crate::sync::Lock).
    type Mutex<T: Send>: RuntimeMutex<T>;
    /// A state machine with guarded, atomic operations. See [`Monitor`].
    type Monitor<S: Send>: Monitor<S>;

    /// Starts a thread running `body`. The thread is detached; completion is signalled by the
    /// primitives through a monitor. `daemon` threads are abandoned, not awaited, when the
    /// program (or a checked execution) ends.
    fn spawn(spec: ThreadSpec, body: Box<dyn FnOnce() + Send + 'static>) -> std::io::Result<()>;
    /// Offers the scheduler a chance to run another thread.
    fn yield_now();
    /// Sleeps: real time under [`Std`], a yield under the checking backends.
    fn sleep(duration: Duration);
    /// A number identifying the calling thread, unique among the threads alive in this
    /// process (or checked execution).
    fn current_id() -> u64;
    /// The per-thread slot where [`crate::thread`] keeps the calling thread's name and flags.
    fn thread_slot() -> Option<Arc<dyn std::any::Any + Send + Sync>>;
    /// Sets the calling thread's slot (done once, by the thread's own body, before user code).
    fn set_thread_slot(slot: Arc<dyn std::any::Any + Send + Sync>);
    /// Runs `f`, catching a panic so that it can be returned by `join` or a future.
    fn catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, PanicPayload> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }
    /// A thread's body panicked and the thread module caught the panic for its `join`: under
    /// the native engine the panic is a failure of the execution unless a `join` returns it to
    /// the program ([`Runtime::panic_returned`]) before the program ends. Other runtimes let
    /// the panic hook report it, as std does.
    fn thread_panicked(payload: &PanicPayload) {
        let _ = payload;
    }
    /// A `join` (of a thread or a timer) returned a caught panic to the program, which now
    /// handles it: the native engine no longer counts it as a failure.
    fn panic_returned(payload: &PanicPayload) {
        let _ = payload;
    }
    /// Runs `start`, which numbers a new thread and calls [`Runtime::spawn`], as the one step
    /// that starts the thread. Under the native engine the step is scheduled first and `start`
    /// runs when the scheduler performs it, so that the numbering (`Thread-N`, idents) follows
    /// the order of the starts the search explores, not the order in which threads reached
    /// them. Other runtimes just run `start`.
    #[track_caller]
    fn start_thread<T>(start: impl FnOnce() -> T) -> T {
        start()
    }
    /// Attaches a detail (a value read or written) to the calling thread's last step, for
    /// counterexample traces. Free under runtimes that keep no trace.
    fn note(detail: impl FnOnce() -> String) {
        let _ = detail;
    }
    /// True when the runtime itself knows which non-daemon threads are still running and
    /// implements [`Runtime::wait_for_non_daemon`]. Otherwise [`crate::thread`] counts them in a
    /// monitor, at the cost of a step when a thread starts and another when it ends.
    const TRACKS_THREADS: bool = false;
    /// Waits until every other non-daemon thread has finished. Only called when
    /// [`Runtime::TRACKS_THREADS`]; returns `false` (and does nothing) otherwise.
    fn wait_for_non_daemon() -> bool {
        false
    }
}

/// How long an operation may wait for its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Do not wait: proceed now or fail (`blocking=False`).
    No,
    /// Wait as long as it takes (`blocking=True, timeout=None`).
    Forever,
    /// Wait at most this long (`timeout=...`); see the module docs for its meaning under the
    /// checking backends.
    For(Duration),
}

impl Wait {
    /// Python's `(blocking, timeout)` pair: `timeout` is ignored when not blocking, and a
    /// negative or NaN timeout is treated as zero.
    pub fn from_python(blocking: bool, timeout: Option<f64>) -> Wait {
        match (blocking, timeout) {
            (false, _) => Wait::No,
            (true, None) => Wait::Forever,
            (true, Some(t)) => Wait::For(Duration::from_secs_f64(if t > 0.0 { t } else { 0.0 })),
        }
    }
}

/// How an operation touches its object; the native engine uses it for partial-order reduction,
/// std uses it to skip needless wake-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads the state, never changes it. Two reads commute.
    Read,
    /// May change the state. Dependent with every other operation on the object.
    Write,
    /// Changes the state, but two `Commute` operations with the same [`Op::commutes_with`] key
    /// (by default their action) reach the same state in either order and return nothing
    /// order-dependent (two `Event::set`, two `Semaphore::release`, a thread's start and another's
    /// exit on the program's thread count). Dependent with everything else.
    Commute,
}

/// How an operation takes part in a state that, once reached, holds for good (a thread's end, a
/// future's result): the native engine uses it to never try a wait for that state before it
/// can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Settle {
    /// Neither of the below.
    No,
    /// May reach the settled state (a thread's `finish`, a task's result or cancellation).
    Settles,
    /// A blocking wait that can only proceed after some `Settles` operation on the same object
    /// (`join`, `Future::result`).
    Awaits,
}

/// A description of one operation, for scheduling and for traces.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// The verb as a student reads it: `"acquire"`, `"release"`, `"put"`, `"wait"`, ...
    pub action: &'static str,
    /// How the operation touches its object.
    pub access: Access,
    /// With [`Access::Commute`]: the operations it commutes with are the `Commute` operations on
    /// the same object with the same key. [`Op::new`] uses the action.
    pub commutes_with: &'static str,
    /// Its part in a settled state, if any ([`Settle::No`] from [`Op::new`]).
    pub settle: Settle,
    /// The source line in the user's code that performed it.
    pub site: &'static Location<'static>,
}

impl Op {
    /// An operation performed at the caller's caller (use from a `#[track_caller]` method).
    #[track_caller]
    pub fn new(action: &'static str, access: Access) -> Op {
        Op {
            action,
            access,
            commutes_with: action,
            settle: Settle::No,
            site: Location::caller(),
        }
    }

    /// The same operation with its part in a settled state.
    ///
    /// ```
    /// use threadcheck::rt::{Access, Op, Settle};
    /// let finish = Op::new("finish", Access::Write).settling(Settle::Settles);
    /// assert_eq!(finish.settle, Settle::Settles);
    /// ```
    pub fn settling(self, settle: Settle) -> Op {
        Op { settle, ..self }
    }

    /// The same operation, commuting with the `Commute` operations whose key is `key` rather
    /// than with those of its own action (`start` and `exit` both count threads, and a `+1`
    /// and a `-1` reach the same count in either order).
    ///
    /// ```
    /// use threadcheck::rt::{Access, Op};
    /// let start = Op::new("start", Access::Commute).commuting_as("thread count");
    /// let exit = Op::new("exit", Access::Commute).commuting_as("thread count");
    /// assert_eq!(start.commutes_with, exit.commutes_with);
    /// ```
    pub fn commuting_as(self, key: &'static str) -> Op {
        Op {
            commutes_with: key,
            ..self
        }
    }
}

/// What a monitor or lock is, for traces: its kind and the name the user gave it.
#[derive(Clone, Debug)]
pub struct ObjectMeta {
    /// The primitive's Python-style kind: `"Lock"`, `"Semaphore"`, `"Queue"`, ...
    pub kind: &'static str,
    /// The user's name for it, if any (`Lock::named("counter_lock", 0)`).
    pub name: Option<Arc<str>>,
}

impl ObjectMeta {
    /// An unnamed object of the given kind.
    pub fn new(kind: &'static str) -> ObjectMeta {
        ObjectMeta { kind, name: None }
    }

    /// A named object of the given kind.
    pub fn named(kind: &'static str, name: &str) -> ObjectMeta {
        ObjectMeta {
            kind,
            name: Some(Arc::from(name)),
        }
    }
}

impl fmt::Display for ObjectMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} {}", self.kind, name),
            None => f.write_str(self.kind),
        }
    }
}

/// How to start a thread.
#[derive(Clone, Debug)]
pub struct ThreadSpec {
    /// The thread's name (`Thread-1`, or the user's), shared with the thread's handle.
    pub name: Arc<str>,
    /// Daemon threads are not waited for at the end of the program or execution.
    pub daemon: bool,
}

/// A piece of state whose operations are guarded atomic steps.
///
/// `op(op, wait, f)` runs `f(&mut state)` atomically. `f` returns `Some(result)` when the
/// operation can proceed (and only then may it change the state), or `None` when it must wait.
/// With [`Wait::Forever`] the call blocks until `f` proceeds; with [`Wait::No`] it returns `None`
/// at once; with [`Wait::For`] it gives up after the timeout (see the module docs for virtual
/// time). After an operation that proceeds with an access other than [`Access::Read`], every
/// waiter re-evaluates its own `f`.
///
/// Contract: `f` must not change the state when it returns `None`, and must not perform another
/// visible operation (it runs with the monitor held).
pub trait Monitor<S: Send>: Send + Sync {
    /// Creates the monitor.
    fn new(state: S, meta: ObjectMeta) -> Self;
    /// Runs one guarded step. See the trait documentation.
    fn op<T>(&self, op: Op, wait: Wait, f: impl FnMut(&mut S) -> Option<T>) -> Option<T>;
    /// Mutable access without synchronisation (the caller has `&mut self`).
    fn get_mut(&mut self) -> &mut S;
    /// The same monitor, with a function the native engine's state caching uses to compare
    /// its states ([`fingerprint_of`] for a state that is `Hash`). Other runtimes ignore it,
    /// and a monitor without one makes the states it is part of incomparable (never cached).
    ///
    /// A fingerprinted monitor's operations must also pass information to their caller only
    /// through their result (`f` writes nothing the caller reads afterwards), so that what a
    /// thread learnt from an operation is its result, or at worst the state it saw.
    fn with_fingerprint(self, fingerprint: fn(&S) -> u64) -> Self
    where
        Self: Sized,
    {
        let _ = fingerprint;
        self
    }
}

/// A fingerprint of a value for the native engine's state caching (`DefaultHasher::new`, whose
/// keys are fixed: the same value has the same fingerprint throughout a process).
///
/// ```
/// use threadcheck::rt::fingerprint_of;
/// assert_eq!(fingerprint_of(&(1, true)), fingerprint_of(&(1, true)));
/// assert_ne!(fingerprint_of(&1u32), fingerprint_of(&2u32));
/// ```
pub fn fingerprint_of<S: std::hash::Hash + ?Sized>(value: &S) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The lock behind [`Lock`](crate::sync::Lock): a mutex with guards and timed acquisition.
pub trait RuntimeMutex<T: Send>: Send + Sync {
    /// The RAII guard; dropping it releases the lock.
    type Guard<'a>: std::ops::DerefMut<Target = T>
    where
        Self: 'a,
        T: 'a;
    /// Creates the lock.
    fn new(value: T, meta: ObjectMeta) -> Self;
    /// Acquires the lock, waiting as `wait` says; `None` if it was not acquired.
    fn acquire(&self, site: &'static Location<'static>, wait: Wait) -> Option<Self::Guard<'_>>;
    /// Runs `f` inside one critical section. The native engine overrides this to recognise
    /// sections that perform no visible operation (one atomic step) and identical unit-returning
    /// sections (which commute); see `docs/engine.md`.
    fn with<U>(&self, site: &'static Location<'static>, f: impl FnOnce(&mut T) -> U) -> U {
        let mut guard = self
            .acquire(site, Wait::Forever)
            .expect("a blocking acquire always succeeds");
        f(&mut guard)
    }
    /// Mutable access without locking (the caller has `&mut self`).
    fn get_mut(&mut self) -> &mut T;
    /// Consumes the lock, returning the data.
    fn into_inner(self) -> T;
    /// The same lock, with a function the native engine's state caching uses to compare its
    /// data (see [`Monitor::with_fingerprint`]). Other runtimes ignore it.
    fn with_fingerprint(self, fingerprint: fn(&T) -> u64) -> Self
    where
        Self: Sized,
    {
        let _ = fingerprint;
        self
    }
}
