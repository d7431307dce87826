#!/usr/bin/env bash
# Runs the primitives benchmarks (benches/primitives.rs) and prints a markdown table of the
# criterion medians, each with its ratio to the group's reference implementation.
#
#   scripts/bench-table.sh                # the whole run (about 3 minutes on 2 cores)
#   scripts/bench-table.sh queue_         # only the groups matching a criterion filter
#   NO_RUN=1 scripts/bench-table.sh       # only print the table of the last run's results
#
# Ratio = this implementation's median / the reference's median (below 1 is faster). For the
# CPU-bound map the reference is one worker, and the ratio column shows the speed-up instead.
# The load average is printed before and after: the figures are only comparable on a quiet
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."

root=target/criterion
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load average: //'; }

load_before=$(load)
if [ -z "${NO_RUN:-}" ]; then
    # Only the results written by this run are tabulated.
    touch "$stamp"
    sleep 1
    cargo bench --bench primitives -- "$@" >&2
else
    touch -d '@0' "$stamp"
fi
load_after=$(load)

python3 - "$root" "$stamp" "$load_before" "$load_after" <<'EOF'
import json, os, sys

root, stamp, load_before, load_after = sys.argv[1:5]
since = os.path.getmtime(stamp)

# group prefix -> (reference implementation, target for threadcheck / reference)
REFERENCES = [
    ("lock_", "std", 1.1),
    ("semaphore_", "mutex_condvar", None),
    ("queue_", "crossbeam", 2.0),
    ("event_", "std_mutex_condvar", None),
    ("barrier_", "std", None),
    ("condition_", "std_condvar", None),
    ("pool_submit", "rayon", None),
    ("pool_map", "rayon", 1.5),
    ("pool_cpu", "threadcheck_1_worker", None),
]
ORDER = [p for p, _, _ in REFERENCES]

def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

def reference(group):
    for prefix, ref, target in REFERENCES:
        if group.startswith(prefix):
            return ref, target
    return None, None

groups = {}
if os.path.isdir(root):
    for group in os.listdir(root):
        gdir = os.path.join(root, group)
        if not os.path.isdir(gdir):
            continue
        for impl in os.listdir(gdir):
            est = os.path.join(gdir, impl, "new", "estimates.json")
            if os.path.isfile(est) and os.path.getmtime(est) >= since:
                with open(est) as f:
                    groups.setdefault(group, {})[impl] = json.load(f)["median"]["point_estimate"]

def rank(group):
    for i, p in enumerate(ORDER):
        if group.startswith(p):
            return (i, group)
    return (len(ORDER), group)

print(f"load average before: {load_before}; after: {load_after}")
print()
print("| benchmark | implementation | median | ratio vs reference | target |")
print("|---|---|---:|---:|---|")
for group in sorted(groups, key=rank):
    impls = groups[group]
    ref, target = reference(group)
    base = impls.get(ref)
    # threadcheck first, then the references in name order.
    for impl in sorted(impls, key=lambda i: (not i.startswith("threadcheck"), i)):
        median = impls[impl]
        if base is None:
            ratio = "n/a"
        elif group.startswith("pool_cpu"):
            ratio = "1 (reference)" if impl == ref else f"speed-up {base / median:.2f}x"
        elif impl == ref:
            ratio = "1 (reference)"
        else:
            ratio = f"{median / base:.2f}"
        verdict = ""
        if target is not None and impl == "threadcheck" and base is not None:
            met = median / base <= target
            verdict = f"≤ {target}x: {'met' if met else 'MISSED'}"
        print(f"| {group} | {impl} | {fmt(median)} | {ratio} | {verdict} |")
EOF
