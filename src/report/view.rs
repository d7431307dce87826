//! The condensed view of a failing trace, shared by the text table and the HTML page: the steps
//! that bear on the failure in full, repeated cycles folded into one row each.
//!
//! Folding: the trace is cut at the steps that must stay visible (the conflict's steps and their
//! neighbours, the last steps of a panicking or blocked thread, the end of the trace); between
//! them, a greedy left-to-right scan looks for tandem repeats of the steps' keys
//! `(thread, action, object, file, line, preemption)` with a period of up to [`MAX_PERIOD`]
//! steps. A block repeated at least [`MIN_REPEATS`] times becomes one fold row ("Thread-2:
//! 99,998 more iterations of lines 12-13"), after one iteration shown in full, unless the steps
//! just before already show that iteration. Values are not part of the key, so the iterations of
//! `counter += 1` fold although each writes another value; the fold row states the range.

use super::conflict::{conflict, Conflict, Role};
use super::format::{count, main_file, places, site_at, value};
use super::trace::Trace;
use crate::engine::{Failure, FailureKind};
use std::collections::HashMap;

/// The longest cycle (in steps) the folding looks for.
pub(crate) const MAX_PERIOD: usize = 32;
/// The fewest repetitions of a cycle worth folding.
pub(crate) const MIN_REPEATS: usize = 3;

/// A run of repeated steps shown as one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fold {
    /// The first folded step.
    pub start: usize,
    /// Number of folded steps.
    pub len: usize,
    /// Steps per iteration (equal to `len` for a gap).
    pub period: usize,
    /// True for a repeated cycle; false for a gap: unrelated steps elided from a long view.
    pub repeat: bool,
    /// The threads taking part, in order of first appearance.
    pub threads: Vec<usize>,
}

impl Fold {
    /// Number of whole or partial iterations folded.
    pub fn iterations(&self) -> usize {
        self.len.div_ceil(self.period)
    }

    /// The fold's sentence: `"Thread-2: 99,998 more iterations of lines 12-13 (Var counter:
    /// 2 … 99999)"`.
    pub fn label(&self, trace: &Trace, main_file: Option<&str>) -> String {
        let names: Vec<&str> = self
            .threads
            .iter()
            .map(|&t| thread_name(trace, t))
            .collect();
        let steps = &trace.steps[self.start..self.start + self.len];
        if !self.repeat {
            let mut label = format!(
                "{} of {} not shown",
                count(self.len as u64, "other step"),
                names.join(", ")
            );
            let lines = steps
                .iter()
                .filter(|s| Some(s.file.as_str()) == main_file)
                .map(|s| s.line);
            if let (Some(lo), Some(hi)) = (lines.clone().min(), lines.max()) {
                label.push_str(&if lo == hi {
                    format!(" (line {lo})")
                } else {
                    format!(" (lines {lo}-{hi})")
                });
            }
            return label;
        }
        let noun = if self.threads.len() == 1 {
            "iteration"
        } else {
            "round"
        };
        let mut label = format!(
            "{}: {} more {}",
            names.join(" and "),
            super::format::thousands(self.iterations() as u64),
            if self.iterations() == 1 {
                noun.to_string()
            } else {
                format!("{noun}s")
            }
        );
        let at = places(steps[..self.period.min(steps.len())].iter(), main_file);
        if !at.is_empty() {
            label.push_str(" of ");
            label.push_str(&at);
        }
        let preemptions = steps.iter().filter(|s| s.preemption).count();
        let mut notes = Vec::new();
        if let Some(range) = value_range(steps) {
            notes.push(range);
        }
        if preemptions > 0 {
            notes.push(count(preemptions as u64, "preemption"));
        }
        if !notes.is_empty() {
            label.push_str(&format!(" ({})", notes.join(", ")));
        }
        label
    }
}

/// `"Var counter: 2 … 99999"`: how the values of the fold's main object evolved.
fn value_range(steps: &[super::trace::Step]) -> Option<String> {
    let with_value = |write_only: bool| {
        steps.iter().find(|s| {
            value(s.detail.as_deref()).is_some()
                && (!write_only || super::format::is_write(&s.action))
        })
    };
    let first = with_value(true).or_else(|| with_value(false))?;
    let last = steps
        .iter()
        .rev()
        .find(|s| s.action == first.action && s.object == first.object && s.detail.is_some())?;
    let (a, b) = (
        value(first.detail.as_deref())?,
        value(last.detail.as_deref())?,
    );
    (a != b).then(|| format!("{}: {a} … {b}", first.object))
}

/// One row of the condensed view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Row {
    /// A step shown in full (an index into the trace's steps).
    Step(usize),
    /// A folded run of repeated steps.
    Fold(Fold),
    /// How the execution ended for one thread (or for all, `thread == None`): a panic, a
    /// blocked wait, a step bound.
    Outcome {
        /// The thread concerned.
        thread: Option<usize>,
        /// What happened, in a few words.
        text: String,
    },
}

