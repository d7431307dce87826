//! The one queue implementation behind [`Queue`](super::Queue), [`LifoQueue`](super::LifoQueue)
//! and [`PriorityQueue`](super::PriorityQueue).
//!
//! Invariants (all inside one monitor, so every operation is one atomic step):
//! * `items.len() <= maxsize` when `maxsize > 0`; a `put` waits while the queue is full;
//! * `unfinished` counts the items put and not yet `task_done` (Python's `unfinished_tasks`); it
//!   never goes below zero: a surplus `task_done` is refused and changes nothing;
//! * once `shut_down` is set it stays set; `put` then refuses (handing the item back), and `get`
//!   refuses once no item is left. `shutdown(immediate)` removes the items, hands them to the
//!   caller and discounts them from `unfinished`, which releases `join`.
//! * a refused or waiting operation changes nothing (the monitor contract).

use super::Discipline;
use crate::error::{GetError, PutError, ShutDown, TaskDoneError};
use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::time::Duration;

#[derive(Hash)]
struct State<D> {
    items: D,
    unfinished: usize,
    shut_down: bool,
}

/// A queue handing out items in the order of its [`Discipline`] `D`: Python's `queue.Queue`
/// and its subclasses. Use it through the aliases [`Queue`](super::Queue),
/// [`LifoQueue`](super::LifoQueue), [`PriorityQueue`](super::PriorityQueue) (or
/// [`threadcheck::Queue`](crate::Queue), ... on the default runtime).
///
/// No bound is put on `T` beyond `Send`. Counterexample traces show every operation ("put
/// Queue jobs"); to also show the items ("put Queue jobs <- 3"), build the queue with
/// [`show_items`](GenericQueue::show_items), which needs `T: Debug`.
///
/// ```
/// use threadcheck::{Queue, Thread};
/// use std::sync::Arc;
///
/// // A worker that marks every item done; `join` returns when all are.
/// let q = Arc::new(Queue::new(2));
/// let worker = {
///     let q = Arc::clone(&q);
///     Thread::spawn(move || {
///         while let Ok(item) = q.get() {
///             let _ = item * 2; // ... process ...
///             q.task_done().unwrap();
///         }
///     })
/// };
/// for i in 0..10 {
///     q.put(i).unwrap(); // waits while 2 items are queued
/// }
/// q.join(); // every item was processed
/// q.shutdown(false); // the worker's next `get` fails: it stops
/// worker.join().unwrap();
/// ```
pub struct GenericQueue<T: Send, D: Discipline<T>, R: Runtime = DefaultRuntime> {
    state: R::Monitor<State<D>>,
    maxsize: usize,
    show: Option<fn(&T) -> String>,
    _items: PhantomData<fn(T) -> T>,
}

