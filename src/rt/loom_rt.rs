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
