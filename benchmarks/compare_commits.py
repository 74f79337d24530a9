"""Engine speed of two commits, timed interleaved in one run (best of --repeats).

    python benchmarks/compare_commits.py OLD [NEW]      # NEW defaults to the working tree

Each commit is checked out into a temporary git worktree (the working tree is used as is for
NEW = "."). Every workload runs in a fresh Python process with that checkout first on
``sys.path`` and reports the wall time of ``netsim.run`` (build + event loop + metrics; no
files written). Repetitions are interleaved (old, new, old, new, ...) so that machine noise
hits both alike; the figure is the best of the repetitions, printed as the ratio new / old
(< 1: the new commit is faster). The workloads are benchmarks/run.py's overhead scenario on
the batched engine and on one SimPy process per agent ("process": netsim's reference engine
before issue 15, forced with ``NETSIM_ENGINE=reference`` in a commit that still has it, else
the test oracle tests/oracle/process_engine.py of that checkout), its Erdos-Renyi scale
scenario at N = 300, and the regimes the other engines serve: lossy links (drop), fair
sharing, TCP, and QADMM.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

_BASE = {"seed": 0, "output": {"plots": False},
         "problem": {"kind": "logistic", "samples_per_agent": 50, "features": 100,
                     "regularization": 0.05}}
WORKLOADS = {
    "overhead lt-admm N=100 (batched)": (dict(
        _BASE, name="b1", network={"agents": 100, "topology": "ring"},
        algorithm={"name": "lt-admm", "tau": 5, "batch": 1},
        compute={"gradient_time": "10 us"}, stop={"rounds": 200}), "batched"),
    "overhead lt-admm N=100 (process per agent)": (dict(
        _BASE, name="b2", network={"agents": 100, "topology": "ring"},
        algorithm={"name": "lt-admm", "tau": 5, "batch": 1},
        compute={"gradient_time": "10 us"}, stop={"rounds": 200}), "process"),
    "scale lt-admm-cc ER N=300": (dict(
        _BASE, name="b3",
        network={"agents": 300, "topology": "erdos_renyi", "p": 4 / 299,
                 "links": {"bandwidth": "100 Mbit/s", "latency": "1 ms"}},
        algorithm={"name": "lt-admm-cc", "rho": 0.2,
                   "compressor": {"name": "quantizer", "bits": 4}},
        stop={"rounds": 100}), "auto"),
    "async lt-admm lognormal noise N=100": (dict(
        _BASE, name="b4", network={"agents": 100, "topology": "ring",
                                   "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms"}},
        algorithm={"name": "lt-admm", "tau": 5, "batch": 1},
        compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}},
        stop={"rounds": 100}), "auto"),
    "async lt-admm-cc lognormal noise N=100": (dict(
        _BASE, name="b4c", network={"agents": 100, "topology": "ring",
                                    "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms"}},
        algorithm={"name": "lt-admm-cc", "rho": 0.2,
                   "compressor": {"name": "quantizer", "bits": 4}},
        compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}},
        stop={"rounds": 100}), "auto"),
    "async lead lognormal noise N=100": (dict(
        _BASE, name="b4g", network={"agents": 100, "topology": "ring",
                                    "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms"}},
        algorithm={"name": "lead", "compressor": {"name": "quantizer", "bits": 4}},
        compute={"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}},
        stop={"rounds": 300}), "auto"),
    "lossy drop lt-admm-cc N=100": (dict(
        _BASE, name="b5", network={"agents": 100, "topology": "ring",
                                   "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms",
                                             "loss": 0.05, "on_loss": "drop"}},
        algorithm={"name": "lt-admm-cc", "rho": 0.2,
                   "compressor": {"name": "quantizer", "bits": 4}},
        stop={"rounds": 100}), "auto"),
    "fair ring N=100": (dict(
        _BASE, name="b6", network={"agents": 100, "topology": "ring",
                                   "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms",
                                             "sharing": "fair"}},
        algorithm={"name": "lt-admm", "tau": 5}, stop={"rounds": 60}), "auto"),
    "tcp ring N=100": (dict(
        _BASE, name="b7", network={"agents": 100, "topology": "ring",
                                   "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms",
                                             "sharing": "fair", "model": "tcp"}},
        algorithm={"name": "lt-admm", "tau": 5}, stop={"rounds": 60}), "auto"),
    "tcp + uplink ring N=100": (dict(
        _BASE, name="b9", network={"agents": 100, "topology": "ring",
                                   "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms",
                                             "uplink": "10 Mbit/s",
                                             "sharing": "fair", "model": "tcp"}},
        algorithm={"name": "lt-admm", "tau": 5}, stop={"rounds": 30}), "auto"),
    "fair ring N=1000": (dict(
        _BASE, name="b10", network={"agents": 1000, "topology": "ring",
                                    "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms",
                                              "sharing": "fair"}},
        algorithm={"name": "lt-admm", "tau": 5}, stop={"rounds": 20}), "auto"),
    "qadmm lasso N=64": (dict(
        _BASE, name="b8", network={"agents": 64},
        problem={"kind": "lasso", "samples_per_agent": 40, "features": 50,
                 "regularization": 0.01},
        algorithm={"name": "qadmm", "P": 16, "tau": 3},
        stop={"rounds": 150}), "auto"),
}

_CHILD = r"""
import contextlib, json, os, pathlib, sys, time
sys.path.insert(0, sys.argv[1])
import netsim, netsim.simulate
from netsim.scenario import from_dict
data, engine = json.loads(sys.argv[2]), sys.argv[3]
sc = from_dict(data)
ctx = contextlib.nullcontext()
oracle = pathlib.Path(sys.argv[1], "tests", "oracle", "process_engine.py")
if engine == "process" and oracle.exists():      # issue 15 and later: the test oracle
    sys.path.insert(0, str(oracle.parent.parent))
    from oracle.process_engine import forced
    ctx = forced()
