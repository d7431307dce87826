//! The `Native` runtime: the primitives' side of the engine.
//!
//! Every visible operation announces itself (its object, action, access and source line) and
//! suspends the calling coroutine; the scheduler decides when it is attempted. An attempt runs
//! the operation's guarded step on the object's state; a step that cannot proceed changes
//! nothing and the thread stays suspended (blocked) until the scheduler tries it again.
//!
//! Invariants: a monitor's state and a lock's data are only touched by the coroutine that is
//! running, on the OS thread of the execution; a lock's holder is recorded in the execution (for
//! deadlock reports and for deciding enabledness without an attempt).

use super::exec::{
    current_exec, with_exec, Abort, Caught, Class, Exec, Key, OpDesc, OpKind, OpenSection, Yield,
    NO_OBJ,
};
use crate::rt::{
    Access, Monitor, ObjectMeta, Op, PanicPayload, Runtime, RuntimeMutex, Settle, ThreadSpec, Wait,
};
use std::any::{Any, TypeId};
use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// threadcheck's own deterministic runtime: every primitive operation is one visible step of
/// the engine's scheduler. Use it through [`check`](super::check); outside a checked execution
/// its operations panic with a message saying so.
///
/// ```
/// use threadcheck::engine::{check, Config, Verdict};
/// use threadcheck::rt::Native;
/// use threadcheck::sync::Semaphore;
///
/// let report = check(&Config::default(), || {
///     let sem = Semaphore::<Native>::new(1);
///     let permit = sem.acquire();
///     assert_eq!(sem.value(), 0);
///     drop(permit);
/// })
/// .unwrap();
/// assert_eq!(report.verdict, Verdict::Holds);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Native;

/// The payload a thread's stack is unwound with when its execution is over ([`Exec::teardown`]).
pub(crate) struct Teardown;

/// Most operations a thread may perform while it is unwound at the end of an execution.
const TEARDOWN_OPS: u32 = 10_000;

/// Suspends the running coroutine with `y`; returns when the scheduler resumes it. During a
/// teardown a thread that would wait is abandoned where it is instead (never resumed: what it
/// still holds is leaked).
fn suspend(y: Yield) {
    let (yielder, tearing) = with_exec(|e| (e.threads[e.current].yielder, e.teardown));
    debug_assert!(!yielder.is_null());
    let y = if tearing { Yield::Abort } else { y };
    // SAFETY: the yielder was stored by this coroutine's own entry function and lives as long as
    // the coroutine; only the running coroutine calls this.
    let input = unsafe { (*yielder).suspend(y) };
    after_resume(input);
}

/// After a suspension: if the execution is over (the scheduler resumed the thread with
/// [`Input::Teardown`](super::exec::Input)), unwind this thread's stack so that its destructors
/// free what it holds (not when it is unwinding already: a second panic would abort; it goes
/// on unwinding under the teardown's rules).
fn after_resume(input: super::exec::Input) {
    if matches!(input, super::exec::Input::Teardown) && !std::thread::panicking() {
        std::panic::resume_unwind(Box::new(Teardown));
    }
}

/// Never returns: the scheduler abandons an aborted execution without resuming it.
fn abort_execution(reason: Abort) -> ! {
    with_exec(|e| e.abort = Some(reason));
    loop {
        suspend(Yield::Abort);
    }
}

/// Refuses, inside a checked execution, a primitive of a runtime the checker cannot see (`what`,
/// e.g. "a thread of the `Std` runtime"): it would run on OS threads or block them, and nothing
/// it does would be explored. Ends the search with [`EngineError::Unsupported`]
/// (super::EngineError::Unsupported). Does nothing outside a check.
pub(crate) fn refuse_inside_check(what: &str) {
    let inside = current_exec().is_some_and(|cell| {
        cell.try_borrow()
            .is_ok_and(|e| !e.threads.is_empty() && !e.threads[e.current].yielder.is_null())
    });
    if inside {
        abort_execution(Abort::Refused(format!(
            "{what} was used inside `engine::check`: it runs outside the checker (OS threads, \
             real locks), so nothing it does would be explored and a \"holds\" would prove \
             nothing. Inside a check use the `Native` runtime's types (`sync::Lock::<T, \
             Native>`, `thread::Builder::<Native>`, ...); the root aliases (`threadcheck::Lock`, \
             `Thread`, `Var`, ...) are the `Std` runtime's."
        )));
    }
}

