//! The explanation paragraph: what went wrong, in words, derived from [`conflict`] and the
//! trace.

use super::conflict::{conflict, BlockedThread, Conflict, DeadlockCycle, LostUpdate};
use super::format::{
    count, is_panic_step, main_file, operation, places, site, site_at, thousands, total_steps,
    value,
};
use super::trace::Trace;
use super::view::{thread_index, thread_name, view, Row};
use crate::engine::{Failure, FailureKind};

/// One paragraph saying what went wrong in `failure`: for a lost update, which two accesses
/// conflicted and which updates were lost; for a deadlock, which threads wait for which
/// resources held by whom; for a panic, which thread panicked with what message after which
/// step; for a step bound, that the execution did not finish and what it kept repeating.
///
/// ```
/// use threadcheck::engine::{Failure, FailureKind, Schedule};
/// use threadcheck::report::{explain, Step, ThreadDesc, Trace};
///
/// let acquire = |thread: usize, lock: &str, line: u32| Step {
///     thread,
///     action: "acquire".into(),
///     object: format!("Lock {lock}"),
///     detail: None,
///     file: "models/deadlock.rs".into(),
///     line,
///     preemption: false,
/// };
/// let failure = Failure {
///     kind: FailureKind::Deadlock {
///         waits: vec![
///             "Thread-1 waits for Lock b, held by Thread-2".into(),
///             "Thread-2 waits for Lock a, held by Thread-1".into(),
///         ],
///     },
///     schedule: Schedule("1.2".into()),
///     preemptions: 1,
///     steps: 2,
///     fewest_steps: false,
///     trace: Trace {
///         threads: vec![
///             ThreadDesc { id: 0, name: "Thread-1".into() },
///             ThreadDesc { id: 1, name: "Thread-2".into() },
///         ],
///         steps: vec![acquire(0, "a", 10), acquire(1, "b", 20)],
///     },
/// };
/// let text = explain(&failure);
/// assert!(text.contains("Thread-1 holds Lock a (acquired at line 10) and waits for Lock b"));
/// assert!(text.contains("Thread-2 holds Lock b (acquired at line 20) and waits for Lock a"));
/// ```
pub fn explain(failure: &Failure) -> String {
    let trace = &failure.trace;
    let main = main_file(trace);
    let found = conflict(failure);
    let mut sentences = Vec::new();
    match (&failure.kind, &found) {
        (FailureKind::Deadlock { .. }, Some(Conflict::Deadlock(d))) => {
            sentences.push(deadlock(d, trace, main));
        }
        (FailureKind::Deadlock { waits }, _) => {
            sentences.push(format!(
                "Deadlock: every live thread is blocked. {}.",
                waits.join("; ")
            ));
        }
        (FailureKind::Panic { thread, message }, found) => {
            if let Some(Conflict::LostUpdate(lu)) = found {
                sentences.push(lost_update(lu, trace, main));
                sentences.push(format!("In the end {thread} panicked: “{message}”."));
            } else {
                sentences.push(panic(thread, message, failure, main));
            }
        }
        (FailureKind::StepBound { steps }, found) => {
            sentences.push(format!(
                "The execution did not finish within {}, so it was stopped: most likely a \
                 livelock (threads keep running without making progress) or a loop that never \
                 ends.",
                count(*steps, "step")
            ));
            let v = view(failure, false);
            if let Some(Row::Fold(fold)) = v
                .rows
                .iter()
                .rev()
                .find(|r| matches!(r, Row::Fold(f) if f.repeat))
            {
                let who: Vec<&str> = fold
                    .threads
                    .iter()
                    .map(|&t| thread_name(trace, t))
                    .collect();
                let steps = &trace.steps[fold.start..fold.start + fold.period.min(fold.len)];
                sentences.push(format!(
                    "Before it was stopped, {} kept repeating the same steps ({}) over and over: \
                     {} more {} after the one shown.",
                    names(&who),
                    places(steps.iter(), main),
                    thousands(fold.iterations() as u64),
                    if who.len() == 1 {
                        "iterations"
                    } else {
                        "rounds"
                    }
                ));
            }
            if let Some(Conflict::LostUpdate(lu)) = found {
                sentences.push(format!("Earlier: {}", lost_update(lu, trace, main)));
            }
        }
    }
    sentences.join(" ")
}

