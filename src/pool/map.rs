//! The iterator returned by [`ThreadPoolExecutor::map`](super::ThreadPoolExecutor::map).
//!
//! Invariant: yields exactly one result per input item, in input order; `remaining` is the
//! number not yet yielded.

use super::future::Future;
use crate::error::JoinError;
use crate::rt::{DefaultRuntime, Runtime};
use std::collections::VecDeque;
use std::fmt;

type Chunk<T> = Vec<Result<T, JoinError>>;

/// The results of [`ThreadPoolExecutor::map`](super::ThreadPoolExecutor::map), in input order;
/// `next` waits for the next item's task. Dropping it does not cancel the tasks.
///
/// ```
/// let pool = threadcheck::ThreadPoolExecutor::new(2).unwrap();
/// let mut results = pool.map(|x: u32| x + 1, vec![1, 2, 3]).unwrap();
/// assert_eq!(results.len(), 3);
/// assert_eq!(results.next().unwrap().unwrap(), 2);
/// assert_eq!(results.map(Result::unwrap).collect::<Vec<_>>(), vec![3, 4]);
/// ```
#[must_use = "iterate to get the results (the tasks run either way)"]
pub struct MapResults<T: Send + 'static, R: Runtime = DefaultRuntime> {
    chunks: VecDeque<(Future<Chunk<T>, R>, usize)>,
    current: std::vec::IntoIter<Result<T, JoinError>>,
    /// A chunk that failed as a whole (cancelled): its error, repeated for its items.
    failed: Option<(JoinError, usize)>,
    remaining: usize,
}

impl<T: Send + 'static, R: Runtime> MapResults<T, R> {
    pub(super) fn new(chunks: VecDeque<(Future<Chunk<T>, R>, usize)>, total: usize) -> Self {
        MapResults {
            chunks,
            current: Vec::new().into_iter(),
            failed: None,
            remaining: total,
        }
    }
}

/// The error of one item of a chunk that failed as a whole.
fn repeat(e: &JoinError) -> JoinError {
    match e {
        JoinError::Cancelled => JoinError::Cancelled,
        JoinError::Timeout => JoinError::Timeout,
        JoinError::JoinSelf => JoinError::JoinSelf,
        JoinError::Panicked(_) => JoinError::Panicked(Box::new(e.to_string())),
    }
}

impl<T: Send + 'static, R: Runtime> Iterator for MapResults<T, R> {
    type Item = Result<T, JoinError>;

    #[track_caller]
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = self.current.next() {
                self.remaining -= 1;
                return Some(result);
            }
            if let Some((error, left)) = &mut self.failed {
                if *left > 0 {
                    *left -= 1;
                    self.remaining -= 1;
                    return Some(Err(repeat(error)));
                }
                self.failed = None;
            }
            let (future, len) = self.chunks.pop_front()?;
            match future.result() {
                Ok(results) => self.current = results.into_iter(),
                Err(error) => self.failed = Some((error, len)),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T: Send + 'static, R: Runtime> ExactSizeIterator for MapResults<T, R> {}

impl<T: Send + 'static, R: Runtime> std::iter::FusedIterator for MapResults<T, R> {}

impl<T: Send + 'static, R: Runtime> fmt::Debug for MapResults<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResults")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}
