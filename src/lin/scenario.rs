//! Scenarios: the operations each thread runs, generated and shrunk by proptest.
//!
//! Invariants: a generated scenario has between `min(2, threads)` and `threads` threads, each
//! with 1 to `ops_per_thread` operations, and 0 to `init_ops` sequential init operations.
//! Shrinking (proptest's) only removes threads or operations and simplifies operations.

use proptest::collection::vec;
use proptest::strategy::{BoxedStrategy, Strategy};
use std::fmt::{self, Debug, Write as _};

/// The size of generated scenarios.
///
/// ```
/// let shape = threadcheck::lin::Shape { threads: 3, ops_per_thread: 4, init_ops: 2 };
/// assert_eq!(shape.max_ops(), 14);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Largest number of concurrent threads.
    pub threads: usize,
    /// Largest number of operations per thread.
    pub ops_per_thread: usize,
    /// Largest number of operations run sequentially on the main thread before the threads start.
    pub init_ops: usize,
}

impl Default for Shape {
    /// 2 threads x 3 operations, up to 2 init operations.
    fn default() -> Self {
        Shape {
            threads: 2,
            ops_per_thread: 3,
            init_ops: 2,
        }
    }
}

impl Shape {
    /// The largest number of operations in a scenario of this shape.
    pub fn max_ops(&self) -> usize {
        self.threads * self.ops_per_thread + self.init_ops
    }
}

/// One concurrent scenario: init operations run in order on the main thread, then one thread
/// per entry of `threads`, started together, each running its operations in order.
///
/// ```
/// use threadcheck::lin::Scenario;
/// let s = Scenario { init: vec![1], threads: vec![vec![2, 3], vec![4]] };
/// assert_eq!((s.thread_count(), s.max_ops_per_thread(), s.total_ops()), (2, 2, 4));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scenario<Op> {
    /// Operations run sequentially before the threads start (history thread 0).
    pub init: Vec<Op>,
    /// The concurrent threads' operations (history threads 1, 2, ...).
    pub threads: Vec<Vec<Op>>,
}

impl<Op> Scenario<Op> {
    /// Number of concurrent threads.
    pub fn thread_count(&self) -> usize {
        self.threads.len()
    }

    /// The longest thread's number of operations.
    pub fn max_ops_per_thread(&self) -> usize {
        self.threads.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// All operations, init included.
    pub fn total_ops(&self) -> usize {
        self.init.len() + self.threads.iter().map(Vec::len).sum::<usize>()
    }
}

impl<Op: Debug> Scenario<Op> {
    /// The scenario as Rust source: a `#[test]` that re-checks exactly this scenario with
    /// [`assert_scenario`](super::assert_scenario). `target` and `op` are the paths of the
    /// target and operation types as the regression test should name them.
    ///
    /// ```
    /// use threadcheck::lin::Scenario;
    /// let s = Scenario { init: vec![], threads: vec![vec![Some(1)], vec![None]] };
    /// let code = s.to_rust("crate::MyTarget", "Option<i32>", "shuttle");
    /// assert!(code.contains("threads: vec![vec![Some(1)], vec![None]]"));
    /// ```
    pub fn to_rust(&self, target: &str, op: &str, engine: &str) -> String {
        let list = |ops: &[Op]| {
            let items: Vec<String> = ops.iter().map(|o| format!("{o:?}")).collect();
            format!("vec![{}]", items.join(", "))
        };
        let threads: Vec<String> = self.threads.iter().map(|t| list(t)).collect();
        let variants = op
            .rsplit_once("::")
            .map(|_| format!("    #[allow(unused_imports)]\n    use {op}::*;\n"))
            .unwrap_or_default();
        let mut out = String::new();
        let _ = writeln!(out, "#[test]");
        let _ = writeln!(out, "fn lin_regression() {{");
        out.push_str(&variants);
        let _ = writeln!(
            out,
            "    let scenario: threadcheck::lin::Scenario<{op}> = threadcheck::lin::Scenario {{"
        );
        let _ = writeln!(out, "        init: {},", list(&self.init));
        let _ = writeln!(out, "        threads: vec![{}],", threads.join(", "));
        let _ = writeln!(out, "    }};");
        let _ = writeln!(
            out,
            "    threadcheck::lin::assert_scenario::<{target}>(&scenario, &threadcheck::lin::Config::{engine}());"
        );
        let _ = writeln!(out, "}}");
        out
    }
}

impl<Op: Debug> fmt::Display for Scenario<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.init.is_empty() {
            writeln!(f, "  init: {:?}", self.init)?;
        }
        for (i, ops) in self.threads.iter().enumerate() {
            writeln!(f, "  thread {}: {:?}", i + 1, ops)?;
        }
        Ok(())
    }
}

/// The proptest strategy of scenarios of `shape` whose operations come from `ops`.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::strategy::ValueTree;
/// use threadcheck::lin::{scenarios, Shape};
///
/// let strategy = scenarios((0..10u8).boxed(), Shape::default());
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let s = strategy.new_tree(&mut runner).unwrap().current();
/// assert!((1..=2).contains(&s.thread_count()));
/// ```
pub fn scenarios<Op: Clone + Debug + 'static>(
    ops: BoxedStrategy<Op>,
    shape: Shape,
) -> BoxedStrategy<Scenario<Op>> {
    let per_thread = 1..=shape.ops_per_thread.max(1);
    let threads = shape.threads.clamp(1, 2)..=shape.threads.max(1);
    (
        vec(ops.clone(), 0..=shape.init_ops),
        vec(vec(ops, per_thread), threads),
    )
        .prop_map(|(init, threads)| Scenario { init, threads })
        .boxed()
}
