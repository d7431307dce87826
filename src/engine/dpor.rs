//! Exhaustive search: Optimal DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014 / JACM 2017,
//! Algorithm 2: source sets with wake-up trees and sleep sets), stateless: every execution
//! re-runs the program from the start, following a recorded prefix and then a new branch.
//!
//! Invariants: `nodes[i]` describes the state before step `i` of the current execution: the
//! thread that ran, the wake-up tree of what is left to explore there (`wut`: sequences, each
//! an execution fragment that reverses a race), the subtree the current branch follows
//! (`follow`), the threads explored there (`done`), the sleep set on entry, and the threads found
//! blocked there. A thread in a sleep set is enabled (it was explored from an equivalent earlier
//! state and nothing dependent happened since, and only dependent steps can disable an
//! operation). When a race `e < e'` is found, the sequence `v = notdep(e, E).e'` is inserted into
//! the wake-up tree before `e`, unless a thread asleep there is a weak initial of `v` (then an
//! equivalent execution was or will be explored) or the tree already holds a branch that covers
//! it. A new branch follows its sequence step by step, so it does not end in a state where every
//! enabled thread sleeps: complete executions are pairwise inequivalent, and every Mazurkiewicz
//! trace is represented by one of them. Where the engine's treatment of blocking operations is
//! approximate (a reversed step found blocked), the search falls back to exploring more, never
//! less; such executions, if one ends with every enabled thread asleep, are abandoned and
//! counted apart.

use super::exec::{bit, members, Class, Exec, TSet, NO_EVENT, NO_OBJ};
use super::run::{Attempt, Choice, Ctl, Decision, End, Starvation, Strategy, Turns};
use crate::rt::Settle;

/// One step of a wake-up tree: a thread, the operation it performs there (for independence
/// checks), and what to explore after it.
#[derive(Clone, Debug)]
struct Wut {
    thread: u8,
    obj: u32,
    class: Class,
    children: Vec<Wut>,
}

impl Wut {
    /// A chain of steps, one per event.
    fn chain(exec: &Exec, events: &[u32]) -> Vec<Wut> {
        let mut tail = Vec::new();
        for &k in events.iter().rev() {
            let ev = &exec.events[k as usize];
            tail = vec![Wut {
                thread: ev.thread,
                obj: ev.obj,
                class: ev.class,
                children: tail,
            }];
        }
        tail
    }
}

#[derive(Clone, Debug)]
struct Node {
    chosen: u8,
    /// Wake-up tree: branches left to explore here, in order.
    wut: Vec<Wut>,
    /// The rest of the branch being explored: the wake-up tree of the next state.
    follow: Vec<Wut>,
    done: TSet,
    sleep: TSet,
    /// The threads of `sleep` asleep since a job's floor: put to sleep by the split search,
    /// which reverses no race of their steps (see [`Scope::Below`]). Empty outside a job.
    floor_sleep: TSet,
    blocked: TSet,
    /// Threads known to be enabled here (the one that ran, sleeping ones, and those whose
    /// operation cannot block or is a lock acquisition of a free lock).
    enabled: TSet,
    /// The previous step's thread could have run here.
    prev_enabled: bool,
    hash: u32,
}

/// Which part of the execution tree a search covers (see [`Dpor::split`]).
#[derive(Clone, Debug)]
enum Scope {
    /// The whole tree.
    All,
    /// Every state `depth` steps deep becomes a [`Job`]; every thread that can run is explored
    /// at the states above it (with sleep sets), and no race is reversed.
    Split { depth: usize, jobs: Vec<Job> },
    /// The subtree below a job's prefix of `floor` steps, which is fixed: no branch is taken in
    /// it and no race is reversed into it.
    ///
    /// The threads asleep at the floor (explored by the split at an earlier sibling and not
    /// woken since) only stand for the traces in which their next step is an initial: the split
    /// explores every thread but reverses no race, so nothing reverses the races of such a
    /// thread's step with later ones. While one sleeps (`Node::floor_sleep`) it is not run, and
    /// it makes a race reversal `v` redundant only if it is an initial of `v`, not (as a thread
    /// explored within the search is) when it merely does not occur in `v` and its next step is
    /// independent of `v`: that rule relies on the races of its step having been reversed
    /// where it was explored, which would insert the executions in which its step comes after
    /// a later dependent one.
    Below { floor: usize },
}

/// The subtree below one state of a split search: the prefix's nodes as the split search left
/// them (the last one's explored and sleeping threads give the state's sleep set).
#[derive(Clone, Debug)]
pub(crate) struct Job {
    nodes: Vec<Node>,
}

