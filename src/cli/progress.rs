//! The progress indicator: one line on stderr, redrawn ten times a second, for searches that
//! last more than a second. Off when stderr is not a terminal, or with `--quiet`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running indicator; [`Progress::finish`] erases it.
pub(crate) struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

pub(crate) use crate::report::thousands;

/// A duration for people: `0.41 s`, `12.3 s`, `2 min 05 s`.
pub(crate) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 10.0 {
        format!("{secs:.2} s")
    } else if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

impl Progress {
    /// Starts the indicator writing to `out` (the real stderr), or a no-op if `out` is `None`.
    /// `executions` is read as the search advances.
    pub(crate) fn start(
        label: String,
        executions: Arc<AtomicU64>,
        out: Option<std::fs::File>,
    ) -> Progress {
        Progress::start_detailed(label, executions, None, out)
    }

    /// [`Progress::start`] with a `detail` shown after the executions (the fuzzer's distinct
    /// schedules and rate), read at each redraw.
    pub(crate) fn start_detailed(
        label: String,
        executions: Arc<AtomicU64>,
        detail: Option<Arc<std::sync::Mutex<String>>>,
        out: Option<std::fs::File>,
    ) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let thread = out.map(|mut out| {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let start = Instant::now();
                let spinner = ['|', '/', '-', '\\'];
                let mut shown = false;
                let mut tick = 0usize;
                while !done.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    let elapsed = start.elapsed();
                    if elapsed < Duration::from_secs(1) {
                        continue;
                    }
                    tick += 1;
                    let n = executions.load(Ordering::Relaxed);
                    let detail = detail
                        .as_ref()
                        .map(|d| d.lock().map(|d| d.clone()).unwrap_or_default())
                        .filter(|d| !d.is_empty())
                        .map(|d| format!("{d}, "))
                        .unwrap_or_default();
                    let line = format!(
                        "\r\x1b[2K{} {label}: {} executions, {detail}{}",
                        spinner[tick % spinner.len()],
                        thousands(n),
                        human_duration(elapsed)
                    );
                    let _ = out.write_all(line.as_bytes());
                    let _ = out.flush();
                    shown = true;
                }
                if shown {
                    let _ = out.write_all(b"\r\x1b[2K");
                    let _ = out.flush();
                }
            })
        });
        Progress { done, thread }
    }

    /// Stops and erases the indicator.
    pub(crate) fn finish(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
