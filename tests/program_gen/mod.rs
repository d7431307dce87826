//! Small random concurrent programs over the public primitives, for the differential soundness
//! check (`tests/soundness.rs`): a program language ([`Program`], [`Op`]), the generator
//! ([`gen_program`]; its choices are fixed per seed, so a seed names a program for good), and an
//! interpreter ([`body`]) that runs a program under any runtime and records its *outcome* (every
//! thread's log and the objects' final states) outside the checker's view.
//!
//! Ported from the reproductions the soundness issue came with (`shared/soundness-repros`):
//! the same generator, so that the seeds named there (1264, 50096, 50262, ...) are the same
//! programs here.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use threadcheck::queue::Queue;
use threadcheck::rt::Runtime;
use threadcheck::sync::{Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, Var};
use threadcheck::thread::{Builder, JoinHandle};

/// The outcomes a search reached, one string per complete execution.
pub type Outcomes = Arc<Mutex<BTreeSet<String>>>;

/// One operation of a thread. Indices select among the program's objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    VarGet(u8),
    VarSet(u8, i64),
    /// `v.set(v.get() + 1)`: two steps, records the value read.
    VarIncr(u8),
    /// `lock.with(|x| *x += 1)`: capture-free unit closure (commuting-section candidate).
    LockInc(u8),
    /// `lock.with(move |x| { let o = *x; *x = o * 2 + k; o })`: capturing, returns a value.
    LockMulAdd(u8, i64),
    /// Capture-free unit closure that panics when it sees value 1 (after incrementing past it).
    LockIncPanicAt1(u8),
    /// Guard form: `let g = lock.lock(); log(*g); var.set(var.get() + *g + 1); *g += 10`.
    LockGuard(u8, u8),
    /// RLock taken twice (guards), var incremented inside.
    RLockNested(u8),
    /// `let p = sem.acquire(); var incr; drop(p)`.
    SemCritical(u8),
    /// `if let Some(p) = sem.try_acquire() { var incr; drop(p) }`, records.
    SemCriticalTry(u8),
    /// `sem.acquire().forget()` (blocking, keeps the permit).
    SemAcquireForget,
    SemRelease,
    /// `sem.try_acquire()`: records whether it got one; keeps it (forget).
    SemTry,
    /// BoundedSemaphore(1): try_acquire + forget, records.
    BSemTry,
    /// BoundedSemaphore release: records Ok/Err.
    BSemRelease,
    EventSet,
    EventClear,
    EventWait,
    EventWaitTimeout,
    EventIsSet,
    /// Condition: `*g += 1; notify(1)` or notify_all.
    CondIncNotify(bool),
    /// `g.wait_for(|x| *x >= k)`, records the value seen.
    CondWaitFor(i64),
    /// `g.wait_for_timeout(|x| *x >= 1, 1ms)`, records the result.
    CondWaitForTimeout,
    QPut(i64),
    QGet,
    QGetNowait,
    QTaskDone,
    QJoin,
    BarrierWait,
    BarrierWaitTimeout,
    BarrierAbort,
    /// Spawn thread index `k` (its daemon flag is in the program).
    Spawn(u8),
    /// Join thread `k` (spawned earlier by this thread): records Ok marker or -99 for a panic.
    Join(u8),
    Yield,
}

#[derive(Clone, Debug)]
pub struct ThreadProg {
    pub ops: Vec<Op>,
    pub daemon: bool,
}

#[derive(Clone, Debug)]
pub struct Program {
    /// threads[0] is main.
    pub threads: Vec<ThreadProg>,
    pub sem_init: usize,
    pub queue_max: usize,
    pub barrier_parties: usize,
    /// Opt user data into state-caching fingerprints.
    pub fingerprinted: bool,
}

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
}

