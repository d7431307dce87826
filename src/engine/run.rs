//! Running one execution: thread coroutines on pooled stacks, one deterministic scheduler.
//!
//! Invariants: the scheduler resumes one coroutine at a time and holds no borrow of the
//! [`Exec`] while it runs; a coroutine that is suspended when the execution ends is never
//! resumed again: it is reset without unwinding (its stack objects are leaked, see
//! `docs/engine.md`) and its stack goes back to the pool.

use super::exec::{
    bit, current_exec, op_hash, Abort, Body, Exec, Input, Installed, OpKind, PanicAt, TSet, Yield,
    NO_OBJ,
};
use super::native::panic_message;
use crate::rt::PanicPayload;
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

type Coro = Coroutine<Input, Yield, Result<(), PanicPayload>, DefaultStack>;

/// Stack size of a thread: address space is reserved, memory is committed on use.
const STACK_SIZE: usize = 4 << 20;

/// How an execution ended, before failures are turned into reports.
#[derive(Debug)]
pub(crate) enum End {
    /// Main and every non-daemon thread finished.
    Complete,
    /// The strategy abandoned it (sleep-set blocked, or a bounded branch that was not enabled).
    Pruned,
    /// An uncaught panic, or a thread's panic that no `join` returned to the program.
    Panic {
        thread: usize,
        message: String,
        location: Option<String>,
        /// How many events the execution had when the panic happened.
        at: Option<u32>,
    },
    /// Every live thread is blocked.
    Deadlock { waits: Vec<String> },
    /// Stopped at [`Runner::cut_after`] steps: it cannot be shorter than the failure in hand.
    Cut,
    /// The step bound was hit.
    StepBound,
    /// The search must restart or stop (see [`Abort`]).
    Abort(Abort),
    /// The program did not follow the schedule.
    Diverged(String),
    /// The time budget ran out in the middle of the execution.
    OutOfTime,
}

/// What the strategy decided at one scheduling point.
pub(crate) enum Decision {
    /// A thread performed a step (through [`Ctl::try_run`]).
    Ran,
    /// No thread could run: every candidate is blocked.
    NoneRunnable,
    /// Abandon this execution.
    Prune,
    /// The program diverged from what the strategy expected.
    Diverged(String),
}

/// The result of attempting a thread's pending operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The step was performed.
    Ran,
    /// The thread is blocked; nothing changed.
    Blocked,
}

/// One search strategy.
pub(crate) trait Strategy {
    /// Prepares the next execution; `false` when the search is over.
    fn next_execution(&mut self) -> bool;
    /// Chooses and runs the next step.
    fn schedule(&mut self, ctl: &mut Ctl<'_>) -> Decision;
    /// Called after every execution with its steps and its end.
    fn end_execution(&mut self, exec: &Exec, choices: &[Choice], end: &End);
    /// Whether the search was complete when `next_execution` returned false.
    fn complete(&self) -> bool;
    /// Why the search is not exhaustive, when it is not.
    fn limited_by(&self) -> Option<String>;
    /// Whether the strategy needs vector clocks and races.
    fn needs_clocks(&self) -> bool {
        false
    }
    /// Explore no execution with more than `preemptions` preemptions from now on (the search
    /// for a shorter failure after the first one). Only the bounded strategy has a bound.
    fn limit_preemptions(&mut self, _preemptions: u32) {}
    /// How many first steps of the next execution repeat the previous execution's (the
    /// strategy replays them): their vector clocks are copied, and their races are not recorded
    /// again (the strategy knows them from the earlier executions).
    fn replayed_prefix(&self) -> u32 {
        0
    }
    /// Strategy-specific statistics, for `THREADCHECK_ENGINE_STATS`.
    fn stats(&self) -> String {
        String::new()
    }
    /// Why a replay diverged from its schedule, when that is only known after the run.
    fn divergence(&self) -> Option<String> {
        None
    }
    /// Whether the strategy compares states (the execution then keeps their fingerprints).
    fn stateful(&self) -> bool {
        false
    }
    /// The number of distinct states the strategy stored, if it stores any.
    fn states(&self) -> Option<u64> {
        None
    }
}

thread_local! {
    static SILENT: Cell<u32> = const { Cell::new(0) };
    static PANIC_SITE: RefCell<Option<PanicAt>> = const { RefCell::new(None) };
}

/// Silences the default panic message for panics inside a checked execution (a program's are
/// reported with the failure instead) and remembers where they happened. A panic of the engine
/// itself is silenced too, but not lost: [`check`](super::check) prints it with its site
/// ([`report_engine_panic`]) before it reaches the caller.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if SILENT.with(|s| s.get()) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                // The execution may be borrowed by the code that panicked: then the position
                // in the trace is unknown (the panic is shown last).
                let (at, attempted) = current_exec()
                    .and_then(|cell| cell.try_borrow().ok())
                    .map(|e| (Some(e.events.len() as u32), e.threads[e.current].pending))
                    .unwrap_or((None, None));
                let site = PanicAt {
                    location,
                    at,
                    attempted,
                };
                PANIC_SITE.with(|p| *p.borrow_mut() = Some(site));
            } else {
                previous(info);
            }
        }));
    });
}

