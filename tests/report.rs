//! The text report and the explanation, on hand-built failures.

mod report_fixtures;
use report_fixtures::*;
use threadcheck::report::{explain, render_text};

#[test]
fn show() {
    for (m, f) in [("counter-unlocked", lost_update(100_000)), ("deadlock", deadlock()), ("producer-consumer", panic()), ("livelock", livelock(1000))] {
        println!("{}", render_text(&f, &ctx(m, false)));
        println!("=====");
        let _ = explain(&f);
    }
}
