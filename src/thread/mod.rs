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
use crate::rt::{
    fingerprint_of, panic_text, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime,
    ThreadSpec, Wait,
};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The threads of one program: numbering and the count of live non-daemon threads (kept here
/// unless the runtime tracks threads itself, [`Runtime::TRACKS_THREADS`]).
pub struct Program<R: Runtime> {
    next_number: AtomicU64,
    live_non_daemon: Option<R::Monitor<usize>>,
}

/// The commuting key of the `start` and `exit` steps on the program's count of live non-daemon
/// threads: increments and decrements reach the same count in either order.
const THREAD_COUNT: &str = "count live threads";

impl<R: Runtime> Program<R> {
    fn new() -> Program<R> {
        Program {
            next_number: AtomicU64::new(1),
            live_non_daemon: (!R::TRACKS_THREADS).then(|| {
                let live = <R::Monitor<usize> as Monitor<usize>>::new(
                    0,
                    ObjectMeta::named("Program", "threads"),
                );
                live.with_fingerprint(fingerprint_of::<usize>)
            }),
        }
    }

    /// Counts a non-daemon thread in (`delta` 1, before it starts) or out (-1, when it ends).
    fn count(&self, action: &'static str, delta: isize) {
        if let Some(live) = &self.live_non_daemon {
            let op = Op::new(action, Access::Commute).commuting_as(THREAD_COUNT);
            live.op(op, Wait::No, |live| {
                *live = live.wrapping_add_signed(delta);
                Some(())
            });
        }
    }

    /// A non-daemon thread is about to start.
    fn started(&self) {
        self.count("start", 1);
    }

    /// A non-daemon thread has ended.
    pub(super) fn exited(&self) {
        self.count("exit", -1);
    }
}

/// Who a thread is: its name, ident and daemon flag (Python's `Thread` attributes).
pub struct ThreadInfo<R: Runtime> {
    name: Arc<str>,
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
        name: Arc::from("MainThread"),
        ident: 0,
        daemon: false,
        program: Arc::new(Program::new()),
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
    match &program.live_non_daemon {
        Some(live) => {
            let op = Op::new("wait for non-daemon threads", Access::Read);
            live.op(op, Wait::Forever, |live| (*live == 0).then_some(()));
        }
        None => {
            let waited = R::wait_for_non_daemon();
            debug_assert!(waited, "a runtime that tracks threads waits for them");
        }
    }
}

/// `Thread-N`, formatted on the stack: a thread start allocates its name once (and the
/// formatting machinery costs more than a step of the checker).
fn default_name(number: u64) -> Arc<str> {
    const PREFIX: &[u8] = b"Thread-";
    let mut buf = [0u8; PREFIX.len() + 20];
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 20];
    let mut n = number;
    let mut count = 0;
    loop {
        digits[count] = b'0' + (n % 10) as u8;
        count += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (i, &d) in digits[..count].iter().rev().enumerate() {
        buf[PREFIX.len() + i] = d;
    }
    let name = std::str::from_utf8(&buf[..PREFIX.len() + count]).expect("ASCII digits");
    Arc::from(name)
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
        let daemon = self.daemon.unwrap_or(parent.daemon);
        // The number is taken inside the start step: which of two threads starting children
        // gets `Thread-3` is decided by the order of their starts, which the checker explores.
        R::start_thread(move || {
            let number = program.next_number.fetch_add(1, Ordering::Relaxed);
            let info = Arc::new(ThreadInfo {
                name: match self.name {
                    Some(name) => name.into(),
                    None => default_name(number),
                },
                ident: number,
                daemon,
                program,
            });
            let handle = JoinHandle::<T, R>::new(info.clone());
            if !info.daemon {
                info.program.started();
            }
            let spec = ThreadSpec {
                name: info.name.clone(),
                daemon: info.daemon,
            };
            let body = handle.body(f);
            if let Err(e) = R::spawn(spec, body) {
                if !info.daemon {
                    info.program.exited();
                }
                return Err(e);
            }
            Ok(handle)
        })
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

/// Feeds an outcome whose value type is zero-sized (so the value carries no information) to a
/// hasher, for the fingerprints of thread and future states: which variant, and for a panic its
/// message and the payload's type.
pub(crate) fn hash_zst_outcome<T, H: Hasher>(outcome: &Outcome<T>, h: &mut H) {
    debug_assert_eq!(
        std::mem::size_of::<T>(),
        0,
        "only a zero-sized value is hashed away"
    );
    match outcome {
        Ok(_) => 0u8.hash(h),
        Err(e) => {
            1u8.hash(h);
            std::mem::discriminant(e).hash(h);
            if let JoinError::Panicked(payload) = e {
                // A message is compared by its text; another payload (`panic_any`) only by its
                // type (see docs/engine.md, "State caching").
                panic_text(&**payload).hash(h);
                (**payload).type_id().hash(h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_name;

    #[test]
    fn default_names_count_in_decimal() {
        for n in [0, 1, 9, 10, 42, 1000, u64::MAX] {
            assert_eq!(&*default_name(n), format!("Thread-{n}"));
        }
    }
}
