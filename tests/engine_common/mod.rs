//! Model programs shared by the engine tests, generic over the runtime so that loom and the
//! native engine check the very same code.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;
use threadcheck::rt::Runtime;
use threadcheck::sync::{Lock, Semaphore, Var};
use threadcheck::thread::{Builder, JoinHandle};

/// The seed's locked counter: main starts `threads` threads, each doing `n` times
/// `with counter_lock: counter += 1`, joins them and checks the total.
pub fn locked_counter<R: Runtime>(
    threads: usize,
    n: usize,
    daemon: bool,
) -> impl Fn() + Send + Sync {
    move || {
        let counter = Arc::new(Lock::<usize, R>::named("counter_lock", 0));
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let counter = counter.clone();
                Builder::<R>::new()
                    .daemon(daemon)
                    .spawn(move || {
                        for _ in 0..n {
                            counter.with(|c| *c += 1);
                        }
                    })
                    .unwrap()
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(*counter.lock(), threads * n);
    }
}

/// The seed's unlocked counter: `counter += 1` is a read step then a write step.
pub fn unlocked_counter<R: Runtime>(n: usize) -> impl Fn() + Send + Sync {
    move || {
        let counter = Arc::new(Var::<usize, R>::named("counter", 0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                JoinHandle::<(), R>::spawn(move || {
                    for _ in 0..n {
                        let seen = counter.get();
                        counter.set(seen + 1);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(counter.get(), 2 * n, "lost update");
    }
}

/// Enters the guarded region: counts the threads inside (under a lock) and checks the limit.
fn enter<R: Runtime>(inside: &Lock<usize, R>) {
    inside.with(|n| {
        *n += 1;
        assert!(*n <= LIMIT, "{n} threads inside, limit {LIMIT}");
    });
}

fn leave<R: Runtime>(inside: &Lock<usize, R>) {
    inside.with(|n| *n -= 1);
}

/// The limit checked by [`semaphore_limit`] and [`broken_semaphore`]: the permits.
pub const LIMIT: usize = 2;

/// The seed's semaphore: `workers` threads each do `with semaphore: <access>`; at most
/// `LIMIT` are inside at once.
pub fn semaphore_limit<R: Runtime>(workers: usize) -> impl Fn() + Send + Sync {
    move || {
        let sem = Arc::new(Semaphore::<R>::named("slots", LIMIT));
        let inside = Arc::new(Lock::<usize, R>::named("inside", 0));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                JoinHandle::<(), R>::spawn(move || {
                    let _permit = sem.acquire();
                    enter(&inside);
                    R::sleep(Duration::from_secs(2)); // `time.sleep(2)` in the seed
                    leave(&inside);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(sem.value(), LIMIT);
    }
}

/// A broken semaphore: "if value > 0: value -= 1" as two separate steps, spinning while zero.
pub fn broken_semaphore<R: Runtime>(workers: usize) -> impl Fn() + Send + Sync {
    move || {
        let value = Arc::new(Var::<usize, R>::named("value", LIMIT));
        let inside = Arc::new(Lock::<usize, R>::named("inside", 0));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (value, inside) = (value.clone(), inside.clone());
                JoinHandle::<(), R>::spawn(move || {
                    loop {
                        let v = value.get();
                        if v > 0 {
                            value.set(v - 1); // check-then-decrement: not atomic
                            break;
                        }
                        R::yield_now();
                    }
                    enter(&inside);
                    R::sleep(Duration::from_secs(2));
                    leave(&inside);
                    let v = value.get();
                    value.set(v + 1);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}

/// Semaphore(1) with two threads: mutual exclusion (the crate's loom test, on a lock counter).
pub fn semaphore_mutex<R: Runtime>() -> impl Fn() + Send + Sync {
    move || {
        let sem = Arc::new(Semaphore::<R>::new(1));
        let inside = Arc::new(Lock::<usize, R>::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                JoinHandle::<(), R>::spawn(move || {
                    let _permit = sem.acquire();
                    inside.with(|n| {
                        *n += 1;
                        assert_eq!(*n, 1, "two threads inside");
                    });
                    R::yield_now();
                    inside.with(|n| *n -= 1);
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(sem.value(), 1);
    }
}

/// Two locks taken in opposite orders by two threads.
pub fn lock_order_deadlock<R: Runtime>() -> impl Fn() + Send + Sync {
    move || {
        let a = Arc::new(Lock::<(), R>::named("a", ()));
        let b = Arc::new(Lock::<(), R>::named("b", ()));
        let (a2, b2) = (a.clone(), b.clone());
        let t1 = JoinHandle::<(), R>::spawn(move || {
            let _a = a2.lock();
            let _b = b2.lock();
        });
        let t2 = JoinHandle::<(), R>::spawn(move || {
            let _b = b.lock();
            let _a = a.lock();
        });
        t1.join().unwrap();
        t2.join().unwrap();
    }
}

/// The same two threads taking the locks in the same order: no deadlock.
pub fn lock_order_consistent<R: Runtime>() -> impl Fn() + Send + Sync {
    move || {
        let a = Arc::new(Lock::<(), R>::named("a", ()));
        let b = Arc::new(Lock::<(), R>::named("b", ()));
        let (a2, b2) = (a.clone(), b.clone());
        let t1 = JoinHandle::<(), R>::spawn(move || {
            let _a = a2.lock();
            let _b = b2.lock();
        });
        let t2 = JoinHandle::<(), R>::spawn(move || {
            let _a = a.lock();
            let _b = b.lock();
        });
        t1.join().unwrap();
        t2.join().unwrap();
    }
}

/// C(n, k).
pub fn binomial(n: u64, k: u64) -> u64 {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

/// A broken semaphore without spinning: "if value > 0: value -= 1" in two steps, and a worker
/// that finds no permit skips the resource. Finite under the exhaustive search (a spin loop has
/// one trace per number of spins).
pub fn broken_semaphore_try<R: Runtime>(workers: usize) -> impl Fn() + Send + Sync {
    move || {
        let value = Arc::new(Var::<usize, R>::named("value", LIMIT));
        let inside = Arc::new(Lock::<usize, R>::named("inside", 0));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (value, inside) = (value.clone(), inside.clone());
                JoinHandle::<(), R>::spawn(move || {
                    let v = value.get();
                    if v > 0 {
                        value.set(v - 1); // check-then-decrement: not atomic
                        enter(&inside);
                        R::sleep(Duration::from_secs(2));
                        leave(&inside);
                        let v = value.get();
                        value.set(v + 1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}
