//! The text report, the explanation and the conflict analysis, on hand-built failures (the
//! engine is not needed: a [`Failure`] is plain data), and on a few failures the native engine
//! found (its deadlock lines, its panic step, its step count).

mod report_fixtures;

use report_fixtures::*;
use std::sync::Arc;
use threadcheck::engine::{check, Config, Failure, FailureKind, Schedule, Verdict};
use threadcheck::report::{conflict, explain, render_html, render_text, Conflict, Trace};
use threadcheck::rt::Native;
use threadcheck::sync::{Event, Lock, Var};
use threadcheck::thread::JoinHandle;

const SCREEN_LINES: usize = 40;
const SCREEN_COLUMNS: usize = 100;

/// Terminal columns of a line, ANSI escapes excluded.
fn columns(line: &str) -> usize {
    let mut n = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

fn assert_fits_one_screen(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.len() <= SCREEN_LINES,
        "{} lines, more than one screen:\n{text}",
        lines.len()
    );
    for line in &lines {
        assert!(
            columns(line) <= SCREEN_COLUMNS,
            "a line of {} columns:\n{line}",
            columns(line)
        );
    }
}

fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// The seed's unlocked counter (2 x 100,000) fits on one screen: at most 40 lines of at most 100
/// columns.
#[test]
fn lost_update_of_two_times_100000_fits_one_screen() {
    let text = render_text(&lost_update(100_000), &ctx("counter-unlocked", false));
    assert_fits_one_screen(&text);
}

/// Each thread's 100,000 iterations are one iteration or two in full plus one fold row with the
/// exact remaining count: 1 + 99,998 + 1 = 100,000 for Thread-2 (first and last lost updates
/// kept), and the same for Thread-1 (overwrite and its next read kept, then its last write).
#[test]
fn repeated_iterations_are_folded_with_their_count() {
    let text = render_text(&lost_update(100_000), &ctx("counter-unlocked", false));
    assert!(
        text.contains("┆ Thread-2: 99,998 more iterations of lines 12-13 (Var counter: 2 … 99999)"),
        "{text}"
    );
    assert!(
        text.contains("┆ Thread-1: 99,998 more iterations of lines 12-13"),
        "{text}"
    );
    assert_eq!(text.matches("more iterations").count(), 2, "{text}");
    // Rows shown for Thread-2: steps 4-5 (its first iteration) and 200,002-200,003 (its last).
    for row in ["     4 12", "     5 13", "200002 12", "200003 13"] {
        assert!(text.contains(row), "row {row:?} missing:\n{text}");
    }
}

/// The table names the conflicting accesses with their lines and values, and marks them.
#[test]
fn table_shows_the_conflicting_accesses() {
    let text = render_text(&lost_update(100_000), &ctx("counter-unlocked", false));
    let row = |n: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(n))
            .unwrap_or_else(|| panic!("no row {n}:\n{text}"))
    };
    assert!(row("3 12").contains("▶ read Var counter -> 0"), "{text}");
    assert!(
        row("200006 13").contains("▶ write Var counter <- 1"),
        "{text}"
    );
    assert!(row("5 13").contains("▶ write Var counter <- 1"), "{text}");
    assert!(
        text.contains("⇢ preemption: Thread-1 is paused, Thread-2 runs"),
        "{text}"
    );
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("the stale read (step 3), 100,000 lost updates (steps 5 to 200,003) and the overwriting write (step 200,006)"),
        "{text}"
    );
    assert!(text.contains("✗ MainThread panicked: assertion"), "{text}");
}

