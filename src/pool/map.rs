//! The iterator returned by [`ThreadPoolExecutor::map`](super::ThreadPoolExecutor::map), and the
//! chunks of consecutive items it is computed in.
//!
//! Invariants: yields exactly one result per input item, in input order; `remaining` is the
//! number not yet yielded. A chunk runs its items in order inside one `catch_unwind`, resumed
//! after each panic, so that a chunk costs one landing pad instead of one per item; its output
//! holds the values of the items that returned and, in increasing order, the position and
//! payload of each item that panicked.

use super::future::Future;
use crate::error::JoinError;
use crate::rt::{DefaultRuntime, PanicPayload, Runtime};
use std::collections::VecDeque;
use std::fmt;

/// What a chunk of a `map` produced.
pub(super) struct Chunk<T> {
    values: std::vec::IntoIter<T>,
    panics: VecDeque<(usize, PanicPayload)>,
    position: usize,
}

impl<T> Chunk<T> {
    /// Runs `f` on every item in order; a panicking item is recorded and the rest still run.
    pub(super) fn run<R: Runtime, I>(items: Vec<I>, f: &impl Fn(I) -> T) -> Self {
        let mut values = Vec::with_capacity(items.len());
        let mut panics = VecDeque::new();
        let mut items = items.into_iter();
        loop {
            let finished = R::catch_unwind(|| {
                for item in items.by_ref() {
                    values.push(f(item));
                }
            });
            match finished {
                Ok(()) => break,
                Err(payload) => panics.push_back((values.len() + panics.len(), payload)),
            }
        }
        Chunk {
            values: values.into_iter(),
            panics,
            position: 0,
        }
    }

    fn empty() -> Self {
        Chunk {
            values: Vec::new().into_iter(),
            panics: VecDeque::new(),
            position: 0,
        }
    }

    fn next(&mut self) -> Option<Result<T, JoinError>> {
        let result = match self.panics.front() {
            Some((at, _)) if *at == self.position => {
                let (_, payload) = self.panics.pop_front()?;
                Err(JoinError::Panicked(payload))
            }
            _ => Ok(self.values.next()?),
        };
        self.position += 1;
        Some(result)
    }
}

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
    current: Chunk<T>,
    /// A chunk that failed as a whole (cancelled): its error, repeated for its items.
    failed: Option<(JoinError, usize)>,
    remaining: usize,
}

impl<T: Send + 'static, R: Runtime> MapResults<T, R> {
    pub(super) fn new(chunks: VecDeque<(Future<Chunk<T>, R>, usize)>, total: usize) -> Self {
        MapResults {
            chunks,
            current: Chunk::empty(),
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
                Ok(chunk) => self.current = chunk,
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
