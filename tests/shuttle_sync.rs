//! The properties of `loom_sync.rs` at larger sizes (more threads, more operations), under
//! shuttle's random and PCT schedulers (`rt::Shuttle`), plus the broken-semaphore twin caught by
//! both schedulers. Random testing proves nothing, but finds shallow bugs in big models fast;
//! each test is sized to run in a second or two.
#![cfg(feature = "shuttle")]

mod sync_models;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use sync_models::*;
use threadcheck::rt::Shuttle;
use threadcheck::sync::{Barrier, BoundedSemaphore, Event, RLock, Semaphore, Var};

impl Spawn for Shuttle {
    fn go(f: impl FnOnce() + Send + 'static) -> Box<dyn FnOnce()> {
        let handle = shuttle::thread::spawn(f);
        Box::new(move || handle.join().expect("a model thread panicked"))
    }
}

/// Runs `model` under the random scheduler and under PCT (bug depth 3).
fn check_both(iterations: usize, model: impl Fn() + Send + Sync + Clone + 'static) {
    shuttle::check_random(model.clone(), iterations);
    shuttle::check_pct(model, iterations, 3);
}

/// Property: 4 threads × 3 locked increments lose no update.
#[test]
fn lock_mutual_exclusion() {
    check_both(1000, || counter::<Shuttle>(4, 3, true));
}

/// Twin: the same increments without the lock: both schedulers find a lost update.
#[test]
fn lock_twin_unlocked_counter_loses_update() {
    must_fail(&["lost update"], || {
        shuttle::check_random(|| counter::<Shuttle>(4, 3, false), 300)
    });
    must_fail(&["lost update"], || {
        shuttle::check_pct(|| counter::<Shuttle>(4, 3, false), 300, 3)
    });
}

/// Property: `Semaphore(2)` never admits more than 2 of 5 threads, over 3 rounds each.
#[test]
fn semaphore_never_admits_more_than_n() {
    check_both(1000, || {
        admission::<Shuttle, _>(Semaphore::<Shuttle>::new(2), 2, 5, 3)
    });
}

/// Property: the same for `BoundedSemaphore(2)`, whose releases are bounded.
#[test]
fn bounded_semaphore_never_admits_more_than_n() {
    check_both(1000, || {
        admission::<Shuttle, _>(BoundedSemaphore::<Shuttle>::new(2), 2, 5, 3)
    });
}

/// Twin: the check-then-decrement semaphore is caught by the random scheduler and by PCT.
#[test]
fn semaphore_twin_racy_check_then_decrement_caught() {
    let racy = || admission::<Shuttle, _>(RacySemaphore(Var::<usize, Shuttle>::new(2)), 2, 5, 3);
    must_fail(&["threads inside", "below zero"], || {
        shuttle::check_random(racy, 1000)
    });
    must_fail(&["threads inside", "below zero"], || {
        shuttle::check_pct(racy, 1000, 3)
    });
}

/// Property: a `BoundedSemaphore(2)` with both permits taken accepts exactly 2 of 5 concurrent
/// releases; the value never exceeds 2.
#[test]
fn bounded_semaphore_over_release_rejected() {
    check_both(1000, || {
        let sem = BoundedSemaphore::<Shuttle>::new(2);
        sem.acquire().forget();
        sem.acquire().forget();
        over_release::<Shuttle, _>(sem, 2, 5);
    });
}

/// Twin: the check-then-increment bounded release is caught.
#[test]
fn bounded_semaphore_twin_racy_release_caught() {
    let racy = || {
        let sem = RacyBounded {
            value: Var::<usize, Shuttle>::new(0),
            bound: 2,
        };
        over_release::<Shuttle, _>(sem, 2, 5);
    };
    must_fail(&["releases accepted", "exceeds the bound"], || {
        shuttle::check_random(racy, 1000)
    });
    must_fail(&["releases accepted", "exceeds the bound"], || {
        shuttle::check_pct(racy, 1000, 3)
    });
}