/// Optimal DPOR: source sets, wake-up trees and sleep sets.
pub(crate) struct Dpor {
    scope: Scope,
    nodes: Vec<Node>,
    /// Steps of the next execution that follow `nodes` (the last one is the new branch).
    replay_len: usize,
    started: bool,
    finished: bool,
    /// Executions abandoned because every enabled thread was asleep.
    pub(crate) sleep_blocked: u64,
    /// Race reversals inserted into a wake-up tree, and those found redundant.
    inserted: u64,
    redundant: u64,
    /// Branches abandoned because the sequence they follow was not executable.
    not_reversible: u64,
    /// Reversals skipped because they wait for a settled state not reached.
    unsettled: u64,
    /// The buffer `reverse` builds its sequence in (kept to avoid an allocation per race).
    scratch: Vec<u32>,
    /// Steps replayed to reach the new branches, over all executions.
    replayed: u64,
    /// `THREADCHECK_DPOR_DEBUG` is set (read once: a look-up per execution costs as much as
    /// several steps).
    debug: bool,
    /// Daemon threads going on alone while the program's threads sleep or wait.
    pub(crate) starvation: Starvation,
}

/// Moves the node to its next branch: the first one of its wake-up tree whose thread is not
/// blocked, asleep or explored there. `false` when none is left.
fn take_branch(node: &mut Node) -> bool {
    while !node.wut.is_empty() {
        let c = node.wut.remove(0);
        let p = c.thread as usize;
        if (node.blocked | node.done | node.sleep) & bit(p) != 0 {
            continue;
        }
        node.chosen = c.thread;
        node.follow = c.children;
        node.done |= bit(p);
        return true;
    }
    node.follow.clear();
    false
}

impl Dpor {
    pub(crate) fn new() -> Dpor {
        Dpor {
            scope: Scope::All,
            nodes: Vec::new(),
            replay_len: 0,
            started: false,
            finished: false,
            sleep_blocked: 0,
            inserted: 0,
            redundant: 0,
            not_reversible: 0,
            unsettled: 0,
            scratch: Vec::new(),
            replayed: 0,
            debug: std::env::var_os("THREADCHECK_DPOR_DEBUG").is_some(),
            starvation: Starvation::new(),
        }
    }

    /// A search that splits the tree at `depth` steps: it runs the executions shorter than
    /// that, and turns every state at that depth into a [`Job`] ([`Dpor::take_jobs`]).
    ///
    /// Soundness: above the depth every thread that can run is explored at every state, with
    /// sleep sets only (Godefroid: this represents every Mazurkiewicz trace), and each job is
    /// an Optimal DPOR search of every trace of the continuations from its state in which no
    /// thread of the state's sleep set has its next step as an initial (those are a sibling's);
    /// together they represent every trace. No race is reversed into the prefix, which the
    /// split explores in full, so the jobs share nothing and run in any order, on any thread;
    /// this is also why a job uses the threads asleep at its floor less than its own
    /// ([`Scope::Below`]).
    pub(crate) fn split(depth: usize) -> Dpor {
        Dpor {
            scope: Scope::Split {
                depth,
                jobs: Vec::new(),
            },
            ..Dpor::new()
        }
    }

    /// The jobs a split search made, in the order it made them.
    pub(crate) fn take_jobs(&mut self) -> Vec<Job> {
        match &mut self.scope {
            Scope::Split { jobs, .. } => std::mem::take(jobs),
            _ => Vec::new(),
        }
    }

    /// The search of one job's subtree.
    pub(crate) fn below(job: Job) -> Dpor {
        Dpor {
            scope: Scope::Below {
                floor: job.nodes.len(),
            },
            nodes: job.nodes,
            ..Dpor::new()
        }
    }

    /// Steps of the fixed prefix (0 unless this is a job).
    fn floor(&self) -> usize {
        match self.scope {
            Scope::Below { floor } => floor,
            _ => 0,
        }
    }

    /// `v = notdep(e, E).e'`: the events between `e` and `e' = j` that do not happen after `e`,
    /// then `e'`, in execution order.
    fn notdep(exec: &Exec, e: u32, j: u32, v: &mut Vec<u32>) {
        let ev = &exec.events[e as usize];
        let (te, le) = (ev.thread as usize, ev.local);
        v.clear();
        v.extend((e + 1..j).filter(|&k| {
            // Another abandoned thread's pending operation never ran: it is not part of `v`.
            !exec.events[k as usize].pending && exec.clock_at(k, te) < le
        }));
        v.push(j);
    }

