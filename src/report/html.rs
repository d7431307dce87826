//! The HTML report: one self-contained page (inline CSS and JS, no network) with a swim-lane
//! timeline (one lane per thread), the conflict highlighted, step-through controls, expandable
//! folds, the explanation and the replay command.

use super::conflict::Role;
use super::explain::explain;
use super::format::{count, site, thousands, total_steps};
use super::text::headline;
use super::trace::{Step, Trace};
use super::view::{thread_name, view, Fold, Row, View};
use super::RenderContext;
use crate::engine::{Failure, FailureKind};
use std::fmt::Write as _;

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// How many steps of a fold the page embeds at each end (the rest is summarised in one row).
const FOLD_EDGE: usize = 60;

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `failure` as one self-contained HTML page.
///
/// The page has a swim-lane timeline with one lane (column) per thread and one row per step, the
/// same folding as [`render_text`](super::render_text) (folds expand in place, embedding up to
/// 120 of their steps), the conflicting steps of [`conflict`](super::conflict) highlighted and
/// labelled, step-through controls (buttons; arrow keys, Home/End, Space to play, `c` for the
/// conflict) that mark the current step, the [`explain`](super::explain)ation and
/// `ctx.replay_command`. It loads nothing from the network and works without JavaScript (the
/// controls then do nothing). `ctx.color` is ignored.
///
/// ```
/// use threadcheck::engine::{Failure, FailureKind, Schedule};
/// use threadcheck::report::{render_html, RenderContext, Step, ThreadDesc, Trace};
///
/// let step = |thread: usize, action: &str, detail: &str, line: u32| Step {
///     thread,
///     action: action.into(),
///     object: "Var counter".into(),
///     detail: Some(detail.into()),
///     file: "models/counter.rs".into(),
///     line,
///     preemption: thread == 1 && action == "read",
/// };
/// let failure = Failure {
///     kind: FailureKind::Panic { thread: "Thread-1".into(), message: "counter == 1".into() },
///     schedule: Schedule("0.1.1.0".into()),
///     preemptions: 1,
///     steps: 4,
///     fewest_steps: false,
///     trace: Trace {
///         threads: vec![
///             ThreadDesc { id: 0, name: "Thread-1".into() },
///             ThreadDesc { id: 1, name: "Thread-2".into() },
///         ],
///         steps: vec![
///             step(0, "read", "-> 0", 12),
///             step(1, "read", "-> 0", 12),
///             step(1, "write", "<- 1", 13),
///             step(0, "write", "<- 1", 13),
///         ],
///     },
/// };
/// let ctx = RenderContext {
///     model: "counter-unlocked".into(),
///     replay_command: "threadcheck replay counter-unlocked 0.1.1.0".into(),
///     color: false,
///     full_trace: false,
/// };
/// let page = render_html(&failure, &ctx);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert_eq!(page.matches("<th scope=\"col\" class=\"lane-head\"").count(), 2);
/// assert!(page.contains("class=\"step conflict stale-read\""));
/// assert!(!page.contains("http://") && !page.contains("https://"));
/// ```
pub fn render_html(failure: &Failure, ctx: &RenderContext) -> String {
    let v = view(failure, ctx.full_trace);
    let trace = &failure.trace;
    let threads = trace
        .threads
        .len()
        .max(trace.steps.iter().map(|s| s.thread + 1).max().unwrap_or(0));
    let verdict = match failure.kind {
        FailureKind::Panic { .. } => "violated",
        FailureKind::Deadlock { .. } => "deadlock",
        FailureKind::StepBound { .. } => "inconclusive",
    };
    let headline = headline(failure);
    let headline = headline
        .split_once(": ")
        .map_or(headline.as_str(), |(_, h)| h);
    let mut summary = format!(
        "{} · {}",
        count(total_steps(failure), "step"),
        count(failure.preemptions as u64, "preemption")
    );
    if v.folded > 0 {
        let _ = write!(
            summary,
            " · {} folded",
            count(v.folded as u64, "repeated step")
        );
    }
    if v.elided > 0 {
        let elided = count(v.elided as u64, "unrelated step");
        let _ = write!(summary, " · {elided} not shown");
    }
    if let Some(file) = &v.main_file {
        let _ = write!(summary, " · lines are in {file}");
    }

    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"threadcheck\">\n\
         <title>{} — {verdict} — threadcheck</title>\n<style>\n{CSS}</style>\n</head>\n\
         <body data-ready=\"false\" data-verdict=\"{verdict}\" data-conflict=\"{}\" \
         data-total=\"{}\">\n",
        esc(&ctx.model),
        match &v.conflict {
            Some(super::conflict::Conflict::LostUpdate(_)) => "lost-update",
            Some(super::conflict::Conflict::Deadlock(_)) => "deadlock",
            None => "none",
        },
        thousands(trace.steps.len() as u64),
    );
    let _ = write!(
        h,
        "<header>\n<h1>✗ {}<span class=\"verdict\">{verdict}</span></h1>\n\
         <p class=\"headline\">{}</p>\n<p class=\"summary\">{}</p>\n</header>\n<main>\n",
        esc(&ctx.model),
        esc(headline),
        esc(&summary)
    );
    let _ = write!(
        h,
        "<section aria-labelledby=\"what\">\n<h2 id=\"what\">What went wrong</h2>\n\
         <p id=\"explanation\">{}</p>\n<div class=\"replay\"><span>Replay this execution:</span>\
         <code id=\"replay\">{}</code><button type=\"button\" id=\"copy\">Copy</button></div>\n\
         </section>\n",
        esc(&explain(failure)),
        esc(&ctx.replay_command)
    );
    h.push_str(
        "<section aria-labelledby=\"trace\">\n<h2 id=\"trace\">The execution, one lane per \
         thread</h2>\n<div class=\"controls\" role=\"toolbar\" aria-label=\"Step through the \
         execution\">\n<button type=\"button\" id=\"first\" aria-label=\"First step\">First</button>\n\
         <button type=\"button\" id=\"prev\" aria-label=\"Previous step\">◀ Prev</button>\n\
         <button type=\"button\" id=\"play\" aria-pressed=\"false\">▶ Play</button>\n\
         <button type=\"button\" id=\"next\" aria-label=\"Next step\">Next ▶</button>\n\
         <button type=\"button\" id=\"last\" aria-label=\"Last step\">Last</button>\n\
         <button type=\"button\" id=\"conflict\">Go to the conflict</button>\n\
         <button type=\"button\" id=\"expand-all\" aria-pressed=\"false\">Expand folds</button>\n\
         <span id=\"position\" role=\"status\" aria-live=\"polite\"></span>\n</div>\n\
         <p class=\"hint\">Keys: <kbd>←</kbd> <kbd>→</kbd> step, <kbd>Home</kbd> <kbd>End</kbd>, \
         <kbd>Space</kbd> play/pause, <kbd>c</kbd> conflict. Click a row to select it; click a \
         folded row to expand it.</p>\n",
    );
    legend(&mut h, &v);
    h.push_str("<div class=\"scroll\">\n<table class=\"timeline\" id=\"timeline\">\n");
    let _ = writeln!(
        h,
        "<caption class=\"sr-only\">Steps of the failing execution in order; one column per \
         thread.</caption>"
    );
    h.push_str("<colgroup><col class=\"c-step\"><col class=\"c-line\">");
    for t in 0..threads {
        let _ = write!(h, "<col class=\"lane\" data-thread=\"{t}\">");
    }
    h.push_str("</colgroup>\n<thead><tr><th scope=\"col\">step</th><th scope=\"col\">line</th>");
    for t in 0..threads {
        let _ = write!(
            h,
            "<th scope=\"col\" class=\"lane-head\" data-thread=\"{t}\" style=\"--lane: {}\">\
             <span class=\"dot\" aria-hidden=\"true\"></span>{}</th>",
            lane_color(t),
            esc(thread_name(trace, t))
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let mut folds = 0;
    for row in &v.rows {
        match row {
            Row::Step(i) => step_row(&mut h, trace, &v, *i, threads),
            Row::Fold(fold) => {
                fold_rows(&mut h, trace, &v, fold, folds, threads);
                folds += 1;
            }
            Row::Outcome { thread, text } => {
                let class = if text.starts_with('✗') {
                    "failed"
                } else {
                    "blocked"
                };
                let before = thread.unwrap_or(0);
                let _ = write!(
                    h,
                    "<tr class=\"outcome {class}\"><th scope=\"row\"></th><td></td>"
                );
                for _ in 0..before {
                    h.push_str("<td class=\"lane\"></td>");
                }
                let _ = writeln!(
                    h,
                    "<td class=\"text\" colspan=\"{}\">{}</td></tr>",
                    threads - before,
                    esc(text)
                );
            }
        }
    }
    h.push_str("</tbody>\n</table>\n</div>\n</section>\n</main>\n");
    h.push_str(
        "<footer>Generated by threadcheck. Everything this page needs is inside it.</footer>\n",
    );
    let _ = write!(h, "<script>\n{JS}</script>\n</body>\n</html>\n");
    h
}

fn lane_color(t: usize) -> String {
    format!("var(--c{})", t % 8)
}

fn legend(h: &mut String, v: &View) {
    let mut roles: Vec<Role> = v.roles.values().copied().collect();
    roles.sort_unstable();
    roles.dedup();
    h.push_str("<ul class=\"legend\" aria-label=\"Legend\">");
    for role in roles {
        let _ = write!(
            h,
            "<li><span class=\"swatch {}\" aria-hidden=\"true\"></span>{}</li>",
            role.css_class(),
            esc(role.label())
        );
    }
    h.push_str(
        "<li><span class=\"swatch preempt\" aria-hidden=\"true\"></span>preemption (the \
         running thread could have continued)</li></ul>\n",
    );
}

/// The preemption separator (if any) and the row of step `i`.
fn step_row(h: &mut String, trace: &Trace, v: &View, i: usize, threads: usize) {
    let step = &trace.steps[i];
    if step.preemption && i > 0 {
        let from = thread_name(trace, trace.steps[i - 1].thread);
        let to = thread_name(trace, step.thread);
        let _ = writeln!(
            h,
            "<tr class=\"preempt\"><td colspan=\"{}\">⇢ preemption: {} is paused, {} runs</td></tr>",
            threads + 2,
            esc(from),
            esc(to)
        );
    }
    let role = v.roles.get(&i).copied();
    let class = match role {
        Some(role) => format!("step conflict {}", role.css_class()),
        None => "step".to_string(),
    };
    let line = site(step, v.main_file.as_deref());
    let op = operation(step);
    let _ = write!(
        h,
        "<tr class=\"{class}\" id=\"s{n}\" data-step=\"{n}\" data-thread=\"{}\" data-op=\"{}\" \
         data-line=\"{}\"",
        esc(thread_name(trace, step.thread)),
        esc(&op),
        esc(&line),
        n = i + 1,
    );
    if let Some(role) = role {
        let _ = write!(h, " data-role=\"{}\"", role.label());
    }
    let shown_line = line.strip_prefix("line ").unwrap_or(&line);
    let _ = write!(
        h,
        "><th scope=\"row\" class=\"num\">{}</th><td class=\"line\">{}</td>",
        i + 1,
        esc(shown_line)
    );
    for t in 0..threads {
        if t == step.thread {
            let badge = role
                .map(|r| format!("<span class=\"badge\">{}</span>", r.label()))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<td class=\"lane\" style=\"--lane: {}\"><span class=\"op\">{badge}{}</span></td>",
                lane_color(t),
                esc(&op)
            );
        } else {
            h.push_str("<td class=\"lane\"></td>");
        }
    }
    h.push_str("</tr>\n");
}

