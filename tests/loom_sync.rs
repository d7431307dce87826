//! Properties of the sync primitives proved exhaustively under loom (`rt::Loom`), each with a
//! twin that runs the same model on a deliberately broken primitive and must be caught.
//!
//! Models are tiny (loom allows 4 spawned threads and its state space grows fast with
//! Mutex + Condvar); the same models run at larger sizes under shuttle in `shuttle_sync.rs`.
//! A test that bounds preemptions says so: it is then exhaustive only up to that bound.
#![cfg(feature = "loom")]

mod sync_models;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use sync_models::*;
use threadcheck::rt::Loom;
use threadcheck::sync::{Barrier, BoundedSemaphore, Event, RLock, Semaphore, Var};

impl Spawn for Loom {
    fn go(f: impl FnOnce() + Send + 'static) -> Box<dyn FnOnce()> {
        let handle = loom::thread::spawn(f);
        Box::new(move || handle.join().expect("a model thread panicked"))
    }
}

/// Every interleaving, or every one with at most `preemptions` preemptions.
fn explore(preemptions: Option<usize>, model: impl Fn() + Send + Sync + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = preemptions;
    builder.check(model);
}

const DEADLOCK: &str = "deadlock";

/// Property: two threads incrementing a shared variable inside a `Lock` lose no update.
#[test]
fn lock_mutual_exclusion() {
    explore(None, || counter::<Loom>(2, 1, true));
}

/// Twin: the same increments without the lock (a "lock" that is two separate get/set steps):
/// loom finds the lost update.
#[test]
fn lock_twin_unlocked_counter_loses_update() {
    must_fail(&["lost update"], || {
        explore(None, || counter::<Loom>(2, 1, false))
    });
}

/// Property: a `Semaphore(1)` never admits both of two threads at once.
#[test]
fn semaphore_never_admits_more_than_n() {
    explore(None, || {
        admission::<Loom, _>(Semaphore::<Loom>::new(1), 1, 2, 1)
    });
}

/// Property: a `Semaphore(2)` never admits more than 2 of 3 threads (preemptions bounded by 3:
/// the full space takes several seconds).
#[test]
fn semaphore_2_of_3_never_admits_more_than_2() {
    explore(Some(3), || {
        admission::<Loom, _>(Semaphore::<Loom>::new(2), 2, 3, 1)
    });
}

/// Twin: a semaphore whose acquire is check-then-decrement in two unlocked steps: loom finds
/// two threads inside a one-permit section.
#[test]
fn semaphore_twin_racy_check_then_decrement_caught() {
    must_fail(&["threads inside", "below zero"], || {
        explore(None, || {
            admission::<Loom, _>(RacySemaphore(Var::<usize, Loom>::new(1)), 1, 2, 1)
        })
    });
}

/// Property: a `BoundedSemaphore(1)` with its permit taken accepts exactly one of two
/// concurrent releases; the refused one changes nothing and the value never exceeds 1.
#[test]
fn bounded_semaphore_over_release_rejected() {
    explore(None, || {
        let sem = BoundedSemaphore::<Loom>::new(1);
        sem.acquire().forget();
        over_release::<Loom, _>(sem, 1, 2);
    });
}

/// Property: the permit guard of a `BoundedSemaphore` releases within the bound, and the same
/// admission property as `Semaphore` holds.
#[test]
fn bounded_semaphore_never_admits_more_than_n() {
    explore(None, || {
        admission::<Loom, _>(BoundedSemaphore::<Loom>::new(1), 1, 2, 1);
    });
}

/// Twin: a bounded release written as check-then-increment: loom finds both releases accepted.
#[test]
fn bounded_semaphore_twin_racy_release_caught() {
    must_fail(&["releases accepted", "exceeds the bound"], || {
        explore(None, || {
            let sem = RacyBounded {
                value: Var::<usize, Loom>::new(0),
                bound: 1,
            };
            over_release::<Loom, _>(sem, 1, 2);
        })
    });
}

/// Property: `Event::set` wakes every waiter: with two waiters, none is ever stuck.
#[test]
fn event_wakes_every_waiter() {
    explore(None, || wake_all::<Loom, _>(Event::<Loom>::new(), 2));
}

/// Twin: an "event" whose set wakes one waiter (a semaphore release): loom finds the waiter
/// left blocked forever.
#[test]
fn event_twin_wake_one_leaves_a_waiter_stuck() {
    must_fail(&[DEADLOCK], || {
        explore(None, || {
            let flag = WakeOneEvent {
                flag: Var::<bool, Loom>::new(false),
                wake: Semaphore::<Loom>::new(0),
            };
            wake_all::<Loom, _>(flag, 2);
        })
    });
}

/// Property: producer/consumer over a `Condition` with `wait_for` has no lost wake-up: the
/// consumer always gets the item, whether it waits before or after the producer notifies.
#[test]
fn condition_wait_for_no_lost_wakeup() {
    explore(None, || handoff::<Loom>(1, Consumer::WaitFor));
}

