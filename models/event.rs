//! `event`: a waiter blocks on `Event.wait()` until another thread publishes data and `set()`s.
//!
//! ```python
//! ready = threading.Event()
//! def waiter():
//!     ready.wait()
//!     assert data == 42
//! def setter():
//!     data = 42
//!     ready.set()
//! ```
//!
//! PENDING: needs `sync::Event` (set/wait/is_set); wired into `models/mod.rs` at merge.

use super::{bodies, join, param, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::{Event, Var};
use crate::thread::JoinHandle;
use std::sync::Arc;

/// Waiters block until the setter publishes `data` and sets the event; each must see the data.
pub fn body<R: Runtime>(params: &Params) {
    let waiters = params.get("threads");
    let ready = Arc::new(Event::<R>::new());
    let data = Arc::new(Var::<u64, R>::named("data", 0));
    let handles: Vec<_> = (0..waiters)
        .map(|_| {
            let (ready, data) = (Arc::clone(&ready), Arc::clone(&data));
            JoinHandle::<(), R>::spawn(move || {
                ready.wait();
                let seen = data.get();
                assert!(
                    seen == 42,
                    "woken by the event but read data = {seen}: set() came before the write"
                );
            })
        })
        .collect();
    let setter = {
        let (ready, data) = (Arc::clone(&ready), Arc::clone(&data));
        JoinHandle::<(), R>::spawn(move || {
            data.set(42);
            ready.set();
        })
    };
    join(setter);
    for h in handles {
        join(h);
    }
    assert!(ready.is_set(), "the event was cleared");
}

pub(super) const MODEL: Model = Model {
    name: "event",
    description: "waiters block on Event.wait() until a setter writes data and calls set()",
    property: "every waiter wakes, and sees the data written before set()",
    expected: Verdict::Holds,
    seed: "004 (Python's Threading Module: event objects)",
    params: &[param("threads", "waiting threads", 1, 1, 63)],
    spawned_threads: |p| p.count("threads") + 1,
    unsupported: &[],
    notes: "",
    bodies: bodies!(body),
};
