//! The seed models: the Python tutorials' threading examples as Rust programs built on the
//! primitives, each with the property it checks and the verdict it is expected to get.
//!
//! A model is a body `fn body<R: Runtime>(params: &Params)` written once and instantiated for
//! every runtime by [`bodies!`](crate::models) below, so the `threadcheck` binary runs the same
//! code on the native engine, loom and shuttle. A body *checks its property with assertions*: a
//! panic is a violation, a state where every thread waits is a deadlock.
//!
//! The registry ([`all`], [`find`]) is what `threadcheck list` prints and `threadcheck check`
//! runs. Every model declares its parameters ([`ParamSpec`]) with the seed's values as defaults;
//! a model takes only those.
//!
//! ```
//! use threadcheck::models;
//!
//! let model = models::find("counter-locked").unwrap();
//! let params = model.params_with(&[("iterations", 3)]).unwrap();
//! assert_eq!(params.get("threads"), 2);
//! // Run it once on OS threads (the checkers run it under their schedulers).
//! (model.bodies.std)(&params);
//! ```

use crate::engine::Verdict;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

mod condition;
mod condition_if;
mod counter_locked;
mod counter_unlocked;
mod daemon;
mod deadlock;
mod event;
mod pool_map;
mod producer_consumer;
mod producer_consumer_fixed;
mod semaphore;
mod timer_cancel;

/// One parameter a model takes, with the seed's value as default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name, which is also the command-line flag (`iterations` → `--iterations`).
    pub name: &'static str,
    /// What it means for this model, in a few words.
    pub help: &'static str,
    /// The seed's value.
    pub default: u64,
    /// The smallest accepted value.
    pub min: u64,
    /// The largest accepted value.
    pub max: u64,
}

/// The parameters of one run of a model, and a tally of the outcomes the model reports.
///
/// ```
/// let model = threadcheck::models::find("semaphore").unwrap();
/// let params = model.default_params();
/// assert_eq!(params.get("threads"), 5);
/// assert_eq!(params.get("permits"), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Params {
    values: Vec<(&'static str, u64)>,
    outcomes: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl Params {
    /// The value of parameter `name`.
    ///
    /// Panics if the model does not declare `name`: that is a bug in the model, caught by the
    /// test suite, never a user input (the CLI validates flags against [`Model::params`]).
    ///
    /// ```
    /// let params = threadcheck::models::find("counter-unlocked").unwrap().default_params();
    /// assert_eq!(params.get("iterations"), 100_000);
    /// ```
    pub fn get(&self, name: &str) -> u64 {
        match self.values.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => *v,
            None => panic!("model bug: parameter `{name}` is not declared"),
        }
    }

    /// [`Params::get`] as a `usize` (counts of threads, items, ...).
    ///
    /// ```
    /// let params = threadcheck::models::find("semaphore").unwrap().default_params();
    /// assert_eq!(params.count("permits"), 2usize);
    /// ```
    pub fn count(&self, name: &str) -> usize {
        usize::try_from(self.get(name)).unwrap_or(usize::MAX)
    }

    /// The parameters in declaration order.
    ///
    /// ```
    /// let params = threadcheck::models::find("counter-locked").unwrap().default_params();
    /// assert_eq!(params.values()[0], ("iterations", 100_000));
    /// ```
    pub fn values(&self) -> &[(&'static str, u64)] {
        &self.values
    }

    /// Counts one execution that ended with `outcome`, an allowed result worth showing (the
    /// timer's "cancel came too late" race, say). Cheap, and invisible to the schedulers.
    ///
    /// ```
    /// let params = threadcheck::models::find("deadlock").unwrap().default_params();
    /// params.outcome("example");
    /// assert_eq!(params.outcomes()["example"], 1);
    /// ```
    pub fn outcome(&self, outcome: &str) {
        let mut tally = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        *tally.entry(outcome.to_string()).or_insert(0) += 1;
    }

    /// The outcomes counted so far by [`Params::outcome`], over every execution run with these
    /// parameters (or a clone of them).
    ///
    /// ```
    /// let params = threadcheck::models::find("deadlock").unwrap().default_params();
    /// assert!(params.outcomes().is_empty());
    /// ```
    pub fn outcomes(&self) -> BTreeMap<String, u64> {
        self.outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl fmt::Display for Params {
    /// `iterations=3, threads=2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

/// A parameter that a model refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// The model does not take this parameter.
    Unknown {
        /// The parameter given.
        name: String,
        /// The model's name.
        model: &'static str,
        /// The parameters it does take.
        accepted: Vec<&'static str>,
    },
    /// The value is outside the accepted range.
    OutOfRange {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::Unknown {
                name,
                model,
                accepted,
            } => {
                write!(f, "{model} takes no --{name}")?;
                if accepted.is_empty() {
                    write!(f, "; it takes no parameters")
                } else {
                    let flags: Vec<String> = accepted.iter().map(|a| format!("--{a}")).collect();
                    write!(f, "; it takes {}", flags.join(", "))
                }
            }
            ParamError::OutOfRange {
                name,
                value,
                min,
                max,
            } => write!(
                f,
                "--{name} {value} is out of range: it must be between {min} and {max}"
            ),
        }
    }
}
impl std::error::Error for ParamError {}

/// A model's body instantiated for every runtime.
#[derive(Clone, Copy)]
pub struct Bodies {
    /// On OS threads (production runtime).
    pub std: fn(&Params),
    /// Under loom (run it inside `loom::model`).
    pub loom: fn(&Params),
    /// Under shuttle (run it inside a shuttle `Runner`).
    pub shuttle: fn(&Params),
    /// Under the native engine (run it inside `engine::check`).
    pub native: fn(&Params),
}

impl fmt::Debug for Bodies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bodies { .. }")
    }
}