/// Announces the current thread's next operation and waits until the scheduler attempts it.
fn announce(op: OpDesc) {
    /// What announcing found.
    enum Next {
        /// Suspend with this yielder (the usual case).
        Suspend(*const corosensei::Yielder<super::exec::Input, Yield>),
        /// A commuting section turned out not to be one.
        Demote(TypeId),
        /// The execution is over: the operation runs at once, unscheduled and unrecorded.
        Teardown { over_budget: bool },
    }
    let next = with_exec(|e| {
        if e.teardown {
            e.teardown_ops += 1;
            return Next::Teardown {
                over_budget: e.teardown_ops > TEARDOWN_OPS,
            };
        }
        let t = e.current;
        let mut demote = None;
        let mut fix = Vec::new();
        for s in e.threads[t].sections.iter_mut() {
            if s.clean {
                s.clean = false;
                match s.commuting {
                    Some(ty) => demote = Some(ty),
                    None => fix.push(s.event),
                }
            }
        }
        // A section with a visible operation inside was a plain acquisition.
        for ev in fix {
            e.events[ev as usize].action = "acquire";
        }
        e.threads[t].pending = Some(op);
        match demote {
            Some(ty) => Next::Demote(ty),
            None => Next::Suspend(e.threads[t].yielder),
        }
    });
    match next {
        Next::Teardown { over_budget } => {
            if over_budget {
                suspend(Yield::Abort);
            }
        }
        Next::Demote(ty) => abort_execution(Abort::Demote(ty)),
        Next::Suspend(yielder) => {
            // SAFETY: as in `suspend`: the yielder is this coroutine's own.
            let input = unsafe { (*yielder).suspend(Yield::Pending) };
            after_resume(input);
        }
    }
}

/// Reading the thread's identity inside a commuting section makes it thread-dependent.
fn identity_read() {
    let demote = with_exec(|e| {
        if e.teardown {
            return None;
        }
        let t = e.current;
        e.threads[t]
            .sections
            .iter()
            .filter(|s| s.clean)
            .find_map(|s| s.commuting)
    });
    if let Some(ty) = demote {
        abort_execution(Abort::Demote(ty));
    }
}

fn monitor_class(access: Access, blocking: bool, key: &'static str, commuting: bool) -> Class {
    match access {
        Access::Read if commuting => Class::Read,
        Access::Commute if commuting && !blocking => Class::Commute(Key::Action(key)),
        _ => Class::Write,
    }
}

/// Registration of an object with the execution that uses it.
struct Reg {
    meta: ObjectMeta,
    /// (execution generation, object id)
    id: Cell<(u64, u32)>,
}

impl Reg {
    fn new(meta: ObjectMeta) -> Reg {
        let reg = Reg {
            meta,
            id: Cell::new((0, 0)),
        };
        // Objects created inside an execution are numbered in creation order.
        if let Some(cell) = current_exec() {
            if let Ok(mut e) = cell.try_borrow_mut() {
                let id = e.register(&reg.meta);
                reg.id.set((e.gen, id));
            }
        }
        reg
    }

    fn id(&self) -> u32 {
        with_exec(|e| self.id_in(e))
    }

    /// Reports the object's initial state to the execution it was created in.
    fn report(&self, state: u64) {
        if let Some(cell) = current_exec() {
            if let Ok(mut e) = cell.try_borrow_mut() {
                if e.gen == self.id.get().0 {
                    let id = self.id.get().1;
                    e.set_object_state(id, state);
                }
            }
        }
    }

