//! Every schedule, one execution each, with no reduction at all: the reference that the
//! exhaustive searches and their reductions are compared with (`tests/soundness.rs`).
//!
//! A depth-first enumeration: at every state every thread that can run is a branch, tried in
//! thread order; an execution re-runs the program from the start, following the recorded path
//! to its last branch point and taking the next thread there. Nothing is pruned but a branch
//! whose thread turns out blocked. Daemon threads are not followed past the program's end:
//! every order of their steps before it is a schedule of its own.
//!
//! Invariants: `path[i]` is the step `i` of the current execution (its thread, checksum and
//! preemption mark) and the threads not yet tried at the state before it; the next execution
//! replays `path[..replay - 1]` and runs the branch `path[replay - 1]`.

use super::exec::{bit, members, Exec, TSet};
use super::run::{Attempt, Choice, Ctl, Decision, End, Strategy};
use super::strategy::switch_is_preemption;

#[derive(Clone, Copy, Debug)]
struct Branch {
    thread: u8,
    hash: u32,
    preemption: bool,
    /// Threads still to try at the state before this step.
    left: TSet,
}

/// The plain enumeration of every schedule ([`Strategy::EverySchedule`](super::Strategy)).
pub(crate) struct EverySchedule {
    path: Vec<Branch>,
    replay: usize,
    started: bool,
    finished: bool,
}

impl EverySchedule {
    pub(crate) fn new() -> EverySchedule {
        EverySchedule {
            path: Vec::new(),
            replay: 0,
            started: false,
            finished: false,
        }
    }
}

impl Strategy for EverySchedule {
    fn next_execution(&mut self) -> bool {
        if !self.started {
            self.started = true;
            return true;
        }
        while let Some(branch) = self.path.last_mut() {
            if let Some(t) = members(branch.left).next() {
                branch.left &= !bit(t);
                branch.thread = t as u8;
                self.replay = self.path.len();
                return true;
            }
            self.path.pop();
        }
        self.finished = true;
        false
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let i = ctl.step();
        if i + 1 < self.replay {
            let b = self.path[i];
            return ctl.replay(b.thread as usize, b.preemption, b.hash);
        }
        if i + 1 == self.replay {
            let t = self.path[i].thread as usize;
            let preemption = switch_is_preemption(ctl, t);
            if ctl.try_run(t, preemption) == Attempt::Blocked {
                return Decision::Prune;
            }
            let hash = ctl.choices().last().map_or(0, |c| c.hash);
            self.path[i].hash = hash;
            self.path[i].preemption = preemption;
            return Decision::Ran;
        }
        let cands = ctl.candidates();
        for t in members(cands) {
            let preemption = switch_is_preemption(ctl, t);
            if ctl.try_run(t, preemption) == Attempt::Ran {
                let hash = ctl.choices().last().map_or(0, |c| c.hash);
                self.path.push(Branch {
                    thread: t as u8,
                    hash,
                    preemption,
                    // The threads after `t` (those before it were found blocked).
                    left: cands & !(bit(t) | (bit(t) - 1)),
                });
                return Decision::Ran;
            }
        }
        Decision::NoneRunnable
    }

    fn end_execution(&mut self, _: &Exec, _: &[Choice], _: &End) {}

    fn complete(&self) -> bool {
        self.finished
    }

    fn limited_by(&self) -> Option<String> {
        None
    }
}
