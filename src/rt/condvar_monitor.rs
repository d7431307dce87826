//! The one Mutex + Condvar implementation of [`Monitor`](super::Monitor), instantiated for
//! `std::sync`, `loom::sync` and `shuttle::sync` (their `Mutex`/`Condvar` APIs are identical, but
//! share no trait, hence a macro).
//!
//! Invariants: the state is only touched with the mutex held; `waiters` counts the threads
//! blocked in `Condvar::wait*`, so an operation that changes the state wakes them all (each
//! re-checks its own condition) and an operation with no waiters issues no notify at all, which
//! saves a futex call under std and a branch point under loom.

/// Generates `CondvarMonitor<S>` for a module path providing `Mutex` and `Condvar`.
/// `$virtual_time` selects the "proceed or time out now" rule for timed waits.
#[macro_export]
#[doc(hidden)]
macro_rules! condvar_monitor {
    ($sync:path, $virtual_time:expr) => {
        use $sync as backend_sync;

        struct Slot<S> {
            state: S,
            waiters: usize,
        }

        /// A monitor: the state behind a mutex, waiters on a condition variable.
        pub struct CondvarMonitor<S> {
            slot: backend_sync::Mutex<Slot<S>>,
            changed: backend_sync::Condvar,
        }

        impl<S: Send> $crate::rt::Monitor<S> for CondvarMonitor<S> {
            fn new(state: S, _meta: $crate::rt::ObjectMeta) -> Self {
                CondvarMonitor {
                    slot: backend_sync::Mutex::new(Slot { state, waiters: 0 }),
                    changed: backend_sync::Condvar::new(),
                }
            }

            fn op<T>(
                &self,
                op: $crate::rt::Op,
                wait: $crate::rt::Wait,
                mut f: impl FnMut(&mut S) -> Option<T>,
            ) -> Option<T> {
                let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
                let deadline = match wait {
                    $crate::rt::Wait::For(d) if !$virtual_time => {
                        Some(std::time::Instant::now() + d)
                    }
                    _ => None,
                };
                loop {
                    if let Some(result) = f(&mut slot.state) {
                        if op.access != $crate::rt::Access::Read && slot.waiters > 0 {
                            self.changed.notify_all();
                        }
                        return Some(result);
                    }
                    match wait {
                        $crate::rt::Wait::No => return None,
                        $crate::rt::Wait::For(_) if $virtual_time => return None,
                        $crate::rt::Wait::Forever => {
                            slot.waiters += 1;
                            slot = self.changed.wait(slot).unwrap_or_else(|e| e.into_inner());
                            slot.waiters -= 1;
                        }
                        $crate::rt::Wait::For(_) => {
                            let deadline = deadline.expect("real-time deadline");
                            let now = std::time::Instant::now();
                            if now >= deadline {
                                return None;
                            }
                            slot.waiters += 1;
                            let (next, _) = self
                                .changed
                                .wait_timeout(slot, deadline - now)
                                .unwrap_or_else(|e| e.into_inner());
                            slot = next;
                            slot.waiters -= 1;
                        }
                    }
                }
            }

            fn get_mut(&mut self) -> &mut S {
                &mut self.slot.get_mut().unwrap_or_else(|e| e.into_inner()).state
            }
        }
    };
}
