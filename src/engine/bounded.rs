//! Iterative preemption bounding (Musuvathi & Qadeer, PLDI 2007, as in CHESS).
//!
//! A preemption is a switch away from a thread that could have continued (its operation is
//! enabled and it did not just yield). Iteration `P` explores every execution with at most `P`
//! preemptions, so the first counterexample found has the fewest preemptions of all failing
//! executions. Continuing a thread right after it yielded, while another thread could run, also
//! costs one (that is what makes spin loops finite at bound 0); switching at a yield, a blocked
//! or a finished thread is free.
//!
//! The search is a depth-first enumeration of executions by their *deviation points*: an
//! execution runs the default (non-preemptive) policy except at deviation points, where it takes
//! another thread. From every execution, the deviations after its own last deviation are tried
//! in order: first those where the preempted thread's next operation is dependent with the
//! chosen thread's (where a preemption can change an outcome), then the others, each group
//! earliest first. Every execution is enumerated exactly once per iteration; one with fewer
//! preemptions than the bound was already checked in an earlier iteration and is only re-run to
//! reach its extensions. No partial-order reduction prunes the bounded space: sleep sets and
//! DPOR are unsound under a preemption bound (Coons, Musuvathi, McKinley, OOPSLA 2013), and this
//! strategy's point is the minimal counterexample.
//!
//! Invariants: a frame holds one explored execution (its steps, and the alternatives at each
//! step after its branch point) and a cursor over those alternatives; the frame stack is the
//! path of deviations from the iteration's root execution.

use super::exec::{bit, dependent, members, Exec, TSet};
use super::run::{Attempt, Choice, Ctl, Decision, End, Strategy};

#[derive(Clone, Copy, Debug)]
struct Step {
    thread: u8,
    preemption: bool,
    hash: u32,
}

/// The alternatives at one step: free ones, ones costing a preemption, and which of the latter
/// are dependent with the preempted thread's next operation.
#[derive(Clone, Copy, Debug)]
struct Alts {
    pos: u32,
    free: TSet,
    costly: TSet,
    dep: TSet,
}

#[derive(Clone)]
struct Frame {
    steps: Vec<Step>,
    alts: Vec<Alts>,
    budget: u32,
    /// 0: dependent preemptions; 1: independent preemptions; 2: free alternatives.
    pass: u8,
    cursor: usize,
    tried: TSet,
}

struct Plan {
    prefix: Vec<Step>,
    branch: Option<(usize, usize, bool)>,
    budget: u32,
}

/// Iterative preemption bounding.
pub(crate) struct Bounded {
    max: Option<u32>,
    bound: u32,
    frames: Vec<Frame>,
    plan: Option<Plan>,
    /// Steps and alternatives of the execution running now.
    steps: Vec<Step>,
    alts: Vec<Alts>,
    /// Some alternative exceeded the bound in this iteration.
    cut: bool,
    finished: bool,
    complete: bool,
    started: bool,
    /// The root execution of the iterations (it does not depend on the bound).
    root: Option<Frame>,
}

impl Bounded {
    pub(crate) fn new(max: Option<u32>) -> Bounded {
        Bounded {
            max,
            bound: 0,
            frames: Vec::new(),
            plan: None,
            steps: Vec::new(),
            alts: Vec::new(),
            cut: false,
            finished: false,
            complete: false,
            started: false,
            root: None,
        }
    }

    fn root_plan(&self) -> Plan {
        Plan {
            prefix: Vec::new(),
            branch: None,
            budget: self.bound,
        }
    }

    /// The next alternative of the top frame within its budget.
    fn next_alternative(&mut self) -> Option<Plan> {
        loop {
            let frame = self.frames.last_mut()?;
            if frame.pass > 2 {
                self.frames.pop();
                continue;
            }
            if frame.cursor >= frame.alts.len() {
                frame.pass += 1;
                frame.cursor = 0;
                frame.tried = 0;
                continue;
            }
            let a = frame.alts[frame.cursor];
            // New executions (one more preemption) first, dependent ones first: that is where a
            // preemption can change an outcome; then the free alternatives, whose executions
            // were checked in an earlier iteration and are re-run to reach their extensions.
            let wanted = match frame.pass {
                0 => a.costly & a.dep,
                1 => a.costly & !a.dep,
                _ => a.free,
            };
            let left = wanted & !frame.tried;
            let Some(q) = members(left).next() else {
                frame.cursor += 1;
                frame.tried = 0;
                continue;
            };
            frame.tried |= bit(q);
            let cost = u32::from(a.costly & bit(q) != 0);
            if cost > frame.budget {
                self.cut = true;
                continue;
            }
            let pos = a.pos as usize;
            return Some(Plan {
                prefix: frame.steps[..pos].to_vec(),
                branch: Some((pos, q, cost == 1)),
                budget: frame.budget - cost,
            });
        }
    }
}

