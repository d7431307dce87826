mod engine_common;
use engine_common::*;
use std::sync::Arc;
use threadcheck::engine::{check, Config, Reductions, Strategy};
use threadcheck::rt::Native;
type Body = Arc<dyn Fn() + Send + Sync>;
#[test]
#[ignore]
fn compare() {
    let progs: Vec<(&str, Body)> = vec![
        ("sem2", Arc::new(semaphore_limit::<Native>(2))),
        ("semmutex", Arc::new(semaphore_mutex::<Native>())),
        ("locked3x1", Arc::new(locked_counter::<Native>(3, 1, false))),
        ("consistent", Arc::new(lock_order_consistent::<Native>())),
        ("locked2x2", Arc::new(locked_counter::<Native>(2, 2, false))),
    ];
    for (name, body) in progs {
        for red in [Reductions::default(), Reductions::none()] {
            for strategy in [
                Strategy::Exhaustive,
                Strategy::Bounded {
                    max_preemptions: None,
                },
            ] {
                let b = body.clone();
                let cfg = Config {
                    strategy: strategy.clone(),
                    reductions: red,
                    ..Config::default()
                };
                eprint!("{name} {:?} {}: ", strategy, red == Reductions::none());
                let r = check(&cfg, move || b()).unwrap();
                assert!(r.exhaustive, "{name}");
            }
        }
    }
}
#[test]
#[ignore]
fn figures() {
    for (name, body) in [
        (
            "semaphore 4",
            Box::new(semaphore_limit::<Native>(4)) as Box<dyn Fn() + Send + Sync>,
        ),
        ("semaphore 5", Box::new(semaphore_limit::<Native>(5))),
    ] {
        let t = std::time::Instant::now();
        let r = check(&Config::default(), move || body()).unwrap();
        eprintln!(
            "{name}: {:?} exhaustive={} {} executions {:?}",
            r.verdict,
            r.exhaustive,
            r.executions,
            t.elapsed()
        );
    }
}
