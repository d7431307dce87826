//! Linearizability checking of concurrent types, with generated scenarios and schedule fuzzing.
//!
//! You describe a concurrent type by a **sequential specification** (a [`Spec`]: a state, an
//! operation enum, and what each operation returns when run alone) and a [`Target`]: how to build
//! the implementation on any [runtime](crate::rt) and how to call one operation on it.
//! threadcheck then generates small concurrent **scenarios** with proptest (a few threads, a few
//! operations each, optional sequential init operations), runs each one under a controlled
//! scheduler (the native engine, shuttle, loom, or plain OS threads), records the **history** of
//! every execution (who called what, and the real-time order of invocations and responses) and
//! checks that it is **linearizable**: that some sequential order of the calls, compatible with
//! real time, makes the specification return exactly what the threads observed
//! ([`check_history`], Wing & Gong's search with Lowe's memoisation).
//!
//! On a failure, proptest shrinks the scenario to a minimal one (for the broken types in this
//! crate's tests: 2 threads x 2 operations), the native engine re-runs it with preemption
//! bounding to find the failing schedule with the fewest preemptions, and the [`LinFailure`]
//! report shows the scenario, the non-linearizable history, the interleaving as a per-thread
//! table, and the scenario as a `#[test]` to paste into a regression suite. `docs/lin.md`
//! explains the algorithm and the limits.
//!
//! # Example: checking your own type
//!
//! ```
//! use threadcheck::lin::{self, proptest::prelude::*, Spec, Target};
//! use threadcheck::{rt::Runtime, sync::Var};
//!
//! #[derive(Clone, Debug, PartialEq, Eq, Hash)]
//! struct Counter(u32); // the specification's state
//! #[derive(Clone, Debug)]
//! enum Op { Inc, Get }
//! impl Spec for Counter {
//!     type Op = Op;
//!     type Ret = u32;
//!     fn apply(&mut self, op: &Op) -> u32 {
//!         if let Op::Inc = op { self.0 += 1; }
//!         self.0
//!     }
//! }
//!
//! // The implementation under test: a racy read-then-write counter.
//! struct Racy;
//! impl Target for Racy {
//!     type Spec = Counter;
//!     type Imp<R: Runtime> = Var<u32, R>;
//!     fn spec() -> Counter { Counter(0) }
//!     fn new<R: Runtime>() -> Var<u32, R> { Var::new(0) }
//!     fn call<R: Runtime>(v: &Var<u32, R>, op: &Op) -> u32 {
//!         match op {
//!             Op::Inc => { let n = v.get() + 1; v.set(n); n }
//!             Op::Get => v.get(),
//!         }
//!     }
//!     fn ops() -> BoxedStrategy<Op> { prop_oneof![Just(Op::Inc), Just(Op::Get)].boxed() }
//! }
//!
//! # #[cfg(feature = "shuttle")] {
//! let failure = lin::check::<Racy>(&lin::Config::shuttle()).unwrap_err();
//! assert!(failure.scenario.thread_count() <= 2 && failure.scenario.max_ops_per_thread() <= 2);
//! println!("{failure}"); // the history, the interleaving, a regression test
//! # }
//! ```

mod checker;
mod driver;
mod history;
mod program;
mod report;
mod run;
mod scenario;

pub use checker::{check_history, Linearization, NotLinearizable};
pub use driver::{
    assert_linearizable, assert_scenario, check, check_scenario, fuzz, FuzzConfig, FuzzProgress,
    FuzzProgressFn, FuzzReport, FuzzStrategy, Summary,
};
pub use history::{Call, History};
pub use program::{fuzz_program, Program, ProgramFuzzReport};
pub use report::{LinFailure, Problem};
pub use run::{Config, Engine, Schedules, LOOM_PREEMPTION_BOUND};
pub use scenario::{scenarios, Scenario, Shape};

/// The proptest crate, re-exported so that a [`Target`] can write its operation strategy
/// without a separate dependency.
pub use proptest;

use crate::rt::Runtime;
use proptest::strategy::BoxedStrategy;
use std::fmt::Debug;
use std::hash::Hash;