/// Where the last panic of a checked thread happened (taken: each panic is reported once).
pub(crate) fn take_panic_at() -> Option<PanicAt> {
    PANIC_SITE.with(|p| p.borrow_mut().take())
}

/// Prints a panic of the engine itself (the hook silenced it while the execution ran), so that
/// it never ends a process without a word.
pub(crate) fn report_engine_panic(payload: &PanicPayload) {
    let site = take_panic_at()
        .and_then(|s| s.location)
        .unwrap_or_else(|| "an unknown place".to_string());
    eprintln!(
        "threadcheck: internal error: the engine panicked at {site}: {}",
        panic_message(payload)
    );
}

struct Silence;
impl Silence {
    fn new() -> Silence {
        SILENT.with(|s| s.set(s.get() + 1));
        Silence
    }
}
impl Drop for Silence {
    fn drop(&mut self) {
        SILENT.with(|s| s.set(s.get() - 1));
    }
}

/// What a runner shows the watchdog ([`Watch`]): which thread's coroutine runs, since which
/// resume, and the step it was resumed for. Written with relaxed stores at every resume (read
/// only after a stall, when nothing moves).
#[derive(Default)]
pub(crate) struct Heartbeat {
    resumes: AtomicU64,
    running: AtomicBool,
    thread: AtomicUsize,
    action: AtomicPtr<u8>,
    action_len: AtomicUsize,
    site: AtomicPtr<Location<'static>>,
    /// The running thread's name (owned by the execution, which does not change while the
    /// thread is stalled).
    name: AtomicPtr<u8>,
    name_len: AtomicUsize,
}

impl Heartbeat {
    /// Thread `t`, named `name`, is resumed for its pending operation `op` (none when it
    /// starts).
    fn resumed(
        &self,
        t: usize,
        name: &str,
        op: Option<(&'static str, &'static Location<'static>)>,
    ) {
        self.resumes.fetch_add(1, Ordering::Relaxed);
        self.thread.store(t, Ordering::Relaxed);
        self.name.store(name.as_ptr().cast_mut(), Ordering::Relaxed);
        self.name_len.store(name.len(), Ordering::Relaxed);
        let (action, site) = match op {
            Some((action, site)) => (action, site as *const Location<'static>),
            None => ("", std::ptr::null()),
        };
        self.action
            .store(action.as_ptr().cast_mut(), Ordering::Relaxed);
        self.action_len.store(action.len(), Ordering::Relaxed);
        self.site.store(site.cast_mut(), Ordering::Relaxed);
        self.running.store(true, Ordering::Relaxed);
    }

    /// What the stalled thread was doing, for [`EngineError::Stalled`](super::EngineError).
    fn describe(&self, stall: Duration) -> String {
        let t = self.thread.load(Ordering::Relaxed);
        let name = self.name.load(Ordering::Relaxed);
        let name = if name.is_null() {
            format!("thread #{t}")
        } else {
            // SAFETY: stored with its length from the thread's name, which the execution owns
            // and keeps while the thread is stalled (nothing has moved since).
            unsafe {
                let bytes = std::slice::from_raw_parts(name, self.name_len.load(Ordering::Relaxed));
                String::from_utf8_lossy(bytes).into_owned()
            }
        };
        let site = self.site.load(Ordering::Relaxed);
        let len = self.action_len.load(Ordering::Relaxed);
        let ptr = self.action.load(Ordering::Relaxed);
        // SAFETY: both were stored together from a `&'static str` and a `&'static Location`
        // (or null) at the last resume, and nothing has moved since (the thread is stalled).
        let last = unsafe {
            match site.as_ref() {
                Some(site) => {
                    let action =
                        std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len));
                    format!(
                        "after its step '{action}' at {}:{}",
                        site.file(),
                        site.line()
                    )
                }
                None => "after it started".to_string(),
            }
        };
        format!(
            "{name} ran for {stall:?} {last} without reaching its next visible operation: it is \
             probably blocked in code threadcheck cannot see (a std::sync::Mutex or another \
             real lock held across a visible step, a channel, I/O, a real sleep) or loops \
             without a visible operation. Every thread of a checked execution runs on one OS \
             thread: use the Native runtime's primitives inside a check (Budget::max_stall)"
        )
    }
}

