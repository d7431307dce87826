//! `Barrier`: Python's `threading.Barrier`, where `parties` threads wait for each other, then
//! all proceed; reusable, generation after generation.
//!
//! State, in one monitor: the current `generation`, the number of its threads still inside
//! `wait` (`arrived`), whether it is `broken`, which thread (if any) is `releasing` it (running
//! the action), and, for generations that ended while some of their waiters had not yet woken,
//! how many have still to wake and whether the generation completed or broke (`ended`).
//!
//! Steps: arriving is one step (the last arrival completes the generation in that same step when
//! there is no action); waiting is one step (it proceeds once the thread's generation ended or
//! broke); a timed-out waiter breaks the barrier in one step; with an action, the last arrival
//! runs it outside the monitor and then completes or breaks the generation in one step.
//!
//! Invariants: `arrived < parties` except while an action runs; each thread of a generation gets
//! a distinct index `0..parties` (its arrival order; the last arrival gets `parties - 1`); the
//! threads of a generation all pass or all get [`BrokenBarrier`] (an abort, reset or time-out
//! after the generation completed does not affect it); new arrivals wait while an action runs,
//! so the action runs before any thread of its generation is released and before the next
//! generation starts; once broken, every `wait` fails until [`Barrier::reset`].

use crate::error::{BrokenBarrier, ZeroParties};
use crate::rt::{fingerprint_of, Access, DefaultRuntime, Monitor, ObjectMeta, Op, Runtime, Wait};
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

#[derive(Hash)]
struct State {
    parties: usize,
    generation: u64,
    arrived: usize,
    broken: bool,
    releasing: Option<u64>,
    ended: VecDeque<Ended>,
}

/// A generation that ended while `remaining` of its waiters had not yet woken.
#[derive(Hash)]
struct Ended {
    generation: u64,
    remaining: usize,
    broken: bool,
}

enum Arrival {
    Refused,
    Passed(usize),
    RunAction { generation: u64, index: usize },
    Wait { generation: u64, index: usize },
}

impl State {
    /// Ends the current generation successfully; the caller is its last thread.
    fn complete(&mut self) {
        let others = self.arrived - 1;
        self.end_generation(others, false);
    }

    /// Ends the current generation; `remaining` of its threads have still to wake.
    fn end_generation(&mut self, remaining: usize, broken: bool) {
        if remaining > 0 {
            self.ended.push_back(Ended {
                generation: self.generation,
                remaining,
                broken,
            });
        }
        self.generation += 1;
        self.arrived = 0;
        self.broken = false;
        self.releasing = None;
    }

    /// A waiter of `generation` tries to leave; `None` = its generation is still filling.
    /// On time-out a still-filling generation breaks.
    fn leave(&mut self, generation: u64, index: usize, timed_out: bool) -> Option<Outcome> {
        if self.generation == generation {
            if !self.broken && !timed_out {
                return None;
            }
            self.broken = true;
            self.arrived -= 1;
            return Some(Err(BrokenBarrier));
        }
        let Some(at) = self.ended.iter().position(|e| e.generation == generation) else {
            return Some(Err(BrokenBarrier)); // unreachable: every waiter of an ended generation is counted
        };
        let ended = &mut self.ended[at];
        ended.remaining -= 1;
        let broken = ended.broken;
        if ended.remaining == 0 {
            self.ended.remove(at);
        }
        Some(if broken {
            Err(BrokenBarrier)
        } else {
            Ok(index)
        })
    }
}

type Outcome = Result<usize, BrokenBarrier>;
type Action = Box<dyn Fn() + Send + Sync + 'static>;

/// A rendezvous point for a fixed number of threads (Python's `threading.Barrier`).
///
/// ```
/// use threadcheck::{Barrier, Thread};
/// use std::sync::Arc;
///
/// let start = Arc::new(Barrier::new(3).unwrap());
/// let runners: Vec<_> = (0..3)
///     .map(|_| {
///         let start = Arc::clone(&start);
///         Thread::spawn(move || start.wait().unwrap()) // index 0, 1 or 2
///     })
///     .collect();
/// let mut indices: Vec<usize> = runners.into_iter().map(|t| t.join().unwrap()).collect();
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// ```
pub struct Barrier<R: Runtime = DefaultRuntime> {
    parties: usize,
    action: Option<Action>,
    state: R::Monitor<State>,
}

impl<R: Runtime> Barrier<R> {
    /// A barrier for `parties` threads (`Barrier(parties)`); [`ZeroParties`] if `parties` is 0
    /// (Python's `ValueError`).
    ///
    /// ```
    /// use threadcheck::{Barrier, error::ZeroParties};
    /// assert_eq!(Barrier::new(2).unwrap().parties(), 2);
    /// assert_eq!(Barrier::new(0).unwrap_err(), ZeroParties);
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroParties> {
        Barrier::build(parties, None, ObjectMeta::new("Barrier"))
    }

