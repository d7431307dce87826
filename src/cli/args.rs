//! The command line, as clap parses it. `--help` is the manual: every flag says what it does,
//! its default, and how it combines with the others.

use super::engines::{EngineKind, StrategyKind};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const ABOUT: &str = "Prove properties of threaded programs over all interleavings, or print a \
                     counterexample a student can read.";

const LONG_ABOUT: &str = "\
threadcheck runs a model (a Python threading tutorial written in Rust on threadcheck's
primitives) under a model checker, which controls the scheduling of its threads and explores
their interleavings. The property is checked in every explored execution. If an execution breaks
it, threadcheck prints that execution step by step, with the schedule that replays it.

Three engines run the same model code:
  native   threadcheck's own engine (default): exhaustive with partial-order reduction, bounded,
           random or PCT; records a step trace for every counterexample.
  loom     exhaustive (or preemption-bounded) over the real Mutex+Condvar code; at most 4
           spawned threads; no trace.
  shuttle  random, PCT or depth-first scheduling; a counterexample comes with a shuttle schedule
           to replay; no trace.";

const EXAMPLES: &str = "\
Examples:
  List the models, their parameters and defaults:
    threadcheck list

  Prove that the locked counter of seed 003 never loses an update:
    threadcheck check counter-locked

  Find the lost update without the lock, as a minimal counterexample:
    threadcheck check counter-unlocked --iterations 3

  Re-run the counterexample it printed:
    threadcheck replay counter-unlocked '<schedule>' --iterations 3

Exit codes:
  0  the property holds in every explored execution (a proof when the search is exhaustive)
  1  a counterexample or a deadlock was found
  2  bad usage or input (unknown model, bad parameter or schedule, engine cannot run it)
  3  the search stopped (budget, engine limit) with nothing found: inconclusive";

/// `threadcheck`: the command line.
#[derive(Debug, Parser)]
#[command(
    name = "threadcheck",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = "Run `threadcheck help check` for the checking options.",
    after_long_help = EXAMPLES,
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the models: names, descriptions, properties, parameters and defaults.
    #[command(after_long_help = "Examples:\n  threadcheck list\n  threadcheck list --json")]
    List(ListArgs),
    /// Check a model's property over its interleavings.
    #[command(
        long_about = CHECK_ABOUT,
        after_long_help = CHECK_EXAMPLES,
    )]
    Check(CheckArgs),
    /// Re-run one schedule of a model and print its trace.
    #[command(long_about = REPLAY_ABOUT, after_long_help = REPLAY_EXAMPLES)]
    Replay(ReplayArgs),
    /// Fuzz a model's schedules (random, PCT) until a time budget or the first failure.
    #[command(long_about = FUZZ_ABOUT, after_long_help = FUZZ_EXAMPLES)]
    Fuzz(FuzzArgs),
    /// Run the seed models on every engine that can run them and print a comparison table.
    #[command(long_about = BENCH_ABOUT, after_long_help = BENCH_EXAMPLES)]
    Bench(BenchArgs),
}

const FUZZ_ABOUT: &str = "\
Fuzz a model's schedules until a time budget runs out or an execution fails.

Batches of random or PCT executions run one after the other, each batch with its own seed derived
from --seed (so one seed reproduces the whole run); `portfolio` rotates random, PCT depth 2, 3
and 4 across batches. The progress line shows executions, distinct schedules and the
rate. On the native engine a failure is then minimised: the bounded search finds a failing
schedule with the fewest preemptions, then the fewest steps, which is printed step by step with
its replay command (the shrinking may run up to 10 s past the --time budget).

For models too big to explore exhaustively (`threadcheck check` would not finish), this is the
search to run; a run that finds nothing is evidence, not a proof.";

const FUZZ_EXAMPLES: &str = "\
Examples:
  Fuzz the producer-consumer seed for 30 seconds with the portfolio:
    threadcheck fuzz producer-consumer

  Ten seconds of PCT on shuttle, reproducible:
    threadcheck fuzz semaphore --engine shuttle --strategy pct --time 10s --seed 7

Exit codes: 0 nothing found within the budget, 1 counterexample or deadlock, 2 bad usage or input,
3 nothing ran (the budget ended before the first execution): inconclusive.";

/// How `fuzz` schedules its batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FuzzStrategyArg {
    /// Uniformly random schedules.
    Random,
    /// Probabilistic concurrency testing, bug depth 3.
    Pct,
    /// Rotate random, PCT depth 2, 3 and 4 across batches.
    Portfolio,
}

