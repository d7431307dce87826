//! The `threadcheck` command-line tool: `list`, `check`, `replay` and `fuzz` over the seed models,
//! [`crate::models`].
//!
//! The binary is `src/main.rs`, which calls [`main`]. The contract (flags, exit codes, JSON
//! fields) is the one `threadcheck --help` documents:
//!
//! | exit code | meaning |
//! |---|---|
//! | 0 | the property holds in every explored execution |
//! | 1 | a counterexample or a deadlock was found |
//! | 2 | bad usage or input: unknown model, bad parameter or schedule, engine cannot run it |
//! | 3 | the search was stopped (budget, engine limit) with nothing found: inconclusive |

mod args;
mod bench;
mod capture;
mod engines;
mod output;
mod progress;

use crate::engine::{Budget, Verdict};
use crate::models::{self, Model, Params};
use args::{
    CheckArgs, Cli, Command, FuzzArgs, FuzzStrategyArg, ListArgs, ModelParams, OutputArgs,
    ReductionsChoice, ReplayArgs,
};
use clap::Parser;
use engines::{EngineKind, Outcome, Plan, StrategyKind, UsageError};
use std::io::IsTerminal;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

/// Exit code: the property holds in every explored execution.
pub const EXIT_HOLDS: i32 = 0;
/// Exit code: a counterexample or a deadlock was found.
pub const EXIT_FAILURE_FOUND: i32 = 1;
/// Exit code: bad usage or input.
pub const EXIT_USAGE: i32 = 2;
/// Exit code: stopped by a budget or an engine limit with nothing found.
pub const EXIT_INCONCLUSIVE: i32 = 3;

/// Runs the tool on the process's arguments and returns the exit code.
///
/// ```no_run
/// std::process::exit(threadcheck::cli::main());
/// ```
pub fn main() -> i32 {
    run(std::env::args_os())
}

/// Runs the tool on `args` (the first is the program name) and returns the exit code. Output
/// goes to the process's stdout and stderr.
///
/// ```
/// let code = threadcheck::cli::run(["threadcheck", "list"]);
/// assert_eq!(code, 0);
/// ```
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_HOLDS
            };
        }
    };
    match cli.command {
        Command::List(list) => run_list(&list),
        Command::Check(check) => run_check(&check),
        Command::Replay(replay) => run_replay(&replay),
        Command::Fuzz(fuzz) => run_fuzz(&fuzz),
        Command::Bench(bench) => bench::run(&bench),
    }
}

/// Whether to colour stdout: `--color`, then `NO_COLOR`, then `CLICOLOR_FORCE`, then whether
/// stdout is a terminal.
fn use_color(output: &OutputArgs) -> bool {
    match output.color {
        args::ColorChoice::Always => true,
        args::ColorChoice::Never => false,
        args::ColorChoice::Auto => {
            let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
            if set("NO_COLOR") {
                false
            } else if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0")
            {
                true
            } else {
                std::io::stdout().is_terminal()
            }
        }
    }
}

/// Reports a usage error (exit 2), as JSON too when `--json` was asked.
fn usage_error(message: &str, json: bool) -> i32 {
    eprintln!("error: {message}");
    if json {
        let value = serde_json::json!({ "error": message, "exit_code": EXIT_USAGE });
        println!("{value}");
    }
    EXIT_USAGE
}

/// `30s`, `2m`, `1h30m`, `500ms`, or a plain number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        return if secs.is_finite() && secs >= 0.0 {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err(format!("`{text}` is not a duration"))
        };
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration (try 30s, 2m, 1h, 500ms)"))?;
        let scale = match unit.trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hour" | "hours" => 3600.0,
            _ => {
                return Err(format!(
                    "`{text}` is not a duration (try 30s, 2m, 1h, 500ms)"
                ))
            }
        };
        let secs = value * scale;
        if !secs.is_finite() || secs > 1e12 {
            return Err(format!("`{text}` is too long"));
        }
        total += Duration::from_secs_f64(secs);
        rest = tail;
    }
    Ok(total)
}

