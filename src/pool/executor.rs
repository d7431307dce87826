//! `ThreadPoolExecutor`: Python's `concurrent.futures.ThreadPoolExecutor`.
//!
//! Invariants (one monitor, so each step below is atomic):
//! * `threads` counts the workers started (or being started) and not yet exited; it never
//!   exceeds `max_workers`. `busy` counts the workers holding a task; `threads - busy` workers
//!   are idle or about to take a task. A submit starts a new worker exactly when the queued
//!   tasks outnumber the idle workers and the limit allows it (Python starts workers lazily the
//!   same way), so the pool never starts a thread it does not need;
//! * after `shutdown` no task is accepted (the closure is handed back); queued tasks still run
//!   unless `cancel_futures` removed them, and each worker exits once the queue is empty;
//! * a task's panic is caught and stored in its future: the worker goes on serving the others.
//! * `workers` lists the runtime ids of the running workers, so that `shutdown(wait=true)` from
//!   inside a task waits for the other workers, not for itself (which would never return).

use super::future::Future;
use super::map::{Chunk, MapResults};
use super::task::{Job, Task};
use crate::error::{ShutDown, ZeroWorkers};
use crate::rt::{Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Settle, Wait};
use crate::thread::Builder;
use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::panic::Location;
use std::sync::Arc;

/// Not fingerprinted for the native engine's state caching: the queued jobs are closures,
/// which cannot be hashed, so the pool's states cannot be compared by their content.
struct PoolState {
    jobs: VecDeque<Box<dyn Task>>,
    shut_down: bool,
    threads: usize,
    busy: usize,
    started: usize,
    workers: Vec<u64>,
}

impl PoolState {
    /// Reserves the workers needed for the queued tasks; returns their numbers.
    fn reserve_workers(&mut self, max_workers: usize) -> Range<usize> {
        let idle = self.threads - self.busy;
        let wanted = self.jobs.len().saturating_sub(idle);
        let n = wanted.min(max_workers - self.threads);
        self.threads += n;
        self.started += n;
        self.started - n..self.started
    }

    fn exit(&mut self, me: u64) {
        self.threads -= 1;
        self.workers.retain(|w| *w != me);
    }
}

struct Shared<R: Runtime> {
    state: R::Monitor<PoolState>,
    max_workers: usize,
    prefix: String,
}

enum Step {
    Run(Box<dyn Task>),
    Idle,
    Exit,
}

/// A pool of at most `max_workers` threads running submitted tasks (Python's
/// `concurrent.futures.ThreadPoolExecutor`).
///
/// Workers are started lazily, one per submitted task while no worker is idle, up to
/// `max_workers`, as in Python. Dropping the pool is `shutdown(wait=true)`: Python's `with`
/// block.
///
/// ```
/// use threadcheck::ThreadPoolExecutor;
///
/// // Seed 002: `with ThreadPoolExecutor(3) as executor: executor.map(task, range(5))`.
/// let executor = ThreadPoolExecutor::new(3).unwrap();
/// let greetings: Vec<String> = executor
///     .map(|n| "Hello ".repeat(n), 0..5)
///     .unwrap()
///     .map(|r| r.unwrap())
///     .collect();
/// assert_eq!(greetings[2], "Hello Hello ");
/// drop(executor); // the end of the `with` block: waits for the workers
/// ```
pub struct ThreadPoolExecutor<R: Runtime = DefaultRuntime> {
    shared: Arc<Shared<R>>,
}

impl<R: Runtime> ThreadPoolExecutor<R> {
    /// A pool of at most `max_workers` threads (`ThreadPoolExecutor(max_workers)`); zero is
    /// refused with [`ZeroWorkers`] (Python: `ValueError`).
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(4).unwrap();
    /// assert_eq!(pool.max_workers(), 4);
    /// assert!(threadcheck::ThreadPoolExecutor::new(0).is_err());
    /// ```
    pub fn new(max_workers: usize) -> Result<Self, ZeroWorkers> {
        Self::named("ThreadPoolExecutor", max_workers)
    }

