//! Random single-threaded operation sequences on every queue kind (bounded and unbounded)
//! against a small reference model of Python's `queue` semantics (3.13, with `shutdown`), and
//! random submit/cancel sequences on a one-worker pool against a model of
//! `concurrent.futures`. Run with `cargo test --test prop_queue`.

use proptest::prelude::*;
use std::sync::Arc;
use threadcheck::error::{GetError, JoinError, PutError, ShutDown};
use threadcheck::queue::{Discipline, GenericQueue, LifoQueue, PriorityQueue, Queue};
use threadcheck::rt::Std;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

#[derive(Clone, Debug)]
enum QOp {
    PutNowait(u8),
    /// A blocking `put`, issued only when the model says it would not block.
    Put(u8),
    GetNowait,
    /// A blocking `get`, issued only when the model says it would not block.
    Get,
    Qsize,
    Empty,
    Full,
    TaskDone,
    Unfinished,
    /// `join`, issued only when the model says it returns at once.
    Join,
    Shutdown(bool),
}

fn qop() -> impl Strategy<Value = QOp> {
    prop_oneof![
        3 => any::<u8>().prop_map(QOp::PutNowait),
        2 => any::<u8>().prop_map(QOp::Put),
        3 => Just(QOp::GetNowait),
        2 => Just(QOp::Get),
        1 => Just(QOp::Qsize),
        1 => Just(QOp::Empty),
        1 => Just(QOp::Full),
        2 => Just(QOp::TaskDone),
        1 => Just(QOp::Unfinished),
        1 => Just(QOp::Join),
        1 => any::<bool>().prop_map(QOp::Shutdown),
    ]
}

/// Python's `queue.Queue` / `LifoQueue` / `PriorityQueue`, as plainly as possible.
struct Model {
    kind: Kind,
    maxsize: usize,
    items: Vec<u8>,
    unfinished: usize,
    shut_down: bool,
}

impl Model {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    fn put(&mut self, item: u8) -> Result<(), PutError<u8>> {
        if self.shut_down {
            return Err(PutError::ShutDown(item));
        }
        if self.full() {
            return Err(PutError::Full(item));
        }
        self.items.push(item);
        self.unfinished += 1;
        Ok(())
    }

    fn pop(&mut self) -> Option<u8> {
        if self.items.is_empty() {
            return None;
        }
        Some(match self.kind {
            Kind::Fifo => self.items.remove(0),
            Kind::Lifo => self.items.pop()?,
            Kind::Priority => {
                let (i, _) = self.items.iter().enumerate().min_by_key(|(_, v)| **v)?;
                self.items.remove(i)
            }
        })
    }

    fn get(&mut self) -> Result<u8, GetError> {
        match self.pop() {
            Some(item) => Ok(item),
            None if self.shut_down => Err(GetError::ShutDown),
            None => Err(GetError::Empty),
        }
    }

    fn task_done(&mut self) -> bool {
        if self.unfinished == 0 {
            return false;
        }
        self.unfinished -= 1;
        true
    }

    fn shutdown(&mut self, immediate: bool) -> Vec<u8> {
        self.shut_down = true;
        let mut drained = Vec::new();
        if immediate {
            while let Some(item) = self.pop() {
                drained.push(item);
                self.unfinished = self.unfinished.saturating_sub(1);
            }
        }
        drained
    }
}

