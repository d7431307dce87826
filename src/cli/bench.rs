//! `threadcheck bench`: the seed models on every engine, side by side, in one process.
//!
//! Each case is an ordinary `check` command line, parsed and planned exactly as the user's would
//! be, so a case an engine cannot run is refused with the same message the user would get, and
//! that message becomes the row instead of the row being dropped.

use super::args::{BenchArgs, Cli, Command, OutputArgs};
use super::engines::{self, Outcome};
use super::progress::{human_duration, thousands};
use super::{make_plan, output, quietly, EXIT_HOLDS, EXIT_USAGE};
use clap::Parser;
use std::time::Duration;

/// One row of the table: a `check` command line without the time budget.
struct Case {
    model: &'static str,
    /// Model parameters as `--name value` pairs.
    params: &'static [(&'static str, u64)],
    engine: &'static str,
    strategy: &'static str,
    /// The native engine's reductions (`all`, `no-sections`, `none`); ignored by loom/shuttle.
    reductions: &'static str,
    /// Threads of the native exhaustive search (`--jobs`).
    jobs: u64,
    /// The native exhaustive search with `--state-caching`.
    state_caching: bool,
}

const fn case(
    model: &'static str,
    params: &'static [(&'static str, u64)],
    engine: &'static str,
    strategy: &'static str,
    reductions: &'static str,
) -> Case {
    Case {
        model,
        params,
        engine,
        strategy,
        reductions,
        jobs: 1,
        state_caching: false,
    }
}