    /// A pool whose workers are named `{prefix}_0`, `{prefix}_1`, ...
    /// (`ThreadPoolExecutor(max_workers, thread_name_prefix=prefix)`); traces show the name too.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::named("downloader", 2).unwrap();
    /// let name = pool.submit(|| threadcheck::thread::current().name().to_string()).unwrap();
    /// assert!(name.result().unwrap().starts_with("downloader_"));
    /// ```
    pub fn named(prefix: &str, max_workers: usize) -> Result<Self, ZeroWorkers> {
        if max_workers == 0 {
            return Err(ZeroWorkers);
        }
        let state = PoolState {
            jobs: VecDeque::new(),
            shut_down: false,
            threads: 0,
            busy: 0,
            started: 0,
            workers: Vec::new(),
        };
        Ok(ThreadPoolExecutor {
            shared: Arc::new(Shared {
                state: Monitor::new(state, ObjectMeta::named("ThreadPoolExecutor", prefix)),
                max_workers,
                prefix: prefix.to_string(),
            }),
        })
    }

    /// Python's default size, `min(32, cpus + 4)`, where `cpus` is
    /// [`std::thread::available_parallelism`] (1 if unknown).
    ///
    /// ```
    /// let n = threadcheck::ThreadPoolExecutor::default_max_workers();
    /// assert!((5..=32).contains(&n));
    /// ```
    pub fn default_max_workers() -> usize {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cpus + 4).min(32)
    }

    /// The maximum number of worker threads.
    ///
    /// ```
    /// assert_eq!(threadcheck::ThreadPoolExecutor::new(2).unwrap().max_workers(), 2);
    /// ```
    pub fn max_workers(&self) -> usize {
        self.shared.max_workers
    }

    /// Schedules `f` to run on a worker and returns its [`Future`] (`executor.submit(f)`).
    /// After [`shutdown`](Self::shutdown) the closure is refused and handed back in
    /// [`ShutDown`].
    ///
    /// If no worker thread can be started at all (the runtime refuses to create threads), the
    /// task is cancelled: its future reports [`JoinError::Cancelled`](crate::error::JoinError::Cancelled).
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(2).unwrap();
    /// let square = pool.submit(|| 7 * 7).unwrap();
    /// assert_eq!(square.result().unwrap(), 49);
    /// ```
    #[track_caller]
    pub fn submit<F, T>(&self, f: F) -> Result<Future<T, R>, ShutDown<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let site = Location::caller();
        let future = Future::<T, R>::pending();
        let job: Box<dyn Task> = Box::new(Job::<F, T, R>::new(f, future.shared(), site));
        let mut slot = Some(job);
        let op = Op::new("submit to", Access::Write);
        let max_workers = self.shared.max_workers;
        let reserved = self.shared.state.op(op, Wait::No, |s| {
            if s.shut_down {
                return Some(None);
            }
            s.jobs.extend(slot.take());
            Some(Some(s.reserve_workers(max_workers)))
        });
        // Decided by the result alone, as a fingerprinted monitor requires: the job left `slot`
        // exactly when it was accepted.
        match reserved.flatten() {
            Some(workers) => {
                self.start_workers(workers, site);
                Ok(future)
            }
            None => {
                let job = slot.expect("a refused job stays with the submitter");
                match job.into_any().downcast::<Job<F, T, R>>() {
                    Ok(job) => Err(ShutDown(job.f)),
                    Err(_) => unreachable!("the job was built with these types"),
                }
            }
        }
    }

    /// Runs `f` on every item on the pool and returns the results **in input order**
    /// (`executor.map(f, items)`), as an iterator that waits for each result when it gets to it.
    ///
    /// Each item yields its own `Result`: a panicking item gives [`JoinError::Panicked`](crate::error::JoinError::Panicked) and
    /// the others are unaffected (Python would raise at that item and stop iterating);
    /// [`JoinError::Cancelled`](crate::error::JoinError::Cancelled) if a `shutdown(cancel_futures=true)` removed it first. All items
    /// are submitted at once, in one step; dropping the iterator does not cancel them.
    ///
    /// Items are run in chunks of consecutive items ([`map_chunked`](Self::map_chunked) with an
    /// automatic chunk size: one item per task up to `4 * max_workers` items, then
    /// `4 * max_workers` chunks), which keeps the per-item cost near a plain loop. Items that
    /// wait for each other should use `map_chunked(.., 1)` or [`submit`](Self::submit).
    ///
    /// After [`shutdown`](Self::shutdown) nothing runs and `f` is handed back in [`ShutDown`].
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(2).unwrap();
    /// let results: Vec<_> = pool.map(|x: i32| 10 / x, [5, 0, 2]).unwrap().collect();
    /// assert_eq!(results[0].as_ref().ok(), Some(&2));
    /// assert!(results[1].is_err()); // division by zero panicked in that task only
    /// assert_eq!(results[2].as_ref().ok(), Some(&5));
    /// ```
    #[track_caller]
    pub fn map<I, F, T>(&self, f: F, items: I) -> Result<MapResults<T, R>, ShutDown<F>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.map_chunked(f, items, 0)
    }

    /// [`map`](Self::map) with `chunksize` consecutive items per task (Python's `chunksize`
    /// argument of `Executor.map`); `chunksize = 1` is one task per item, `0` picks the size
    /// automatically as [`map`](Self::map) does.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(2).unwrap();
    /// let squares: Vec<u64> = pool
    ///     .map_chunked(|x: u64| x * x, 0..1000, 100)
    ///     .unwrap()
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(squares[999], 998_001);
    /// ```
    #[track_caller]
    pub fn map_chunked<I, F, T>(
        &self,
        f: F,
        items: I,
        chunksize: usize,
    ) -> Result<MapResults<T, R>, ShutDown<F>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let site = Location::caller();
        let items = items.into_iter();
        // Materialize the items only when their number is not known up front.
        let (items, total) = match items.size_hint() {
            (lower, Some(upper)) if lower == upper => (Either::Exact(items), lower),
            _ => {
                let all: Vec<I::Item> = items.collect();
                let total = all.len();
                (Either::Collected(all.into_iter()), total)
            }
        };
        let chunksize = if chunksize > 0 {
            chunksize
        } else {
            total.div_ceil(4 * self.shared.max_workers).max(1)
        };
        let f = Arc::new(f);
        let mut jobs: VecDeque<Box<dyn Task>> = VecDeque::with_capacity(total.div_ceil(chunksize));
        let mut chunks = VecDeque::with_capacity(total.div_ceil(chunksize));
        let mut items = items.take(total);
        let mut left = total;
        while left > 0 {
            // `extend` into an exact-capacity Vec: no regrowth, no copy of the chunk.
            let mut chunk: Vec<I::Item> = Vec::with_capacity(chunksize.min(left));
            chunk.extend(items.by_ref().take(chunksize.min(left)));
            if chunk.is_empty() {
                break; // an iterator that lied about its length
            }
            left -= chunk.len();
            let len = chunk.len();
            let g = Arc::clone(&f);
            let future = Future::<Chunk<T>, R>::pending();
            let run_chunk = move || Chunk::run::<R, _>(chunk, &*g);
            jobs.push_back(Box::new(Job::<_, _, R>::new(
                run_chunk,
                future.shared(),
                site,
            )));
            chunks.push_back((future, len));
        }
        let total = total - left;
        let op = Op::new("map on", Access::Write);
        let max_workers = self.shared.max_workers;
        let reserved = self.shared.state.op(op, Wait::No, |s| {
            if s.shut_down {
                return Some(None);
            }
            s.jobs.append(&mut jobs);
            Some(Some(s.reserve_workers(max_workers)))
        });
        match reserved.flatten() {
            Some(workers) => {
                self.start_workers(workers, site);
                Ok(MapResults::new(chunks, total))
            }
            None => {
                drop(jobs);
                drop(chunks);
                match Arc::try_unwrap(f) {
                    Ok(f) => Err(ShutDown(f)),
                    Err(_) => unreachable!("the refused tasks held the only other references"),
                }
            }
        }
    }

    /// Stops accepting tasks (`executor.shutdown(wait, cancel_futures=...)`). Queued tasks still
    /// run, unless `cancel_futures`, which cancels every task not yet started (their futures
    /// report [`JoinError::Cancelled`](crate::error::JoinError::Cancelled)). With `wait`, returns once every worker has exited
    /// (called from inside a task, it waits for the other workers). Calling it again is harmless.
    ///
    /// ```
    /// let pool = threadcheck::ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// pool.shutdown(true, false);
    /// assert_eq!(f.result().unwrap(), 1);
    /// assert!(pool.submit(|| 2).is_err());
    /// ```
    #[track_caller]
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        let op = Op::new("shutdown", Access::Write);
        let cancelled = self.shared.state.op(op, Wait::No, |s| {
            s.shut_down = true;
            // With no worker at all (none could be started), nobody would run the queue.
            let drain = cancel_futures || s.threads == 0;
            Some(if drain {
                s.jobs.drain(..).collect::<Vec<_>>()
            } else {
                Vec::new()
            })
        });
        for job in cancelled.into_iter().flatten() {
            job.cancel();
        }
        if wait {
            let me = R::current_id();
            let op = Op::new("wait for the workers of", Access::Read);
            self.shared.state.op(op, Wait::Forever, |s| {
                let own = usize::from(s.workers.contains(&me));
                (s.threads <= own).then_some(())
            });
        }
    }

    fn start_workers(&self, numbers: Range<usize>, site: &'static Location<'static>) {
        for number in numbers {
            let shared = Arc::clone(&self.shared);
            let spawned = Builder::<R>::new()
                .name(format!("{}_{number}", self.shared.prefix))
                .daemon(false)
                .spawn(move || work(&shared));
            if spawned.is_err() {
                self.worker_failed(site);
            }
        }
    }

    /// A reserved worker could not be started; if no worker is left, cancel the queued tasks.
    fn worker_failed(&self, site: &'static Location<'static>) {
        let op = Op {
            action: "fail to start a worker of",
            access: Access::Write,
            commutes_with: "fail to start a worker of",
            settle: Settle::No,
            site,
        };
        let orphans = self.shared.state.op(op, Wait::No, |s| {
            s.threads -= 1;
            Some(if s.threads == 0 {
                s.jobs.drain(..).collect::<Vec<_>>()
            } else {
                Vec::new()
            })
        });
        for job in orphans.into_iter().flatten() {
            job.cancel();
        }
    }
}