    /// The object's id in execution `e`, registering it there first if needed.
    fn id_in(&self, e: &mut super::exec::Exec) -> u32 {
        let (gen, id) = self.id.get();
        if e.gen == gen {
            id
        } else {
            let id = e.register(&self.meta);
            self.id.set((e.gen, id));
            id
        }
    }
}

/// An operation's result when it is a plain number or flag (what the primitives' operations
/// mostly return: a release that says whether it added a permit), so that state caching
/// records exactly what the thread learnt rather than the whole state it saw.
fn small_value<T>(value: &T) -> Option<u64> {
    let ty = typeid::of::<T>();
    let ptr = value as *const T;
    // SAFETY: each cast is to the type `T` was just found to be.
    unsafe {
        if ty == TypeId::of::<bool>() {
            Some(*(ptr as *const bool) as u64)
        } else if ty == TypeId::of::<usize>() {
            Some(*(ptr as *const usize) as u64)
        } else if ty == TypeId::of::<u64>() {
            Some(*(ptr as *const u64))
        } else {
            None
        }
    }
}

/// The native monitor: the state itself; each operation is one scheduling point.
pub struct NativeMonitor<S> {
    state: UnsafeCell<S>,
    reg: Reg,
    fingerprint: Option<fn(&S) -> u64>,
}

// SAFETY: the state is only accessed by the running coroutine of the execution on the OS thread
// that runs it (every access goes through `op`, which requires that execution), or through
// `&mut self`.
unsafe impl<S: Send> Send for NativeMonitor<S> {}
// SAFETY: as above.
unsafe impl<S: Send> Sync for NativeMonitor<S> {}

impl<S: Send> Monitor<S> for NativeMonitor<S> {
    fn new(state: S, meta: ObjectMeta) -> Self {
        NativeMonitor {
            state: UnsafeCell::new(state),
            reg: Reg::new(meta),
            fingerprint: None,
        }
    }

    fn op<T>(&self, op: Op, wait: Wait, mut f: impl FnMut(&mut S) -> Option<T>) -> Option<T> {
        let blocking = wait == Wait::Forever;
        let (desc, stateful) = with_exec(|e| {
            let desc = OpDesc {
                obj: self.reg.id_in(e),
                class: monitor_class(
                    op.access,
                    blocking,
                    op.commutes_with,
                    e.reductions.commuting_ops,
                ),
                action: op.action,
                site: op.site,
                kind: OpKind::Monitor { blocking },
                settle: op.settle,
            };
            (desc, e.stateful)
        });
        announce(desc);
        // State caching: what the operation lets its thread learn is its result, which is
        // nothing when the result has a single value (zero-sized), else (at worst) the state
        // it saw.
        let fingerprint = self.fingerprint.filter(|_| stateful);
        loop {
            // SAFETY: see the Sync impl: only the running coroutine touches the state.
            let state = unsafe { &mut *self.state.get() };
            let seen = fingerprint.map(|fp| fp(state));
            match f(state) {
                Some(v) => {
                    if !stateful {
                        with_exec(|e| e.commit(&desc, op.access != Access::Read));
                        return Some(v);
                    }
                    let after = fingerprint.map(|fp| fp(state));
                    with_exec(|e| {
                        e.observed = match small_value(&v) {
                            Some(value) => Some(value as u128),
                            None if std::mem::size_of::<T>() == 0 => None,
                            None => Some(e.seen(desc.obj, seen)),
                        };
                        e.commit(&desc, op.access != Access::Read);
                        match after {
                            Some(fp) => e.set_object_state(desc.obj, fp),
                            None if op.access != Access::Read => e.derive_object_state(desc.obj),
                            None => {}
                        }
                    });
                    return Some(v);
                }
                None if blocking => suspend(Yield::Blocked),
                None => {
                    with_exec(|e| {
                        if stateful {
                            e.observed = Some(e.seen(desc.obj, seen));
                        }
                        e.commit(&desc, false);
                    });
                    Native::note(|| "-> did not proceed".to_string());
                    return None;
                }
            }
        }
    }