/// The watchdog's view of a search: the heartbeats of its runners (one per worker).
#[derive(Default)]
pub(crate) struct Watch {
    beats: Mutex<Vec<Arc<Heartbeat>>>,
    /// Per heartbeat: the resume count last seen and when it was first seen.
    seen: Mutex<Vec<(u64, Instant)>>,
}

impl Watch {
    /// A heartbeat for a new runner.
    pub(crate) fn heartbeat(&self) -> Arc<Heartbeat> {
        let beat = Arc::new(Heartbeat::default());
        self.beats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(beat.clone());
        beat
    }

    /// The description of a thread that has run for `stall` without reaching a visible
    /// operation, if one has.
    pub(crate) fn stalled(&self, stall: Duration) -> Option<String> {
        let beats = self.beats.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        seen.resize(beats.len(), (u64::MAX, now));
        for (beat, (count, since)) in beats.iter().zip(seen.iter_mut()) {
            let resumes = beat.resumes.load(Ordering::Relaxed);
            if resumes != *count || !beat.running.load(Ordering::Relaxed) {
                *count = resumes;
                *since = now;
            } else if now.duration_since(*since) >= stall {
                return Some(beat.describe(stall));
            }
        }
        None
    }
}

/// Runs executions of one program.
pub(crate) struct Runner {
    pub exec: Box<RefCell<Exec>>,
    coros: Vec<Option<Coro>>,
    pool: Vec<DefaultStack>,
    main: Arc<dyn Fn() + Send + Sync>,
    pub max_steps: u64,
    /// Stop an execution that has run this many steps and goes on (shortest-failure search).
    pub cut_after: Option<u64>,
    /// Steps to follow daemon threads after the program's end (strategies that learn from
    /// races only; see [`Budget::steps_after_end`](super::Budget::steps_after_end)).
    pub steps_after_end: u64,
    /// The program has ended and only daemon threads are running.
    after_end: bool,
    /// The last execution stopped a daemon thread that could still run.
    pub daemons_cut: bool,
    /// The search goes on past failures ([`Config::explore_all`](super::Config)): a failing
    /// execution's races must be seen as a complete one's are, including those of the
    /// operations its other threads still had pending, and of those they would do next.
    pub explore_all: bool,
    /// The strategy learns from races: threads are followed past the program's end.
    follow_after_end: bool,
    /// The execution's failure, while the other threads are followed past it for their races.
    failed: Option<End>,
    /// How many steps the execution had when it failed (the steps after it were only followed
    /// for their races: a schedule that reproduces the failure stops there).
    failed_steps: Option<usize>,
    /// Checked every 4096 steps.
    pub deadline: Option<std::time::Instant>,
    /// Shown to the watchdog, if there is one.
    pub heartbeat: Option<Arc<Heartbeat>>,
    end: Option<End>,
    /// The thread that ran the last step.
    prev: Option<usize>,
    /// Every step of the execution, in order.
    pub choices: Vec<Choice>,
}

/// One step of an execution, as a schedule records it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Choice {
    pub thread: u8,
    /// Checksum of the operation (thread, object, action).
    pub hash: u32,
    pub preemption: bool,
}

impl Runner {
    pub(crate) fn new(main: Arc<dyn Fn() + Send + Sync>, exec: Exec, max_steps: u64) -> Runner {
        install_panic_hook();
        Runner {
            exec: Box::new(RefCell::new(exec)),
            coros: Vec::new(),
            pool: Vec::new(),
            main,
            max_steps,
            cut_after: None,
            steps_after_end: 0,
            after_end: false,
            daemons_cut: false,
            explore_all: false,
            follow_after_end: false,
            failed: None,
            failed_steps: None,
            deadline: None,
            heartbeat: None,
            end: None,
            prev: None,
            choices: Vec::new(),
        }
    }

    fn stack(&mut self) -> DefaultStack {
        self.pool.pop().unwrap_or_else(|| {
            DefaultStack::new(STACK_SIZE).expect("threadcheck: cannot allocate a thread stack")
        })
    }

