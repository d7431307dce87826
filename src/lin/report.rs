//! The failure report: scenario, history, why it is not linearizable, the interleaving as the
//! CLI's per-thread table, and a regression test to paste.
//!
//! The per-thread table is rendered by [`render_table`], the one function to swap for
//! `report::render_text` once the renderers land, so that `threadcheck check` and the fuzzer
//! print the same table.

use super::checker::NotLinearizable;
use super::history::History;
use super::scenario::Scenario;
use super::Spec;
use crate::engine::{Failure, FailureKind, Schedule};
use crate::report::{Step, ThreadDesc, Trace};
use std::fmt;

/// What went wrong in the failing execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The history has no linearization.
    NotLinearizable(NotLinearizable),
    /// An operation panicked (history thread `thread`: 0 = init).
    Panicked {
        /// History thread index (0 = init, 1.. = concurrent threads).
        thread: usize,
        /// The panic message.
        message: String,
    },
    /// The engine stopped the execution: a deadlock (an operation blocked forever) or a step
    /// bound; or the engine could not run it.
    Engine(String),
}

/// A scenario whose execution is not linearizable (or failed otherwise), shrunk, with
/// everything needed to understand and reproduce it. `Display` prints the full report.
#[derive(Clone, Debug)]
pub struct LinFailure<S: Spec> {
    /// The target type, as `std::any::type_name` names it.
    pub target: String,
    /// The operation type, as `std::any::type_name` names it.
    pub op_type: String,
    /// The engine that ran it (`native`, `shuttle`, `loom`, `std`).
    pub engine: &'static str,
    /// The minimal failing scenario.
    pub scenario: Scenario<S::Op>,
    /// The scenario as first generated, before shrinking.
    pub original: Scenario<S::Op>,
    /// Scenarios generated up to and including the first failing one.
    pub scenarios_tried: u64,
    /// Scenario-shrinking steps taken.
    pub shrink_steps: u32,
    /// The failing execution's history.
    pub history: History<S::Op, S::Ret>,
    /// What is wrong with it.
    pub problem: Problem,
    /// The failing schedule, in the engine's printable form (native: replayable with
    /// `engine::Strategy::Replay`; loom and std: none).
    pub schedule: Option<String>,
    /// Preemptions in the failing schedule.
    pub preemptions: Option<u32>,
    /// True when the schedule was shrunk to the fewest preemptions (native engine).
    pub schedule_minimal: bool,
    /// Steps in the failing schedule (native engine).
    pub steps: Option<u64>,
    /// True when, among the schedules with the fewest preemptions, none that fails is shorter
    /// (native engine, when the search for a shorter one finished within its budget).
    pub steps_minimal: bool,
    /// The interleaving, step by step (native: every visible operation; otherwise the calls and
    /// returns of the history).
    pub trace: Trace,
}

fn short(type_name: &str) -> &str {
    type_name.rsplit("::").next().unwrap_or(type_name)
}

/// `my_crate::tests::Op` -> `crate::tests::Op`, for code pasted into the crate that defines it.
fn crate_path(type_name: &str) -> String {
    if type_name.contains('<') {
        return type_name.to_string();
    }
    match type_name.split_once("::") {
        Some((_, rest)) => format!("crate::{rest}"),
        None => type_name.to_string(),
    }
}

impl<S: Spec> LinFailure<S> {
    /// The scenario as a `#[test]` to paste into the crate that defines the target.
    pub fn regression_test(&self) -> String {
        let engine = if self.engine == "std" {
            "std"
        } else {
            self.engine
        };
        self.scenario.to_rust(
            &crate_path(&self.target),
            &crate_path(&self.op_type),
            engine,
        )
    }

    /// The headline: what failed, where, after how much search.
    pub fn summary(&self) -> String {
        let what = match &self.problem {
            Problem::NotLinearizable(_) => "is not linearizable".to_string(),
            Problem::Panicked { .. } => "panicked".to_string(),
            Problem::Engine(why) => format!("failed: {why}"),
        };
        format!(
            "{} {} (found by the {} engine in scenario {}, shrunk in {} steps to {} thread(s) x {} operation(s))",
            short(&self.target),
            what,
            self.engine,
            self.scenarios_tried,
            self.shrink_steps,
            self.scenario.thread_count(),
            self.scenario.max_ops_per_thread()
        )
    }