/// The condensed view of a failure.
#[derive(Clone, Debug)]
pub(crate) struct View {
    /// The rows, in order.
    pub rows: Vec<Row>,
    /// The analysis.
    pub conflict: Option<Conflict>,
    /// Role of each step taking part in the conflict.
    pub roles: HashMap<usize, Role>,
    /// The model's source file (rows show only line numbers for it).
    pub main_file: Option<String>,
    /// Number of steps hidden in folds of repeated cycles.
    pub folded: usize,
    /// Number of unrelated steps hidden in gaps (long irregular traces only).
    pub elided: usize,
}

/// The name of thread `t`, or `"thread t"` when the trace does not describe it.
pub(crate) fn thread_name(trace: &Trace, t: usize) -> &str {
    trace.threads.get(t).map(|d| d.name.as_str()).unwrap_or("?")
}

/// The index of the thread named `name`.
pub(crate) fn thread_index(trace: &Trace, name: &str) -> Option<usize> {
    trace.threads.iter().position(|d| d.name == name)
}

/// The last `n` steps of thread `t`.
fn last_steps_of(trace: &Trace, t: usize, n: usize) -> Vec<usize> {
    (0..trace.steps.len())
        .rev()
        .filter(|&i| trace.steps[i].thread == t)
        .take(n)
        .collect()
}

/// Builds the condensed view of `failure`; with `full`, every step is shown.
pub(crate) fn view(failure: &Failure, full: bool) -> View {
    let trace = &failure.trace;
    let n = trace.steps.len();
    let conflict = conflict(failure);
    let mut roles = HashMap::new();
    // Always shown: the preemptions and the steps of the conflict (the cause of the failure).
    let mut keep: Vec<bool> = trace.steps.iter().map(|s| full || s.preemption).collect();
    if let Some(c) = &conflict {
        for (s, role) in c.steps() {
            roles.insert(s, role);
            // Lost writes can be a long regular run (100,000 of them): their first and last
            // are key steps, the rest may fold.
            if role != Role::LostWrite {
                if let Some(k) = keep.get_mut(s) {
                    *k = true;
                }
            }
        }
        for s in c.key_steps(n) {
            keep[s] = true;
        }
    }
    for k in keep.iter_mut().skip(n.saturating_sub(2)) {
        *k = true;
    }
    let mut outcomes = Vec::new();
    match &failure.kind {
        FailureKind::Panic { thread, message } => {
            let t = thread_index(trace, thread);
            if let Some(t) = t {
                for s in last_steps_of(trace, t, 2) {
                    keep[s] = true;
                }
            }
            let first_line = message.lines().next().unwrap_or("");
            outcomes.push(Row::Outcome {
                thread: t,
                text: format!("✗ {thread} panicked: {first_line}"),
            });
        }
        FailureKind::Deadlock { .. } => {
            if let Some(Conflict::Deadlock(d)) = &conflict {
                for b in &d.blocked {
                    let t = thread_index(trace, &b.thread);
                    if let Some(t) = t {
                        for s in last_steps_of(trace, t, 1) {
                            keep[s] = true;
                        }
                    }
                    let at = b
                        .waits_at
                        .as_ref()
                        .map(|(file, line)| site_at(file, *line, main_file(trace)))
                        .filter(|s| !s.is_empty())
                        .map(|s| format!(" at {s}"))
                        .unwrap_or_default();
                    let mut text = format!("⊘ waits{at} for {}", b.waits_for);
                    if let Some(h) = &b.held_by {
                        text.push_str(&format!(" (held by {h})"));
                    }
                    outcomes.push(Row::Outcome { thread: t, text });
                }
            }
        }
        FailureKind::StepBound { steps } => outcomes.push(Row::Outcome {
            thread: None,
            text: format!(
                "⊘ stopped: the execution did not finish within {}",
                count(*steps, "step")
            ),
        }),
    }

    let keys = keys(trace);
    // next_keep[i]: the first kept step at or after i.
    let mut next_keep = vec![n; n + 1];
    for i in (0..n).rev() {
        next_keep[i] = if keep[i] { i } else { next_keep[i + 1] };
    }
    let mut rows = Vec::new();
    let mut folded = 0;
    let mut i = 0;
    while i < n {
        if keep[i] {
            rows.push(Row::Step(i));
            i += 1;
            continue;
        }
        let end = next_keep[i];
        match best_repeat(&keys, i, end) {
            Some((period, reps)) => {
                // Show the first iteration unless the steps just before already show it.
                let shown_before = i >= period
                    && (0..period)
                        .all(|k| same_place(&trace.steps[i - period + k], &trace.steps[i + k]));
                let skip = if shown_before { 0 } else { period };
                rows.extend((i..i + skip).map(Row::Step));
                let start = i + skip;
                let len = reps * period - skip;
                let mut threads = Vec::new();
                for s in &trace.steps[start..start + period.min(len)] {
                    if !threads.contains(&s.thread) {
                        threads.push(s.thread);
                    }
                }
                rows.push(Row::Fold(Fold {
                    start,
                    len,
                    period,
                    threads,
                    repeat: true,
                }));
                folded += len;
                i += reps * period;
            }
            None => {
                rows.push(Row::Step(i));
                i += 1;
            }
        }
    }
    let (mut rows, elided) = elide(rows, &keep, trace);
    rows.extend(outcomes);
    View {
        rows,
        conflict,
        roles,
        main_file: main_file(trace).map(str::to_string),
        folded,
        elided,
    }
}

