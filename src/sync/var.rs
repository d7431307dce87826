//! `Var`: a shared variable whose every read and write is a separate visible step, the way a
//! Python global is read and written by separate bytecodes (`LOAD_GLOBAL`, `STORE_GLOBAL`).
//!
//! It exists to *show* races: `counter.set(counter.get() + 1)` from two threads loses updates,
//! and the checkers find the interleaving. Invariants: each `get`/`set` is atomic on its own
//! (sequentially consistent); nothing makes a get-then-set pair atomic. Use [`Lock`](super::Lock)
//! for that.

use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::fmt;
use std::hash::Hash;

/// A shared variable with separately visible reads and writes.
///
/// ```
/// use threadcheck::sync::Var;
/// use threadcheck::rt::Std;
///
/// let counter = Var::<u64, Std>::named("counter", 0);
/// let seen = counter.get();      // read counter -> 0
/// counter.set(seen + 1);         // write counter <- 1
/// assert_eq!(counter.get(), 1);
/// ```
pub struct Var<T: Send, R: Runtime = DefaultRuntime> {
    value: R::Monitor<T>,
}

impl<T: Send + Clone + fmt::Debug, R: Runtime> Var<T, R> {
    /// A new variable holding `value`.
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<i32, threadcheck::rt::Std>::new(3);
    /// assert_eq!(v.get(), 3);
    /// ```
    pub fn new(value: T) -> Self {
        Var {
            value: Monitor::new(value, ObjectMeta::new("Var")),
        }
    }

    /// A new variable with a name that traces show ("read counter -> 41").
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<i32, threadcheck::rt::Std>::named("x", 1);
    /// assert_eq!(v.get(), 1);
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        Var {
            value: Monitor::new(value, ObjectMeta::named("Var", name)),
        }
    }

    /// Reads the value (one visible step).
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<&str, threadcheck::rt::Std>::new("a");
    /// assert_eq!(v.get(), "a");
    /// ```
    #[track_caller]
    pub fn get(&self) -> T {
        let op = Op::new("read", Access::Read);
        let value = self.value.op(op, Wait::No, |v| Some(v.clone()));
        let value = value.expect("a read always proceeds");
        R::note(|| format!("-> {value:?}"));
        value
    }

    /// Writes the value (one visible step).
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<u8, threadcheck::rt::Std>::new(0);
    /// v.set(7);
    /// assert_eq!(v.get(), 7);
    /// ```
    #[track_caller]
    pub fn set(&self, value: T) {
        // A copy for the trace note, formatted only if a checker records notes.
        let shown = value.clone();
        let op = Op::new("write", Access::Write);
        let mut value = Some(value);
        self.value.op(op, Wait::No, |v| {
            *v = value.take().expect("written once");
            Some(())
        });
        R::note(|| format!("<- {shown:?}"));
    }

    /// Consumes the variable, returning the value.
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<u8, threadcheck::rt::Std>::new(9);
    /// assert_eq!(v.into_inner(), 9);
    /// ```
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(self.value.get_mut())
    }
}

impl<T: Send, R: Runtime> Var<T, R> {
    /// The same variable, with its value fingerprinted: lets the native engine's state caching
    /// (`Reductions::state_caching`, CLI `--state-caching`) compare this variable's value; without
    /// it, the value is named by the history of the threads that set it (sound, less sharing).
    /// `T`'s `Hash` must cover everything in the value that can influence the program.
    ///
    /// ```
    /// use threadcheck::rt::Std;
    /// let counter = threadcheck::sync::Var::<u64, Std>::new(0).fingerprinted();
    /// counter.set(counter.get() + 1);
    /// assert_eq!(counter.get(), 1);
    /// ```
    pub fn fingerprinted(self) -> Self
    where
        T: Hash,
    {
        Var {
            value: self.value.with_fingerprint(fingerprint_of::<T>),
        }
    }
}

impl<T: Send, R: Runtime> fmt::Debug for Var<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Var { .. }")
    }
}