    fn with_fingerprint(mut self, fingerprint: fn(&S) -> u64) -> Self {
        self.fingerprint = Some(fingerprint);
        let state = fingerprint(self.state.get_mut());
        self.reg.report(state);
        self
    }

    fn get_mut(&mut self) -> &mut S {
        self.state.get_mut()
    }
}

impl<S> fmt::Debug for NativeMonitor<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NativeMonitor({})", self.reg.meta)
    }
}

/// The native lock behind `Lock`: the data, and a holder recorded by the execution.
pub struct NativeMutex<T> {
    data: UnsafeCell<T>,
    reg: Reg,
    fingerprint: Option<fn(&T) -> u64>,
}

// SAFETY: the data is only reachable through a guard or `with`, which the execution hands to one
// thread at a time, all on the execution's OS thread.
unsafe impl<T: Send> Send for NativeMutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for NativeMutex<T> {}

/// Proof of holding a [`NativeMutex`]; releasing it is a visible step.
pub struct NativeGuard<'a, T> {
    mutex: &'a NativeMutex<T>,
    obj: u32,
    site: &'static Location<'static>,
}

impl<T> NativeMutex<T> {
    /// The data's fingerprint, when state caching is on and the lock has one.
    fn data_fingerprint(&self, e: &Exec) -> Option<u64> {
        let fp = self.fingerprint.filter(|_| e.stateful)?;
        // SAFETY: called by the thread that holds the lock (or is taking or leaving it).
        Some(fp(unsafe { &*self.data.get() }))
    }

    /// What a thread taking the lock learns: the data (state caching).
    fn data_seen(&self, e: &Exec, obj: u32) -> Option<u128> {
        e.stateful.then(|| e.seen(obj, self.data_fingerprint(e)))
    }

    /// The lock is free again, with the data its holder left.
    fn set_released(&self, e: &mut Exec, obj: u32) {
        match self.data_fingerprint(e) {
            Some(fp) => e.set_object_state(obj, fp),
            // The data is what the holder made of what it saw: its history fixes it.
            None => e.derive_object_state(obj),
        }
    }

    /// Releases the lock taken at `taken_at`. Rust does not say where a guard is dropped (nor
    /// where a `with` closure returns): the step's site is the library's own, which reports
    /// leave blank, and its note names the line where the lock was taken, rather than passing
    /// that line off as the release's.
    fn release(&self, obj: u32, taken_at: &'static Location<'static>) {
        let desc = OpDesc {
            obj,
            class: Class::Write,
            action: "release",
            site: Location::caller(),
            kind: OpKind::Release,
            settle: Settle::No,
        };
        announce(desc);
        with_exec(|e| {
            e.objects[obj as usize].owner = None;
            e.commit(&desc, true);
            if e.stateful {
                self.set_released(e, obj);
            }
        });
        Native::note(|| format!("(taken at line {})", taken_at.line()));
    }
}

fn type_of<F>(_: &F) -> TypeId {
    typeid::of::<F>()
}

/// Ends a `with` section: silently if nothing visible happened inside, else with a visible
/// release. Runs on unwinding too.
struct SectionEnd<'a, T> {
    mutex: &'a NativeMutex<T>,
    obj: u32,
    site: &'static Location<'static>,
}