fn operation(step: &Step) -> String {
    super::format::operation(step)
}

/// The fold's summary row (a toggle) and its hidden body: up to [`FOLD_EDGE`] steps at each end.
fn fold_rows(h: &mut String, trace: &Trace, v: &View, fold: &Fold, k: usize, threads: usize) {
    let label = fold.label(trace, v.main_file.as_deref());
    let first = fold.threads.first().copied().unwrap_or(0);
    let _ = write!(
        h,
        "</tbody>\n<tbody class=\"fold-group\">\n<tr class=\"fold\" data-fold=\"{k}\" \
         data-steps=\"{}\"><th scope=\"row\" class=\"num\">⋮</th><td></td>",
        fold.len
    );
    for _ in 0..first {
        h.push_str("<td class=\"lane\"></td>");
    }
    let _ = writeln!(
        h,
        "<td class=\"lane\" colspan=\"{}\"><button type=\"button\" class=\"fold-toggle\" \
         aria-expanded=\"false\" aria-controls=\"fold-{k}\"><span class=\"arrow\" \
         aria-hidden=\"true\">▸</span> {} <span class=\"sr-only\">(steps {} to {})</span>\
         </button></td></tr>",
        threads - first,
        esc(&label),
        thousands(fold.start as u64 + 1),
        thousands((fold.start + fold.len) as u64),
    );
    let _ = writeln!(
        h,
        "</tbody>\n<tbody class=\"fold-body\" id=\"fold-{k}\" hidden>"
    );
    let end = fold.start + fold.len;
    let head_end = (fold.start + FOLD_EDGE).min(end);
    let tail_start = end.saturating_sub(FOLD_EDGE).max(head_end);
    for i in fold.start..head_end {
        step_row(h, trace, v, i, threads);
    }
    if tail_start > head_end {
        let _ = writeln!(
            h,
            "<tr class=\"gap\"><td colspan=\"{}\">… {} not included in this page (replay to see \
             every step)</td></tr>",
            threads + 2,
            count((tail_start - head_end) as u64, "more step")
        );
    }
    for i in tail_start..end {
        step_row(h, trace, v, i, threads);
    }
    h.push_str("</tbody>\n<tbody>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every HTML-special character is escaped.
    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