/// A worker: take a task (without going idle if one is queued), run it, repeat; exit once the
/// pool is shut down and the queue is empty.
fn work<R: Runtime>(shared: &Shared<R>) {
    let me = R::current_id();
    let mut registered = false;
    let mut busy = false;
    loop {
        let op = Op::new("take a task from", Access::Write);
        let step = shared.state.op(op, Wait::No, |s| {
            if !registered {
                s.workers.push(me);
            }
            if let Some(job) = s.jobs.pop_front() {
                if !busy {
                    s.busy += 1;
                }
                return Some(Step::Run(job));
            }
            if busy {
                s.busy -= 1;
            }
            if s.shut_down {
                s.exit(me);
                return Some(Step::Exit);
            }
            Some(Step::Idle)
        });
        registered = true;
        let step = match step {
            Some(Step::Idle) => {
                // Not counted as busy any more; the wait below counts it again if it takes a task.
                let op = Op::new("wait for a task from", Access::Write);
                shared.state.op(op, Wait::Forever, |s| {
                    if let Some(job) = s.jobs.pop_front() {
                        s.busy += 1;
                        Some(Step::Run(job))
                    } else if s.shut_down {
                        s.exit(me);
                        Some(Step::Exit)
                    } else {
                        None
                    }
                })
            }
            other => other,
        };
        match step {
            Some(Step::Run(job)) => {
                busy = true;
                job.run();
            }
            _ => return,
        }
    }
}

