//! The search loop behind [`check`](super::check): strategies, budgets, failures and their
//! traces.

use super::api::{
    Budget, Config, EngineError, Failure, FailureCount, FailureKind, Progress, Report, Schedule,
    Strategy as StrategyCfg, Verdict,
};
use super::bounded::Bounded;
use super::dpor::Dpor;
use super::enumerate::EverySchedule;
use super::exec::{Abort, Exec, NO_OBJ};
use super::run::{Choice, End, Runner, Strategy, Watch};
use super::schedule;
use super::stateful::Stateful;
use super::strategy::{Pct, Random, Replay};
use crate::report::{Step, ThreadDesc, Trace};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Default number of executions of the random and PCT strategies.
pub(crate) const DEFAULT_ITERATIONS: u64 = 1000;

/// Traces longer than this keep their beginning, their end and the steps around preemptions.
/// It is large so that the seed-size traces (2 x 100000 iterations) are kept whole: the report
/// folds their repetitions, and its explanation counts lost updates from every step.
const TRACE_LIMIT: usize = 1_000_000;

fn make_strategy(config: &Config) -> Result<Box<dyn Strategy>, EngineError> {
    let iterations = config.budget.max_executions.unwrap_or(DEFAULT_ITERATIONS);
    Ok(match &config.strategy {
        StrategyCfg::Exhaustive if config.reductions.state_caching => {
            let mut stateful = Stateful::new();
            stateful.starvation.limit = config.budget.steps_after_end;
            Box::new(stateful)
        }
        StrategyCfg::Exhaustive => {
            let mut dpor = Dpor::new();
            dpor.starvation.limit = config.budget.steps_after_end;
            Box::new(dpor)
        }
        StrategyCfg::Bounded { max_preemptions } => Box::new(Bounded::new(*max_preemptions)),
        StrategyCfg::EverySchedule => Box::new(EverySchedule::new()),
        StrategyCfg::Random { seed } => Box::new(Random::new(*seed, iterations)),
        StrategyCfg::Pct { depth, seed } => Box::new(Pct::new(*depth, *seed, iterations)),
        StrategyCfg::Replay { schedule } => Box::new(Replay::new(schedule::decode(&schedule.0)?)),
    })
}

/// A failure found during the search, before its trace is built.
pub(crate) struct Found {
    pub end: End,
    pub choices: Vec<Choice>,
}

/// The verdict of a search that found `failure` (or none).
pub(crate) fn verdict_of(failure: Option<&Failure>, out_of_budget: bool) -> Verdict {
    match failure {
        Some(f) => match f.kind {
            FailureKind::Panic { .. } => Verdict::Violated,
            FailureKind::Deadlock { .. } => Verdict::Deadlock,
            FailureKind::StepBound { .. } => Verdict::Inconclusive,
        },
        None if out_of_budget => Verdict::Inconclusive,
        None => Verdict::Holds,
    }
}

/// Why a search that had to stop a daemon thread still running is not exhaustive.
pub(crate) fn daemons_cut_reason(steps_after_end: u64) -> String {
    format!(
        "daemon threads were followed {steps_after_end} steps past the program's end and were \
         still running; what they do later, and its races with the program, was not explored \
         (Budget::steps_after_end)"
    )
}

/// Runs the search, under a watchdog when [`Budget::max_stall`] is set: the search then runs on
/// a thread of its own, and a thread of the program that stays away from the scheduler for
/// that long (blocked in a real lock, say) ends the check with [`EngineError::Stalled`]
/// instead of hanging it. A panic of the engine itself reaches the caller.
pub(crate) fn check(
    config: &Config,
    body: Arc<dyn Fn() + Send + Sync>,
) -> Result<Report, EngineError> {
    let Some(stall) = config.budget.max_stall else {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            search(config, body, None)
        }))
        .unwrap_or_else(|panic| {
            super::run::report_engine_panic(&panic);
            std::panic::resume_unwind(panic)
        });
    };
    let watch = Arc::new(Watch::default());
    let (sender, receiver) = std::sync::mpsc::channel();
    let searcher = {
        let (config, watch) = (config.clone(), watch.clone());
        std::thread::Builder::new()
            .name("threadcheck search".to_string())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    search(&config, body, Some(&watch))
                }));
                if let Err(panic) = &result {
                    super::run::report_engine_panic(panic);
                }
                let _ = sender.send(result);
            })
            .expect("threadcheck: cannot start the search thread")
    };
    let tick = stall.min(Duration::from_millis(100));
    loop {
        match receiver.recv_timeout(tick) {
            Ok(result) => {
                let _ = searcher.join();
                return result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(why) = watch.stalled(stall) {
                    // The search's thread is blocked where the program blocked it: it is left
                    // behind (nothing can unblock it from here).
                    return Err(EngineError::Stalled(why));
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let _ = searcher.join();
                unreachable!("the search thread sends its result before it ends");
            }
        }
    }
}

