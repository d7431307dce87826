//! Shuttle schedules that can be printed and replayed: a scheduler wrapper that records what
//! shuttle decided (which task ran, where a random value was drawn) and counts preemptions, and
//! a scheduler that replays such a record. The CLI (`check`, `replay`, `fuzz` with
//! `--engine shuttle`) and `lin` (fuzzing on shuttle) share them.
//!
//! Invariants: a [`ShuttleSchedule`]'s printable form round-trips through
//! [`ShuttleSchedule::decode`]; the [`Recorder`] holds the schedule of the execution in progress
//! (or the last one, once the run is over), so a failure's schedule is the failing execution's.

#[cfg(feature = "cli")]
use shuttle::scheduler::{DataSource, RandomDataSource};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// One recorded scheduling decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Choice {
    /// Run this task (0 = the main thread, then in spawn order).
    Task(usize),
    /// A random value was drawn.
    Random,
}

/// A shuttle schedule in threadcheck's printable form: `shuttle:SEED:STEPS`, where STEPS are
/// task numbers with run lengths (`0x3` = task 0 three times) and `r` for a random draw,
/// separated by commas. Example: `shuttle:1f:0x4,1x6,0,1x2`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShuttleSchedule {
    pub seed: u64,
    pub steps: Vec<Choice>,
}

impl ShuttleSchedule {
    /// The printable form.
    pub(crate) fn encode(&self) -> String {
        let mut out = format!("shuttle:{:x}:", self.seed);
        let mut i = 0;
        while i < self.steps.len() {
            let step = self.steps[i];
            let mut run = 1;
            while i + run < self.steps.len() && self.steps[i + run] == step {
                run += 1;
            }
            if i > 0 {
                out.push(',');
            }
            match step {
                Choice::Task(t) => out.push_str(&t.to_string()),
                Choice::Random => out.push('r'),
            }
            if run > 1 {
                out.push_str(&format!("x{run}"));
            }
            i += run;
        }
        out
    }

    /// Parses the printable form; a malformed one is refused with the reason.
    #[cfg(feature = "cli")]
    pub(crate) fn decode(text: &str) -> Result<ShuttleSchedule, String> {
        let text = text.trim();
        let rest = text
            .strip_prefix("shuttle:")
            .ok_or("a shuttle schedule starts with `shuttle:`")?;
        let (seed, steps) = rest
            .split_once(':')
            .ok_or("expected `shuttle:SEED:STEPS`")?;
        let seed = u64::from_str_radix(seed, 16)
            .map_err(|_| format!("the seed `{seed}` is not a hexadecimal number"))?;
        let mut out = Vec::new();
        for item in steps.split(',').filter(|s| !s.is_empty()) {
            let (what, run) = match item.split_once('x') {
                Some((what, run)) => (
                    what,
                    run.parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("bad repeat count in `{item}`"))?,
                ),
                None => (item, 1),
            };
            let choice = if what == "r" {
                Choice::Random
            } else {
                Choice::Task(
                    what.parse()
                        .map_err(|_| format!("`{item}` is not a task number"))?,
                )
            };
            if out.len().saturating_add(run) > 100_000_000 {
                return Err("the schedule is too long".to_string());
            }
            out.extend(std::iter::repeat_n(choice, run));
        }
        if out.is_empty() {
            return Err("the schedule has no steps".to_string());
        }
        Ok(ShuttleSchedule { seed, steps: out })
    }
}

/// What the [`Recorder`] wrote down.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    /// Executions started.
    pub executions: u64,
    /// The schedule of the current (or last) execution.
    pub schedule: ShuttleSchedule,
    /// Its preemptions: switches away from a task that could have continued and did not yield.
    pub preemptions: u32,
    /// Hashes of the schedules of the finished executions (distinct schedules seen).
    pub distinct: HashSet<u64>,
}

/// Wraps a shuttle scheduler and records the schedule of each execution.
pub(crate) struct Recorder {
    inner: Box<dyn Scheduler + Send>,
    recorded: Arc<Mutex<Recorded>>,
    progress: Option<Arc<AtomicU64>>,
    stop: Option<Arc<AtomicBool>>,
}

impl Recorder {
    /// Records `inner`'s decisions; read them through the returned handle.
    pub(crate) fn new(inner: Box<dyn Scheduler + Send>) -> (Recorder, Arc<Mutex<Recorded>>) {
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let recorder = Recorder {
            inner,
            recorded: Arc::clone(&recorded),
            progress: None,
            stop: None,
        };
        (recorder, recorded)
    }

    /// Also publishes the number of executions started to `progress`.
    #[cfg(feature = "cli")]
    pub(crate) fn with_progress(mut self, progress: Arc<AtomicU64>) -> Recorder {
        self.progress = Some(progress);
        self
    }

