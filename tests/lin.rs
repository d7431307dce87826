//! The linearizability checker on hand-written histories: linearizable ones are accepted with
//! a valid witness, non-linearizable ones rejected, pending calls handled, and memoisation keeps
//! the search small.
#![cfg(feature = "lin")]

use threadcheck::lin::{check_history, History, Spec};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Register(i32);

#[derive(Clone, Debug)]
enum RegOp {
    Write(i32),
    Read,
}

impl Spec for Register {
    type Op = RegOp;
    type Ret = i32;
    fn apply(&mut self, op: &RegOp) -> i32 {
        if let RegOp::Write(v) = op {
            self.0 = *v;
        }
        self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Fifo(std::collections::VecDeque<u8>);

#[derive(Clone, Debug)]
enum QOp {
    Enq(u8),
    Deq,
}

impl Spec for Fifo {
    type Op = QOp;
    type Ret = Option<u8>;
    fn apply(&mut self, op: &QOp) -> Option<u8> {
        match op {
            QOp::Enq(x) => {
                self.0.push_back(*x);
                None
            }
            QOp::Deq => self.0.pop_front(),
        }
    }
}

fn fifo() -> Fifo {
    Fifo(Default::default())
}

/// Replays a witness on the spec and checks it gives the observed results and respects real
/// time: the checker's "yes" is itself checked.
fn assert_witness<S: Spec>(initial: &S, h: &History<S::Op, S::Ret>) {
    let order = check_history(initial, h).expect("linearizable");
    let calls = h.calls();
    let mut state = initial.clone();
    for (k, &i) in order.iter().enumerate() {
        let ret = state.apply_as(calls[i].thread, &calls[i].op);
        if let Some((_, observed)) = &calls[i].response {
            assert_eq!(&ret, observed, "witness replays to the observed result");
        }
        for &j in &order[k + 1..] {
            assert!(!calls[j].precedes(&calls[i]), "witness respects real time");
        }
    }
    let completed = calls.iter().filter(|c| c.response.is_some()).count();
    let in_order = order
        .iter()
        .filter(|&&i| calls[i].response.is_some())
        .count();
    assert_eq!(in_order, completed, "every completed call is linearized");
}

/// Property: a read overlapping a write may see either value; a read after the write returned
/// must see it.
#[test]
fn register_real_time_order() {
    let mut h = History::new();
    h.push(1, RegOp::Write(1), 0, Some((3, 1)));
    h.push(2, RegOp::Read, 1, Some((2, 0)));
    assert_witness(&Register(0), &h);

    let mut h = History::new();
    h.push(1, RegOp::Write(1), 0, Some((3, 1)));
    h.push(2, RegOp::Read, 1, Some((2, 1)));
    assert_witness(&Register(0), &h);

    let mut h = History::new();
    h.push(1, RegOp::Write(1), 0, Some((1, 1)));
    h.push(2, RegOp::Read, 2, Some((3, 0)));
    let why = check_history(&Register(0), &h).unwrap_err();
    assert_eq!(why.prefix.len(), 1, "the write alone linearizes");
    assert_eq!(why.mismatches, vec![(1, "1".to_string())]);
}

/// Property (the classic tricky queue case): enq(1) returned before enq(2) was invoked, so a
/// FIFO must dequeue 1 first, even though deq -> 2 overlaps enq(2).
#[test]
fn queue_completed_enqueue_orders_dequeues() {
    let mut h = History::new();
    h.push(1, QOp::Enq(1), 0, Some((1, None)));
    h.push(2, QOp::Enq(2), 2, Some((7, None)));
    h.push(3, QOp::Deq, 3, Some((4, Some(2))));
    h.push(3, QOp::Deq, 5, Some((6, Some(1))));
    assert!(check_history(&fifo(), &h).is_err());

    // The same shape with overlapping enqueues is linearizable: enq(2), enq(1), deq, deq.
    let mut h = History::new();
    h.push(1, QOp::Enq(1), 0, Some((4, None)));
    h.push(2, QOp::Enq(2), 1, Some((2, None)));
    h.push(3, QOp::Deq, 3, Some((5, Some(2))));
    h.push(3, QOp::Deq, 6, Some((7, Some(1))));
    assert_witness(&fifo(), &h);
}

/// Property: a pending call (never returned) may take effect, or not.
#[test]
fn pending_calls_may_or_may_not_take_effect() {
    let mut h = History::new();
    h.push(1, QOp::Enq(3), 0, None);
    h.push(2, QOp::Deq, 1, Some((2, Some(3))));
    assert_witness(&fifo(), &h);

    let mut h = History::new();
    h.push(1, QOp::Enq(3), 0, None);
    h.push(2, QOp::Deq, 1, Some((2, None)));
    assert_witness(&fifo(), &h);

    // But a pending call cannot take effect before it is invoked.
    let mut h = History::new();
    h.push(2, QOp::Deq, 0, Some((1, Some(3))));
    h.push(1, QOp::Enq(3), 2, None);
    assert!(check_history(&fifo(), &h).is_err());
}

/// Property: a value dequeued twice, or never enqueued, is caught.
#[test]
fn queue_duplicate_dequeue_is_not_linearizable() {
    let mut h = History::new();
    h.push(0, QOp::Enq(1), 0, Some((1, None)));
    h.push(1, QOp::Deq, 2, Some((5, Some(1))));
    h.push(2, QOp::Deq, 3, Some((4, Some(1))));
    let why = check_history(&fifo(), &h).unwrap_err();
    assert_eq!(why.prefix.len(), 2, "enq and one deq linearize");
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Counter(u32);

#[derive(Clone, Debug)]
enum COp {
    Inc,
    Get,
}

impl Spec for Counter {
    type Op = COp;
    type Ret = Option<u32>;
    fn apply(&mut self, op: &COp) -> Option<u32> {
        match op {
            COp::Inc => {
                self.0 += 1;
                None
            }
            COp::Get => Some(self.0),
        }
    }
}

/// Property: memoisation. Two threads x 8 operations, each overlapping its neighbours in the
/// other thread (thread 1's k-th call spans [4k, 4k+3], thread 2's [4k+2, 4k+5]), with an
/// impossible last result. Real time allows 1597 orders of the 16 calls, and a search without
/// memoisation walks them all (thousands of nodes); with it each (calls done, state) node is
/// expanded once: at most 9 x 9 = 81.
#[test]
fn memoisation_keeps_a_2x8_history_small() {
    let mut h = History::new();
    for k in 0..8u64 {
        h.push(1, COp::Inc, 4 * k, Some((4 * k + 3, None)));
    }
    for k in 0..7u64 {
        h.push(2, COp::Inc, 4 * k + 2, Some((4 * k + 5, None)));
    }
    h.push(2, COp::Get, 30, Some((33, Some(99))));
    let why = check_history(&Counter(0), &h).unwrap_err();
    assert!(why.nodes <= 81, "{} nodes expanded", why.nodes);

    // And the same history with a possible final value is linearizable.
    let mut ok = History::new();
    for c in h.calls() {
        let response = c.response.as_ref().map(|(t, r)| (*t, r.map(|_| 15)));
        ok.push(c.thread, c.op.clone(), c.invoke, response);
    }
    assert_witness(&Counter(0), &ok);
}

/// Property: calls of one thread that do not overlap keep their program order.
#[test]
fn program_order_is_real_time_order() {
    let mut h = History::new();
    h.push(1, COp::Inc, 0, Some((1, None)));
    h.push(1, COp::Get, 2, Some((3, Some(0))));
    assert!(check_history(&Counter(0), &h).is_err());
}