/// Instantiates a generic `body::<R>` for every runtime.
macro_rules! bodies {
    ($($body:ident)::+) => {
        $crate::models::Bodies {
            std: $($body)::+::<$crate::rt::Std>,
            loom: $($body)::+::<$crate::rt::Loom>,
            shuttle: $($body)::+::<$crate::rt::Shuttle>,
            native: $($body)::+::<$crate::rt::Native>,
        }
    };
}
use bodies;

/// A seed model: a scenario, the property it checks and the verdict it should get.
#[derive(Debug)]
pub struct Model {
    /// The name used on the command line (`counter-locked`).
    pub name: &'static str,
    /// One line saying what the program does.
    pub description: &'static str,
    /// The property its assertions check, in words.
    pub property: &'static str,
    /// The verdict a correct checker gives with the default parameters.
    pub expected: Verdict,
    /// The seed tutorial it comes from.
    pub seed: &'static str,
    /// The parameters it takes, with the seed's values as defaults.
    pub params: &'static [ParamSpec],
    /// How many threads the body spawns (besides the main thread) with these parameters: loom
    /// refuses more than 4.
    pub spawned_threads: fn(&Params) -> usize,
    /// Engines that cannot run the model at all, and why (`("loom", "...")`).
    pub unsupported: &'static [(&'static str, &'static str)],
    /// What a reader should know about the result (allowed outcomes, engine caveats).
    pub notes: &'static str,
    /// The body, for every runtime.
    pub bodies: Bodies,
}

impl Model {
    /// The parameters with the seed's defaults.
    ///
    /// ```
    /// let m = threadcheck::models::find("counter-locked").unwrap();
    /// assert_eq!(m.default_params().get("iterations"), 100_000);
    /// ```
    pub fn default_params(&self) -> Params {
        Params {
            values: self.params.iter().map(|p| (p.name, p.default)).collect(),
            outcomes: Arc::default(),
        }
    }

    /// The parameters with some values overridden; refuses a parameter the model does not
    /// take, or a value out of range.
    ///
    /// ```
    /// let m = threadcheck::models::find("counter-locked").unwrap();
    /// assert_eq!(m.params_with(&[("iterations", 5)]).unwrap().get("iterations"), 5);
    /// let err = m.params_with(&[("permits", 2)]).unwrap_err();
    /// assert_eq!(err.to_string(), "counter-locked takes no --permits; it takes --iterations, --threads");
    /// ```
    pub fn params_with(&self, overrides: &[(&str, u64)]) -> Result<Params, ParamError> {
        let mut params = self.default_params();
        for &(name, value) in overrides {
            let Some(spec) = self.params.iter().find(|p| p.name == name) else {
                return Err(ParamError::Unknown {
                    name: name.to_string(),
                    model: self.name,
                    accepted: self.params.iter().map(|p| p.name).collect(),
                });
            };
            if value < spec.min || value > spec.max {
                return Err(ParamError::OutOfRange {
                    name: spec.name,
                    value,
                    min: spec.min,
                    max: spec.max,
                });
            }
            for slot in params.values.iter_mut().filter(|(n, _)| *n == name) {
                slot.1 = value;
            }
        }
        Ok(params)
    }