/// Families of operations; a program draws from a random subset so that objects are shared.
pub fn gen_program(rng: &mut Rng) -> Program {
    let n_threads = 2 + rng.below(3) as usize; // 2..=4 including main
    let families: Vec<u8> = (0..8).filter(|_| rng.chance(40)).collect();
    let families = if families.is_empty() {
        vec![rng.below(8) as u8]
    } else {
        families
    };
    let mut threads: Vec<ThreadProg> = (0..n_threads)
        .map(|i| ThreadProg {
            ops: Vec::new(),
            daemon: i > 0 && rng.chance(12),
        })
        .collect();
    // Tree of spawns: thread k (k >= 1) is spawned by some j < k.
    let mut parent = vec![0usize; n_threads];
    for (k, p) in parent.iter_mut().enumerate().skip(1) {
        *p = rng.below(k as u64) as usize;
    }
    for thread in threads.iter_mut() {
        let n_ops = 2 + rng.below(5) as usize; // 2..=6
        let mut ops = Vec::new();
        for _ in 0..n_ops {
            let f = families[rng.below(families.len() as u64) as usize];
            let v = rng.below(2) as u8;
            let op = match f {
                0 => match rng.below(4) {
                    0 => Op::VarGet(v),
                    1 => Op::VarSet(v, 1 + rng.below(3) as i64),
                    2 => Op::VarIncr(v),
                    _ => Op::Yield,
                },
                1 => match rng.below(5) {
                    0 | 1 => Op::LockInc(v),
                    2 => Op::LockMulAdd(v, 1 + rng.below(2) as i64),
                    3 => Op::LockGuard(v, rng.below(2) as u8),
                    _ => {
                        if rng.chance(30) {
                            Op::LockIncPanicAt1(v)
                        } else {
                            Op::RLockNested(v)
                        }
                    }
                },
                2 => match rng.below(6) {
                    0 => Op::SemCritical(v),
                    1 => Op::SemAcquireForget,
                    2 => Op::SemRelease,
                    3 => Op::SemTry,
                    4 => Op::BSemTry,
                    _ => Op::BSemRelease,
                },
                3 => match rng.below(5) {
                    0 => Op::EventSet,
                    1 => Op::EventClear,
                    2 => Op::EventWait,
                    3 => Op::EventWaitTimeout,
                    _ => Op::EventIsSet,
                },
                4 => match rng.below(4) {
                    0 | 1 => Op::CondIncNotify(rng.chance(50)),
                    2 => Op::CondWaitFor(1 + rng.below(2) as i64),
                    _ => Op::CondWaitForTimeout,
                },
                5 => match rng.below(6) {
                    0 | 1 => Op::QPut(1 + rng.below(3) as i64),
                    2 => Op::QGet,
                    3 => Op::QGetNowait,
                    4 => Op::QTaskDone,
                    _ => {
                        if rng.chance(40) {
                            Op::QJoin
                        } else {
                            Op::QGetNowait
                        }
                    }
                },
                6 => match rng.below(3) {
                    0 => Op::BarrierWait,
                    1 => Op::BarrierWaitTimeout,
                    _ => Op::BarrierAbort,
                },
                _ => match rng.below(3) {
                    0 => Op::VarIncr(v),
                    1 => Op::LockInc(v),
                    _ => Op::EventWaitTimeout,
                },
            };
            ops.push(op);
        }
        thread.ops = ops;
    }
    // Most programs avoid operations that can block forever, so that most of them hold and
    // their outcome sets can be compared.
    let blocking = rng.chance(30);
    if !blocking {
        for t in threads.iter_mut() {
            for op in t.ops.iter_mut() {
                *op = match op.clone() {
                    Op::EventWait => Op::EventWaitTimeout,
                    Op::QGet => Op::QGetNowait,
                    Op::QJoin => Op::QTaskDone,
                    Op::BarrierWait => Op::BarrierWaitTimeout,
                    Op::SemAcquireForget => Op::SemTry,
                    Op::SemCritical(v) => Op::SemCriticalTry(v),
                    Op::CondWaitFor(_) => Op::CondWaitForTimeout,
                    o => o,
                };
            }
        }
    }
    // Insert spawns (and joins of non-daemon children) into the parents.
    for k in 1..n_threads {
        let p = parent[k];
        let len = threads[p].ops.len();
        let at = rng.below(len as u64 + 1) as usize;
        threads[p].ops.insert(at, Op::Spawn(k as u8));
        if !threads[k].daemon && rng.chance(65) {
            let len = threads[p].ops.len();
            let j = at + 1 + rng.below((len - at) as u64) as usize;
            threads[p].ops.insert(j, Op::Join(k as u8));
        }
    }
    Program {
        threads,
        sem_init: rng.below(2) as usize,
        queue_max: if rng.chance(50) {
            0
        } else {
            1 + rng.below(2) as usize
        },
        barrier_parties: 2,
        fingerprinted: true,
    }
}