/// True when two steps are the same operation at the same place (values and preemption aside).
fn same_place(a: &super::trace::Step, b: &super::trace::Step) -> bool {
    a.thread == b.thread
        && a.action == b.action
        && a.object == b.object
        && a.line == b.line
        && a.file == b.file
}

/// The most rows a view aims at; beyond it, runs of steps away from the kept ones are elided.
pub(crate) const ROW_BUDGET: usize = 40;

/// When `rows` exceed [`ROW_BUDGET`], replaces each run of (at least 3) shown steps that are
/// neither kept nor next to a kept step or a fold by one gap row. Returns the rows and the number
/// of steps elided.
fn elide(rows: Vec<Row>, keep: &[bool], trace: &Trace) -> (Vec<Row>, usize) {
    if rows.len() <= ROW_BUDGET {
        return (rows, 0);
    }
    let essential: Vec<bool> = rows
        .iter()
        .map(|r| match r {
            Row::Step(i) => keep[*i],
            _ => true,
        })
        .collect();
    let near = |k: usize| {
        essential[k] || (k > 0 && essential[k - 1]) || (k + 1 < rows.len() && essential[k + 1])
    };
    let mut out = Vec::with_capacity(ROW_BUDGET);
    let mut elided = 0;
    let mut k = 0;
    while k < rows.len() {
        let run_end = (k..rows.len()).find(|&j| near(j)).unwrap_or(rows.len());
        if run_end - k >= 3 {
            let (Row::Step(first), Row::Step(last)) = (&rows[k], &rows[run_end - 1]) else {
                unreachable!("non-essential rows are steps")
            };
            let mut threads = Vec::new();
            for s in &trace.steps[*first..=*last] {
                if !threads.contains(&s.thread) {
                    threads.push(s.thread);
                }
            }
            threads.sort_unstable();
            let len = last - first + 1;
            out.push(Row::Fold(Fold {
                start: *first,
                len,
                period: len,
                threads,
                repeat: false,
            }));
            elided += len;
            k = run_end;
        } else {
            out.push(rows[k].clone());
            k += 1;
        }
    }
    (out, elided)
}

/// Interns each step's `(thread, action, object, file, line, preemption)`.
fn keys(trace: &Trace) -> Vec<u32> {
    let mut ids: HashMap<(usize, &str, &str, &str, u32, bool), u32> = HashMap::new();
    trace
        .steps
        .iter()
        .map(|s| {
            let key = (
                s.thread,
                s.action.as_str(),
                s.object.as_str(),
                s.file.as_str(),
                s.line,
                s.preemption,
            );
            let next = ids.len() as u32;
            *ids.entry(key).or_insert(next)
        })
        .collect()
}

/// The period and repetition count of the tandem repeat starting at `i` (within `..end`) that
/// covers the most steps, preferring shorter periods; `None` if nothing repeats
/// [`MIN_REPEATS`] times.
fn best_repeat(keys: &[u32], i: usize, end: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for period in 1..=MAX_PERIOD {
        if i + period * MIN_REPEATS > end {
            break;
        }
        // Length of the run where keys[j] == keys[j + period].
        let mut j = i;
        while j + period < end && keys[j] == keys[j + period] {
            j += 1;
        }
        let reps = 1 + (j - i) / period;
        if reps < MIN_REPEATS {
            continue;
        }
        // A longer period must cover more than one extra period of steps to be preferred: the
        // leftover steps are folded or shown by the next scan anyway.
        let covered = reps * period;
        if best.is_none_or(|(p, r)| covered > p * r + p) {
            best = Some((period, reps));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tandem repeats are found with the shortest period, and need three repetitions.
    #[test]
    fn best_repeat_prefers_the_short_period() {
        let keys = [1, 2, 1, 2, 1, 2, 1, 2, 3];
        assert_eq!(best_repeat(&keys, 0, keys.len()), Some((2, 4)));
        assert_eq!(best_repeat(&keys, 0, 5), None);
        let flat = [7; 10];
        assert_eq!(best_repeat(&flat, 0, flat.len()), Some((1, 10)));
    }
}
