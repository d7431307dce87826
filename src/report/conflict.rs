//! The analysis of a failing trace: which steps caused the failure. One piece of code, used by
//! [`explain`](super::explain), the text table and the HTML page, so that the words, the
//! highlighted rows and the kept (unfolded) steps always agree.
//!
//! Everything is derived from the trace and the failure kind, never from model names:
//! * a **lost update** is a read of an object by thread X, writes to the same object by other
//!   threads, then X's next access to that object, a write: X wrote a value computed from a stale
//!   read over the others' updates. When there are several, the one that lost the most updates is
//!   reported (ties: the earliest);
//! * a **deadlock** is the wait-for graph of [`FailureKind::Deadlock`]'s lines (`"T waits for O,
//!   held by H at file:line"`, the site being where `T` waits), completed from the trace (who
//!   acquired `O` last without releasing it, and where), and its cycle, if it has one.

use super::format::{is_acquire, is_read, is_release, is_write};
use super::trace::Trace;
use crate::engine::{Failure, FailureKind};
use std::collections::HashMap;

/// What caused a failure, as found in its trace by [`conflict`].
///
/// ```
/// use threadcheck::report::{Conflict, LostUpdate};
/// let c = Conflict::LostUpdate(LostUpdate {
///     object: "Var counter".into(), thread: 0, read: 0, write: 3, lost: vec![2],
/// });
/// assert_eq!(c.steps().len(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Two accesses of one thread to an object were interleaved by other threads' writes.
    LostUpdate(LostUpdate),
    /// Threads wait for each other.
    Deadlock(DeadlockCycle),
}

/// A read-modify-write interleaved by other writers: step indices into [`Trace::steps`].
///
/// ```
/// use threadcheck::report::LostUpdate;
/// // Thread 0 read at step 0 and wrote at step 3; thread 1's write at step 2 was lost.
/// let lu = LostUpdate { object: "Var counter".into(), thread: 0, read: 0, write: 3, lost: vec![2] };
/// assert_eq!(lu.lost.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    /// The object, as the trace names it (`"Var counter"`).
    pub object: String,
    /// The thread whose read went stale (an index into [`Trace::threads`]).
    pub thread: usize,
    /// Its read of the object.
    pub read: usize,
    /// Its next access to the object: the write that overwrote the others' updates.
    pub write: usize,
    /// The other threads' writes between `read` and `write`, in order: the lost updates.
    pub lost: Vec<usize>,
}

/// One blocked thread of a deadlock.
///
/// ```
/// use threadcheck::report::BlockedThread;
/// let b = BlockedThread {
///     thread: "Thread-1".into(),
///     waits_for: "Lock b".into(),
///     waits_at: Some(("models/deadlock.rs".into(), 22)),
///     held_by: Some("Thread-2".into()),
///     acquired_at: Some(4),
/// };
/// assert_eq!(b.held_by.as_deref(), Some("Thread-2"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedThread {
    /// The waiting thread's name.
    pub thread: String,
    /// What it waits for (`"Lock b"`, `"Thread Thread-1"`), or the engine's whole line (without
    /// its site) when it could not be parsed.
    pub waits_for: String,
    /// Where it waits: the source file and line of its blocked operation, from the engine's
    /// line (`"... at models/deadlock.rs:22"`). Not where the holder acquired the resource.
    pub waits_at: Option<(String, u32)>,
    /// The thread holding it, from the engine's line or else from the trace.
    pub held_by: Option<String>,
    /// The step at which `held_by` acquired it, if the trace shows it: its site is where the
    /// holder took the resource.
    pub acquired_at: Option<usize>,
}

/// The wait-for graph of a deadlock.
///
/// ```
/// use threadcheck::report::{BlockedThread, DeadlockCycle};
/// let wait = |t: &str, o: &str, h: &str| BlockedThread {
///     thread: t.into(), waits_for: o.into(), waits_at: None, held_by: Some(h.into()),
///     acquired_at: None,
/// };
/// let d = DeadlockCycle {
///     blocked: vec![wait("Thread-1", "Lock b", "Thread-2"), wait("Thread-2", "Lock a", "Thread-1")],
///     cycle: vec![0, 1],
/// };
/// assert_eq!(d.blocked[d.cycle[1]].thread, "Thread-2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlockCycle {
    /// Every blocked thread, in the engine's order.
    pub blocked: Vec<BlockedThread>,
    /// Indices into `blocked` forming a cycle (each waits for a resource held by the next, the
    /// last by the first); empty when the threads wait without a cycle (for example on an event
    /// that no thread left can set).
    pub cycle: Vec<usize>,
}

