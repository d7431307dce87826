//! threadcheck's primitives under the `Std` runtime, side by side with the crates a Rust user
//! would pick instead. Run with `cargo bench --bench primitives`; `scripts/bench-table.sh` runs
//! it and prints the medians and ratios as a markdown table.
//!
//! Conventions, so that every row of a group measures the same work:
//! * a group is named `<family>_<case>`, each function in it is one implementation
//!   (`threadcheck` and the references);
//! * multi-threaded cases use `iter_custom`: the threads are spawned, meet at a start barrier,
//!   and each performs `iters` rounds of the operation; the time is taken from the start barrier
//!   to the last join, so thread creation is not measured. One criterion "iteration" is therefore
//!   one round *of every thread* (2 threads each doing one lock/unlock, one item through each
//!   producer/consumer pair, one ping-pong exchange, ...);
//! * measurement time is kept short (the whole run takes about 3 minutes on 2 cores).

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn group<'a>(c: &'a mut Criterion, name: &str) -> Group<'a> {
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(800))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    g
}

/// Runs `threads` copies of `body(index, iters)` after a common start line and returns the time
/// from the start line to the last join.
fn run_threads<F>(threads: usize, iters: u64, body: F) -> Duration
where
    F: Fn(usize, u64) + Send + Sync + 'static,
{
    let body = Arc::new(body);
    let start = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let body = Arc::clone(&body);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                body(i, iters);
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    for h in handles {
        h.join().expect("bench thread panicked");
    }
    t0.elapsed()
}

// ---------------------------------------------------------------------------------------------
// Lock

fn lock(c: &mut Criterion) {
    let mut g = group(c, "lock_uncontended");
    let tc = threadcheck::Lock::new(0u64);
    g.bench_function("threadcheck", |b| b.iter(|| *black_box(&tc).lock() += 1));
    let std_m = Mutex::new(0u64);
    g.bench_function("std", |b| {
        b.iter(|| *black_box(&std_m).lock().unwrap() += 1)
    });
    let pl = parking_lot::Mutex::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| *black_box(&pl).lock() += 1));
    g.finish();

    // Two threads hammering one lock: one iteration = each thread does one lock/unlock.
    let mut g = group(c, "lock_contended_2t");
    g.bench_function("threadcheck", |b| {
        b.iter_custom(|iters| {
            let m = Arc::new(threadcheck::Lock::new(0u64));
            run_threads(2, iters, move |_, n| {
                for _ in 0..n {
                    *m.lock() += 1;
                }
            })
        })
    });
    g.bench_function("std", |b| {
        b.iter_custom(|iters| {
            let m = Arc::new(Mutex::new(0u64));
            run_threads(2, iters, move |_, n| {
                for _ in 0..n {
                    *m.lock().unwrap() += 1;
                }
            })
        })
    });
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|iters| {
            let m = Arc::new(parking_lot::Mutex::new(0u64));
            run_threads(2, iters, move |_, n| {
                for _ in 0..n {
                    *m.lock() += 1;
                }
            })
        })
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Semaphore

/// The textbook blocking semaphore: a count behind a `std::sync::Mutex`, waiters on a `Condvar`,
/// `notify_one` per release. The baseline any hand-written Rust port of the seed would use.
struct CondvarSemaphore {
    count: Mutex<usize>,
    available: Condvar,
}

impl CondvarSemaphore {
    fn new(n: usize) -> Self {
        CondvarSemaphore {
            count: Mutex::new(n),
            available: Condvar::new(),
        }
    }
    fn acquire(&self) {
        let mut count = self.count.lock().unwrap();
        while *count == 0 {
            count = self.available.wait(count).unwrap();
        }
        *count -= 1;
    }
    fn release(&self) {
        *self.count.lock().unwrap() += 1;
        self.available.notify_one();
    }
}

/// `tokio::sync::Semaphore` from plain threads. Why this crate: it is the most used and best
/// maintained semaphore in the Rust ecosystem (the one the issue names; the blocking-only crates
/// such as `std-semaphore` are deprecated Mutex+Condvar wrappers, i.e. our baseline). It has no
/// blocking `acquire`, so we drive its future with the minimal thread-parking executor below,
/// which is what `futures::executor::block_on` does, without adding the `futures` crate. Only
/// tokio's `sync` feature is compiled (no runtime).
mod block_on {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unparker(Thread);
    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
    }

    pub fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        WAKER.with(|waker| {
            let mut cx = Context::from_waker(waker);
            loop {
                if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                    return out;
                }
                thread::park();
            }
        })
    }
}