    /// The parameters whose value differs from the default, for replay commands.
    ///
    /// ```
    /// let m = threadcheck::models::find("counter-locked").unwrap();
    /// let p = m.params_with(&[("iterations", 5)]).unwrap();
    /// assert_eq!(m.non_default(&p), vec![("iterations", 5)]);
    /// ```
    pub fn non_default(&self, params: &Params) -> Vec<(&'static str, u64)> {
        params
            .values
            .iter()
            .copied()
            .filter(|(name, value)| {
                self.params
                    .iter()
                    .any(|spec| spec.name == *name && spec.default != *value)
            })
            .collect()
    }

    /// Why `engine` (`"loom"`, `"shuttle"`, `"native"`) cannot run this model, if it cannot.
    ///
    /// ```
    /// let m = threadcheck::models::find("daemon").unwrap();
    /// assert!(m.unsupported_reason("loom").is_some());
    /// assert!(m.unsupported_reason("native").is_none());
    /// ```
    pub fn unsupported_reason(&self, engine: &str) -> Option<&'static str> {
        self.unsupported
            .iter()
            .find(|(e, _)| *e == engine)
            .map(|(_, why)| *why)
    }
}

/// A parameter spec for a count of iterations of the seed's loop.
const fn param(
    name: &'static str,
    help: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> ParamSpec {
    ParamSpec {
        name,
        help,
        default,
        min,
        max,
    }
}

static MODELS: [Model; 12] = [
    counter_locked::MODEL,
    counter_unlocked::MODEL,
    semaphore::MODEL,
    producer_consumer::MODEL,
    producer_consumer_fixed::MODEL,
    deadlock::MODEL,
    timer_cancel::MODEL,
    pool_map::MODEL,
    daemon::MODEL,
    event::MODEL,
    condition::MODEL,
    condition_if::MODEL,
];

/// Every model, in the order `threadcheck list` shows them.
///
/// ```
/// assert!(threadcheck::models::all().iter().any(|m| m.name == "deadlock"));
/// ```
pub fn all() -> &'static [Model] {
    &MODELS
}

/// The model named `name`.
///
/// ```
/// assert!(threadcheck::models::find("semaphore").is_some());
/// assert!(threadcheck::models::find("semafore").is_none());
/// ```
pub fn find(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}

/// The model name closest to `name` (edit distance), if one is close enough to be a likely typo.
///
/// ```
/// assert_eq!(threadcheck::models::closest("semafore"), Some("semaphore"));
/// assert_eq!(threadcheck::models::closest("counter"), Some("counter-locked"));
/// assert_eq!(threadcheck::models::closest("zzzzzzzzzzzz"), None);
/// ```
pub fn closest(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase().replace('_', "-");
    MODELS
        .iter()
        .map(|m| {
            let distance = if m.name.starts_with(&name) || name.starts_with(m.name) {
                0
            } else {
                edit_distance(&name, m.name)
            };
            (distance, m.name)
        })
        .filter(|(d, candidate)| *d <= (candidate.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance between two strings (by `char`).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Joins a model's worker thread; a panic in the worker (a failed assertion there) is re-raised
/// in the main thread with the worker's name, so that every checker reports it.
#[track_caller]
fn join<T: Send + 'static, R: crate::rt::Runtime>(handle: crate::thread::JoinHandle<T, R>) -> T {
    let name = handle.shared_name();
    match handle.join() {
        Ok(value) => value,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

/// Starts a model's thread named `name` (the name heads its column in traces), as
/// `threading.Thread(target=..., name=name).start()`.
#[track_caller]
fn spawn<T, R, F>(name: &str, f: F) -> crate::thread::JoinHandle<T, R>
where
    T: Send + 'static,
    R: crate::rt::Runtime,
    F: FnOnce() -> T + Send + 'static,
{
    match crate::thread::Builder::<R>::new().name(name).spawn(f) {
        Ok(handle) => handle,
        Err(e) => panic!("cannot start {name}: {e}"),
    }
}
