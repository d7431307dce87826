//! Cross-check: the same generic programs give the same verdict under loom (Mutex + Condvar
//! monitors, exhaustive) and under the native engine (one step per operation, exhaustive).
#![cfg(feature = "loom")]

mod engine_common;

use engine_common::*;
use std::cell::RefCell;
use std::sync::Once;
use threadcheck::engine::{check, Config, Verdict};
use threadcheck::rt::{Loom, Native};

thread_local! {
    static FIRST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Remembers the first panic message on this thread (loom reports a deadlock with a panic that
/// is followed by a second one while it unwinds).
fn remember_first_panic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            FIRST_PANIC.with(|f| {
                f.borrow_mut().get_or_insert_with(|| info.to_string());
            });
            previous(info);
        }));
    });
}

/// Loom's verdict: `Holds` when the model passes, otherwise whether it deadlocked or panicked.
fn loom_verdict(body: impl Fn() + Send + Sync + 'static) -> Verdict {
    remember_first_panic();
    FIRST_PANIC.with(|f| f.borrow_mut().take());
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loom::model(body))) {
        Ok(()) => Verdict::Holds,
        Err(_) => {
            let msg = FIRST_PANIC
                .with(|f| f.borrow_mut().take())
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