/// The shortest exact way to write `d` for a flag: `30s`, `2m`, `1500ms`.
fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 60_000 == 0 && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Single-quotes `text` for a POSIX shell when it needs it.
fn shell_quote(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.,:/=+@%".contains(c));
    if plain && !text.is_empty() {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `threadcheck replay MODEL 'SCHEDULE' --iterations N ...` with the non-default parameters.
/// A schedule depends on the reductions (they change what one step is), so a non-default
/// `--reductions` is part of the command.
fn replay_command(
    model: &Model,
    params: &Params,
    schedule: &str,
    reductions: ReductionsChoice,
) -> String {
    let mut command = format!(
        "threadcheck replay {} {}",
        model.name,
        shell_quote(schedule)
    );
    for (name, value) in model.non_default(params) {
        command.push_str(&format!(" --{name} {value}"));
    }
    if reductions != ReductionsChoice::All {
        command.push_str(&format!(" --reductions {}", reductions.name()));
    }
    command
}

/// Finds the model, or explains (with the closest name) why not.
fn lookup(name: &str) -> Result<&'static Model, String> {
    models::find(name).ok_or_else(|| {
        let mut message = format!("no model named `{name}`");
        if let Some(close) = models::closest(name) {
            message.push_str(&format!("; did you mean `{close}`?"));
        }
        message.push_str(" (`threadcheck list` shows them all)");
        message
    })
}

/// The model's parameters from the flags.
fn model_params(model: &Model, given: &ModelParams) -> Result<Params, String> {
    model.params_with(&given.given()).map_err(|e| e.to_string())
}

fn run_list(list: &ListArgs) -> i32 {
    let color = use_color(&list.output);
    if list.output.json {
        println!("{}", output::list_json(models::all()));
    } else {
        print!("{}", output::list_text(models::all(), color));
    }
    EXIT_HOLDS
}

/// A random seed for random and PCT searches without `--seed`.
fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish() % 1_000_000_000
}

