//! The simple strategies: uniform random, PCT, and replay of one schedule.

use super::exec::{bit, members, Exec, TSet};
use super::run::{Attempt, Choice, Ctl, Decision, End, Strategy};
use super::schedule::{checksum, run_check, Decoded};

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

/// Whether switching away from the previous thread now is a preemption, as far as it is known
/// without attempting that thread's operation (a blocking monitor operation that was not
/// attempted counts as not enabled: the count is a lower bound).
pub(crate) fn switch_is_preemption(ctl: &Ctl<'_>, chosen: usize) -> bool {
    match ctl.prev() {
        Some(p) if p != chosen => {
            !ctl.prev_yielded() && ctl.exec().known_enabled(p).unwrap_or(false)
        }
        _ => false,
    }
}

/// Uniformly random scheduling; after a yield, another thread runs if one can.
pub(crate) struct Random {
    seed: u64,
    iteration: u64,
    iterations: u64,
    rng: Rng,
}

impl Random {
    pub(crate) fn new(seed: u64, iterations: u64) -> Random {
        Random {
            seed,
            iteration: 0,
            iterations,
            rng: Rng::new(seed, 0),
        }
    }
}

/// Runs the first thread of `order` that can run.
fn run_first(ctl: &mut Ctl<'_>, order: impl Iterator<Item = usize>) -> Decision {
    for t in order {
        let preemption = switch_is_preemption(ctl, t);
        if ctl.try_run(t, preemption) == Attempt::Ran {
            return Decision::Ran;
        }
    }
    Decision::NoneRunnable
}

impl Strategy for Random {
    fn next_execution(&mut self) -> bool {
        if self.iteration >= self.iterations {
            return false;
        }
        self.rng = Rng::new(self.seed, self.iteration);
        self.iteration += 1;
        true
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let mut cands = ctl.candidates();
        let mut deferred: TSet = 0;
        if let Some(p) = ctl.prev() {
            if ctl.prev_yielded() && cands & !bit(p) != 0 {
                deferred = cands & bit(p);
                cands &= !bit(p);
            }
        }
        while cands != 0 {
            let n = cands.count_ones() as u64;
            let k = self.rng.below(n) as usize;
            let t = members(cands).nth(k).expect("k < n");
            let preemption = switch_is_preemption(ctl, t);
            if ctl.try_run(t, preemption) == Attempt::Ran {
                return Decision::Ran;
            }
            cands &= !bit(t);
        }
        run_first(ctl, members(deferred))
    }

    fn end_execution(&mut self, _: &Exec, _: &[Choice], _: &End) {}

    fn complete(&self) -> bool {
        false
    }

    fn limited_by(&self) -> Option<String> {
        Some(format!(
            "random scheduling is not exhaustive ({} executions, seed {})",
            self.iteration, self.seed
        ))
    }
}

/// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random distinct
/// priorities, the highest-priority enabled thread runs, and at `depth - 1` random steps the
/// running thread drops to a priority below every initial one. A yield drops the yielding
/// thread to the lowest priority so far.
///
/// The change points are drawn uniformly from the steps of the program, `0..k`, where `k` is
/// the most steps an execution has taken so far ([`FIRST_LENGTH`] for the first execution,
/// which is then measured like the others). PCT finds a bug of depth `d` with probability at
/// least `1 / (n k^(d-1))` per run only if `k` is the program's length: a larger `k` wastes
/// change points on steps that never happen.
pub(crate) struct Pct {
    depth: u32,
    seed: u64,
    iteration: u64,
    iterations: u64,
    rng: Rng,
    priorities: Vec<i64>,
    change_points: Vec<u64>,
    /// The most steps an execution took so far (0 before the first): the program's length,
    /// over which change points are drawn.
    longest: u64,
    lowest: i64,
}

/// The length assumed for the first execution, before any has been measured.
const FIRST_LENGTH: u64 = 16;

impl Pct {
    pub(crate) fn new(depth: u32, seed: u64, iterations: u64) -> Pct {
        Pct {
            depth: depth.max(1),
            seed,
            iteration: 0,
            iterations,
            rng: Rng::new(seed, 0),
            priorities: Vec::new(),
            change_points: Vec::new(),
            longest: 0,
            lowest: 0,
        }
    }
}

impl Strategy for Pct {
    fn next_execution(&mut self) -> bool {
        if self.iteration >= self.iterations {
            return false;
        }
        self.rng = Rng::new(self.seed, self.iteration);
        self.iteration += 1;
        self.priorities.clear();
        self.change_points.clear();
        let length = if self.longest == 0 {
            FIRST_LENGTH
        } else {
            self.longest
        };
        for _ in 1..self.depth {
            // A step index: the change happens before the step `ctl.step()` counts as this.
            self.change_points.push(self.rng.below(length));
        }
        self.lowest = 0;
        true
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let n = ctl.exec().threads.len();
        while self.priorities.len() < n {
            // Initial priorities are at least `depth`; ties go to the lower thread index.
            let p = self.depth as i64 + (self.rng.next() >> 2) as i64;
            self.priorities.push(p);
        }
        if let Some(p) = ctl.prev() {
            if ctl.prev_yielded() {
                self.lowest -= 1;
                self.priorities[p] = self.lowest;
            }
        }
        let step = ctl.step() as u64;
        let mut order: Vec<usize> = members(ctl.candidates()).collect();
        order.sort_by_key(|&t| (std::cmp::Reverse(self.priorities[t]), t));
        if let Some(j) = self.change_points.iter().position(|&c| c == step) {
            // The thread that would run now loses its priority.
            if let Some(&top) = order.first() {
                self.priorities[top] = j as i64 - self.depth as i64 + 1;
                order.sort_by_key(|&t| (std::cmp::Reverse(self.priorities[t]), t));
            }
        }
        run_first(ctl, order.into_iter())
    }

