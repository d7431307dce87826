//! What a library user writes: a shuttle test of their own Event-free, Semaphore-based code,
//! using the root aliases, run with `RUSTFLAGS="--cfg shuttle" cargo test --test
//! shuttle_convention`. Under `--cfg shuttle` the aliases resolve to the shuttle runtime.
#![cfg(shuttle)]

use std::sync::Arc;
use threadcheck::{Semaphore, Thread, Var};

fn two_users(permits: usize) {
    let slots = Arc::new(Semaphore::new(permits));
    let in_use = Arc::new(Var::new(0usize));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (slots, in_use) = (slots.clone(), in_use.clone());
            Thread::spawn(move || {
                let _permit = slots.acquire();
                let n = in_use.get();
                in_use.set(n + 1);
                let n = in_use.get();
                in_use.set(n - 1);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(in_use.get(), 0, "lost update");
}

/// Property: one permit serialises the bookkeeping (1000 PCT schedules find nothing).
#[test]
fn one_permit_keeps_exact_count() {
    shuttle::check_pct(|| two_users(1), 1000, 3);
}

/// Twin: two permits race, and PCT must find the lost update.
#[test]
fn two_permits_lose_an_update() {
    let found = std::panic::catch_unwind(|| shuttle::check_pct(|| two_users(2), 1000, 3));
    assert!(found.is_err(), "shuttle should have found the lost update");
}