/// A native exhaustive case on `jobs` threads.
const fn parallel(model: &'static str, params: &'static [(&'static str, u64)], jobs: u64) -> Case {
    Case {
        jobs,
        ..case(model, params, "native", "exhaustive", "all")
    }
}

/// A native exhaustive case with state caching.
const fn cached(model: &'static str, params: &'static [(&'static str, u64)]) -> Case {
    Case {
        state_caching: true,
        ..case(model, params, "native", "exhaustive", "all")
    }
}

macro_rules! counter_rows {
    ($($n:literal),*) => {
        [$(
            case("counter-locked", &[("iterations", $n)], "native", "exhaustive", "all"),
            case("counter-locked", &[("iterations", $n)], "native", "exhaustive", "no-sections"),
            case("counter-locked", &[("iterations", $n)], "loom", "exhaustive", "all"),
            case("counter-locked", &[("iterations", $n)], "shuttle", "exhaustive", "all"),
        )*]
    };
}

const COUNTER_SMALL: [Case; 40] = counter_rows!(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

const SEEDS: &[Case] = &[
    case("counter-locked", &[], "native", "exhaustive", "all"),
    case("counter-locked", &[], "loom", "exhaustive", "all"),
    case("counter-locked", &[], "shuttle", "pct", "all"),
    case("counter-unlocked", &[], "native", "exhaustive", "all"),
    case("counter-unlocked", &[], "native", "bounded", "all"),
    case("counter-unlocked", &[], "loom", "exhaustive", "all"),
    case("counter-unlocked", &[], "shuttle", "pct", "all"),
    case("semaphore", &[], "native", "exhaustive", "all"),
    parallel("semaphore", &[], 2),
    cached("semaphore", &[]),
    case("semaphore", &[], "loom", "exhaustive", "all"),
    case("semaphore", &[("threads", 3)], "loom", "exhaustive", "all"),
    case("semaphore", &[], "shuttle", "pct", "all"),
    case(
        "semaphore",
        &[("threads", 8)],
        "native",
        "exhaustive",
        "all",
    ),
    parallel("semaphore", &[("threads", 8)], 2),
    case(
        "semaphore",
        &[("threads", 6)],
        "native",
        "exhaustive",
        "all",
    ),
    cached("semaphore", &[("threads", 6)]),
    cached("semaphore", &[("threads", 7)]),
    cached("semaphore", &[("threads", 8)]),
    case("semaphore", &[("threads", 8)], "shuttle", "pct", "all"),
    case("producer-consumer", &[], "native", "exhaustive", "all"),
    case("producer-consumer", &[], "loom", "exhaustive", "all"),
    case("producer-consumer", &[], "shuttle", "pct", "all"),
    case(
        "producer-consumer-fixed",
        &[],
        "native",
        "exhaustive",
        "all",
    ),
    case("producer-consumer-fixed", &[], "shuttle", "pct", "all"),
    case("deadlock", &[], "native", "exhaustive", "all"),
    case("deadlock", &[], "loom", "exhaustive", "all"),
    case("deadlock", &[], "shuttle", "pct", "all"),
];

const QUICK: &[Case] = &[
    case(
        "counter-locked",
        &[("iterations", 2)],
        "native",
        "exhaustive",
        "all",
    ),
    case(
        "counter-locked",
        &[("iterations", 2)],
        "loom",
        "exhaustive",
        "all",
    ),
    case(
        "counter-locked",
        &[("iterations", 2)],
        "shuttle",
        "pct",
        "all",
    ),
    case("semaphore", &[], "loom", "exhaustive", "all"),
    case("deadlock", &[], "shuttle", "pct", "all"),
];

impl Case {
    /// The strategy, with the number of threads when there are several.
    fn strategy_text(&self) -> String {
        if self.jobs > 1 {
            format!("{}, {} threads", self.strategy, self.jobs)
        } else if self.state_caching {
            format!("{}, state caching", self.strategy)
        } else {
            self.strategy.to_string()
        }
    }

    fn params_text(&self) -> String {
        if self.params.is_empty() {
            return "seed defaults".to_string();
        }
        self.params
            .iter()
            .map(|(name, value)| format!("{name}={}", thousands(*value)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn argv(&self, budget: Duration) -> Vec<String> {
        let mut argv: Vec<String> = ["threadcheck", "check", self.model, "--engine", self.engine]
            .iter()
            .map(|s| s.to_string())
            .collect();
        argv.extend(["--strategy".into(), self.strategy.into()]);
        if self.engine == "native" {
            argv.extend(["--reductions".into(), self.reductions.into()]);
        }
        if self.jobs > 1 {
            argv.extend(["--jobs".into(), self.jobs.to_string()]);
        }
        if self.state_caching {
            argv.push("--state-caching".into());
        }
        for (name, value) in self.params {
            argv.extend([format!("--{name}"), value.to_string()]);
        }
        argv.extend(["--time".into(), format!("{}ms", budget.as_millis())]);
        // The table compares search speed; the minimising second search is not part of it.
        argv.push("--no-minimize".into());
        if self.strategy == "pct" {
            // A sample of the default size, unless the time budget ends it first.
            argv.extend(["--seed".into(), "1".into()]);
            argv.extend(["--max-executions".into(), "1000".into()]);
        }
        argv
    }
}

/// One measured (or refused) row.
struct Row<'a> {
    case: &'a Case,
    result: Result<Outcome, String>,
}

/// Runs the table. Exit 0 when every case ran or was refused with its reason; 2 on bad usage.
pub(super) fn run(args: &BenchArgs) -> i32 {
    let cases: Vec<&Case> = if args.quick {
        QUICK.iter().collect()
    } else {
        COUNTER_SMALL.iter().chain(SEEDS.iter()).collect()
    };
    let cases: Vec<&Case> = cases
        .into_iter()
        .filter(|c| {
            args.only
                .as_deref()
                .is_none_or(|only| c.model.contains(only))
        })
        .collect();
    if cases.is_empty() {
        eprintln!("error: no case matches --only");
        return EXIT_USAGE;
    }
    let quiet_output = OutputArgs::quiet_for_bench();
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!(
            "[{}/{}] {} ({}) on {} {}",
            i + 1,
            cases.len(),
            case.model,
            case.params_text(),
            case.engine,
            case.strategy_text()
        );
        let result = match Cli::try_parse_from(case.argv(args.time_per_case)) {
            Ok(Cli {
                command: Command::Check(check),
            }) => match make_plan(&check) {
                Ok(plan) => {
                    let (result, _printed) = quietly(String::new(), &quiet_output, |executions| {
                        engines::run(&plan, executions)
                    });
                    result.map_err(|e| e.0)
                }
                Err(why) => Err(why),
            },
            Ok(_) => Err("not a check command".to_string()),
            Err(e) => Err(e.to_string()),
        };
        rows.push(Row { case, result });
    }
    if args.json {
        for row in &rows {
            println!("{}", row_json(row));
        }
    } else {
        print!("{}", table(&rows));
    }
    EXIT_HOLDS
}

fn rate(outcome: &Outcome) -> String {
    let secs = outcome.elapsed.as_secs_f64();
    if secs <= 0.0 {
        return "-".to_string();
    }
    thousands((outcome.executions as f64 / secs).round() as u64)
}

fn table(rows: &[Row<'_>]) -> String {
    let mut out = String::from(
        "| model | parameters | engine | strategy | reductions | verdict | exhaustive | executions | time | executions/s | note |\n\
         |---|---|---|---|---|---|---|---:|---:|---:|---|\n",
    );
    for row in rows {
        let c = row.case;
        let reductions = if c.engine == "native" {
            c.reductions
        } else {
            "-"
        };
        match &row.result {
            Ok(outcome) => {
                let mut note = outcome.limited_by.clone().unwrap_or_default();
                if let Some(states) = outcome.states {
                    if !note.is_empty() {
                        note.push_str("; ");
                    }
                    note.push_str(&format!("{} states", thousands(states)));
                }
                let note = note.replace('|', "/");
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    c.model,
                    c.params_text(),
                    c.engine,
                    c.strategy_text(),
                    reductions,
                    output::verdict_name(outcome.verdict),
                    if outcome.exhaustive { "yes" } else { "no" },
                    thousands(outcome.executions),
                    human_duration(outcome.elapsed),
                    rate(outcome),
                    note
                ));
            }
            Err(why) => out.push_str(&format!(
                "| {} | {} | {} | {} | {} | cannot run | - | - | - | - | {} |\n",
                c.model,
                c.params_text(),
                c.engine,
                c.strategy_text(),
                reductions,
                why.lines().next().unwrap_or("").replace('|', "/")
            )),
        }
    }
    out
}

fn row_json(row: &Row<'_>) -> serde_json::Value {
    let c = row.case;
    let params: serde_json::Map<String, serde_json::Value> = c
        .params
        .iter()
        .map(|(name, value)| (name.to_string(), (*value).into()))
        .collect();
    let mut value = serde_json::json!({
        "model": c.model,
        "parameters": params,
        "engine": c.engine,
        "strategy": c.strategy,
        "jobs": c.jobs,
        "state_caching": c.state_caching,
        "reductions": if c.engine == "native" { c.reductions } else { "-" },
    });
    match &row.result {
        Ok(outcome) => {
            value["verdict"] = output::verdict_name(outcome.verdict).into();
            value["exhaustive"] = outcome.exhaustive.into();
            value["executions"] = outcome.executions.into();
            value["elapsed_ms"] = (outcome.elapsed.as_millis() as u64).into();
            value["limited_by"] = outcome.limited_by.clone().into();
            value["states"] = outcome.states.into();
        }
        Err(why) => {
            value["verdict"] = "cannot run".into();
            value["reason"] = why.clone().into();
        }
    }
    value
}