/// `threadcheck fuzz`.
#[derive(Debug, Args)]
pub(crate) struct FuzzArgs {
    /// The model to fuzz (`threadcheck list` shows them).
    pub model: String,

    #[command(flatten)]
    pub params: ModelParams,

    /// The engine: native (default; failures are minimised and traced) or shuttle.
    #[arg(long, value_enum, default_value_t = EngineKind::Native, help_heading = "Search")]
    pub engine: EngineKind,

    /// How schedules are chosen.
    #[arg(long, value_enum, default_value_t = FuzzStrategyArg::Portfolio, help_heading = "Search")]
    pub strategy: FuzzStrategyArg,

    /// The time budget (30s, 2m, 1h30m, 500ms).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = parse_duration, help_heading = "Search")]
    pub time: Duration,

    /// Seed of the run (default: a fresh one, printed with the result).
    #[arg(long, value_name = "S", help_heading = "Search")]
    pub seed: Option<u64>,

    /// Executions per batch (each batch has its own seed and, with the portfolio, strategy).
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "N",
        help_heading = "Search"
    )]
    pub batch: u64,

    /// Write the counterexample as a self-contained web page (native engine).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

const BENCH_ABOUT: &str = "\
Run the seed models on every engine that can run them, in one process, and print a table:
model, parameters, engine, strategy, reductions, verdict, exhaustive, executions, time and
executions per second.

A case an engine cannot run (loom's thread cap, a model it cannot express) is shown with the
reason instead of being left out; a case stopped by the per-case time budget is shown as
inconclusive with the executions it reached. Figures are measured on this machine, now.";

const BENCH_EXAMPLES: &str = "\
Examples:
  The full table (several minutes; each case stops after --time-per-case):
    threadcheck bench

  Only the locked-counter rows, 10 seconds per case:
    threadcheck bench --only counter-locked --time-per-case 10s

  A quick smoke run of a few small cases:
    threadcheck bench --quick";

/// Which of the native engine's reductions to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReductionsChoice {
    /// Every reduction of the default search (atomic and commuting lock sections, commuting
    /// operations); state caching is a search of its own, `--state-caching`.
    All,
    /// No lock-section reductions (1 and 2); commuting operations stay: one execution per
    /// order of the critical sections.
    NoSections,
    /// None: one execution per Mazurkiewicz trace of the raw steps.
    None,
}

impl ReductionsChoice {
    /// The engine's setting.
    pub(crate) fn reductions(self) -> crate::engine::Reductions {
        use crate::engine::Reductions;
        match self {
            ReductionsChoice::All => Reductions::default(),
            ReductionsChoice::NoSections => Reductions {
                atomic_sections: false,
                commuting_sections: false,
                ..Reductions::default()
            },
            ReductionsChoice::None => Reductions::none(),
        }
    }

    /// The lowercase name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ReductionsChoice::All => "all",
            ReductionsChoice::NoSections => "no-sections",
            ReductionsChoice::None => "none",
        }
    }
}

/// `threadcheck bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Stop each case after this much time (30s, 2m, ...); a case cut short is inconclusive.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub time_per_case: Duration,

    /// Run only the cases whose model name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,

    /// A few small cases only (a smoke test of the table).
    #[arg(long)]
    pub quick: bool,

    /// Print the table as JSON lines (one object per case) instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

const CHECK_ABOUT: &str = "\
Check a model's property over its interleavings.

The verdict says plainly what was shown:
  holds (proved)          every interleaving was explored: the property is proved for these
                          parameters (strategy exhaustive, search not cut short);
  holds within the bound  every interleaving with at most P preemptions was explored (bounded);
  holds in the sample     no violation in K sampled executions (random, pct): not a proof;
  violated / deadlock     a counterexample, printed step by step when the engine records steps;
  inconclusive            the search stopped (budget, engine limit) before finishing.

On the native engine a counterexample is minimal by default: when the exhaustive search finds
one, the bounded search (fewest preemptions first) looks for one with fewer preemptions and that
one is shown (--no-minimize skips this).";

