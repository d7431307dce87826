//! What the CLI prints: the text report and the JSON object, for `list` and `check`/`replay`.

use super::engines::{EngineKind, Outcome, Plan, StrategyKind};
use super::progress::{human_duration, thousands};
use crate::engine::Verdict;
use crate::models::Model;
use crate::report::{self, RenderContext};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The JSON and text name of a verdict.
pub(crate) fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "holds",
        Verdict::Violated => "violated",
        Verdict::Deadlock => "deadlock",
        Verdict::Inconclusive => "inconclusive",
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn good(&self, text: &str) -> String {
        self.wrap("1;32", text)
    }
    fn bad(&self, text: &str) -> String {
        self.wrap("1;31", text)
    }
    fn warn(&self, text: &str) -> String {
        self.wrap("1;33", text)
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

// ------------------------------------------------------------------------------------- list

/// `threadcheck list` as text.
pub(crate) fn list_text(models: &[Model], color: bool) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    for model in models {
        let _ = writeln!(
            out,
            "{}  {}",
            paint.bold(model.name),
            paint.dim(&format!("[expected: {}]", verdict_name(model.expected)))
        );
        let _ = writeln!(out, "    {}", model.description);
        let _ = writeln!(out, "    property:   {}", model.property);
        if model.params.is_empty() {
            let _ = writeln!(out, "    parameters: none");
        } else {
            let width = model
                .params
                .iter()
                .map(|p| p.name.len() + p.default.to_string().len())
                .max()
                .unwrap_or(0);
            for (i, p) in model.params.iter().enumerate() {
                let head = if i == 0 { "parameters:" } else { "" };
                let flag = format!("--{} {}", p.name, p.default);
                let _ = writeln!(
                    out,
                    "    {head:<11} {flag:<w$}  {} ({}..={})",
                    p.help,
                    p.min,
                    p.max,
                    w = width + 3
                );
            }
        }
        for (engine, _) in model.unsupported {
            let _ = writeln!(
                out,
                "    {:<11} cannot run on {engine} (`threadcheck check {} --engine {engine}` says why)",
                "engines:", model.name
            );
        }
        let _ = writeln!(out, "    seed:       {}", model.seed);
        let _ = writeln!(out);
    }
    out.push_str(
        "Check one with: threadcheck check MODEL [--engine native|loom|shuttle] [parameters]\n",
    );
    out
}

#[derive(Serialize)]
struct JsonParam {
    name: &'static str,
    help: &'static str,
    default: u64,
    min: u64,
    max: u64,
}

#[derive(Serialize)]
struct JsonModel {
    name: &'static str,
    description: &'static str,
    property: &'static str,
    expected: &'static str,
    seed: &'static str,
    parameters: Vec<JsonParam>,
    unsupported_engines: BTreeMap<&'static str, &'static str>,
    notes: &'static str,
}