struct Objs<R: Runtime> {
    vars: [Var<i64, R>; 2],
    locks: [Lock<i64, R>; 2],
    rlock: RLock<(), R>,
    sem: Semaphore<R>,
    bsem: BoundedSemaphore<R>,
    event: Event<R>,
    cond: Condition<i64, R>,
    queue: Queue<i64, R>,
    barrier: Barrier<R>,
    /// Each thread's log, written once at its end (or -1 marker left if it never got there).
    slots: Vec<Var<Vec<i64>, R>>,
}

fn run_thread<R: Runtime>(prog: Arc<Program>, objs: Arc<Objs<R>>, me: usize) -> Vec<i64> {
    let mut log: Vec<i64> = Vec::new();
    let mut children: Vec<Option<JoinHandle<Vec<i64>, R>>> =
        (0..prog.threads.len()).map(|_| None).collect();
    for op in &prog.threads[me].ops {
        match op {
            Op::VarGet(v) => log.push(objs.vars[*v as usize].get()),
            Op::VarSet(v, x) => objs.vars[*v as usize].set(*x),
            Op::VarIncr(v) => {
                let var = &objs.vars[*v as usize];
                let x = var.get();
                log.push(x);
                var.set(x + 1);
            }
            Op::LockInc(l) => objs.locks[*l as usize].with(|x| *x += 1),
            Op::LockMulAdd(l, k) => {
                let k = *k;
                let o = objs.locks[*l as usize].with(move |x| {
                    let o = *x;
                    *x = o * 2 + k;
                    o
                });
                log.push(o);
            }
            Op::LockIncPanicAt1(l) => objs.locks[*l as usize].with(|x| {
                *x += 1;
                if *x == 1 {
                    panic!("saw 1");
                }
            }),
            Op::LockGuard(l, v) => {
                let mut g = objs.locks[*l as usize].lock();
                log.push(*g);
                let var = &objs.vars[*v as usize];
                let x = var.get();
                var.set(x + *g + 1);
                *g += 10;
                drop(g);
            }
            Op::RLockNested(v) => {
                let g1 = objs.rlock.lock();
                let g2 = objs.rlock.lock();
                let var = &objs.vars[*v as usize];
                let x = var.get();
                log.push(x);
                var.set(x + 100);
                drop(g2);
                drop(g1);
            }
            Op::SemCritical(v) => {
                let p = objs.sem.acquire();
                let var = &objs.vars[*v as usize];
                let x = var.get();
                log.push(x);
                var.set(x + 1);
                drop(p);
            }
            Op::SemCriticalTry(v) => match objs.sem.try_acquire() {
                Some(p) => {
                    let var = &objs.vars[*v as usize];
                    let x = var.get();
                    log.push(x);
                    var.set(x + 1);
                    drop(p);
                }
                None => log.push(-3),
            },
            Op::SemAcquireForget => objs.sem.acquire().forget(),
            Op::SemRelease => objs.sem.release(),
            Op::SemTry => match objs.sem.try_acquire() {
                Some(p) => {
                    p.forget();
                    log.push(1)
                }
                None => log.push(0),
            },
            Op::BSemTry => match objs.bsem.try_acquire() {
                Some(p) => {
                    p.forget();
                    log.push(1)
                }
                None => log.push(0),
            },
            Op::BSemRelease => log.push(objs.bsem.release().is_ok() as i64),
            Op::EventSet => objs.event.set(),
            Op::EventClear => objs.event.clear(),
            Op::EventWait => objs.event.wait(),
            Op::EventWaitTimeout => {
                log.push(objs.event.wait_timeout(Duration::from_millis(1)) as i64)
            }
            Op::EventIsSet => log.push(objs.event.is_set() as i64),
            Op::CondIncNotify(all) => {
                let mut g = objs.cond.lock();
                *g += 1;
                if *all {
                    g.notify_all();
                } else {
                    g.notify(1);
                }
            }
            Op::CondWaitFor(k) => {
                let k = *k;
                let mut g = objs.cond.lock();
                g.wait_for(|x| *x >= k);
                log.push(*g);
            }
            Op::CondWaitForTimeout => {
                let mut g = objs.cond.lock();
                let r = g.wait_for_timeout(|x| *x >= 1, Duration::from_millis(1));
                log.push(r as i64);
                log.push(*g);
            }
            Op::QPut(x) => log.push(objs.queue.put(*x).is_ok() as i64),
            Op::QGet => log.push(objs.queue.get().unwrap_or(-7)),
            Op::QGetNowait => log.push(objs.queue.get_nowait().unwrap_or(-1)),
            Op::QTaskDone => log.push(objs.queue.task_done().is_ok() as i64),
            Op::QJoin => objs.queue.join(),
            Op::BarrierWait => log.push(match objs.barrier.wait() {
                Ok(i) => i as i64,
                Err(_) => -5,
            }),
            Op::BarrierWaitTimeout => {
                log.push(match objs.barrier.wait_timeout(Duration::from_millis(1)) {
                    Ok(i) => i as i64,
                    Err(_) => -5,
                })
            }
            Op::BarrierAbort => objs.barrier.abort(),
            Op::Spawn(k) => {
                let k = *k as usize;
                let (p2, o2) = (prog.clone(), objs.clone());
                let h = Builder::<R>::new()
                    .daemon(prog.threads[k].daemon)
                    .spawn(move || run_thread::<R>(p2, o2, k))
                    .expect("spawn");
                children[k] = Some(h);
            }
            Op::Join(k) => {
                let h = children[*k as usize].take().expect("join after spawn");
                match h.join() {
                    Ok(l) => log.push(1000 + l.len() as i64),
                    Err(_) => log.push(-99),
                }
            }
            Op::Yield => R::yield_now(),
        }
    }
    // Unjoined children are simply dropped (detached).
    drop(children);
    objs.slots[me].set(log.clone());
    log
}

