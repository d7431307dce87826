//! The shuttle backend: random, PCT, DFS and replay schedulers over the real Mutex + Condvar code.
crate::checker_runtime!(
    shuttle,
    Shuttle,
    "shuttle",
    "Randomized checking with shuttle: run code inside `shuttle::check_random`, `check_pct`, ..."
);
