//! The HTML report, checked in headless Chromium: the page's own script runs, and the DOM it
//! leaves behind is asserted on.
//!
//! Chromium comes from the project's set-up (`scripts/setup-chromium.sh`, which CI runs). When it
//! is missing these tests are skipped with a notice on stderr (`SKIPPED: ...`), so that the
//! README's `cargo test --all-features` passes on a fresh machine; under CI (`CI` set, and not
//! `0` or `false`) a missing Chromium is a failure, as is a browser named by
//! `THREADCHECK_CHROMIUM` that does not start. `THREADCHECK_SKIP_BROWSER=1` skips them always.

mod report_fixtures;

use report_fixtures::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};
use threadcheck::engine::Failure;
use threadcheck::report::render_html;

/// A hang guard for the browser (not a performance assertion).
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

/// What the browser tests do, as the environment says.
#[derive(Debug, PartialEq, Eq)]
enum Browser {
    /// Run this browser.
    Run(String),
    /// Skip the checks, with this notice.
    Skip(String),
    /// Fail, with this explanation.
    Missing(String),
}

/// Whether the `CI` variable says the tests run under CI (`true`, `1`, ...; not `0`/`false`).
fn under_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Decides from `THREADCHECK_SKIP_BROWSER`, `CI` and `THREADCHECK_CHROMIUM` (their values
/// passed in) and from whether the browser starts.
fn decide(skip: Option<&str>, ci: Option<&str>, chosen: Option<&str>) -> Browser {
    if skip == Some("1") {
        return Browser::Skip(
            "SKIPPED: THREADCHECK_SKIP_BROWSER=1: the HTML report checks in headless Chromium \
             are skipped"
                .into(),
        );
    }
    let browser = chosen.unwrap_or("chromium");
    let found = Command::new(browser)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if found {
        return Browser::Run(browser.into());
    }
    if under_ci(ci) || chosen.is_some() {
        let why = if chosen.is_some() {
            "THREADCHECK_CHROMIUM names it"
        } else {
            "CI is set, and CI installs it"
        };
        return Browser::Missing(format!(
            "`{browser}` was not found ({why}): the HTML report test needs headless Chromium. \
             Run scripts/setup-chromium.sh (installs Debian's `chromium`), or set \
             THREADCHECK_SKIP_BROWSER=1 to skip this check"
        ));
    }
    Browser::Skip(format!(
        "SKIPPED: the HTML report checks (tests/report_html.rs): headless Chromium not found \
         (`{browser}`); run scripts/setup-chromium.sh to run them (under CI they fail instead)"
    ))
}

/// The browser to use, `None` when the tests skip it (said once on stderr), or a failure
/// explaining the set-up.
fn chromium() -> Option<String> {
    let var = |name| std::env::var(name).ok();
    match decide(
        var("THREADCHECK_SKIP_BROWSER").as_deref(),
        var("CI").as_deref(),
        var("THREADCHECK_CHROMIUM").as_deref(),
    ) {
        Browser::Run(browser) => Some(browser),
        Browser::Skip(notice) => {
            static NOTICE: Once = Once::new();
            // Written to the process's stderr, not through `eprintln!`, which the test harness
            // captures (and shows only for failing tests): the skip must be visible.
            NOTICE.call_once(|| {
                let _ = writeln!(std::io::stderr(), "{notice}");
            });
            None
        }
        Browser::Missing(why) => panic!("{why}"),
    }
}

/// Property: without a browser the checks are skipped with a notice, except under CI or when a
/// browser was named, where that is a failure; `THREADCHECK_SKIP_BROWSER=1` always skips.
#[test]
fn a_missing_chromium_is_skipped_except_under_ci() {
    let absent = "/nonexistent/threadcheck-test/chromium";
    // The default name, when the machine has no `chromium`: skipped unless under CI.
    if !matches!(decide(None, None, None), Browser::Run(_)) {
        match decide(None, None, None) {
            Browser::Skip(notice) => {
                assert!(notice.starts_with("SKIPPED: "), "{notice}");
                assert!(notice.contains("scripts/setup-chromium.sh"), "{notice}");
            }
            other => panic!("expected a skip, found {other:?}"),
        }
        for ci in ["true", "1"] {
            assert!(
                matches!(decide(None, Some(ci), None), Browser::Missing(_)),
                "CI={ci}"
            );
        }
        for ci in ["", "0", "false"] {
            assert!(
                matches!(decide(None, Some(ci), None), Browser::Skip(_)),
                "CI={ci:?}"
            );
        }
    }
    // A browser named by THREADCHECK_CHROMIUM that does not start is a failure, CI or not.
    match decide(None, None, Some(absent)) {
        Browser::Missing(why) => {
            assert!(why.contains(absent), "{why}");
            assert!(why.contains("scripts/setup-chromium.sh"), "{why}");
        }
        other => panic!("expected a failure, found {other:?}"),
    }
    assert!(matches!(
        decide(None, Some("true"), Some(absent)),
        Browser::Missing(_)
    ));
    assert!(matches!(
        decide(Some("1"), Some("true"), Some(absent)),
        Browser::Skip(_)
    ));
}

/// A fresh directory for one test's page and browser profile.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("threadcheck-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Runs headless Chromium on `url` with `args`, returns its stdout.
fn run_browser(browser: &str, profile: &Path, args: &[&str], url: &str) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => {
                assert!(status.success(), "chromium failed: {status}");
                break;
            }
            None if start.elapsed() > BROWSER_DEADLINE => {
                let _ = child.kill();
                panic!("chromium did not finish (hung?)");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    reader
        .join()
        .expect("reader thread")
        .expect("chromium's output is UTF-8")
}

fn write_page(dir: &Path, failure: &Failure, model: &str) -> PathBuf {
    let page = dir.join(format!("{model}.html"));
    std::fs::write(&page, render_html(failure, &ctx(model, false))).expect("write the page");
    page
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The opening tag of the element whose `id` is given, from a dumped DOM.
fn tag_with_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let needle = format!("id=\"{id}\"");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let start = dom[..at].rfind('<').expect("tag start");
    let end = at + dom[at..].find('>').expect("tag end");
    &dom[start..=end]
}

/// The lost-update page after its script ran: one lane per thread, the conflicting steps carry
/// the highlight classes, the step-through controls exist, and the script has selected the
/// first conflicting step (the stale read) and marked the page ready.
#[test]
fn lost_update_page_runs_in_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("lost-update");
    let page = write_page(&dir, &lost_update(100_000), "counter-unlocked");
    let dom = run_browser(
        &browser,
        &dir.join("profile"),
        &["--dump-dom"],
        &file_url(&page),
    );

    let body = tag_with_id(&dom, "explanation");
    assert!(body.starts_with("<p"), "{body}");
    let body_tag = &dom[dom.find("<body").expect("a body")..];
    let body_tag = &body_tag[..body_tag.find('>').expect("body tag end")];
    assert!(
        body_tag.contains("data-ready=\"true\""),
        "the script did not run: {body_tag}"
    );
    assert!(
        body_tag.contains("data-current=\"3\""),
        "step 3 (the stale read) is not selected: {body_tag}"
    );
    assert!(
        body_tag.contains("data-conflict=\"lost-update\""),
        "{body_tag}"
    );

    assert_eq!(
        dom.matches("class=\"lane-head\"").count(),
        3,
        "one lane per thread"
    );
    for name in ["MainThread", "Thread-1", "Thread-2"] {
        assert!(
            dom.contains(&format!("</span>{name}</th>")),
            "no lane for {name}"
        );
    }

    let read = tag_with_id(&dom, "s3");
    assert!(read.contains("conflict stale-read"), "{read}");
    assert!(
        read.contains("current"),
        "the script did not highlight the current step: {read}"
    );
    assert!(read.contains("aria-current=\"step\""), "{read}");
    let overwrite = tag_with_id(&dom, "s200006");
    assert!(overwrite.contains("conflict overwrite"), "{overwrite}");
    let first_lost = tag_with_id(&dom, "s5");
    assert!(first_lost.contains("conflict lost-write"), "{first_lost}");
    let last_lost = tag_with_id(&dom, "s200003");
    assert!(last_lost.contains("conflict lost-write"), "{last_lost}");

    for control in [
        "first",
        "prev",
        "play",
        "next",
        "last",
        "conflict",
        "expand-all",
    ] {
        assert!(
            dom.contains(&format!("id=\"{control}\"")),
            "no #{control} control"
        );
    }
    assert!(
        dom.contains("Step 3 of 400,009: Thread-1: read Var counter -&gt; 0"),
        "the status line was not filled in by the script"
    );
    assert!(
        dom.contains("Thread-2: 99,998 more iterations of lines 12-13"),
        "the fold row is missing"
    );
    assert!(
        !dom.contains("http://") && !dom.contains("https://"),
        "the page refers to the network"
    );
}

