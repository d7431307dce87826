//! The state of one execution, shared by the scheduler and the coroutines that run the threads.
//!
//! Invariants: exactly one side runs at a time (the scheduler, or the one coroutine it resumed),
//! all on one OS thread; each side borrows the [`Exec`] only between two context switches. An
//! event is committed by the coroutine that performed the operation, right after its guarded
//! step succeeded, so that [`note`](crate::rt::Runtime::note) can attach to it.

use super::api::Reductions;
use crate::rt::{ObjectMeta, Settle, ThreadSpec};
use corosensei::Yielder;
use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Threads per execution: the main thread and 64 spawned threads.
pub(crate) const MAX_THREADS: usize = 65;
/// A set of threads of one execution.
pub(crate) type TSet = u128;
/// "No object" (yield, spawn).
pub(crate) const NO_OBJ: u32 = u32::MAX;
/// "No event".
pub(crate) const NO_EVENT: u32 = u32::MAX;

pub(crate) fn bit(t: usize) -> TSet {
    1u128 << t
}

/// Iterates over the members of a thread set, lowest first.
pub(crate) fn members(mut set: TSet) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if set == 0 {
            None
        } else {
            let t = set.trailing_zeros() as usize;
            set &= set - 1;
            Some(t)
        }
    })
}

/// What the scheduler asks a suspended thread to do.
pub(crate) enum Input {
    /// Run from the start to the first visible operation.
    Start,
    /// Attempt the pending operation.
    Attempt,
    /// The execution is over: unwind the stack, dropping what the thread holds (see
    /// [`Exec::teardown`]).
    Teardown,
}

/// Why a thread gave control back to the scheduler.
#[derive(Debug)]
pub(crate) enum Yield {
    /// It reached its next visible operation (after performing the previous one, if asked to).
    Pending,
    /// Its pending operation cannot proceed; nothing changed.
    Blocked,
    /// The execution must be abandoned (see [`Abort`]).
    Abort,
}

/// Why an execution was abandoned.
#[derive(Clone, Debug)]
pub(crate) enum Abort {
    /// A section classified as commuting performed a visible operation or read the thread's
    /// identity: its closure type is demoted and the search restarts.
    Demote(TypeId),
    /// A thread beyond the limit was spawned.
    TooManyThreads(usize),
    /// The program used something the checker cannot see (the message says what).
    Refused(String),
}

/// What distinguishes commuting operations: the action of a monitor operation, or the closure
/// type of a lock section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    Action(&'static str),
    Section(TypeId),
}

/// How an operation touches its object, after the configured reductions were applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Read,
    Write,
    Commute(Key),
}

impl Class {
    /// Two operations on the same object commute: both read, or both are the same commuting
    /// operation.
    pub(crate) fn independent(a: Class, b: Class) -> bool {
        match (a, b) {
            (Class::Read, Class::Read) => true,
            (Class::Commute(x), Class::Commute(y)) => x == y,
            _ => false,
        }
    }
}

/// What kind of step an operation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// A monitor operation; `blocking` when it waits forever for its condition.
    Monitor { blocking: bool },
    /// A lock acquisition; `blocking` when it waits forever.
    Acquire { blocking: bool },
    /// A lock release.
    Release,
    /// A `Lock::with` section taken as one step.
    Section,
    /// `yield_now` or `sleep`.
    Yield,
    /// Starting a thread.
    Spawn,
}

/// A thread's next visible operation, as the scheduler sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpDesc {
    pub obj: u32,
    pub class: Class,
    pub action: &'static str,
    pub site: &'static Location<'static>,
    pub kind: OpKind,
    pub settle: Settle,
}

/// Two operations are dependent iff they touch the same object and do not commute.
pub(crate) fn dependent(a: &OpDesc, b: &OpDesc) -> bool {
    a.obj != NO_OBJ && a.obj == b.obj && !Class::independent(a.class, b.class)
}

/// A `Lock::with` section in progress.
pub(crate) struct OpenSection {
    pub obj: u32,
    pub event: u32,
    /// No visible operation happened inside (yet).
    pub clean: bool,
    /// The section was scheduled as a commuting step of this closure type.
    pub commuting: Option<TypeId>,
}

pub(crate) type Body = Box<dyn FnOnce() + Send + 'static>;

/// A thread's panic caught for its `join` ([`Runtime::thread_panicked`](crate::rt::Runtime)).
pub(crate) struct Caught {
    pub thread: usize,
    pub message: String,
    /// Where the thread panicked, as `file:line`.
    pub location: Option<String>,
    /// How many events the execution had when the panic happened (where the trace shows it).
    pub at: Option<u32>,
    /// The payload's address: a `join` that returns the same payload claims it.
    pub payload: usize,
    /// A `join` returned it to the program.
    pub claimed: bool,
}

/// Where a panic happened, as the panic hook saw it.
#[derive(Clone, Debug, Default)]
pub(crate) struct PanicAt {
    /// `file:line`.
    pub location: Option<String>,
    /// How many events the execution had then.
    pub at: Option<u32>,
    /// The operation the thread was attempting, if the panic came before it took effect.
    pub attempted: Option<OpDesc>,
}