const CHECK_EXAMPLES: &str = "\
Examples:
  Prove the seed's locked counter (2 threads x 100000 increments):
    threadcheck check counter-locked

  The same on loom, which needs small parameters:
    threadcheck check counter-locked --engine loom --iterations 2

  A minimal lost update, then its replay:
    threadcheck check counter-unlocked --iterations 3

  Random testing with shuttle, 5000 executions, reproducible:
    threadcheck check semaphore --engine shuttle --max-executions 5000 --seed 7

  Bounded search: every interleaving with at most 2 preemptions:
    threadcheck check semaphore --max-preemptions 2

  Stop after 30 seconds; machine-readable result:
    threadcheck check counter-locked --time 30s --json

  Write the counterexample as a web page with a timeline per thread:
    threadcheck check deadlock --html deadlock.html

Exit codes: 0 holds, 1 counterexample or deadlock, 2 bad usage, 3 inconclusive.";

const REPLAY_ABOUT: &str = "\
Re-run one schedule of a model and print its trace.

SCHEDULE is the string printed with a counterexample. Give the same model parameters as the
check that printed it (the replay command printed with it has them). Native schedules replay on
the native engine; shuttle schedules (they start with `shuttle:`) on shuttle. Loom records no
schedules.";

const REPLAY_EXAMPLES: &str = "\
Examples:
  threadcheck replay counter-unlocked '<schedule>' --iterations 3
  threadcheck replay deadlock '<schedule>' --html deadlock.html

