//! Python's `queue` module: [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`] (smallest
//! first), generic over the [runtime](crate::rt).
//!
//! The three kinds are one implementation, [`GenericQueue`], over an ordering [`Discipline`]
//! ([`Fifo`], [`Lifo`], [`Priority`]), the way Python's three classes share `Queue` and override
//! `_put`/`_get`. A custom discipline is a type implementing [`Discipline`].
//!
//! Every operation is one atomic step of one monitor: `put` (waits while full), `get` (waits
//! while empty), `task_done`, `join`, `shutdown`, and the snapshots `qsize`/`empty`/`full`. The
//! seed's consumer loop `while not q.empty(): q.get()` is racy for the same reason as in Python:
//! `empty()` and `get()` are two steps, and the checkers show the interleaving that loses items.
//!
//! Errors follow Python's exceptions and hand back what the caller gave: a refused `put` returns
//! the item ([`PutError::Full`](crate::error::PutError::Full) or
//! [`PutError::ShutDown`](crate::error::PutError::ShutDown)), a refused `get` says why
//! ([`GetError`](crate::error::GetError)). Blocking `put`/`get` can only fail once the queue is
//! [shut down](GenericQueue::shutdown) (Python 3.13).
//!
//! ```
//! use threadcheck::{Queue, Thread};
//! use std::sync::Arc;
//!
//! // Seed 002, fixed: the consumer takes exactly as many items as were produced.
//! let q = Arc::new(Queue::new(0));
//! let producer = {
//!     let q = Arc::clone(&q);
//!     Thread::spawn(move || {
//!         for i in 0..5 {
//!             q.put(i).unwrap();
//!         }
//!     })
//! };
//! let consumer = {
//!     let q = Arc::clone(&q);
//!     Thread::spawn(move || (0..5).map(|_| q.get().unwrap()).collect::<Vec<_>>())
//! };
//! producer.join().unwrap();
//! assert_eq!(consumer.join().unwrap(), vec![0, 1, 2, 3, 4]);
//! ```

mod discipline;
mod generic;

pub use discipline::{Discipline, Fifo, Lifo, Priority};
pub use generic::GenericQueue;

use crate::rt::DefaultRuntime;

/// A first-in, first-out queue (Python's `queue.Queue`); see [`GenericQueue`] for the methods.
///
/// ```
/// let q = threadcheck::Queue::new(0);
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// assert_eq!(q.get(), Ok(1));
/// ```
pub type Queue<T, R = DefaultRuntime> = GenericQueue<T, Fifo<T>, R>;

/// A last-in, first-out queue (Python's `queue.LifoQueue`); see [`GenericQueue`] for the methods.
///
/// ```
/// let q = threadcheck::LifoQueue::new(0);
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// assert_eq!(q.get(), Ok(2));
/// ```
pub type LifoQueue<T, R = DefaultRuntime> = GenericQueue<T, Lifo<T>, R>;

/// A queue that returns its smallest item first (Python's `queue.PriorityQueue`, a `heapq`); see
/// [`GenericQueue`] for the methods. Wrap items in [`std::cmp::Reverse`] for largest first.
///
/// ```
/// let q = threadcheck::PriorityQueue::new(0);
/// for job in [(2, "write"), (1, "read"), (3, "close")] {
///     q.put(job).unwrap();
/// }
/// assert_eq!(q.get(), Ok((1, "read")));
/// ```
pub type PriorityQueue<T, R = DefaultRuntime> = GenericQueue<T, Priority<T>, R>;