/// The explanation of the lost update names the reader, the value it read, the line, the other
/// writer, how many updates were lost and the value written over them.
#[test]
fn lost_update_explanation_names_threads_lines_and_values() {
    let text = explain(&lost_update(100_000));
    for part in [
        "Thread-1 read Var counter = 0 (line 12) and was preempted before writing it back",
        "Meanwhile Thread-2 wrote Var counter 100,000 times (line 13), the last time 100000",
        "Then Thread-1 wrote 1 (line 13), computed from its stale read of 0, over 100000",
        "100,000 updates by Thread-2 were lost",
        "MainThread panicked",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

/// The report ends with the explanation paragraph and then the replay command, last.
#[test]
fn replay_command_is_last_after_the_explanation() {
    let context = ctx("counter-unlocked", false);
    let text = render_text(&lost_update(1000), &context);
    assert!(
        last_line(&text).ends_with(&context.replay_command),
        "{text}"
    );
    let explanation_at = text
        .find("Lost update on Var counter")
        .expect("the explanation");
    let replay_at = text
        .rfind(&context.replay_command)
        .expect("the replay command");
    assert!(explanation_at < replay_at);
}

/// No ANSI escape without `color`; with `color` there are some (so the first check can fail).
#[test]
fn colour_only_when_asked() {
    for failure in [lost_update(1000), deadlock(), panic(), livelock(50)] {
        let plain = render_text(&failure, &ctx("m", false));
        assert!(
            !plain.contains('\x1b'),
            "escape codes without colour:\n{plain}"
        );
        let coloured = render_text(&failure, &ctx("m", true));
        assert!(coloured.contains("\x1b["), "no colour when asked");
        assert_fits_one_screen(&coloured);
    }
}

/// The deadlock explanation names the cycle: who holds which lock (acquired where) and waits for
/// which, and the thread blocked outside the cycle.
#[test]
fn deadlock_explanation_names_the_cycle() {
    let failure = deadlock();
    let text = explain(&failure);
    for part in [
        "Thread-1 holds Lock a (acquired at line 20) and waits for Lock b",
        "Thread-2 holds Lock b (acquired at line 27) and waits for Lock a",
        "always Lock a before Lock b",
        "Also blocked: MainThread waits for Thread Thread-1",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    let report = render_text(&failure, &ctx("deadlock", false));
    assert_fits_one_screen(&report);
    assert!(
        report.contains("⊘ waits for Lock b (held by Thread-2)"),
        "{report}"
    );
    assert!(report.contains("deadlock: Thread-1 waits for Lock b, Thread-2 waits for Lock a"));
    match conflict(&failure) {
        Some(Conflict::Deadlock(d)) => {
            assert_eq!(d.cycle.len(), 2);
            assert_eq!(
                d.blocked[d.cycle[0]].acquired_at,
                Some(3),
                "Thread-2 took Lock b at step 4"
            );
        }
        other => panic!("expected a deadlock cycle, got {other:?}"),
    }
}

/// Holders missing from the engine's lines are found in the trace.
#[test]
fn deadlock_holders_are_completed_from_the_trace() {
    let mut failure = deadlock();
    failure.kind = FailureKind::Deadlock {
        waits: vec![
            "Thread-1 waits for Lock b".into(),
            "Thread-2 waits for Lock a".into(),
        ],
    };
    let text = explain(&failure);
    assert!(
        text.contains("Thread-1 holds Lock a (acquired at line 20) and waits for Lock b"),
        "{text}"
    );
}

/// The panic explanation names the thread, its message and the step right before.
#[test]
fn panic_explanation_names_thread_message_and_last_step() {
    let failure = panic();
    let text = explain(&failure);
    assert!(
        text.contains("MainThread panicked with “4 produced items were never consumed” right after its 5th step, “qsize Queue q -> 4” (line 55; step 16 of 16 overall)"),
        "{text}"
    );
    assert!(
        conflict(&failure).is_none(),
        "no read-write conflict in this trace"
    );
    let report = render_text(&failure, &ctx("producer-consumer", false));
    assert_fits_one_screen(&report);
    assert!(
        report.contains("┆ producer: 3 more iterations of line 14 (Queue q: 2 … 4)"),
        "{report}"
    );
}

/// A step bound is explained as a non-terminating execution, naming what it kept repeating,
/// detected as a two-thread cycle (not a single thread's loop).
#[test]
fn step_bound_explanation_names_the_repeated_cycle() {
    let failure = livelock(1000);
    let text = explain(&failure);
    assert!(text.contains("did not finish within 6,000 steps"), "{text}");
    assert!(
        text.contains("Thread-1 and Thread-2 kept repeating the same steps (lines 10-12)"),
        "{text}"
    );
    let report = render_text(&failure, &ctx("livelock", false));
    assert_fits_one_screen(&report);
    assert!(
        report.contains("Thread-1 and Thread-2: 998 more rounds of lines 10-12"),
        "{report}"
    );
}

/// A trace with no interleaved write has no lost update (the analysis does not see conflicts
/// everywhere), and when several exist, the one that lost the most writes is reported.
#[test]
fn conflict_analysis_finds_the_biggest_lost_update_and_only_real_ones() {
    let var = "Var x";
    let s = |t: usize, action: &str, v: u64, line: u32| {
        let arrow = if action == "read" { "->" } else { "<-" };
        step(
            t,
            action,
            var,
            Some(format!("{arrow} {v}")),
            MODEL_FILE,
            line,
        )
    };
    let failure = |steps| Failure {
        kind: FailureKind::Panic {
            thread: "MainThread".into(),
            message: "x".into(),
        },
        schedule: Schedule("s".into()),
        preemptions: 0,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: lost_update(1).trace.threads,
            steps,
        },
    };
    // Sequential increments: no conflict.
    let sequential = failure(vec![
        s(1, "read", 0, 12),
        s(1, "write", 1, 13),
        s(2, "read", 1, 12),
        s(2, "write", 2, 13),
    ]);
    assert_eq!(conflict(&sequential), None);
    // Thread-2's write is lost once (steps 0..3), then Thread-1 loses two of Thread-2's writes.
    let twice = failure(vec![
        s(1, "read", 0, 12),
        s(2, "read", 0, 12),
        s(1, "write", 1, 13),
        s(2, "write", 1, 13), // overwrites Thread-1's 1: one lost update
        s(1, "read", 1, 12),
        s(2, "read", 1, 12),
        s(2, "write", 2, 13),
        s(2, "read", 2, 12),
        s(2, "write", 3, 13),
        s(1, "write", 2, 13), // overwrites Thread-2's 2 and 3: two lost updates
    ]);
    match conflict(&twice) {
        Some(Conflict::LostUpdate(lu)) => {
            assert_eq!(
                (lu.thread, lu.read, lu.write, lu.lost),
                (1, 4, 9, vec![6, 8])
            );
        }
        other => panic!("expected a lost update, got {other:?}"),
    }
}

/// Folding detects cycles of any shape: a locked counter's 4-step iteration (acquire, read,
/// write, release) folds too, and the conflict-free trace is still short.
#[test]
fn four_step_lock_cycles_fold() {
    let f = "models/counter_locked.rs";
    let mut steps = Vec::new();
    for i in 0..50_000u64 {
        steps.push(step(1, "acquire", "Lock counter_lock", None, f, 20));
        steps.push(step(
            1,
            "read",
            "Var counter",
            Some(format!("-> {i}")),
            f,
            21,
        ));
        steps.push(step(
            1,
            "write",
            "Var counter",
            Some(format!("<- {}", i + 1)),
            f,
            22,
        ));
        steps.push(step(1, "release", "Lock counter_lock", None, f, 20));
    }
    let failure = Failure {
        kind: FailureKind::Panic {
            thread: "Thread-1".into(),
            message: "stop".into(),
        },
        schedule: Schedule("s".into()),
        preemptions: 0,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: lost_update(1).trace.threads,
            steps,
        },
    };
    let text = render_text(&failure, &ctx("counter-locked", false));
    assert_fits_one_screen(&text);
    assert!(
        text.contains("Thread-1: 49,998 more iterations of lines 20-22 (Var counter: 2 … 49999)"),
        "{text}"
    );
}

/// Many threads and long names still fit in 100 columns: cells are shortened (the object's kind
/// first), never the table widened.
#[test]
fn wide_tables_are_truncated_to_the_screen() {
    let f = "models/semaphore.rs";
    let names: Vec<String> = (0..6)
        .map(|i| format!("worker-with-a-long-name-{i}"))
        .collect();
    let mut steps = Vec::new();
    for t in 0..6 {
        steps.push(step(
            t,
            "acquire",
            "Semaphore slots_for_the_workers",
            Some("-> acquired".into()),
            f,
            10 + t as u32,
        ));
    }
    let failure = Failure {
        kind: FailureKind::Panic {
            thread: names[5].clone(),
            message: "3 inside at once".into(),
        },
        schedule: Schedule("s".into()),
        preemptions: 2,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: names
                .iter()
                .enumerate()
                .map(|(id, name)| threadcheck::report::ThreadDesc {
                    id,
                    name: name.clone(),
                })
                .collect(),
            steps,
        },
    };
    let text = render_text(&failure, &ctx("semaphore", false));
    assert_fits_one_screen(&text);
    assert!(text.contains('…'), "nothing was shortened:\n{text}");
}

