//! `threadcheck bench`: the comparison table runs every case in one process and shows the cases
//! an engine cannot run, with the reason, instead of hiding them.
#![cfg(feature = "cli")]

use std::process::Command;

fn bench(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_threadcheck"))
        .arg("bench")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run threadcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Property: the quick table has a header and one row per case, a loom proof marked
/// exhaustive, and loom's thread cap shown as a refused row naming the cap.
#[test]
fn quick_table_shows_proofs_and_refusals() {
    let (code, table) = bench(&["--quick", "--time-per-case", "20s"]);
    assert_eq!(code, 0, "{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("| model | parameters | engine |"),
        "{table}"
    );
    assert_eq!(lines.len(), 2 + 5, "{table}");
    let loom_counter = lines
        .iter()
        .find(|l| l.contains("counter-locked") && l.contains("| loom |"))
        .expect("loom counter row");
    assert!(loom_counter.contains("| holds | yes |"), "{loom_counter}");
    let loom_semaphore = lines
        .iter()
        .find(|l| l.contains("| semaphore |") && l.contains("| loom |"))
        .expect("loom semaphore row");
    assert!(loom_semaphore.contains("cannot run"), "{loom_semaphore}");
    assert!(loom_semaphore.contains("cap"), "{loom_semaphore}");
    let shuttle_deadlock = lines
        .iter()
        .find(|l| l.contains("| deadlock |"))
        .expect("deadlock row");
    assert!(
        shuttle_deadlock.contains("| deadlock | no |"),
        "{shuttle_deadlock}"
    );
}

/// Property: a filter that matches nothing is a usage error (exit 2), not an empty table.
#[test]
fn filter_matching_nothing_is_refused() {
    let (code, table) = bench(&["--only", "no-such-model"]);
    assert_eq!(code, 2);
    assert!(table.is_empty());
}