    fn make_coro(&mut self, body: Body) -> Coro {
        let stack = self.stack();
        Coroutine::with_stack(stack, move |y: &Yielder<Input, Yield>, _: Input| {
            super::exec::with_exec(|e| {
                let t = e.current;
                e.threads[t].yielder = y as *const _;
            });
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        })
    }

    /// Resumes thread `t` and handles what it reports.
    fn resume(&mut self, t: usize, input: Input) -> Option<Yield> {
        if let Some(beat) = &self.heartbeat {
            let e = self.exec.borrow();
            let th = &e.threads[t];
            let op = match input {
                Input::Start | Input::Teardown => None,
                Input::Attempt => th.pending.map(|op| (op.action, op.site)),
            };
            beat.resumed(t, &th.name, op);
        }
        self.exec.borrow_mut().current = t;
        let coro = self.coros[t].as_mut().expect("a live coroutine");
        let result = coro.resume(input);
        if let Some(beat) = &self.heartbeat {
            beat.running.store(false, Ordering::Relaxed);
        }
        match result {
            CoroutineResult::Yield(y) => {
                if let Yield::Abort = y {
                    let reason = self.exec.borrow_mut().abort.take();
                    let reason = reason.expect("an abort reason");
                    let end = match reason {
                        // A daemon starting threads after the end: follow it no further.
                        Abort::TooManyThreads(_) if self.after_end => {
                            self.daemons_cut = true;
                            End::Complete
                        }
                        reason => End::Abort(reason),
                    };
                    self.end.get_or_insert(end);
                }
                Some(y)
            }
            CoroutineResult::Return(result) => {
                let coro = self.coros[t].take().expect("a live coroutine");
                self.pool.push(coro.into_stack());
                let mut e = self.exec.borrow_mut();
                e.thread_ended(t);
                if let Err(payload) = result {
                    let site = take_panic_at().unwrap_or_default();
                    if self.after_end {
                        // Not a failure after the end, but it may be one before it (see
                        // `Exec::add_pending_events`).
                        e.panics_after_end.push((t, site.attempted));
                        drop(e);
                        std::mem::forget(payload);
                        return None;
                    }
                    let mut message = panic_message(&payload);
                    if let Some((who, first)) = &e.first_caught {
                        message = format!("{message} (earlier, {who} panicked: {first})");
                    }
                    drop(e);
                    // The payload may own Native objects: leak it rather than drop it here.
                    std::mem::forget(payload);
                    let failure = End::Panic {
                        thread: t,
                        message,
                        location: site.location,
                        at: site.at,
                    };
                    if self.explore_all && self.follow_after_end && self.end.is_none() {
                        // The program is over, but what the other threads would have done
                        // next may race with what ran before the panic (a reversal of such a
                        // race avoids it): follow them as daemons after the end, then fail.
                        self.failed.get_or_insert(failure);
                        self.failed_steps.get_or_insert(self.choices.len());
                        self.after_end = true;
                        self.exec.borrow_mut().after_end = true;
                    } else {
                        self.end.get_or_insert(failure);
                    }
                }
                None
            }
        }
    }

    /// Starts threads created by the last step, running each to its first operation.
    fn start_new_threads(&mut self) {
        loop {
            let next = {
                let mut e = self.exec.borrow_mut();
                if e.new_threads.is_empty() {
                    None
                } else {
                    Some(e.new_threads.remove(0))
                }
            };
            let Some((id, body)) = next else { break };
            let coro = self.make_coro(body);
            if self.coros.len() <= id {
                self.coros.resize_with(id + 1, || None);
            }
            self.coros[id] = Some(coro);
            self.exec.borrow_mut().threads[id].started = true;
            self.resume(id, Input::Start);
            if self.end.is_some() {
                break;
            }
        }
    }