/// `" (line 12)"`, or nothing when the step has no source location.
fn at(step: &super::trace::Step, main: Option<&str>) -> String {
    let s = site(step, main);
    if s.is_empty() {
        s
    } else {
        format!(" ({s})")
    }
}

fn names(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn lost_update(lu: &LostUpdate, trace: &Trace, main: Option<&str>) -> String {
    let steps = &trace.steps;
    let read = &steps[lu.read];
    let write = &steps[lu.write];
    let me = thread_name(trace, lu.thread);
    let object = &lu.object;
    let read_value = value(read.detail.as_deref()).unwrap_or("its value");
    let write_value = value(write.detail.as_deref()).unwrap_or("a new value");
    let preempted = steps
        .get(lu.read + 1)
        .is_some_and(|next| next.preemption && next.thread != lu.thread);
    let mut writers: Vec<&str> = Vec::new();
    for &w in &lu.lost {
        let name = thread_name(trace, steps[w].thread);
        if !writers.contains(&name) {
            writers.push(name);
        }
    }
    let writers = names(&writers);
    let n = lu.lost.len() as u64;
    let last = lu.lost.last().map(|&w| &steps[w]);
    let last_value = last
        .and_then(|s| value(s.detail.as_deref()))
        .unwrap_or("its value");
    let lost_places = places(lu.lost.iter().map(|&w| &steps[w]), main);
    let lost_places = if lost_places.is_empty() {
        String::new()
    } else {
        format!(" ({lost_places})")
    };
    let times = if n == 1 {
        String::new()
    } else {
        format!(" {}", count(n, "time"))
    };
    let mut text = format!(
        "Lost update on {object}: {me} read {object} = {read_value}{}",
        at(read, main)
    );
    if preempted {
        text.push_str(" and was preempted before writing it back");
    }
    if n > 1 {
        text.push_str(&format!(
            ". Meanwhile {writers} wrote {object}{times}{lost_places}, the last time {last_value}"
        ));
    } else {
        text.push_str(&format!(
            ". Meanwhile {writers} wrote {object} = {last_value}{lost_places}"
        ));
    }
    text.push_str(&format!(
        ". Then {me} wrote {write_value}{}, computed from its stale read of {read_value}, over \
         {last_value}: {} by {writers} {} lost. Reading and writing {object} are separate steps, \
         so another thread can write in between; hold one Lock around both (a `with lock:` \
         block) to make the update atomic.",
        at(write, main),
        count(n, "update"),
        if n == 1 { "was" } else { "were" },
    ));
    text
}

/// `" (acquired at line 21)"`: where the holder took the resource (its acquiring step in the
/// trace), or nothing.
fn acquired(s: Option<usize>, trace: &Trace, main: Option<&str>) -> String {
    let Some(step) = s.and_then(|s| trace.steps.get(s)) else {
        return String::new();
    };
    let where_ = site(step, main);
    if where_.is_empty() {
        String::new()
    } else {
        format!(" (acquired at {where_})")
    }
}

/// `" at line 22"`: where a blocked thread waits, or nothing.
fn waits_at(b: &BlockedThread, main: Option<&str>) -> String {
    let Some((file, line)) = &b.waits_at else {
        return String::new();
    };
    let where_ = site_at(file, *line, main);
    if where_.is_empty() {
        String::new()
    } else {
        format!(" at {where_}")
    }
}

/// `"Thread-1 waits at line 22 for Lock b, held by Thread-2 (acquired at line 27)"`: the
/// blocked thread's site, then the holder's, each said as what it is.
pub(crate) fn wait_line(b: &BlockedThread, trace: &Trace, main: Option<&str>) -> String {
    if b.thread.is_empty() {
        // A line the analysis could not parse: kept whole, with its site.
        return format!("{}{}", b.waits_for, waits_at(b, main));
    }
    let mut line = format!(
        "{} waits{} for {}",
        b.thread,
        waits_at(b, main),
        b.waits_for
    );
    if let Some(h) = &b.held_by {
        line.push_str(&format!(
            ", held by {h}{}",
            acquired(b.acquired_at, trace, main)
        ));
    }
    line
}

/// The deadlock's lines as [`wait_line`] words them, with file names (for a message printed
/// without the report's "lines are in" header).
#[cfg(feature = "cli")]
pub(crate) fn wait_lines(failure: &Failure) -> Vec<String> {
    match conflict(failure) {
        Some(Conflict::Deadlock(d)) => d
            .blocked
            .iter()
            .map(|b| wait_line(b, &failure.trace, None))
            .collect(),
        _ => Vec::new(),
    }
}

fn deadlock(d: &DeadlockCycle, trace: &Trace, main: Option<&str>) -> String {
    let mut parts = Vec::new();
    if d.cycle.is_empty() {
        let lines: Vec<String> = d
            .blocked
            .iter()
            .map(|b| wait_line(b, trace, main))
            .collect();
        parts.push(format!(
            "Deadlock: every live thread is blocked and none of them can wake the others: {}.",
            lines.join("; ")
        ));
        return parts.join(" ");
    }
    let k = d.cycle.len();
    let mut clauses = Vec::new();
    for (pos, &i) in d.cycle.iter().enumerate() {
        let me = &d.blocked[i];
        // The cycle member waiting for what `me` holds.
        let before = &d.blocked[d.cycle[(pos + k - 1) % k]];
        clauses.push(format!(
            "{} holds {}{} and waits{} for {}",
            me.thread,
            before.waits_for,
            acquired(before.acquired_at, trace, main),
            waits_at(me, main),
            me.waits_for
        ));
    }
    let first = &d.blocked[d.cycle[0]];
    let first_holds = &d.blocked[d.cycle[k - 1]].waits_for;
    parts.push(format!(
        "Deadlock: {}. Each of these threads waits for a resource held by the next, in a \
         cycle, so none of them can ever proceed. Acquiring the locks in the same order in every \
         thread (for example always {first_holds} before {}, as {} does) breaks the cycle.",
        clauses.join("; "),
        first.waits_for,
        first.thread
    ));
    let others: Vec<String> = d
        .blocked
        .iter()
        .enumerate()
        .filter(|(i, _)| !d.cycle.contains(i))
        .map(|(_, b)| wait_line(b, trace, main))
        .collect();
    if !others.is_empty() {
        parts.push(format!("Also blocked: {}.", others.join("; ")));
    }
    parts.join(" ")
}

/// `"only step"`, `"2nd step"`, `"5th step"`.
fn ordinal_steps(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    if n == 1 {
        "only step".to_string()
    } else {
        format!("{}{suffix} step", thousands(n as u64))
    }
}

fn panic(thread: &str, message: &str, failure: &Failure, main: Option<&str>) -> String {
    let trace = &failure.trace;
    let t = thread_index(trace, thread);
    // The thread's steps; the panic itself is the outcome, not one of them.
    let mine: Vec<usize> = match t {
        Some(t) => (0..trace.steps.len())
            .filter(|&i| trace.steps[i].thread == t && !is_panic_step(&trace.steps[i]))
            .collect(),
        None => Vec::new(),
    };
    let total = thousands(total_steps(failure));
    // Where it panicked, from the engine's panic step.
    let at_panic = trace
        .steps
        .iter()
        .rev()
        .find(|s| Some(s.thread) == t && is_panic_step(s))
        .map(|s| site(s, main))
        .filter(|s| !s.is_empty())
        .map(|s| format!(" at {s}"))
        .unwrap_or_default();
    match mine.last() {
        Some(&last) => {
            let step = &trace.steps[last];
            let s = site(step, main);
            let place = if s.is_empty() {
                format!("step {} of {total} overall", thousands(last as u64 + 1))
            } else {
                format!(
                    "{s}; step {} of {total} overall",
                    thousands(last as u64 + 1)
                )
            };
            format!(
                "{thread} panicked{at_panic} with “{message}” right after its {}, “{}” \
                 ({place}).",
                ordinal_steps(mine.len()),
                operation(step),
            )
        }
        None => format!(
            "{thread} panicked{at_panic} with “{message}” before performing any visible step, \
             after {} of the other threads.",
            count(total_steps(failure), "step")
        ),
    }
}
