//! `MapResults::fold` (the fast path `for_each`/`sum` take) yields exactly what `next()` yields:
//! the same values in input order and the same panics, for every chunk size.

use threadcheck::ThreadPoolExecutor;

fn task(x: u32) -> u32 {
    if x % 5 == 4 {
        panic!("[expected panic] bad item {x}");
    }
    x * 3
}

fn describe(result: Result<u32, threadcheck::error::JoinError>) -> String {
    match result {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("err {}", e.panic_message().unwrap_or("?")),
    }
}

/// Property: with panicking items among them, `fold` and `next()` agree item by item, for
/// per-item tasks, small chunks and the automatic chunking (Std runtime, OS threads).
#[test]
fn fold_matches_next_with_panicking_items() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("[expected panic]") {
            hook(info);
        }
    }));
    let pool = ThreadPoolExecutor::new(2).unwrap();
    for chunksize in [1, 3, 0] {
        let by_next: Vec<String> = {
            let mut results = pool.map_chunked(task, 0..200, chunksize).unwrap();
            std::iter::from_fn(|| results.next())
                .map(describe)
                .collect()
        };
        let by_fold: Vec<String> =
            pool.map_chunked(task, 0..200, chunksize)
                .unwrap()
                .fold(Vec::new(), |mut all, r| {
                    all.push(describe(r));
                    all
                });
        assert_eq!(by_next.len(), 200);
        assert_eq!(by_next, by_fold, "chunksize {chunksize}");
        assert_eq!(by_fold[4], "err [expected panic] bad item 4");
        assert_eq!(by_fold[5], "ok 15");
    }
}
