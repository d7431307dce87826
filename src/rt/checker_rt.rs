//! The shape shared by the two external checking backends, loom and shuttle: their `sync`,
//! `thread` and `thread_local!` mirror std's, so one macro instantiates both runtimes.
//!
//! Timed waits follow the virtual-time rule of the [module docs](super): proceed now or time out
//! now. A timed lock acquisition is therefore a `try_lock`.

/// Generates a checking runtime named `$name` on crate `$krate`.
#[macro_export]
#[doc(hidden)]
macro_rules! checker_runtime {
    ($krate:ident, $name:ident, $label:literal, $doc:literal) => {
        $crate::checker_runtime!($krate, $name, $label, $doc, internal = []);
    };
    // `internal`: message prefixes of the checker's own panics (a deadlock it detected, one of
    // its limits). `catch_unwind` lets them through: caught by a thread's `join` or an
    // operation's wrapper, the thread would go on in an execution the checker already gave up,
    // and the run would end in a later, unrelated panic instead of this one.
    (
        $krate:ident, $name:ident, $label:literal, $doc:literal,
        internal = [$($internal:literal),*]
    ) => {
        use std::any::Any;
        use std::cell::RefCell;
        use std::panic::Location;
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        use std::time::Duration;
        use $crate::rt::{ObjectMeta, Runtime, RuntimeMutex, ThreadSpec, Wait};

        mod monitor {
            $crate::condvar_monitor!($krate::sync, true);
        }
        pub use monitor::CondvarMonitor;

        #[doc = $doc]
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        // Ids only need to be distinct among the threads of one execution; a plain atomic is
        // enough and adds no branch points.
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);

        $krate::thread_local! {
            static ID: u64 = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            static SLOT: RefCell<Option<Arc<dyn Any + Send + Sync>>> = RefCell::new(None);
        }

        impl Runtime for $name {
            const NAME: &'static str = $label;
            const VIRTUAL_TIME: bool = true;
            type Mutex<T: Send> = CheckedMutex<T>;
            type Monitor<S: Send> = CondvarMonitor<S>;

            fn spawn(
                spec: ThreadSpec,
                body: Box<dyn FnOnce() + Send + 'static>,
            ) -> std::io::Result<()> {
                $krate::thread::Builder::new()
                    .name(spec.name.to_string())
                    .spawn(body)
                    .map(drop)
            }

            fn yield_now() {
                $krate::thread::yield_now();
            }

            fn sleep(_duration: Duration) {
                $krate::thread::yield_now();
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

            fn catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, $crate::rt::PanicPayload> {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
                if let Err(payload) = &outcome {
                    let message = $crate::rt::panic_text(&**payload).unwrap_or("");
                    let internal: &[&str] = &[$($internal),*];
                    if internal.iter().any(|prefix| message.starts_with(prefix)) {
                        if let Err(payload) = outcome {
                            std::panic::resume_unwind(payload);
                        }
                    }
                }
                outcome
            }
        }

        #[doc = concat!("The ", $label, " mutex behind `Lock` (no poisoning, as in Python).")]
        pub struct CheckedMutex<T>($krate::sync::Mutex<T>);

        impl<T: Send> RuntimeMutex<T> for CheckedMutex<T> {
            type Guard<'a>
                = $krate::sync::MutexGuard<'a, T>
            where
                T: 'a;

            fn new(value: T, _meta: ObjectMeta) -> Self {
                CheckedMutex($krate::sync::Mutex::new(value))
            }

            fn acquire(
                &self,
                _site: &'static Location<'static>,
                wait: Wait,
            ) -> Option<Self::Guard<'_>> {
                match wait {
                    Wait::Forever => Some(self.0.lock().unwrap_or_else(|e| e.into_inner())),
                    Wait::No | Wait::For(_) => match self.0.try_lock() {
                        Ok(guard) => Some(guard),
                        Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
                        Err(std::sync::TryLockError::WouldBlock) => None,
                    },
                }
            }

            fn get_mut(&mut self) -> &mut T {
                self.0.get_mut().unwrap_or_else(|e| e.into_inner())
            }

            fn into_inner(self) -> T {
                self.0.into_inner().unwrap_or_else(|e| e.into_inner())
            }
        }
    };
}