impl<T> Drop for SectionEnd<'_, T> {
    fn drop(&mut self) {
        let clean = with_exec(|e| {
            let t = e.current;
            let s = e.threads[t].sections.pop().expect("an open section");
            debug_assert_eq!(s.obj, self.obj);
            if s.clean {
                e.objects[self.obj as usize].owner = None;
                if e.stateful {
                    self.mutex.set_released(e, self.obj);
                }
            }
            (s.clean, s.commuting.filter(|_| !e.teardown))
        });
        let (clean, commuting) = clean;
        if let (true, Some(ty)) = (clean && std::thread::panicking(), commuting) {
            // A panic is a result the section passes to its thread: which of two commuting
            // sections panics depends on their order, so they do not commute.
            abort_execution(Abort::Demote(ty));
        }
        if !clean {
            self.mutex.release(self.obj, self.site);
        }
    }
}

impl<T: Send> RuntimeMutex<T> for NativeMutex<T> {
    type Guard<'a>
        = NativeGuard<'a, T>
    where
        T: 'a;

    fn new(value: T, meta: ObjectMeta) -> Self {
        NativeMutex {
            data: UnsafeCell::new(value),
            reg: Reg::new(meta),
            fingerprint: None,
        }
    }

    fn with_fingerprint(mut self, fingerprint: fn(&T) -> u64) -> Self {
        self.fingerprint = Some(fingerprint);
        let state = fingerprint(self.data.get_mut());
        self.reg.report(state);
        self
    }

    fn acquire(&self, site: &'static Location<'static>, wait: Wait) -> Option<NativeGuard<'_, T>> {
        let obj = self.reg.id();
        let blocking = wait == Wait::Forever;
        let desc = OpDesc {
            obj,
            class: Class::Write,
            action: "acquire",
            site,
            kind: OpKind::Acquire { blocking },
            settle: Settle::No,
        };
        announce(desc);
        loop {
            let got = with_exec(|e| {
                let o = &mut e.objects[obj as usize];
                if o.owner.is_none() {
                    o.owner = Some(e.current);
                    if e.stateful {
                        // The holder reads the data: it learns its state.
                        e.observed = self.data_seen(e, obj);
                    }
                    e.commit(&desc, true);
                    e.set_lock_held(obj);
                    Some(true)
                } else if blocking {
                    None
                } else {
                    if e.stateful {
                        e.observed = Some(1);
                    }
                    e.commit(&desc, false);
                    Some(false)
                }
            });
            match got {
                Some(true) => {
                    return Some(NativeGuard {
                        mutex: self,
                        obj,
                        site,
                    })
                }
                Some(false) => {
                    Native::note(|| "-> not acquired".to_string());
                    return None;
                }
                None => suspend(Yield::Blocked),
            }
        }
    }

    fn with<U>(&self, site: &'static Location<'static>, f: impl FnOnce(&mut T) -> U) -> U {
        let (atomic, commuting_sections) = with_exec(|e| {
            (
                e.reductions.atomic_sections,
                e.reductions.commuting_sections,
            )
        });
        if !atomic {
            let mut guard = self
                .acquire(site, Wait::Forever)
                .expect("a blocking acquire always succeeds");
            return f(&mut guard);
        }
        let obj = self.reg.id();
        let ty = type_of(&f);
        let commuting = commuting_sections
            && std::mem::size_of_val(&f) == 0
            && typeid::of::<U>() == TypeId::of::<()>()
            && !with_exec(|e| e.demoted.contains(&ty));
        let desc = OpDesc {
            obj,
            class: if commuting {
                Class::Commute(Key::Section(ty))
            } else {
                Class::Write
            },
            action: "with",
            site,
            kind: OpKind::Section,
            settle: Settle::No,
        };
        announce(desc);
        loop {
            let got = with_exec(|e| {
                let t = e.current;
                if e.objects[obj as usize].owner.is_none() {
                    e.objects[obj as usize].owner = Some(t);
                    // The section's closure reads the data, unless it is a commuting one (no
                    // captures, unit result: it passes nothing to its thread).
                    if e.stateful && !commuting {
                        e.observed = self.data_seen(e, obj);
                    }
                    let event = e.commit(&desc, true);
                    e.set_lock_held(obj);
                    e.threads[t].sections.push(OpenSection {
                        obj,
                        event,
                        clean: true,
                        commuting: commuting.then_some(ty),
                    });
                    true
                } else {
                    false
                }
            });
            if got {
                break;
            }
            suspend(Yield::Blocked);
        }
        let _end = SectionEnd {
            mutex: self,
            obj,
            site,
        };
        // SAFETY: this thread holds the lock (recorded as owner) until `_end` drops.
        f(unsafe { &mut *self.data.get() })
    }

    fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> Deref for NativeGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard proves this thread holds the lock.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for NativeGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves this thread holds the lock.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for NativeGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.release(self.obj, self.site);
    }
}