/// The search itself, on the calling thread.
fn search(
    config: &Config,
    body: Arc<dyn Fn() + Send + Sync>,
    watch: Option<&Watch>,
) -> Result<Report, EngineError> {
    let started = Instant::now();
    let budget: Budget = config.budget;
    let is_replay = matches!(config.strategy, StrategyCfg::Replay { .. });
    let max_steps = match &config.strategy {
        StrategyCfg::Replay { schedule } => {
            let n = schedule::decode(&schedule.0)?.steps.len() as u64;
            budget.max_steps.max(n)
        }
        _ => budget.max_steps,
    };
    if config.workers > 1
        && matches!(config.strategy, StrategyCfg::Exhaustive)
        && !config.reductions.state_caching
    {
        if let Some(report) = super::parallel::check(config, &body, max_steps, watch)? {
            return Ok(report);
        }
    }
    // The shortest-failure search (`Config::shortest`): the best failure so far, and whether
    // the executions with at most its preemptions were all explored.
    let shortest = config.shortest && matches!(config.strategy, StrategyCfg::Bounded { .. });
    let mut shortest_found: Option<Found> = None;
    let mut fewest_steps = false;
    let mut runner = Runner::new(body.clone(), Exec::new(config.reductions), max_steps);
    runner.deadline = budget.max_time.map(|d| started + d);
    runner.steps_after_end = budget.steps_after_end;
    runner.heartbeat = watch.map(Watch::heartbeat);
    let explore_all = config.explore_all && !shortest;
    runner.explore_all = explore_all;
    let mut failures: Vec<FailureCount> = Vec::new();
    let mut panics_returned: u64 = 0;
    let mut daemons_cut = false;
    let mut strategy = make_strategy(config)?;
    let mut executions: u64 = 0;
    let mut last_progress = started;
    let mut limited_by: Option<String> = None;
    let mut found: Option<Found> = None;
    let mut out_of_budget = false;
    let stats = std::env::var_os("THREADCHECK_ENGINE_STATS").is_some();
    let mut traces = std::collections::HashSet::new();
    let mut total_steps: u64 = 0;
    loop {
        if let Some(max) = budget.max_executions {
            let bounded_by_budget = matches!(
                config.strategy,
                StrategyCfg::Exhaustive | StrategyCfg::Bounded { .. } | StrategyCfg::EverySchedule
            );
            if bounded_by_budget && executions >= max {
                limited_by = Some(format!("budget: {max} executions"));
                out_of_budget = true;
                break;
            }
        }
        if let Some(max) = budget.max_time {
            if started.elapsed() >= max {
                limited_by = Some(format!("budget: {max:?} of time"));
                out_of_budget = true;
                break;
            }
        }
        if !strategy.next_execution() {
            fewest_steps = shortest_found.is_some();
            break;
        }
        let end = runner.run(&mut *strategy);
        daemons_cut |= runner.daemons_cut;
        total_steps += runner.choices.len() as u64;
        panics_returned += runner.exec.borrow().returned_panics;
        if let (Some(seen), End::Complete) = (&config.schedules_seen, &end) {
            let fingerprint = schedule_fingerprint(&runner.choices);
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(fingerprint);
        }
        if matches!(end, End::Complete) && (stats || config.traces_seen.is_some()) {
            let fp = runner.exec.borrow().fingerprint();
            if let Some(seen) = &config.traces_seen {
                seen.lock().unwrap_or_else(|e| e.into_inner()).insert(fp);
            }
            traces.insert(fp);
        }
        if !matches!(end, End::Pruned | End::Cut | End::Abort(_)) {
            executions += 1;
        }
        if let Some(progress) = &config.progress {
            if last_progress.elapsed() >= Duration::from_millis(100) {
                last_progress = Instant::now();
                progress(&Progress {
                    executions,
                    elapsed: started.elapsed(),
                });
            }
        }
        match end {
            End::Complete | End::Pruned | End::Cut => {}
            End::Panic { .. } | End::Deadlock { .. } if shortest => {
                let steps = runner.choices.len() as u64;
                let better = shortest_found
                    .as_ref()
                    .is_none_or(|best| (best.choices.len() as u64) > steps);
                if better {
                    let preemptions = runner.choices.iter().filter(|c| c.preemption).count();
                    strategy.limit_preemptions(preemptions as u32);
                    // Only an execution that fails within fewer steps can improve on this one.
                    runner.cut_after = Some(steps.saturating_sub(1));
                    shortest_found = Some(Found {
                        end,
                        choices: runner.choices.clone(),
                    });
                }
            }
            End::Abort(Abort::TooManyThreads(n)) => return Err(EngineError::TooManyThreads(n)),
            End::Abort(Abort::Refused(why)) => return Err(EngineError::Unsupported(why)),
            End::Abort(Abort::Demote(ty)) => {
                // A section assumed to commute was not a pure function of the lock's data: the
                // exploration so far relied on that; start over without the assumption.
                runner.exec.borrow_mut().demoted.push(ty);
                strategy = make_strategy(config)?;
                if let Some(best) = &shortest_found {
                    let preemptions = best.choices.iter().filter(|c| c.preemption).count();
                    strategy.limit_preemptions(preemptions as u32);
                }
            }
            End::Diverged(msg) => return Err(EngineError::ReplayDiverged(msg)),
            End::OutOfTime => {
                limited_by = Some(format!(
                    "budget: {:?} of time",
                    budget.max_time.unwrap_or_default()
                ));
                out_of_budget = true;
                executions -= 1;
                break;
            }
            End::Panic { .. } | End::Deadlock { .. } if explore_all => {
                let kind = failure_kind(&runner.exec.borrow(), &end, max_steps);
                match failures.iter_mut().find(|f| f.kind == kind) {
                    Some(f) => f.executions += 1,
                    None => failures.push(FailureCount {
                        kind,
                        executions: 1,
                    }),
                }
                if found.is_none() {
                    found = Some(Found {
                        end,
                        choices: runner.failing_choices(),
                    });
                }
            }
            End::Panic { .. } | End::Deadlock { .. } | End::StepBound => {
                found = Some(Found {
                    end,
                    choices: runner.choices.clone(),
                });
                break;
            }
        }
    }
    if is_replay {
        if let Some(why) = strategy.divergence() {
            return Err(EngineError::ReplayDiverged(why));
        }
    }
    if found.is_none() {
        found = shortest_found;
    }
    let failure = match found {
        Some(found) => {
            let mut failure = build_failure(config, &body, found, max_steps)?;
            failure.fewest_steps = fewest_steps;
            Some(failure)
        }
        None => None,
    };
    let exhaustive =
        (failure.is_none() || explore_all) && !out_of_budget && strategy.complete() && !daemons_cut;
    if daemons_cut && limited_by.is_none() && failure.is_none() {
        limited_by = Some(daemons_cut_reason(budget.steps_after_end));
    }
    if stats {
        eprintln!(
            "threadcheck engine: {executions} executions, {total_steps} steps, {} distinct traces \
             completed ({}), {:?}",
            traces.len(),
            strategy.stats(),
            started.elapsed()
        );
    }
    if limited_by.is_none() && !exhaustive && (failure.is_none() || explore_all) {
        limited_by = strategy.limited_by();
    }
    if failure.is_some() && !explore_all {
        limited_by = None;
    }
    let verdict = verdict_of(failure.as_ref(), out_of_budget);
    Ok(Report {
        verdict,
        exhaustive,
        executions,
        elapsed: started.elapsed(),
        failure,
        limited_by,
        states: strategy.states(),
        failures,
        panics_returned,
    })
}