/// One thread of the execution.
pub(crate) struct Th {
    pub name: Arc<str>,
    pub daemon: bool,
    pub started: bool,
    pub finished: bool,
    pub pending: Option<OpDesc>,
    /// The version of the pending operation's object when its attempt last failed.
    pub blocked_at: Option<u64>,
    /// The last step was a yield or sleep.
    pub yielded: bool,
    pub slot: Option<Arc<dyn Any + Send + Sync>>,
    pub yielder: *const Yielder<Input, Yield>,
    pub sections: Vec<OpenSection>,
    /// Events performed so far.
    pub local: u32,
    pub clock: Vec<u32>,
    pub last_event: u32,
    /// The event that spawned the thread.
    pub spawn_event: u32,
    /// The thread to start, while a spawn is pending.
    pub spawn: Option<(ThreadSpec, Body)>,
    /// The thread is inside its start step ([`Runtime::start_thread`](crate::rt::Runtime)):
    /// the spawn it makes there is that step's.
    pub starting: bool,
}

/// State caching: what fixes a thread's local state (its creation, then what each of its steps
/// did and learnt), and its share of [`Exec::state_sum`]. Kept apart from [`Th`] so that the
/// searches that do not compare states do not carry it.
#[derive(Clone, Copy, Default)]
struct ThreadState {
    history: u128,
    share: u128,
    /// Objects the thread created so far (an object is named by its creator's history and
    /// this count).
    made: u32,
}

/// State caching: an object's name (its creator's history when it was created), a value that
/// fixes its state (see [`Exec::set_object_state`] and [`Exec::derive_object_state`]), and its
/// share of [`Exec::state_sum`].
#[derive(Clone, Copy, Default)]
struct ObjectState {
    ident: u128,
    value: u128,
    share: u128,
}

impl Th {
    fn new(name: Arc<str>, daemon: bool, clock: Vec<u32>) -> Th {
        Th {
            name,
            daemon,
            started: false,
            finished: false,
            pending: None,
            blocked_at: None,
            yielded: false,
            slot: None,
            yielder: std::ptr::null(),
            sections: Vec::new(),
            local: 0,
            clock,
            last_event: NO_EVENT,
            spawn_event: NO_EVENT,
            spawn: None,
            starting: false,
        }
    }
}

impl Th {
    /// The thread's last event, or its spawn event before its first one.
    fn previous_event(&self) -> u32 {
        if self.last_event == NO_EVENT {
            self.spawn_event
        } else {
            self.last_event
        }
    }
}

/// The last access of one thread to an object with one class of operation.
#[derive(Clone, Copy)]
struct AccessRec {
    thread: u8,
    class: Class,
    event: u32,
}

/// One object (monitor or lock) of the execution.
pub(crate) struct Obj {
    pub meta: ObjectMeta,
    /// Incremented by every step that may change the state.
    pub version: u64,
    /// The lock's holder.
    pub owner: Option<usize>,
    accesses: Vec<AccessRec>,
    /// Every event on the object, in order (when clocks are tracked).
    pub events: Vec<u32>,
}

/// One executed visible operation.
#[derive(Clone, Copy)]
pub(crate) struct Event {
    pub thread: u8,
    pub obj: u32,
    pub class: Class,
    pub action: &'static str,
    pub site: &'static Location<'static>,
    /// 1-based index of the event in its thread.
    pub local: u32,
    /// Offset of the event's vector clock in [`Exec::clocks`] (when clocks are tracked).
    pub clock: u32,
    pub clock_len: u8,
    pub preemption: bool,
    /// The thread's previous event, or its spawn event for its first one.
    pub before: u32,
    /// The operation could have blocked (waited for its condition).
    pub blocking: bool,
    pub settle: Settle,
    /// Not performed: the operation a daemon thread had pending when the execution ended (see
    /// [`Exec::add_pending_events`]).
    pub pending: bool,
}

impl Event {
    /// Thread `t`'s event number `local` performing `op`; `clock` is the offset and length of
    /// its vector clock in [`Exec::clocks`].
    fn new(
        t: usize,
        op: &OpDesc,
        local: u32,
        before: u32,
        clock: (u32, u8),
        preemption: bool,
        pending: bool,
    ) -> Event {
        Event {
            thread: t as u8,
            obj: op.obj,
            class: op.class,
            action: op.action,
            site: op.site,
            local,
            clock: clock.0,
            clock_len: clock.1,
            preemption,
            before,
            blocking: matches!(
                op.kind,
                OpKind::Monitor { blocking: true }
                    | OpKind::Acquire { blocking: true }
                    | OpKind::Section
            ),
            settle: op.settle,
            pending,
        }
    }
}