/// The part a step plays in a [`Conflict`], for highlighting.
///
/// ```
/// use threadcheck::report::Role;
/// assert_eq!(Role::LostWrite.label(), "lost update");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The read that went stale.
    StaleRead,
    /// Another thread's write that was lost.
    LostWrite,
    /// The write computed from the stale read, which overwrote the lost writes.
    Overwrite,
    /// The acquisition of a resource a deadlocked thread waits for.
    Held,
}

impl Role {
    /// A short label for the role, as the reports show it.
    ///
    /// ```
    /// use threadcheck::report::Role;
    /// assert_eq!(Role::StaleRead.label(), "stale read");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Role::StaleRead => "stale read",
            Role::LostWrite => "lost update",
            Role::Overwrite => "overwriting write",
            Role::Held => "held lock",
        }
    }

    /// The CSS class (and stable identifier) of the role.
    ///
    /// ```
    /// use threadcheck::report::Role;
    /// assert_eq!(Role::Overwrite.css_class(), "overwrite");
    /// ```
    pub fn css_class(self) -> &'static str {
        match self {
            Role::StaleRead => "stale-read",
            Role::LostWrite => "lost-write",
            Role::Overwrite => "overwrite",
            Role::Held => "held",
        }
    }
}

impl Conflict {
    /// The steps taking part in the conflict, with their roles, in trace order.
    ///
    /// ```
    /// use threadcheck::report::{Conflict, LostUpdate, Role};
    /// let c = Conflict::LostUpdate(LostUpdate {
    ///     object: "Var x".into(), thread: 1, read: 3, write: 9, lost: vec![5, 7],
    /// });
    /// assert_eq!(
    ///     c.steps(),
    ///     vec![(3, Role::StaleRead), (5, Role::LostWrite), (7, Role::LostWrite), (9, Role::Overwrite)]
    /// );
    /// ```
    pub fn steps(&self) -> Vec<(usize, Role)> {
        let mut steps = Vec::new();
        match self {
            Conflict::LostUpdate(lu) => {
                steps.push((lu.read, Role::StaleRead));
                steps.extend(lu.lost.iter().map(|&s| (s, Role::LostWrite)));
                steps.push((lu.write, Role::Overwrite));
            }
            Conflict::Deadlock(d) => {
                steps.extend(
                    d.blocked
                        .iter()
                        .filter_map(|b| b.acquired_at)
                        .map(|s| (s, Role::Held)),
                );
                steps.sort_unstable();
                steps.dedup();
            }
        }
        steps
    }

    /// The steps a reader needs to see, which a condensed report must never fold away: the stale
    /// read and the overwrite with their neighbours, the first and last lost write; the
    /// acquisitions of a deadlock.
    pub(crate) fn key_steps(&self, steps: usize) -> Vec<usize> {
        let mut keep = Vec::new();
        let mut around = |s: usize, before: bool, after: bool| {
            if before && s > 0 {
                keep.push(s - 1);
            }
            keep.push(s);
            if after && s + 1 < steps {
                keep.push(s + 1);
            }
        };
        match self {
            Conflict::LostUpdate(lu) => {
                around(lu.read, true, true);
                around(lu.write, true, true);
                if let Some(&first) = lu.lost.first() {
                    around(first, false, false);
                }
                if let Some(&last) = lu.lost.last() {
                    around(last, true, false);
                }
            }
            Conflict::Deadlock(d) => {
                for s in d.blocked.iter().filter_map(|b| b.acquired_at) {
                    around(s, false, true);
                }
            }
        }
        keep
    }
}

/// Finds what caused `failure` in its trace: a deadlock's wait-for cycle, or else the lost update
/// that lost the most writes. `None` when the trace shows neither (a panic with no lost update,
/// a step bound).
///
/// ```
/// use threadcheck::engine::{Failure, FailureKind, Schedule};
/// use threadcheck::report::{conflict, Conflict, Step, ThreadDesc, Trace};
///
/// let step = |thread: usize, action: &str, detail: &str, line: u32| Step {
///     thread,
///     action: action.into(),
///     object: "Var counter".into(),
///     detail: Some(detail.into()),
///     file: "models/counter.rs".into(),
///     line,
///     preemption: false,
/// };
/// let trace = Trace {
///     threads: vec![
///         ThreadDesc { id: 0, name: "Thread-1".into() },
///         ThreadDesc { id: 1, name: "Thread-2".into() },
///     ],
///     steps: vec![
///         step(0, "read", "-> 0", 12),  // Thread-1 reads 0 ...
///         step(1, "read", "-> 0", 12),
///         step(1, "write", "<- 1", 13), // ... Thread-2 writes 1 ...
///         step(0, "write", "<- 1", 13), // ... and Thread-1 writes 1 over it.
///     ],
/// };
/// let failure = Failure {
///     kind: FailureKind::Panic { thread: "MainThread".into(), message: "lost".into() },
///     schedule: Schedule("0.1.1.0".into()),
///     preemptions: 1,
///     steps: 4,
///     fewest_steps: false,
///     trace,
/// };
/// match conflict(&failure) {
///     Some(Conflict::LostUpdate(lu)) => {
///         assert_eq!((lu.thread, lu.read, lu.write, lu.lost), (0, 0, 3, vec![2]));
///     }
///     other => panic!("expected a lost update, got {other:?}"),
/// }
/// ```
pub fn conflict(failure: &Failure) -> Option<Conflict> {
    match &failure.kind {
        FailureKind::Deadlock { waits } => {
            Some(Conflict::Deadlock(deadlock(waits, &failure.trace)))
        }
        FailureKind::Panic { .. } | FailureKind::StepBound { .. } => {
            lost_update(&failure.trace).map(Conflict::LostUpdate)
        }
    }
}

