//! Shared assertions of the linearizability tests.
#![allow(dead_code, unused_macros)]

use threadcheck::lin::{self, Config, LinFailure, Problem, Target};

/// Asserts that `T` passes `config` and returns how many executions ran.
#[track_caller]
pub fn assert_passes<T: Target>(config: &Config) -> u64 {
    let summary = lin::assert_linearizable::<T>(config);
    assert_eq!(summary.scenarios, u64::from(config.scenarios));
    assert!(summary.executions >= summary.scenarios);
    summary.executions
}

/// The seeds every broken twin is fuzzed with: the stated bounds hold for each.
pub const SEEDS: [u64; 3] = [0, 1, 2];

/// Asserts that the broken `T` is caught, with each of [`SEEDS`], within `within` scenarios,
/// as a linearizability violation, shrunk to at most 2 threads x 2 operations, and that the
/// report carries the history, the per-thread table and a regression test. Returns the
/// failure found with seed 0.
#[track_caller]
pub fn assert_caught<T: Target>(config: &Config, within: u64) -> Box<LinFailure<T::Spec>> {
    let mut first = None;
    for seed in SEEDS {
        let failure = match lin::check::<T>(&config.clone().seed(seed)) {
            Ok(summary) => panic!("seed {seed}: the broken type was not caught: {summary:?}"),
            Err(failure) => failure,
        };
        let report = failure.to_string();
        assert!(
            failure.scenarios_tried <= within,
            "seed {seed}: caught only after {} scenarios (stated: {within})\n{report}",
            failure.scenarios_tried
        );
        assert!(
            matches!(failure.problem, Problem::NotLinearizable(_)),
            "{report}"
        );
        assert!(
            failure.scenario.thread_count() <= 2 && failure.scenario.max_ops_per_thread() <= 2,
            "seed {seed}: not shrunk to 2x2:\n{report}"
        );
        assert!(report.contains("History"), "{report}");
        assert!(
            report.contains("step line"),
            "the per-thread table:\n{report}"
        );
        assert!(report.contains("#[test]"), "{report}");
        assert!(
            report.contains("threadcheck::lin::assert_scenario"),
            "{report}"
        );
        first.get_or_insert(failure);
    }
    first.expect("SEEDS is not empty")
}

/// Native only: the schedule was shrunk to the fewest preemptions, which is `expected`, and
/// then to the fewest steps among those (the search for a shorter one finished), and the report
/// says so.
#[track_caller]
pub fn assert_fewest_preemptions<S: lin::Spec>(failure: &LinFailure<S>, expected: u32) {
    assert!(failure.schedule_minimal, "{failure}");
    assert_eq!(failure.preemptions, Some(expected), "{failure}");
    assert!(failure.steps_minimal, "{failure}");
    let steps = failure.steps.expect("native failures count their steps");
    assert!(
        failure
            .to_string()
            .contains(&format!("then fewest steps: {steps}")),
        "{failure}"
    );
}

/// Generates the standard tests of one target: it passes on shuttle (100 scenarios x 300 PCT
/// runs), std (50 x 20), the native engine (100 scenarios) and loom (`Config::loom()`: 30
/// scenarios of 2 threads x 2 operations, at most 2 preemptions); its broken twin is caught
/// within `$within` scenarios and shrunk to 2x2 (shuttle), with the fewest preemptions, 1
/// (native), and within `loom_within` scenarios (default `$within`) under loom.
/// The caller's scope provides `Config` and the `assert_*` helpers of this module.
macro_rules! lin_tests {
    ($module:ident, $good:ty, $broken:ty, $within:expr) => {
        lin_tests!($module, $good, $broken, $within, loom_within = $within);
    };
    ($module:ident, $good:ty, $broken:ty, $within:expr, loom_within = $loom_within:expr) => {
        mod $module {
            use super::*;

            /// Property: linearizable (shuttle, 100 scenarios x 300 PCT runs).
            #[cfg(feature = "shuttle")]
            #[test]
            fn linearizable_shuttle() {
                assert_passes::<$good>(&Config::shuttle().scenarios(100).executions(300));
            }

            /// Property: linearizable (OS threads, 50 scenarios x 20 runs).
            #[test]
            fn linearizable_std() {
                assert_passes::<$good>(&Config::std().scenarios(50).executions(20));
            }

            /// Property: linearizable (native engine, 100 scenarios).
            #[test]
            fn linearizable_native() {
                assert_passes::<$good>(&Config::native().scenarios(100));
            }

            /// Property: linearizable (loom, `Config::loom()`: 30 scenarios of 2 threads x 2
            /// operations after at most 1 init operation, each explored with at most 2
            /// preemptions per execution).
            #[cfg(feature = "loom")]
            #[test]
            fn linearizable_loom() {
                assert_passes::<$good>(&Config::loom());
            }

            /// Twin: caught under loom (`Config::loom()`: 2 threads x 2 operations, at most 2
            /// preemptions) within the stated number of scenarios (`loom_within`, by default the
            /// same as the other engines'), shrunk to 2x2.
            #[cfg(feature = "loom")]
            #[test]
            fn twin_caught_loom() {
                let within: u64 = $loom_within;
                let config = Config::loom().scenarios(u32::try_from(within).expect("a u32"));
                assert_caught::<$broken>(&config, within);
            }

            /// Twin: caught within the stated number of scenarios, shrunk to 2x2.
            #[cfg(feature = "shuttle")]
            #[test]
            fn twin_caught_shuttle() {
                assert_caught::<$broken>(&Config::shuttle(), $within);
            }

            /// Twin: caught on the native engine with the fewest preemptions (1).
            #[test]
            fn twin_caught_native() {
                let failure = assert_caught::<$broken>(&Config::native(), $within);
                assert_fewest_preemptions(&failure, 1);
            }
        }
    };
}
