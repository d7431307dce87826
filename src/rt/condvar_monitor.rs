//! The one Mutex + Condvar implementation of [`Monitor`](super::Monitor), instantiated for
//! `std::sync`, `loom::sync` and `shuttle::sync` (their `Mutex`/`Condvar` APIs are identical, but
//! share no trait, hence a macro).
//!
//! Invariants: the state is only touched with the mutex held; `waiters` counts the threads
//! blocked in `Condvar::wait*`, so an operation that changes the state wakes them all (each
//! re-checks its own condition) and an operation with no waiters issues no notify at all, which
//! saves a futex call under std and a branch point under loom.
//!
//! Under real time only (std), a thread whose condition is false first spins briefly before
//! sleeping on the condvar: `changes` counts the operations that proceeded with an access other
//! than `Read` (written with the mutex held, read without it); the waiter spins, then yields,
//! while that count is unchanged, and re-takes the mutex to re-check its condition as soon as it
//! moves, the way `crossbeam`'s backoff does. A spinning thread is not counted in `waiters`, so
//! a producer handing items to a spinning consumer makes no futex call at all; only a waiter
//! that still cannot proceed after the spin sleeps (and is woken as before). Re-checking without
//! a notification is what a spurious wake-up does, so the semantics are unchanged; under loom
//! and shuttle (virtual time) the spin phase is compiled out, so the checked code and its
//! branch points are exactly the Mutex + Condvar protocol above.

/// Generates `CondvarMonitor<S>` for a module path providing `Mutex` and `Condvar`.
/// `$virtual_time` selects the "proceed or time out now" rule for timed waits.
#[macro_export]
#[doc(hidden)]
macro_rules! condvar_monitor {
    ($sync:path, $virtual_time:expr) => {
        $crate::condvar_monitor!($sync, $virtual_time, |_what: &str| {});
    };
    // `$refuse` is called with a description when a monitor is created: the std instance
    // refuses to be created inside a native check.
    ($sync:path, $virtual_time:expr, $refuse:expr) => {
        use $sync as backend_sync;

        /// Spin rounds before sleeping: `1 << round` spin hints for the first `SPIN_ROUNDS`
        /// rounds, then a `yield_now` per round up to `YIELD_ROUNDS` (crossbeam's backoff).
        const SPIN_ROUNDS: u32 = 6;
        const YIELD_ROUNDS: u32 = 10;

        struct Slot<S> {
            state: S,
            waiters: usize,
        }

        /// A monitor: the state behind a mutex, waiters on a condition variable.
        pub struct CondvarMonitor<S> {
            slot: backend_sync::Mutex<Slot<S>>,
            changed: backend_sync::Condvar,
            /// Number of state-changing operations (std only; see the module docs).
            changes: std::sync::atomic::AtomicU64,
        }

        impl<S> CondvarMonitor<S> {
            /// Spins, then yields, until `changes` moves from `seen` or the rounds run out;
            /// true if it moved (the caller re-checks its condition instead of sleeping).
            fn spin_until_changed(&self, seen: u64) -> bool {
                use std::sync::atomic::Ordering::Relaxed;
                for round in 0..=YIELD_ROUNDS {
                    if round <= SPIN_ROUNDS {
                        for _ in 0..(1u32 << round) {
                            std::hint::spin_loop();
                        }
                    } else {
                        std::thread::yield_now();
                    }
                    if self.changes.load(Relaxed) != seen {
                        return true;
                    }
                }
                false
            }
        }

        impl<S: Send> $crate::rt::Monitor<S> for CondvarMonitor<S> {
            fn new(state: S, _meta: $crate::rt::ObjectMeta) -> Self {
                ($refuse)("a primitive of the `Std` runtime");
                CondvarMonitor {
                    slot: backend_sync::Mutex::new(Slot { state, waiters: 0 }),
                    changed: backend_sync::Condvar::new(),
                    changes: std::sync::atomic::AtomicU64::new(0),
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
                // Real time only: spin once per call before the first sleep.
                let mut may_spin = !$virtual_time;
                loop {
                    if let Some(result) = f(&mut slot.state) {
                        if op.access != $crate::rt::Access::Read {
                            if !$virtual_time {
                                // Serialised by the mutex: a plain load + store, no RMW.
                                use std::sync::atomic::Ordering::Relaxed;
                                self.changes
                                    .store(self.changes.load(Relaxed).wrapping_add(1), Relaxed);
                            }
                            if slot.waiters > 0 {
                                self.changed.notify_all();
                            }
                        }
                        return Some(result);
                    }
                    match wait {
                        $crate::rt::Wait::No => return None,
                        $crate::rt::Wait::For(_) if $virtual_time => return None,
                        _ if may_spin => {
                            may_spin = false;
                            if let Some(deadline) = deadline {
                                if std::time::Instant::now() >= deadline {
                                    return None;
                                }
                            }
                            let seen = self.changes.load(std::sync::atomic::Ordering::Relaxed);
                            drop(slot);
                            self.spin_until_changed(seen);
                            slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
                        }
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
