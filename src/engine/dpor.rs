//! Exhaustive search: Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014,
//! Algorithm 1), stateless: every execution re-runs the program from the start, following a
//! recorded prefix and then a new choice.
//!
//! Invariants: `nodes[i]` describes the state before step `i` of the current execution: the
//! thread that ran, the threads that must be or have been explored there (`backtrack`, of which
//! `done` were), the sleep set on entry, and the threads found blocked there. A thread in a sleep
//! set is enabled (it was explored from an equivalent earlier state and nothing dependent
//! happened since, and only dependent steps can disable an operation). Complete executions are
//! pairwise inequivalent (sleep sets); every Mazurkiewicz trace is represented by one of them
//! (source sets). Executions where every enabled thread sleeps are abandoned and counted apart.

use super::exec::{bit, members, Class, Exec, TSet, NO_EVENT, NO_OBJ};
use super::run::{Attempt, Choice, Ctl, Decision, End, Strategy};

#[derive(Clone, Debug)]
struct Node {
    chosen: u8,
    backtrack: TSet,
    done: TSet,
    sleep: TSet,
    blocked: TSet,
    /// Threads known to be enabled here (the one that ran, sleeping ones, and those whose
    /// operation cannot block or is a lock acquisition of a free lock).
    enabled: TSet,
    /// The previous step's thread could have run here.
    prev_enabled: bool,
    hash: u32,
}

/// Source-DPOR with sleep sets.
pub(crate) struct Dpor {
    nodes: Vec<Node>,
    /// Steps of the next execution that follow `nodes` (the last one is the new branch).
    replay_len: usize,
    started: bool,
    finished: bool,
    /// Executions abandoned because every enabled thread was asleep.
    pub(crate) sleep_blocked: u64,
}

fn lowest(set: TSet) -> usize {
    set.trailing_zeros() as usize
}

impl Dpor {
    pub(crate) fn new() -> Dpor {
        Dpor {
            nodes: Vec::new(),
            replay_len: 0,
            started: false,
            finished: false,
            sleep_blocked: 0,
        }
    }

    /// The initials of `v = notdep(e, E).e'` restricted to the events between `e` and `e'`:
    /// threads whose first event in `v` has no predecessor in `v`.
    fn initials(exec: &Exec, e: u32, j: u32) -> TSet {
        let ev = &exec.events[e as usize];
        let te = ev.thread as usize;
        let le = ev.local;
        let mut first_local = [0u32; super::exec::MAX_THREADS];
        let mut seen: TSet = 0;
        let mut initials: TSet = 0;
        for k in e + 1..=j {
            let f = &exec.events[k as usize];
            if k != j && exec.clock_at(k, te) >= le {
                continue; // happens after e
            }
            let u = f.thread as usize;
            if seen & bit(u) != 0 {
                continue;
            }
            let initial = members(seen).all(|w| exec.clock_at(k, w) < first_local[w]);
            if initial {
                initials |= bit(u);
            }
            seen |= bit(u);
            first_local[u] = f.local;
        }
        initials
    }
}

impl Dpor {
    /// Makes sure an initial of `notdep(e, E).e'` is explored before `e`.
    fn reverse(&mut self, exec: &Exec, e: u32, j: u32) {
        let q = exec.events[j as usize].thread as usize;
        let initials = Self::initials(exec, e, j);
        let node = &mut self.nodes[e as usize];
        if initials & node.backtrack & !node.blocked != 0 {
            return;
        }
        if initials & bit(q) != 0 {
            if node.blocked & bit(q) == 0 {
                node.backtrack |= bit(q);
            }
        } else {
            let c = initials & !node.blocked;
            let awake = c & !node.sleep;
            let pick = if awake != 0 { awake } else { c };
            if pick != 0 {
                node.backtrack |= bit(lowest(pick));
            }
        }
    }

    /// The last step before `cur` on the same object as `j`, by another thread, dependent with
    /// `j`, and not ordered before `j` by `j`'s own thread.
    fn earlier_candidate(exec: &Exec, cur: u32, j: u32) -> Option<u32> {
        let ej = &exec.events[j as usize];
        let list = &exec.objects[ej.obj as usize].events;
        let pos = list
            .binary_search_by(|&x| x.cmp(&cur))
            .unwrap_or_else(|p| p);
        list[..pos.min(list.len())]
            .iter()
            .rev()
            .copied()
            .find(|&e2| {
                let ev = &exec.events[e2 as usize];
                ev.thread != ej.thread
                    && !Class::independent(ev.class, ej.class)
                    && !exec.hb_before(e2, ej.before)
            })
    }
}

impl Strategy for Dpor {
    fn needs_clocks(&self) -> bool {
        true
    }

