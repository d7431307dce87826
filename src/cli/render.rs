//! FALLBACK renderers, used until the report module's own land.
//!
//! SWAP AT MERGE: replace this file's `RenderContext`, `render_text` and `render_html` with
//! `crate::report::{RenderContext, render_text, render_html}` (same names and signatures) and
//! delete this file. Nothing else in the CLI changes.

use crate::engine::Failure;
use std::fmt::Write;

/// What a renderer needs besides the failure.
pub(crate) struct RenderContext {
    /// The model's name.
    pub model: String,
    /// The command that replays the failure.
    pub replay_command: String,
    /// Whether to use ANSI colours.
    pub color: bool,
}

/// The trace as a table with one column per thread, then the replay command.
pub(crate) fn render_text(failure: &Failure, ctx: &RenderContext) -> String {
    const WIDTH: usize = 34;
    let trace = &failure.trace;
    let mut out = String::new();
    let _ = write!(out, "{:>5}  ", "step");
    for t in &trace.threads {
        let _ = write!(out, "{:<WIDTH$}", t.name);
    }
    out.push('\n');
    for (i, step) in trace.steps.iter().enumerate() {
        let mut cell = format!("{} {}", step.action, step.object);
        if let Some(detail) = &step.detail {
            cell.push(' ');
            cell.push_str(detail);
        }
        let file = step.file.rsplit('/').next().unwrap_or(&step.file);
        cell.push_str(&format!(" ({file}:{})", step.line));
        let mark = if step.preemption { "*" } else { " " };
        let _ = write!(out, "{:>4}{mark}  ", i + 1);
        for column in 0..trace.threads.len() {
            if column == step.thread {
                out.push_str(&cell);
                break;
            }
            let _ = write!(out, "{:<WIDTH$}", "");
        }
        out.push('\n');
    }
    if failure.preemptions > 0 {
        out.push_str("  (* = preemption)\n");
    }
    let _ = ctx.color;
    let _ = writeln!(out, "\nreplay: {}", ctx.replay_command);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained page with the trace as a table, one column per thread.
pub(crate) fn render_html(failure: &Failure, ctx: &RenderContext) -> String {
    let trace = &failure.trace;
    let mut rows = String::new();
    for (i, step) in trace.steps.iter().enumerate() {
        let _ = write!(rows, "<tr><td>{}</td>", i + 1);
        for column in 0..trace.threads.len() {
            if column == step.thread {
                let _ = write!(
                    rows,
                    "<td>{} {} {} <small>{}:{}</small></td>",
                    escape(step.action.as_str()),
                    escape(step.object.as_str()),
                    escape(step.detail.as_deref().unwrap_or("")),
                    escape(step.file.as_str()),
                    step.line
                );
            } else {
                rows.push_str("<td></td>");
            }
        }
        rows.push_str("</tr>\n");
    }
    let heads: String = trace
        .threads
        .iter()
        .map(|t| format!("<th>{}</th>", escape(&t.name)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>threadcheck: {model}</title>\
         </head><body><h1>{model}</h1><table><tr><th>step</th>{heads}</tr>\n{rows}</table>\
         <p><code>{replay}</code></p></body></html>\n",
        model = escape(&ctx.model),
        replay = escape(&ctx.replay_command),
    )
}