/// A long trace without repetition (a random schedule) is cut down to one screen too: the
/// conflicting steps stay, runs of unrelated steps become "N other steps ... not shown" rows.
#[test]
fn long_irregular_traces_elide_unrelated_steps() {
    let f = "models/noise.rs";
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut steps = Vec::new();
    for k in 0..3000u64 {
        let t = 1 + (next() % 2) as usize;
        let line = 100 + (next() % 400) as u32;
        steps.push(step(
            t,
            "put",
            "Queue noise",
            Some(format!("<- {k}")),
            f,
            line,
        ));
    }
    // The lost update, in the middle of the noise.
    steps.insert(1500, step(1, "read", "Var x", Some("-> 7".into()), f, 12));
    steps.insert(1501, step(2, "write", "Var x", Some("<- 8".into()), f, 13));
    steps.insert(1502, step(1, "write", "Var x", Some("<- 8".into()), f, 13));
    let failure = Failure {
        kind: FailureKind::Panic {
            thread: "MainThread".into(),
            message: "x == 9".into(),
        },
        schedule: Schedule("s".into()),
        preemptions: 900,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: lost_update(1).trace.threads,
            steps,
        },
    };
    let text = render_text(&failure, &ctx("noise", false));
    assert_fits_one_screen(&text);
    assert!(text.contains("not shown"), "{text}");
    assert!(text.contains("▶ read Var x -> 7"), "{text}");
    assert!(text.contains("▶ write Var x <- 8"), "{text}");
    assert!(explain(&failure).contains("Thread-1 read Var x = 7 (line 12)"));
}

