//! Linearizability of the bounded queues (FIFO `Queue`, `LifoQueue`, `PriorityQueue`), each with
//! a broken twin whose `put` checks for room in one step and inserts in another, which the
//! fuzzer must catch within a stated number of scenarios and shrink to at most 2 threads x 2
//! operations.
#![cfg(feature = "lin")]

#[macro_use]
mod lin_support;

use lin_support::*;
use std::collections::VecDeque;
use std::time::Duration;
use threadcheck::error::{GetError, PutError};
use threadcheck::lin::{proptest::prelude::*, Config, Spec, Target};
use threadcheck::queue::{LifoQueue, PriorityQueue, Queue};
use threadcheck::rt::{Access, Monitor, ObjectMeta, Op, Runtime, Wait};

const FIFO: u8 = 0;
const LIFO: u8 = 1;
const PRIORITY: u8 = 2;

/// A bounded queue of kind `K` (FIFO, LIFO or priority: lowest first) with Python 3.13
/// semantics: `maxsize` 0 means unbounded; `unfinished` counts items put and not yet
/// `task_done`; after `shutdown` puts fail, gets drain what is left, then fail;
/// `shutdown(immediate)` also removes the items (returned here) and discounts them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct QueueSpec<const K: u8> {
    items: VecDeque<u8>,
    maxsize: usize,
    unfinished: usize,
    shut_down: bool,
}

#[derive(Clone, Debug)]
enum QOp {
    Put(u8),
    PutTimeout(u8),
    Get,
    GetTimeout,
    Qsize,
    Empty,
    Full,
    TaskDone,
    Unfinished,
    Shutdown(bool),
}

