//! Locks and signals: Python's `threading.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`,
//! `Event`, `Condition` and `Barrier`, generic over the [runtime](crate::rt).

mod lock;
mod semaphore;

pub use lock::{Lock, LockGuard};
pub use semaphore::{Semaphore, SemaphorePermit};