/// Property: with two consumers and `notify(1)` per item, each consumer gets exactly one item
/// and none wakes to an empty buffer (preemptions bounded by 4: the full space takes minutes).
#[test]
fn condition_two_consumers_notify_one_each() {
    explore(Some(4), || handoff::<Loom>(2, Consumer::WaitFor));
}

/// Twin: the consumer checks, releases the lock, then locks again and waits on the stale
/// answer: loom finds the lost wake-up (the consumer waits forever).
#[test]
fn condition_twin_check_outside_lock_loses_wakeup() {
    must_fail(&[DEADLOCK], || {
        explore(None, || handoff::<Loom>(1, Consumer::CheckThenLock))
    });
}

/// Twin: two consumers guard `wait()` with `if` instead of a loop: loom finds a consumer that
/// wakes after the other took the item.
#[test]
fn condition_twin_if_instead_of_while_caught() {
    must_fail(&["empty buffer"], || {
        explore(None, || handoff::<Loom>(2, Consumer::IfNotWhile))
    });
}

/// Property: `wait_for_timeout` returns the predicate's value at return, in both outcomes of
/// the timed wait (notified, timed out).
#[test]
fn condition_wait_for_timeout_returns_predicate() {
    explore(None, timed_handoff::<Loom>);
}

/// Property: a `Barrier(2)` with an action releases both parties together, after the action
/// ran once, with indices {0, 1}, for two generations in a row (reuse).
#[test]
fn barrier_releases_all_together_with_distinct_indices() {
    explore(None, || {
        let actions = Arc::new(AtomicUsize::new(0));
        let counter = actions.clone();
        let barrier = Barrier::<Loom>::with_action(2, move || {
            counter.fetch_add(1, SeqCst);
        })
        .expect("2 parties");
        rendezvous::<Loom, _>(barrier, 2, 2, Some(actions));
    });
}

/// Property: a `Barrier(3)` without action releases its 3 parties together with indices
/// {0, 1, 2}.
#[test]
fn barrier_three_parties() {
    explore(None, || {
        let barrier = Barrier::<Loom>::new(3).expect("3 parties");
        rendezvous::<Loom, _>(barrier, 3, 1, None);
    });
}

/// Twin: a barrier counting arrivals with an unlocked read-then-write: loom finds both
/// parties reading 0 (duplicate indices), so nobody opens it.
#[test]
fn barrier_twin_racy_count_caught() {
    must_fail(&[DEADLOCK, "indices of generation"], || {
        explore(None, || {
            let barrier = RacyBarrier {
                count: Var::<usize, Loom>::new(0),
                parties: 2,
                open: Event::<Loom>::new(),
            };
            rendezvous::<Loom, _>(barrier, 2, 1, None);
        })
    });
}

/// Property: an `RLock` is re-entered by its owner without deadlock, a release by a thread
/// that does not own it is refused (`NotOwner`) and changes nothing, and the two threads are
/// never inside together.
#[test]
fn rlock_reentrancy_and_non_owner_release_error() {
    explore(None, || reentry::<Loom, _>(RLock::<(), Loom>::new(())));
}

/// Property: the guard form re-enters, and an explicit release cannot drop a guard's hold.
#[test]
fn rlock_guard_reentry() {
    explore(None, guard_reentry::<Loom>);
}

/// Twin: an RLock whose release does not check the owner: loom finds the non-owner's release
/// accepted, or both threads inside.
#[test]
fn rlock_twin_unchecked_release_caught() {
    must_fail(&["non-owner released", "two threads inside"], || {
        explore(None, || {
            reentry::<Loom, _>(UncheckedRLock::<Loom>::default())
        })
    });
}

/// Twin: re-entering a plain (non-reentrant) `Lock` deadlocks, as in Python; loom reports it.
#[test]
fn rlock_twin_plain_lock_reentry_deadlocks() {
    must_fail(&[DEADLOCK], || {
        explore(None, || {
            let lock = threadcheck::sync::Lock::<(), Loom>::new(());
            let _outer = lock.lock();
            let _inner = lock.lock();
        })
    });
}

/// Property: a timed-out party breaks the barrier for both parties (or both pass): never a
/// split generation, nobody left waiting; `reset` repairs it.
#[test]
fn barrier_timeout_breaks_for_all() {
    explore(None, || barrier_break::<Loom>(Break::Timeout));
}

/// Property: `abort` wakes the waiting party with `BrokenBarrier` in every interleaving.
#[test]
fn barrier_abort_wakes_waiter() {
    explore(None, || barrier_break::<Loom>(Break::Abort));
}

/// Property: a panicking action breaks the barrier: its runner gets the panic, the other party
/// `BrokenBarrier`.
#[test]
fn barrier_action_panic_breaks() {
    explore(None, || barrier_break::<Loom>(Break::ActionPanics));
}