    /// Event `v[pos]` has no predecessor among the events before it in `v`.
    fn is_initial(exec: &Exec, v: &[u32], pos: usize) -> bool {
        let k = v[pos];
        v[..pos].iter().all(|&a| !exec.hb_before(a, k))
    }

    /// The operation (object, class) is independent of every event of `v`.
    fn independent_of_all(exec: &Exec, obj: u32, class: Class, v: &[u32]) -> bool {
        obj == NO_OBJ
            || v.iter().all(|&k| {
                let ev = &exec.events[k as usize];
                ev.obj != obj || Class::independent(ev.class, class)
            })
    }

    /// Thread `q` is a weak initial of `v` after the first `at` steps: its first event in `v`
    /// has no predecessor there, or it has none in `v` and its next operation (its first event
    /// after `at` in this execution) is independent of all of `v`. Unknown counts as no.
    fn weak_initial(exec: &Exec, v: &[u32], at: u32, q: usize) -> bool {
        if let Some(pos) = v
            .iter()
            .position(|&k| exec.events[k as usize].thread as usize == q)
        {
            return Self::is_initial(exec, v, pos);
        }
        let next = (at as usize..exec.events.len()).find(|&k| exec.events[k].thread as usize == q);
        match next {
            Some(k) => {
                let ev = &exec.events[k];
                Self::independent_of_all(exec, ev.obj, ev.class, v)
            }
            None => false,
        }
    }

    /// Thread `q` has an event in `v` and its first one there has no predecessor in `v`.
    fn initial_thread(exec: &Exec, v: &[u32], q: usize) -> bool {
        v.iter()
            .position(|&k| exec.events[k as usize].thread as usize == q)
            .is_some_and(|pos| Self::is_initial(exec, v, pos))
    }

    /// Makes sure an execution starting with `v = notdep(e, E).e'` is explored from the state
    /// before `e`: inserts `v` into that state's wake-up tree, unless a thread asleep or already
    /// explored there is a weak initial of `v` (one asleep since a job's floor: an initial of
    /// `v`, see [`Scope::Below`]), or a branch of the tree already covers `v`.
    ///
    /// `blocked_here`: the thread of `e'` was seen blocked on `e'` before `e`. Then `v` can only
    /// run if one of its earlier steps changes the state of `e'`'s object (as a release by a
    /// third thread, independent of `e`, enables an acquisition); if none does, it is skipped.
    ///
    /// Returns `false` when `e'` waits for a settled state ([`Settle::Awaits`]) that neither the
    /// steps before `e` nor `v` reach: `v` cannot run there, nor before any earlier step.
    fn reverse(&mut self, exec: &Exec, e: u32, j: u32, blocked_here: bool) -> bool {
        let mut v = std::mem::take(&mut self.scratch);
        Self::notdep(exec, e, j, &mut v);
        let result = self.reverse_sequence(exec, e, j, blocked_here, &mut v);
        self.scratch = v;
        result
    }

