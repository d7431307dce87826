//! `timer-cancel` (seed 000): `Timer(5.0, delayed_message)` started, then cancelled at once.
//!
//! ```python
//! def delayed_message():
//!     print("This message is delayed by 5 seconds!")
//! timer = threading.Timer(5.0, delayed_message)
//! timer.start()
//! timer.cancel()
//! timer.join()
//! ```
//!
//! If `cancel()` reports success, `delayed_message` must never run. The checkers let the 5
//! seconds elapse at any point (virtual time), so they also explore the timer firing before the
//! main thread gets to `cancel()`: the cancel then comes too late and `delayed_message` runs
//! once. That race is an allowed outcome, counted and shown ("outcomes seen"), not a failure.

use super::{bodies, Model, Params};
use crate::engine::Verdict;
use crate::rt::Runtime;
use crate::sync::Var;
use crate::thread::Timer;
use std::sync::Arc;
use std::time::Duration;

/// The outcome where the cancel won.
const CANCELLED_IN_TIME: &str = "cancel() in time: delayed_message never ran";
/// The outcome where the timer fired first (allowed).
const CANCEL_TOO_LATE: &str =
    "cancel() too late: the timer had fired, delayed_message ran once (allowed)";

/// Starts the timer, cancels it, and checks that `delayed_message` ran exactly when the cancel
/// was too late.
pub fn body<R: Runtime>(params: &Params) {
    let runs = Arc::new(Var::<u32, R>::named("delayed_message_runs", 0).fingerprinted());
    let timer = {
        let runs = Arc::clone(&runs);
        let started = Timer::<R>::builder(Duration::from_secs_f64(5.0))
            .name("timer")
            .start(move || {
                // print("This message is delayed by 5 seconds!")
                let n = runs.get();
                runs.set(n + 1);
            });
        started.unwrap_or_else(|e| panic!("cannot start the timer: {e}"))
    };
    let cancelled = timer.cancel();
    if let Err(e) = timer.join() {
        panic!("timer.join() failed: {e}");
    }
    let ran = runs.get();
    if cancelled {
        assert!(
            ran == 0,
            "delayed_message ran {ran} time(s) although cancel() reported success"
        );
        params.outcome(CANCELLED_IN_TIME);
    } else {
        assert!(
            ran == 1,
            "cancel() came too late, so delayed_message should have run once; it ran {ran} times"
        );
        params.outcome(CANCEL_TOO_LATE);
    }
}

pub(super) const MODEL: Model = Model {
    name: "timer-cancel",
    description: "Timer(5.0, delayed_message) is started and cancelled at once",
    property: "delayed_message never runs after cancel() reported success; if cancel() came too \
               late, it ran exactly once",
    expected: Verdict::Holds,
    seed: "000 (Advanced Concepts in Python Threading: threading.Timer)",
    params: &[],
    spawned_threads: |_| 1,
    unsupported: &[],
    notes: "Both outcomes are allowed and both occur: the cancel wins, or the timer fires first \
            (virtual time lets the 5 s elapse at any point); the checkers count each.",
    bodies: bodies!(body),
};