/// The state of one execution.
pub(crate) struct Exec {
    pub gen: u64,
    pub current: usize,
    pub threads: Vec<Th>,
    pub objects: Vec<Obj>,
    pub events: Vec<Event>,
    pub clocks: Vec<u32>,
    /// Direct races `(e, e')` found while committing (when clocks are tracked).
    pub races: Vec<(u32, u32)>,
    pub track_clocks: bool,
    /// Races are recorded only for events from this index on (the strategy already knows those
    /// of the replayed prefix).
    pub races_from: u32,
    /// Keep notes (trace-building replays only).
    pub recording: bool,
    pub notes: Vec<Option<String>>,
    pub reductions: Reductions,
    /// Closure types that must not be treated as commuting sections.
    pub demoted: Vec<TypeId>,
    pub abort: Option<Abort>,
    /// The first panic caught by the program (`R::catch_unwind`): thread and message.
    pub first_caught: Option<(String, String)>,
    /// Panics of threads' bodies, caught for their `join`: each is a failure of the execution
    /// unless a `join` returned it to the program before the program ended.
    pub caught: Vec<Caught>,
    /// Panics that a `join` returned to the program in this execution.
    pub returned_panics: u64,
    /// The execution is over and the threads still suspended are being unwound, so that what
    /// they hold is freed (`Runner::reclaim`): operations then neither suspend nor record
    /// events, and a thread that would have to wait is abandoned where it is.
    pub teardown: bool,
    /// Operations performed by the thread being unwound (a bound against destructors that
    /// never finish).
    pub teardown_ops: u32,
    /// The program has ended; only daemon threads run (the exhaustive search follows them).
    pub after_end: bool,
    /// Daemon threads that panicked after the end, with the operation they were attempting if
    /// the panic came before it took effect (see [`Exec::add_pending_events`]).
    pub panics_after_end: Vec<(usize, Option<OpDesc>)>,
    /// Threads created by the last step, to be started by the scheduler.
    pub new_threads: Vec<(usize, Body)>,
    /// Whether the step being attempted is a preemption (set by the scheduler).
    pub preempting: bool,
    /// Emptied vectors of the previous execution's objects and threads, reused so that an
    /// execution allocates (almost) nothing once the first one has run.
    spare_objects: Vec<(Vec<AccessRec>, Vec<u32>)>,
    spare_threads: Vec<(Vec<u32>, Vec<OpenSection>)>,
    /// The previous execution's events and clocks: the first `kept` of them are known to be
    /// repeated by this execution (the strategy replays that prefix), so their vector clocks
    /// are copied instead of computed.
    prev_events: Vec<Event>,
    prev_clocks: Vec<u32>,
    kept: u32,
    main_name: Arc<str>,
    /// The buffer `update_clock` collects dependent accesses in.
    cands: Vec<(u8, u32)>,
    /// The program's thread table as an object: non-daemon spawns change it, waiting for the
    /// non-daemon threads reads it (registered on first use).
    threads_obj: Option<u32>,
    /// State caching (`docs/engine.md`, "State caching"): keep [`Exec::state_sum`], the sum of
    /// every thread's and object's share, so that the state can be compared in O(1).
    pub stateful: bool,
    state_sum: u128,
    /// Indexed like `threads` and `objects`, filled only when `stateful`.
    thread_states: Vec<ThreadState>,
    object_states: Vec<ObjectState>,
    /// What the step being committed let its thread learn, set by the primitive just before
    /// [`Exec::commit`]: nothing beyond what its history fixes (`None`), or a value that fixes
    /// it (the result, or the state the operation saw).
    pub observed: Option<u128>,
}

/// 128-bit mixing of two values (two SplitMix64 finalisers per half): the building block of
/// the state fingerprints, whose collisions are what state caching could get wrong.
pub(crate) fn mix(a: u128, b: u128) -> u128 {
    fn fin(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let (a0, a1) = (a as u64, (a >> 64) as u64);
    let (b0, b1) = (b as u64, (b >> 64) as u64);
    let lo =
        fin(a0 ^ fin(b0 ^ 0x9E37_79B9_7F4A_7C15) ^ fin(b1 ^ 0x632B_E59B_D9B4_E019).rotate_left(17));
    let hi = fin(a1
        ^ fin(b1 ^ 0xD6E8_FEB8_6659_FD93)
        ^ fin(b0 ^ 0xA076_1D64_78BD_642F).rotate_left(29)
        ^ lo);
    ((hi as u128) << 64) | lo as u128
}

/// Tags of the state-caching values, so that different kinds of value never coincide.
const TAG_THREAD: u128 = 1;
const TAG_FINISHED: u128 = 2;
const TAG_OBJECT: u128 = 3;
const TAG_HELD: u128 = 4;
const TAG_FINGERPRINT: u128 = 8;
const TAG_SPAWNED: u128 = 5;
const TAG_STEP: u128 = 6;
const TAG_LEARNT: u128 = 7;

static NEXT_GEN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static CURRENT: Cell<*const RefCell<Exec>> = const { Cell::new(std::ptr::null()) };
}

const OUTSIDE: &str = "threadcheck: a primitive of the `Native` runtime was used outside \
                       `threadcheck::engine::check`; Native objects only work inside a checked \
                       execution (use `rt::Std` for ordinary code)";