/// Checks the flags against each other and the engine, and decides the plan.
fn make_plan(args: &CheckArgs) -> Result<Plan, String> {
    let model = lookup(&args.model)?;
    let params = model_params(model, &args.params)?;
    let engine = args.engine;
    let strategy = match (args.strategy, args.max_preemptions) {
        (Some(s), Some(_)) if s != StrategyKind::Bounded => {
            return Err(format!(
            "--max-preemptions bounds the bounded strategy; it means nothing with --strategy {}",
            s.name()
        ))
        }
        (Some(s), _) => s,
        (None, Some(_)) => StrategyKind::Bounded,
        (None, None) => match engine {
            EngineKind::Shuttle => StrategyKind::Random,
            EngineKind::Native | EngineKind::Loom => StrategyKind::Exhaustive,
        },
    };
    if args.seed.is_some() && !strategy.samples() {
        return Err(format!(
            "--seed seeds the random and pct strategies; the {} strategy has no randomness",
            strategy.name()
        ));
    }
    if args.depth.is_some() && strategy != StrategyKind::Pct {
        return Err("--depth is the bug depth of --strategy pct".to_string());
    }
    if let Some(why) = model.unsupported_reason(engine.name()) {
        return Err(why.to_string());
    }
    if engine == EngineKind::Loom {
        let spawned = (model.spawned_threads)(&params);
        if spawned > engines::LOOM_MAX_SPAWNED {
            let hint = if model.params.iter().any(|p| p.name == "threads") {
                format!(", or --threads {} or fewer", engines::LOOM_MAX_SPAWNED)
            } else {
                String::new()
            };
            return Err(format!(
                "loom cannot run {} with {spawned} spawned threads: its cap is {} spawned threads; \
                 use --engine native{hint}",
                model.name,
                engines::LOOM_MAX_SPAWNED
            ));
        }
        if strategy.samples() {
            return Err(format!(
                "loom has no {} scheduler: it explores exhaustively, or bounded with \
                 --max-preemptions; use --engine shuttle or --engine native for {0}",
                strategy.name()
            ));
        }
    }
    if engine != EngineKind::Native && args.reductions != ReductionsChoice::All {
        return Err(format!(
            "--reductions chooses the native engine's reductions; {} has none to turn off",
            engine.name()
        ));
    }
    if args.jobs.is_some_and(|j| j > 1)
        && (engine != EngineKind::Native || strategy != StrategyKind::Exhaustive)
    {
        return Err(format!(
            "--jobs runs the native engine's exhaustive search on several threads; it means \
             nothing with --engine {} --strategy {}",
            engine.name(),
            strategy.name()
        ));
    }
    if args.state_caching {
        if engine != EngineKind::Native || strategy != StrategyKind::Exhaustive {
            return Err(format!(
                "--state-caching is a mode of the native engine's exhaustive search; it means \
                 nothing with --engine {} --strategy {}",
                engine.name(),
                strategy.name()
            ));
        }
        if args.jobs.is_some_and(|j| j > 1) {
            return Err(
                "--state-caching searches on one thread (its table of visited states \
                        is not shared); drop --jobs or --state-caching"
                    .to_string(),
            );
        }
    }
    if args.steps_after_end.is_some()
        && (engine != EngineKind::Native || strategy != StrategyKind::Exhaustive)
    {
        return Err(format!(
            "--steps-after-end is how far the native engine's exhaustive search follows daemon \
             threads after the program's end; it means nothing with --engine {} --strategy {}",
            engine.name(),
            strategy.name()
        ));
    }
    if engine == EngineKind::Shuttle && strategy == StrategyKind::Bounded {
        return Err(
            "shuttle has no preemption-bounded search: use --strategy exhaustive (depth-first), \
             random or pct with shuttle, or --engine native or loom for bounded"
                .to_string(),
        );
    }
    if let Some(path) = &args.html {
        if engine != EngineKind::Native {
            return Err(format!(
                "--html draws the step trace, which only the native engine records; drop --html \
                 or use --engine native (not {})",
                engine.name()
            ));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(format!(
                    "cannot write {}: {} is not a directory",
                    path.display(),
                    parent.display()
                ));
            }
        }
    }
    let budget = Budget {
        max_executions: args.max_executions,
        max_time: args.time,
        max_steps: args.max_steps.unwrap_or(Budget::default().max_steps),
        steps_after_end: args
            .steps_after_end
            .unwrap_or(Budget::default().steps_after_end),
        ..Budget::default()
    };
    Ok(Plan {
        model,
        params,
        engine,
        strategy,
        seed: args.seed.unwrap_or_else(fresh_seed),
        depth: args.depth.unwrap_or(3),
        max_preemptions: args.max_preemptions,
        budget,
        minimize: !args.no_minimize,
        reductions: crate::engine::Reductions {
            state_caching: args.state_caching,
            ..args.reductions.reductions()
        },
        reductions_choice: args.reductions,
        workers: args.jobs.map_or(1, |j| j as usize),
    })
}

/// Runs `work` with the checkers silenced and a progress indicator; returns its result and
/// what the checkers printed.
fn quietly<T>(
    label: String,
    output: &OutputArgs,
    work: impl FnOnce(&Arc<AtomicU64>) -> T,
) -> (T, String) {
    // Ask before fd 2 is redirected.
    let show_progress = !output.quiet && std::io::stderr().is_terminal();
    let quiet = capture::Quiet::begin(true);
    let executions = Arc::new(AtomicU64::new(0));
    let progress = progress::Progress::start(
        label,
        Arc::clone(&executions),
        if show_progress {
            quiet.real_stderr()
        } else {
            None
        },
    );
    let result = work(&executions);
    progress.finish();
    let printed = quiet.end();
    (result, printed)
}

fn exit_code(verdict: Verdict) -> i32 {
    match verdict {
        Verdict::Holds => EXIT_HOLDS,
        Verdict::Violated | Verdict::Deadlock => EXIT_FAILURE_FOUND,
        Verdict::Inconclusive => EXIT_INCONCLUSIVE,
    }
}