    /// Ends every coroutine still suspended, recycling the stacks. With `unwind` (inside an
    /// execution, after the strategy has seen it), each is first resumed to unwind its stack
    /// under the teardown's rules ([`Exec::teardown`]), so that what the thread holds is
    /// dropped; one that cannot finish that way (it would wait, or its destructors go on too
    /// long) is reset where it stopped, leaking what it still holds.
    fn reclaim(&mut self, unwind: bool) {
        if unwind {
            self.exec.borrow_mut().teardown = true;
            for t in 0..self.coros.len() {
                let Some(coro) = self.coros[t].as_mut() else {
                    continue;
                };
                {
                    let mut e = self.exec.borrow_mut();
                    e.current = t;
                    e.teardown_ops = 0;
                }
                let result = coro.resume(Input::Teardown);
                if let CoroutineResult::Return(result) = result {
                    // The payload (the teardown's, or a panic of a destructor) may own Native
                    // objects of this execution: leak it rather than drop it here.
                    if let Err(payload) = result {
                        std::mem::forget(payload);
                    }
                    let coro = self.coros[t].take().expect("a live coroutine");
                    self.pool.push(coro.into_stack());
                }
            }
            let mut e = self.exec.borrow_mut();
            // Threads a destructor started are never run.
            e.new_threads.clear();
            e.teardown = false;
        }
        take_panic_at();
        for slot in self.coros.iter_mut() {
            if let Some(mut coro) = slot.take() {
                // SAFETY: the execution is over and nothing will resume this coroutine; the
                // objects on its stack are leaked (never dropped), which is what we want: their
                // destructors could perform visible operations.
                unsafe { coro.force_reset() };
                self.pool.push(coro.into_stack());
            }
        }
        self.coros.clear();
    }

    /// Runs one execution under `strategy`.
    pub(crate) fn run(&mut self, strategy: &mut dyn Strategy) -> End {
        let _silence = Silence::new();
        let _installed = Installed::new(&self.exec);
        {
            let mut e = self.exec.borrow_mut();
            e.track_clocks = strategy.needs_clocks();
            e.stateful = strategy.stateful();
            let replayed = strategy.replayed_prefix();
            let reused = if e.track_clocks { replayed } else { 0 };
            e.reset(reused);
            e.races_from = replayed;
            e.threads[0].started = true;
        }
        self.end = None;
        self.prev = None;
        self.choices.clear();
        self.after_end = false;
        self.daemons_cut = false;
        take_panic_at();
        let follow_daemons = strategy.needs_clocks();
        self.follow_after_end = follow_daemons;
        self.failed = None;
        self.failed_steps = None;
        let mut steps_after_end: u64 = 0;
        let main = self.main.clone();
        let coro = self.make_coro(Box::new(move || main()));
        self.coros.clear();
        self.coros.push(Some(coro));
        self.resume(0, Input::Start);
        let mut steps: u64 = 0;
        let end = loop {
            if self.end.is_some() {
                break self.end.take().expect("an end");
            }
            if !self.after_end && self.finished() {
                if let Some(end) = self.unclaimed_panic() {
                    if !self.explore_all || !follow_daemons || !self.any_live() {
                        break end;
                    }
                    self.failed = Some(end);
                    self.failed_steps = Some(self.choices.len());
                }
                if !follow_daemons || !self.any_live() {
                    break End::Complete;
                }
                self.after_end = true;
                self.exec.borrow_mut().after_end = true;
            }
            if self.after_end {
                if steps_after_end >= self.steps_after_end {
                    self.daemons_cut = true;
                    break End::Complete;
                }
            } else if steps >= self.max_steps {
                break End::StepBound;
            }
            if steps & 4095 == 4095 {
                if let Some(deadline) = self.deadline {
                    if std::time::Instant::now() >= deadline {
                        break End::OutOfTime;
                    }
                }
            }
            let mut ctl = Ctl { runner: self };
            match strategy.schedule(&mut ctl) {
                Decision::Ran => {
                    steps += 1;
                    if self.after_end {
                        steps_after_end += 1;
                    }
                    if self.cut_after.is_some_and(|cut| steps > cut) && self.end.is_none() {
                        break End::Cut;
                    }
                }
                Decision::NoneRunnable => {
                    if self.end.is_some() {
                        continue;
                    }
                    if self.after_end {
                        // Only daemon threads are left, all blocked: the program is over.
                        break End::Complete;
                    }
                    // A thread's panic that nobody joined comes first: it may be the cause.
                    if let Some(end) = self.unclaimed_panic() {
                        break end;
                    }
                    break End::Deadlock {
                        waits: self.deadlock_lines(),
                    };
                }
                Decision::Prune => break End::Pruned,
                Decision::Diverged(msg) => break End::Diverged(msg),
            }
        };
        let end = match (end, self.failed.take()) {
            (End::Complete, Some(failure)) => failure,
            (end, _) => end,
        };
        // A search that learns from races must also see those of the operations that
        // abandoned daemon threads left pending (and, past failures, the other threads).
        let maximal = match end {
            End::Complete => true,
            End::Panic { .. } | End::Deadlock { .. } => self.explore_all,
            _ => false,
        };
        let performed = (strategy.needs_clocks() && maximal).then(|| {
            let mut e = self.exec.borrow_mut();
            let panics = std::mem::take(&mut e.panics_after_end);
            let performed = e.add_pending_events(&panics);
            e.panics_after_end = panics;
            performed
        });
        strategy.end_execution(&self.exec.borrow(), &self.choices, &end);
        if let Some(performed) = performed {
            self.exec.borrow_mut().drop_pending_events(performed);
        }
        self.reclaim(true);
        end
    }

