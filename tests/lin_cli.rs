//! `threadcheck fuzz`: exit codes as for `check` (1 found, 0 nothing in the budget, 2 usage),
//! the counterexample with a replay command that reproduces it, JSON output. Runs the binary
//! (the CLI redirects the process's stderr while it checks, so it cannot run in-process in
//! parallel tests).
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn threadcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadcheck"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Property: fuzzing finds the unlocked counter's lost update on shuttle (exit 1) well within
/// its 60 s budget, and the printed replay command reproduces it (exit 1 again).
#[test]
fn fuzz_finds_the_lost_update_shuttle() {
    let out = threadcheck(&[
        "fuzz",
        "counter-unlocked",
        "--iterations",
        "3",
        "--engine",
        "shuttle",
        "--time",
        "60s",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["verdict"], "violated");
    assert_eq!(report["seed"], 1);
    let schedule = report["counterexample"]["schedule"]
        .as_str()
        .expect("a schedule");
    assert!(schedule.starts_with("shuttle:"), "{schedule}");
    let replay = threadcheck(&["replay", "counter-unlocked", schedule, "--iterations", "3"]);
    assert_eq!(code(&replay), 1, "{}", stdout(&replay));
    assert!(stdout(&replay).contains("lost update"));
}

/// Property: on a correct model fuzzing runs out its 1 s budget and exits 0 (holds in the
/// sample), reporting executions and distinct schedules.
#[test]
fn fuzz_holds_on_a_correct_model_shuttle() {
    let out = threadcheck(&[
        "fuzz",
        "semaphore",
        "--engine",
        "shuttle",
        "--strategy",
        "pct",
        "--time",
        "1s",
        "--batch",
        "100",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("HOLDS in the sample"), "{text}");
    assert!(text.contains("distinct schedules"), "{text}");
}

/// Property: misuse is a usage error (exit 2): loom cannot fuzz, --html needs native, batch 0,
/// an unknown strategy or model, a bad duration, seed or model parameter.
#[test]
fn fuzz_refuses_misuse() {
    for args in [
        &["fuzz", "semaphore", "--engine", "loom"][..],
        &[
            "fuzz",
            "semaphore",
            "--engine",
            "shuttle",
            "--html",
            "x.html",
        ],
        &["fuzz", "semaphore", "--batch", "0"],
        &["fuzz", "semaphore", "--strategy", "exhaustive"],
        &["fuzz", "no-such-model"],
        &["fuzz", "semaphore", "--strategy", "nope"],
        &["fuzz", "semaphore", "--time", "abc"],
        &["fuzz", "semaphore", "--seed", "-1"],
        &["fuzz", "semaphore", "--threads", "0"],
    ] {
        assert_eq!(code(&threadcheck(args)), 2, "{args:?}");
    }
}

/// Property: on the native engine the lost update is found and minimised (exit 1, one
/// preemption).
#[test]
fn fuzz_finds_the_lost_update_native() {
    let out = threadcheck(&[
        "fuzz",
        "counter-unlocked",
        "--iterations",
        "3",
        "--time",
        "60s",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["counterexample"]["preemptions"], 1);
}

/// Property: the portfolio is reported as such (JSON `strategy: "portfolio"`), and a native
/// failure's note says the schedule has the fewest preemptions and then the fewest steps.
#[test]
fn fuzz_portfolio_is_named_and_schedules_are_shrunk_to_fewest_steps() {
    let out = threadcheck(&[
        "fuzz",
        "counter-unlocked",
        "--iterations",
        "3",
        "--strategy",
        "portfolio",
        "--time",
        "60s",
        "--seed",
        "1",
        "--json",
    ]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["strategy"], "portfolio");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("no failing schedule with that many is shorter"),
        "{notes}"
    );
}

/// Property: a budget that ends before the first execution is inconclusive (exit 3), not
/// "holds in the sample" over 0 executions.
#[test]
fn fuzz_with_no_time_is_inconclusive() {
    for engine in ["native", "shuttle"] {
        let out = threadcheck(&[
            "fuzz",
            "semaphore",
            "--engine",
            engine,
            "--time",
            "0s",
            "--json",
        ]);
        assert_eq!(code(&out), 3, "{engine}: {}", stdout(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(report["verdict"], "inconclusive", "{engine}");
        assert_eq!(report["executions"], 0, "{engine}");
    }
}
