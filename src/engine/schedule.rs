//! The printable form of a schedule.
//!
//! `v1_<steps>_<checksum>_<runs>`: `steps` is the number of steps, `checksum` eight hex digits
//! over every step's operation (thread, object, action), and `runs` a `.`-separated list of
//! runs of one thread: `[p]<thread>x<count><check>`, where `p` marks a run that starts with a
//! preemption and `check` is a letter summarising the run's operations, so that a replay that
//! diverges says in which run. Only letters, digits, `.` and `_`: safe in any shell.

use super::api::EngineError;
use super::exec::{fold_hash, HASH_INIT, MAX_THREADS};
use super::run::Choice;
use std::fmt::Write;

/// A decoded schedule.
#[derive(Clone, Debug)]
pub(crate) struct Decoded {
    /// Thread and preemption flag of each step.
    pub steps: Vec<(u8, bool)>,
    /// (first step, number of steps, check letter) of each run.
    pub runs: Vec<(usize, usize, u8)>,
    pub checksum: u32,
}

/// The check letter of a run of operations.
pub(crate) fn run_check(hashes: impl Iterator<Item = u32>) -> u8 {
    let h = hashes.fold(HASH_INIT, fold_hash);
    b'a' + (h % 26) as u8
}

/// The checksum of a whole schedule.
pub(crate) fn checksum(hashes: impl Iterator<Item = u32>) -> u32 {
    hashes.fold(HASH_INIT, fold_hash)
}

/// Encodes the steps of an execution.
pub(crate) fn encode(choices: &[Choice]) -> String {
    let mut out = format!(
        "v1_{}_{:08x}_",
        choices.len(),
        checksum(choices.iter().map(|c| c.hash))
    );
    let mut i = 0;
    let mut first = true;
    while i < choices.len() {
        let t = choices[i].thread;
        let mut j = i + 1;
        while j < choices.len() && choices[j].thread == t && !choices[j].preemption {
            j += 1;
        }
        if !first {
            out.push('.');
        }
        first = false;
        if choices[i].preemption {
            out.push('p');
        }
        let check = run_check(choices[i..j].iter().map(|c| c.hash));
        let _ = write!(out, "{t}x{}{}", j - i, check as char);
        i = j;
    }
    out
}

fn bad(why: impl Into<String>) -> EngineError {
    EngineError::BadSchedule(why.into())
}

/// Decodes a schedule string.
pub(crate) fn decode(text: &str) -> Result<Decoded, EngineError> {
    let text = text.trim();
    let mut parts = text.splitn(4, '_');
    let version = parts.next().unwrap_or("");
    if version != "v1" {
        return Err(bad(format!(
            "expected a schedule starting with `v1_`, found `{}`",
            text.chars().take(12).collect::<String>()
        )));
    }
    let (Some(n), Some(sum), Some(runs)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected `v1_<steps>_<checksum>_<runs>`"));
    };
    let n: usize = n
        .parse()
        .map_err(|_| bad(format!("the step count `{n}` is not a number")))?;
    if sum.len() != 8 {
        return Err(bad(format!("the checksum `{sum}` is not 8 hex digits")));
    }
    let checksum = u32::from_str_radix(sum, 16)
        .map_err(|_| bad(format!("the checksum `{sum}` is not 8 hex digits")))?;
    let mut steps = Vec::with_capacity(n.min(1 << 24));
    let mut out_runs = Vec::new();
    if !runs.is_empty() {
        for (k, run) in runs.split('.').enumerate() {
            let b = run.as_bytes();
            let mut i = 0;
            let preempt = b.first() == Some(&b'p');
            if preempt {
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let why = || {
                bad(format!(
                    "run {} `{run}` is not `[p]<thread>x<count><check>`",
                    k + 1
                ))
            };
            let thread: usize = run[start..i].parse().map_err(|_| why())?;
            if thread >= MAX_THREADS {
                return Err(bad(format!(
                    "run {} names thread {thread}; there are at most {MAX_THREADS}",
                    k + 1
                )));
            }
            if b.get(i) != Some(&b'x') {
                return Err(why());
            }
            i += 1;
            let cstart = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let count: usize = run[cstart..i].parse().map_err(|_| why())?;
            if count == 0 || i + 1 != b.len() || !b[i].is_ascii_lowercase() {
                return Err(why());
            }
            if steps.len() + count > n {
                return Err(bad(format!(
                    "the runs have more steps than the {n} announced"
                )));
            }
            out_runs.push((steps.len(), count, b[i]));
            for s in 0..count {
                steps.push((thread as u8, preempt && s == 0));
            }
        }
    }
    if steps.len() != n {
        return Err(bad(format!(
            "the runs have {} steps, the header announces {n}",
            steps.len()
        )));
    }
    Ok(Decoded {
        steps,
        runs: out_runs,
        checksum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let choices: Vec<Choice> = [0u8, 0, 1, 1, 1, 0, 2]
            .iter()
            .enumerate()
            .map(|(i, &t)| Choice {
                thread: t,
                hash: i as u32 * 7919,
                preemption: i == 2,
            })
            .collect();
        let text = encode(&choices);
        let d = decode(&text).unwrap();
        assert_eq!(d.steps.len(), 7);
        assert_eq!(d.runs.len(), 4);
        assert!(d.steps[2].1);
        assert_eq!(d.checksum, checksum(choices.iter().map(|c| c.hash)));
        assert!(decode("v2_1_00000000_0x1a").is_err());
        assert!(decode("v1_2_00000000_0x1a").is_err());
        assert!(decode("v1_1_0000000_0x1a").is_err());
        assert!(decode("v1_1_00000000_0y1a").is_err());
        assert!(decode("v1_1_00000000_99x1a").is_err());
    }
}