impl<T> fmt::Debug for NativeMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NativeMutex({})", self.reg.meta)
    }
}

fn simple_op(action: &'static str, kind: OpKind, site: &'static Location<'static>) {
    let desc = OpDesc {
        obj: NO_OBJ,
        class: Class::Read,
        action,
        site,
        kind,
        settle: Settle::No,
    };
    announce(desc);
    with_exec(|e| e.commit(&desc, false));
}

/// Where a panic payload lives: the identity a `join` that returns it is recognised by.
fn payload_address(payload: &PanicPayload) -> usize {
    (&**payload as *const (dyn Any + Send)).cast::<()>() as usize
}

/// The step that starts a thread. Every start takes the next number of the program's threads
/// (`Thread-N`, the ident, the engine's thread index), so starts are dependent with each other,
/// and with the wait for the non-daemon threads, which reads the table they change.
fn start_desc(e: &mut Exec, site: &'static Location<'static>) -> OpDesc {
    OpDesc {
        obj: e.threads_object(),
        class: Class::Write,
        action: "spawn",
        site,
        kind: OpKind::Spawn,
        settle: Settle::No,
    }
}

/// Commits the start step `desc` of the current thread with the thread its spawn made (none
/// if the start failed before it spawned).
fn finish_start(desc: &OpDesc) {
    let result = with_exec(|e| {
        let t = e.current;
        e.threads[t].starting = false;
        let Some((spec, body)) = e.threads[t].spawn.take() else {
            e.commit(desc, false);
            return Ok(None);
        };
        let name = spec.name.clone();
        if e.stateful {
            // The thread learns the new thread's name (`Thread-N`, from a counter the engine
            // does not see, which the order of the starts fixes).
            e.observed = Some(u128::from(crate::rt::fingerprint_of(&*name)));
        }
        e.commit(desc, true);
        e.add_thread(spec, body).map(|_| Some(name))
    });
    match result {
        Ok(Some(name)) => Native::note(|| name.to_string()),
        Ok(None) => {}
        Err(reason) => abort_execution(reason),
    }
}

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &PanicPayload) -> String {
    crate::rt::panic_text(&**payload)
        .unwrap_or("Box<dyn Any>")
        .to_string()
}

impl Runtime for Native {
    const NAME: &'static str = "native";
    const VIRTUAL_TIME: bool = true;
    type Mutex<T: Send> = NativeMutex<T>;
    type Monitor<S: Send> = NativeMonitor<S>;

    /// A start made inside [`Runtime::start_thread`] is that step's; any other is a step of
    /// its own.
    #[track_caller]
    fn spawn(spec: ThreadSpec, body: Box<dyn FnOnce() + Send + 'static>) -> std::io::Result<()> {
        let site = Location::caller();
        let desc = with_exec(|e| {
            let t = e.current;
            let inside = e.threads[t].starting;
            e.threads[t].spawn = Some((spec, body));
            (!inside).then(|| start_desc(e, site))
        });
        if let Some(desc) = desc {
            announce(desc);
            finish_start(&desc);
        }
        Ok(())
    }

