//! The trace of one execution: who did what, in which order, with which values, and where.

/// A thread that took part in a traced execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadDesc {
    /// Index of the thread in the execution (0 = main).
    pub id: usize,
    /// Its name (`MainThread`, `Thread-1`, or the user's).
    pub name: String,
}

/// One visible operation of a traced execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Which thread ran it (an index into [`Trace::threads`]).
    pub thread: usize,
    /// The verb: `"acquire"`, `"release"`, `"read"`, `"write"`, `"put"`, `"spawn"`, ...
    pub action: String,
    /// The object, as the primitive names it: `"Lock counter_lock"`, `"Var counter"`.
    pub object: String,
    /// The value read, written or returned, if any (`"41"`, `"<- 42"`, `"-> timed out"`).
    pub detail: Option<String>,
    /// Source file of the user code that performed it.
    pub file: String,
    /// Source line of the user code that performed it.
    pub line: u32,
    /// True when this step is a preemption: the previous step's thread could have continued.
    pub preemption: bool,
}

/// A whole execution, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The threads, indexed by [`Step::thread`].
    pub threads: Vec<ThreadDesc>,
    /// The steps in the order they ran.
    pub steps: Vec<Step>,
}
