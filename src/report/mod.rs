//! Counterexample traces and their rendering (text table, HTML page, explanation).
//!
//! A [`Trace`] is what every engine produces for a failing execution: the threads, and one
//! [`Step`] per visible operation in the order they ran. Rendering lives here so that the CLI,
//! the tests and the fuzzer print the same readable report:
//!
//! * [`conflict`] finds what caused the failure (a lost update's stale read, lost writes and
//!   overwrite; a deadlock's wait-for cycle). It is the one analysis behind the other three.
//! * [`explain`] says it in one paragraph of words.
//! * [`render_text`] prints a table with one column per thread, repeated cycles folded, then the
//!   explanation and the replay command.
//! * [`render_html`] writes one self-contained page: swim lanes, highlighted conflict,
//!   step-through controls.

mod conflict;
mod explain;
mod format;
#[cfg(feature = "cli")]
pub(crate) use explain::wait_lines;
#[cfg(feature = "cli")]
pub(crate) use format::thousands;
mod html;
mod text;
mod trace;
mod view;

pub use conflict::{conflict, BlockedThread, Conflict, DeadlockCycle, LostUpdate, Role};
pub use explain::explain;
pub use html::render_html;
pub use text::render_text;
pub use trace::{Step, ThreadDesc, Trace};

/// What a report needs besides the failure itself.
///
/// ```
/// use threadcheck::report::RenderContext;
/// let ctx = RenderContext {
///     model: "counter-unlocked".into(),
///     replay_command: "threadcheck replay counter-unlocked 0.1".into(),
///     color: std::env::var_os("NO_COLOR").is_none(),
///     full_trace: false,
/// };
/// assert_eq!(ctx.model, "counter-unlocked");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderContext {
    /// The model's name, shown in the headline.
    pub model: String,
    /// The command that replays the failing schedule, printed last.
    pub replay_command: String,
    /// Whether the text report may use ANSI colours (the HTML page ignores it).
    pub color: bool,
    /// Show every step of the execution: no repeated cycles folded, no unrelated steps left
    /// out (CLI `--full-trace`). Without it, the preemptions and the steps of the conflict are
    /// shown all the same.
    pub full_trace: bool,
}