impl<T: Send, D: Discipline<T>, R: Runtime> GenericQueue<T, D, R> {
    /// A queue holding at most `maxsize` items; `0` means unbounded, as in Python
    /// (`queue.Queue(maxsize=0)`).
    ///
    /// ```
    /// let bounded = threadcheck::Queue::<i32>::new(1);
    /// bounded.put(1).unwrap();
    /// assert!(bounded.full());
    /// let unbounded = threadcheck::Queue::<i32>::new(0);
    /// assert!(!unbounded.full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        Self::with_meta(ObjectMeta::new(D::KIND), maxsize)
    }

    /// A queue with a name that counterexample traces show ("get Queue jobs").
    ///
    /// ```
    /// let q = threadcheck::LifoQueue::<&str>::named("stack", 0);
    /// q.put("x").unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn named(name: &str, maxsize: usize) -> Self {
        Self::with_meta(ObjectMeta::named(D::KIND, name), maxsize)
    }

    fn with_meta(meta: ObjectMeta, maxsize: usize) -> Self {
        let state = State {
            items: D::default(),
            unfinished: 0,
            shut_down: false,
        };
        GenericQueue {
            state: Monitor::new(state, meta),
            maxsize,
            show: None,
            _items: PhantomData,
        }
    }

    /// Makes traces show the items put and got ("put Queue jobs <- 3", "get Queue jobs -> 3").
    /// Under [`Std`](crate::rt::Std), which keeps no trace, it costs one `format!` per `put`.
    ///
    /// ```
    /// let q = threadcheck::Queue::named("jobs", 0).show_items();
    /// q.put(3).unwrap();
    /// assert_eq!(q.get(), Ok(3));
    /// ```
    pub fn show_items(mut self) -> Self
    where
        T: fmt::Debug,
    {
        self.show = Some(|item| format!("{item:?}"));
        self
    }

    /// The same queue, with its state fingerprinted (the items, the count of unfinished tasks, the
    /// shut-down flag): lets the native engine's state caching (`Reductions::state_caching`, CLI
    /// `--state-caching`) compare this queue by value; without it, it is named by the history of
    /// the threads that changed it (sound, less sharing). Needs a hashable store:
    /// [`Fifo`](super::Fifo), [`Lifo`](super::Lifo) and [`Priority`](super::Priority) are when the
    /// items are `Hash`, and that `Hash` must cover everything in an item that can influence the
    /// program.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0).fingerprinted();
    /// q.put(1).unwrap();
    /// assert_eq!(q.get(), Ok(1));
    /// q.task_done().unwrap();
    /// ```
    pub fn fingerprinted(self) -> Self
    where
        D: Hash,
    {
        GenericQueue {
            state: self.state.with_fingerprint(fingerprint_of::<State<D>>),
            ..self
        }
    }

    /// The capacity given at creation (`q.maxsize`); `0` means unbounded.
    ///
    /// ```
    /// assert_eq!(threadcheck::Queue::<u8>::new(4).maxsize(), 4);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Puts an item, waiting while the queue is full (`q.put(item)`). Fails only if the queue
    /// is, or becomes while waiting, shut down; the item is then handed back.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put("job").unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    #[track_caller]
    pub fn put(&self, item: T) -> Result<(), ShutDown<T>> {
        self.put_with(item, Wait::Forever).map_err(|e| match e {
            PutError::ShutDown(item) | PutError::Full(item) => ShutDown(item),
        })
    }

    /// Puts an item if there is room now (`q.put_nowait(item)`); otherwise hands it back in
    /// [`PutError::Full`] (or [`PutError::ShutDown`]).
    ///
    /// ```
    /// use threadcheck::error::PutError;
    /// let q = threadcheck::Queue::new(1);
    /// assert!(q.put_nowait(1).is_ok());
    /// assert_eq!(q.put_nowait(2), Err(PutError::Full(2)));
    /// ```
    #[track_caller]
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.put_with(item, Wait::No)
    }

    /// Puts an item, waiting at most `timeout` for room (`q.put(item, timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = threadcheck::Queue::new(1);
    /// q.put(1).unwrap();
    /// let refused = q.put_timeout(2, Duration::from_millis(5)).unwrap_err();
    /// assert_eq!(refused.into_inner(), 2);
    /// ```
    #[track_caller]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_with(item, Wait::For(timeout))
    }

    /// Puts an item, waiting for room as `wait` says (`q.put(item, block, timeout)`).
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let q = threadcheck::Queue::new(1);
    /// q.put_with('a', Wait::from_python(true, Some(0.1))).unwrap();
    /// assert!(q.put_with('b', Wait::No).unwrap_err().is_full());
    /// ```
    #[track_caller]
    pub fn put_with(&self, item: T, wait: Wait) -> Result<(), PutError<T>> {
        let shown = self.show.map(|show| show(&item));
        let maxsize = self.maxsize;
        let mut slot = Some(item);
        let op = Op::new("put", Access::Write);
        let outcome = self.state.op(op, wait, |s| {
            if s.shut_down {
                return Some(false);
            }
            if maxsize > 0 && s.items.len() >= maxsize {
                return None;
            }
            if let Some(item) = slot.take() {
                s.items.push(item);
                s.unfinished += 1;
            }
            Some(true)
        });
        // Decided by the result alone (a fingerprinted monitor passes information only through
        // it): the item left `slot` exactly when the result is `Some(true)`.
        const REFUSED: &str = "a refused item stays with the caller";
        match outcome {
            Some(true) => {
                debug_assert!(slot.is_none(), "an item that was put left the caller");
                if let Some(shown) = shown {
                    R::note(|| format!("<- {shown}"));
                }
                Ok(())
            }
            Some(false) => {
                R::note(|| "shut down".to_string());
                Err(PutError::ShutDown(slot.expect(REFUSED)))
            }
            None => {
                R::note(|| "full".to_string());
                Err(PutError::Full(slot.expect(REFUSED)))
            }
        }
    }

    /// Removes and returns the next item, waiting while the queue is empty (`q.get()`). Fails
    /// only once the queue is shut down and has no item left.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put(5).unwrap();
    /// assert_eq!(q.get(), Ok(5));
    /// ```
    #[track_caller]
    pub fn get(&self) -> Result<T, ShutDown> {
        self.get_with(Wait::Forever).map_err(|_| ShutDown(()))
    }

    /// Removes and returns the next item if there is one now (`q.get_nowait()`).
    ///
    /// ```
    /// use threadcheck::error::GetError;
    /// let q = threadcheck::Queue::<i32>::new(0);
    /// assert_eq!(q.get_nowait(), Err(GetError::Empty));
    /// ```
    #[track_caller]
    pub fn get_nowait(&self) -> Result<T, GetError> {
        self.get_with(Wait::No)
    }

    /// Removes and returns the next item, waiting at most `timeout` for one
    /// (`q.get(timeout=...)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = threadcheck::Queue::<i32>::new(0);
    /// assert!(q.get_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetError> {
        self.get_with(Wait::For(timeout))
    }

    /// Removes and returns the next item, waiting as `wait` says (`q.get(block, timeout)`).
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let q = threadcheck::Queue::new(0);
    /// q.put(1).unwrap();
    /// assert_eq!(q.get_with(Wait::from_python(false, None)), Ok(1));
    /// ```
    #[track_caller]
    pub fn get_with(&self, wait: Wait) -> Result<T, GetError> {
        let op = Op::new("get", Access::Write);
        let outcome = self.state.op(op, wait, |s| match s.items.pop() {
            Some(item) => Some(Ok(item)),
            None if s.shut_down => Some(Err(GetError::ShutDown)),
            None => None,
        });
        match outcome {
            Some(Ok(item)) => {
                if let Some(show) = self.show {
                    R::note(|| format!("-> {}", show(&item)));
                }
                Ok(item)
            }
            Some(Err(e)) => {
                R::note(|| "shut down".to_string());
                Err(e)
            }
            None => {
                R::note(|| "empty".to_string());
                Err(GetError::Empty)
            }
        }
    }

    /// Marks one item taken by `get` as processed (`q.task_done()`). Calling it more times than
    /// items were put is refused with [`TaskDoneError`] (Python: `ValueError`) and changes nothing.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err());
    /// ```
    #[track_caller]
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let op = Op::new("task_done", Access::Write);
        let done = self.state.op(op, Wait::No, |s| {
            Some(if s.unfinished > 0 {
                s.unfinished -= 1;
                true
            } else {
                false
            })
        });
        if done == Some(true) {
            Ok(())
        } else {
            R::note(|| "called too many times".to_string());
            Err(TaskDoneError)
        }
    }

    /// Waits until every item ever put has been marked [`task_done`](Self::task_done)
    /// (`q.join()`). Returns at once if there is none.
    ///
    /// ```
    /// let q = threadcheck::Queue::<u8>::new(0);
    /// q.join(); // nothing was put
    /// ```
    #[track_caller]
    pub fn join(&self) {
        let op = Op::new("join", Access::Read);
        self.state
            .op(op, Wait::Forever, |s| (s.unfinished == 0).then_some(()));
    }

    /// Shuts the queue down (Python 3.13 `q.shutdown(immediate)`): every later `put` fails, and
    /// `get` fails once the queue is empty; waiting `put`s and `get`s are released. With
    /// `immediate`, the queued items are removed at once and returned (in `get` order), each
    /// counted as done for [`join`](Self::join), so `get` fails at once too. Without it the
    /// returned vector is empty and consumers drain the queue.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// assert_eq!(q.shutdown(true), vec![1, 2]);
    /// assert!(q.get().is_err());
    /// q.join(); // the removed items count as done
    /// ```
    #[track_caller]
    pub fn shutdown(&self, immediate: bool) -> Vec<T> {
        let op = Op::new("shutdown", Access::Write);
        let drained = self.state.op(op, Wait::No, |s| {
            s.shut_down = true;
            let mut drained = Vec::new();
            if immediate {
                drained.reserve(s.items.len());
                while let Some(item) = s.items.pop() {
                    drained.push(item);
                    s.unfinished = s.unfinished.saturating_sub(1);
                }
            }
            Some(drained)
        });
        drained.unwrap_or_default()
    }

    /// Whether [`shutdown`](Self::shutdown) was called (`q.is_shutdown`).
    ///
    /// ```
    /// let q = threadcheck::Queue::<u8>::new(0);
    /// q.shutdown(false);
    /// assert!(q.is_shut_down());
    /// ```
    #[track_caller]
    pub fn is_shut_down(&self) -> bool {
        self.read("read is_shutdown of", |s| s.shut_down)
    }

    /// The number of items queued now (`q.qsize()`): a snapshot that may change at once.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put(()).unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    #[track_caller]
    pub fn qsize(&self) -> usize {
        self.read("qsize", |s| s.items.len())
    }

    /// Whether the queue is empty now (`q.empty()`): a snapshot. A `get` after `empty()`
    /// returned `false` may still wait, since another thread can take the item in between.
    ///
    /// ```
    /// let q = threadcheck::Queue::<u8>::new(0);
    /// assert!(q.empty());
    /// ```
    #[track_caller]
    pub fn empty(&self) -> bool {
        self.read("empty", |s| s.items.is_empty())
    }

    /// Whether the queue is full now (`q.full()`; never true when unbounded): a snapshot.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(1);
    /// q.put(0).unwrap();
    /// assert!(q.full());
    /// ```
    #[track_caller]
    pub fn full(&self) -> bool {
        let maxsize = self.maxsize;
        self.read("full", |s| maxsize > 0 && s.items.len() >= maxsize)
    }

    /// The number of items put and not yet marked done (`q.unfinished_tasks`): a snapshot.
    ///
    /// ```
    /// let q = threadcheck::Queue::new(0);
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 1);
    /// ```
    #[track_caller]
    pub fn unfinished_tasks(&self) -> usize {
        self.read("read unfinished_tasks of", |s| s.unfinished)
    }

    #[track_caller]
    fn read<U: fmt::Debug>(&self, action: &'static str, f: impl Fn(&State<D>) -> U) -> U {
        let op = Op::new(action, Access::Read);
        let value = self.state.op(op, Wait::No, |s| Some(f(s)));
        let value = value.expect("a read always proceeds");
        R::note(|| format!("-> {value:?}"));
        value
    }
}

impl<T: Send, D: Discipline<T>, R: Runtime> Default for GenericQueue<T, D, R> {
    /// An unbounded queue.
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T: Send, D: Discipline<T>, R: Runtime> fmt::Debug for GenericQueue<T, D, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(D::KIND)
            .field("maxsize", &self.maxsize)
            .finish_non_exhaustive()
    }
}