    /// The steps of the last execution up to its failure: the schedule that reproduces it.
    pub(crate) fn failing_choices(&self) -> Vec<Choice> {
        let n = self.failed_steps.unwrap_or(self.choices.len());
        self.choices[..n.min(self.choices.len())].to_vec()
    }

    /// The failure of a thread's panic that no `join` returned to the program, if any.
    fn unclaimed_panic(&self) -> Option<End> {
        let e = self.exec.borrow();
        let c = e.unclaimed_panic()?;
        Some(End::Panic {
            thread: c.thread,
            message: c.message.clone(),
            location: c.location.clone(),
            at: c.at,
        })
    }

    /// Some thread (necessarily a daemon, once the program has ended) is still running.
    fn any_live(&self) -> bool {
        let e = self.exec.borrow();
        e.threads.iter().any(|t| t.started && !t.finished)
    }

    /// Main and every non-daemon thread have finished.
    fn finished(&self) -> bool {
        let e = self.exec.borrow();
        e.threads[0].finished && e.threads.iter().all(|t| t.finished || t.daemon)
    }

    fn deadlock_lines(&self) -> Vec<String> {
        let e = self.exec.borrow();
        let mut lines = Vec::new();
        for (i, th) in e.threads.iter().enumerate() {
            if th.finished {
                continue;
            }
            let daemon = if th.daemon { " (daemon)" } else { "" };
            let Some(op) = th.pending else {
                lines.push(format!("{}{daemon} is blocked", th.name));
                continue;
            };
            let _ = i;
            let object = e.object_name(op.obj);
            let line = match op.kind {
                OpKind::Acquire { .. } | OpKind::Section => {
                    match e.objects[op.obj as usize].owner {
                        Some(owner) if owner == i => format!(
                            "{}{daemon} waits for {object}, which it already holds",
                            th.name
                        ),
                        Some(owner) => format!(
                            "{}{daemon} waits for {object}, held by {}",
                            th.name, e.threads[owner].name
                        ),
                        None => format!("{}{daemon} waits for {object}", th.name),
                    }
                }
                _ if op.obj == NO_OBJ => format!("{}{daemon} waits ({})", th.name, op.action),
                _ => format!("{}{daemon} waits for {object} ({})", th.name, op.action),
            };
            lines.push(format!("{line} at {}:{}", op.site.file(), op.site.line()));
        }
        lines
    }
}

impl Drop for Runner {
    /// Coroutines still suspended are reset, not unwound: no execution is installed here for
    /// their destructors' visible operations (a panic while the engine itself unwinds would
    /// abort the process).
    fn drop(&mut self) {
        self.reclaim(false);
    }
}

/// The order in which a search tries the threads at a new state, and what it learns there:
/// which threads are blocked, and whether the previous thread could go on (then running
/// another one is a preemption; a blocked attempt of the previous thread clears it).
pub(crate) struct Turns {
    prev: Option<usize>,
    yielded: bool,
    pub(crate) prev_enabled: bool,
    pub(crate) blocked: TSet,
}

impl Turns {
    /// `runnable`: the threads that may run here (candidates and sleeping ones); `blocked`:
    /// those known blocked.
    pub(crate) fn new(ctl: &Ctl<'_>, runnable: TSet, blocked: TSet) -> Turns {
        let prev = ctl.prev();
        let yielded = ctl.prev_yielded();
        Turns {
            prev,
            yielded,
            prev_enabled: prev.is_some_and(|p| !yielded && runnable & bit(p) != 0),
            blocked,
        }
    }

    /// Every thread of `n`: the previous one first (the next one after a yield), then
    /// round-robin.
    #[inline]
    pub(crate) fn order(&self, n: usize) -> impl Iterator<Item = usize> {
        let start = self
            .prev
            .map_or(0, |p| if self.yielded { p + 1 } else { p });
        (0..n).map(move |k| (start + k) % n)
    }

