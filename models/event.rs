//! `event`: waiters block on `Event.wait()` until another thread publishes data and `set()`s.
//!
//! ```python
//! ready = threading.Event()
//! data = 0
//! def waiter():
//!     ready.wait()
//!     assert data == 42
//! def setter():
//!     global data
//!     data = 42
//!     ready.set()
//! ```
//!
//! A waiter may arrive before or after the `set()`: it blocks in the first case and returns at
//! once in the second. Either way it returns only once the flag is set, so it sees the data
//! written before `set()`.

use super::{bodies, join, param, spawn, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::{Event, Var};
use std::sync::Arc;

/// Waiters block until the setter publishes `data` and sets the event; each must see the data.
pub fn body<R: Runtime>(params: &Params) {
    let waiters = params.get("threads");
    let ready = Arc::new(Event::<R>::named("ready"));
    let data = Arc::new(Var::<u64, R>::named("data", 0).fingerprinted());
    let handles: Vec<_> = (1..=waiters)
        .map(|i| {
            let (ready, data) = (Arc::clone(&ready), Arc::clone(&data));
            spawn::<(), R, _>(&format!("waiter-{i}"), move || {
                ready.wait();
                let seen = data.get();
                assert!(
                    seen == 42,
                    "woken by Event ready but read data = {seen}, not 42: set() came before the \
                     write"
                );
            })
        })
        .collect();
    let setter = {
        let (ready, data) = (Arc::clone(&ready), Arc::clone(&data));
        spawn::<(), R, _>("setter", move || {
            data.set(42);
            ready.set();
        })
    };
    join(setter);
    for handle in handles {
        join(handle);
    }
    assert!(
        ready.is_set(),
        "Event ready was cleared, but nobody calls clear()"
    );
}

pub(super) const MODEL: Model = Model {
    name: "event",
    description: "waiters block on Event.wait() until a setter writes data and calls set()",
    property: "every waiter wakes, and sees the data written before set()",
    expected: Verdict::Holds,
    seed: "004 (Python's Threading Module: event objects)",
    params: &[param(
        "threads",
        "waiting threads (plus one setter)",
        2,
        1,
        63,
    )],
    spawned_threads: |p| p.count("threads") + 1,
    unsupported: &[],
    notes: "A lost wake-up would show as a deadlock (a waiter blocked forever); reading the data \
            before it is written, as a violation.",
    bodies: bodies!(body),
};
