//! The exhaustive search on several operating-system threads ([`Config::workers`]).
//!
//! A split search ([`Dpor::split`]) explores every state of the first steps (every thread that
//! can run, with sleep sets) and stops at a fixed depth; every state it reaches there is a job,
//! the Optimal DPOR search of the subtree below it. Jobs share nothing (no race is reversed into
//! the prefix, which the split explores in full, and the threads asleep at a job's state stand
//! only for the traces in which they go first, which an earlier job explores), so workers take
//! them from a queue in any order. `docs/engine.md` ("Parallel exhaustive search") has the
//! soundness argument.
//!
//! Invariants: a search that finds no failure and is not cut by the budget reports what a
//! sequential run of the jobs would (the same traces, the same count). The first failure any
//! worker finds stops every worker; the one reported is that of the lowest-numbered job among
//! those that failed by then, so which failure (of several) is reported, and the count, can
//! depend on timing.

use super::api::{Config, EngineError, FailureCount, FailureKind, Progress, Report};
use super::dpor::{Dpor, Job};
use super::driver::{build_failure, failure_kind, verdict_of, Found};
use super::exec::{Abort, Exec};
use super::run::{End, Runner, Strategy, Watch};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Jobs per worker the split aims for, so that uneven subtrees even out.
const JOBS_PER_WORKER: usize = 16;
/// The deepest split tried.
const MAX_DEPTH: usize = 64;

/// What one job's search came to.
#[derive(Default)]
struct JobResult {
    executions: u64,
    steps: u64,
    failure: Option<Found>,
    daemons_cut: bool,
    /// Why the job's search was not exhaustive, when it ran to its end and was not.
    incomplete: Option<String>,
    /// With [`Config::explore_all`]: the distinct failures the job met.
    failures: Vec<FailureCount>,
    /// Panics a `join` returned to the program.
    panics_returned: u64,
}

/// Counts one more execution ending in `kind`.
fn count_failure(failures: &mut Vec<FailureCount>, kind: FailureKind, executions: u64) {
    match failures.iter_mut().find(|f| f.kind == kind) {
        Some(f) => f.executions += executions,
        None => failures.push(FailureCount { kind, executions }),
    }
}