    /// Starts no new execution once `stop` is set (the run ends quietly after a failure).
    pub(crate) fn with_stop(mut self, stop: Arc<AtomicBool>) -> Recorder {
        self.stop = Some(stop);
        self
    }

    fn record(&self) -> MutexGuard<'_, Recorded> {
        self.recorded.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Scheduler for Recorder {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
            return None;
        }
        {
            let mut rec = self.record();
            if !rec.schedule.steps.is_empty() {
                let mut h = DefaultHasher::new();
                rec.schedule.steps.hash(&mut h);
                let key = h.finish();
                rec.distinct.insert(key);
            }
        }
        let schedule = self.inner.new_execution()?;
        let mut rec = self.record();
        rec.executions += 1;
        rec.schedule.seed = schedule.seed;
        rec.schedule.steps.clear();
        rec.preemptions = 0;
        if let Some(progress) = &self.progress {
            progress.store(rec.executions, Ordering::Relaxed);
        }
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let next = self.inner.next_task(runnable, current, is_yielding)?;
        let mut rec = self.record();
        if let Some(current) = current {
            let could_continue = runnable.iter().any(|t| t.id() == current);
            if could_continue && !is_yielding && next != current {
                rec.preemptions += 1;
            }
        }
        rec.schedule.steps.push(Choice::Task(usize::from(next)));
        Some(next)
    }

    fn next_u64(&mut self) -> u64 {
        self.record().schedule.steps.push(Choice::Random);
        self.inner.next_u64()
    }
}

/// Replays a [`ShuttleSchedule`] once; a step that does not fit stops the execution, and the
/// reason is left in the handle returned by [`Replayer::new`].
#[cfg(feature = "cli")]
pub(crate) struct Replayer {
    schedule: ShuttleSchedule,
    position: usize,
    started: bool,
    data: RandomDataSource,
    diverged: Arc<Mutex<Option<String>>>,
}

#[cfg(feature = "cli")]
impl Replayer {
    /// A replayer of `schedule` and the handle where a divergence is reported.
    pub(crate) fn new(schedule: ShuttleSchedule) -> (Replayer, Arc<Mutex<Option<String>>>) {
        let diverged = Arc::new(Mutex::new(None));
        let replayer = Replayer {
            data: RandomDataSource::initialize(schedule.seed),
            schedule,
            position: 0,
            started: false,
            diverged: Arc::clone(&diverged),
        };
        (replayer, diverged)
    }

    fn fail(&self, why: String) {
        let mut diverged = self.diverged.lock().unwrap_or_else(|e| e.into_inner());
        if diverged.is_none() {
            *diverged = Some(why);
        }
    }
}

#[cfg(feature = "cli")]
impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Replayer")
    }
}

#[cfg(feature = "cli")]
impl Scheduler for Replayer {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(self.data.reinitialize()))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        _current: Option<TaskId>,
        _is_yielding: bool,
    ) -> Option<TaskId> {
        match self.schedule.steps.get(self.position) {
            None => {
                self.fail(format!(
                    "the execution goes on after the schedule's {} steps",
                    self.schedule.steps.len()
                ));
                None
            }
            Some(Choice::Random) => {
                self.fail(format!(
                    "step {} is a random draw but the model schedules a thread there",
                    self.position + 1
                ));
                None
            }
            Some(&Choice::Task(task)) => {
                if runnable.iter().any(|t| usize::from(t.id()) == task) {
                    self.position += 1;
                    Some(TaskId::from(task))
                } else {
                    self.fail(format!(
                        "step {} runs task {task}, which cannot run there",
                        self.position + 1
                    ));
                    None
                }
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        if self.schedule.steps.get(self.position) == Some(&Choice::Random) {
            self.position += 1;
        } else {
            self.fail(format!(
                "the model draws a random value at step {}",
                self.position + 1
            ));
        }
        self.data.next_u64()
    }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;

    /// Property: the printable shuttle schedule round-trips, with run lengths.
    #[test]
    fn shuttle_schedule_round_trips() {
        let s = ShuttleSchedule {
            seed: 0xbeef,
            steps: vec![
                Choice::Task(0),
                Choice::Task(0),
                Choice::Task(0),
                Choice::Task(1),
                Choice::Random,
                Choice::Task(12),
                Choice::Task(12),
            ],
        };
        let text = s.encode();
        assert_eq!(text, "shuttle:beef:0x3,1,r,12x2");
        assert_eq!(ShuttleSchedule::decode(&text), Ok(s));
    }

    /// Property: malformed shuttle schedules are refused with a reason, never a panic.
    #[test]
    fn bad_shuttle_schedules_are_refused() {
        for bad in [
            "",
            "shuttle:",
            "shuttle:zz:0",
            "shuttle:1:",
            "shuttle:1:0x0",
            "shuttle:1:ax2",
            "shuttle:1:0x99999999999",
            "native",
        ] {
            assert!(ShuttleSchedule::decode(bad).is_err(), "{bad:?} accepted");
        }
    }
}
