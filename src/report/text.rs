//! The terminal report: a table with one column per thread (Lincheck-style), one row per kept
//! step, folded cycles as single rows, then the explanation and the replay command.

use super::conflict::Role;
use super::explain::explain;
use super::format::{count, pad, site, thousands, total_steps, truncate, width, wrap};
use super::trace::{Step, Trace};
use super::view::{thread_name, view, Row, View};
use super::RenderContext;
use crate::engine::{Failure, FailureKind};

/// The widest line the report prints.
pub(crate) const MAX_WIDTH: usize = 100;
/// The narrowest a thread column is squeezed to.
const MIN_COLUMN: usize = 12;
/// The widest the source-site column gets.
const MAX_SITE: usize = 14;
/// Marks a conflicting step in its cell.
const MARK: &str = "▶ ";

/// ANSI styles, used only when [`RenderContext::color`] is set.
#[derive(Clone, Copy)]
enum Style {
    Bold,
    Dim,
    Red,
    BoldRed,
    Yellow,
    Magenta,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "\x1b[1m",
            Style::Dim => "\x1b[2m",
            Style::Red => "\x1b[31m",
            Style::BoldRed => "\x1b[1;31m",
            Style::Yellow => "\x1b[33m",
            Style::Magenta => "\x1b[35m",
            Style::Cyan => "\x1b[36m",
        }
    }
}