/// Property: `Event::set` wakes all of 5 waiters.
#[test]
fn event_wakes_every_waiter() {
    check_both(1000, || wake_all::<Shuttle, _>(Event::<Shuttle>::new(), 5));
}

/// Twin: the wake-one "event" leaves waiters stuck.
#[test]
fn event_twin_wake_one_leaves_a_waiter_stuck() {
    let broken = || {
        let flag = WakeOneEvent {
            flag: Var::<bool, Shuttle>::new(false),
            wake: Semaphore::<Shuttle>::new(0),
        };
        wake_all::<Shuttle, _>(flag, 5);
    };
    must_fail(&["deadlock"], || shuttle::check_random(broken, 300));
}

/// Property: 4 consumers with `wait_for`, 4 items each notifying one waiter: no lost wake-up,
/// no consumer wakes to an empty buffer.
#[test]
fn condition_wait_for_no_lost_wakeup() {
    check_both(1000, || handoff::<Shuttle>(4, Consumer::WaitFor));
}

/// Twin: `if` instead of `while` around `wait()` is caught.
#[test]
fn condition_twin_if_instead_of_while_caught() {
    must_fail(&["empty buffer"], || {
        shuttle::check_random(|| handoff::<Shuttle>(4, Consumer::IfNotWhile), 1000)
    });
}

/// Twin: checking, unlocking, then waiting on the stale answer is caught: a lost wake-up
/// (deadlock), or a consumer that skipped the wait taking from an empty buffer.
#[test]
fn condition_twin_check_outside_lock_loses_wakeup() {
    must_fail(&["deadlock", "empty buffer"], || {
        shuttle::check_random(|| handoff::<Shuttle>(4, Consumer::CheckThenLock), 1000)
    });
}

/// Property: `wait_for_timeout` returns the predicate's value at return.
#[test]
fn condition_wait_for_timeout_returns_predicate() {
    check_both(1000, timed_handoff::<Shuttle>);
}

/// Property: a `Barrier(4)` with an action releases its parties together, after the action
/// ran once per generation, with indices {0..3}, for 3 generations.
#[test]
fn barrier_releases_all_together_with_distinct_indices() {
    check_both(600, || {
        let actions = Arc::new(AtomicUsize::new(0));
        let counter = actions.clone();
        let barrier = Barrier::<Shuttle>::with_action(4, move || {
            counter.fetch_add(1, SeqCst);
        })
        .expect("4 parties");
        rendezvous::<Shuttle, _>(barrier, 4, 3, Some(actions));
    });
}

/// Twin: the racy arrival count is caught.
#[test]
fn barrier_twin_racy_count_caught() {
    let racy = || {
        let barrier = RacyBarrier {
            count: Var::<usize, Shuttle>::new(0),
            parties: 4,
            open: Event::<Shuttle>::new(),
        };
        rendezvous::<Shuttle, _>(barrier, 4, 1, None);
    };
    must_fail(&["deadlock", "indices of generation"], || {
        shuttle::check_random(racy, 1000)
    });
}

/// Property: RLock re-entry, refused non-owner release, exclusion.
#[test]
fn rlock_reentrancy_and_non_owner_release_error() {
    check_both(1500, || {
        reentry::<Shuttle, _>(RLock::<(), Shuttle>::new(()))
    });
}

/// Twin: the RLock whose release does not check the owner is caught.
#[test]
fn rlock_twin_unchecked_release_caught() {
    must_fail(&["non-owner released", "two threads inside"], || {
        shuttle::check_random(
            || reentry::<Shuttle, _>(UncheckedRLock::<Shuttle>::default()),
            1000,
        )
    });
}

/// Property: a barrier broken by a time-out, an abort or a panicking action never splits a
/// generation nor leaves a party waiting; `reset` repairs it.
#[test]
fn barrier_breaks_for_all() {
    for how in [Break::Timeout, Break::Abort, Break::ActionPanics] {
        check_both(300, move || barrier_break::<Shuttle>(how));
    }
}
