//! Small formatting helpers shared by the text and HTML renderers: numbers, source sites,
//! operation wording, line ranges and width-aware truncation.

use super::trace::{Step, Trace};
use std::collections::BTreeSet;

/// `1234567` as `"1,234,567"`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` followed by the noun, pluralised with an `s` when `n != 1`: `"1 step"`, `"2 steps"`.
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

/// The last path component of a source file (`models/counter.rs` -> `counter.rs`).
pub(crate) fn file_name(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

/// The file most steps were performed in: the model's own source, named once in the report's
/// header so that each row can show just the line number.
pub(crate) fn main_file(trace: &Trace) -> Option<&str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for step in &trace.steps {
        if step.file.is_empty() {
            continue;
        }
        match counts.iter_mut().find(|(f, _)| *f == step.file) {
            Some((_, n)) => *n += 1,
            None => counts.push((&step.file, 1)),
        }
        if counts.len() > 64 {
            break;
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(f, _)| f)
}

/// True for a source file of threadcheck itself (`src/thread/handle.rs`): the site of a step the
/// library performs on a thread's behalf (a thread finishing), which says nothing to the user.
pub(crate) fn is_library_file(file: &str) -> bool {
    let own = file!().replace('\\', "/");
    let Some(root) = own.strip_suffix("report/format.rs") else {
        return false;
    };
    let file = file.replace('\\', "/");
    // The models are compiled in from `src/../models/`: theirs is the user's code.
    file.strip_prefix(root).is_some_and(|rest| {
        !rest.starts_with("models") && !rest.starts_with("bin") && !rest.starts_with("../")
    })
}

/// Where a step happened, as short as is unambiguous: `"line 12"` in the main file,
/// `"helpers.rs:82"` elsewhere, nothing for the library's own steps.
pub(crate) fn site(step: &Step, main_file: Option<&str>) -> String {
    site_at(&step.file, step.line, main_file)
}

/// [`site`] for a source location that is not a step's (where a blocked thread waits).
pub(crate) fn site_at(file: &str, line: u32, main_file: Option<&str>) -> String {
    if file.is_empty() {
        return String::new();
    }
    let in_main = Some(file) == main_file;
    if !in_main && is_library_file(file) {
        return String::new();
    }
    if in_main {
        format!("line {line}")
    } else {
        format!("{}:{line}", file_name(file))
    }
}

/// True for the step the engine appends to a trace for a panic (`"panic"`, the message as its
/// detail): an outcome shown as a row, not a step of the schedule.
pub(crate) fn is_panic_step(step: &Step) -> bool {
    step.action == "panic" && step.object.is_empty()
}

/// The number of steps of the failing execution, as its schedule counts them:
/// [`Failure::steps`](crate::engine::Failure::steps); for a failure that does not count them
/// (0: an engine without a schedule), the trace's steps but a final panic.
pub(crate) fn total_steps(failure: &crate::engine::Failure) -> u64 {
    if failure.steps > 0 {
        return failure.steps;
    }
    let steps = &failure.trace.steps;
    let panic = steps.last().is_some_and(is_panic_step);
    (steps.len() - usize::from(panic)) as u64
}

/// The operation in the primitive's own words: `"read Var counter -> 41"`.
pub(crate) fn operation(step: &Step) -> String {
    let mut text = step.action.clone();
    if !step.object.is_empty() {
        text.push(' ');
        text.push_str(&step.object);
    }
    if let Some(detail) = &step.detail {
        if !detail.is_empty() {
            text.push(' ');
            text.push_str(detail);
        }
    }
    text
}

/// The value part of a detail: `"-> 41"` and `"<- 41"` both give `"41"`.
pub(crate) fn value(detail: Option<&str>) -> Option<&str> {
    let detail = detail?.trim();
    let value = detail
        .strip_prefix("->")
        .or_else(|| detail.strip_prefix("<-"))
        .unwrap_or(detail)
        .trim();
    (!value.is_empty()).then_some(value)
}

/// A set of line numbers as compact ranges: `"line 12"`, `"lines 12-14"`, `"lines 12-13, 20"`.
pub(crate) fn line_ranges(lines: &BTreeSet<u32>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = lines.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    let noun = if lines.len() == 1 { "line" } else { "lines" };
    format!("{noun} {}", parts.join(", "))
}

/// The places a group of steps happened at: line ranges in the main file, `file:line` elsewhere.
pub(crate) fn places<'a>(steps: impl Iterator<Item = &'a Step>, main_file: Option<&str>) -> String {
    let mut lines = BTreeSet::new();
    let mut others = BTreeSet::new();
    for step in steps {
        if Some(step.file.as_str()) == main_file {
            lines.insert(step.line);
        } else if !step.file.is_empty() {
            others.insert(format!("{}:{}", file_name(&step.file), step.line));
        }
    }
    let mut parts = Vec::new();
    if !lines.is_empty() {
        parts.push(line_ranges(&lines));
    }
    parts.extend(others);
    parts.join(", ")
}