    #[track_caller]
    fn start_thread<T>(start: impl FnOnce() -> T) -> T {
        let site = Location::caller();
        let desc = with_exec(|e| start_desc(e, site));
        announce(desc);
        with_exec(|e| {
            let t = e.current;
            e.threads[t].starting = true;
        });
        let started = start();
        finish_start(&desc);
        started
    }

    fn thread_panicked(payload: &PanicPayload) {
        let at = super::run::take_panic_at().unwrap_or_default();
        let Some(cell) = current_exec() else { return };
        let mut e = cell.borrow_mut();
        let t = e.current;
        if e.teardown {
            return;
        }
        if e.after_end {
            // Not a failure after the end, but it may be one before it (see
            // `Exec::add_pending_events`).
            e.panics_after_end.push((t, at.attempted));
            return;
        }
        e.caught.push(Caught {
            thread: t,
            message: panic_message(payload),
            location: at.location,
            at: at.at,
            payload: payload_address(payload),
            claimed: false,
        });
    }

    fn panic_returned(payload: &PanicPayload) {
        let Some(cell) = current_exec() else { return };
        let mut e = cell.borrow_mut();
        if e.teardown {
            return;
        }
        let address = payload_address(payload);
        if let Some(c) = e
            .caught
            .iter_mut()
            .find(|c| !c.claimed && c.payload == address)
        {
            c.claimed = true;
            e.returned_panics += 1;
        }
    }

    #[track_caller]
    fn yield_now() {
        simple_op("yield", OpKind::Yield, Location::caller());
    }

    #[track_caller]
    fn sleep(duration: Duration) {
        simple_op("sleep", OpKind::Yield, Location::caller());
        Native::note(|| format!("{duration:?} (virtual)"));
    }

    fn current_id() -> u64 {
        identity_read();
        with_exec(|e| e.current as u64)
    }

    fn thread_slot() -> Option<Arc<dyn Any + Send + Sync>> {
        identity_read();
        with_exec(|e| e.threads[e.current].slot.clone())
    }

    fn set_thread_slot(slot: Arc<dyn Any + Send + Sync>) {
        with_exec(|e| {
            let t = e.current;
            e.threads[t].slot = Some(slot);
        });
    }

    fn catch_unwind<T>(f: impl FnOnce() -> T) -> Result<T, PanicPayload> {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        if let Err(payload) = &result {
            if let Some(cell) = current_exec() {
                let mut e = cell.borrow_mut();
                if e.first_caught.is_none() {
                    let name = e.threads[e.current].name.clone();
                    e.first_caught = Some((name.to_string(), panic_message(payload)));
                }
            }
        }
        result
    }

    const TRACKS_THREADS: bool = true;

    /// One step, reading the thread table: enabled once every other non-daemon thread has
    /// ended, and ordered after their ends.
    #[track_caller]
    fn wait_for_non_daemon() -> bool {
        let site = Location::caller();
        let desc = with_exec(|e| OpDesc {
            obj: e.threads_object(),
            class: monitor_class(Access::Read, true, "", e.reductions.commuting_ops),
            action: "wait for non-daemon threads",
            site,
            kind: OpKind::Monitor { blocking: true },
            settle: Settle::No,
        });
        announce(desc);
        loop {
            let done = with_exec(|e| {
                let done = e.non_daemon_ended();
                if done {
                    let ev = e.commit(&desc, false);
                    e.order_after_ends(ev);
                }
                done
            });
            if done {
                return true;
            }
            suspend(Yield::Blocked);
        }
    }

    fn note(detail: impl FnOnce() -> String) {
        let Some(cell) = current_exec() else { return };
        if !cell.borrow().recording || cell.borrow().teardown {
            return;
        }
        let text = detail();
        let mut e = cell.borrow_mut();
        let ev = e.threads[e.current].last_event;
        if let Some(slot) = e.notes.get_mut(ev as usize) {
            *slot = Some(text);
        }
    }
}
