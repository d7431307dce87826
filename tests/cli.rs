//! The `threadcheck` binary's contract: commands, exit codes, wording, JSON fields, colours.
//!
//! Runs on loom and shuttle with small parameters (each run well under a second), and on the
//! native engine with the seed's parameters.
#![cfg(feature = "cli")]

use serde_json::Value;
use std::process::{Command, Output};

fn threadcheck(args: &[&str]) -> Output {
    threadcheck_env(args, &[])
}

fn threadcheck_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_threadcheck"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

/// The command is refused as a usage error (exit 2).
fn assert_refused(args: &[&str]) {
    let o = threadcheck(args);
    assert_eq!(code(&o), 2, "{args:?}: {}{}", stdout(&o), stderr(&o));
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// Property: `list` names every model with its parameters and defaults, exit 0.
#[test]
fn list_shows_every_model() {
    let o = threadcheck(&["list"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    for name in [
        "counter-locked",
        "counter-unlocked",
        "semaphore",
        "producer-consumer",
        "producer-consumer-fixed",
        "deadlock",
        "timer-cancel",
        "pool-map",
        "daemon",
        "event",
        "condition",
        "condition-if",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(text.contains("--iterations 100000"), "{text}");
    let list = json(&threadcheck(&["list", "--json"]));
    let semaphore = list
        .as_array()
        .and_then(|a| a.iter().find(|m| m["name"] == "semaphore"))
        .expect("semaphore listed");
    assert_eq!(semaphore["parameters"][0]["name"], "threads");
    assert_eq!(semaphore["parameters"][0]["default"], 5);
    let pool_map = list
        .as_array()
        .and_then(|a| a.iter().find(|m| m["name"] == "pool-map"))
        .expect("pool-map listed");
    assert_eq!(pool_map["parameters"][0]["default"], 3);
    assert_eq!(pool_map["parameters"][1]["name"], "items");
    assert_eq!(pool_map["parameters"][1]["default"], 5);
}

/// Property: every model can be checked on loom (small parameters, preemption-bounded where
/// loom needs it) and on shuttle (a short random search), and gets its expected verdict: exit 0
/// for the models that hold, 1 for those that fail.
#[test]
fn every_new_model_runs_on_loom_and_shuttle() {
    let loom_runs: [(&str, &[&str], i32); 7] = [
        ("producer-consumer", &["--items", "2"], 1),
        (
            "producer-consumer-fixed",
            &[
                "--items",
                "2",
                "--strategy",
                "bounded",
                "--max-preemptions",
                "2",
            ],
            0,
        ),
        ("timer-cancel", &[], 0),
        ("pool-map", &["--threads", "1", "--items", "2"], 0),
        ("event", &["--threads", "1"], 0),
        (
            "condition",
            &["--strategy", "bounded", "--max-preemptions", "2"],
            0,
        ),
        (
            "condition-if",
            &["--strategy", "bounded", "--max-preemptions", "3"],
            1,
        ),
    ];
    for (model, extra, expected) in loom_runs {
        let mut args = vec!["check", model, "--engine", "loom"];
        args.extend_from_slice(extra);
        let o = threadcheck(&args);
        assert_eq!(code(&o), expected, "{args:?}: {}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains("as expected"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    for (model, expected) in [
        ("producer-consumer", 1),
        ("producer-consumer-fixed", 0),
        ("timer-cancel", 0),
        ("pool-map", 0),
        ("event", 0),
        ("condition", 0),
        ("condition-if", 1),
    ] {
        let args = [
            "check",
            model,
            "--engine",
            "shuttle",
            "--seed",
            "5",
            "--max-executions",
            "200",
        ];
        let o = threadcheck(&args);
        assert_eq!(code(&o), expected, "{args:?}: {}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains("as expected"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
}

/// Property: the seed's producer-consumer (as written) exits 1 on shuttle with a counterexample
/// naming the lost items and a schedule whose replay reproduces it.
#[test]
fn producer_consumer_counterexample_on_shuttle() {
    let o = threadcheck(&[
        "check",
        "producer-consumer",
        "--engine",
        "shuttle",
        "--seed",
        "2",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let r = json(&o);
    assert_eq!(r["verdict"], "violated");
    assert_eq!(r["parameters"]["items"], 5);
    let ce = &r["counterexample"];
    assert!(
        ce["message"]
            .as_str()
            .is_some_and(|m| m.contains("items lost") && m.contains("Queue q")),
        "{ce}"
    );
    let schedule = ce["schedule"].as_str().expect("a schedule");
    let o = threadcheck(&["replay", "producer-consumer", schedule]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("items lost"), "{}", stdout(&o));
}

/// Property: pool-map holds with the seed's ThreadPoolExecutor(3) and range(5) on shuttle
/// (exit 0, said to be a sample, not a proof), and is proved on loom with small parameters.
#[test]
fn pool_map_holds() {
    let o = threadcheck(&["check", "pool-map", "--engine", "shuttle", "--seed", "1"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("threads=3, items=5"), "{text}");
    assert!(text.contains("not a proof"), "{text}");
    let o = threadcheck(&[
        "check",
        "pool-map",
        "--engine",
        "loom",
        "--threads",
        "1",
        "--items",
        "2",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("HOLDS (proved)"), "{}", stdout(&o));
}

/// Property: timer-cancel holds, and the output lists both outcomes seen: the cancel in time
/// and the allowed late cancel (in the JSON too).
#[test]
fn timer_cancel_shows_both_outcomes() {
    let o = threadcheck(&["check", "timer-cancel", "--engine", "loom"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("HOLDS (proved)"), "{text}");
    assert!(text.contains("outcomes seen"), "{text}");
    assert!(
        text.contains("cancel() in time") && text.contains("too late"),
        "{text}"
    );
    let o = threadcheck(&[
        "check",
        "timer-cancel",
        "--engine",
        "shuttle",
        "--strategy",
        "pct",
        "--seed",
        "3",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let outcomes = json(&o)["outcomes"].clone();
    assert_eq!(outcomes.as_object().map(|o| o.len()), Some(2), "{outcomes}");
}

/// Property: loom's thread cap refuses event with 4 waiters (5 spawned threads, the setter
/// included) with exit 2 and suggests fewer.
#[test]
fn event_thread_cap_on_loom() {
    let o = threadcheck(&["check", "event", "--engine", "loom", "--threads", "4"]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("loom cannot run event with 5"),
        "{}",
        stderr(&o)
    );
}

/// Property: condition-if refuses a single consumer (the race needs two), exit 2.
#[test]
fn condition_if_needs_two_consumers() {
    let o = threadcheck(&[
        "check",
        "condition-if",
        "--threads",
        "1",
        "--engine",
        "loom",
    ]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
}

/// Property: an exhaustive loom check that holds exits 0 and says it is a proof.
#[test]
fn counter_locked_is_proved_on_loom() {
    let o = threadcheck(&[
        "check",
        "counter-locked",
        "--engine",
        "loom",
        "--iterations",
        "1",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("HOLDS (proved)"), "{text}");
    assert!(text.contains("exhaustive"), "{text}");
}

/// Property: a native proof says what it covers of the memory model: sequential consistency,
/// and not raw atomics or other state outside the primitives (which the engine cannot see).
#[test]
fn a_native_proof_states_its_memory_model() {
    let o = threadcheck(&["check", "counter-locked", "--iterations", "2"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("HOLDS (proved)"), "{text}");
    assert!(
        text.contains("Memory model: sequential consistency"),
        "{text}"
    );
    assert!(text.contains("raw atomics"), "{text}");
}

/// Property: a lost update exits 1 with the violated property's message, and the checkers'
/// own panic noise does not reach the terminal.
#[test]
fn counter_unlocked_counterexample_on_loom() {
    let o = threadcheck(&[
        "check",
        "counter-unlocked",
        "--engine",
        "loom",
        "--iterations",
        "2",
    ]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("VIOLATED: lost update"), "{text}");
    assert!(text.contains("models/counter_unlocked.rs"), "{text}");
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "panic noise leaked: {err}");
}

/// Property: a shuttle counterexample comes with a schedule whose replay command reproduces it
/// (exit 1 again), with no shuttle noise on stderr.
#[test]
fn shuttle_counterexample_replays() {
    let o = threadcheck(&[
        "check",
        "counter-unlocked",
        "--engine",
        "shuttle",
        "--iterations",
        "3",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains("failing schedule") && !err.contains("panicked"),
        "shuttle noise leaked: {err}"
    );
    let report = json(&o);
    let schedule = report["counterexample"]["schedule"]
        .as_str()
        .expect("a schedule");
    assert!(schedule.starts_with("shuttle:"), "{schedule}");
    let replay_command = report["replay_command"].as_str().expect("a replay command");
    assert!(
        replay_command.contains("--iterations 3"),
        "{replay_command}"
    );
    let o = threadcheck(&["replay", "counter-unlocked", schedule, "--iterations", "3"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("lost update"), "{}", stdout(&o));
}

/// Property: two locks taken in opposite orders are reported as a deadlock, exit 1.
#[test]
fn deadlock_is_found_on_loom_and_shuttle() {
    let o = threadcheck(&["check", "deadlock", "--engine", "loom"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("DEADLOCK"), "{}", stdout(&o));
    let o = threadcheck(&["check", "deadlock", "--engine", "shuttle", "--seed", "1"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("DEADLOCK") && text.contains("transfer_ab"),
        "{text}"
    );
}

/// Property: an unknown model exits 2 and suggests the closest name.
#[test]
fn unknown_model_suggests_closest() {
    let o = threadcheck(&["check", "semafore"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `semaphore`?"),
        "{}",
        stderr(&o)
    );
}

/// Property: a parameter the model does not take exits 2 naming the accepted ones.
#[test]
fn unknown_parameter_names_the_accepted_ones() {
    let o = threadcheck(&[
        "check",
        "counter-locked",
        "--permits",
        "3",
        "--engine",
        "loom",
    ]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("takes no --permits") && err.contains("--iterations, --threads"),
        "{err}"
    );
}

/// Property: malformed schedules exit 2, as do schedules that do not fit the model.
#[test]
fn bad_schedules_exit_2() {
    for schedule in ["shuttle:zz", "shuttle:1:0xq", ""] {
        let o = threadcheck(&["replay", "counter-unlocked", schedule, "--iterations", "2"]);
        assert_eq!(code(&o), 2, "{schedule:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("schedule"), "{}", stderr(&o));
    }
    let o = threadcheck(&[
        "replay",
        "counter-unlocked",
        "shuttle:1:5x3",
        "--iterations",
        "2",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("does not fit"), "{}", stderr(&o));
}

/// Property: a search stopped by its budget with nothing found exits 3 and says it proved
/// nothing; so does loom giving up at its branch limit.
#[test]
fn budget_hit_exits_3() {
    let o = threadcheck(&[
        "check",
        "counter-locked",
        "--engine",
        "loom",
        "--iterations",
        "3",
        "--max-executions",
        "20",
    ]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("INCONCLUSIVE") && text.contains("--max-executions 20"),
        "{text}"
    );
    let o = threadcheck(&[
        "check",
        "counter-locked",
        "--engine",
        "loom",
        "--iterations",
        "5000",
    ]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("branch limit"), "{}", stdout(&o));
}

/// Property: a sample of no execution is no evidence: with `--time 0s` every engine and
/// strategy that can run exits 3 (INCONCLUSIVE, 0 executions), never 0 ("holds"). Its twin: the
/// same sampling with a budget that lets executions run exits 0.
#[test]
fn zero_budget_is_inconclusive_on_every_engine() {
    for (engine, strategy) in [
        ("native", "exhaustive"),
        ("native", "random"),
        ("native", "pct"),
        ("native", "bounded"),
        ("shuttle", "exhaustive"),
        ("shuttle", "random"),
        ("shuttle", "pct"),
        ("loom", "exhaustive"),
    ] {
        let o = threadcheck(&[
            "check",
            "producer-consumer-fixed",
            "--engine",
            engine,
            "--strategy",
            strategy,
            "--time",
            "0s",
            "--json",
        ]);
        assert_eq!(
            code(&o),
            3,
            "{engine} {strategy}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let v = json(&o);
        assert_eq!(v["verdict"], "inconclusive", "{engine} {strategy}: {v}");
        assert_eq!(v["executions"], 0, "{engine} {strategy}: {v}");
    }
    for engine in ["native", "shuttle"] {
        let o = threadcheck(&[
            "check",
            "producer-consumer-fixed",
            "--engine",
            engine,
            "--strategy",
            "random",
            "--max-executions",
            "5",
        ]);
        assert_eq!(code(&o), 0, "{engine}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("HOLDS in the sample"), "{}", stdout(&o));
    }
}

/// Property: `--json` prints one object with the contract's fields and types.
#[test]
fn json_shape() {
    let o = threadcheck(&[
        "check",
        "counter-locked",
        "--engine",
        "loom",
        "--iterations",
        "1",
        "--json",
    ]);
    assert_eq!(code(&o), 0);
    let r = json(&o);
    assert_eq!(r["model"], "counter-locked");
    assert_eq!(r["parameters"]["iterations"], 1);
    assert_eq!(r["parameters"]["threads"], 2);
    assert_eq!(r["engine"], "loom");
    assert_eq!(r["strategy"], "exhaustive");
    assert_eq!(r["verdict"], "holds");
    assert_eq!(r["exhaustive"], true);
    assert!(r["executions"].as_u64().is_some_and(|n| n > 1));
    assert!(r["elapsed_ms"].is_u64());
    assert!(r["counterexample"].is_null());

    let o = threadcheck(&[
        "check",
        "counter-unlocked",
        "--engine",
        "shuttle",
        "--iterations",
        "2",
        "--seed",
        "4",
        "--json",
    ]);
    assert_eq!(code(&o), 1);
    let r = json(&o);
    assert_eq!(r["verdict"], "violated");
    assert_eq!(r["strategy"], "random");
    assert_eq!(r["seed"], 4);
    assert_eq!(r["exhaustive"], false);
    let ce = &r["counterexample"];
    assert!(ce["message"]
        .as_str()
        .is_some_and(|m| m.contains("lost update")));
    assert!(ce["schedule"].is_string() && ce["preemptions"].is_u64());
    assert!(ce["steps"].is_array());

    let o = threadcheck(&["check", "nope", "--json"]);
    assert_eq!(code(&o), 2);
    assert_eq!(json(&o)["exit_code"], 2);
}

/// Property: loom's 4-thread cap is a plain exit-2 refusal, never a loom panic.
#[test]
fn loom_thread_cap_is_refused() {
    let o = threadcheck(&["check", "semaphore", "--engine", "loom"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("loom cannot run semaphore with 5"), "{err}");
    assert!(err.contains("--engine native"), "{err}");
}

/// Property: combinations an engine cannot do are refused with exit 2 and the reason.
#[test]
fn unsupported_combinations_exit_2() {
    for (args, why) in [
        (
            &["check", "daemon", "--engine", "loom"][..],
            "cannot abandon a thread",
        ),
        (
            &["check", "daemon", "--engine", "shuttle"][..],
            "cannot abandon a thread",
        ),
        (
            &[
                "check",
                "deadlock",
                "--engine",
                "loom",
                "--strategy",
                "random",
            ][..],
            "no random",
        ),
        (
            &[
                "check",
                "deadlock",
                "--engine",
                "shuttle",
                "--strategy",
                "bounded",
            ][..],
            "no preemption-bounded",
        ),
        (
            &["check", "deadlock", "--engine", "loom", "--html", "x.html"][..],
            "only the native engine",
        ),
        (
            &[
                "check",
                "deadlock",
                "--strategy",
                "exhaustive",
                "--seed",
                "3",
            ][..],
            "--seed",
        ),
        (
            &["check", "deadlock", "--engine", "loom", "--time", "ten"][..],
            "duration",
        ),
        (
            &["replay", "deadlock", "abc", "--engine", "loom"][..],
            "loom records no schedules",
        ),
        // Values that would be changed silently (a PCT depth of 0 ran as 1) are refused.
        (
            &["check", "deadlock", "--strategy", "pct", "--depth", "0"][..],
            "--depth",
        ),
        (
            &["check", "deadlock", "--max-steps", "0"][..],
            "--max-steps",
        ),
        (
            &[
                "replay",
                "deadlock",
                "v1_1_00000000_0x1",
                "--max-steps",
                "0",
            ][..],
            "--max-steps",
        ),
    ] {
        let o = threadcheck(args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
    }
}

/// Property: colours follow NO_COLOR: forced on (CLICOLOR_FORCE) there are ANSI escapes, and
/// NO_COLOR removes them.
#[test]
fn no_color_is_respected() {
    let args = ["check", "deadlock", "--engine", "loom"];
    let forced = threadcheck_env(&args, &[("CLICOLOR_FORCE", "1")]);
    assert!(stdout(&forced).contains("\x1b["), "no colour when forced");
    let plain = threadcheck_env(&args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!stdout(&plain).contains('\x1b'), "colour despite NO_COLOR");
    let piped = threadcheck(&args);
    assert!(!stdout(&piped).contains('\x1b'), "colour on a pipe");
}

/// Property: the help is a manual: examples and exit codes.
#[test]
fn help_documents_examples_and_exit_codes() {
    let o = threadcheck(&["check", "--help"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    for needle in [
        "Examples:",
        "Exit codes",
        "--max-executions",
        "--time",
        "--iterations",
    ] {
        assert!(text.contains(needle), "{needle} missing from check --help");
    }
}

// ------------------------------------------------------------------------- the native engine

/// Property (native): the seed's counter-locked (2 x 100000) is proved, exit 0.
#[test]
fn native_proves_counter_locked_seed() {
    let o = threadcheck(&["check", "counter-locked"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("HOLDS (proved)"));
}

/// Property (native): counter-unlocked prints a one-preemption counterexample whose replay
/// command reproduces it.
#[test]
fn native_counterexample_and_replay() {
    let o = threadcheck(&["check", "counter-unlocked", "--iterations", "3", "--json"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let r = json(&o);
    assert_eq!(r["counterexample"]["preemptions"], 1);
    let steps = r["counterexample"]["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s["action"] == "write"));
    let schedule = r["counterexample"]["schedule"].as_str().expect("schedule");
    let o = threadcheck(&["replay", "counter-unlocked", schedule, "--iterations", "3"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
}

/// Property (native): `--jobs 2` proves what one thread proves, with the same count of
/// executions; it is refused where there is no exhaustive native search to split.
#[test]
fn jobs_split_the_exhaustive_search() {
    let one = threadcheck(&["check", "semaphore", "--threads", "3", "--json"]);
    let two = threadcheck(&[
        "check",
        "semaphore",
        "--threads",
        "3",
        "--jobs",
        "2",
        "--json",
    ]);
    assert_eq!(code(&one), 0, "{}{}", stdout(&one), stderr(&one));
    assert_eq!(code(&two), 0, "{}{}", stdout(&two), stderr(&two));
    let (one, two) = (json(&one), json(&two));
    assert_eq!(two["exhaustive"], true);
    assert_eq!(one["executions"], two["executions"]);
    for args in [
        &["check", "semaphore", "--jobs", "2", "--strategy", "random"][..],
        &[
            "check",
            "semaphore",
            "--jobs",
            "2",
            "--engine",
            "loom",
            "--threads",
            "3",
        ][..],
        &["check", "semaphore", "--jobs", "0"][..],
    ] {
        assert_refused(args);
    }
}

/// Property (native): `--state-caching` proves the seed semaphore and finds the seed's
/// producer/consumer bug, saying how many states it explored; it is refused where it means
/// nothing (another engine or strategy) and with `--jobs` (it searches on one thread).
#[test]
fn state_caching_counts_states_and_is_refused_elsewhere() {
    let o = threadcheck(&["check", "semaphore", "--state-caching", "--json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let report = json(&o);
    assert_eq!(report["exhaustive"], true);
    let notes = report["notes"].to_string();
    assert!(notes.contains("distinct states explored"), "{notes}");
    assert!(report["states"].as_u64().is_some_and(|n| n > 0), "{report}");
    let o = threadcheck(&["check", "producer-consumer", "--state-caching"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    for args in [
        &[
            "check",
            "semaphore",
            "--state-caching",
            "--strategy",
            "random",
        ][..],
        &["check", "semaphore", "--state-caching", "--jobs", "2"][..],
        &[
            "check",
            "semaphore",
            "--state-caching",
            "--engine",
            "shuttle",
        ][..],
    ] {
        assert_refused(args);
    }
}

/// Property (native): the seed daemon holds but is no proof (its daemon loops forever and is
/// followed only --steps-after-end steps past the end, which the text says); the flag is
/// refused where it means nothing.
#[test]
fn daemon_model_says_how_far_its_daemon_was_followed() {
    let o = threadcheck(&["check", "daemon", "--steps-after-end", "50"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("HOLDS (not proved)"), "{text}");
    assert!(
        text.contains("followed 50 steps past the program's end"),
        "{text}"
    );
    for args in [
        &[
            "check",
            "semaphore",
            "--strategy",
            "random",
            "--steps-after-end",
            "5",
        ][..],
        &[
            "check",
            "semaphore",
            "--engine",
            "shuttle",
            "--steps-after-end",
            "5",
        ][..],
        &["check", "semaphore", "--steps-after-end", "-1"][..],
    ] {
        assert_refused(args);
    }
}

/// Property (native): semaphore holds with the seed's 5 workers; deadlock exits 1; daemon
/// holds; --html writes a page.
#[test]
fn native_seed_models() {
    assert_eq!(code(&threadcheck(&["check", "semaphore"])), 0);
    assert_eq!(code(&threadcheck(&["check", "daemon"])), 0);
    let page = std::env::temp_dir().join(format!("threadcheck-{}.html", std::process::id()));
    let page_arg = page.to_string_lossy().into_owned();
    let o = threadcheck(&["check", "deadlock", "--html", &page_arg]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.contains("lock_a"));
    let _ = std::fs::remove_file(page);
}

/// Property (native): the seed's producer-consumer (5 items) prints a step table with the
/// producer's and consumer's columns and the consumer's `empty` check on `Queue q`, exit 1;
/// pool-map and timer-cancel are proved with the seed's parameters, exit 0.
#[test]
fn native_queue_pool_timer_models() {
    let o = threadcheck(&["check", "producer-consumer"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("producer") && text.contains("consumer"),
        "{text}"
    );
    assert!(text.contains("empty Queue q"), "{text}");
    for model in ["pool-map", "timer-cancel", "producer-consumer-fixed"] {
        let o = threadcheck(&["check", model]);
        assert_eq!(code(&o), 0, "{model}: {}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains("HOLDS (proved)"),
            "{model}: {}",
            stdout(&o)
        );
    }
}