impl Strategy for Bounded {
    fn next_execution(&mut self) -> bool {
        if self.finished {
            return false;
        }
        if !self.started {
            self.started = true;
            self.plan = Some(self.root_plan());
            return true;
        }
        loop {
            if let Some(plan) = self.next_alternative() {
                self.plan = Some(plan);
                return true;
            }
            // The iteration is over.
            if !self.cut {
                self.complete = true;
                self.finished = true;
                return false;
            }
            if self.max.is_some_and(|m| self.bound >= m) {
                self.finished = true;
                return false;
            }
            self.bound += 1;
            self.cut = false;
            match &self.root {
                // The root execution does not depend on the bound: explore from it again.
                Some(root) => {
                    let mut root = root.clone();
                    root.budget = self.bound;
                    self.frames.push(root);
                }
                None => {
                    self.plan = Some(self.root_plan());
                    return true;
                }
            }
        }
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let i = ctl.step();
        if i == 0 {
            self.steps.clear();
            self.alts.clear();
        }
        let plan = self.plan.as_ref().expect("a plan");
        if i < plan.prefix.len() {
            let s = plan.prefix[i];
            let replayed = ctl.replay(s.thread as usize, s.preemption, s.hash);
            if let Decision::Ran = replayed {
                self.steps.push(s);
            }
            return replayed;
        }
        if let Some((pos, q, preemption)) = plan.branch {
            if i == pos {
                if ctl.try_run(q, preemption) == Attempt::Blocked {
                    return Decision::Prune;
                }
                let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                self.steps.push(Step {
                    thread: q as u8,
                    preemption,
                    hash,
                });
                return Decision::Ran;
            }
        }
        // The default, non-preemptive policy; record the alternatives.
        let cands = ctl.candidates();
        let prev = ctl.prev();
        let yielded = ctl.prev_yielded();
        let n = ctl.exec().threads.len();
        let mut blocked: TSet = 0;
        let mut ran = None;
        let mut prev_enabled = false;
        if let Some(p) = prev {
            if cands & bit(p) != 0 && !yielded {
                match ctl.try_run(p, false) {
                    Attempt::Ran => {
                        ran = Some(p);
                        prev_enabled = true;
                    }
                    Attempt::Blocked => blocked |= bit(p),
                }
            }
        }
        if ran.is_none() {
            let start = prev.map(|p| p + 1).unwrap_or(0);
            for k in 0..n {
                let t = (start + k) % n;
                if cands & bit(t) == 0 || blocked & bit(t) != 0 || Some(t) == prev {
                    continue;
                }
                match ctl.try_run(t, false) {
                    Attempt::Ran => {
                        ran = Some(t);
                        break;
                    }
                    Attempt::Blocked => blocked |= bit(t),
                }
            }
        }
        if ran.is_none() {
            // Only the thread that just yielded can run.
            if let Some(p) = prev {
                if yielded && cands & bit(p) != 0 && ctl.try_run(p, false) == Attempt::Ran {
                    ran = Some(p);
                }
            }
        }
        let Some(t) = ran else {
            return Decision::NoneRunnable;
        };
        let others = cands & !blocked & !bit(t);
        let (free, costly, dep) = if prev_enabled {
            // `t` is the previous thread, which could continue: switching costs one.
            let exec = ctl.exec();
            let ev = exec.events.last().copied();
            let mut dep = 0;
            if let Some(ev) = ev {
                for q in members(others) {
                    if let Some(op) = exec.threads[q].pending {
                        let a = super::exec::OpDesc {
                            obj: ev.obj,
                            class: ev.class,
                            action: ev.action,
                            site: ev.site,
                            kind: op.kind,
                            settle: op.settle,
                        };
                        if dependent(&a, &op) {
                            dep |= bit(q);
                        }
                    }
                }
            }
            (0, others, dep)
        } else if yielded && prev.is_some_and(|p| p != t && cands & bit(p) != 0) {
            let p = prev.expect("a previous thread");
            (others & !bit(p), others & bit(p), 0)
        } else {
            (others, 0, 0)
        };
        let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
        self.steps.push(Step {
            thread: t as u8,
            preemption: false,
            hash,
        });
        if free | costly != 0 {
            self.alts.push(Alts {
                pos: i as u32,
                free,
                costly,
                dep,
            });
        }
        Decision::Ran
    }

    fn end_execution(&mut self, _: &Exec, _: &[Choice], end: &End) {
        let Some(plan) = self.plan.take() else { return };
        // A cut execution keeps its frame: its alternatives before the cut can be shorter.
        if matches!(end, End::Pruned | End::Diverged(_) | End::Abort(_)) {
            return;
        }
        let frame = Frame {
            steps: std::mem::take(&mut self.steps),
            alts: std::mem::take(&mut self.alts),
            budget: plan.budget,
            pass: 0,
            cursor: 0,
            tried: 0,
        };
        if plan.prefix.is_empty() && plan.branch.is_none() && self.root.is_none() {
            self.root = Some(frame.clone());
        }
        self.frames.push(frame);
    }

    fn complete(&self) -> bool {
        self.complete
    }

    fn limit_preemptions(&mut self, preemptions: u32) {
        self.max = Some(self.max.map_or(preemptions, |m| m.min(preemptions)));
    }

    fn stats(&self) -> String {
        format!("preemption bound reached: {}", self.bound)
    }

    fn limited_by(&self) -> Option<String> {
        if self.complete {
            None
        } else {
            Some(format!("preemption bound {}", self.bound))
        }
    }
}
