//! Keeping the checkers quiet, and keeping what they say.
//!
//! A failing execution is a panic (a failed assertion in the model, or loom's and shuttle's own
//! "deadlock" panics). While a check runs, a process-wide panic hook records the *first* panic
//! of the current execution (message and location: the root cause, not the re-raise in `join`)
//! and prints nothing. Loom and shuttle also write to stderr themselves (shuttle prints the
//! schedule and seed of every failure); on unix, file descriptor 2 is redirected into a pipe
//! for the duration of the check and what arrives is kept, shown only with `--verbose`. The
//! progress indicator writes to a duplicate of the real stderr.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// A panic seen during a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PanicRecord {
    /// The panic message.
    pub message: String,
    /// `file:line` of the panic, when known.
    pub location: Option<String>,
}

static CAPTURING: AtomicBool = AtomicBool::new(false);
static FIRST: Mutex<Option<PanicRecord>> = Mutex::new(None);
static INSTALL: Once = Once::new();

/// The message of a panic payload, if it is a string.
pub(crate) fn payload_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    crate::rt::panic_text(payload).map(str::to_string)
}

/// A source path as the user knows it: the models are compiled as `src/../models/...`.
pub(crate) fn tidy_path(path: &str) -> &str {
    path.strip_prefix("src/../").unwrap_or(path)
}

/// Installs the hook (once per process). Outside a check it defers to the previous hook, so a
/// bug in the CLI itself still prints its panic.
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CAPTURING.load(Ordering::SeqCst) {
                previous(info);
                return;
            }
            let message = payload_message(info.payload()).unwrap_or_else(|| {
                // Not a string payload: use the formatted message, without the "panicked at" head.
                let text = info.to_string();
                match text.split_once(":\n") {
                    Some((_, rest)) => rest.to_string(),
                    None => text,
                }
            });
            let location = info
                .location()
                .map(|l| format!("{}:{}", tidy_path(l.file()), l.line()));
            let mut first = FIRST.lock().unwrap_or_else(|e| e.into_inner());
            if first.is_none() {
                *first = Some(PanicRecord { message, location });
            }
        }));
    });
}

/// Forgets the panics of the previous execution: called at the start of every execution, so
/// that [`first_panic`] is the root cause of the failing one.
pub(crate) fn new_execution() {
    *FIRST.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// The first panic of the current (last) execution.
pub(crate) fn first_panic() -> Option<PanicRecord> {
    FIRST.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// A check in progress: panics are recorded silently, stderr goes to a pipe.
pub(crate) struct Quiet {
    #[cfg(unix)]
    redirect: Option<unix::Redirect>,
}

impl Quiet {
    /// Starts capturing. `redirect_stderr` moves fd 2 into a pipe (unix).
    pub(crate) fn begin(redirect_stderr: bool) -> Quiet {
        install_hook();
        new_execution();
        CAPTURING.store(true, Ordering::SeqCst);
        #[cfg(unix)]
        {
            Quiet {
                redirect: if redirect_stderr {
                    unix::Redirect::begin()
                } else {
                    None
                },
            }
        }
        #[cfg(not(unix))]
        {
            let _ = redirect_stderr;
            Quiet {}
        }
    }

    /// A handle on the real stderr while it is redirected (for the progress indicator).
    pub(crate) fn real_stderr(&self) -> Option<std::fs::File> {
        #[cfg(unix)]
        {
            self.redirect.as_ref().and_then(unix::Redirect::real_stderr)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Stops capturing; returns what the checkers wrote to stderr meanwhile.
    pub(crate) fn end(self) -> String {
        CAPTURING.store(false, Ordering::SeqCst);
        #[cfg(unix)]
        {
            self.redirect.map(unix::Redirect::end).unwrap_or_default()
        }
        #[cfg(not(unix))]
        {
            String::new()
        }
    }
}

#[cfg(unix)]
mod unix {
    use std::io::Read;
    use std::os::fd::{FromRawFd, RawFd};
    use std::thread::JoinHandle;

    /// Keeps at most this much of what the checkers print (the rest is drained and dropped).
    const KEEP: usize = 64 * 1024;

    pub(super) struct Redirect {
        saved: RawFd,
        reader: JoinHandle<String>,
    }

    impl Redirect {
        pub(super) fn begin() -> Option<Redirect> {
            let mut fds = [0 as RawFd; 2];
            // SAFETY: plain fd calls; every fd created here is owned and closed below.
            unsafe {
                if libc::pipe(fds.as_mut_ptr()) != 0 {
                    return None;
                }
                let (read_end, write_end) = (fds[0], fds[1]);
                let saved = libc::dup(2);
                if saved < 0 {
                    libc::close(read_end);
                    libc::close(write_end);
                    return None;
                }
                if libc::dup2(write_end, 2) < 0 {
                    libc::close(read_end);
                    libc::close(write_end);
                    libc::close(saved);
                    return None;
                }
                libc::close(write_end);
                let mut pipe = std::fs::File::from_raw_fd(read_end);
                let reader = std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    let mut buf = [0u8; 8192];
                    loop {
                        match pipe.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let room = KEEP.saturating_sub(kept.len());
                                kept.extend_from_slice(&buf[..n.min(room)]);
                            }
                        }
                    }
                    String::from_utf8_lossy(&kept).into_owned()
                });
                Some(Redirect { saved, reader })
            }
        }

        pub(super) fn real_stderr(&self) -> Option<std::fs::File> {
            // SAFETY: `dup` of a valid fd we own; the new fd is owned by the returned File.
            unsafe {
                let fd = libc::dup(self.saved);
                (fd >= 0).then(|| std::fs::File::from_raw_fd(fd))
            }
        }

        pub(super) fn end(self) -> String {
            // SAFETY: restores fd 2 from our saved copy; closing the pipe's last write end (fd 2
            // before the dup2) lets the reader see end-of-file.
            unsafe {
                libc::dup2(self.saved, 2);
                libc::close(self.saved);
            }
            self.reader.join().unwrap_or_default()
        }
    }
}
