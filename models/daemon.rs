//! `daemon` (seed 002): a daemon thread loops forever; the main thread ends anyway.
//!
//! ```python
//! def background_task():
//!     while True:
//!         print("Running in the background")
//!         time.sleep(2)
//! t = threading.Thread(target=background_task)
//! t.daemon = True
//! t.start()
//! print("Main thread exiting")
//! ```
//!
//! At exit the main thread waits for the non-daemon threads only
//! ([`wait_for_non_daemon_in`](crate::thread::wait_for_non_daemon_in)), so the program ends
//! while the daemon is still looping.

use super::{bodies, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Var;
use crate::thread::Builder;
use std::sync::Arc;
use std::time::Duration;

/// The seed's program: a daemon heartbeat loop that never ends, and a main thread that exits.
pub fn body<R: Runtime>(_params: &Params) {
    let heartbeats = Arc::new(Var::<u64, R>::named("heartbeats", 0).fingerprinted());
    let beating = Arc::clone(&heartbeats);
    let daemon = Builder::<R>::new()
        .name("background_task")
        .daemon(true)
        .spawn(move || loop {
            let n = beating.get(); // print("Running in the background")
            beating.set(n + 1);
            R::sleep(Duration::from_secs(2)); // time.sleep(2)
        })
        .unwrap_or_else(|e| panic!("cannot start background_task: {e}"));
    assert!(daemon.is_daemon(), "background_task must be a daemon");
    // print("Main thread exiting"), then what Python does at exit: wait for non-daemon threads.
    crate::thread::wait_for_non_daemon_in::<R>();
}

pub(super) const MODEL: Model = Model {
    name: "daemon",
    description: "a daemon thread loops forever; the main thread exits without waiting for it",
    property: "the program ends: a daemon thread does not keep it alive",
    expected: Verdict::Holds,
    seed: "002 (Multithreading in Python: Daemon Threads)",
    params: &[],
    spawned_threads: |_| 1,
    unsupported: &[
        (
            "loom",
            "loom cannot abandon a thread: a loom execution ends only when every thread has \
             finished, so a daemon loop that never ends makes every execution endless (loom gives \
             up at its branch limit). Use --engine native, which ends an execution when the \
             non-daemon threads are done, as Python does.",
        ),
        (
            "shuttle",
            "shuttle cannot abandon a thread: a shuttle execution ends only when every thread has \
             finished, so a daemon loop that never ends makes every execution endless (shuttle \
             gives up at its step bound). Use --engine native, which ends an execution when the \
             non-daemon threads are done, as Python does.",
        ),
    ],
    notes: "Only the native engine models daemon threads the way Python does.",
    bodies: bodies!(body),
};