#[derive(Clone, Debug, PartialEq)]
enum QRet {
    Put(Result<(), &'static str>),
    Get(Result<u8, &'static str>),
    Size(usize),
    Bool(bool),
    Drained(Vec<u8>),
}

impl<const K: u8> QueueSpec<K> {
    fn new(maxsize: usize) -> Self {
        QueueSpec {
            items: VecDeque::new(),
            maxsize,
            unfinished: 0,
            shut_down: false,
        }
    }

    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    fn take(items: &mut VecDeque<u8>) -> Option<u8> {
        match K {
            FIFO => items.pop_front(),
            LIFO => items.pop_back(),
            _ => {
                let (i, _) = items.iter().enumerate().min_by_key(|(_, x)| **x)?;
                items.remove(i)
            }
        }
    }
}

impl<const K: u8> Spec for QueueSpec<K> {
    type Op = QOp;
    type Ret = QRet;
    fn apply(&mut self, op: &QOp) -> QRet {
        match op {
            QOp::Put(_) | QOp::PutTimeout(_) if self.shut_down => QRet::Put(Err("shut down")),
            QOp::Put(_) | QOp::PutTimeout(_) if self.full() => QRet::Put(Err("full")),
            QOp::Put(x) | QOp::PutTimeout(x) => {
                self.items.push_back(*x);
                self.unfinished += 1;
                QRet::Put(Ok(()))
            }
            QOp::Get | QOp::GetTimeout => QRet::Get(match Self::take(&mut self.items) {
                Some(x) => Ok(x),
                None if self.shut_down => Err("shut down"),
                None => Err("empty"),
            }),
            QOp::Qsize => QRet::Size(self.items.len()),
            QOp::Empty => QRet::Bool(self.items.is_empty()),
            QOp::Full => QRet::Bool(self.full()),
            QOp::TaskDone => {
                let ok = self.unfinished > 0;
                self.unfinished -= usize::from(ok);
                QRet::Bool(ok)
            }
            QOp::Unfinished => QRet::Size(self.unfinished),
            QOp::Shutdown(immediate) => {
                self.shut_down = true;
                let mut drained = Vec::new();
                if *immediate {
                    while let Some(x) = Self::take(&mut self.items) {
                        drained.push(x);
                        self.unfinished = self.unfinished.saturating_sub(1);
                    }
                }
                QRet::Drained(drained)
            }
        }
    }
}

/// Every queue operation (timed ones wait 1 ms on OS threads, "now or time out" otherwise).
fn all_ops() -> BoxedStrategy<QOp> {
    prop_oneof![
        3 => (0..4u8).prop_map(QOp::Put),
        1 => (0..4u8).prop_map(QOp::PutTimeout),
        3 => Just(QOp::Get),
        1 => Just(QOp::GetTimeout),
        1 => Just(QOp::Qsize),
        1 => Just(QOp::Empty),
        1 => Just(QOp::Full),
        1 => Just(QOp::TaskDone),
        1 => Just(QOp::Unfinished),
        1 => any::<bool>().prop_map(QOp::Shutdown),
    ]
    .boxed()
}

/// The operations of the broken twins.
fn basic_ops() -> BoxedStrategy<QOp> {
    prop_oneof![
        3 => (0..4u8).prop_map(QOp::Put),
        3 => Just(QOp::Get),
        1 => Just(QOp::Qsize),
        1 => Just(QOp::Full),
    ]
    .boxed()
}

/// Generates the target of one of the project's queues, of capacity `$max`.
macro_rules! queue_target {
    ($name:ident, $queue:ident, $kind:expr, $max:expr) => {
        struct $name;
        impl Target for $name {
            type Spec = QueueSpec<{ $kind }>;
            type Imp<R: Runtime> = $queue<u8, R>;
            fn spec() -> Self::Spec {
                QueueSpec::new($max)
            }
            fn new<R: Runtime>() -> $queue<u8, R> {
                $queue::new($max)
            }
            fn call<R: Runtime>(q: &$queue<u8, R>, op: &QOp) -> QRet {
                let put = |r: Result<(), PutError<u8>>| {
                    QRet::Put(r.map_err(|e| match e {
                        PutError::Full(_) => "full",
                        PutError::ShutDown(_) => "shut down",
                    }))
                };
                let get = |r: Result<u8, GetError>| {
                    QRet::Get(r.map_err(|e| match e {
                        GetError::Empty => "empty",
                        GetError::ShutDown => "shut down",
                    }))
                };
                let ms = Duration::from_millis(1);
                match op {
                    QOp::Put(x) => put(q.put_nowait(*x)),
                    QOp::PutTimeout(x) => put(q.put_timeout(*x, ms)),
                    QOp::Get => get(q.get_nowait()),
                    QOp::GetTimeout => get(q.get_timeout(ms)),
                    QOp::Qsize => QRet::Size(q.qsize()),
                    QOp::Empty => QRet::Bool(q.empty()),
                    QOp::Full => QRet::Bool(q.full()),
                    QOp::TaskDone => QRet::Bool(q.task_done().is_ok()),
                    QOp::Unfinished => QRet::Size(q.unfinished_tasks()),
                    QOp::Shutdown(immediate) => QRet::Drained(q.shutdown(*immediate)),
                }
            }
            fn ops() -> BoxedStrategy<QOp> {
                all_ops()
            }
        }
    };
}

queue_target!(FifoTarget, Queue, FIFO, 2);
queue_target!(LifoTarget, LifoQueue, LIFO, 2);
queue_target!(PriorityTarget, PriorityQueue, PRIORITY, 2);

/// The broken twin: a queue in one monitor whose `put` reads the size in one step and inserts
/// in a second step, so two puts can both see room for one item.
struct CheckThenPut<R: Runtime, const K: u8> {
    items: R::Monitor<VecDeque<u8>>,
    maxsize: usize,
}

impl<R: Runtime, const K: u8> CheckThenPut<R, K> {
    fn read<T>(&self, f: impl Fn(&VecDeque<u8>) -> T) -> T {
        self.items
            .op(Op::new("read", Access::Read), Wait::No, |q| Some(f(q)))
            .expect("a read proceeds")
    }
}

macro_rules! broken_target {
    ($name:ident, $kind:expr) => {
        struct $name;
        impl Target for $name {
            type Spec = QueueSpec<{ $kind }>;
            type Imp<R: Runtime> = CheckThenPut<R, { $kind }>;
            fn spec() -> Self::Spec {
                QueueSpec::new(1)
            }
            fn new<R: Runtime>() -> Self::Imp<R> {
                CheckThenPut {
                    items: Monitor::new(VecDeque::new(), ObjectMeta::named("Queue", "broken")),
                    maxsize: 1,
                }
            }
            fn call<R: Runtime>(q: &Self::Imp<R>, op: &QOp) -> QRet {
                match op {
                    QOp::Put(x) => {
                        if q.read(|items| items.len()) >= q.maxsize {
                            return QRet::Put(Err("full"));
                        }
                        // BUG: another put may fill the queue between the check and here.
                        q.items
                            .op(Op::new("put", Access::Write), Wait::No, |items| {
                                items.push_back(*x);
                                Some(())
                            });
                        QRet::Put(Ok(()))
                    }
                    QOp::Get => QRet::Get(
                        q.items
                            .op(Op::new("get", Access::Write), Wait::No, |items| {
                                Some(QueueSpec::<{ $kind }>::take(items).ok_or("empty"))
                            })
                            .unwrap_or(Err("empty")),
                    ),
                    QOp::Qsize => QRet::Size(q.read(|items| items.len())),
                    QOp::Full => QRet::Bool(q.read(|items| items.len() >= q.maxsize)),
                    other => unreachable!("not generated for the twin: {other:?}"),
                }
            }
            fn ops() -> BoxedStrategy<QOp> {
                basic_ops()
            }
        }
    };
}

broken_target!(BrokenFifo, FIFO);
broken_target!(BrokenLifo, LIFO);
broken_target!(BrokenPriority, PRIORITY);

lin_tests!(fifo, FifoTarget, BrokenFifo, 20);
lin_tests!(lifo, LifoTarget, BrokenLifo, 20);
lin_tests!(priority, PriorityTarget, BrokenPriority, 20);
