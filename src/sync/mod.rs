//! Locks and signals: Python's `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`,
//! `Event`, `Condition` and `Barrier`, generic over the [runtime](crate::rt), plus [`Var`], a
//! shared variable whose reads and writes are separate steps (to show races).

mod barrier;
mod bounded_semaphore;
mod condition;
mod event;
mod lock;
mod rlock;
mod semaphore;
mod var;

pub use barrier::Barrier;
pub use bounded_semaphore::{BoundedSemaphore, BoundedSemaphorePermit};
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{Semaphore, SemaphorePermit};
pub use var::Var;