/// The lost update with the most lost writes (ties: the earliest).
fn lost_update(trace: &Trace) -> Option<LostUpdate> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    // Per object: the indices of all writes so far.
    let mut writes: Vec<Vec<usize>> = Vec::new();
    // Per (thread, object): the thread's last access to the object, if it was a read.
    let mut pending: HashMap<(usize, usize), usize> = HashMap::new();
    // (lost count, read, write, object id)
    let mut best: Option<(usize, usize, usize, usize)> = None;
    for (i, step) in trace.steps.iter().enumerate() {
        let reads = is_read(&step.action);
        let writes_it = is_write(&step.action);
        if !reads && !writes_it {
            continue;
        }
        let next = ids.len();
        let obj = *ids.entry(step.object.as_str()).or_insert(next);
        if obj == writes.len() {
            writes.push(Vec::new());
        }
        if reads {
            pending.insert((step.thread, obj), i);
            continue;
        }
        if let Some(read) = pending.remove(&(step.thread, obj)) {
            // Every write to `obj` after `read` is another thread's: this thread's own accesses
            // would have cleared or moved `pending`.
            let ws = &writes[obj];
            let lost = ws.len() - ws.partition_point(|&w| w < read);
            if lost > 0 && best.is_none_or(|(n, ..)| lost > n) {
                best = Some((lost, read, i, obj));
            }
        }
        writes[obj].push(i);
    }
    let (_, read, write, obj) = best?;
    let ws = &writes[obj];
    let from = ws.partition_point(|&w| w < read);
    let to = ws.partition_point(|&w| w < write);
    Some(LostUpdate {
        object: trace.steps[read].object.clone(),
        thread: trace.steps[read].thread,
        read,
        write,
        lost: ws[from..to].to_vec(),
    })
}

/// Who holds what at the end of the trace: for each object, the (thread, acquiring step) pairs
/// not yet released, oldest first.
fn holders(trace: &Trace) -> HashMap<&str, Vec<(usize, usize)>> {
    let mut held: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (i, step) in trace.steps.iter().enumerate() {
        if is_acquire(&step.action) {
            held.entry(&step.object).or_default().push((step.thread, i));
        } else if is_release(&step.action) {
            if let Some(list) = held.get_mut(step.object.as_str()) {
                if let Some(pos) = list.iter().rposition(|&(t, _)| t == step.thread) {
                    list.remove(pos);
                } else if !list.is_empty() {
                    // A semaphore released by another thread than the acquirer.
                    list.remove(0);
                }
            }
        }
    }
    held
}

/// One engine deadlock line, parsed.
#[derive(Debug, PartialEq, Eq)]
struct Wait {
    thread: String,
    object: String,
    holder: Option<String>,
    /// Where the waiting thread waits (its blocked operation's site).
    site: Option<(String, u32)>,
}

/// Splits the site the engine appends to a deadlock line (`"... at src/x.rs:12"`, where the
/// waiting thread is blocked) from the rest.
fn split_site(line: &str) -> (&str, Option<(String, u32)>) {
    if let Some((rest, site)) = line.rsplit_once(" at ") {
        if let Some((file, l)) = site.trim().rsplit_once(':') {
            if let Ok(l) = l.parse::<u32>() {
                if !file.is_empty() {
                    return (rest, Some((file.to_string(), l)));
                }
            }
        }
    }
    (line, None)
}