/// `threadcheck list --json`: an array of models.
pub(crate) fn list_json(models: &[Model]) -> String {
    let list: Vec<JsonModel> = models
        .iter()
        .map(|m| JsonModel {
            name: m.name,
            description: m.description,
            property: m.property,
            expected: verdict_name(m.expected),
            seed: m.seed,
            parameters: m
                .params
                .iter()
                .map(|p| JsonParam {
                    name: p.name,
                    help: p.help,
                    default: p.default,
                    min: p.min,
                    max: p.max,
                })
                .collect(),
            unsupported_engines: m.unsupported.iter().copied().collect(),
            notes: m.notes,
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

// ------------------------------------------------------------------------------------ check

/// The parameter list as `iterations=3, threads=2`, or nothing.
fn params_suffix(plan: &Plan) -> String {
    if plan.params.values().is_empty() {
        String::new()
    } else {
        format!(" ({})", plan.params)
    }
}

/// The command that checks the same model with the same parameters on the native engine.
fn native_command(plan: &Plan) -> String {
    let mut command = format!("threadcheck check {}", plan.model.name);
    for (name, value) in plan.model.non_default(&plan.params) {
        let _ = write!(command, " --{name} {value}");
    }
    command
}

/// What a proof on the plan's engine covers of the memory model.
fn memory_model(plan: &Plan) -> &'static str {
    match plan.engine {
        EngineKind::Loom => "Memory model: loom's (weak-memory effects of atomics included).",
        _ => {
            "Memory model: sequential consistency; the primitives' operations are the steps \
             explored (raw atomics and other state outside them are not)."
        }
    }
}

/// The one-paragraph verdict.
fn verdict_text(plan: &Plan, outcome: &Outcome, paint: &Paint, replaying: bool) -> String {
    let n = thousands(outcome.executions);
    let time = human_duration(outcome.elapsed);
    let plural = if outcome.executions == 1 { "" } else { "s" };
    match outcome.verdict {
        Verdict::Holds if replaying => format!(
            "{}: the replayed execution runs to the end and the property holds in it.",
            paint.good("HOLDS")
        ),
        Verdict::Holds if outcome.exhaustive => format!(
            "{}: the property holds in every interleaving. This is a proof for these parameters: \
             the search was exhaustive ({n} execution{plural} explored in {time}). {}",
            paint.good("HOLDS (proved)"),
            memory_model(plan)
        ),
        Verdict::Holds if plan.strategy == StrategyKind::Bounded => format!(
            "{}: no violation in any interleaving with at most {} preemption(s) ({n} \
             execution{plural} in {time}). Not exhaustive: interleavings with more preemptions \
             were not explored.",
            paint.good("HOLDS within the bound"),
            plan.max_preemptions.map_or_else(
                || super::engines::LOOM_DEFAULT_PREEMPTIONS.to_string(),
                |p| p.to_string()
            )
        ),
        Verdict::Holds if plan.strategy == StrategyKind::Exhaustive => format!(
            "{}: no violation in {n} execution{plural} ({time}), but the search was not \
             exhaustive: {}. This is evidence, not a proof.",
            paint.good("HOLDS (not proved)"),
            outcome.limited_by.as_deref().unwrap_or("it was cut short")
        ),
        Verdict::Holds => format!(
            "{}: no violation found in {n} execution{plural} ({time}). Not exhaustive: {}. This is \
             evidence, not a proof.",
            paint.good("HOLDS in the sample"),
            outcome
                .limited_by
                .as_deref()
                .unwrap_or("only some interleavings were run")
        ),
        Verdict::Inconclusive => format!(
            "{}: no violation found in {n} execution{plural} ({time}), but the search did not \
             finish: {}. Nothing is proved.",
            paint.warn("INCONCLUSIVE"),
            outcome.limited_by.as_deref().unwrap_or("it was stopped")
        ),
        Verdict::Violated | Verdict::Deadlock => {
            let word = if outcome.verdict == Verdict::Deadlock {
                "DEADLOCK"
            } else {
                "VIOLATED"
            };
            let failure = outcome.failure.as_ref();
            let message = failure.map_or("the property failed", |f| f.message.as_str());
            let mut text = format!("{}: {message}", paint.bad(word));
            if let Some(location) = failure.and_then(|f| f.location.as_deref()) {
                let _ = write!(text, "\n  at {location}");
            }
            if replaying {
                let _ = write!(text, "\n  (the replayed execution)");
            } else {
                let _ = write!(text, "\n  found in {time}, after {n} execution{plural}");
            }
            text
        }
    }
}

/// The counterexample section: the native trace, or what loom and shuttle can give.
fn counterexample_text(
    plan: &Plan,
    outcome: &Outcome,
    ctx: &RenderContext,
    replay: Option<&str>,
) -> String {
    let Some(failure) = &outcome.failure else {
        return String::new();
    };
    if let Some(native) = &failure.native {
        return report::render_text(native, ctx);
    }
    let mut out = String::new();
    match plan.engine {
        EngineKind::Shuttle => {
            if let Some(schedule) = &failure.schedule {
                let _ = write!(out, "shuttle schedule");
                if let Some(p) = failure.preemptions {
                    let _ = write!(out, " ({p} preemption(s))");
                }
                let _ = writeln!(out, ": {schedule}");
            }
            if let Some(replay) = replay {
                let _ = writeln!(out, "replay: {replay}");
            }
            let _ = writeln!(
                out,
                "Shuttle records no step trace. The step-by-step table is the native engine's: \
                 {} (engine native, the default)",
                native_command(plan)
            );
        }
        EngineKind::Loom => {
            let _ = writeln!(
                out,
                "Loom records neither the steps nor a schedule to replay. For a step-by-step \
                 counterexample: {}",
                native_command(plan)
            );
        }
        EngineKind::Native => {
            if let Some(replay) = replay {
                let _ = writeln!(out, "replay: {replay}");
            }
        }
    }
    out
}

/// The text report of `check` and `replay`.
pub(crate) fn check_text(
    plan: &Plan,
    outcome: &Outcome,
    ctx: &RenderContext,
    replay: Option<&str>,
    replaying: bool,
) -> String {
    let paint = Paint { on: ctx.color };
    let mut out = String::new();
    let what = if replaying {
        format!("replay on {}", plan.engine.name())
    } else {
        let mut s = format!(
            "engine {}, strategy {}",
            plan.engine.name(),
            plan.strategy.name()
        );
        if plan.strategy.samples() {
            let _ = write!(s, " (seed {})", plan.seed);
        }
        s
    };
    let _ = writeln!(
        out,
        "{}{}: {}",
        paint.bold(plan.model.name),
        params_suffix(plan),
        paint.dim(&what)
    );
    let _ = writeln!(out, "property: {}", plan.model.property);
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", verdict_text(plan, outcome, &paint, replaying));
    let section = counterexample_text(plan, outcome, ctx, replay);
    if !section.is_empty() {
        let _ = writeln!(out);
        out.push_str(&section);
    }
    let outcomes = plan.params.outcomes();
    if !outcomes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "outcomes seen (executions):");
        for (what, count) in &outcomes {
            let _ = writeln!(out, "  {:>8}  {what}", thousands(*count));
        }
    }
    let mut notes = outcome.notes.clone();
    let expected = plan.model.expected;
    if !replaying && outcome.verdict != Verdict::Inconclusive {
        if outcome.verdict == expected {
            notes.push(format!(
                "as expected: this model is expected to {}",
                expected_words(expected)
            ));
        } else if plan.params.values() == plan.model.default_params().values() {
            notes.push(format!(
                "UNEXPECTED: with its default parameters this model is expected to {}",
                expected_words(expected)
            ));
        }
    }
    if outcome.verdict == Verdict::Inconclusive && !plan.model.notes.is_empty() {
        notes.push(plan.model.notes.to_string());
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    out
}

fn expected_words(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "hold",
        Verdict::Violated => "be violated",
        Verdict::Deadlock => "deadlock",
        Verdict::Inconclusive => "be inconclusive",
    }
}