    fn explain(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let calls = self.history.calls();
        let who = |i: usize| {
            let c = &calls[i];
            let thread = if c.thread == 0 {
                "init".to_string()
            } else {
                format!("thread {}", c.thread)
            };
            let ret = c
                .response
                .as_ref()
                .map_or("(never returned)".to_string(), |(_, r)| format!("{r:?}"));
            (thread, format!("{:?}", c.op), ret)
        };
        match &self.problem {
            Problem::NotLinearizable(why) => {
                writeln!(
                    f,
                    "Why: no sequential order of these calls that respects their real-time order \
                     gives these results."
                )?;
                if why.prefix.is_empty() {
                    writeln!(f, "  No call can even go first.")?;
                } else {
                    writeln!(f, "  The longest order the specification accepts:")?;
                    for &i in &why.prefix {
                        let (thread, op, ret) = who(i);
                        writeln!(f, "    {thread}: {op} -> {ret}")?;
                    }
                    writeln!(f, "  reaching state {}; then:", why.state)?;
                }
                for (i, expected) in &why.mismatches {
                    let (thread, op, ret) = who(*i);
                    writeln!(
                        f,
                        "    {thread}: {op} returned {ret}, the specification says {expected}"
                    )?;
                }
                Ok(())
            }
            Problem::Panicked { thread, message } => {
                writeln!(
                    f,
                    "Why: an operation of history thread {thread} panicked: {message}"
                )
            }
            Problem::Engine(why) => writeln!(f, "Why: {why}"),
        }
    }
}

impl<S: Spec> fmt::Display for LinFailure<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        writeln!(f)?;
        writeln!(f, "Scenario:")?;
        write!(f, "{}", self.scenario)?;
        writeln!(f)?;
        writeln!(
            f,
            "History (per thread: operation -> result, [invoked..returned]):"
        )?;
        write!(f, "{}", self.history)?;
        writeln!(f)?;
        self.explain(f)?;
        writeln!(f)?;
        let failure = Failure {
            kind: FailureKind::Panic {
                thread: "MainThread".into(),
                message: super::run::FAILED.into(),
            },
            schedule: Schedule(self.schedule.clone().unwrap_or_default()),
            preemptions: self.preemptions.unwrap_or(0),
            steps: self.steps.unwrap_or(0),
            fewest_steps: self.steps_minimal,
            trace: self.trace.clone(),
        };
        let replay = "the regression test below re-checks this scenario";
        write!(f, "{}", render_table(&failure, short(&self.target), replay))?;
        match (&self.schedule, self.schedule_minimal) {
            (Some(s), true) => {
                let preemptions = self.preemptions.unwrap_or(0);
                let steps = self.steps.unwrap_or(0);
                if self.steps_minimal {
                    writeln!(
                        f,
                        "Schedule (fewest preemptions: {preemptions}, then fewest steps: {steps}): {s}"
                    )?
                } else {
                    writeln!(
                        f,
                        "Schedule (fewest preemptions: {preemptions}; {steps} steps, the fewest \
                         found before the budget ran out): {s}"
                    )?
                }
            }
            (Some(s), false) => {
                writeln!(
                    f,
                    "Schedule ({} preemptions): {s}",
                    self.preemptions.unwrap_or(0)
                )?;
                writeln!(
                    f,
                    "  (shrinking the schedule to the fewest preemptions needs the native engine)"
                )?;
            }
            (None, _) if self.engine == "loom" => {
                writeln!(
                    f,
                    "Schedule: none (loom records no replayable schedule; the regression test \
                     below re-runs loom's search)"
                )?;
                writeln!(
                    f,
                    "  (shrinking the schedule to the fewest preemptions needs the native engine)"
                )?;
            }
            (None, _) => writeln!(f, "Schedule: none (OS threads are not replayable)")?,
        }
        writeln!(f)?;
        writeln!(f, "Regression test:")?;
        write!(f, "{}", self.regression_test())
    }
}

/// The trace of a history, for engines that give no trace of their own: one step per call and
/// one per return, in real-time order, on the history's threads.
pub(crate) fn trace_of<Op: fmt::Debug, Ret: fmt::Debug>(history: &History<Op, Ret>) -> Trace {
    let threads = (0..history.threads().max(1))
        .map(|id| ThreadDesc {
            id,
            name: if id == 0 {
                "MainThread".into()
            } else {
                format!("T{id}")
            },
        })
        .collect();
    let mut events = Vec::new();
    for c in history.calls() {
        let op = format!("{:?}", c.op);
        events.push((c.invoke, c.thread, "call", op.clone(), None));
        if let Some((t, r)) = &c.response {
            events.push((*t, c.thread, "return", op, Some(format!("-> {r:?}"))));
        }
    }
    events.sort_by_key(|e| e.0);
    let mut steps: Vec<Step> = Vec::new();
    for (_, thread, action, op, detail) in events {
        steps.push(Step {
            thread,
            action: action.into(),
            object: op,
            detail,
            file: String::new(),
            line: 0,
            // A history does not know whether the previous thread could have continued.
            preemption: false,
        });
    }
    Trace { threads, steps }
}

/// The per-thread table of a failing execution, as `threadcheck check` prints it.
pub(crate) fn render_table(failure: &Failure, model: &str, replay: &str) -> String {
    if failure.trace.steps.is_empty() {
        return String::new();
    }
    let ctx = crate::report::RenderContext {
        model: model.to_string(),
        replay_command: replay.to_string(),
        color: false,
        full_trace: false,
    };
    crate::report::render_text(failure, &ctx)
}
