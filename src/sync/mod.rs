//! Locks and signals: Python's `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`,
//! `Event`, `Condition` and `Barrier`, generic over the [runtime](crate::rt), plus [`Var`], a
//! shared variable whose reads and writes are separate steps (to show races).

mod lock;
mod semaphore;
mod var;

pub use lock::{Lock, LockGuard};
pub use semaphore::{Semaphore, SemaphorePermit};
pub use var::Var;