Exit codes: 0 the replayed execution satisfies the property, 1 it fails, 2 bad schedule or input.";

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set (CLICOLOR_FORCE=1 forces it).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Output options shared by the commands.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub(crate) struct OutputArgs {
    /// Print one JSON object on stdout instead of the text report.
    ///
    /// Fields: model, parameters, engine, strategy, verdict ("holds" | "violated" | "deadlock" |
    /// "inconclusive"), expected, exhaustive, executions, elapsed_ms, limited_by, seed,
    /// outcomes, notes, and for a failure counterexample {schedule, preemptions, message,
    /// location, steps: [{thread, action, object, detail, file, line, preemption}]} and
    /// replay_command. A usage error prints {"error", "exit_code"}.
    #[arg(long)]
    pub json: bool,

    /// Print every step of a counterexample: no repeated cycles folded, no unrelated steps
    /// left out (the HTML page too). Without it, the preemptions and the conflicting steps are
    /// always shown.
    #[arg(long)]
    pub full_trace: bool,

    /// No progress indicator on stderr (it is shown only on a terminal, after one second).
    #[arg(long, short)]
    pub quiet: bool,

    /// Also print what loom or shuttle wrote to stderr during the check (hidden by default).
    #[arg(long, short)]
    pub verbose: bool,

    /// When to use colours. `auto` follows NO_COLOR (https://no-color.org) and CLICOLOR_FORCE,
    /// and colours only a terminal.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// The model parameters. Each model takes some of them (`threadcheck list` says which); a
/// parameter the model does not take is refused.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Model parameters (each model takes some; see `threadcheck list`)")]
pub(crate) struct ModelParams {
    /// Loop iterations per thread (counter models: increments per thread).
    #[arg(long, value_name = "N")]
    pub iterations: Option<u64>,
    /// Number of worker threads (semaphore: workers; pool-map: max_workers; ...).
    #[arg(long, value_name = "T")]
    pub threads: Option<u64>,
    /// Initial permits of the semaphore.
    #[arg(long, value_name = "K")]
    pub permits: Option<u64>,
    /// Number of items produced or mapped.
    #[arg(long, value_name = "N")]
    pub items: Option<u64>,
}

impl ModelParams {
    /// The parameters given on the command line.
    pub(crate) fn given(&self) -> Vec<(&'static str, u64)> {
        [
            ("iterations", self.iterations),
            ("threads", self.threads),
            ("permits", self.permits),
            ("items", self.items),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
    }
}

/// `threadcheck list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    super::parse_duration(text)
}

/// `threadcheck check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The model to check (`threadcheck list` shows them).
    pub model: String,

    #[command(flatten)]
    pub params: ModelParams,

    /// The engine that explores the interleavings.
    #[arg(long, value_enum, default_value_t = EngineKind::Native, help_heading = "Search")]
    pub engine: EngineKind,

    /// How interleavings are chosen. Default: exhaustive on native and loom, random on shuttle
    /// (whose exhaustive search is a plain depth-first enumeration).
    ///
    /// Engines: native supports all four; loom exhaustive and bounded; shuttle exhaustive
    /// (depth-first), random and pct.
    #[arg(long, value_enum, help_heading = "Search")]
    pub strategy: Option<StrategyKind>,

    /// Bound of the bounded strategy: explore every interleaving with at most P preemptions
    /// (fewest first). Implies --strategy bounded. Default with bounded: native unbounded
    /// (deepen until exhausted), loom 2.
    #[arg(long, value_name = "P", help_heading = "Search")]
    pub max_preemptions: Option<u32>,

    /// Threads for the native engine's exhaustive search (default 1). The tree is split at a
    /// shallow depth and the parts are searched in parallel: the same traces, so the same
    /// proof; with a bug, the first counterexample any thread finds is shown (it replays like
    /// any other, but which one of several bugs comes first can vary from run to run).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64), help_heading = "Search")]
    pub jobs: Option<u64>,

    /// Seed of the random and pct strategies (default: a fresh one, printed with the result).
    #[arg(long, value_name = "S", help_heading = "Search")]
    pub seed: Option<u64>,

    /// Bug depth of the pct strategy (default 3; at least 1).
    #[arg(long, value_name = "D", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Search")]
    pub depth: Option<u32>,

    /// Which reductions the native engine applies: all (default), no-sections (no lock-section
    /// reductions: one execution per order of the critical sections) or none.
    #[arg(long, value_enum, default_value_t = ReductionsChoice::All, help_heading = "Search")]
    pub reductions: ReductionsChoice,

    /// Compare states and explore each one once (native exhaustive search, one thread): a
    /// depth-first search with sleep sets and a table of visited states instead of Optimal
    /// DPOR. It pays off when many orders of dependent steps reach the same state (workers
    /// taking turns on a semaphore); it costs more where threads mostly do independent steps,
    /// and a spin loop (`while not flag: sleep()`) makes it endless (every iteration is a new
    /// state): give it a --time budget there, or use the default search. The number of
    /// distinct states is printed with the verdict.
    #[arg(long, help_heading = "Search")]
    pub state_caching: bool,

    /// Show the first counterexample found instead of searching for one with the fewest
    /// preemptions (native engine).
    #[arg(long, help_heading = "Search")]
    pub no_minimize: bool,

    /// Budget: stop after N executions. A search it cuts short is inconclusive (exit 3);
    /// for random and pct it is the sample size (default 1000).
    #[arg(long, value_name = "N", help_heading = "Budget")]
    pub max_executions: Option<u64>,

    /// Budget: stop after this much time (30s, 2m, 1h30m, 500ms). A search it cuts short is
    /// inconclusive (exit 3).
    #[arg(long, visible_alias = "max-time", value_name = "DURATION", value_parser = parse_duration, help_heading = "Budget")]
    pub time: Option<Duration>,

    /// Budget: steps one execution may take before it is reported as endless (a livelock or a
    /// loop that never ends). Default 10000000; at least 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Budget")]
    pub max_steps: Option<u64>,

    /// Budget: steps the exhaustive search (native engine) follows daemon threads after the
    /// program's end, for races between what they do then and what the program did (a daemon's
    /// write could have come before main's read). Default 1000. If a daemon is still running
    /// there, the result says so and is not a proof; 0 stops at the end.
    #[arg(long, value_name = "N", help_heading = "Budget")]
    pub steps_after_end: Option<u64>,

    /// Write the counterexample as a self-contained web page: a timeline per thread with
    /// step-through controls (native engine).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `threadcheck replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The model the schedule belongs to.
    pub model: String,

    /// The schedule printed with the counterexample (quote it).
    pub schedule: String,

    #[command(flatten)]
    pub params: ModelParams,

    /// The engine that recorded the schedule (default: shuttle for `shuttle:` schedules,
    /// native otherwise).
    #[arg(long, value_enum, help_heading = "Replay")]
    pub engine: Option<EngineKind>,

    /// Steps the execution may take before it is reported as endless. Default 10000000; at
    /// least 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Replay")]
    pub max_steps: Option<u64>,

    /// The reductions of the check that printed the schedule (its replay command says them).
    #[arg(long, value_enum, default_value_t = ReductionsChoice::All, help_heading = "Replay")]
    pub reductions: ReductionsChoice,

    /// Write the replayed trace as a self-contained web page (native engine).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,

    #[command(flatten)]
    pub output: OutputArgs,
}

impl OutputArgs {
    /// Silent output settings for the cases `bench` runs on the user's behalf.
    pub(crate) fn quiet_for_bench() -> OutputArgs {
        OutputArgs {
            json: false,
            full_trace: false,
            quiet: true,
            verbose: false,
            color: ColorChoice::Never,
        }
    }
}
