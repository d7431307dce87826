//! Python's `concurrent.futures.ThreadPoolExecutor` and its `Future`, generic over the
//! [runtime](crate::rt).
//!
//! One job queue (one monitor) feeds at most `max_workers` threads, started lazily; each task's
//! [`Future`] is its own monitor, so a task costs one step to submit, one to take, and one each
//! to start and finish. [`ThreadPoolExecutor::map`] submits all items in one step, in chunks of
//! consecutive items, and yields the results in input order.
//!
//! A panicking task never takes a worker down: the panic is caught and stored in its future
//! ([`JoinError::Panicked`](crate::error::JoinError::Panicked)). A task cancelled before it
//! started reports [`JoinError::Cancelled`](crate::error::JoinError::Cancelled). After
//! `shutdown` the pool hands the closure back ([`ShutDown`](crate::error::ShutDown)) instead of
//! dropping it.
//!
//! ```
//! use threadcheck::ThreadPoolExecutor;
//!
//! let pool = ThreadPoolExecutor::new(2).unwrap();
//! let futures: Vec<_> = (0..4).map(|i| pool.submit(move || i * i).unwrap()).collect();
//! let squares: Vec<i32> = futures.into_iter().map(|f| f.result().unwrap()).collect();
//! assert_eq!(squares, vec![0, 1, 4, 9]);
//! ```

mod executor;
mod future;
mod map;
mod task;

pub use executor::ThreadPoolExecutor;
pub use future::Future;
pub use map::MapResults;
