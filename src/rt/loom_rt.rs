//! The loom backend: exhaustive exploration of the real Mutex + Condvar code (at most 4 spawned
//! threads, loom's cap).
crate::checker_runtime!(
    loom,
    Loom,
    "loom",
    "Exhaustive checking with loom: run code inside `loom::model`.",
    internal = [
        "deadlock; threads",
        "Model exceeded maximum number of branches",
        "[loom internal bug]"
    ]
);

/// Loom's cap on spawned threads (its `MAX_THREADS` of 5 includes the main thread).
#[cfg(feature = "lin")]
pub(crate) const LOOM_MAX_SPAWNED: usize = 4;

/// What a panic out of `loom::model` means when it is loom's own, not the program's.
#[cfg(feature = "lin")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoomStop {
    /// Every thread is blocked.
    Deadlock,
    /// One execution exceeded `LOOM_MAX_BRANCHES`.
    BranchLimit,
    /// More threads than [`LOOM_MAX_SPAWNED`].
    ThreadCap,
    /// A `LOOM_*` environment variable loom cannot read.
    BadSetting,
}

/// Classifies a panic message out of `loom::model` (`None`: the program's own panic).
#[cfg(feature = "lin")]
pub(crate) fn loom_stop(message: &str) -> Option<LoomStop> {
    if message.starts_with("deadlock") {
        Some(LoomStop::Deadlock)
    } else if message.contains("Model exceeded maximum number of branches") {
        Some(LoomStop::BranchLimit)
    } else if message.contains("max_threads") || message.contains("MAX_THREADS") {
        Some(LoomStop::ThreadCap)
    } else if message.contains("invalid value for `LOOM_") {
        Some(LoomStop::BadSetting)
    } else {
        None
    }
}