/// Selecting a folded step through the URL (`#s200010`) makes the script expand its fold and
/// select it: the fold machinery and the selection work together.
#[test]
fn folded_step_is_expanded_and_selected_from_the_url() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("fold");
    let page = write_page(&dir, &lost_update(100_000), "counter-unlocked");
    let url = format!("{}#s200010", file_url(&page));
    let dom = run_browser(&browser, &dir.join("profile"), &["--dump-dom"], &url);

    let body_tag = &dom[dom.find("<body").expect("a body")..];
    let body_tag = &body_tag[..body_tag.find('>').expect("body tag end")];
    assert!(body_tag.contains("data-current=\"200010\""), "{body_tag}");
    let row = tag_with_id(&dom, "s200010");
    assert!(row.contains("current"), "{row}");
    let group = &dom[..dom.find("id=\"s200010\"").expect("the row")];
    let group = &group[group.rfind("<tbody").expect("its group")..];
    let group = &group[..group.find('>').expect("tag end") + 1];
    assert!(
        !group.contains("hidden"),
        "the fold is still collapsed: {group}"
    );
    assert!(
        dom.contains("aria-expanded=\"true\""),
        "the fold's toggle does not say it is expanded"
    );
}

/// The deadlock page: three lanes, both lock acquisitions highlighted as held, and a screenshot
/// that Chromium can render (a PNG of plausible size, kept for inspection).
#[test]
fn deadlock_page_renders_a_screenshot() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("deadlock");
    let page = write_page(&dir, &deadlock(), "deadlock");
    let dom = run_browser(
        &browser,
        &dir.join("profile"),
        &["--dump-dom"],
        &file_url(&page),
    );
    assert!(tag_with_id(&dom, "s3").contains("conflict held"));
    assert!(tag_with_id(&dom, "s4").contains("conflict held"));
    assert_eq!(dom.matches("class=\"lane-head\"").count(), 3);

    let shot = dir.join("deadlock.png");
    let arg = format!("--screenshot={}", shot.display());
    run_browser(
        &browser,
        &dir.join("profile"),
        &[&arg, "--window-size=1280,900"],
        &file_url(&page),
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert!(
        png.len() > 20_000,
        "suspiciously small screenshot: {} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}
