//! `Var`: a shared variable whose every read and write is a separate visible step, the way a
//! Python global is read and written by separate bytecodes (`LOAD_GLOBAL`, `STORE_GLOBAL`).
//!
//! It exists to *show* races: `counter.set(counter.get() + 1)` from two threads loses updates,
//! and the checkers find the interleaving. Invariants: each `get`/`set` is atomic on its own
//! (sequentially consistent); nothing makes a get-then-set pair atomic. Use [`Lock`](super::Lock)
//! for that.

use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::cell::RefCell;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

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
    /// The name traces show, kept for `Debug` (the monitor does not give it back).
    name: Option<Arc<str>>,
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
            name: None,
        }
    }

    /// A new variable with a name that traces show ("read counter -> 41").
    ///
    /// ```
    /// let v = threadcheck::sync::Var::<i32, threadcheck::rt::Std>::named("x", 1);
    /// assert_eq!(v.get(), 1);
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        let meta = ObjectMeta::named("Var", name);
        Var {
            name: meta.name.clone(),
            value: Monitor::new(value, meta),
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
            name: self.name,
        }
    }
}

thread_local! {
    /// The variables whose `Debug` is running on this thread: a variable reached again through
    /// its own value (an `Arc` cycle) is shown by name only.
    static SHOWING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Shows the name, and under [`Std`](crate::rt::Std) the value: there reading it is no
/// visible step (no checker is watching), while under the checking runtimes a read in `Debug`
/// would be a step of its own, so only the name is shown (`Var { name: "counter", .. }`): a
/// trace note such as `-> [Var { name: "a", .. }]` still says which variables a value holds.
///
/// ```
/// use threadcheck::rt::Std;
/// use threadcheck::sync::Var;
///
/// let v = Var::<Vec<u8>, Std>::named("v", vec![1, 2]);
/// assert_eq!(format!("{v:?}"), r#"Var { name: "v", value: [1, 2] }"#);
/// assert_eq!(format!("{:?}", Var::<u8, Std>::new(7)), "Var { value: 7 }");
/// ```
impl<T: Send + Clone + fmt::Debug, R: Runtime> fmt::Debug for Var<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Var");
        if let Some(name) = &self.name {
            d.field("name", name);
        }
        if R::NAME != "std" {
            return d.finish_non_exhaustive();
        }
        let Some(_showing) = Showing::enter(self as *const Self as usize) else {
            return d.finish_non_exhaustive();
        };
        // A copy, formatted after the monitor is released: a value holding other variables
        // never has two of their locks held at once.
        let op = Op::new("read", Access::Read);
        let value = self.value.op(op, Wait::No, |v| Some(v.clone()));
        d.field("value", &value.expect("a read always proceeds"));
        d.finish()
    }
}

/// A variable's place in [`SHOWING`] while its `Debug` runs (left even if formatting panics).
struct Showing(usize);

impl Showing {
    /// `None` if the variable is already being shown on this thread.
    fn enter(var: usize) -> Option<Showing> {
        SHOWING.with(|s| {
            let mut s = s.borrow_mut();
            if s.contains(&var) {
                None
            } else {
                s.push(var);
                Some(Showing(var))
            }
        })
    }
}

impl Drop for Showing {
    fn drop(&mut self) {
        SHOWING.with(|s| s.borrow_mut().retain(|&v| v != self.0));
    }
}