fn run<D: Discipline<u8>>(
    q: GenericQueue<u8, D, Std>,
    kind: Kind,
    maxsize: usize,
    ops: &[QOp],
) -> Result<(), TestCaseError> {
    let mut m = Model {
        kind,
        maxsize,
        items: Vec::new(),
        unfinished: 0,
        shut_down: false,
    };
    for (step, op) in ops.iter().enumerate() {
        let at = format!("step {step}: {op:?}");
        match op {
            QOp::PutNowait(x) => prop_assert_eq!(q.put_nowait(*x), m.put(*x), "{}", at),
            QOp::Put(x) => {
                if m.shut_down || !m.full() {
                    let expected = m.put(*x).map_err(|e| ShutDown(e.into_inner()));
                    prop_assert_eq!(q.put(*x), expected, "{}", at);
                }
            }
            QOp::GetNowait => prop_assert_eq!(q.get_nowait(), m.get(), "{}", at),
            QOp::Get => {
                if m.shut_down || !m.items.is_empty() {
                    let expected = m.get().map_err(|_| ShutDown(()));
                    prop_assert_eq!(q.get(), expected, "{}", at);
                }
            }
            QOp::Qsize => prop_assert_eq!(q.qsize(), m.items.len(), "{}", at),
            QOp::Empty => prop_assert_eq!(q.empty(), m.items.is_empty(), "{}", at),
            QOp::Full => prop_assert_eq!(q.full(), m.full(), "{}", at),
            QOp::TaskDone => prop_assert_eq!(q.task_done().is_ok(), m.task_done(), "{}", at),
            QOp::Unfinished => prop_assert_eq!(q.unfinished_tasks(), m.unfinished, "{}", at),
            QOp::Join => {
                if m.unfinished == 0 {
                    q.join();
                }
            }
            QOp::Shutdown(immediate) => {
                prop_assert_eq!(q.shutdown(*immediate), m.shutdown(*immediate), "{}", at);
                prop_assert!(q.is_shut_down());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Property: `Queue` (FIFO), bounded or not, behaves as Python's `queue.Queue` on any
    /// sequence of operations: same results, same errors, items handed back on refusal.
    #[test]
    fn fifo_queue_matches_python(maxsize in 0usize..4, ops in proptest::collection::vec(qop(), 0..60)) {
        run(Queue::<u8, Std>::new(maxsize), Kind::Fifo, maxsize, &ops)?;
    }

    /// Property: `LifoQueue` behaves as Python's `queue.LifoQueue`.
    #[test]
    fn lifo_queue_matches_python(maxsize in 0usize..4, ops in proptest::collection::vec(qop(), 0..60)) {
        run(LifoQueue::<u8, Std>::new(maxsize), Kind::Lifo, maxsize, &ops)?;
    }

    /// Property: `PriorityQueue` behaves as Python's `queue.PriorityQueue` (smallest first).
    #[test]
    fn priority_queue_matches_python(maxsize in 0usize..4, ops in proptest::collection::vec(qop(), 0..60)) {
        run(PriorityQueue::<u8, Std>::new(maxsize), Kind::Priority, maxsize, &ops)?;
    }
}

/// Twin: the model check is not vacuous. A LIFO queue checked against the FIFO model is caught.
#[test]
fn lifo_queue_checked_as_fifo_is_caught() {
    let ops = [QOp::PutNowait(1), QOp::PutNowait(2), QOp::GetNowait];
    assert!(run(LifoQueue::<u8, Std>::new(0), Kind::Fifo, 0, &ops).is_err());
}

#[derive(Clone, Debug)]
enum PoolOp {
    Submit(u8),
    Cancel(usize),
    Query(usize),
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    prop_oneof![
        3 => any::<u8>().prop_map(PoolOp::Submit),
        2 => any::<usize>().prop_map(PoolOp::Cancel),
        1 => any::<usize>().prop_map(PoolOp::Query),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Property: on a one-worker pool whose worker is held busy, any sequence of submits,
    /// cancels and queries matches `concurrent.futures`: a pending future can be cancelled
    /// (`cancel` returns true, again on repeat), is then `done` and `cancelled`; after
    /// `shutdown(wait, cancel_futures)` every cancelled future reports `Cancelled`, every other
    /// returns its value (or `Cancelled` if `cancel_futures` removed it), and a later submit
    /// hands the closure back.
    #[test]
    fn one_worker_pool_futures_match_python(
        ops in proptest::collection::vec(pool_op(), 0..30),
        cancel_futures: bool,
    ) {
        let pool = threadcheck::pool::ThreadPoolExecutor::<Std>::new(1).unwrap();
        // Hold the only worker until the end, so that every later task stays pending.
        let gate = Arc::new(Queue::<(), Std>::new(0));
        let held = {
            let gate = gate.clone();
            pool.submit(move || gate.get().unwrap()).unwrap()
        };
        while !held.running() {
            std::thread::yield_now();
        }
        let mut futures = Vec::new();
        let mut cancelled = Vec::new();
        for op in &ops {
            match op {
                PoolOp::Submit(v) => {
                    let v = *v;
                    futures.push((v, pool.submit(move || v).unwrap()));
                    cancelled.push(false);
                }
                PoolOp::Cancel(i) if !futures.is_empty() => {
                    let i = i % futures.len();
                    prop_assert!(futures[i].1.cancel(), "a pending task can be cancelled");
                    cancelled[i] = true;
                }
                PoolOp::Query(i) if !futures.is_empty() => {
                    let i = i % futures.len();
                    let f = &futures[i].1;
                    prop_assert_eq!(f.cancelled(), cancelled[i]);
                    prop_assert_eq!(f.done(), cancelled[i]);
                    prop_assert!(!f.running());
                }
                _ => {}
            }
        }
        pool.shutdown(false, cancel_futures);
        gate.put(()).unwrap();
        pool.shutdown(true, false);
        prop_assert!(held.result().is_ok());
        for ((v, f), was_cancelled) in futures.into_iter().zip(cancelled) {
            prop_assert!(f.done());
            prop_assert!(!f.cancel() || was_cancelled || cancel_futures);
            match f.result() {
                Ok(got) => prop_assert!(got == v && !was_cancelled && !cancel_futures),
                Err(JoinError::Cancelled) => prop_assert!(was_cancelled || cancel_futures),
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
        }
        let refused = pool.submit(|| 7u8).unwrap_err();
        prop_assert_eq!((refused.into_inner())(), 7);
    }
}
