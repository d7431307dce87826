//! # threadcheck
//!
//! Python's `threading` primitives in idiomatic Rust, written once against a runtime
//! abstraction ([`rt`]) so that the same code runs in production on OS threads ([`rt::Std`]),
//! exhaustively under loom, randomly under shuttle, and under threadcheck's own deterministic
//! checker.
//!
//! The root aliases ([`Lock`], [`Semaphore`], [`Thread`], ...) use [`rt::DefaultRuntime`]:
//! `Std`, or loom under `RUSTFLAGS="--cfg loom"`, or shuttle under `RUSTFLAGS="--cfg shuttle"`.
//! Generic code names the runtime: `sync::Semaphore::<R>::new(2)`.
//!
//! ```
//! use threadcheck::{Lock, Thread};
//! use std::sync::Arc;
//!
//! // Seed 003: two threads doing locked increments.
//! let counter = Arc::new(Lock::named("counter_lock", 0));
//! let threads: Vec<_> = (0..2)
//!     .map(|_| {
//!         let counter = counter.clone();
//!         Thread::spawn(move || {
//!             for _ in 0..100_000 {
//!                 counter.with(|c| *c += 1);
//!             }
//!         })
//!     })
//!     .collect();
//! for t in threads {
//!     t.join().unwrap();
//! }
//! assert_eq!(*counter.lock(), 200_000);
//! ```

pub mod engine;
pub mod error;
#[cfg(feature = "lin")]
pub mod lin;
pub mod pool;
pub mod queue;
pub mod report;
pub mod rt;
pub mod sync;
pub mod thread;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
#[path = "../models/mod.rs"]
pub mod models;

use rt::DefaultRuntime;

/// [`sync::Lock`] on the default runtime.
pub type Lock<T> = sync::Lock<T, DefaultRuntime>;
/// [`sync::LockGuard`] on the default runtime.
pub type LockGuard<'a, T> = sync::LockGuard<'a, T, DefaultRuntime>;
/// [`sync::Semaphore`] on the default runtime.
pub type Semaphore = sync::Semaphore<DefaultRuntime>;
/// [`sync::SemaphorePermit`] on the default runtime.
pub type SemaphorePermit<'a> = sync::SemaphorePermit<'a, DefaultRuntime>;
/// [`sync::Var`] on the default runtime.
pub type Var<T> = sync::Var<T, DefaultRuntime>;

// --- aliases of the other sync primitives (RLock, BoundedSemaphore, Event, Condition, Barrier) ---

/// [`sync::RLock`] on the default runtime.
pub type RLock<T = ()> = sync::RLock<T, DefaultRuntime>;
/// [`sync::RLockGuard`] on the default runtime.
pub type RLockGuard<'a, T = ()> = sync::RLockGuard<'a, T, DefaultRuntime>;
/// [`sync::BoundedSemaphore`] on the default runtime.
pub type BoundedSemaphore = sync::BoundedSemaphore<DefaultRuntime>;
/// [`sync::BoundedSemaphorePermit`] on the default runtime.
pub type BoundedSemaphorePermit<'a> = sync::BoundedSemaphorePermit<'a, DefaultRuntime>;
/// [`sync::Event`] on the default runtime.
pub type Event = sync::Event<DefaultRuntime>;
/// [`sync::Condition`] on the default runtime.
pub type Condition<T> = sync::Condition<T, DefaultRuntime>;
/// [`sync::ConditionGuard`] on the default runtime.
pub type ConditionGuard<'a, T> = sync::ConditionGuard<'a, T, DefaultRuntime>;
/// [`sync::Barrier`] on the default runtime.
pub type Barrier = sync::Barrier<DefaultRuntime>;

// ------------------------------------------------------------------------------------------------

pub use thread::Thread;
/// [`thread::Builder`] on the default runtime.
pub type ThreadBuilder = thread::Builder<DefaultRuntime>;

// --- aliases of queues, Timer and the pool ---

/// [`queue::Queue`] (FIFO) on the default runtime.
pub type Queue<T> = queue::Queue<T, DefaultRuntime>;
/// [`queue::LifoQueue`] on the default runtime.
pub type LifoQueue<T> = queue::LifoQueue<T, DefaultRuntime>;
/// [`queue::PriorityQueue`] (smallest first) on the default runtime.
pub type PriorityQueue<T> = queue::PriorityQueue<T, DefaultRuntime>;
/// [`thread::Timer`] on the default runtime.
pub type Timer = thread::Timer<DefaultRuntime>;
/// [`thread::TimerBuilder`] on the default runtime.
pub type TimerBuilder = thread::TimerBuilder<DefaultRuntime>;
/// [`pool::ThreadPoolExecutor`] on the default runtime.
pub type ThreadPoolExecutor = pool::ThreadPoolExecutor<DefaultRuntime>;
/// [`pool::Future`] on the default runtime.
pub type Future<T> = pool::Future<T, DefaultRuntime>;
/// [`pool::MapResults`] on the default runtime.
pub type MapResults<T> = pool::MapResults<T, DefaultRuntime>;

// ------------------------------------------------------------------------------------------------