/// Writes the HTML page of a native failure; an error is a usage error (exit 2).
fn write_html(
    path: &std::path::Path,
    outcome: &Outcome,
    ctx: &crate::report::RenderContext,
) -> Result<bool, String> {
    let Some(failure) = outcome.failure.as_ref().and_then(|f| f.native.as_ref()) else {
        return Ok(false);
    };
    let page = crate::report::render_html(failure, ctx);
    std::fs::write(path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

fn report(
    plan: &Plan,
    outcome: &Outcome,
    output_args: &OutputArgs,
    html: Option<&std::path::Path>,
    printed: &str,
    replaying: bool,
) -> i32 {
    let color = use_color(output_args);
    let replay = outcome
        .failure
        .as_ref()
        .and_then(|f| f.schedule.as_deref())
        .map(|s| replay_command(plan.model, &plan.params, s, plan.reductions_choice));
    let ctx = crate::report::RenderContext {
        model: plan.model.name.to_string(),
        replay_command: replay.clone().unwrap_or_default(),
        color,
        full_trace: output_args.full_trace,
    };
    let mut html_note = None;
    if let Some(path) = html {
        match write_html(path, outcome, &ctx) {
            Ok(true) => html_note = Some(format!("wrote {}", path.display())),
            Ok(false) => {
                html_note = Some(format!(
                    "no counterexample, so no page: {} not written",
                    path.display()
                ))
            }
            Err(e) => return usage_error(&e, output_args.json),
        }
    }
    if output_args.json {
        println!(
            "{}",
            output::check_json(plan, outcome, replay.as_deref(), replaying)
        );
    } else {
        print!(
            "{}",
            output::check_text(plan, outcome, &ctx, replay.as_deref(), replaying)
        );
        if let Some(note) = html_note {
            println!("{note}");
        }
    }
    if output_args.verbose && !printed.trim().is_empty() {
        eprintln!("--- what the {} engine printed ---", plan.engine.name());
        eprint!("{printed}");
    }
    exit_code(outcome.verdict)
}

fn run_check(args: &CheckArgs) -> i32 {
    let plan = match make_plan(args) {
        Ok(plan) => plan,
        Err(e) => return usage_error(&e, args.output.json),
    };
    let label = format!("checking {} on {}", plan.model.name, plan.engine.name());
    let (result, printed) = quietly(label, &args.output, |executions| {
        engines::run(&plan, executions)
    });
    match result {
        Ok(outcome) => report(
            &plan,
            &outcome,
            &args.output,
            args.html.as_deref(),
            &printed,
            false,
        ),
        Err(UsageError(e)) => usage_error(&e, args.output.json),
    }
}

fn run_replay(args: &ReplayArgs) -> i32 {
    let json = args.output.json;
    let model = match lookup(&args.model) {
        Ok(model) => model,
        Err(e) => return usage_error(&e, json),
    };
    let params = match model_params(model, &args.params) {
        Ok(params) => params,
        Err(e) => return usage_error(&e, json),
    };
    let is_shuttle = args.schedule.trim_start().starts_with("shuttle:");
    let engine =
        match (args.engine, is_shuttle) {
            (Some(EngineKind::Loom), _) => {
                return usage_error(
                    "loom records no schedules, so there is nothing to replay on loom; replay \
                 native or shuttle schedules",
                    json,
                )
            }
            (Some(EngineKind::Native), true) => {
                return usage_error(
                    "this is a shuttle schedule (it starts with `shuttle:`); replay it with \
                 --engine shuttle",
                    json,
                )
            }
            (Some(EngineKind::Shuttle), false) => return usage_error(
                "bad schedule: a shuttle schedule starts with `shuttle:`; this one looks like a \
                 native engine schedule (drop --engine shuttle)",
                json,
            ),
            (_, true) => EngineKind::Shuttle,
            (_, false) => EngineKind::Native,
        };
    if let Some(why) = model.unsupported_reason(engine.name()) {
        return usage_error(why, json);
    }
    if args.html.is_some() && engine != EngineKind::Native {
        return usage_error(
            "--html draws the step trace, which only the native engine records",
            json,
        );
    }
    let mut budget = Budget::default();
    if let Some(steps) = args.max_steps {
        budget.max_steps = steps;
    }
    let plan = Plan {
        model,
        params: params.clone(),
        engine,
        strategy: StrategyKind::Exhaustive,
        seed: 0,
        depth: 3,
        max_preemptions: None,
        budget,
        minimize: false,
        reductions: args.reductions.reductions(),
        reductions_choice: args.reductions,
        workers: 1,
    };
    if engine != EngineKind::Native && args.reductions != ReductionsChoice::All {
        return usage_error("--reductions applies to native schedules only", json);
    }
    let schedule = args.schedule.clone();
    let label = format!("replaying {} on {}", model.name, engine.name());
    let (result, printed) = quietly(label, &args.output, |_| match engine {
        EngineKind::Shuttle => engines::ShuttleSchedule::decode(&schedule)
            .map_err(|e| UsageError(format!("bad schedule: {e}")))
            .and_then(|s| engines::replay_shuttle(model, &params, s, &budget)),
        _ => engines::replay_native(model, &params, &schedule, &budget, plan.reductions),
    });
    match result {
        Ok(outcome) => report(
            &plan,
            &outcome,
            &args.output,
            args.html.as_deref(),
            &printed,
            true,
        ),
        Err(UsageError(e)) => usage_error(&e, json),
    }
}

/// `threadcheck fuzz`: batches of random/PCT executions ([`crate::lin::fuzz_program`]) until
/// the time budget or the first failure; native failures minimised to the fewest preemptions, then the fewest steps.
fn run_fuzz(args: &FuzzArgs) -> i32 {
    use crate::lin::{self, FuzzConfig, FuzzStrategy};
    let json = args.output.json;
    let model = match lookup(&args.model) {
        Ok(model) => model,
        Err(e) => return usage_error(&e, json),
    };
    let params = match model_params(model, &args.params) {
        Ok(params) => params,
        Err(e) => return usage_error(&e, json),
    };
    let engine =
        match args.engine {
            EngineKind::Loom => return usage_error(
                "loom has no random or pct scheduler to fuzz with: use --engine native or shuttle",
                json,
            ),
            engine => engine,
        };
    if let Some(why) = model.unsupported_reason(engine.name()) {
        return usage_error(why, json);
    }
    if args.html.is_some() && engine != EngineKind::Native {
        return usage_error(
            "--html draws the step trace, which only the native engine records",
            json,
        );
    }
    if args.batch == 0 {
        return usage_error("--batch must be at least 1", json);
    }
    let seed = args.seed.unwrap_or_else(fresh_seed);
    let (strategy, kind) = match args.strategy {
        FuzzStrategyArg::Random => (FuzzStrategy::Random, StrategyKind::Random),
        FuzzStrategyArg::Pct => (FuzzStrategy::Pct, StrategyKind::Pct),
        FuzzStrategyArg::Portfolio => (FuzzStrategy::Portfolio, StrategyKind::Portfolio),
    };
    let plan = Plan {
        model,
        params: params.clone(),
        engine,
        strategy: kind,
        seed,
        depth: 3,
        max_preemptions: None,
        budget: Budget {
            max_time: Some(args.time),
            ..Budget::default()
        },
        minimize: true,
        // The fuzzer runs the engine with every reduction (its schedules replay with them).
        reductions: ReductionsChoice::All.reductions(),
        reductions_choice: ReductionsChoice::All,
        workers: 1,
    };
    let program: lin::Program = match engine {
        EngineKind::Shuttle => {
            let (body, params) = (model.bodies.shuttle, params.clone());
            Arc::new(move || {
                capture::new_execution();
                body(&params)
            })
        }
        _ => {
            let (body, params) = (model.bodies.native, params.clone());
            Arc::new(move || {
                capture::new_execution();
                body(&params)
            })
        }
    };
    let detail = Arc::new(std::sync::Mutex::new(String::new()));
    let label = format!("fuzzing {} on {}", model.name, engine.name());
    let show_progress = !args.output.quiet && std::io::stderr().is_terminal();
    let quiet = capture::Quiet::begin(true);
    let executions = Arc::new(AtomicU64::new(0));
    let progress = progress::Progress::start_detailed(
        label,
        Arc::clone(&executions),
        Some(Arc::clone(&detail)),
        if show_progress {
            quiet.real_stderr()
        } else {
            None
        },
    );
    let mut config = FuzzConfig::new(match engine {
        EngineKind::Shuttle => lin::Engine::Shuttle,
        _ => lin::Engine::Native,
    });
    config.strategy = strategy;
    config.time = args.time;
    config.seed = seed;
    config.executions_per_scenario = args.batch;
    config.progress = Some({
        let (executions, detail) = (Arc::clone(&executions), Arc::clone(&detail));
        Arc::new(move |p: &lin::FuzzProgress| {
            executions.store(p.executions, std::sync::atomic::Ordering::Relaxed);
            if let Ok(mut d) = detail.lock() {
                *d = fuzz_detail(p);
            }
        })
    });
    let result = lin::fuzz_program(&config, program);
    progress.finish();
    let printed = quiet.end();
    let report_data = match result {
        Ok(report) => report,
        Err(e) => return usage_error(&engines::UsageError::from(e).0, json),
    };
    let p = &report_data.progress;
    let mut notes = vec![format!(
        "fuzzed {} batch(es) of up to {} executions ({}): {}",
        p.scenarios,
        args.batch,
        match args.strategy {
            FuzzStrategyArg::Random => "random",
            FuzzStrategyArg::Pct => "pct depth 3",
            FuzzStrategyArg::Portfolio => "portfolio: random, pct depth 2, 3, 4 in turn",
        },
        fuzz_detail(p)
    )];
    let failure = report_data.failure.as_ref().map(|f| {
        // Shuttle gives no trace: the model's own panic (message, line) is the best account.
        let first = (engine == EngineKind::Shuttle)
            .then(capture::first_panic)
            .flatten();
        engines::FailureInfo {
            message: first
                .as_ref()
                .map(|p| p.message.clone())
                .unwrap_or_else(|| engines::native_message(f)),
            location: first.and_then(|p| p.location),
            schedule: (!f.schedule.0.is_empty()).then(|| f.schedule.to_string()),
            preemptions: Some(f.preemptions),
            native: (engine == EngineKind::Native).then(|| f.clone()),
        }
    });
    if let Some(f) = &report_data.failure {
        if report_data.schedule_minimal && f.fewest_steps {
            notes.push(format!(
                "minimised: this schedule has the fewest preemptions ({}) that fail, and no \
                 failing schedule with that many is shorter than its {} steps",
                f.preemptions, f.steps
            ));
        } else if report_data.schedule_minimal {
            notes.push(format!(
                "minimised: this schedule has the fewest preemptions ({}) that fail; it has {} \
                 steps, the fewest found before the shrinking budget ran out",
                f.preemptions, f.steps
            ));
        } else if engine == EngineKind::Shuttle {
            notes.push(
                "shrinking the schedule to the fewest preemptions needs the native engine"
                    .to_string(),
            );
        }
    }
    let verdict = match report_data.failure.as_ref().map(|f| &f.kind) {
        None if report_data.stopped.is_some() => Verdict::Inconclusive,
        None => Verdict::Holds,
        Some(crate::engine::FailureKind::Deadlock { .. }) => Verdict::Deadlock,
        Some(_) => Verdict::Violated,
    };
    let outcome = Outcome {
        verdict,
        exhaustive: false,
        executions: p.executions,
        elapsed: p.elapsed,
        limited_by: Some(
            report_data
                .stopped
                .clone()
                .unwrap_or_else(|| format!("fuzzing stops after {}", format_duration(args.time))),
        ),
        failure,
        notes,
        states: None,
    };
    report(
        &plan,
        &outcome,
        &args.output,
        args.html.as_deref(),
        &printed,
        false,
    )
}

/// `1,234 distinct schedules, 5,600 executions/s`.
fn fuzz_detail(p: &crate::lin::FuzzProgress) -> String {
    let mut out = String::new();
    if let Some(d) = p.distinct_schedules {
        out.push_str(&format!("{} distinct schedules, ", progress::thousands(d)));
    }
    let rate = p.rate();
    if rate < 10.0 {
        out.push_str(&format!("{rate:.1} executions/s"));
    } else {
        out.push_str(&format!(
            "{} executions/s",
            progress::thousands(rate.round() as u64)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Property: every documented duration form parses, and nonsense is refused.
    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["", "s", "10 parsecs", "-1", "1e400"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }

    /// Property: a quoted schedule survives the shell unchanged.
    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("shuttle:1f:0x3,1"), "shuttle:1f:0x3,1");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
