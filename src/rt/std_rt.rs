//! The production backend: a `parking_lot` lock (fast, with timed acquisition), `std::sync`
//! monitors and OS threads.

use super::{ObjectMeta, PanicPayload, Runtime, RuntimeMutex, ThreadSpec, Wait};
use std::any::Any;
use std::cell::RefCell;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod monitor {
    crate::condvar_monitor!(std::sync, false, crate::engine::refuse_inside_check);
}
pub use monitor::CondvarMonitor;

/// Production runtime: OS threads, real time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Std;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static ID: u64 = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    static SLOT: RefCell<Option<Arc<dyn Any + Send + Sync>>> = const { RefCell::new(None) };
}

impl Runtime for Std {
    const NAME: &'static str = "std";
    const VIRTUAL_TIME: bool = false;
    type Mutex<T: Send> = StdMutex<T>;
    type Monitor<S: Send> = CondvarMonitor<S>;

    fn spawn(spec: ThreadSpec, body: Box<dyn FnOnce() + Send + 'static>) -> std::io::Result<()> {
        crate::engine::refuse_inside_check("a thread of the `Std` runtime");
        std::thread::Builder::new()
            .name(spec.name.to_string())
            .spawn(body)
            .map(drop)
    }

    fn yield_now() {
        std::thread::yield_now();
    }

    fn sleep(duration: Duration) {
        std::thread::sleep(duration);
    }

    fn current_id() -> u64 {
        ID.with(|id| *id)
    }

    fn thread_slot() -> Option<Arc<dyn Any + Send + Sync>> {
        SLOT.with(|slot| slot.borrow().clone())
    }

    fn set_thread_slot(slot: Arc<dyn Any + Send + Sync>) {
        SLOT.with(|s| *s.borrow_mut() = Some(slot));
    }

    fn catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, PanicPayload> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }
}

/// `parking_lot::Mutex`, which has timed acquisition and no poisoning (Python has none).
pub struct StdMutex<T>(parking_lot::Mutex<T>);

impl<T: Send> RuntimeMutex<T> for StdMutex<T> {
    type Guard<'a>
        = parking_lot::MutexGuard<'a, T>
    where
        T: 'a;

    fn new(value: T, _meta: ObjectMeta) -> Self {
        crate::engine::refuse_inside_check("a lock of the `Std` runtime");
        StdMutex(parking_lot::Mutex::new(value))
    }

    #[inline]
    fn acquire(&self, _site: &'static Location<'static>, wait: Wait) -> Option<Self::Guard<'_>> {
        match wait {
            Wait::Forever => Some(self.0.lock()),
            Wait::No => self.0.try_lock(),
            Wait::For(d) => self.0.try_lock_for(d),
        }
    }

    #[inline]
    fn with<U>(&self, _site: &'static Location<'static>, f: impl FnOnce(&mut T) -> U) -> U {
        f(&mut self.0.lock())
    }

    fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    fn into_inner(self) -> T {
        self.0.into_inner()
    }
}
