//! The linearizability checker: Wing & Gong's search with Lowe's memoisation.
//!
//! A history is linearizable when its calls can be put in one sequential order that (1) keeps
//! the real-time order (a call that returned before another was invoked comes first), and (2)
//! gives, when replayed on the sequential specification from its initial state, exactly the
//! results the threads observed. Calls that never returned may be placed anywhere after their
//! invocation (with any result) or left out.
//!
//! The search linearizes one *minimal* call at a time: a call not yet linearized that was
//! invoked before every unlinearized call's response (nothing unlinearized must precede it).
//! A search node is (set of linearized calls, specification state); two paths reaching the same
//! node have the same future, so each node is expanded once (Lowe, "Testing for
//! linearizability", 2017). The cost is bounded by the number of distinct nodes, not by the
//! number of orders: a 2 x 8 history has at most 2^16 sets instead of 16!/(8! 8!) x ... orders.
//!
//! Invariants: `visited` holds every node ever pushed; a node is expanded at most once; the
//! answer is a witness order (checked by replay) or the deepest partial linearization reached.

use super::history::History;
use super::Spec;
use std::collections::HashSet;
use std::fmt;

/// Why a history is not linearizable: the longest sequential prefix the search could build, and
/// what each call that could come next would have returned instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotLinearizable {
    /// Indices (into [`History::calls`]) of the longest linearizable prefix found.
    pub prefix: Vec<usize>,
    /// The specification's state after that prefix (`Debug`).
    pub state: String,
    /// For each call that could be linearized next: `(call index, what the spec returns)`;
    /// every one differs from what the thread observed.
    pub mismatches: Vec<(usize, String)>,
    /// Search nodes expanded.
    pub nodes: u64,
}

impl fmt::Display for NotLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no linearization: the longest valid prefix has {} call(s), reaching state {}",
            self.prefix.len(),
            self.state
        )
    }
}

/// A witness: an order of the calls (indices into [`History::calls`]) that the specification
/// accepts; pending calls the search left out are absent.
pub type Linearization = Vec<usize>;

struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64).max(1)])
    }
}

/// Checks that `history` is linearizable with respect to the specification starting at
/// `initial`. Returns a witness order, or why none exists.
///
/// ```
/// use threadcheck::lin::{check_history, History, Spec};
///
/// #[derive(Clone, Debug, PartialEq, Eq, Hash)]
/// struct Register(i32);
/// impl Spec for Register {
///     type Op = Option<i32>; // Some(v) = write v, None = read
///     type Ret = i32;
///     fn apply(&mut self, op: &Option<i32>) -> i32 {
///         if let Some(v) = op { self.0 = *v; }
///         self.0
///     }
/// }
///
/// let mut h = History::new();
/// h.push(1, Some(1), 0, Some((3, 1))); // write 1, overlapping
/// h.push(2, None, 1, Some((2, 1)));    // a read that already sees it: fine
/// assert!(check_history(&Register(0), &h).is_ok());
///
/// let mut h = History::new();
/// h.push(1, Some(1), 0, Some((1, 1))); // write 1 returns
/// h.push(2, None, 2, Some((3, 0)));    // then a read sees the old value: not linearizable
/// assert!(check_history(&Register(0), &h).is_err());
/// ```
pub fn check_history<S: Spec>(
    initial: &S,
    history: &History<S::Op, S::Ret>,
) -> Result<Linearization, NotLinearizable> {
    let calls = history.calls();
    let n = calls.len();
    let response = |i: usize| calls[i].response.as_ref().map_or(u64::MAX, |(t, _)| *t);
    let completed = calls.iter().filter(|c| c.response.is_some()).count();

    let mut search = Search {
        visited: HashSet::new(),
        order: Vec::with_capacity(n),
        best: None,
        nodes: 0,
    };
    let mut done = Bits::new(n);
    search.visited.insert((done.0.clone(), initial.clone()));
    let mut state = initial.clone();
    if search.dfs(history, &response, completed, 0, &mut done, &mut state) {
        return Ok(search.order);
    }
    let nodes = search.nodes;
    let (prefix, state, mismatches) = search.best.unwrap_or_default();
    Err(NotLinearizable {
        prefix,
        state,
        mismatches,
        nodes,
    })
}

type Best = (Vec<usize>, String, Vec<(usize, String)>);

struct Search<S> {
    visited: HashSet<(Vec<u64>, S)>,
    order: Vec<usize>,
    best: Option<Best>,
    nodes: u64,
}

impl<S: Spec> Search<S> {
    fn dfs(
        &mut self,
        history: &History<S::Op, S::Ret>,
        response: &dyn Fn(usize) -> u64,
        completed: usize,
        linearized_completed: usize,
        done: &mut Bits,
        state: &mut S,
    ) -> bool {
        self.nodes += 1;
        if linearized_completed == completed {
            return true;
        }
        let calls = history.calls();
        let is_done = |done: &Bits, i: usize| done.0[i / 64] & (1 << (i % 64)) != 0;
        // The earliest response among unlinearized calls: only calls invoked before it may go
        // next.
        let horizon = (0..calls.len())
            .filter(|&i| !is_done(done, i))
            .map(response)
            .min()
            .unwrap_or(u64::MAX);
        let mut mismatches = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            if is_done(done, i) || call.invoke > horizon {
                continue;
            }
            let mut next = state.clone();
            let ret = next.apply_as(call.thread, &call.op);
            let fits = match &call.response {
                Some((_, observed)) => *observed == ret,
                None => true,
            };
            if !fits {
                mismatches.push((i, format!("{ret:?}")));
                continue;
            }
            done.0[i / 64] |= 1 << (i % 64);
            if self.visited.insert((done.0.clone(), next.clone())) {
                self.order.push(i);
                let counted = usize::from(call.response.is_some());
                if self.dfs(
                    history,
                    response,
                    completed,
                    linearized_completed + counted,
                    done,
                    &mut next,
                ) {
                    return true;
                }
                self.order.pop();
            }
            done.0[i / 64] &= !(1 << (i % 64));
        }
        let deeper = self
            .best
            .as_ref()
            .is_none_or(|(prefix, _, _)| prefix.len() < self.order.len());
        if deeper {
            self.best = Some((self.order.clone(), format!("{state:?}"), mismatches));
        }
        false
    }
}
