"""Sweep throughput on a small machine: 16 runs of ~0.3 s sharing their data, serial vs the
``processes`` executor (issue 15: target >= 1.8x on 2 workers).

    python benchmarks/sweep_reuse.py                 # best of 5, interleaved
    python benchmarks/sweep_reuse.py --repeats 3 --workers 2

The 16 points sweep algorithm parameters with one seed, so every run has the same problem
(data, reference optimum): the regime where workers reuse the problem set-up across runs
(:mod:`netsim.sweeps.worker`). Each repetition times a serial sweep and a processes sweep one
after the other (fresh result folders, so nothing is skipped); the figure is the ratio of the
best serial time to the best processes time. The machine may be shared: run it when it is
quiet, or read the figure as a lower bound. On a loaded Linux machine with autogroup
scheduling a command's processes share one group's CPU, so the wall-clock ratio says little;
the CPU-time figure does not depend on the load: serial CPU seconds over (the workers' CPU
seconds / workers + the parent's), what the processes executor would take on idle cores if
the points split evenly. ``--no-reuse`` switches the workers' problem reuse off (the
comparison of issue 15).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time

import netsim
from netsim.scenario import from_dict
from netsim.sweeps import run_sweep

#: 16 points: tau x gamma, one seed, a bundled data set (breast_cancer: loading,
#: standardising and partitioning it, and the reference optimum, are the set-up a worker
#: reuses); ~0.3 s per run with the batched engine
SCENARIO = {
    "name": "bench_sweep_reuse", "seed": 0,
    "network": {"agents": 10, "topology": "ring"},
    "problem": {"kind": "logistic", "data": "breast_cancer"},
    "algorithm": {"name": "lt-admm-vr"}, "stop": {"rounds": 200},
    "output": {"plots": False},
    "sweep": {"algorithm.tau": [1, 2, 3, 4, 5, 6, 7, 8], "algorithm.gamma": [0.02, 0.05],
              "seeds": [0]},
}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(repeats: int = 5, workers: int = 2, reuse: bool = True) -> dict:
    """Best wall and CPU seconds of each executor over ``repeats`` interleaved repetitions,
    the mean wall seconds of one run (serial best / 16) and the two ratios.
    """
    from netsim.sweeps import worker

    worker.preload()             # imports paid before anything is timed (fair to both)
    if not reuse:
        worker.PROBLEMS.max_entries = 0
    sc = from_dict(SCENARIO)
    best = {"serial": math.inf, "processes": math.inf}
    cpu = {"serial": math.inf, "processes": math.inf}
    for _ in range(repeats):
        for ex in best:
            with tempfile.TemporaryDirectory() as d:
                t, c, k = time.perf_counter(), time.process_time(), _children_cpu()
                _, counts = run_sweep(sc, d, executor=ex, workers=workers, progress=False)
                best[ex] = min(best[ex], time.perf_counter() - t)
                own, kids = time.process_time() - c, _children_cpu() - k
                cpu[ex] = min(cpu[ex], own + kids / (workers if ex == "processes" else 1))
                assert counts["ran"] == 16 and counts["errors"] == 0, counts
    return {**best, "per_run": best["serial"] / 16, "ratio": best["serial"] / best["processes"],
            "cpu_ratio": cpu["serial"] / cpu["processes"], "cpu": cpu}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-reuse", action="store_true", help="workers rebuild every problem")
    a = ap.parse_args(argv)
    load = os.getloadavg()[0]
    r = measure(a.repeats, a.workers, reuse=not a.no_reuse)
    print(f"netsim {netsim.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    print(f"16 runs of {r['per_run']:.2f} s: serial {r['serial']:.2f} s, processes({a.workers}) "
          f"{r['processes']:.2f} s; ratio {r['ratio']:.2f} (target >= 1.8; best of "
          f"{a.repeats}, interleaved)")
    print(f"CPU time: serial {r['cpu']['serial']:.2f} s, processes {r['cpu']['processes']:.2f} s "
          f"per worker + parent; ratio {r['cpu_ratio']:.2f} (what idle cores would give)"
          + (" [problem reuse off]" if a.no_reuse else ""))


if __name__ == "__main__":
    main()