fn paint(text: &str, style: Style, color: bool) -> String {
    if color && !text.is_empty() {
        format!("{}{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

fn role_style(role: Role) -> Style {
    match role {
        Role::StaleRead => Style::Yellow,
        Role::LostWrite => Style::Red,
        Role::Overwrite => Style::BoldRed,
        Role::Held => Style::Magenta,
    }
}

/// A one-line summary of what went wrong.
pub(crate) fn headline(failure: &Failure) -> String {
    match &failure.kind {
        FailureKind::Panic { thread, message } => format!(
            "violated: {thread} panicked: {}",
            message.lines().next().unwrap_or("")
        ),
        FailureKind::Deadlock { waits } => match super::conflict::conflict(failure) {
            Some(super::conflict::Conflict::Deadlock(d)) if !d.cycle.is_empty() => {
                let links: Vec<String> = d
                    .cycle
                    .iter()
                    .map(|&i| {
                        let b = &d.blocked[i];
                        format!("{} waits for {}", b.thread, b.waits_for)
                    })
                    .collect();
                format!("deadlock: {}", links.join(", "))
            }
            _ => format!("deadlock: {} blocked", count(waits.len() as u64, "thread")),
        },
        FailureKind::StepBound { steps } => format!(
            "inconclusive: an execution did not finish within {}",
            count(*steps, "step")
        ),
    }
}

/// The cell text of a step, at most `w` columns: the operation in the primitive's words. When
/// too wide, the object's name is shortened first (keeping the action and the value), then the
/// end.
fn cell(step: &Step, marked: bool, w: usize) -> String {
    let mark = if marked { MARK } else { "" };
    let detail = step
        .detail
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| format!(" {d}"))
        .unwrap_or_default();
    let object = if step.object.is_empty() {
        String::new()
    } else {
        format!(" {}", step.object)
    };
    let full = format!("{mark}{}{object}{detail}", step.action);
    if width(&full) <= w {
        return full;
    }
    // First drop the object's kind ("Var counter" -> "counter"), then shorten its name.
    if let Some((_, name)) = step.object.split_once(' ') {
        let short = format!("{mark}{} {name}{detail}", step.action);
        if width(&short) <= w {
            return short;
        }
    }
    let fixed = width(mark) + width(&step.action) + width(&detail);
    // Keep at least "x…" of the object name.
    if !object.is_empty() && fixed + 3 <= w {
        let object = truncate(&object, w - fixed);
        return format!("{mark}{}{object}{detail}", step.action);
    }
    truncate(&full, w)
}

/// Column widths for the threads that fit in `budget` columns, shrinking the widest first.
fn fit_columns(natural: &[usize], budget: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = natural.iter().map(|&w| w.max(1)).collect();
    while widths.iter().sum::<usize>() > budget {
        let (widest, &w) = match widths.iter().enumerate().max_by_key(|&(_, &w)| w) {
            Some(x) => x,
            None => break,
        };
        if w <= MIN_COLUMN {
            break;
        }
        widths[widest] = w - 1;
    }
    widths
}

/// Renders `failure` as a terminal report: headline, a table with one column per thread, the
/// explanation ([`explain`](super::explain)) and, last, `ctx.replay_command`.
///
/// The table shows every step that bears on the failure (the conflicting accesses and their
/// neighbours, the last steps before a deadlock or panic) and folds repeated cycles of steps into
/// one row ("Thread-2: 99,998 more iterations of lines 12-13"), so that a run of 2 x 100,000
/// increments fits on one screen. Lines are at most 100 columns; ANSI colours only when
/// `ctx.color`.
///
/// ```
/// use threadcheck::engine::{Failure, FailureKind, Schedule};
/// use threadcheck::report::{render_text, RenderContext, Step, ThreadDesc, Trace};
///
/// let step = |thread: usize, action: &str, detail: String, line: u32| Step {
///     thread,
///     action: action.into(),
///     object: "Var counter".into(),
///     detail: Some(detail),
///     file: "models/counter.rs".into(),
///     line,
///     preemption: false,
/// };
/// let mut steps = vec![step(0, "read", "-> 0".into(), 12)];
/// for i in 0..1000 {
///     steps.push(step(1, "read", format!("-> {i}"), 12));
///     steps.push(step(1, "write", format!("<- {}", i + 1), 13));
/// }
/// steps[1].preemption = true;
/// steps.push(step(0, "write", "<- 1".into(), 13));
/// let failure = Failure {
///     kind: FailureKind::Panic { thread: "MainThread".into(), message: "counter == 1".into() },
///     schedule: Schedule("0.1".into()),
///     preemptions: 1,
///     steps: steps.len() as u64,
///     fewest_steps: false,
///     trace: Trace {
///         threads: vec![
///             ThreadDesc { id: 0, name: "Thread-1".into() },
///             ThreadDesc { id: 1, name: "Thread-2".into() },
///         ],
///         steps,
///     },
/// };
/// let ctx = RenderContext {
///     model: "counter-unlocked".into(),
///     replay_command: "threadcheck replay counter-unlocked 0.1".into(),
///     color: false,
///     full_trace: false,
/// };
/// let text = render_text(&failure, &ctx);
/// assert!(text.contains("Thread-2: 998 more iterations of lines 12-13"));
/// assert!(text.lines().count() < 40);
/// assert!(text.trim_end().ends_with("threadcheck replay counter-unlocked 0.1"));
/// ```
pub fn render_text(failure: &Failure, ctx: &RenderContext) -> String {
    let v = view(failure, ctx.full_trace);
    let trace = &failure.trace;
    let color = ctx.color;
    let mut out: Vec<String> = Vec::new();

    // Headline and summary.
    let head = format!("✗ {}: {}", ctx.model, headline(failure));
    out.push(paint(&truncate(&head, MAX_WIDTH), Style::BoldRed, color));
    let mut summary = format!(
        "{}, {}",
        count(total_steps(failure), "step"),
        count(failure.preemptions as u64, "preemption")
    );
    if v.folded > 0 {
        summary.push_str(&format!(
            "; {} folded",
            count(v.folded as u64, "repeated step")
        ));
    }
    if v.elided > 0 {
        let elided = count(v.elided as u64, "unrelated step");
        summary.push_str(&format!("; {elided} not shown"));
    }
    if let Some(file) = &v.main_file {
        summary.push_str(&format!("; lines are in {file}"));
    }
    for line in wrap(&summary, MAX_WIDTH) {
        out.push(paint(&line, Style::Dim, color));
    }
    out.push(String::new());

    out.extend(table(&v, trace, color));

    if let Some(legend) = legend(&v) {
        out.push(String::new());
        for line in wrap(&legend, MAX_WIDTH) {
            out.push(line);
        }
    }
    out.push(String::new());
    for line in wrap(&explain(failure), MAX_WIDTH) {
        out.push(line);
    }
    out.push(String::new());
    out.push(format!(
        "{} {}",
        paint("Replay:", Style::Bold, color),
        ctx.replay_command
    ));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// `"▶ marks the conflict: the stale read (step 3), 100,000 lost updates (steps 5 to 200,004)
/// and the overwrite (step 200,006)."`
fn legend(v: &View) -> Option<String> {
    let mut by_role: Vec<(Role, Vec<usize>)> = Vec::new();
    let mut steps: Vec<(usize, Role)> = v.roles.iter().map(|(&s, &r)| (s, r)).collect();
    steps.sort_unstable();
    for (s, role) in steps {
        match by_role.iter_mut().find(|(r, _)| *r == role) {
            Some((_, list)) => list.push(s),
            None => by_role.push((role, vec![s])),
        }
    }
    if by_role.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_role
        .iter()
        .map(|(role, list)| {
            let first = thousands(list[0] as u64 + 1);
            let last = thousands(*list.last().unwrap_or(&list[0]) as u64 + 1);
            let label = role.label();
            match list.len() {
                1 => format!("the {label} (step {first})"),
                2 => format!("{} (steps {first} and {last})", plural(label, 2)),
                n => format!("{} (steps {first} to {last})", plural(label, n)),
            }
        })
        .collect();
    let joined = match parts.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => return None,
    };
    Some(format!("{}marks the conflict: {joined}.", MARK))
}

fn plural(label: &str, n: usize) -> String {
    let mut words: Vec<String> = label.split(' ').map(str::to_string).collect();
    if let Some(last) = words.last_mut() {
        if !last.ends_with('s') {
            last.push('s');
        }
    }
    format!("{} {}", thousands(n as u64), words.join(" "))
}

/// The table: header with thread names, then one line per row (preemptions as separator
/// lines).
fn table(v: &View, trace: &Trace, color: bool) -> Vec<String> {
    let threads = trace
        .threads
        .len()
        .max(trace.steps.iter().map(|s| s.thread + 1).max().unwrap_or(0));
    let main = v.main_file.as_deref();
    let last_step = v
        .rows
        .iter()
        .rev()
        .find_map(|r| match r {
            Row::Step(i) => Some(*i),
            Row::Fold(f) => Some(f.start + f.len - 1),
            Row::Outcome { .. } => None,
        })
        .unwrap_or(0);
    let num_w = width(&(last_step + 1).to_string()).max(4);
    let site_of = |step: &Step| truncate(&site_label(step, main), MAX_SITE);
    let site_w = v
        .rows
        .iter()
        .filter_map(|r| match r {
            Row::Step(i) => Some(width(&site_of(&trace.steps[*i]))),
            _ => None,
        })
        .max()
        .unwrap_or(0)
        .max(4);
    // gutter = "{num} {site} │ "
    let gutter = num_w + 1 + site_w + 3;
    let mut natural = vec![0usize; threads];
    for (t, w) in natural.iter_mut().enumerate() {
        *w = width(thread_name(trace, t));
    }
    for r in &v.rows {
        if let Row::Step(i) = r {
            let step = &trace.steps[*i];
            let w = width(&cell(step, v.roles.contains_key(i), usize::MAX));
            natural[step.thread] = natural[step.thread].max(w);
        }
    }
    let budget = MAX_WIDTH.saturating_sub(gutter + 3 * threads.saturating_sub(1));
    let widths = fit_columns(&natural, budget);
    let col_start: Vec<usize> = widths
        .iter()
        .scan(gutter, |at, &w| {
            let start = *at;
            *at += w + 3;
            Some(start)
        })
        .collect();
    let total = gutter + widths.iter().sum::<usize>() + 3 * threads.saturating_sub(1);

    let mut lines = Vec::new();
    let header: Vec<String> = (0..threads)
        .map(|t| pad(&truncate(thread_name(trace, t), widths[t]), widths[t]))
        .collect();
    lines.push(
        format!(
            "{} {} │ {}",
            pad_left("step", num_w),
            pad("line", site_w),
            paint(&header.join(" │ "), Style::Bold, color)
        )
        .trim_end()
        .to_string(),
    );
    let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
    lines.push(format!(
        "{}─┼─{}",
        "─".repeat(num_w + 1 + site_w),
        rule.join("─┼─")
    ));

    // A free-text row starting in thread `t`'s column, shifted left so it fits.
    let span = |t: Option<usize>, text: &str| -> (String, usize) {
        let avail = total.max(MAX_WIDTH);
        let text = truncate(text, avail - gutter);
        let start = t.map(|t| col_start[t]).unwrap_or(gutter);
        let start = start.min(avail.saturating_sub(width(&text))).max(gutter);
        (text, start)
    };
    let blank_gutter = format!("{} {} │ ", " ".repeat(num_w), " ".repeat(site_w));
    let spaced = |start: usize| -> String {
        let mut s = blank_gutter.clone();
        // Keep the thread columns' separators up to the text's start.
        for (t, &w) in widths.iter().enumerate() {
            if col_start[t] + w + 3 > start {
                break;
            }
            s.push_str(&" ".repeat(w));
            s.push_str(" │ ");
        }
        let at = width(&s);
        s.push_str(&" ".repeat(start.saturating_sub(at)));
        s
    };

    for r in &v.rows {
        match r {
            Row::Step(i) => {
                let step = &trace.steps[*i];
                if step.preemption && *i > 0 {
                    let from = thread_name(trace, trace.steps[i - 1].thread);
                    let to = thread_name(trace, step.thread);
                    let text = format!("⇢ preemption: {from} is paused, {to} runs");
                    let (text, start) = span(Some(step.thread), &text);
                    let line = format!("{}{}", spaced(start), paint(&text, Style::Cyan, color));
                    lines.push(line);
                }
                let role = v.roles.get(i).copied();
                let mut row = format!(
                    "{} {} │ ",
                    pad_left(&(i + 1).to_string(), num_w),
                    paint(&pad(&site_of(step), site_w), Style::Dim, color)
                );
                for (t, &w) in widths.iter().enumerate() {
                    if t == step.thread {
                        let text = cell(step, role.is_some(), w);
                        let painted = match role {
                            Some(role) => paint(&text, role_style(role), color),
                            None => text.clone(),
                        };
                        row.push_str(&painted);
                        row.push_str(&" ".repeat(w - width(&text)));
                    } else {
                        row.push_str(&" ".repeat(w));
                    }
                    if t + 1 < threads {
                        row.push_str(" │ ");
                    }
                }
                lines.push(row.trim_end().to_string());
            }
            Row::Fold(fold) => {
                let label = format!("┆ {}", fold.label(trace, main));
                let (text, start) = span(fold.threads.first().copied(), &label);
                let mut line = spaced(start);
                let gutter_mark = format!("{} {} │ ", pad_left("⋮", num_w), " ".repeat(site_w));
                line.replace_range(..blank_gutter.len(), &gutter_mark);
                line.push_str(&paint(&text, Style::Dim, color));
                lines.push(line);
            }
            Row::Outcome { thread, text } => {
                let (text, start) = span(*thread, text);
                let style = if text.starts_with('✗') {
                    Style::BoldRed
                } else {
                    Style::Yellow
                };
                lines.push(format!("{}{}", spaced(start), paint(&text, style, color)));
            }
        }
    }
    lines
}

fn site_label(step: &Step, main: Option<&str>) -> String {
    let s = site(step, main);
    s.strip_prefix("line ").map(str::to_string).unwrap_or(s)
}

fn pad_left(text: &str, w: usize) -> String {
    format!("{}{text}", " ".repeat(w.saturating_sub(width(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Column fitting shrinks the widest columns first and leaves fitting tables alone.
    #[test]
    fn columns_shrink_widest_first() {
        assert_eq!(fit_columns(&[10, 40, 30], 70), vec![10, 30, 30]);
        assert_eq!(fit_columns(&[10, 20], 70), vec![10, 20]);
    }
}