#[derive(Serialize)]
struct JsonStep {
    thread: String,
    action: String,
    object: String,
    detail: Option<String>,
    file: String,
    line: u32,
    preemption: bool,
}

#[derive(Serialize)]
struct JsonCounterexample {
    schedule: Option<String>,
    preemptions: Option<u32>,
    message: String,
    location: Option<String>,
    steps: Vec<JsonStep>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    model: &'a str,
    parameters: BTreeMap<&'a str, u64>,
    engine: &'a str,
    strategy: &'a str,
    verdict: &'a str,
    expected: &'a str,
    exhaustive: bool,
    executions: u64,
    /// With `--state-caching`: the distinct states explored.
    states: Option<u64>,
    elapsed_ms: u64,
    limited_by: Option<&'a str>,
    seed: Option<u64>,
    outcomes: BTreeMap<String, u64>,
    notes: &'a [String],
    counterexample: Option<JsonCounterexample>,
    replay_command: Option<&'a str>,
}

/// The JSON object of `check` and `replay`.
pub(crate) fn check_json(
    plan: &Plan,
    outcome: &Outcome,
    replay: Option<&str>,
    replaying: bool,
) -> String {
    let counterexample = outcome.failure.as_ref().map(|f| JsonCounterexample {
        schedule: f.schedule.clone(),
        preemptions: f.preemptions,
        message: f.message.clone(),
        location: f.location.clone(),
        steps: f
            .native
            .as_ref()
            .map(|native| {
                native
                    .trace
                    .steps
                    .iter()
                    .map(|s| JsonStep {
                        thread: native
                            .trace
                            .threads
                            .get(s.thread)
                            .map_or_else(|| format!("thread {}", s.thread), |t| t.name.clone()),
                        action: s.action.clone(),
                        object: s.object.clone(),
                        detail: s.detail.clone(),
                        file: super::capture::tidy_path(&s.file).to_string(),
                        line: s.line,
                        preemption: s.preemption,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    });
    let report = JsonCheck {
        model: plan.model.name,
        parameters: plan.params.values().iter().copied().collect(),
        engine: plan.engine.name(),
        strategy: if replaying {
            "replay"
        } else {
            plan.strategy.name()
        },
        verdict: verdict_name(outcome.verdict),
        expected: verdict_name(plan.model.expected),
        exhaustive: outcome.exhaustive,
        executions: outcome.executions,
        states: outcome.states,
        elapsed_ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
        limited_by: outcome.limited_by.as_deref(),
        seed: (plan.strategy.samples() && !replaying).then_some(plan.seed),
        outcomes: plan.params.outcomes(),
        notes: &outcome.notes,
        counterexample,
        replay_command: replay,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