elif engine != "auto":
    os.environ["NETSIM_ENGINE"] = "reference" if engine == "process" else engine
t = time.perf_counter()
with ctx:
    res = netsim.run(sc)
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "rounds": int(res.summary["rounds"]),
                  "netsim": netsim.__file__}))
"""


def _checkout(rev: str, tmp: pathlib.Path) -> pathlib.Path:
    if rev == ".":
        return ROOT
    path = tmp / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path),
                    rev], check=True)
    return path


def _time(path: pathlib.Path, data: dict, engine: str) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), json.dumps(data), engine],
                         check=True, capture_output=True, text=True, cwd=str(path))
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert pathlib.Path(r["netsim"]).resolve().is_relative_to(path.resolve()), r["netsim"]
    return r["s"], r["rounds"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new", nargs="?", default=".")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", help="run the workloads whose name contains this text")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        paths = {}
        try:
            for rev in (args.old, args.new):
                paths[rev] = _checkout(rev, tmp)
            names = [n for n in WORKLOADS if not args.only or args.only in n]
            best = {(n, r): float("inf") for n in names for r in paths}
            rounds = {}
            for rep in range(args.repeats):
                for n in names:
                    data, engine = WORKLOADS[n]
                    for rev, path in paths.items():
                        s, k = _time(path, data, engine)
                        best[(n, rev)] = min(best[(n, rev)], s)
                        rounds[(n, rev)] = k
                print(f"repetition {rep + 1}/{args.repeats} done", file=sys.stderr)
            print(f"{'workload':40s} {'old s':>8s} {'new s':>8s} {'new/old':>8s}  rounds")
            for n in names:
                o, w = best[(n, args.old)], best[(n, args.new)]
                print(f"{n:40s} {o:8.3f} {w:8.3f} {w / o:8.3f}  "
                      f"{rounds[(n, args.old)]}/{rounds[(n, args.new)]}")
        finally:
            for rev, path in paths.items():
                if path != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                    str(path)], check=False)


if __name__ == "__main__":
    main()