    /// A barrier with a name that counterexample traces show.
    ///
    /// ```
    /// let b = threadcheck::Barrier::named("start_line", 1).unwrap();
    /// assert_eq!(b.wait(), Ok(0));
    /// ```
    pub fn named(name: &str, parties: usize) -> Result<Self, ZeroParties> {
        Barrier::build(parties, None, ObjectMeta::named("Barrier", name))
    }

    /// A barrier whose `action` runs once per generation (`Barrier(parties, action)`): by the
    /// last thread to arrive, before any thread of the generation is released. If the action
    /// panics, the barrier breaks: the other threads get [`BrokenBarrier`] and the panic
    /// continues in the thread that ran it.
    ///
    /// ```
    /// use threadcheck::{Barrier, Thread};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let rounds = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&rounds);
    /// let barrier = Arc::new(
    ///     Barrier::with_action(2, move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .unwrap(),
    /// );
    /// let other = Arc::clone(&barrier);
    /// let t = Thread::spawn(move || {
    ///     other.wait().unwrap();
    ///     other.wait().unwrap();
    /// });
    /// barrier.wait().unwrap();
    /// assert_eq!(rounds.load(Ordering::SeqCst), 1); // ran before anyone was released
    /// barrier.wait().unwrap();
    /// t.join().unwrap();
    /// assert_eq!(rounds.load(Ordering::SeqCst), 2);
    /// ```
    pub fn with_action(
        parties: usize,
        action: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ZeroParties> {
        Barrier::build(parties, Some(Box::new(action)), ObjectMeta::new("Barrier"))
    }

    /// [`with_action`](Barrier::with_action) with a name that traces show.
    ///
    /// ```
    /// let b = threadcheck::Barrier::named_with_action("phase", 1, || println!("phase done"));
    /// assert_eq!(b.unwrap().wait(), Ok(0));
    /// ```
    pub fn named_with_action(
        name: &str,
        parties: usize,
        action: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ZeroParties> {
        let meta = ObjectMeta::named("Barrier", name);
        Barrier::build(parties, Some(Box::new(action)), meta)
    }

    fn build(
        parties: usize,
        action: Option<Action>,
        meta: ObjectMeta,
    ) -> Result<Self, ZeroParties> {
        if parties == 0 {
            return Err(ZeroParties);
        }
        let state = State {
            parties,
            generation: 0,
            arrived: 0,
            broken: false,
            releasing: None,
            ended: VecDeque::new(),
        };
        // The whole state is fingerprinted for the native engine's state caching. The action is
        // not part of it: it is fixed at construction (what it does to other objects is
        // theirs to fingerprint).
        let state = <R::Monitor<State> as Monitor<State>>::new(state, meta);
        Ok(Barrier {
            parties,
            action,
            state: state.with_fingerprint(fingerprint_of::<State>),
        })
    }

    /// Waits until `parties` threads have called `wait` (`barrier.wait()`); returns this
    /// thread's index in the generation, distinct for each thread, in `0..parties`. Fails with
    /// [`BrokenBarrier`] if the barrier is or becomes broken (aborted, reset, a timed-out
    /// waiter, a panicking action) before this generation is released, or if the barrier's
    /// own action calls it.
    ///
    /// ```
    /// let b = threadcheck::Barrier::new(1).unwrap();
    /// assert_eq!(b.wait(), Ok(0));
    /// assert_eq!(b.wait(), Ok(0)); // a new generation
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<usize, BrokenBarrier> {
        self.wait_with(Wait::Forever)
    }

    /// Like [`wait`](Barrier::wait), but if the generation is not released within `timeout`
    /// the barrier breaks and this thread gets [`BrokenBarrier`], as do the others (Python's
    /// `barrier.wait(timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = threadcheck::Barrier::new(2).unwrap();
    /// assert!(b.wait_timeout(Duration::from_millis(5)).is_err()); // the other never came
    /// assert!(b.is_broken());
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BrokenBarrier> {
        self.wait_with(Wait::For(timeout))
    }

    /// Waits as `wait` says for the generation to be released; giving up breaks the barrier.
    /// Arriving itself waits, without time limit, while a previous generation's action runs.
    ///
    /// ```
    /// use threadcheck::rt::Wait;
    /// let b = threadcheck::Barrier::new(1).unwrap();
    /// assert_eq!(b.wait_with(Wait::No), Ok(0)); // the only party: released at once
    /// ```
    #[track_caller]
    pub fn wait_with(&self, wait: Wait) -> Result<usize, BrokenBarrier> {
        let me = R::current_id();
        let has_action = self.action.is_some();
        let arrival = self
            .state
            .op(Op::new("wait", Access::Write), Wait::Forever, |s| {
                if s.broken || s.releasing == Some(me) {
                    return Some(Arrival::Refused);
                }
                if s.releasing.is_some() {
                    return None;
                }
                let (generation, index) = (s.generation, s.arrived);
                s.arrived += 1;
                Some(if s.arrived < s.parties {
                    Arrival::Wait { generation, index }
                } else if has_action {
                    s.releasing = Some(me);
                    Arrival::RunAction { generation, index }
                } else {
                    s.complete();
                    Arrival::Passed(index)
                })
            });
        let outcome = match arrival.unwrap_or(Arrival::Refused) {
            Arrival::Refused => Err(BrokenBarrier),
            Arrival::Passed(index) => Ok(index),
            Arrival::Wait { generation, index } => self.await_release(generation, index, wait),
            Arrival::RunAction { generation, index } => self.release(generation, index),
        };
        R::note(|| match outcome {
            Ok(index) => format!("-> index {index}"),
            Err(_) => "-> broken".to_string(),
        });
        outcome
    }

    #[track_caller]
    fn await_release(&self, generation: u64, index: usize, wait: Wait) -> Outcome {
        let op = Op::new("wait for release", Access::Write);
        let released = self
            .state
            .op(op, wait, |s| s.leave(generation, index, false));
        released.unwrap_or_else(|| {
            let op = Op::new("time out", Access::Write);
            let broke = self
                .state
                .op(op, Wait::No, |s| s.leave(generation, index, true));
            broke.unwrap_or(Err(BrokenBarrier))
        })
    }

    /// Runs the action as the generation's last thread, then completes or breaks it.
    #[track_caller]
    fn release(&self, generation: u64, index: usize) -> Outcome {
        let ran = match &self.action {
            Some(action) => R::catch_unwind(action),
            None => Ok(()),
        };
        let panicked = ran.is_err();
        let op = Op::new("release", Access::Write);
        let outcome = self.state.op(op, Wait::No, |s| {
            if s.generation != generation {
                return s.leave(generation, index, false); // reset while the action ran
            }
            s.releasing = None;
            if s.broken || panicked {
                s.broken = true;
                s.arrived -= 1;
                Some(Err(BrokenBarrier))
            } else {
                s.complete();
                Some(Ok(index))
            }
        });
        if let Err(payload) = ran {
            std::panic::resume_unwind(payload);
        }
        outcome.unwrap_or(Err(BrokenBarrier))
    }

    /// Breaks the barrier (`barrier.abort()`): current and future waiters get
    /// [`BrokenBarrier`] until [`reset`](Barrier::reset). Use it to stop threads that would
    /// otherwise wait forever for a party that failed.
    ///
    /// ```
    /// let b = threadcheck::Barrier::new(1).unwrap();
    /// b.abort();
    /// assert!(b.is_broken());
    /// assert!(b.wait().is_err());
    /// ```
    #[track_caller]
    pub fn abort(&self) {
        let op = Op::new("abort", Access::Commute);
        self.state.op(op, Wait::No, |s| {
            s.broken = true;
            Some(())
        });
    }

    /// Returns the barrier to its initial, empty state (`barrier.reset()`): threads waiting in
    /// the current generation get [`BrokenBarrier`]; a broken barrier becomes usable again.
    ///
    /// ```
    /// let b = threadcheck::Barrier::new(1).unwrap();
    /// b.abort();
    /// b.reset();
    /// assert!(!b.is_broken());
    /// assert_eq!(b.wait(), Ok(0));
    /// ```
    #[track_caller]
    pub fn reset(&self) {
        let op = Op::new("reset", Access::Write);
        self.state.op(op, Wait::No, |s| {
            let inside = s.arrived;
            s.end_generation(inside, true);
            Some(())
        });
    }

    /// Whether the barrier is broken now (`barrier.broken`; a snapshot).
    ///
    /// ```
    /// assert!(!threadcheck::Barrier::new(2).unwrap().is_broken());
    /// ```
    #[track_caller]
    pub fn is_broken(&self) -> bool {
        let op = Op::new("read broken", Access::Read);
        let broken = self.state.op(op, Wait::No, |s| Some(s.broken));
        broken.unwrap_or(false)
    }

    /// The number of threads the barrier waits for (`barrier.parties`).
    ///
    /// ```
    /// assert_eq!(threadcheck::Barrier::new(4).unwrap().parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of threads waiting in the current generation now (`barrier.n_waiting`; a
    /// snapshot). As in Python it is 0 while the barrier is broken or an action runs.
    ///
    /// ```
    /// assert_eq!(threadcheck::Barrier::new(2).unwrap().n_waiting(), 0);
    /// ```
    #[track_caller]
    pub fn n_waiting(&self) -> usize {
        let op = Op::new("read n_waiting", Access::Read);
        let n = self.state.op(op, Wait::No, |s| {
            Some(if s.broken || s.releasing.is_some() {
                0
            } else {
                s.arrived
            })
        });
        n.unwrap_or(0)
    }
}

impl<R: Runtime> fmt::Debug for Barrier<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .finish_non_exhaustive()
    }
}