    /// Attempts thread `t`'s operation; a blocked attempt is recorded.
    #[inline]
    pub(crate) fn attempt(&mut self, ctl: &mut Ctl<'_>, t: usize) -> Attempt {
        let preemption = ctl.preempts(t, self.prev_enabled);
        let attempt = ctl.try_run(t, preemption);
        if attempt == Attempt::Blocked {
            self.blocked |= bit(t);
            if Some(t) == self.prev && !self.yielded {
                self.prev_enabled = false;
            }
        }
        attempt
    }
}

/// Daemon threads going on alone while every thread the program waits for sleeps or is
/// blocked ([`Ctl::program_starved`]): the exhaustive searches follow that `limit` steps
/// ([`Budget::steps_after_end`](super::Budget::steps_after_end)), then abandon the execution,
/// and the search is then not exhaustive.
#[derive(Clone, Debug)]
pub(crate) struct Starvation {
    pub(crate) limit: u64,
    /// Consecutive such steps in this execution.
    steps: u64,
    /// Executions abandoned that way.
    abandoned: u64,
}

impl Starvation {
    pub(crate) fn new() -> Starvation {
        Starvation {
            limit: super::Budget::default().steps_after_end,
            steps: 0,
            abandoned: 0,
        }
    }

    /// A new execution starts.
    pub(crate) fn restart(&mut self) {
        self.steps = 0;
    }

    /// One more state, where the program is `stuck` or not: `true` when the execution is to be
    /// abandoned.
    pub(crate) fn abandon(&mut self, stuck: bool) -> bool {
        if !stuck {
            self.steps = 0;
            return false;
        }
        self.steps += 1;
        if self.steps > self.limit {
            self.abandoned += 1;
            return true;
        }
        false
    }

    /// No execution was abandoned.
    pub(crate) fn none(&self) -> bool {
        self.abandoned == 0
    }

    /// Why the search is not exhaustive, if it abandoned executions.
    pub(crate) fn limited_by(&self) -> Option<String> {
        (self.abandoned > 0).then(|| {
            format!(
                "{} executions were abandoned after daemon threads ran {} steps while every \
                 thread the program waits for was asleep or blocked (Budget::steps_after_end)",
                self.abandoned, self.limit
            )
        })
    }
}

/// What a strategy sees and does at one scheduling point.
pub(crate) struct Ctl<'a> {
    runner: &'a mut Runner,
}

