//! Exhaustive search with state caching: a depth-first search with sleep sets that explores
//! every reachable state once (Godefroid, "Partial-Order Methods for the Verification of
//! Concurrent Systems", 1996, chapter 5: sleep sets with state caching), stateless in the
//! engine's way: every execution re-runs the program from the start to the branch it explores.
//!
//! Invariants: `nodes[i]` describes the state before step `i` of the current execution: the
//! thread that ran, the threads to explore there (`todo`: those that could run and were not
//! asleep), those explored, the sleep set on entry and the threads found blocked. A state is
//! looked up in `visited` when the search first reaches it on a path, with the threads asleep at
//! every earlier visit; it is abandoned there if all of those are asleep now too (everything the
//! current path needs from it was explored then), else the steps of those that are awake now
//! are explored (the others were explored at an earlier visit), and the stored set becomes the
//! intersection (Godefroid's algorithm). A state is a 128-bit fingerprint of every thread's
//! history and every object's value (`Exec::state`). `docs/engine.md` ("State caching") argues
//! why this finds
//! every deadlock and every failing step, and why the state graph has no cycle.

use super::exec::{bit, members, Exec, OpKind, TSet, NO_OBJ};
use super::run::{Attempt, Choice, Ctl, Decision, End, Starvation, Strategy, Turns};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

#[derive(Clone, Debug)]
struct Node {
    chosen: u8,
    /// The threads to explore here: those that could run and were not asleep.
    todo: TSet,
    done: TSet,
    sleep: TSet,
    blocked: TSet,
    /// The previous step's thread could have run here.
    prev_enabled: bool,
    hash: u32,
}

/// Depth-first search with sleep sets and a table of visited states.
pub(crate) struct Stateful {
    nodes: Vec<Node>,
    /// Steps of the next execution that follow `nodes` (the last one is the new branch).
    replay_len: usize,
    started: bool,
    finished: bool,
    /// Every state reached, with the sleep set it was explored with (hashed with fixed keys:
    /// the engine keeps no random state).
    visited: HashMap<u128, TSet, BuildHasherDefault<DefaultHasher>>,
    /// Executions abandoned at a state explored before.
    revisits: u64,
    /// States explored again because the current sleep set was smaller (only the steps asleep
    /// at every earlier visit).
    reexplored: u64,
    /// Executions abandoned because every enabled thread was asleep.
    sleep_blocked: u64,
    /// States reached that could not be compared (an object without a fingerprint existed).
    uncomparable: u64,
    /// Daemon threads going on alone while the program's threads sleep or wait, as in
    /// [`super::dpor::Dpor`].
    pub(crate) starvation: Starvation,
    /// The current execution explores nothing more: it is run to its end, any way (see
    /// [`Stateful::finish`]).
    finishing: bool,
}

impl Stateful {
    pub(crate) fn new() -> Stateful {
        Stateful {
            nodes: Vec::new(),
            replay_len: 0,
            started: false,
            finished: false,
            visited: HashMap::default(),
            revisits: 0,
            reexplored: 0,
            sleep_blocked: 0,
            uncomparable: 0,
            starvation: Starvation::new(),
            finishing: false,
        }
    }

    /// Runs one step of an execution that explores nothing more (it reached a visited state,
    /// or every thread that could run is asleep): the first thread that can run, continuing
    /// the previous one. Abandoning the execution instead would leak what its threads have on
    /// their stacks (a suspended coroutine is reset without unwinding, see `run.rs`), once per
    /// execution, and this search abandons most of them. The rest of the run is a real
    /// execution of the program: a failure in it is a real failure.
    fn finish(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        self.finishing = true;
        let n = ctl.exec().threads.len();
        let cands = ctl.candidates();
        for t in Turns::new(ctl, 0, 0).order(n) {
            if cands & bit(t) != 0 && ctl.try_run(t, false) == Attempt::Ran {
                return Decision::Ran;
            }
        }
        Decision::NoneRunnable
    }
}

/// The threads whose steps must be explored at a state: a *persistent set* (Godefroid 1996,
/// ch. 4). A thread about to yield or sleep alone is one: its step touches no object, so every
/// step the other threads can take before it is independent of it, and it never blocks. The
/// choice (the first such thread) depends only on the state, as the revisit rule needs. Else
/// every thread that may run.
fn persistent(exec: &Exec, cands: TSet) -> TSet {
    members(cands)
        .find(|&t| {
            exec.threads[t]
                .pending
                .is_some_and(|op| op.kind == OpKind::Yield && op.obj == NO_OBJ)
        })
        .map_or(cands, bit)
}

