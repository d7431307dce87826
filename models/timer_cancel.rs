//! `timer-cancel` (seed 000): `Timer(5.0, f)` started, then cancelled.
//!
//! ```python
//! timer = threading.Timer(5.0, delayed_message)
//! timer.start()
//! timer.cancel()
//! ```
//!
//! If `cancel()` reports success, `f` must never run. If the timer fired first, `cancel()` comes
//! too late and `f` runs: an allowed outcome, counted and shown, not a failure.
//!
//! PENDING: needs `thread::Timer` (start/cancel/join); wired into `models/mod.rs` at merge.

use super::{bodies, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Var;
use crate::thread::Timer;
use std::sync::Arc;
use std::time::Duration;

/// Starts the timer, cancels it, and checks that `f` ran exactly when the cancel was too late.
pub fn body<R: Runtime>(params: &Params) {
    let runs = Arc::new(Var::<u32, R>::named("delayed_message runs", 0));
    let timer = {
        let runs = Arc::clone(&runs);
        Timer::<R>::start(Duration::from_secs_f64(5.0), move || {
            let n = runs.get(); // print("This message is delayed by 5 seconds!")
            runs.set(n + 1);
        })
    };
    let cancelled = timer.cancel();
    let _ = timer.join();
    let ran = runs.get();
    if cancelled {
        assert!(
            ran == 0,
            "delayed_message ran {ran} time(s) although cancel() reported success"
        );
        params.outcome("cancelled in time: delayed_message never ran");
    } else {
        assert!(
            ran == 1,
            "cancel() came too late, so delayed_message should have run once; it ran {ran} times"
        );
        params.outcome("cancel came too late: delayed_message ran (allowed)");
    }
}

pub(super) const MODEL: Model = Model {
    name: "timer-cancel",
    description: "Timer(5.0, f) is started and cancelled at once",
    property: "f never runs after cancel() reported success; if cancel() came too late, f ran once",
    expected: Verdict::Holds,
    seed: "000 (Advanced Concepts in Python Threading: threading.Timer)",
    params: &[],
    spawned_threads: |_| 1,
    unsupported: &[],
    notes: "Both outcomes are allowed and both occur: the cancel wins, or the timer fires first \
            (virtual time lets the 5 s elapse at any point).",
    bodies: bodies!(body),
};
