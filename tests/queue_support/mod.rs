//! Shared by the queue, timer and pool checker tests (`loom_queue*`, `loom_pool*`,
//! `shuttle_queue*`, `shuttle_pool*`): running a checker that must find a bug, without its
//! panic output drowning the test log.
//!
//! A filtering panic hook is installed once per test binary and never removed: it delegates to
//! the previous hook except (a) on an OS thread that is inside [`expect_failure`] (loom and
//! shuttle run every modelled thread on the calling OS thread), and (b) for panics whose message
//! contains [`EXPECTED`] (the deliberate panics of tasks in the pool proofs). Installing it once
//! instead of swapping hooks per test keeps it correct when the harness runs tests in parallel.
#![allow(dead_code)]

use std::any::Any;
use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

/// Marker for deliberate panics; the hook does not print them.
pub const EXPECTED: &str = "[expected panic]";

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// The text of a panic payload (`panic!` makes a `&str` or a `String`).
pub fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic>".to_string())
}

/// Installs the filtering hook (once). `before` runs first, once: shuttle tests pass a trivial
/// shuttle run there so that shuttle's own hook (installed on its first run) sits *inside* ours.
pub fn install_quiet_hook(before: impl FnOnce()) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        before();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) || message(info.payload()).contains(EXPECTED) {
                return;
            }
            previous(info);
        }));
    });
}

/// Runs a checker (`f`) that must fail, silently; returns its panic message. Panics (so the
/// test fails) if the checker found nothing.
pub fn expect_failure(f: impl FnOnce()) -> String {
    install_quiet_hook(|| ());
    QUIET.with(|q| q.set(true));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    match outcome {
        Ok(()) => panic!("the checker explored the broken variant and found no failure"),
        Err(payload) => message(&*payload),
    }
}