impl Ctl<'_> {
    /// The execution's state (do not hold across [`Ctl::try_run`]).
    pub(crate) fn exec(&self) -> std::cell::Ref<'_, Exec> {
        self.runner.exec.borrow()
    }

    /// Steps performed so far.
    pub(crate) fn step(&self) -> usize {
        self.runner.choices.len()
    }

    /// The steps performed so far.
    pub(crate) fn choices(&self) -> &[Choice] {
        &self.runner.choices
    }

    /// The thread that performed the last step.
    pub(crate) fn prev(&self) -> Option<usize> {
        self.runner.prev
    }

    /// Threads that may be able to run: started, not finished, not known to be blocked.
    pub(crate) fn candidates(&self) -> TSet {
        let e = self.runner.exec.borrow();
        let mut set = 0;
        for (t, th) in e.threads.iter().enumerate() {
            if th.started && !th.finished && th.pending.is_some() && !e.known_blocked(t) {
                set |= bit(t);
            }
        }
        set
    }

    /// Threads that are started and not finished.
    pub(crate) fn live(&self) -> TSet {
        let e = self.runner.exec.borrow();
        let mut set = 0;
        for (t, th) in e.threads.iter().enumerate() {
            if th.started && !th.finished {
                set |= bit(t);
            }
        }
        set
    }

    /// Whether the previous thread's last step was a yield.
    pub(crate) fn prev_yielded(&self) -> bool {
        match self.runner.prev {
            Some(p) => self.runner.exec.borrow().threads[p].yielded,
            None => false,
        }
    }

    /// Records that the threads in `set` are blocked now (known from an earlier run of the same
    /// prefix: the program is deterministic).
    pub(crate) fn mark_blocked(&mut self, set: TSet) {
        if set == 0 {
            return;
        }
        let mut e = self.runner.exec.borrow_mut();
        for t in super::exec::members(set) {
            let Some(op) = e.threads.get(t).and_then(|th| th.pending) else {
                continue;
            };
            if op.obj != NO_OBJ {
                let version = e.objects[op.obj as usize].version;
                e.threads[t].blocked_at = Some(version);
            }
        }
    }

    /// Whether running thread `t` now is a preemption, when the previous thread could go on
    /// (`prev_enabled`, as a search recorded it for this state).
    #[inline]
    pub(crate) fn preempts(&self, t: usize, prev_enabled: bool) -> bool {
        self.prev().is_some_and(|p| p != t) && prev_enabled
    }

    /// Follows a node of a search's recorded prefix: the threads known blocked there, then
    /// the thread that ran there (see [`Ctl::replay`]).
    pub(crate) fn follow(
        &mut self,
        chosen: usize,
        prev_enabled: bool,
        blocked: TSet,
        hash: u32,
    ) -> Decision {
        let preemption = self.preempts(chosen, prev_enabled);
        self.mark_blocked(blocked);
        self.replay(chosen, preemption, hash)
    }

    /// Runs the step a previous execution ran here (thread `t`, whose operation had checksum
    /// `hash`), as a strategy's replayed prefix does; a program that does something else is
    /// not deterministic, and the run says so.
    pub(crate) fn replay(&mut self, t: usize, preemption: bool, hash: u32) -> Decision {
        let i = self.step();
        if self.try_run(t, preemption) == Attempt::Blocked
            || self.choices().last().map(|c| c.hash) != Some(hash)
        {
            return Decision::Diverged(format!(
                "the program is not deterministic: re-running it with the same schedule, step \
                 {i} did something else (does it depend on time, randomness, HashMap order, or \
                 state kept between executions?)"
            ));
        }
        Decision::Ran
    }

    /// Of the threads `asleep` before the last step, those still asleep after it: the ones
    /// whose pending operation is independent of that step's (sleep sets).
    pub(crate) fn still_asleep(&self, asleep: TSet) -> TSet {
        let exec = self.exec();
        let Some(ev) = exec.events.last() else {
            return asleep;
        };
        let mut sleep = 0;
        for q in super::exec::members(asleep) {
            let Some(op) = exec.threads[q].pending else {
                continue;
            };
            let dep = ev.obj != NO_OBJ
                && ev.obj == op.obj
                && !super::exec::Class::independent(ev.class, op.class);
            if !dep {
                sleep |= bit(q);
            }
        }
        sleep
    }

    /// Only daemon threads can go on while every live thread the program waits for sleeps
    /// (some does) or is blocked: a daemon loop that never touches what wakes them would run
    /// forever. The exhaustive searches follow it `Budget::steps_after_end` steps, then
    /// abandon the execution and say so.
    pub(crate) fn program_starved(&self, sleep: TSet, cands: TSet, live: TSet) -> bool {
        if sleep == 0 {
            return false;
        }
        let exec = self.exec();
        let mut program_live: TSet = 0;
        for (t, th) in exec.threads.iter().enumerate() {
            if th.started && !th.finished && !th.daemon {
                program_live |= bit(t);
            }
        }
        program_live != 0
            && program_live & sleep != 0
            && program_live & !(sleep | (live & !cands)) == 0
    }

    /// Attempts thread `t`'s pending operation; `preemption` marks the step in the trace.
    pub(crate) fn try_run(&mut self, t: usize, preemption: bool) -> Attempt {
        let hash = {
            let mut e = self.runner.exec.borrow_mut();
            // A thread a recorded schedule names may not exist (or be done) in this execution
            // if the program is not deterministic: it cannot run (a replay then says so).
            let Some(op) = e.threads.get(t).and_then(|th| th.pending) else {
                return Attempt::Blocked;
            };
            if !e.threads[t].started || e.known_blocked(t) {
                return Attempt::Blocked;
            }
            e.preempting = preemption;
            op_hash(t, op.obj, op.action)
        };
        let y = self.runner.resume(t, Input::Attempt);
        match y {
            Some(Yield::Blocked) => {
                let mut e = self.runner.exec.borrow_mut();
                let obj = e.threads[t].pending.map(|op| op.obj).unwrap_or(NO_OBJ);
                let version = if obj == NO_OBJ {
                    0
                } else {
                    e.objects[obj as usize].version
                };
                e.threads[t].blocked_at = Some(version);
                Attempt::Blocked
            }
            _ => {
                self.runner.prev = Some(t);
                self.runner.choices.push(Choice {
                    thread: t as u8,
                    hash,
                    preemption,
                });
                self.runner.start_new_threads();
                Attempt::Ran
            }
        }
    }
}