/// Moves the node to its next branch; `false` when none is left.
fn take_branch(node: &mut Node) -> bool {
    let left = node.todo & !node.done & !node.blocked;
    match members(left).next() {
        Some(t) => {
            node.chosen = t as u8;
            node.done |= bit(t);
            true
        }
        None => false,
    }
}

impl Strategy for Stateful {
    fn stateful(&self) -> bool {
        true
    }

    fn states(&self) -> Option<u64> {
        Some(self.visited.len() as u64)
    }

    fn next_execution(&mut self) -> bool {
        if !self.started {
            self.started = true;
            return true;
        }
        self.starvation.restart();
        self.finishing = false;
        while let Some(node) = self.nodes.last_mut() {
            if take_branch(node) {
                self.replay_len = self.nodes.len();
                return true;
            }
            self.nodes.pop();
        }
        self.finished = true;
        false
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let i = ctl.step();
        if self.finishing {
            return self.finish(ctl);
        }
        if i + 1 < self.replay_len {
            // The recorded prefix.
            let node = &self.nodes[i];
            return ctl.follow(
                node.chosen as usize,
                node.prev_enabled,
                node.blocked,
                node.hash,
            );
        }
        if i + 1 == self.replay_len {
            // The new branch: the chosen thread, or another one left to explore here.
            ctl.mark_blocked(self.nodes[i].blocked);
            loop {
                let node = &self.nodes[i];
                let t = node.chosen as usize;
                let preemption = ctl.preempts(t, node.prev_enabled);
                if ctl.try_run(t, preemption) == Attempt::Ran {
                    self.nodes[i].hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                    return Decision::Ran;
                }
                let node = &mut self.nodes[i];
                node.blocked |= bit(t);
                if !take_branch(node) {
                    // Nothing is left to explore here: the node is done.
                    self.nodes.truncate(i);
                    return self.finish(ctl);
                }
            }
        }
        // A new state: its sleep set comes from the parent's, as in the stateless search.
        let sleep = if i == 0 {
            0
        } else {
            let parent = &self.nodes[i - 1];
            let inherited =
                (parent.sleep | (parent.done & !bit(parent.chosen as usize))) & !parent.blocked;
            ctl.still_asleep(inherited)
        };
        // The threads not yet explored from this state: all of them, or on a revisit those that
        // were asleep at every earlier visit (the others' steps were explored then).
        let mut unexplored: TSet = !0;
        let state = ctl.exec().state();
        match state {
            Some(state) => match self.visited.get_mut(&state) {
                Some(asleep) if *asleep & !sleep == 0 => {
                    self.revisits += 1;
                    return self.finish(ctl);
                }
                Some(asleep) => {
                    unexplored = *asleep;
                    *asleep &= sleep;
                    self.reexplored += 1;
                }
                None => {
                    self.visited.insert(state, sleep);
                }
            },
            None => self.uncomparable += 1,
        }
        let cands = ctl.candidates();
        let live = ctl.live();
        // Daemon threads alone going on while the program's threads sleep: as in the stateless
        // search, followed for `Starvation::limit` steps, then abandoned (not exhaustive).
        if self
            .starvation
            .abandon(ctl.program_starved(sleep, cands, live))
        {
            return self.finish(ctl);
        }
        let n = ctl.exec().threads.len();
        let mut turns = Turns::new(ctl, sleep | cands, live & !cands);
        let todo = persistent(&ctl.exec(), cands) & !sleep & unexplored;
        for t in turns.order(n) {
            if todo & bit(t) != 0 && turns.attempt(ctl, t) == Attempt::Ran {
                let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                self.nodes.push(Node {
                    chosen: t as u8,
                    todo,
                    done: bit(t),
                    sleep,
                    blocked: turns.blocked,
                    prev_enabled: turns.prev_enabled,
                    hash,
                });
                return Decision::Ran;
            }
        }
        if unexplored != !0 {
            // A revisit whose remaining threads cannot run: the state was explored before (a
            // deadlock here would have been reported then).
            self.finish(ctl)
        } else if live & sleep != 0 {
            // Every thread that could run sleeps: what follows was explored from elsewhere.
            self.sleep_blocked += 1;
            self.finish(ctl)
        } else {
            Decision::NoneRunnable
        }
    }

    fn end_execution(&mut self, _: &super::exec::Exec, _: &[Choice], _: &End) {}

    fn complete(&self) -> bool {
        self.finished && self.starvation.none()
    }

    fn stats(&self) -> String {
        format!(
            "{} states, {} executions abandoned at a visited state, {} states explored again \
             with a smaller sleep set, {} abandoned as sleep-set blocked, {} states not \
             comparable",
            self.visited.len(),
            self.revisits,
            self.reexplored,
            self.sleep_blocked,
            self.uncomparable
        )
    }

    fn limited_by(&self) -> Option<String> {
        self.starvation.limited_by()
    }
}