/// Number of terminal columns `text` takes (one per `char`; the renderers emit no wide glyphs).
pub(crate) fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to at most `max` columns, ending in `…` when something was cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `text` padded with spaces to `w` columns (never cut).
pub(crate) fn pad(text: &str, w: usize) -> String {
    let mut out = text.to_string();
    for _ in width(text)..w {
        out.push(' ');
    }
    out
}

/// Word-wraps `text` to lines of at most `w` columns (a word longer than `w` gets its own line).
pub(crate) fn wrap(text: &str, w: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && width(&line) + 1 + width(word) > w {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// True for actions that only look at an object's value (`read`, `get`, ...).
pub(crate) fn is_read(action: &str) -> bool {
    matches!(action, "read" | "get" | "load")
}

/// True for actions that overwrite an object's value (`write`, `set`, ...).
pub(crate) fn is_write(action: &str) -> bool {
    matches!(action, "write" | "set" | "store")
}

/// True for actions that take a lock or a permit.
pub(crate) fn is_acquire(action: &str) -> bool {
    action == "acquire" || action.starts_with("acquire ")
}

/// True for actions that give a lock or a permit back.
pub(crate) fn is_release(action: &str) -> bool {
    action == "release" || action.starts_with("release ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers are grouped by thousands with commas, as the reports print counts.
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(99_958), "99,958");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    /// Consecutive lines collapse into ranges; singletons stay single.
    #[test]
    fn line_ranges_are_compact() {
        let set: BTreeSet<u32> = [12, 13, 14, 20].into_iter().collect();
        assert_eq!(line_ranges(&set), "lines 12-14, 20");
        let one: BTreeSet<u32> = [7].into_iter().collect();
        assert_eq!(line_ranges(&one), "line 7");
    }

    /// Truncation respects the width in characters (not bytes) and marks the cut with `…`.
    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(width(&truncate("ééééé", 3)), 3);
    }

    /// Word wrapping never exceeds the width and loses no word.
    #[test]
    fn wrap_respects_width() {
        let lines = wrap("one two three four five six", 9);
        assert!(lines.iter().all(|l| width(l) <= 9), "{lines:?}");
        assert_eq!(lines.join(" "), "one two three four five six");
    }

    /// Only threadcheck's own sources count as library sites, not models or tests.
    #[test]
    fn library_files_are_recognised() {
        assert!(is_library_file("src/thread/handle.rs"));
        assert!(!is_library_file("models/counter.rs"));
        assert!(!is_library_file("src/models/counter.rs"));
        // The models as the binary compiles them in (`#[path = "../models/.."]`).
        assert!(!is_library_file("src/../models/deadlock.rs"));
        assert!(!is_library_file("tests/report.rs"));
    }

    /// The value of a detail is found behind both arrows.
    #[test]
    fn value_strips_arrows() {
        assert_eq!(value(Some("-> 41")), Some("41"));
        assert_eq!(value(Some("<- 42")), Some("42"));
        assert_eq!(value(None), None);
    }
}