/// Re-runs the failing schedule with notes on, and turns it into a [`Failure`].
pub(crate) fn build_failure(
    config: &Config,
    body: &Arc<dyn Fn() + Send + Sync>,
    found: Found,
    max_steps: u64,
) -> Result<Failure, EngineError> {
    let text = schedule::encode(&found.choices);
    let steps = found.choices.len() as u64;
    let decoded = schedule::decode(&text)?;
    let mut exec = Exec::new(config.reductions);
    exec.recording = true;
    let mut runner = Runner::new(body.clone(), exec, max_steps);
    let mut replay = Replay::new(decoded);
    replay.next_execution();
    let end = runner.run(&mut replay);
    // A deterministic program fails the same way again; if not, report what was found first.
    let end = match (&end, &found.end) {
        (End::Panic { .. }, End::Panic { .. })
        | (End::Deadlock { .. }, End::Deadlock { .. })
        | (End::StepBound, End::StepBound) => end,
        _ => found.end,
    };
    let exec = runner.exec.borrow();
    let kind = failure_kind(&exec, &end, max_steps);
    let trace = build_trace(&exec, &end);
    let preemptions = found.choices.iter().filter(|c| c.preemption).count() as u32;
    Ok(Failure {
        kind,
        schedule: Schedule(text),
        preemptions,
        steps,
        fewest_steps: false,
        trace,
    })
}