/// Parses `"T waits for O, held by H at file:line"` (the `held by` part and the site optional;
/// the site is where `T` waits, not where `H` acquired `O`).
fn parse_wait(line: &str) -> Wait {
    let line = line.trim().trim_end_matches('.');
    let (line, site) = split_site(line);
    let Some((thread, rest)) = line.split_once(" waits for ") else {
        return Wait {
            thread: String::new(),
            object: line.trim().to_string(),
            holder: None,
            site,
        };
    };
    let rest = rest.trim();
    let (object, holder) = match rest.rsplit_once(", held by ") {
        Some((object, holder)) => (object.trim(), Some(holder.trim().to_string())),
        None => (rest, None),
    };
    Wait {
        thread: thread.trim().to_string(),
        object: object.to_string(),
        holder,
        site,
    }
}

fn deadlock(waits: &[String], trace: &Trace) -> DeadlockCycle {
    let held = holders(trace);
    let name_of = |t: usize| {
        trace
            .threads
            .get(t)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| format!("thread {t}"))
    };
    let blocked: Vec<BlockedThread> = waits
        .iter()
        .map(|line| {
            let Wait {
                thread,
                object,
                holder,
                site,
            } = parse_wait(line);
            let entries = held.get(object.as_str());
            let (held_by, acquired_at) = match (holder, entries) {
                (Some(h), Some(list)) => {
                    let at = list
                        .iter()
                        .rev()
                        .find(|&&(t, _)| name_of(t) == h)
                        .map(|&(_, s)| s);
                    (Some(h), at)
                }
                (Some(h), None) => (Some(h), None),
                (None, Some(list)) => match list.iter().rev().find(|&&(t, _)| name_of(t) != thread)
                {
                    Some(&(t, s)) => (Some(name_of(t)), Some(s)),
                    None => (None, None),
                },
                (None, None) => (None, None),
            };
            BlockedThread {
                thread,
                waits_for: object,
                waits_at: site,
                held_by,
                acquired_at,
            }
        })
        .collect();
    let cycle = find_cycle(&blocked);
    DeadlockCycle { blocked, cycle }
}

/// Follows "waits for something held by" edges from each blocked thread; returns the first
/// cycle found, starting at its earliest blocked thread.
fn find_cycle(blocked: &[BlockedThread]) -> Vec<usize> {
    let index: HashMap<&str, usize> = blocked
        .iter()
        .enumerate()
        .rev()
        .map(|(i, b)| (b.thread.as_str(), i))
        .collect();
    for start in 0..blocked.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some(next) = blocked[at].held_by.as_deref().and_then(|h| index.get(h)) {
            if let Some(pos) = path.iter().position(|&p| p == *next) {
                let mut cycle = path[pos..].to_vec();
                let min = cycle
                    .iter()
                    .enumerate()
                    .min_by_key(|&(_, &b)| b)
                    .map(|(i, _)| i);
                cycle.rotate_left(min.unwrap_or(0));
                return cycle;
            }
            path.push(*next);
            at = *next;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(thread: &str, object: &str, holder: Option<&str>, site: Option<(&str, u32)>) -> Wait {
        Wait {
            thread: thread.into(),
            object: object.into(),
            holder: holder.map(Into::into),
            site: site.map(|(f, l)| (f.into(), l)),
        }
    }

    /// The engine's deadlock lines parse with and without a holder and a site (the waiter's,
    /// never part of the holder's name); garbage is kept whole.
    #[test]
    fn parses_wait_lines() {
        assert_eq!(
            parse_wait("Thread-1 waits for Lock b, held by Thread-2"),
            wait("Thread-1", "Lock b", Some("Thread-2"), None)
        );
        assert_eq!(
            parse_wait("Thread-1 waits for Lock b, held by Thread-2 at src/../models/x.rs:104"),
            wait(
                "Thread-1",
                "Lock b",
                Some("Thread-2"),
                Some(("src/../models/x.rs", 104))
            )
        );
        assert_eq!(
            parse_wait("MainThread waits for Thread Thread-1 (join) at tests/t.rs:9"),
            wait(
                "MainThread",
                "Thread Thread-1 (join)",
                None,
                Some(("tests/t.rs", 9))
            )
        );
        assert_eq!(
            parse_wait("MainThread waits for Thread Thread-1"),
            wait("MainThread", "Thread Thread-1", None, None)
        );
        assert_eq!(
            parse_wait("Thread-3 waits (sleep) at a.rs:3"),
            wait("", "Thread-3 waits (sleep)", None, Some(("a.rs", 3)))
        );
        // " at " not followed by a file and a line number is not a site.
        assert_eq!(
            parse_wait("T waits for Event meet at noon"),
            wait("T", "Event meet at noon", None, None)
        );
        assert_eq!(parse_wait("garbage"), wait("", "garbage", None, None));
    }
}