fn semaphore(c: &mut Criterion) {
    // k threads, k/2 permits, so that half of the acquires have to wait: one iteration = every
    // thread takes and gives back one permit.
    for threads in [2usize, 4] {
        let permits = threads / 2;
        let mut g = group(c, &format!("semaphore_{threads}t_{permits}permits"));
        g.bench_function("threadcheck", |b| {
            b.iter_custom(|iters| {
                let s = Arc::new(threadcheck::Semaphore::new(permits));
                run_threads(threads, iters, move |_, n| {
                    for _ in 0..n {
                        let p = s.acquire();
                        black_box(&p);
                    }
                })
            })
        });
        g.bench_function("mutex_condvar", |b| {
            b.iter_custom(|iters| {
                let s = Arc::new(CondvarSemaphore::new(permits));
                run_threads(threads, iters, move |_, n| {
                    for _ in 0..n {
                        s.acquire();
                        black_box(&s);
                        s.release();
                    }
                })
            })
        });
        g.bench_function("tokio", |b| {
            b.iter_custom(|iters| {
                let s = Arc::new(tokio::sync::Semaphore::new(permits));
                run_threads(threads, iters, move |_, n| {
                    for _ in 0..n {
                        let p = block_on::block_on(s.acquire()).expect("never closed");
                        black_box(&p);
                    }
                })
            })
        });
        g.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Queue

/// Capacity of the bounded cases.
const BOUND: usize = 64;

fn queue(c: &mut Criterion) {
    for (pairs, bounded) in [(1usize, false), (1, true), (2, false), (2, true)] {
        let cap = if bounded { BOUND } else { 0 };
        let kind = if bounded { "bounded64" } else { "unbounded" };
        // One iteration = one item through each producer/consumer pair. Threads 0..pairs
        // produce, pairs..2*pairs consume.
        let mut g = group(c, &format!("queue_{pairs}p{pairs}c_{kind}"));
        g.bench_function("threadcheck", |b| {
            b.iter_custom(|iters| {
                let q = Arc::new(threadcheck::Queue::<u64>::new(cap));
                run_threads(2 * pairs, iters, move |i, n| {
                    if i < pairs {
                        for k in 0..n {
                            q.put(k).expect("not shut down");
                        }
                    } else {
                        for _ in 0..n {
                            black_box(q.get().expect("not shut down"));
                        }
                    }
                })
            })
        });
        g.bench_function("crossbeam", |b| {
            b.iter_custom(|iters| {
                let (tx, rx) = if bounded {
                    crossbeam_channel::bounded::<u64>(BOUND)
                } else {
                    crossbeam_channel::unbounded::<u64>()
                };
                run_threads(2 * pairs, iters, move |i, n| {
                    if i < pairs {
                        for k in 0..n {
                            tx.send(k).expect("receiver alive");
                        }
                    } else {
                        for _ in 0..n {
                            black_box(rx.recv().expect("sender alive"));
                        }
                    }
                })
            })
        });
        // std's Receiver is single-consumer: only the 1P/1C cases have an mpsc row.
        if pairs == 1 {
            g.bench_function("std_mpsc", |b| {
                b.iter_custom(|iters| {
                    enum Tx {
                        Sync(std::sync::mpsc::SyncSender<u64>),
                        Async(std::sync::mpsc::Sender<u64>),
                    }
                    let (tx, rx) = if bounded {
                        let (tx, rx) = std::sync::mpsc::sync_channel(BOUND);
                        (Tx::Sync(tx), rx)
                    } else {
                        let (tx, rx) = std::sync::mpsc::channel();
                        (Tx::Async(tx), rx)
                    };
                    let rx = Mutex::new(Some(rx));
                    let tx = Mutex::new(Some(tx));
                    run_threads(2, iters, move |i, n| {
                        if i == 0 {
                            let tx = tx.lock().unwrap().take().expect("one producer");
                            for k in 0..n {
                                match &tx {
                                    Tx::Sync(tx) => tx.send(k).expect("receiver alive"),
                                    Tx::Async(tx) => tx.send(k).expect("receiver alive"),
                                }
                            }
                        } else {
                            let rx = rx.lock().unwrap().take().expect("one consumer");
                            for _ in 0..n {
                                black_box(rx.recv().expect("sender alive"));
                            }
                        }
                    })
                })
            });
        }
        g.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// Event, Barrier, Condition: wake-up latency as a ping-pong between two threads.
// One iteration = one full exchange (ping and pong), i.e. two wake-ups.

/// The std way to write an event: a flag behind a Mutex, waiters on a Condvar.
struct StdEvent {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl StdEvent {
    fn new() -> Self {
        StdEvent {
            flag: Mutex::new(false),
            cv: Condvar::new(),
        }
    }
    fn set(&self) {
        *self.flag.lock().unwrap() = true;
        self.cv.notify_all();
    }
    fn clear(&self) {
        *self.flag.lock().unwrap() = false;
    }
    fn wait(&self) {
        let mut f = self.flag.lock().unwrap();
        while !*f {
            f = self.cv.wait(f).unwrap();
        }
    }
}

fn wakeups(c: &mut Criterion) {
    let mut g = group(c, "event_pingpong");
    g.bench_function("threadcheck", |b| {
        b.iter_custom(|iters| {
            let ev = Arc::new([threadcheck::Event::new(), threadcheck::Event::new()]);
            run_threads(2, iters, move |i, n| {
                let (mine, theirs) = (&ev[i], &ev[1 - i]);
                for _ in 0..n {
                    if i == 0 {
                        theirs.set();
                        mine.wait();
                        mine.clear();
                    } else {
                        mine.wait();
                        mine.clear();
                        theirs.set();
                    }
                }
            })
        })
    });
    g.bench_function("std_mutex_condvar", |b| {
        b.iter_custom(|iters| {
            let ev = Arc::new([StdEvent::new(), StdEvent::new()]);
            run_threads(2, iters, move |i, n| {
                let (mine, theirs) = (&ev[i], &ev[1 - i]);
                for _ in 0..n {
                    if i == 0 {
                        theirs.set();
                        mine.wait();
                        mine.clear();
                    } else {
                        mine.wait();
                        mine.clear();
                        theirs.set();
                    }
                }
            })
        })
    });
    g.finish();

    // Two parties; one iteration = one generation of the barrier.
    let mut g = group(c, "barrier_2parties");
    g.bench_function("threadcheck", |b| {
        b.iter_custom(|iters| {
            let bar = Arc::new(threadcheck::Barrier::new(2).expect("2 parties"));
            run_threads(2, iters, move |_, n| {
                for _ in 0..n {
                    black_box(bar.wait().expect("never broken"));
                }
            })
        })
    });
    g.bench_function("std", |b| {
        b.iter_custom(|iters| {
            let bar = Arc::new(std::sync::Barrier::new(2));
            run_threads(2, iters, move |_, n| {
                for _ in 0..n {
                    black_box(bar.wait());
                }
            })
        })
    });
    g.finish();

    // A turn counter: thread i waits for `turn % 2 == i`, advances it and notifies.
    let mut g = group(c, "condition_pingpong");
    g.bench_function("threadcheck", |b| {
        b.iter_custom(|iters| {
            let cond = Arc::new(threadcheck::Condition::new(0u64));
            run_threads(2, iters, move |i, n| {
                let i = i as u64;
                for _ in 0..n {
                    let mut turn = cond.lock();
                    turn.wait_for(|t| t % 2 == i);
                    *turn += 1;
                    turn.notify(1);
                }
            })
        })
    });
    g.bench_function("std_condvar", |b| {
        b.iter_custom(|iters| {
            let pair = Arc::new((Mutex::new(0u64), Condvar::new()));
            run_threads(2, iters, move |i, n| {
                let i = i as u64;
                let (m, cv) = &*pair;
                for _ in 0..n {
                    let mut turn = cv.wait_while(m.lock().unwrap(), |t| *t % 2 != i).unwrap();
                    *turn += 1;
                    cv.notify_one();
                }
            })
        })
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// ThreadPoolExecutor

/// Workers in every pool: the machine's cores.
const WORKERS: usize = 2;
/// Tasks per iteration of the submit+result case.
const BATCH: u64 = 1_000;
/// Items of the small-task `map`.
const MAP_ITEMS: u64 = 100_000;

fn small(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

/// About a millisecond of pure computation (no memory traffic, no locks).
fn cpu_heavy(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..400_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn pool(c: &mut Criterion) {
    let tc = threadcheck::ThreadPoolExecutor::new(WORKERS).expect("workers > 0");
    let rp = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("rayon pool");
    let tp = threadpool::ThreadPool::new(WORKERS);

    // Submit BATCH tasks, then wait for all their results: the per-task cost of the pool
    // machinery (one iteration = BATCH tasks).
    let mut g = group(c, "pool_submit_result_x1000");
    g.bench_function("threadcheck", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..BATCH)
                .map(|i| tc.submit(move || small(i)).expect("not shut down"))
                .collect();
            futures
                .into_iter()
                .map(|f| f.result().expect("no panic"))
                .fold(0u64, u64::wrapping_add)
        })
    });
    // rayon: `spawn` + a channel per task is its submit/result; `scope` would hide the per-task
    // handle a Future gives.
    g.bench_function("rayon", |b| {
        b.iter(|| {
            let rxs: Vec<_> = (0..BATCH)
                .map(|i| {
                    let (tx, rx) = std::sync::mpsc::sync_channel(1);
                    rp.spawn(move || tx.send(small(i)).expect("receiver alive"));
                    rx
                })
                .collect();
            rxs.into_iter()
                .map(|rx| rx.recv().expect("task ran"))
                .fold(0u64, u64::wrapping_add)
        })
    });
    g.bench_function("threadpool", |b| {
        b.iter(|| {
            let rxs: Vec<_> = (0..BATCH)
                .map(|i| {
                    let (tx, rx) = std::sync::mpsc::sync_channel(1);
                    tp.execute(move || tx.send(small(i)).expect("receiver alive"));
                    rx
                })
                .collect();
            rxs.into_iter()
                .map(|rx| rx.recv().expect("task ran"))
                .fold(0u64, u64::wrapping_add)
        })
    });
    g.finish();

    // map over 10^5 tiny items, results consumed in order.
    let mut g = group(c, "pool_map_1e5_small");
    g.bench_function("threadcheck", |b| {
        b.iter(|| {
            tc.map(small, 0..MAP_ITEMS)
                .expect("not shut down")
                .map(|r| r.expect("no panic"))
                .fold(0u64, u64::wrapping_add)
        })
    });
    g.bench_function("rayon", |b| {
        b.iter(|| {
            rp.install(|| {
                (0..MAP_ITEMS)
                    .into_par_iter()
                    .map(small)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .fold(0u64, u64::wrapping_add)
            })
        })
    });
    // threadpool has no map: one job per item, results back through a channel, as its docs do.
    g.bench_function("threadpool", |b| {
        b.iter(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            for i in 0..MAP_ITEMS {
                let tx = tx.clone();
                tp.execute(move || tx.send((i, small(i))).expect("receiver alive"));
            }
            drop(tx);
            let mut out = vec![0u64; MAP_ITEMS as usize];
            for (i, v) in rx {
                out[i as usize] = v;
            }
            out.into_iter().fold(0u64, u64::wrapping_add)
        })
    });
    g.finish();

    // CPU-bound map: 32 items of ~1 ms each, on 1 and on 2 workers. Rust threads run in
    // parallel (no GIL), so 2 workers should take about half the time on 2 idle cores.
    let mut g = group(c, "pool_cpu_map_32x1ms");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    for workers in [1usize, 2] {
        let pool = threadcheck::ThreadPoolExecutor::new(workers).expect("workers > 0");
        let name = if workers == 1 {
            "threadcheck_1_worker".to_string()
        } else {
            format!("threadcheck_{workers}_workers")
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                pool.map_chunked(cpu_heavy, 0..32u64, 1)
                    .expect("not shut down")
                    .map(|r| r.expect("no panic"))
                    .fold(0u64, u64::wrapping_add)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = lock, semaphore, queue, wakeups, pool
}
criterion_main!(benches);