    fn next_execution(&mut self) -> bool {
        if !self.started {
            self.started = true;
            self.replay_len = 0;
            return true;
        }
        while let Some(node) = self.nodes.last_mut() {
            let avail = node.backtrack & !node.done & !node.sleep & !node.blocked;
            if avail != 0 {
                let p = lowest(avail);
                node.chosen = p as u8;
                node.done |= bit(p);
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
        if i + 1 < self.replay_len {
            // The recorded prefix.
            let node = &self.nodes[i];
            let t = node.chosen as usize;
            let preemption = ctl.prev().is_some_and(|p| p != t) && node.prev_enabled;
            let hash = node.hash;
            ctl.mark_blocked(node.blocked);
            if ctl.try_run(t, preemption) == Attempt::Blocked
                || ctl.choices().last().map(|c| c.hash) != Some(hash)
            {
                return Decision::Diverged(format!(
                    "the program is not deterministic: re-running it with the same schedule, \
                     step {i} did something else (does it depend on time, randomness, \
                     HashMap order, or state kept between executions?)"
                ));
            }
            return Decision::Ran;
        }
        if i + 1 == self.replay_len {
            // The new branch: try the chosen thread, or another one left to explore here.
            ctl.mark_blocked(self.nodes[i].blocked);
            loop {
                let node = &self.nodes[i];
                let t = node.chosen as usize;
                let preemption = ctl.prev().is_some_and(|p| p != t) && node.prev_enabled;
                if ctl.try_run(t, preemption) == Attempt::Ran {
                    let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                    self.nodes[i].hash = hash;
                    return Decision::Ran;
                }
                let node = &mut self.nodes[i];
                node.blocked |= bit(t);
                let avail = node.backtrack & !node.done & !node.sleep & !node.blocked;
                if avail == 0 {
                    return Decision::Prune;
                }
                let p = lowest(avail);
                node.chosen = p as u8;
                node.done |= bit(p);
            }
        }
        // A new state: its sleep set comes from the parent's.
        let sleep = if i == 0 {
            0
        } else {
            let parent = &self.nodes[i - 1];
            let exec = ctl.exec();
            let ev = exec.events[i - 1];
            let inherited =
                (parent.sleep | (parent.done & !bit(parent.chosen as usize))) & !parent.blocked;
            let mut sleep = 0;
            for q in members(inherited) {
                let Some(op) = exec.threads[q].pending else {
                    continue;
                };
                let dep =
                    ev.obj != NO_OBJ && ev.obj == op.obj && !Class::independent(ev.class, op.class);
                if !dep {
                    sleep |= bit(q);
                }
            }
            sleep
        };
        let cands = ctl.candidates();
        let live = ctl.live();
        let prev = ctl.prev();
        let yielded = ctl.prev_yielded();
        // Continue the previous thread, else the next one round-robin.
        let n = ctl.exec().threads.len();
        let start = prev.map(|p| if yielded { p + 1 } else { p }).unwrap_or(0);
        // The previous thread could continue if it is runnable (a candidate, or asleep): then
        // running another thread here is a preemption. A blocked attempt below clears it.
        let mut prev_enabled = match prev {
            Some(p) => !yielded && (sleep | cands) & bit(p) != 0,
            None => false,
        };
        let mut blocked: TSet = live & !cands;
        let mut enabled: TSet = sleep;
        {
            let exec = ctl.exec();
            for t in members(cands) {
                if exec.known_enabled(t) == Some(true) {
                    enabled |= bit(t);
                }
            }
        }
        for k in 0..n {
            let t = (start + k) % n;
            if cands & bit(t) == 0 || sleep & bit(t) != 0 {
                continue;
            }
            let preemption = prev.is_some_and(|p| p != t) && prev_enabled;
            match ctl.try_run(t, preemption) {
                Attempt::Ran => {
                    let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                    self.nodes.push(Node {
                        chosen: t as u8,
                        backtrack: bit(t),
                        done: bit(t),
                        sleep,
                        blocked,
                        enabled: enabled | bit(t),
                        prev_enabled,
                        hash,
                    });
                    return Decision::Ran;
                }
                Attempt::Blocked => {
                    blocked |= bit(t);
                }
            }
            if Some(t) == prev && !yielded {
                prev_enabled = false;
            }
        }
        if live & sleep != 0 {
            self.sleep_blocked += 1;
            Decision::Prune
        } else {
            Decision::NoneRunnable
        }
    }

    fn end_execution(&mut self, exec: &Exec, _: &[Choice], end: &End) {
        let from = self.replay_len.saturating_sub(1) as u32;
        if std::env::var_os("THREADCHECK_DPOR_DEBUG").is_some() {
            let steps: Vec<String> = exec
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let n = self.nodes.get(i);
                    format!(
                        "{i}:T{} {} {} sl={:b} bt={:b} bl={:b}",
                        e.thread,
                        e.action,
                        exec.object_name(e.obj),
                        n.map(|n| n.sleep).unwrap_or(0),
                        n.map(|n| n.backtrack).unwrap_or(0),
                        n.map(|n| n.blocked).unwrap_or(0)
                    )
                })
                .collect();
            eprintln!("--- from {from} end {end:?}\n  {}", steps.join("\n  "));
            eprintln!("  races {:?}", exec.races);
        }
        for &(e, j) in &exec.races {
            if j < from || e as usize >= self.nodes.len() {
                continue;
            }
            let ej = exec.events[j as usize];
            let q = ej.thread as usize;
            // Reverse the race. If `e'` may have been disabled before `e` (`e` enabled it, as a
            // release enables an acquisition), also reverse with the earlier steps on the
            // object, back to the last one before which `e'` was enabled (the last co-enabled
            // one). What is known about `q` at a node is about its pending operation there,
            // which is `e'` only if `q` did nothing in between.
            let mut cur = e;
            loop {
                let node = &self.nodes[cur as usize];
                let pending_is_ej = ej.before == NO_EVENT || ej.before < cur;
                let (blocked, enabled) = if !ej.blocking {
                    (false, true)
                } else if pending_is_ej {
                    (node.blocked & bit(q) != 0, node.enabled & bit(q) != 0)
                } else {
                    (false, false)
                };
                if !blocked {
                    self.reverse(exec, cur, j);
                }
                if enabled {
                    break;
                }
                match Self::earlier_candidate(exec, cur, j) {
                    Some(e2) if (e2 as usize) < self.nodes.len() => cur = e2,
                    _ => break,
                }
            }
        }
    }

    fn complete(&self) -> bool {
        self.finished
    }

    fn stats(&self) -> String {
        format!("{} abandoned as sleep-set blocked", self.sleep_blocked)
    }

    fn limited_by(&self) -> Option<String> {
        None
    }
}