/// The failure the native engine's exhaustive search finds in `body`.
fn engine_failure(body: impl Fn() + Send + Sync + 'static) -> Failure {
    let report = check(&Config::default(), body).unwrap();
    assert_ne!(report.verdict, Verdict::Holds);
    report.failure.expect("a failure")
}

/// The line of the step where `thread` performed `action` on `object` (the last such step).
fn line_of(f: &Failure, thread: &str, action: &str, object: &str) -> u32 {
    let t = f
        .trace
        .threads
        .iter()
        .position(|d| d.name == thread)
        .expect("the thread");
    f.trace
        .steps
        .iter()
        .rev()
        .find(|s| s.thread == t && s.action == action && s.object == object)
        .unwrap_or_else(|| panic!("no {action} {object} by {thread}"))
        .line
}

/// The line the engine's deadlock line for `thread` ends with (`" at file:line"`): where it
/// waits.
fn wait_line_of(f: &Failure, thread: &str) -> u32 {
    let FailureKind::Deadlock { waits } = &f.kind else {
        panic!("not a deadlock: {:?}", f.kind)
    };
    let line = waits
        .iter()
        .find(|w| w.starts_with(&format!("{thread} waits")))
        .expect("the thread's line");
    line.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// Regression: the engine's deadlock lines end with the site where the *waiting* thread is
/// blocked ("Thread-1 waits for Lock gate, held by MainThread at tests/report.rs:N"). The
/// report read that site as part of the holder's name, and printed "held by MainThread at
/// ...:N", the waiter's line. Now the waiter's line is said as such, and the holder's comes
/// from the trace: its acquisition of the lock.
#[test]
fn deadlock_report_says_where_the_holder_took_the_lock() {
    let f = engine_failure(|| {
        let gate = Arc::new(Lock::<(), Native>::named("gate", ()));
        let never = Arc::new(Event::<Native>::named("never"));
        let _held = gate.lock();
        let g = gate.clone();
        let t = JoinHandle::<(), Native>::spawn(move || drop(g.lock()));
        never.wait(); // nobody sets it: no cycle, every thread blocked
        t.join().unwrap();
    });
    let acquired = line_of(&f, "MainThread", "acquire", "Lock gate");
    let waits = wait_line_of(&f, "Thread-1");
    assert_ne!(acquired, waits);
    let text = explain(&f);
    let expected = format!(
        "Thread-1 waits at line {waits} for Lock gate, held by MainThread (acquired at line \
         {acquired})"
    );
    assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    assert!(!text.contains("held by MainThread at"), "{text}");
    let report = render_text(&f, &ctx("gate", false));
    assert!(
        report.contains(&format!(
            "⊘ waits at line {waits} for Lock gate (held by MainThread)"
        )),
        "{report}"
    );
    assert!(!report.contains("held by MainThread at"), "{report}");
}

/// The lock-order deadlock found by the engine is explained as a cycle (the holders parsed
/// from the engine's lines, sites and all), each lock with the line where it was acquired.
#[test]
fn engine_deadlock_is_explained_as_a_cycle_with_acquisition_lines() {
    let f = engine_failure(|| {
        let a = Arc::new(Lock::<(), Native>::named("a", ()));
        let b = Arc::new(Lock::<(), Native>::named("b", ()));
        let (a2, b2) = (a.clone(), b.clone());
        let t1 = JoinHandle::<(), Native>::spawn(move || {
            let _a = a2.lock();
            let _b = b2.lock();
        });
        let t2 = JoinHandle::<(), Native>::spawn(move || {
            let _b = b.lock();
            let _a = a.lock();
        });
        t1.join().unwrap();
        t2.join().unwrap();
    });
    let Some(Conflict::Deadlock(d)) = conflict(&f) else {
        panic!("no deadlock analysis")
    };
    assert_eq!(d.cycle.len(), 2, "{d:?}");
    let text = explain(&f);
    for (me, mine, other, theirs) in [
        ("Thread-1", "Lock a", "Lock b", "Thread-2"),
        ("Thread-2", "Lock b", "Lock a", "Thread-1"),
    ] {
        let clause = format!(
            "{me} holds {mine} (acquired at line {}) and waits at line {} for {other}",
            line_of(&f, me, "acquire", mine),
            wait_line_of(&f, me)
        );
        assert!(text.contains(&clause), "missing {clause:?} in:\n{text}");
        assert!(!text.contains(&format!("held by {theirs} at")), "{text}");
    }
}

/// Regression: the header counted the engine's panic step (an outcome, not a scheduled step):
/// "16 steps" for a 15-step schedule. The text and HTML headers and the panic explanation now
/// count `Failure::steps`, and the explanation no longer calls the panic its thread's last step.
#[test]
fn report_headers_count_the_steps_of_the_schedule() {
    let f = engine_failure(|| {
        let v = Arc::new(Var::<u32, Native>::named("v", 0));
        let w = {
            let v = v.clone();
            JoinHandle::<(), Native>::spawn(move || v.set(1))
        };
        let seen = v.get();
        w.join().unwrap();
        if seen != 1 {
            panic!("read too early");
        }
    });
    let n = f.steps;
    assert_eq!(f.trace.steps.last().unwrap().action, "panic");
    assert_eq!(
        f.trace.steps.len() as u64,
        n + 1,
        "the panic is a row, not a step"
    );
    let text = render_text(&f, &ctx("early", false));
    let summary = text.lines().nth(1).unwrap();
    assert!(summary.starts_with(&format!("{n} steps, ")), "{summary}");
    let html = render_html(&f, &ctx("early", false));
    assert!(html.contains(&format!("{n} steps · ")), "the HTML header");
    let words = explain(&f);
    assert!(words.contains(&format!("of {n} overall")), "{words}");
    assert!(!words.contains("“panic "), "{words}");
    let line = f.trace.steps.last().unwrap().line;
    assert!(
        words.contains(&format!(
            "MainThread panicked at line {line} with “read too early"
        )),
        "{words}"
    );
}

/// Regression: a `Var` holding `Var`s showed `[Var { .. }]` in traces; under the checking
/// runtimes (where reading in `Debug` would be a step) it shows their names.
#[test]
fn a_var_of_vars_shows_their_names_in_the_trace() {
    let f = engine_failure(|| {
        let cells: Vec<Arc<Var<u8, Native>>> = ["a", "b"]
            .iter()
            .map(|name| Arc::new(Var::named(name, 0)))
            .collect();
        let table = Var::<Vec<Arc<Var<u8, Native>>>, Native>::named("table", cells);
        let seen = table.get();
        panic!("{} cells", seen.len());
    });
    let read = f
        .trace
        .steps
        .iter()
        .find(|s| s.action == "read" && s.object == "Var table")
        .expect("the read of the table");
    assert_eq!(
        read.detail.as_deref(),
        Some(r#"-> [Var { name: "a", .. }, Var { name: "b", .. }]"#)
    );
}

/// Under `Std`, where reading is no visible step, a `Var`'s `Debug` shows its value, and a
/// variable reached again through its own value (a cycle) by name only instead of looping.
#[test]
fn a_std_var_shows_its_value_and_survives_a_cycle() {
    use threadcheck::rt::Std;
    #[derive(Clone, Debug)]
    struct Node(Option<Arc<Var<Node, Std>>>);
    let inner = Var::<u8, Std>::named("inner", 7);
    assert_eq!(format!("{inner:?}"), r#"Var { name: "inner", value: 7 }"#);
    let v = Arc::new(Var::<Node, Std>::named("v", Node(None)));
    v.set(Node(Some(v.clone())));
    assert_eq!(
        format!("{v:?}"),
        r#"Var { name: "v", value: Node(Some(Var { name: "v", .. })) }"#
    );
    assert!(v.get().0.is_some());
    v.set(Node(None)); // breaks the cycle
}
