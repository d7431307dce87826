//! Hand-built failures shared by the report tests (tests/report.rs, tests/report_html.rs).
#![allow(dead_code)]

use threadcheck::engine::{Failure, FailureKind, Schedule};
use threadcheck::report::{RenderContext, Step, ThreadDesc, Trace};

pub const MODEL_FILE: &str = "models/counter_unlocked.rs";
pub const HANDLE_FILE: &str = "src/thread/handle.rs";

pub fn step(
    thread: usize,
    action: &str,
    object: &str,
    detail: Option<String>,
    file: &str,
    line: u32,
) -> Step {
    Step {
        thread,
        action: action.into(),
        object: object.into(),
        detail,
        file: file.into(),
        line,
        preemption: false,
    }
}

fn threads(names: &[&str]) -> Vec<ThreadDesc> {
    names
        .iter()
        .enumerate()
        .map(|(id, name)| ThreadDesc {
            id,
            name: name.to_string(),
        })
        .collect()
}

fn finish(steps: &mut Vec<Step>, thread: usize, name: &str) {
    steps.push(step(
        thread,
        "finish",
        &format!("Thread {name}"),
        None,
        HANDLE_FILE,
        82,
    ));
    steps.push(step(
        thread,
        "exit",
        "Program threads",
        None,
        HANDLE_FILE,
        39,
    ));
}

/// The seed's unlocked counter, `n` increments per thread: Thread-1 reads 0 and is preempted,
/// Thread-2 runs all its `n` iterations, Thread-1 writes 1 over Thread-2's `n` and finishes its
/// loop; the final value is `n` instead of `2n`.
pub fn lost_update(n: u64) -> Failure {
    let var = "Var counter";
    let read = |t: usize, v: u64| step(t, "read", var, Some(format!("-> {v}")), MODEL_FILE, 12);
    let write = |t: usize, v: u64| step(t, "write", var, Some(format!("<- {v}")), MODEL_FILE, 13);
    let mut steps = vec![
        step(0, "start", "Program threads", None, MODEL_FILE, 30),
        step(0, "start", "Program threads", None, MODEL_FILE, 30),
        read(1, 0),
    ];
    for i in 0..n {
        let mut r = read(2, i);
        r.preemption = i == 0;
        steps.push(r);
        steps.push(write(2, i + 1));
    }
    finish(&mut steps, 2, "Thread-2");
    steps.push(write(1, 1));
    for i in 1..n {
        steps.push(read(1, i));
        steps.push(write(1, i + 1));
    }
    finish(&mut steps, 1, "Thread-1");
    steps.push(step(0, "join", "Thread Thread-1", None, MODEL_FILE, 33));
    steps.push(step(0, "join", "Thread Thread-2", None, MODEL_FILE, 33));
    steps.push(read(0, n).clone());
    steps.last_mut().unwrap().line = 35;
    Failure {
        kind: FailureKind::Panic {
            thread: "MainThread".into(),
            message: format!(
                "assertion `left == right` failed: counter\n  left: {n}\n right: {}",
                2 * n
            ),
        },
        schedule: Schedule("2:1.2*;1".into()),
        preemptions: 1,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: threads(&["MainThread", "Thread-1", "Thread-2"]),
            steps,
        },
    }
}

/// Two threads taking two locks in opposite order.
pub fn deadlock() -> Failure {
    let f = "models/deadlock.rs";
    let mut steps = vec![
        step(0, "start", "Program threads", None, f, 40),
        step(0, "start", "Program threads", None, f, 41),
        step(1, "acquire", "Lock a", None, f, 20),
        step(2, "acquire", "Lock b", None, f, 27),
    ];
    steps[3].preemption = true;
    Failure {
        kind: FailureKind::Deadlock {
            waits: vec![
                "MainThread waits for Thread Thread-1".into(),
                "Thread-1 waits for Lock b, held by Thread-2".into(),
                "Thread-2 waits for Lock a, held by Thread-1".into(),
            ],
        },
        schedule: Schedule("2:1.2*".into()),
        preemptions: 1,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: threads(&["MainThread", "Thread-1", "Thread-2"]),
            steps,
        },
    }
}

/// The seed's producer-consumer: the consumer sees an empty queue and stops before the producer
/// has put everything; the main thread's final check panics.
pub fn panic() -> Failure {
    let f = "models/producer_consumer.rs";
    let q = "Queue q";
    let mut steps = vec![
        step(0, "start", "Program threads", None, f, 50),
        step(0, "start", "Program threads", None, f, 51),
        step(1, "put", q, Some("<- 0".into()), f, 14),
        step(2, "get", q, Some("-> 0".into()), f, 24),
        step(2, "empty", q, Some("-> True".into()), f, 22),
    ];
    steps[3].preemption = true;
    finish(&mut steps, 2, "Thread-2");
    for i in 1..5 {
        steps.push(step(1, "put", q, Some(format!("<- {i}")), f, 14));
    }
    finish(&mut steps, 1, "Thread-1");
    steps.push(step(0, "join", "Thread Thread-1", None, f, 53));
    steps.push(step(0, "join", "Thread Thread-2", None, f, 53));
    steps.push(step(0, "qsize", q, Some("-> 4".into()), f, 55));
    Failure {
        kind: FailureKind::Panic {
            thread: "MainThread".into(),
            message: "4 produced items were never consumed".into(),
        },
        schedule: Schedule("2:1.2*.1".into()),
        preemptions: 1,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: threads(&["MainThread", "producer", "consumer"]),
            steps,
        },
    }
}

/// Two threads politely backing off forever (a livelock), cut by the step bound.
pub fn livelock(rounds: u64) -> Failure {
    let f = "models/livelock.rs";
    let mut steps = Vec::new();
    for _ in 0..rounds {
        for t in 1..3 {
            let (mine, other) = if t == 1 {
                ("Lock a", "Lock b")
            } else {
                ("Lock b", "Lock a")
            };
            steps.push(step(t, "acquire", mine, None, f, 10));
            steps.push(step(
                t,
                "try acquire",
                other,
                Some("-> False".into()),
                f,
                11,
            ));
            steps.push(step(t, "release", mine, None, f, 12));
        }
    }
    let n = steps.len() as u64;
    Failure {
        kind: FailureKind::StepBound { steps: n },
        schedule: Schedule("livelock".into()),
        preemptions: 0,
        steps: 0,
        fewest_steps: false,
        trace: Trace {
            threads: threads(&["MainThread", "Thread-1", "Thread-2"]),
            steps,
        },
    }
}

pub fn ctx(model: &str, color: bool) -> RenderContext {
    RenderContext {
        model: model.into(),
        replay_command: format!("threadcheck replay {model} '2:1.2*;1'"),
        color,
        full_trace: false,
    }
}
