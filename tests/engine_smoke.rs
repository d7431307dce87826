//! Smoke tests of the native engine (temporary).
use std::sync::Arc;
use threadcheck::engine::{check, Config, Reductions, Strategy, Verdict};
use threadcheck::rt::Native;
use threadcheck::sync::{Lock, Var};
use threadcheck::thread::JoinHandle;

fn locked_counter(n: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let counter = Arc::new(Lock::<usize, Native>::named("counter_lock", 0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let c = counter.clone();
                JoinHandle::<(), Native>::spawn(move || {
                    for _ in 0..n {
                        c.with(|v| *v += 1);
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*counter.lock(), 2 * n);
    }
}

fn unlocked_counter(n: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let counter = Arc::new(Var::<usize, Native>::named("counter", 0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let c = counter.clone();
                JoinHandle::<(), Native>::spawn(move || {
                    for _ in 0..n {
                        let v = c.get();
                        c.set(v + 1);
                    }
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(counter.get(), 2 * n);
    }
}

#[test]
fn smoke() {
    for n in 1..=4 {
        let cfg = Config {
            reductions: Reductions {
                atomic_sections: false,
                commuting_sections: false,
                ..Reductions::default()
            },
            ..Config::default()
        };
        let r = check(&cfg, locked_counter(n)).unwrap();
        eprintln!(
            "locked n={n} off: {:?} {} {:?}",
            r.verdict, r.executions, r.limited_by
        );
        let r = check(&Config::default(), locked_counter(n)).unwrap();
        eprintln!(
            "locked n={n} on: {:?} {} {:?}",
            r.verdict, r.executions, r.limited_by
        );
        let r = check(&Config::default(), unlocked_counter(n)).unwrap();
        eprintln!(
            "unlocked n={n}: {:?} {} {:?}",
            r.verdict,
            r.executions,
            r.failure
                .as_ref()
                .map(|f| (&f.kind, &f.schedule, f.preemptions))
        );
        let r = check(
            &Config {
                strategy: Strategy::Bounded {
                    max_preemptions: None,
                },
                ..Config::default()
            },
            unlocked_counter(n),
        )
        .unwrap();
        eprintln!(
            "unlocked bounded n={n}: {:?} {} {:?}",
            r.verdict,
            r.executions,
            r.failure
                .as_ref()
                .map(|f| (&f.kind, &f.schedule, f.preemptions))
        );
        if n == 1 {
            for s in &r.failure.as_ref().unwrap().trace.steps {
                eprintln!("  {s:?}");
            }
        }
    }
    let _ = Verdict::Holds;
}