    /// [`Dpor::reverse`] with `v = notdep(e, E).e'` built.
    fn reverse_sequence(
        &mut self,
        exec: &Exec,
        e: u32,
        j: u32,
        blocked_here: bool,
        v: &mut Vec<u32>,
    ) -> bool {
        let ej = &exec.events[j as usize];
        let obj = ej.obj;
        if ej.blocking && ej.settle == Settle::Awaits {
            let settles = |k: u32| {
                let ev = &exec.events[k as usize];
                ev.obj == obj && ev.settle == Settle::Settles
            };
            let before = exec.objects[obj as usize]
                .events
                .iter()
                .take_while(|&&k| k < e)
                .any(|&k| settles(k));
            if !before && !v.iter().any(|&k| settles(k)) {
                self.unsettled += 1;
                return false;
            }
        }
        // What can enable `e'`: a step on its object, and for the wait for the non-daemon
        // threads (the thread table's only blocking operation) also the last step of a
        // non-daemon thread, after which that thread ends.
        let waits_for_ends = exec.is_threads_object(obj);
        let enables = |k: u32| {
            let ev = &exec.events[k as usize];
            let th = &exec.threads[ev.thread as usize];
            ev.obj == obj || (waits_for_ends && !th.daemon && th.finished && th.last_event == k)
        };
        if blocked_here && !v[..v.len() - 1].iter().any(|&k| enables(k)) {
            return true;
        }
        let node = &self.nodes[e as usize];
        let asleep = (node.sleep | node.done) & !bit(node.chosen as usize);
        let floor_sleep = node.floor_sleep;
        if members(asleep).any(|q| {
            if floor_sleep & bit(q) != 0 {
                Self::initial_thread(exec, v, q)
            } else {
                Self::weak_initial(exec, v, e, q)
            }
        }) {
            self.redundant += 1;
            return true;
        }
        // Any initial of `v` may go first; start with one that is not known to be blocked here.
        let blocked = node.blocked;
        if blocked & bit(exec.events[v[0] as usize].thread as usize) != 0 {
            let first = (0..v.len()).find(|&pos| {
                blocked & bit(exec.events[v[pos] as usize].thread as usize) == 0
                    && Self::is_initial(exec, v, pos)
            });
            match first {
                Some(pos) => {
                    let k = v.remove(pos);
                    v.insert(0, k);
                }
                None => return true,
            }
        }
        let mut level = &mut self.nodes[e as usize].wut;
        loop {
            if v.is_empty() {
                self.redundant += 1;
                return true;
            }
            // The first branch whose step can go first in `v`.
            let found = level.iter().enumerate().find_map(|(idx, c)| {
                let pos = v
                    .iter()
                    .position(|&k| exec.events[k as usize].thread == c.thread);
                match pos {
                    Some(pos) if Self::is_initial(exec, v, pos) => Some((idx, Some(pos))),
                    Some(_) => None,
                    None if Self::independent_of_all(exec, c.obj, c.class, v) => Some((idx, None)),
                    None => None,
                }
            });
            match found {
                Some((idx, pos)) => {
                    if let Some(pos) = pos {
                        v.remove(pos);
                    }
                    if level[idx].children.is_empty() {
                        // A leaf: exploring it explores an extension equivalent to one of `v`.
                        self.redundant += 1;
                        return true;
                    }
                    level = &mut level[idx].children;
                }
                None => {
                    level.extend(Wut::chain(exec, v));
                    self.inserted += 1;
                    return true;
                }
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

    fn replayed_prefix(&self) -> u32 {
        // The nodes followed before the new branch were all run by the previous execution, and
        // `end_execution` only reverses races whose later step is in the new part.
        self.replay_len.saturating_sub(1) as u32
    }

    fn next_execution(&mut self) -> bool {
        if !self.started {
            self.started = true;
            // A job's first execution follows its prefix (empty otherwise).
            self.replay_len = self.nodes.len();
            return true;
        }
        self.starvation.restart();
        while let Some(node) = self.nodes.last_mut() {
            if take_branch(node) {
                self.replay_len = self.nodes.len();
                self.replayed += self.replay_len as u64 - 1;
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
            return ctl.follow(
                node.chosen as usize,
                node.prev_enabled,
                node.blocked,
                node.hash,
            );
        }
        if i + 1 == self.replay_len {
            // The new branch: try the chosen thread, or another one left to explore here.
            ctl.mark_blocked(self.nodes[i].blocked);
            loop {
                let node = &self.nodes[i];
                let t = node.chosen as usize;
                let preemption = ctl.preempts(t, node.prev_enabled);
                if ctl.try_run(t, preemption) == Attempt::Ran {
                    let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                    self.nodes[i].hash = hash;
                    return Decision::Ran;
                }
                let node = &mut self.nodes[i];
                node.blocked |= bit(t);
                if !take_branch(node) {
                    return Decision::Prune;
                }
            }
        }
        if let Scope::Split { depth, jobs } = &mut self.scope {
            if i == *depth {
                let mut nodes = self.nodes.clone();
                for node in &mut nodes {
                    node.wut.clear();
                    node.follow.clear();
                }
                jobs.push(Job { nodes });
                return Decision::Prune;
            }
        }
        // A new state: its sleep set comes from the parent's.
        let sleep = if i == 0 {
            0
        } else {
            let parent = &self.nodes[i - 1];
            let inherited =
                (parent.sleep | (parent.done & !bit(parent.chosen as usize))) & !parent.blocked;
            ctl.still_asleep(inherited)
        };
        let floor_sleep = match self.scope {
            Scope::Below { floor } if i == floor => sleep,
            Scope::Below { .. } => sleep & self.nodes[i - 1].floor_sleep,
            _ => 0,
        };
        let cands = ctl.candidates();
        let live = ctl.live();
        // Only daemon threads can go on while the program's own threads sleep (or wait): a
        // daemon loop that never touches what wakes them would run forever. Follow it as far as
        // the program's end would be followed, then abandon the execution and say so.
        if self
            .starvation
            .abandon(ctl.program_starved(sleep, cands, live))
        {
            return Decision::Prune;
        }
        let n = ctl.exec().threads.len();
        // The previous thread could continue if it is runnable (a candidate, or asleep).
        let mut turns = Turns::new(ctl, sleep | cands, live & !cands);
        let mut enabled: TSet = sleep;
        {
            let exec = ctl.exec();
            for t in members(cands) {
                if exec.known_enabled(t) == Some(true) {
                    enabled |= bit(t);
                }
            }
        }
        // The branch being explored continues with its wake-up tree, if any is left.
        let mut wut = if i == 0 {
            Vec::new()
        } else {
            std::mem::take(&mut self.nodes[i - 1].follow)
        };
        let following = !wut.is_empty();
        while !wut.is_empty() {
            let c = wut.remove(0);
            let t = c.thread as usize;
            if cands & bit(t) == 0 || turns.blocked & bit(t) != 0 {
                continue;
            }
            if turns.attempt(ctl, t) == Attempt::Ran {
                let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                self.nodes.push(Node {
                    chosen: t as u8,
                    wut,
                    follow: c.children,
                    done: bit(t),
                    sleep,
                    floor_sleep,
                    blocked: turns.blocked,
                    enabled: enabled | bit(t),
                    prev_enabled: turns.prev_enabled,
                    hash,
                });
                return Decision::Ran;
            }
        }
        if following {
            // Every step the tree offers here is blocked: the race it reverses cannot be
            // reversed (the later step needs the earlier one, as a join needs the thread's end).
            // Optimal DPOR with exact knowledge of enabling would not have inserted it.
            self.not_reversible += 1;
            return Decision::Prune;
        }
        for t in turns.order(n) {
            if cands & bit(t) == 0 || sleep & bit(t) != 0 {
                continue;
            }
            if turns.attempt(ctl, t) == Attempt::Ran {
                let hash = ctl.choices().last().map(|c| c.hash).unwrap_or(0);
                // Above a split's depth every other thread that may run is a branch.
                let wut = match self.scope {
                    Scope::Split { .. } => members(cands & !sleep & !turns.blocked & !bit(t))
                        .map(|q| Wut {
                            thread: q as u8,
                            obj: NO_OBJ,
                            class: Class::Read,
                            children: Vec::new(),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                self.nodes.push(Node {
                    chosen: t as u8,
                    wut,
                    follow: Vec::new(),
                    done: bit(t),
                    sleep,
                    floor_sleep,
                    blocked: turns.blocked,
                    enabled: enabled | bit(t),
                    prev_enabled: turns.prev_enabled,
                    hash,
                });
                return Decision::Ran;
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
        if let Scope::Split { .. } = self.scope {
            // The split explores every branch above its depth: nothing to reverse.
            return;
        }
        let floor = self.floor();
        let from = self.replay_len.saturating_sub(1) as u32;
        if self.debug {
            let steps: Vec<String> = exec
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let n = self.nodes.get(i);
                    format!(
                        "{i}:T{} {} {} sl={:b} wut={} bl={:b}",
                        e.thread,
                        e.action,
                        exec.object_name(e.obj),
                        n.map(|n| n.sleep).unwrap_or(0),
                        n.map(|n| n.wut.len()).unwrap_or(0),
                        n.map(|n| n.blocked).unwrap_or(0)
                    )
                })
                .collect();
            eprintln!("--- from {from} end {end:?}\n  {}", steps.join("\n  "));
            eprintln!("  races {:?}", exec.races);
        }
        for &(e, j) in &exec.races {
            if j < from || e as usize >= self.nodes.len() || (e as usize) < floor {
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
                if !self.reverse(exec, cur, j, blocked) {
                    break;
                }
                if enabled {
                    break;
                }
                match Self::earlier_candidate(exec, cur, j) {
                    Some(e2) if (e2 as usize) < self.nodes.len() && e2 as usize >= floor => {
                        cur = e2
                    }
                    _ => break,
                }
            }
        }
    }

    fn complete(&self) -> bool {
        self.finished && self.starvation.none()
    }

    fn stats(&self) -> String {
        format!(
            "{} abandoned as sleep-set blocked, {} as not executable; {} race reversals \
             inserted, {} redundant, {} waiting for an unsettled state; {} steps replayed",
            self.sleep_blocked,
            self.not_reversible,
            self.inserted,
            self.redundant,
            self.unsettled,
            self.replayed
        )
    }

    fn limited_by(&self) -> Option<String> {
        self.starvation.limited_by()
    }
}