/// The program's main body for runtime `R`; inserts the outcome into `out` at the end.
pub fn body<R: Runtime>(prog: &Arc<Program>, out: &Outcomes) {
    let fp = prog.fingerprinted;
    let var = |name: &str| {
        let v = Var::<i64, R>::named(name, 0);
        if fp {
            v.fingerprinted()
        } else {
            v
        }
    };
    let lock = |name: &str| {
        let v = Lock::<i64, R>::named(name, 0);
        if fp {
            v.fingerprinted()
        } else {
            v
        }
    };
    let cond = Condition::<i64, R>::named("cond", 0);
    let queue = Queue::<i64, R>::named("queue", prog.queue_max);
    let slots = (0..prog.threads.len())
        .map(|i| {
            let v = Var::<Vec<i64>, R>::named(&format!("slot{i}"), vec![-1]);
            if fp {
                v.fingerprinted()
            } else {
                v
            }
        })
        .collect();
    let objs = Arc::new(Objs::<R> {
        vars: [var("v0"), var("v1")],
        locks: [lock("l0"), lock("l1")],
        rlock: RLock::named("rlock", ()),
        sem: Semaphore::named("sem", prog.sem_init),
        bsem: BoundedSemaphore::named("bsem", 1),
        event: Event::named("event"),
        cond: if fp { cond.fingerprinted() } else { cond },
        queue: if fp { queue.fingerprinted() } else { queue },
        barrier: Barrier::named("barrier", prog.barrier_parties).unwrap(),
        slots,
    });
    let main_log = run_thread::<R>(prog.clone(), objs.clone(), 0);
    threadcheck::thread::wait_for_non_daemon_in::<R>();
    let mut s = String::new();
    let _ = write!(s, "main={main_log:?}");
    for (i, slot) in objs.slots.iter().enumerate().skip(1) {
        let _ = write!(s, " t{i}={:?}", slot.get());
    }
    let _ = write!(
        s,
        " | v={},{} l={},{} sem={} bsem={} ev={} cond={} q={} unf={} bar={}",
        objs.vars[0].get(),
        objs.vars[1].get(),
        objs.locks[0].with(|x| *x),
        objs.locks[1].with(|x| *x),
        objs.sem.value(),
        objs.bsem.value(),
        objs.event.is_set(),
        *objs.cond.lock(),
        objs.queue.qsize(),
        objs.queue.unfinished_tasks(),
        objs.barrier.is_broken(),
    );
    out.lock().unwrap().insert(s);
}

pub fn render(p: &Program) -> String {
    let mut s = format!(
        "sem_init={} queue_max={} barrier_parties={} fingerprinted={}\n",
        p.sem_init, p.queue_max, p.barrier_parties, p.fingerprinted
    );
    for (i, t) in p.threads.iter().enumerate() {
        let _ = writeln!(
            s,
            "  t{i}{}: {:?}",
            if t.daemon { " (daemon)" } else { "" },
            t.ops
        );
    }
    s
}