/// What a failing execution's end is, as a report says it.
pub(crate) fn failure_kind(exec: &Exec, end: &End, max_steps: u64) -> FailureKind {
    match end {
        End::Panic {
            thread, message, ..
        } => FailureKind::Panic {
            thread: exec
                .threads
                .get(*thread)
                .map(|t| t.name.to_string())
                .unwrap_or_default(),
            message: message.clone(),
        },
        End::Deadlock { waits } => FailureKind::Deadlock {
            waits: waits.clone(),
        },
        _ => FailureKind::StepBound { steps: max_steps },
    }
}

fn build_trace(exec: &Exec, end: &End) -> Trace {
    let threads = exec
        .threads
        .iter()
        .enumerate()
        .map(|(id, t)| ThreadDesc {
            id,
            name: t.name.to_string(),
        })
        .collect();
    let step_of = |i: usize| {
        let ev = &exec.events[i];
        // A start's object is the program's thread table, an engine detail: the step reads
        // "spawn Thread-3" (its note) instead.
        let object = if ev.obj == NO_OBJ || ev.action == "spawn" {
            String::new()
        } else {
            exec.object_name(ev.obj)
        };
        Step {
            thread: ev.thread as usize,
            action: ev.action.to_string(),
            object,
            detail: exec.notes.get(i).cloned().flatten(),
            file: ev.site.file().to_string(),
            line: ev.site.line(),
            preemption: ev.preemption,
        }
    };
    let n = exec.events.len();
    let mut keep = vec![n <= TRACE_LIMIT; n];
    if n > TRACE_LIMIT {
        for (i, k) in keep.iter_mut().enumerate() {
            *k = i < 100 || i + 500 >= n;
        }
        let mut budget = TRACE_LIMIT;
        for i in 0..n {
            if exec.events[i].preemption && budget > 0 {
                for k in keep
                    .iter_mut()
                    .take((i + 20).min(n))
                    .skip(i.saturating_sub(20))
                {
                    *k = true;
                }
                budget = budget.saturating_sub(40);
            }
        }
    }
    // The panic is shown where it happened: steps that follow it (releases while the thread
    // unwinds, other threads' steps before the program ended) come after it.
    let mut panic = match end {
        End::Panic {
            thread,
            message,
            location,
            at,
        } => {
            let (file, line) = match location {
                Some(loc) => match loc.rsplit_once(':') {
                    Some((f, l)) => (f.to_string(), l.parse().unwrap_or(0)),
                    None => (loc.clone(), 0),
                },
                None => (String::new(), 0),
            };
            let step = Step {
                thread: *thread,
                action: "panic".to_string(),
                object: String::new(),
                detail: Some(message.clone()),
                file,
                line,
                preemption: false,
            };
            Some((at.map_or(n, |at| (at as usize).min(n)), step))
        }
        _ => None,
    };
    let mut steps = Vec::new();
    let mut i = 0;
    while i < n {
        if panic.as_ref().is_some_and(|(at, _)| *at <= i) {
            steps.extend(panic.take().map(|(_, step)| step));
        }
        if keep[i] {
            steps.push(step_of(i));
            i += 1;
        } else {
            let start = i;
            while i < n && !keep[i] {
                i += 1;
            }
            steps.push(Step {
                thread: exec.events[start].thread as usize,
                action: format!("... {} steps omitted ...", i - start),
                object: String::new(),
                detail: None,
                file: String::new(),
                line: 0,
                preemption: false,
            });
        }
    }
    steps.extend(panic.map(|(_, step)| step));
    Trace { threads, steps }
}

/// A fingerprint of the sequence of threads that ran (FNV-1a, 64 bits).
fn schedule_fingerprint(choices: &[Choice]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in choices {
        h ^= u64::from(c.thread);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
