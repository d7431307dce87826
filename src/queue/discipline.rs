//! The order in which a queue hands out its items: FIFO, LIFO, or smallest first.
//!
//! Invariant: `len` is the number of items pushed and not yet popped; `pop` on an empty store
//! returns `None` and changes nothing (the monitor contract relies on it).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::{Hash, Hasher};

/// How a [`GenericQueue`](super::GenericQueue) stores its items and which one `get` returns
/// (Python's `_init`/`_put`/`_get`/`_qsize` overrides).
///
/// ```
/// use threadcheck::queue::{Discipline, GenericQueue};
/// use threadcheck::rt::DefaultRuntime;
///
/// /// Hands out the longest string first.
/// #[derive(Default)]
/// struct Longest(Vec<String>);
///
/// impl Discipline<String> for Longest {
///     const KIND: &'static str = "LongestFirstQueue";
///     fn push(&mut self, item: String) {
///         self.0.push(item);
///         self.0.sort_by_key(|s| s.len());
///     }
///     fn pop(&mut self) -> Option<String> {
///         self.0.pop()
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
/// }
///
/// let q = GenericQueue::<String, Longest, DefaultRuntime>::new(0);
/// q.put("ab".to_string()).unwrap();
/// q.put("abc".to_string()).unwrap();
/// assert_eq!(q.get().unwrap(), "abc");
/// ```
pub trait Discipline<T>: Default + Send {
    /// The Python class name traces show: `"Queue"`, `"LifoQueue"`, `"PriorityQueue"`.
    const KIND: &'static str;
    /// Stores an item.
    fn push(&mut self, item: T);
    /// Removes and returns the next item, or returns `None` (changing nothing) when empty.
    fn pop(&mut self) -> Option<T>;
    /// The number of items stored.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: the discipline of [`Queue`](super::Queue).
///
/// ```
/// use threadcheck::queue::{Discipline, Fifo};
/// let mut d = Fifo::default();
/// d.push(1);
/// d.push(2);
/// assert_eq!(d.pop(), Some(1));
/// ```
#[derive(Debug, Hash)]
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: the discipline of [`LifoQueue`](super::LifoQueue).
///
/// ```
/// use threadcheck::queue::{Discipline, Lifo};
/// let mut d = Lifo::default();
/// d.push(1);
/// d.push(2);
/// assert_eq!(d.pop(), Some(2));
/// ```
#[derive(Debug, Hash)]
pub struct Lifo<T>(Vec<T>);

/// Smallest first (a binary min-heap, as Python's `heapq`): the discipline of
/// [`PriorityQueue`](super::PriorityQueue).
///
/// ```
/// use threadcheck::queue::{Discipline, Priority};
/// let mut d = Priority::default();
/// d.push(3);
/// d.push(1);
/// d.push(2);
/// assert_eq!(d.pop(), Some(1));
/// ```
#[derive(Debug)]
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

/// Hashes the heap as it is laid out, which determines the order of every later `pop` even
/// among items that compare equal (the same items in another layout may hash differently).
impl<T: Hash> Hash for Priority<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_slice().hash(state);
    }
}

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T: Send> Discipline<T> for Fifo<T> {
    const KIND: &'static str = "Queue";
    #[inline]
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Send> Discipline<T> for Lifo<T> {
    const KIND: &'static str = "LifoQueue";
    #[inline]
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord + Send> Discipline<T> for Priority<T> {
    const KIND: &'static str = "PriorityQueue";
    #[inline]
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
}
