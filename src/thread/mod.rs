//! `Thread`: Python's `threading.Thread`, with a name, a daemon flag and a join that returns the
//! closure's value or its panic.
//!
//! Invariants: every thread started here has a [`ThreadInfo`] in its runtime's thread slot
//! before user code runs; the result slot goes from running to finished exactly once; joining
//! the current thread is refused with [`JoinError::JoinSelf`] instead of waiting forever.
//! Threads started by one program (one `main`, or one checked execution) share a
//! [`Program`], which numbers them `Thread-1`, `Thread-2`, ... as Python does and counts the
//! live non-daemon threads so that [`wait_for_non_daemon`] can wait for them at exit.

mod handle;
mod timer;

pub use handle::JoinHandle;
pub use timer::{Timer, TimerBuilder};

use crate::error::JoinError;
use crate::rt::{Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, ThreadSpec, Wait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The threads of one program: numbering and the count of live non-daemon threads.
pub struct Program<R: Runtime> {
    next_number: AtomicU64,
    live_non_daemon: R::Monitor<usize>,
}

/// Who a thread is: its name, ident and daemon flag (Python's `Thread` attributes).
pub struct ThreadInfo<R: Runtime> {
    name: String,
    ident: u64,
    daemon: bool,
    program: Arc<Program<R>>,
}

impl<R: Runtime> ThreadInfo<R> {
    /// The thread's name (`MainThread`, `Thread-1`, or the name given to the [`Builder`]).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// A number identifying the thread within its program (0 for the main thread).
    pub fn ident(&self) -> u64 {
        self.ident
    }
    /// Whether the thread is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }
}

/// The calling thread's info; for a thread not started by threadcheck (the main thread) a
/// `MainThread` record is created on first use.
///
/// ```
/// let me = threadcheck::thread::current();
/// assert_eq!(me.name(), "MainThread");
/// let child = threadcheck::Thread::spawn(|| threadcheck::thread::current().name().to_string());
/// assert!(child.join().unwrap().starts_with("Thread-"));
/// ```
pub fn current() -> Arc<ThreadInfo<DefaultRuntime>> {
    current_in::<DefaultRuntime>()
}

/// [`current`] for an explicit runtime.
pub fn current_in<R: Runtime>() -> Arc<ThreadInfo<R>> {
    if let Some(slot) = R::thread_slot() {
        if let Ok(info) = slot.downcast::<ThreadInfo<R>>() {
            return info;
        }
    }
    let info = Arc::new(ThreadInfo {
        name: "MainThread".to_string(),
        ident: 0,
        daemon: false,
        program: Arc::new(Program {
            next_number: AtomicU64::new(1),
            live_non_daemon: Monitor::new(0, ObjectMeta::named("Program", "threads")),
        }),
    });
    R::set_thread_slot(info.clone());
    info
}

/// Waits until every non-daemon thread of this program has finished: what Python does when the
/// main thread ends. Daemon threads are not waited for.
///
/// ```
/// threadcheck::Thread::spawn(|| ());
/// threadcheck::thread::wait_for_non_daemon();
/// ```
#[track_caller]
pub fn wait_for_non_daemon() {
    wait_for_non_daemon_in::<DefaultRuntime>();
}

/// [`wait_for_non_daemon`] for an explicit runtime.
#[track_caller]
pub fn wait_for_non_daemon_in<R: Runtime>() {
    let program = current_in::<R>().program.clone();
    let op = Op::new("wait for non-daemon threads", Access::Read);
    program
        .live_non_daemon
        .op(op, Wait::Forever, |live| (*live == 0).then_some(()));
}

/// Configures a thread before it starts (name, daemon flag), like Python's `Thread(...)`
/// constructor arguments.
///
/// ```
/// use threadcheck::ThreadBuilder;
/// let t = ThreadBuilder::new().name("worker").daemon(false).spawn(|| 6 * 7).unwrap();
/// assert_eq!(t.name(), "worker");
/// assert_eq!(t.join().unwrap(), 42);
/// ```
pub struct Builder<R: Runtime = DefaultRuntime> {
    name: Option<String>,
    daemon: Option<bool>,
    _runtime: std::marker::PhantomData<R>,
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Builder {
            name: None,
            daemon: None,
            _runtime: std::marker::PhantomData,
        }
    }
}

impl<R: Runtime> Builder<R> {
    /// A builder with Python's defaults: name `Thread-N`, daemon flag inherited from the creator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the thread's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Marks the thread as a daemon (`t.daemon = True`): it does not keep the program alive.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Starts the thread (`t.start()`). Fails only if the runtime cannot create a thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T, R>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let parent = current_in::<R>();
        let program = parent.program.clone();
        let number = program.next_number.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(ThreadInfo {
            name: self.name.unwrap_or_else(|| format!("Thread-{number}")),
            ident: number,
            daemon: self.daemon.unwrap_or(parent.daemon),
            program,
        });
        let handle = JoinHandle::<T, R>::new(info.clone());
        if !info.daemon {
            let op = Op::new("start", Access::Commute).commuting_as(handle::THREAD_COUNT);
            info.program.live_non_daemon.op(op, Wait::No, |live| {
                *live += 1;
                Some(())
            });
        }
        let spec = ThreadSpec {
            name: info.name.clone(),
            daemon: info.daemon,
        };
        let body = handle.body(f);
        if let Err(e) = R::spawn(spec, body) {
            if !info.daemon {
                handle::finish_non_daemon(&info);
            }
            return Err(e);
        }
        Ok(handle)
    }
}

/// Python's `threading.Thread` for the default runtime; see [`JoinHandle`].
pub type Thread<T = ()> = JoinHandle<T, DefaultRuntime>;

/// Starts a thread with default settings (`Thread(target=f).start()`).
///
/// ```
/// let t = threadcheck::thread::spawn(|| 1 + 1);
/// assert_eq!(t.join().unwrap(), 2);
/// ```
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T, DefaultRuntime>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    JoinHandle::spawn(f)
}

/// The result of a finished thread, as stored for its joiners.
pub(crate) type Outcome<T> = Result<T, JoinError>;
