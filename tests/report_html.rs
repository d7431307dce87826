//! The HTML report, checked in headless Chromium: the page's own script runs, and the DOM it
//! leaves behind is asserted on.
//!
//! Chromium comes from the project's set-up (`scripts/setup-chromium.sh`, which CI runs). When it
//! is missing these tests FAIL and say so, unless `THREADCHECK_SKIP_BROWSER=1` is set.

mod report_fixtures;

use report_fixtures::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use threadcheck::engine::Failure;
use threadcheck::report::render_html;

/// A hang guard for the browser (not a performance assertion).
const BROWSER_DEADLINE: Duration = Duration::from_secs(120);

/// The browser to use, `None` when the tests may skip it, or a failure explaining the set-up.
fn chromium() -> Option<String> {
    if std::env::var("THREADCHECK_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("THREADCHECK_SKIP_BROWSER=1: the headless-Chromium checks are skipped");
        return None;
    }
    let browser = std::env::var("THREADCHECK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = Command::new(&browser)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "`{browser}` was not found: the HTML report test needs headless Chromium. Run \
         scripts/setup-chromium.sh (installs Debian's `chromium`), or set \
         THREADCHECK_SKIP_BROWSER=1 to skip this check"
    );
    Some(browser)
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
