"""Asynchronous peer rounds study (issue 19): one table row per combination of swept keys.

Reads a sweep folder of scenarios/async/*.toml (runs.csv and each run's trace.csv /
summary.json) and prints a Markdown table: runs that reached the target, the median time to
target on the round-aligned rel_err (the stop rule: record k when the slowest agent ended
round k) and on rel_err_now (every agent's latest model at that instant), the median bits to
target (round-aligned ledger, and bits_now: every bit sent by the rel_err_now crossing), and
the largest staleness recorded (with a check that it stays below the delay
bound on these lossless runs). Seeds are the spread: median over them.

    netsim sweep scenarios/async/straggler_ring.toml --out results
    python analysis/async_study.py results/async_straggler_ring
    python analysis/async_study.py results/async_straggler_grid --versus-sync

``--versus-sync``: one row per combination of the other swept keys, with the god's-eye time
and bits_now of each asynchronous policy relative to delay_bound = 1, ahead = "hold" (the
synchronous run).
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


def first_time(trace_csv: pathlib.Path, column: str, target: float):
    """(time, bits_now) of the first record (round >= 1) whose ``column`` is <= ``target``;
    (None, None) if none.
    """
    with open(trace_csv, newline="") as f:
        for row in csv.DictReader(f):
            if int(row["round"]) >= 1 and float(row[column]) <= target:
                return float(row["time"]), float(row.get("bits_now") or "nan")
    return None, None


def _med(values) -> str:
    vals = [v for v in values if v is not None]
    return f"{statistics.median(vals):.3g}" if vals else "—"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="the sweep folder (holds runs.csv)")
    ap.add_argument("--versus-sync", action="store_true",
                    help="relative to the synchronous run (delay_bound = 1, ahead = hold)")
    a = ap.parse_args(argv)
    folder = pathlib.Path(a.sweep)
    rows = read_runs(folder / "runs.csv")
    fixed = {"run_id", "label", "seed"}
    keys = [k for k in rows[0] if "." in k and k not in fixed]
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault(tuple(str(r[k]) for k in keys), []).append(r)
    table = {}
    for combo, runs in groups.items():
        table[combo] = _summary(folder, runs)
    if a.versus_sync:
        _versus_sync(keys, table)
        return
    print("| " + " | ".join(k.split(".")[-1] for k in keys)
          + " | reached | time to target [s] | time, rel_err_now [s] | bits to target"
          " | bits_now at rel_err_now target | max staleness | <= D-1 |")
    print("|" + "---|" * (len(keys) + 7))
    for combo, runs in groups.items():
        reached, t_now, b_now, stale, ok = table[combo]
        print("| " + " | ".join(combo) + f" | {len(reached)}/{len(runs)} | "
              f"{_med(float(r['target_time']) for r in reached)} | {_med(t_now)} | "
              f"{_med(float(r['target_bits']) for r in reached)} | {_med(b_now)} | "
              f"{max(stale)} | {'yes' if ok else 'NO'} |")


def _summary(folder, runs):
    """(runs that reached the target, god's-eye times, bits_now, max staleness per run,
    staleness <= D - 1 in every run).
    """
    if True:
        t_now, b_now, stale, ok = [], [], [], True
        for r in runs:
            s = json.loads((folder / r["run_id"] / "summary.json").read_text())
            target = s["target"]["value"] if isinstance(s.get("target"), dict) \
                and "value" in s["target"] else 1e-8
            t, b = first_time(folder / r["run_id"] / "trace.csv", "rel_err_now", target)
            t_now.append(t)
            b_now.append(b if b is None or b == b else None)
            hist = s["async"]["staleness"]
            smax = max(int(k) for k in hist)
            stale.append(smax)
            d = s["async"]["delay_bound"]
            ok &= d == "inf" or smax <= int(d) - 1
        reached = [r for r in runs if r["target_reached"] is True]
    return reached, t_now, b_now, stale, ok


def _versus_sync(keys, table) -> None:
    """God's-eye time and bits_now of each (delay_bound, ahead) relative to (1, hold)."""
    di, ai = keys.index("algorithm.wait.delay_bound"), keys.index("algorithm.wait.ahead")
    rest = [k for k in keys if k not in ("algorithm.wait.delay_bound", "algorithm.wait.ahead")]
    policies = sorted({(c[di], c[ai]) for c in table} - {("1", "hold")},
                      key=lambda p: (p[0] == "inf", p[0], p[1]))
    print("| " + " | ".join(k.split(".")[-1] for k in rest) + " | synchronous | "
          + " | ".join(f"D={d}, {h}" for d, h in policies) + " |")
    print("|" + "---|" * (len(rest) + 1 + len(policies)))
    cells = {}
    for combo, val in table.items():
        cells.setdefault(tuple(c for n, c in enumerate(combo) if n not in (di, ai)), {})[
            (combo[di], combo[ai])] = val
    for cell, pol in cells.items():
        def med(vals):
            vals = [v for v in vals if v is not None]
            return statistics.median(vals) if vals else None
        t0, b0 = med(pol[("1", "hold")][1]), med(pol[("1", "hold")][2])
        out = [f"{t0:.3g} s, {b0:.3g} bit" if t0 and b0 else "—"]
        for p in policies:
            t, b = med(pol[p][1]), med(pol[p][2])
            out.append(f"{t / t0 - 1:+.0%} time, {b / b0:.2f}x bits" if t and b and t0 and b0
                       else "not reached")
        print("| " + " | ".join(cell) + " | " + " | ".join(out) + " |")


if __name__ == "__main__":
    main()
