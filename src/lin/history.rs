//! Histories: what each thread called, what it got back, and the real-time order of the calls.
//!
//! Invariants: within one history, `invoke < response` for every completed operation, and all
//! timestamps are distinct (they come from one counter). Operation `a` precedes `b` in real time
//! iff `a.response < b.invoke`; only that order constrains a linearization.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One operation of a history: who called what, when, and what it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call<Op, Ret> {
    /// The calling thread: 0 for the sequential init part, 1.. for the concurrent threads.
    pub thread: usize,
    /// The operation.
    pub op: Op,
    /// Timestamp of the invocation.
    pub invoke: u64,
    /// Timestamp of the response and the value returned; `None` while pending (the call never
    /// returned, e.g. in a deadlocked execution).
    pub response: Option<(u64, Ret)>,
}

impl<Op, Ret> Call<Op, Ret> {
    /// True when `self` returned before `other` was invoked (real-time order).
    pub fn precedes(&self, other: &Call<Op, Ret>) -> bool {
        matches!(self.response, Some((t, _)) if t < other.invoke)
    }
}

/// A concurrent history: the calls of every thread with invocation and response timestamps.
///
/// Build one by hand with [`History::push`] (for tests of a checker) or let the harness record
/// it. `Display` prints it per thread, one `op -> result` per line.
///
/// ```
/// use threadcheck::lin::History;
/// let mut h = History::new();
/// h.push(1, "inc", 0, Some((2, 1)));
/// h.push(2, "inc", 1, Some((3, 2)));
/// assert_eq!(h.calls().len(), 2);
/// assert!(h.to_string().contains(r#""inc" -> 1"#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<Op, Ret> {
    calls: Vec<Call<Op, Ret>>,
}

impl<Op, Ret> Default for History<Op, Ret> {
    fn default() -> Self {
        History { calls: Vec::new() }
    }
}

impl<Op, Ret> History<Op, Ret> {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a call of `thread`, invoked at `invoke`, answered at `response.0` with `response.1`
    /// (or still pending with `None`). Timestamps must be distinct across the history.
    pub fn push(&mut self, thread: usize, op: Op, invoke: u64, response: Option<(u64, Ret)>) {
        self.calls.push(Call {
            thread,
            op,
            invoke,
            response,
        });
    }

    /// The calls, in the order they were pushed (for a recorded history: per thread, in program
    /// order).
    pub fn calls(&self) -> &[Call<Op, Ret>] {
        &self.calls
    }

    /// The number of threads (the largest thread index + 1).
    pub fn threads(&self) -> usize {
        self.calls.iter().map(|c| c.thread + 1).max().unwrap_or(0)
    }

    /// True when some call never returned.
    pub fn has_pending(&self) -> bool {
        self.calls.iter().any(|c| c.response.is_none())
    }
}

impl<Op: fmt::Debug, Ret: fmt::Debug> fmt::Display for History<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for thread in 0..self.threads() {
            let mut calls = self.calls.iter().filter(|c| c.thread == thread).peekable();
            if calls.peek().is_none() {
                continue;
            }
            if thread == 0 {
                writeln!(f, "  init (sequential, before the threads start):")?;
            } else {
                writeln!(f, "  thread {thread}:")?;
            }
            for c in calls {
                match &c.response {
                    Some((t, ret)) => {
                        writeln!(f, "    {:?} -> {:?}    [t{}..t{}]", c.op, ret, c.invoke, t)?
                    }
                    None => writeln!(f, "    {:?} -> (never returned)    [t{}..]", c.op, c.invoke)?,
                }
            }
        }
        Ok(())
    }
}

/// Records a history while the threads run. The harness runs all threads of a checked execution
/// on one OS thread (loom, shuttle, native) or on real threads (std); in both cases one
/// sequentially consistent counter stamped before the call starts and after it returns gives an
/// order consistent with real time.
pub(crate) struct Recorder<Op, Ret> {
    clock: AtomicU64,
    calls: Mutex<Vec<Call<Op, Ret>>>,
}

impl<Op: Clone, Ret: Clone> Recorder<Op, Ret> {
    pub(crate) fn new() -> Self {
        Recorder {
            clock: AtomicU64::new(0),
            calls: Mutex::new(Vec::new()),
        }
    }

    /// Stamps an invocation; returns the index of the call.
    pub(crate) fn invoke(&self, thread: usize, op: &Op) -> usize {
        let invoke = self.clock.fetch_add(1, Ordering::SeqCst);
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.push(Call {
            thread,
            op: op.clone(),
            invoke,
            response: None,
        });
        calls.len() - 1
    }

    /// Stamps the response of call `index`.
    pub(crate) fn respond(&self, index: usize, ret: Ret) {
        let t = self.clock.fetch_add(1, Ordering::SeqCst);
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls[index].response = Some((t, ret));
    }

    /// The history so far, grouped per thread in program order.
    pub(crate) fn history(&self) -> History<Op, Ret> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let mut calls = calls.clone();
        calls.sort_by_key(|c| (c.thread, c.invoke));
        History { calls }
    }
}
