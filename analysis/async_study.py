"""Asynchronous peer rounds study (issue 19): one table row per combination of swept keys.

Reads a sweep folder of scenarios/async/*.toml (runs.csv and each run's trace.csv /
summary.json) and prints a Markdown table: runs that reached the target, the median time to
target on the round-aligned rel_err (the stop rule: record k when the slowest agent ended
round k) and on rel_err_now (every agent's latest model at that instant), the median bits to
target, and the largest staleness recorded (with a check that it stays below the delay
bound on these lossless runs). Seeds are the spread: median over them.

    netsim sweep scenarios/async/straggler_ring.toml --out results
    python analysis/async_study.py results/async_straggler_ring
"""

from __future__ import annotations

import argparse
import csv
import json
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netsim.sweeps import read_runs  # noqa: E402


def first_time(trace_csv: pathlib.Path, column: str, target: float) -> float | None:
    """Time of the first record (round >= 1) whose ``column`` is <= ``target``."""
    with open(trace_csv, newline="") as f:
        for row in csv.DictReader(f):
            if int(row["round"]) >= 1 and float(row[column]) <= target:
                return float(row["time"])
    return None


def _med(values) -> str:
    vals = [v for v in values if v is not None]
    return f"{statistics.median(vals):.3g}" if vals else "—"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="the sweep folder (holds runs.csv)")
    a = ap.parse_args(argv)
    folder = pathlib.Path(a.sweep)
    rows = read_runs(folder / "runs.csv")
    fixed = {"run_id", "label", "seed"}
    keys = [k for k in rows[0] if "." in k and k not in fixed]
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault(tuple(str(r[k]) for k in keys), []).append(r)
    print("| " + " | ".join(k.split(".")[-1] for k in keys)
          + " | reached | time to target [s] | time, rel_err_now [s] | bits to target"
          " | max staleness | <= D-1 |")
    print("|" + "---|" * (len(keys) + 6))
    for combo, runs in groups.items():
        t_now, stale, ok = [], [], True
        for r in runs:
            s = json.loads((folder / r["run_id"] / "summary.json").read_text())
            target = s["target"]["value"] if isinstance(s.get("target"), dict) \
                and "value" in s["target"] else 1e-8
            t_now.append(first_time(folder / r["run_id"] / "trace.csv", "rel_err_now", target))
            hist = s["async"]["staleness"]
            smax = max(int(k) for k in hist)
            stale.append(smax)
            d = s["async"]["delay_bound"]
            ok &= d == "inf" or smax <= int(d) - 1
        reached = [r for r in runs if r["target_reached"] is True]
        print("| " + " | ".join(combo) + f" | {len(reached)}/{len(runs)} | "
              f"{_med(float(r['target_time']) for r in reached)} | {_med(t_now)} | "
              f"{_med(float(r['target_bits']) for r in reached)} | {max(stale)} | "
              f"{'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
