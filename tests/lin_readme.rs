//! The README's ten-line example of checking your own type ("Checking your own type:
//! linearizability fuzzing") compiles against the real API, passes, and is the code the README
//! shows (compared token by token, comments and whitespace aside).
#![cfg(feature = "lin")]

use threadcheck::lin::{self, proptest::prelude::*, Spec, Target};
use threadcheck::{rt::Runtime, sync::Lock};

/// Expands the example and keeps its tokens as text.
macro_rules! readme_example {
    ($($code:tt)*) => {
        $($code)*
        const EXAMPLE: &str = stringify!($($code)*);
    };
}

// Verbatim from README.md.
readme_example! {
#[derive(Clone, Debug, PartialEq, Eq, Hash)] struct Counter(u32);        // the specification
#[derive(Clone, Debug)] enum Op { Inc, Get }
impl Spec for Counter { type Op = Op; type Ret = u32;
    fn apply(&mut self, op: &Op) -> u32 { if let Op::Inc = op { self.0 += 1 } self.0 } }
struct Mine;                                                             // the implementation
impl Target for Mine { type Spec = Counter; type Imp<R: Runtime> = Lock<u32, R>;
    fn spec() -> Counter { Counter(0) }   fn new<R: Runtime>() -> Lock<u32, R> { Lock::new(0) }
    fn call<R: Runtime>(l: &Lock<u32, R>, op: &Op) -> u32 { l.with(|n| { if let Op::Inc = op { *n += 1 } *n }) }
    fn ops() -> BoxedStrategy<Op> { prop_oneof![Just(Op::Inc), Just(Op::Get)].boxed() } }
#[test] fn linearizable() { lin::assert_linearizable::<Mine>(&lin::Config::native()); }
}

fn squash(code: &str) -> String {
    code.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Property: the README shows exactly this example, in ten lines.
#[test]
fn readme_shows_this_example() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## Checking your own type")
        .nth(1)
        .expect("the README section");
    let block = section
        .split("```rust")
        .nth(1)
        .and_then(|rest| rest.split_once('\n'))
        .and_then(|(_, rest)| rest.split("```").next())
        .expect("a Rust block in the section");
    assert_eq!(block.lines().count(), 10, "{block}");
    assert_eq!(squash(block), squash(EXAMPLE));
}

/// Property: the example's type is linearizable under loom too (`Config::loom()`).
#[cfg(feature = "loom")]
#[test]
fn example_passes_on_loom() {
    lin::assert_linearizable::<Mine>(&lin::Config::loom());
}

/// Property: the example's type is linearizable on the other engines too.
#[test]
fn example_passes_on_shuttle_and_std() {
    #[cfg(feature = "shuttle")]
    lin::assert_linearizable::<Mine>(&lin::Config::shuttle());
    lin::assert_linearizable::<Mine>(&lin::Config::std());
}
