//! Cross-check: the same generic programs give the same verdict under loom (Mutex + Condvar
//! monitors, exhaustive) and under the native engine (one step per operation, exhaustive).
#![cfg(feature = "loom")]

mod engine_common;

use engine_common::*;
use threadcheck::engine::{check, Config, Verdict};
use threadcheck::rt::{Loom, Native};

/// Loom's verdict: `Holds` when the model passes, otherwise whether it deadlocked or panicked.
fn loom_verdict(body: impl Fn() + Send + Sync + 'static) -> Verdict {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loom::model(body))) {
        Ok(()) => Verdict::Holds,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if msg.contains("deadlock") {
                Verdict::Deadlock
            } else {
                Verdict::Violated
            }
        }
    }
}

fn native_verdict(body: impl Fn() + Send + Sync + 'static) -> Verdict {
    let r = check(&Config::default(), body).unwrap();
    assert!(r.exhaustive || r.failure.is_some());
    r.verdict
}

/// Property: Semaphore(1) with two threads gives mutual exclusion, for both engines.
#[test]
fn semaphore_mutex_agrees() {
    assert_eq!(loom_verdict(semaphore_mutex::<Loom>()), Verdict::Holds);
    assert_eq!(native_verdict(semaphore_mutex::<Native>()), Verdict::Holds);
}

/// Property: the locked counter (N=2) holds for both engines.
#[test]
fn locked_counter_agrees() {
    assert_eq!(
        loom_verdict(locked_counter::<Loom>(2, 2, false)),
        Verdict::Holds
    );
    assert_eq!(
        native_verdict(locked_counter::<Native>(2, 2, false)),
        Verdict::Holds
    );
}

/// Twin: the unlocked counter (N=1) loses an update for both engines.
#[test]
fn unlocked_counter_agrees() {
    assert_eq!(loom_verdict(unlocked_counter::<Loom>(1)), Verdict::Violated);
    assert_eq!(
        native_verdict(unlocked_counter::<Native>(1)),
        Verdict::Violated
    );
}

/// Twin: the lock-order deadlock is found by both engines; the consistent order is not.
#[test]
fn lock_order_agrees() {
    assert_eq!(
        loom_verdict(lock_order_deadlock::<Loom>()),
        Verdict::Deadlock
    );
    assert_eq!(
        native_verdict(lock_order_deadlock::<Native>()),
        Verdict::Deadlock
    );
    assert_eq!(
        loom_verdict(lock_order_consistent::<Loom>()),
        Verdict::Holds
    );
    assert_eq!(
        native_verdict(lock_order_consistent::<Native>()),
        Verdict::Holds
    );
}