/// A sequential specification: the state of the abstract object, and what each operation
/// does to it when run alone.
///
/// The state must be `Hash + Eq`: the checker memoises (linearized calls, state) pairs, which
/// is what makes it fast. `apply` must be deterministic.
///
/// ```
/// use threadcheck::lin::Spec;
///
/// #[derive(Clone, Debug, PartialEq, Eq, Hash)]
/// struct Stack(Vec<u8>);
/// #[derive(Clone, Debug)]
/// enum Op { Push(u8), Pop }
/// impl Spec for Stack {
///     type Op = Op;
///     type Ret = Option<u8>;
///     fn apply(&mut self, op: &Op) -> Option<u8> {
///         match op {
///             Op::Push(x) => { self.0.push(*x); None }
///             Op::Pop => self.0.pop(),
///         }
///     }
/// }
/// let mut s = Stack(vec![]);
/// s.apply(&Op::Push(1));
/// assert_eq!(s.apply(&Op::Pop), Some(1));
/// ```
pub trait Spec: Clone + Debug + Eq + Hash + Send + Sync + 'static {
    /// An operation (usually an enum with the arguments).
    type Op: Clone + Debug + Send + Sync + 'static;
    /// What an operation returns (compared with what the implementation returned).
    type Ret: Clone + Debug + PartialEq + Send + Sync + 'static;
    /// Runs `op` on the state and returns its result.
    fn apply(&mut self, op: &Self::Op) -> Self::Ret;

    /// Runs `op` on behalf of history thread `thread` (0 = the init operations, 1.. = the
    /// concurrent threads). Override it for objects whose behaviour depends on the caller (an
    /// `RLock` owned by a thread); the default ignores the caller and calls
    /// [`apply`](Spec::apply).
    ///
    /// ```
    /// use threadcheck::lin::Spec;
    /// #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    /// struct Owner(Option<usize>);
    /// impl Spec for Owner {
    ///     type Op = ();
    ///     type Ret = bool; // "did I take it?"
    ///     fn apply(&mut self, op: &()) -> bool { self.apply_as(0, op) }
    ///     fn apply_as(&mut self, thread: usize, _: &()) -> bool {
    ///         let free = self.0.is_none();
    ///         if free { self.0 = Some(thread); }
    ///         free || self.0 == Some(thread)
    ///     }
    /// }
    /// let mut o = Owner(None);
    /// assert!(o.apply_as(1, &()) && o.apply_as(1, &()) && !o.apply_as(2, &()));
    /// ```
    fn apply_as(&mut self, thread: usize, op: &Self::Op) -> Self::Ret {
        let _ = thread;
        self.apply(op)
    }
}

/// The operation type of a target.
pub type OpOf<T> = <<T as Target>::Spec as Spec>::Op;
/// The result type of a target.
pub type RetOf<T> = <<T as Target>::Spec as Spec>::Ret;

/// A concurrent implementation under test, with its specification and its operations.
///
/// The implementation is written once, generic over the runtime (like every primitive of this
/// crate), so the same code runs under the native engine, shuttle, loom and OS threads. A fresh
/// implementation is built for every execution. See the [module documentation](self) for a
/// complete example.
///
/// Operations that may block forever (a blocking `get` on a queue nobody fills) make executions
/// deadlock, which is reported as a failure: in `call`, use the non-blocking or timed forms
/// (`get_nowait`, `acquire_with(Wait::For(..))`). Under the checkers time is virtual, so a timed
/// wait means "proceed now or time out now" and the specification can say which
/// deterministically.
pub trait Target: 'static {
    /// The sequential specification.
    type Spec: Spec;
    /// The implementation on runtime `R`.
    type Imp<R: Runtime>: Send + Sync + 'static;
    /// The specification's initial state (matching a fresh implementation).
    fn spec() -> Self::Spec;
    /// A fresh implementation.
    fn new<R: Runtime>() -> Self::Imp<R>;
    /// Performs one operation on the implementation.
    fn call<R: Runtime>(imp: &Self::Imp<R>, op: &OpOf<Self>) -> RetOf<Self>;
    /// The operations scenarios are made of.
    fn ops() -> BoxedStrategy<OpOf<Self>>;

    /// Which generated scenarios are meaningful (a precondition; proptest keeps only those,
    /// also while shrinking). Default: all. Use it for operations with constraints, e.g. "every
    /// thread calls `Barrier::wait` equally often", or "`abort` only in the init part".
    /// Generation panics if 65536 candidates in a row are rejected.
    fn valid(scenario: &Scenario<OpOf<Self>>) -> bool {
        let _ = scenario;
        true
    }
}