/// The items of a `map`: the caller's iterator when its length is known, else collected first.
enum Either<A, B> {
    Exact(A),
    Collected(B),
}

impl<A: Iterator, B: Iterator<Item = A::Item>> Iterator for Either<A, B> {
    type Item = A::Item;
    fn next(&mut self) -> Option<A::Item> {
        match self {
            Either::Exact(a) => a.next(),
            Either::Collected(b) => b.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Either::Exact(a) => a.size_hint(),
            Either::Collected(b) => b.size_hint(),
        }
    }
}

impl<R: Runtime> Default for ThreadPoolExecutor<R> {
    /// A pool of [`default_max_workers`](Self::default_max_workers) threads
    /// (`ThreadPoolExecutor()`).
    fn default() -> Self {
        let n = Self::default_max_workers();
        Self::new(n).unwrap_or_else(|_| unreachable!("the default is at least 5 workers"))
    }
}

impl<R: Runtime> Drop for ThreadPoolExecutor<R> {
    /// `shutdown(wait=true)`: the end of Python's `with ThreadPoolExecutor() as executor:`.
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}

impl<R: Runtime> fmt::Debug for ThreadPoolExecutor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutor")
            .field("prefix", &self.shared.prefix)
            .field("max_workers", &self.shared.max_workers)
            .finish_non_exhaustive()
    }
}