/// The execution running on this OS thread, if any.
pub(crate) fn current_exec() -> Option<&'static RefCell<Exec>> {
    let ptr = CURRENT.with(|c| c.get());
    // SAFETY: the pointer is set by `Installed` for exactly as long as the `RefCell<Exec>` it
    // points to is alive (the scheduler owns it and outlives every coroutine run).
    unsafe { ptr.as_ref() }
}

/// Runs `f` on the current execution; panics with a clear message outside one.
pub(crate) fn with_exec<R>(f: impl FnOnce(&mut Exec) -> R) -> R {
    let cell = current_exec().unwrap_or_else(|| panic!("{OUTSIDE}"));
    let mut exec = cell.borrow_mut();
    f(&mut exec)
}

/// Makes an execution current on this OS thread while alive.
pub(crate) struct Installed {
    previous: *const RefCell<Exec>,
}

impl Installed {
    pub(crate) fn new(exec: &RefCell<Exec>) -> Installed {
        let previous = CURRENT.with(|c| c.replace(exec as *const _));
        Installed { previous }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

fn fnv(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const FNV_INIT: u32 = 0x811c_9dc5;

/// The checksum of one operation: action, thread and object (not the source line, so that a
/// schedule survives unrelated edits).
pub(crate) fn op_hash(thread: usize, obj: u32, action: &'static str) -> u32 {
    let h = fnv(action_hash(action), &[thread as u8]);
    fnv(h, &obj.to_le_bytes())
}

/// The checksum of an action name, remembered by address: actions are a handful of static
/// strings, hashed at every step.
fn action_hash(action: &'static str) -> u32 {
    const SLOTS: usize = 64;
    thread_local! {
        static CACHE: [Cell<(usize, usize, u32)>; SLOTS] =
            const { [const { Cell::new((0, 0, 0)) }; SLOTS] };
    }
    let key = (action.as_ptr() as usize, action.len());
    let slot = (key.0 >> 2 ^ key.1) % SLOTS;
    CACHE.with(|cache| {
        let (ptr, len, h) = cache[slot].get();
        if (ptr, len) == key {
            return h;
        }
        let h = fnv(FNV_INIT, action.as_bytes());
        cache[slot].set((key.0, key.1, h));
        h
    })
}

/// Folds an operation checksum into a running checksum.
pub(crate) fn fold_hash(acc: u32, op: u32) -> u32 {
    fnv(acc, &op.to_le_bytes())
}

pub(crate) const HASH_INIT: u32 = FNV_INIT;

impl Exec {
    pub(crate) fn new(reductions: Reductions) -> Exec {
        Exec {
            gen: 0,
            current: 0,
            threads: Vec::new(),
            objects: Vec::new(),
            events: Vec::new(),
            clocks: Vec::new(),
            races: Vec::new(),
            races_from: 0,
            track_clocks: false,
            recording: false,
            notes: Vec::new(),
            reductions,
            demoted: Vec::new(),
            abort: None,
            first_caught: None,
            caught: Vec::new(),
            returned_panics: 0,
            teardown: false,
            teardown_ops: 0,
            after_end: false,
            panics_after_end: Vec::new(),
            new_threads: Vec::new(),
            preempting: false,
            spare_objects: Vec::new(),
            spare_threads: Vec::new(),
            prev_events: Vec::new(),
            prev_clocks: Vec::new(),
            kept: 0,
            main_name: Arc::from("MainThread"),
            cands: Vec::new(),
            threads_obj: None,
            stateful: false,
            state_sum: 0,
            thread_states: Vec::new(),
            object_states: Vec::new(),
            observed: None,
        }
    }

    /// A new thread, with the vectors of a previous execution's thread if any.
    fn new_thread(&mut self, name: Arc<str>, daemon: bool, parent_clock: &[u32]) -> Th {
        let (mut clock, sections) = self.spare_threads.pop().unwrap_or_default();
        clock.extend_from_slice(parent_clock);
        let mut th = Th::new(name, daemon, clock);
        th.sections = sections;
        th
    }

    /// Clears everything for a new execution whose main thread is thread 0. The new execution
    /// repeats the first `replayed` steps of the previous one (a strategy's replayed prefix).
    pub(crate) fn reset(&mut self, replayed: u32) {
        self.gen = NEXT_GEN.fetch_add(1, Ordering::Relaxed);
        self.current = 0;
        std::mem::swap(&mut self.events, &mut self.prev_events);
        std::mem::swap(&mut self.clocks, &mut self.prev_clocks);
        self.kept = replayed.min(self.prev_events.len() as u32);
        for mut th in self.threads.drain(..) {
            th.clock.clear();
            th.sections.clear();
            self.spare_threads.push((th.clock, th.sections));
        }
        for mut obj in self.objects.drain(..) {
            obj.accesses.clear();
            obj.events.clear();
            self.spare_objects.push((obj.accesses, obj.events));
        }
        self.events.clear();
        self.clocks.clear();
        self.races.clear();
        self.notes.clear();
        self.abort = None;
        self.first_caught = None;
        self.caught.clear();
        self.returned_panics = 0;
        self.teardown = false;
        self.after_end = false;
        self.panics_after_end.clear();
        self.new_threads.clear();
        self.preempting = false;
        self.threads_obj = None;
        self.state_sum = 0;
        self.thread_states.clear();
        self.object_states.clear();
        self.observed = None;
        let main = self.new_thread(self.main_name.clone(), false, &[0]);
        self.threads.push(main);
        if self.stateful {
            self.set_history(0, mix(TAG_THREAD, 0));
        }
    }

    /// Registers an object; ids follow registration order.
    pub(crate) fn register(&mut self, meta: &ObjectMeta) -> u32 {
        let id = self.objects.len() as u32;
        let (accesses, events) = self.spare_objects.pop().unwrap_or_default();
        self.objects.push(Obj {
            meta: meta.clone(),
            version: 0,
            owner: None,
            accesses,
            events,
        });
        if self.stateful {
            let ident = match self.thread_states.get_mut(self.current) {
                Some(creator) => {
                    creator.made += 1;
                    mix(mix(creator.history, creator.made as u128), TAG_OBJECT)
                }
                None => mix(TAG_OBJECT, id as u128),
            };
            self.object_states.push(ObjectState {
                ident,
                ..ObjectState::default()
            });
            // Its initial state is what its creator made, which the creator's history fixes.
            self.set_object_value(id, mix(TAG_OBJECT, ident));
        }
        id
    }

    /// The thread's history is now `history` (state caching).
    fn set_history(&mut self, t: usize, history: u128) {
        if self.thread_states.len() <= t {
            self.thread_states.resize(t + 1, ThreadState::default());
        }
        let th = &mut self.thread_states[t];
        th.history = history;
        let share = mix(mix(TAG_THREAD, t as u128), history);
        self.state_sum = self.state_sum.wrapping_sub(th.share).wrapping_add(share);
        th.share = share;
    }

    /// Object `obj`'s state now has fingerprint `fingerprint` (from the primitive's own
    /// function: equal states, equal fingerprints, whatever led to them).
    #[inline]
    pub(crate) fn set_object_state(&mut self, obj: u32, fingerprint: u64) {
        if self.stateful {
            self.set_object_value(obj, TAG_FINGERPRINT << 64 | fingerprint as u128);
        }
    }

    /// The current thread changed object `obj`, which has no fingerprint function: its new
    /// state is fixed by the old one and by what the thread did, which the thread's history
    /// (after the step) fixes. Sound for any object; states reached by different orders of
    /// such changes differ.
    #[inline]
    pub(crate) fn derive_object_state(&mut self, obj: u32) {
        if self.stateful {
            let history = self.thread_states[self.current].history;
            let value = mix(self.object_states[obj as usize].value, history);
            self.set_object_value(obj, value);
        }
    }

    /// The lock `obj` is held by the current thread. Its value stays what the thread saw
    /// (a commuting section's thread learns nothing, so its history alone would not fix the
    /// data it leaves); the share says who holds it.
    #[inline]
    pub(crate) fn set_lock_held(&mut self, obj: u32) {
        if self.stateful {
            let held = mix(TAG_HELD, self.current as u128);
            let value = self.object_states[obj as usize].value;
            self.set_object_share(obj, value, mix(value, held));
        }
    }

    fn set_object_value(&mut self, obj: u32, value: u128) {
        self.set_object_share(obj, value, value);
    }

    fn set_object_share(&mut self, obj: u32, value: u128, state: u128) {
        let o = &mut self.object_states[obj as usize];
        o.value = value;
        let share = mix(o.ident, state);
        self.state_sum = self.state_sum.wrapping_sub(o.share).wrapping_add(share);
        o.share = share;
    }

    /// What an operation on `obj` saw, as a value that fixes it: the state's fingerprint from
    /// the primitive's function if it has one, else the object's value.
    pub(crate) fn seen(&self, obj: u32, fingerprint: Option<u64>) -> u128 {
        match fingerprint {
            Some(fp) => TAG_FINGERPRINT << 64 | fp as u128,
            None => self.object_states[obj as usize].value,
        }
    }

    /// The execution's state, for state caching: equal values mean equal states (up to
    /// 128-bit hash collisions).
    pub(crate) fn state(&self) -> Option<u128> {
        self.stateful.then_some(self.state_sum)
    }

    /// Whether `obj` is the program's thread table (whose blocking operation, the wait for the
    /// non-daemon threads, is enabled by the threads' ends).
    pub(crate) fn is_threads_object(&self, obj: u32) -> bool {
        self.threads_obj == Some(obj)
    }

    /// A panic of a thread that no `join` returned to the program: that of the thread started
    /// first, so that equivalent executions report the same one.
    pub(crate) fn unclaimed_panic(&self) -> Option<&Caught> {
        self.caught
            .iter()
            .filter(|c| !c.claimed)
            .min_by_key(|c| c.thread)
    }

    /// The object standing for the program's thread table.
    pub(crate) fn threads_object(&mut self) -> u32 {
        match self.threads_obj {
            Some(id) => id,
            None => {
                let id = self.register(&ObjectMeta::named("Program", "threads"));
                self.threads_obj = Some(id);
                // Its state (which threads have ended) is part of the threads' own.
                self.set_object_state(id, 0);
                id
            }
        }
    }

    /// Thread `t` has ended: a wait for the non-daemon threads may now proceed.
    pub(crate) fn thread_ended(&mut self, t: usize) {
        if self.stateful {
            // A finished thread has no future: only that it finished matters.
            self.set_history(t, TAG_FINISHED);
        }
        let th = &mut self.threads[t];
        th.finished = true;
        th.pending = None;
        if !th.daemon {
            if let Some(id) = self.threads_obj {
                self.objects[id as usize].version += 1;
            }
        }
    }

    /// Whether every non-daemon thread but the current one has ended.
    pub(crate) fn non_daemon_ended(&self) -> bool {
        let me = self.current;
        self.threads
            .iter()
            .enumerate()
            .all(|(i, th)| i == me || th.daemon || th.finished)
    }

    /// Orders event `ev`, the current thread's wait for the non-daemon threads, after their ends
    /// (their last events happen before it and before the thread's next ones).
    ///
    /// This runs after the event was committed, so that its races were found with the thread's
    /// own clock: a start of a non-daemon thread by a daemon races with the wait (the wait could
    /// have come first, when that thread did not exist yet), though in this execution the started
    /// thread's end orders the start before the wait.
    pub(crate) fn order_after_ends(&mut self, ev: u32) {
        if !self.track_clocks || ev as usize >= self.events.len() {
            return;
        }
        let me = self.current;
        let mut clock = std::mem::take(&mut self.threads[me].clock);
        for (i, th) in self.threads.iter().enumerate() {
            if i == me || th.daemon {
                continue;
            }
            if clock.len() < th.clock.len() {
                clock.resize(th.clock.len(), 0);
            }
            for (mine, &theirs) in clock.iter_mut().zip(&th.clock) {
                *mine = (*mine).max(theirs);
            }
        }
        let event = self.events[ev as usize];
        let stored =
            &mut self.clocks[event.clock as usize..event.clock as usize + event.clock_len as usize];
        for (slot, &value) in stored.iter_mut().zip(&clock) {
            *slot = (*slot).max(value);
        }
        self.threads[me].clock = clock;
    }

    /// Whether thread `t` is known to be blocked (its last attempt failed and its object has not
    /// changed since), or can be decided without an attempt (a lock's holder is known).
    pub(crate) fn known_blocked(&self, t: usize) -> bool {
        let th = &self.threads[t];
        let Some(op) = th.pending else { return false };
        match op.kind {
            OpKind::Acquire { blocking: true } | OpKind::Section => {
                self.objects[op.obj as usize].owner.is_some()
            }
            _ => match th.blocked_at {
                Some(v) => op.obj != NO_OBJ && self.objects[op.obj as usize].version == v,
                None => false,
            },
        }
    }

    /// `Some(enabled)` when thread `t`'s enabledness is known without attempting its operation.
    pub(crate) fn known_enabled(&self, t: usize) -> Option<bool> {
        let th = &self.threads[t];
        if th.finished || !th.started {
            return Some(false);
        }
        let op = th.pending?;
        if self.known_blocked(t) {
            return Some(false);
        }
        match op.kind {
            OpKind::Acquire { blocking: true } | OpKind::Section => Some(true),
            OpKind::Monitor { blocking: true } => None,
            _ => Some(true),
        }
    }

    /// The display name of an object: `Lock counter_lock`, or `Lock #2` for the second unnamed
    /// lock.
    pub(crate) fn object_name(&self, obj: u32) -> String {
        if obj == NO_OBJ {
            return String::new();
        }
        let o = &self.objects[obj as usize];
        match &o.meta.name {
            Some(_) => o.meta.to_string(),
            None => {
                let n = self.objects[..=obj as usize]
                    .iter()
                    .filter(|x| x.meta.kind == o.meta.kind && x.meta.name.is_none())
                    .count();
                format!("{} #{n}", o.meta.kind)
            }
        }
    }

    fn clock_of(&self, e: u32) -> &[u32] {
        let ev = &self.events[e as usize];
        &self.clocks[ev.clock as usize..ev.clock as usize + ev.clock_len as usize]
    }

    /// Whether event `e` happens before (or is) event `f`.
    pub(crate) fn hb_before(&self, e: u32, f: u32) -> bool {
        f != NO_EVENT && self.hb_le(e, self.clock_of(f))
    }

    /// Whether event `e` happens before (or is) the point described by `clock`.
    fn hb_le(&self, e: u32, clock: &[u32]) -> bool {
        let ev = &self.events[e as usize];
        clock.get(ev.thread as usize).copied().unwrap_or(0) >= ev.local
    }

    /// The clock component of event `f` for thread `t`.
    pub(crate) fn clock_at(&self, f: u32, t: usize) -> u32 {
        self.clock_of(f).get(t).copied().unwrap_or(0)
    }

    /// Records that the current thread performed `op`; `changed` when the object's state may
    /// have changed. Returns the event index.
    pub(crate) fn commit(&mut self, op: &OpDesc, changed: bool) -> u32 {
        let t = self.current;
        let idx = self.events.len() as u32;
        if self.teardown {
            // The execution is over: nothing is recorded (its events were reported).
            return idx;
        }
        let (local, before) = {
            let th = &mut self.threads[t];
            let before = th.previous_event();
            th.local += 1;
            th.yielded = op.kind == OpKind::Yield;
            th.blocked_at = None;
            th.pending = None;
            th.last_event = idx;
            (th.local, before)
        };
        let mut clock_off = 0;
        let mut clock_len = 0;
        if self.track_clocks {
            if !self.repeat_clock(t, op, idx) {
                self.update_clock(t, op, idx, local);
            }
            if op.obj != NO_OBJ {
                self.record_access(t, op, idx);
            }
            let th = &self.threads[t];
            clock_off = self.clocks.len() as u32;
            clock_len = th.clock.len() as u8;
            self.clocks.extend_from_slice(&th.clock);
            if op.obj != NO_OBJ {
                self.objects[op.obj as usize].events.push(idx);
            }
        }
        if changed && op.obj != NO_OBJ {
            self.objects[op.obj as usize].version += 1;
        }
        if self.stateful {
            let learnt = match self.observed.take() {
                Some(f) => mix(TAG_LEARNT, f),
                None => 0,
            };
            let obj = if op.obj == NO_OBJ {
                0
            } else {
                self.object_states[op.obj as usize].ident
            };
            let action = (action_hash(op.action) as u128) << 64 | TAG_STEP;
            let step = mix(mix(action, obj), learnt);
            let history = mix(self.thread_states[t].history, step);
            self.set_history(t, history);
        }
        let preemption = self.preempting;
        self.events.push(Event::new(
            t,
            op,
            local,
            before,
            (clock_off, clock_len),
            preemption,
            false,
        ));
        if self.recording {
            self.notes.push(None);
        }
        idx
    }

    /// An execution ends when main and the non-daemon threads have finished; the exhaustive
    /// search follows the daemon threads a bounded number of steps further, and whatever they
    /// still have pending then could have run earlier, before events it depends on: the search
    /// must see those races too, though the execution never ran it. This appends one *pending
    /// event* per such operation (on an object) of a live thread, with its vector clock and its
    /// races with the events performed, as if it ran next; pending events do not see each other
    /// (after the end, their order is irrelevant).
    ///
    /// `panics` are the daemon threads that panicked after the end, with the operation they
    /// were attempting if the panic came before it took effect. A panic after the end is no
    /// failure, but it could have come before the end: unless it happens after the last event
    /// of every thread the program waits for (main and the non-daemon threads), it races with
    /// those last events, and reversing that race runs it while the program is alive.
    ///
    /// Returns the number of events performed, for [`Exec::drop_pending_events`].
    pub(crate) fn add_pending_events(&mut self, panics: &[(usize, Option<OpDesc>)]) -> u32 {
        let performed = self.events.len() as u32;
        for t in 0..self.threads.len() {
            let th = &self.threads[t];
            if th.finished || !th.started {
                continue;
            }
            let Some(op) = th.pending else { continue };
            if op.obj != NO_OBJ {
                self.add_pending_event(t, &op);
            }
        }
        for &(t, op) in panics {
            let panicked = match op {
                Some(op) => self.add_pending_event(t, &op),
                None => self.threads[t].last_event,
            };
            if panicked == NO_EVENT {
                continue;
            }
            for (w, th) in self.threads.iter().enumerate() {
                let last = th.last_event;
                if (w == 0 || !th.daemon) && last != NO_EVENT && !self.hb_before(last, panicked) {
                    self.races.push((last, panicked));
                }
            }
        }
        performed
    }

    /// Appends the pending event of thread `t`'s operation `op`; returns its index.
    fn add_pending_event(&mut self, t: usize, op: &OpDesc) -> u32 {
        let th = &self.threads[t];
        let idx = self.events.len() as u32;
        let local = th.local + 1;
        let before = th.previous_event();
        let saved = self.threads[t].clock.clone();
        self.update_clock(t, op, idx, local);
        let clock = std::mem::replace(&mut self.threads[t].clock, saved);
        let clock_off = self.clocks.len() as u32;
        self.clocks.extend_from_slice(&clock);
        let clock = (clock_off, clock.len() as u8);
        self.events
            .push(Event::new(t, op, local, before, clock, false, true));
        idx
    }

    /// Removes the events [`Exec::add_pending_events`] added.
    pub(crate) fn drop_pending_events(&mut self, performed: u32) {
        if let Some(first) = self.events.get(performed as usize) {
            self.clocks.truncate(first.clock as usize);
        }
        self.events.truncate(performed as usize);
    }

    /// For an event of the replayed prefix: sets the thread's clock to the one the same event
    /// had in the previous execution (the prefix repeats it, with the same clocks). `false`
    /// when the event is not in the prefix, or differs (a nondeterministic program: the
    /// strategy reports it), and the clock must be computed.
    fn repeat_clock(&mut self, t: usize, op: &OpDesc, idx: u32) -> bool {
        if idx >= self.kept {
            return false;
        }
        let prev = &self.prev_events[idx as usize];
        // Actions are static strings: the same operation has the same address (a different
        // address only costs the computation below).
        if prev.thread as usize != t || prev.obj != op.obj || !std::ptr::eq(prev.action, op.action)
        {
            self.kept = idx;
            return false;
        }
        let from = prev.clock as usize;
        let clock = &self.prev_clocks[from..from + prev.clock_len as usize];
        let th = &mut self.threads[t];
        th.clock.clear();
        th.clock.extend_from_slice(clock);
        true
    }

    /// Vector-clock update and direct-race detection for event `idx` of thread `t`.
    fn update_clock(&mut self, t: usize, op: &OpDesc, idx: u32, local: u32) {
        let n = self.threads.len();
        let mut clock = std::mem::take(&mut self.threads[t].clock);
        if clock.len() < n {
            clock.resize(n, 0);
        }
        if op.obj != NO_OBJ {
            // The last dependent access of every other thread: (thread, event).
            let mut cands = std::mem::take(&mut self.cands);
            cands.clear();
            for rec in &self.objects[op.obj as usize].accesses {
                if rec.thread as usize == t || Class::independent(rec.class, op.class) {
                    continue;
                }
                match cands.iter_mut().find(|(r, _)| *r == rec.thread) {
                    Some((_, e)) => *e = (*e).max(rec.event),
                    None => cands.push((rec.thread, rec.event)),
                }
            }
            if idx >= self.races_from {
                // Direct races: not ordered before this event by anything but the direct edge.
                for &(_, e) in &cands {
                    if self.hb_le(e, &clock) {
                        continue;
                    }
                    let covered = cands
                        .iter()
                        .any(|&(_, e2)| e2 != e && self.hb_le(e, self.clock_of(e2)));
                    if !covered {
                        self.races.push((e, idx));
                    }
                }
            }
            for &(_, e) in &cands {
                for (mine, &theirs) in clock.iter_mut().zip(self.clock_of(e)) {
                    *mine = (*mine).max(theirs);
                }
            }
            self.cands = cands;
        }
        clock[t] = local;
        self.threads[t].clock = clock;
    }

    /// Remembers event `idx` as thread `t`'s last access to the object with this class.
    fn record_access(&mut self, t: usize, op: &OpDesc, idx: u32) {
        let accesses = &mut self.objects[op.obj as usize].accesses;
        match accesses
            .iter_mut()
            .find(|a| a.thread as usize == t && a.class == op.class)
        {
            Some(a) => a.event = idx,
            None => accesses.push(AccessRec {
                thread: t as u8,
                class: op.class,
                event: idx,
            }),
        }
    }

    /// Adds a thread started by the current thread's spawn step; returns its index or the
    /// abort reason.
    pub(crate) fn add_thread(&mut self, spec: ThreadSpec, body: Body) -> Result<usize, Abort> {
        let id = self.threads.len();
        if id >= MAX_THREADS {
            return Err(Abort::TooManyThreads(id));
        }
        let parent_clock = if self.track_clocks {
            std::mem::take(&mut self.threads[self.current].clock)
        } else {
            Vec::new()
        };
        let mut th = self.new_thread(spec.name, spec.daemon, &parent_clock);
        self.threads[self.current].clock = parent_clock;
        if self.track_clocks {
            th.clock.resize(id + 1, 0);
        }
        th.spawn_event = self.threads[self.current].last_event;
        self.threads.push(th);
        if self.stateful {
            let parent = self.thread_states[self.current].history;
            self.set_history(id, mix(mix(TAG_SPAWNED, parent), id as u128));
        }
        self.new_threads.push((id, body));
        Ok(id)
    }
}

impl Exec {
    /// A fingerprint of the execution's Mazurkiewicz trace: per object, the sequence of its
    /// events (thread, index in thread), with every maximal run of mutually commuting events
    /// sorted. Two executions have the same fingerprint iff they are equivalent (with the same
    /// hash collisions as any 64-bit hash). For the engine's own statistics and tests.
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut per_object: Vec<Vec<u32>> = vec![Vec::new(); self.objects.len()];
        for (i, ev) in self.events.iter().enumerate() {
            if ev.obj != NO_OBJ {
                per_object[ev.obj as usize].push(i as u32);
            }
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (o, list) in per_object.iter().enumerate() {
            o.hash(&mut h);
            let mut k = 0;
            while k < list.len() {
                let first = self.events[list[k] as usize].class;
                let mut end = k + 1;
                while end < list.len()
                    && Class::independent(first, self.events[list[end] as usize].class)
                {
                    end += 1;
                }
                let mut run: Vec<(u8, u32)> = list[k..end]
                    .iter()
                    .map(|&i| {
                        (
                            self.events[i as usize].thread,
                            self.events[i as usize].local,
                        )
                    })
                    .collect();
                run.sort_unstable();
                run.hash(&mut h);
                k = end;
            }
        }
        h.finish()
    }
}
