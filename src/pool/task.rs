//! A queued task: a closure plus the future it completes, behind a small object-safe trait so
//! the pool keeps one queue of tasks of every type.
//!
//! Invariant: every task that enters the pool's queue is either run (completing its future) or
//! cancelled (marking its future cancelled); a refused task is handed back to the submitter.

use super::future::{self, Shared};
use crate::error::JoinError;
use crate::rt::Runtime;
use std::any::Any;
use std::marker::PhantomData;
use std::panic::Location;

/// A task as the pool's queue holds it.
pub(super) trait Task: Send {
    /// Runs the closure unless its future was cancelled, then completes the future.
    fn run(self: Box<Self>);
    /// Marks the future cancelled without running the closure.
    fn cancel(self: Box<Self>);
    /// For handing a refused task back to its submitter (downcast to [`Job`]).
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

/// The one implementation of [`Task`].
pub(super) struct Job<F, T: Send + 'static, R: Runtime> {
    pub(super) f: F,
    future: Shared<T, R>,
    site: &'static Location<'static>,
    _runtime: PhantomData<fn() -> R>,
}

impl<F, T, R> Job<F, T, R>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
    R: Runtime,
{
    pub(super) fn new(f: F, future: Shared<T, R>, site: &'static Location<'static>) -> Self {
        Job {
            f,
            future,
            site,
            _runtime: PhantomData,
        }
    }
}

impl<F, T, R> Task for Job<F, T, R>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
    R: Runtime,
{
    fn run(self: Box<Self>) {
        let Job {
            f, future, site, ..
        } = *self;
        if future::start::<T, R>(&future, site) {
            let outcome = R::catch_unwind(f).map_err(JoinError::Panicked);
            future::finish::<T, R>(&future, site, outcome);
        }
    }

    fn cancel(self: Box<Self>) {
        future::cancel_queued::<T, R>(&self.future, self.site);
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}
