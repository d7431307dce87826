//! What a library user writes: a loom test of their own Semaphore-based code, using the root
//! aliases, run with `RUSTFLAGS="--cfg loom" cargo test --test loom_convention`.
//! Under `--cfg loom` the aliases resolve to the loom runtime; nothing else changes.
#![cfg(loom)]

use std::sync::Arc;
use threadcheck::{Semaphore, Thread, Var};

/// The user's own type: a connection pool that hands out at most `size` connections.
struct Pool {
    slots: Semaphore,
    in_use: Var<usize>,
}

impl Pool {
    fn with_connection(&self, work: impl FnOnce()) {
        let _permit = self.slots.acquire();
        let n = self.in_use.get();
        self.in_use.set(n + 1);
        work();
        let n = self.in_use.get();
        self.in_use.set(n - 1);
    }
}

/// Property: with one slot, the pool's own bookkeeping never loses an update, because the
/// semaphore serialises the users (loom explores every interleaving).
#[test]
fn pool_with_one_slot_keeps_exact_count() {
    loom::model(|| {
        let pool = Arc::new(Pool {
            slots: Semaphore::new(1),
            in_use: Var::new(0),
        });
        let other = {
            let pool = pool.clone();
            Thread::spawn(move || pool.with_connection(|| ()))
        };
        pool.with_connection(|| ());
        other.join().unwrap();
        assert_eq!(pool.in_use.get(), 0);
    });
}

/// Twin: with two slots the same bookkeeping races, and loom must find the lost update.
#[test]
fn pool_with_two_slots_loses_an_update() {
    let found = std::panic::catch_unwind(|| {
        loom::model(|| {
            let pool = Arc::new(Pool {
                slots: Semaphore::new(2),
                in_use: Var::new(0),
            });
            let other = {
                let pool = pool.clone();
                Thread::spawn(move || pool.with_connection(|| ()))
            };
            pool.with_connection(|| ());
            other.join().unwrap();
            assert_eq!(pool.in_use.get(), 0, "lost update");
        })
    });
    assert!(found.is_err(), "loom should have found the lost update");
}