/// Runs the exhaustive search on `config.workers` threads; `Ok(None)` when the sequential
/// search must answer instead: a commuting section was demoted, or the split met a failure,
/// an abort or a daemon it had to cut, which the sequential search reports as it always does.
pub(crate) fn check(
    config: &Config,
    body: &Arc<dyn Fn() + Send + Sync>,
    max_steps: u64,
    watch: Option<&Watch>,
) -> Result<Option<Report>, EngineError> {
    let started = Instant::now();
    let budget = config.budget;
    let deadline = budget.max_time.map(|d| started + d);
    let Some(Split {
        jobs,
        depth,
        executions: split_executions,
        steps: split_steps,
    }) = split(config, body, max_steps, deadline, watch)?
    else {
        return Ok(None);
    };
    let workers = config.workers.min(jobs.len()).max(1);
    let next = AtomicUsize::new(0);
    // The lowest job index that failed: jobs after it need not run.
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let executions = AtomicU64::new(split_executions);
    let stop = AtomicBool::new(false);
    let fallback = AtomicBool::new(false);
    let out_of_budget = AtomicBool::new(false);
    let error: Mutex<Option<EngineError>> = Mutex::new(None);
    let results: Mutex<Vec<(usize, JobResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        let run_jobs = || {
            let mut runner = Runner::new(body.clone(), Exec::new(config.reductions), max_steps);
            runner.deadline = deadline;
            runner.steps_after_end = budget.steps_after_end;
            runner.heartbeat = watch.map(Watch::heartbeat);
            runner.explore_all = config.explore_all;
            loop {
                let idx = next.fetch_add(1, Ordering::Relaxed);
                if idx >= jobs.len()
                    || stop.load(Ordering::Relaxed)
                    || idx > lowest_failure.load(Ordering::Relaxed)
                {
                    break;
                }
                let mut strategy = Dpor::below(jobs[idx].clone());
                strategy.starvation.limit = budget.steps_after_end;
                let mut result = JobResult::default();
                loop {
                    if stop.load(Ordering::Relaxed) || idx > lowest_failure.load(Ordering::Relaxed)
                    {
                        break;
                    }
                    let over = budget
                        .max_executions
                        .is_some_and(|max| executions.load(Ordering::Relaxed) >= max);
                    if over || deadline.is_some_and(|d| Instant::now() >= d) {
                        out_of_budget.store(true, Ordering::Relaxed);
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    if !strategy.next_execution() {
                        if !strategy.complete() {
                            result.incomplete = strategy.limited_by();
                        }
                        break;
                    }
                    let end = runner.run(&mut strategy);
                    result.daemons_cut |= runner.daemons_cut;
                    result.steps += runner.choices.len() as u64;
                    result.panics_returned += runner.exec.borrow().returned_panics;
                    if let (Some(seen), End::Complete) = (&config.traces_seen, &end) {
                        let fingerprint = runner.exec.borrow().fingerprint();
                        seen.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(fingerprint);
                    }
                    if !matches!(end, End::Pruned | End::Cut | End::Abort(_) | End::OutOfTime) {
                        result.executions += 1;
                        executions.fetch_add(1, Ordering::Relaxed);
                    }
                    match end {
                        End::Complete | End::Pruned | End::Cut => {}
                        End::Panic { .. } | End::Deadlock { .. } if config.explore_all => {
                            let kind = failure_kind(&runner.exec.borrow(), &end, max_steps);
                            count_failure(&mut result.failures, kind, 1);
                            if result.failure.is_none() {
                                result.failure = Some(Found {
                                    end,
                                    choices: runner.failing_choices(),
                                });
                            }
                        }
                        End::Panic { .. } | End::Deadlock { .. } | End::StepBound => {
                            result.failure = Some(Found {
                                end,
                                choices: runner.choices.clone(),
                            });
                            lowest_failure.fetch_min(idx, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        End::Abort(Abort::Demote(_)) => {
                            fallback.store(true, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        End::Abort(Abort::Refused(why)) => {
                            *error.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(EngineError::Unsupported(why));
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        End::Abort(Abort::TooManyThreads(n)) => {
                            *error.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(EngineError::TooManyThreads(n));
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        End::Diverged(msg) => {
                            *error.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(EngineError::ReplayDiverged(msg));
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                        End::OutOfTime => {
                            out_of_budget.store(true, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                }
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((idx, result));
            }
        };
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(run_jobs)).collect();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
            if let Some(progress) = &config.progress {
                progress(&Progress {
                    executions: executions.load(Ordering::Relaxed),
                    elapsed: started.elapsed(),
                });
            }
        }
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    if let Some(e) = error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    if fallback.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(idx, _)| *idx);
    let failing = results
        .iter()
        .position(|(_, r)| r.failure.is_some())
        .map(|pos| results[pos].0);
    let counted = results.iter();
    let mut total_executions = split_executions;
    let mut total_steps = split_steps;
    let mut daemons_cut = false;
    let mut incomplete = None;
    let mut failures = Vec::new();
    let mut panics_returned = 0;
    for (_, r) in counted {
        total_executions += r.executions;
        total_steps += r.steps;
        daemons_cut |= r.daemons_cut;
        panics_returned += r.panics_returned;
        for f in &r.failures {
            count_failure(&mut failures, f.kind.clone(), f.executions);
        }
        if incomplete.is_none() {
            incomplete.clone_from(&r.incomplete);
        }
    }
    let out_of_budget = out_of_budget.load(Ordering::Relaxed);
    let failure = match failing {
        Some(f) => {
            let found = results
                .into_iter()
                .find(|(idx, _)| *idx == f)
                .and_then(|(_, r)| r.failure)
                .expect("the failing job's failure");
            Some(build_failure(config, body, found, max_steps)?)
        }
        None => None,
    };
    if std::env::var_os("THREADCHECK_ENGINE_STATS").is_some() {
        eprintln!(
            "threadcheck engine (parallel, {workers} workers, {} jobs at depth {depth}): \
             {total_executions} executions, {total_steps} steps, {:?}",
            jobs.len(),
            started.elapsed()
        );
    }
    let exhaustive = (failure.is_none() || config.explore_all)
        && !out_of_budget
        && !daemons_cut
        && incomplete.is_none();
    let limited_by = if failure.is_some() && !config.explore_all {
        None
    } else if out_of_budget {
        Some(match (budget.max_executions, budget.max_time) {
            (Some(max), _) if total_executions >= max => format!("budget: {max} executions"),
            (_, Some(time)) => format!("budget: {time:?} of time"),
            _ => "budget".to_string(),
        })
    } else if daemons_cut {
        Some(super::driver::daemons_cut_reason(budget.steps_after_end))
    } else {
        incomplete
    };
    Ok(Some(Report {
        verdict: verdict_of(failure.as_ref(), out_of_budget),
        exhaustive,
        executions: total_executions,
        elapsed: started.elapsed(),
        failure,
        limited_by,
        states: None,
        failures,
        panics_returned,
    }))
}

/// What the split search made.
struct Split {
    jobs: Vec<Job>,
    /// The depth of the jobs' prefixes.
    depth: usize,
    /// The executions shorter than `depth`, which the split ran itself, and their steps.
    executions: u64,
    steps: u64,
}

/// Splits the tree: the shallowest depth that gives every worker [`JOBS_PER_WORKER`] jobs (or
/// the deepest tried), or `None` when the sequential search must answer instead.
fn split(
    config: &Config,
    body: &Arc<dyn Fn() + Send + Sync>,
    max_steps: u64,
    deadline: Option<Instant>,
    watch: Option<&Watch>,
) -> Result<Option<Split>, EngineError> {
    let wanted = config.workers * JOBS_PER_WORKER;
    // `THREADCHECK_SPLIT_DEPTH=d` fixes the depth (for debugging: small depths leave more of
    // the search to the jobs, and more prefixes to get wrong).
    let forced = std::env::var("THREADCHECK_SPLIT_DEPTH")
        .ok()
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|&d| d > 0);
    let mut depth = forced.unwrap_or(4);
    loop {
        let mut runner = Runner::new(body.clone(), Exec::new(config.reductions), max_steps);
        runner.deadline = deadline;
        runner.steps_after_end = config.budget.steps_after_end;
        runner.heartbeat = watch.map(Watch::heartbeat);
        let mut strategy = Dpor::split(depth);
        strategy.starvation.limit = config.budget.steps_after_end;
        let mut executions = 0;
        let mut steps = 0;
        let mut fingerprints = Vec::new();
        while strategy.next_execution() {
            let end = runner.run(&mut strategy);
            steps += runner.choices.len() as u64;
            match end {
                End::Pruned => {}
                End::Complete => {
                    if runner.daemons_cut {
                        // Rare (a daemon cut within the first steps): let the sequential
                        // search say it.
                        return Ok(None);
                    }
                    if config.traces_seen.is_some() {
                        fingerprints.push(runner.exec.borrow().fingerprint());
                    }
                    executions += 1;
                }
                _ => return Ok(None),
            }
        }
        if !strategy.complete() {
            // The split abandoned a starved execution: let the sequential search say so.
            return Ok(None);
        }
        let jobs = strategy.take_jobs();
        if forced.is_some() || jobs.len() >= wanted || depth >= MAX_DEPTH || jobs.is_empty() {
            if jobs.len() < 2 {
                return Ok(None);
            }
            if let Some(seen) = &config.traces_seen {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(fingerprints);
            }
            return Ok(Some(Split {
                jobs,
                depth,
                executions,
                steps,
            }));
        }
        depth *= 2;
    }
}