    fn end_execution(&mut self, _: &Exec, choices: &[Choice], _: &End) {
        self.longest = self.longest.max(choices.len() as u64);
    }

    fn complete(&self) -> bool {
        false
    }

    fn limited_by(&self) -> Option<String> {
        Some(format!(
            "PCT scheduling is not exhaustive ({} executions, depth {}, seed {})",
            self.iteration, self.depth, self.seed
        ))
    }
}

/// Runs one schedule, checking at every step that the program does what was recorded.
pub(crate) struct Replay {
    schedule: Decoded,
    ran: bool,
    /// Why the replay diverged, found after the execution ended.
    late_divergence: Option<String>,
}

impl Replay {
    pub(crate) fn new(schedule: Decoded) -> Replay {
        Replay {
            schedule,
            ran: false,
            late_divergence: None,
        }
    }

    fn describe(ctl: &Ctl<'_>, t: usize) -> String {
        let e = ctl.exec();
        let th = &e.threads[t];
        match th.pending {
            Some(op) => format!(
                "{} is blocked in `{} {}` at {}:{}",
                th.name,
                op.action,
                e.object_name(op.obj),
                op.site.file(),
                op.site.line()
            ),
            None => format!("{} is blocked", th.name),
        }
    }
}

impl Strategy for Replay {
    fn next_execution(&mut self) -> bool {
        !std::mem::replace(&mut self.ran, true)
    }

    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision {
        let i = ctl.choices().len();
        let n = self.schedule.steps.len();
        if i >= n {
            let cands = ctl.candidates();
            for t in members(cands) {
                if ctl.try_run(t, false) == Attempt::Ran {
                    let name = ctl.exec().threads[t].name.clone();
                    return Decision::Diverged(format!(
                        "the schedule ends after {n} steps, but the program goes on ({name} \
                         can still run); if the original run hit the step bound, replay with \
                         the same max_steps"
                    ));
                }
            }
            return Decision::NoneRunnable;
        }
        let (t, preemption) = self.schedule.steps[i];
        let t = t as usize;
        {
            let e = ctl.exec();
            if t >= e.threads.len() {
                return Decision::Diverged(format!(
                    "step {i}: the schedule runs thread {t}, but the program has only {} threads \
                     at this point",
                    e.threads.len()
                ));
            }
            if e.threads[t].finished {
                return Decision::Diverged(format!(
                    "step {i}: the schedule runs {}, which has already finished",
                    e.threads[t].name
                ));
            }
        }
        if ctl.try_run(t, preemption) == Attempt::Blocked {
            return Decision::Diverged(format!(
                "step {i}: the schedule runs {}",
                Self::describe(ctl, t)
            ));
        }
        if let Ok(r) = self.schedule.runs.binary_search_by(|&(start, len, _)| {
            if start + len - 1 < i {
                std::cmp::Ordering::Less
            } else if start > i {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            let (start, len, check) = self.schedule.runs[r];
            if start + len - 1 == i {
                let found = run_check(ctl.choices()[start..=i].iter().map(|c| c.hash));
                if found != check {
                    let name = ctl.exec().threads[t].name.clone();
                    return Decision::Diverged(format!(
                        "steps {start}..={i} ({name}) performed other operations than recorded \
                         (run check `{}` expected, `{}` found): the program is not the one the \
                         schedule was printed for",
                        check as char, found as char
                    ));
                }
            }
        }
        Decision::Ran
    }

    fn end_execution(&mut self, _: &Exec, choices: &[Choice], end: &End) {
        if matches!(end, End::Diverged(_) | End::Abort(_) | End::OutOfTime) {
            return;
        }
        let n = self.schedule.steps.len();
        if choices.len() < n {
            self.late_divergence = Some(format!(
                "the program ended after {} steps; the schedule has {n}",
                choices.len()
            ));
        } else if checksum(choices.iter().map(|c| c.hash)) != self.schedule.checksum {
            self.late_divergence = Some(
                "the operations differ from the recorded ones (checksum mismatch)".to_string(),
            );
        }
    }

    fn complete(&self) -> bool {
        false
    }

    fn limited_by(&self) -> Option<String> {
        Some("replay of one schedule".to_string())
    }

    fn divergence(&self) -> Option<String> {
        self.late_divergence.clone()
    }
}
