"""netsim's speed against its floors. Every figure is a ratio to a baseline measured in the
same process run (the machines are shared and noisy; absolute seconds are printed for context
only).

    python benchmarks/run.py                 # overhead, per message, scale N=100/1000, sweeps
    python benchmarks/run.py --full          # + scale N=10000 (minutes)
    python benchmarks/run.py --only overhead

1. Overhead: netsim lt-admm on ideal links (N=100, d=100, ring, tau=5, batch 1, 200 rounds),
   event loop only, vs (a) a numpy matrix-form implementation of the same rounds (all agents
   at once) plus (b) raw SimPy moving the same messages through ``simpy.Store``s with the same
   compute timeouts; each the best of --repeats runs; the batched engine and, as "before",
   one SimPy process per agent (the design before issue 7; since issue 15 the test-only
   oracle tests/oracle/process_engine.py, imported from there). Target: ratio <= 1.5.
2. Per message: netsim's wall time per delivered message vs raw SimPy's (same run as 1).
3. Scale: Erdos-Renyi with average degree 4 (patched to be connected), d = 100,
   lt-admm-cc 4-bit (rho = 0.2), 100 rounds, N in {100, 1000} (+10000 with --full), each a
   whole run (build, loop, results) in its own process, with both runners up to N = 1000:
   seconds per round, messages per second, peak RSS. Targets: N=1000 <= 20 s and <= 2 GB;
   N=10000 <= 10 min.
4. Sweep throughput: the same 8 runs serial vs local processes (2) vs Dask LocalCluster(2)
   (fresh, start-up included; and already running), for short (~0.4 s) and longer (a few
   seconds) runs, best of --sweep-repeats interleaved repetitions. Target: >= 1.8x on 2
   workers.
5. Regimes (issue 15; ``--only regimes``, ``--regime TEXT`` to pick some): the event loop of
   each regime (build untimed) as a ratio to its floor (benchmarks/floors.py: asynchronous
   LT-ADMM with lognormal compute noise at N = 100 / 1000, QADMM at N = 64 / 1000) or to the
   FIFO / loss-free run of the same size (fair and TCP rings, TCP + uplink, lossy LT-ADMM-CC
   with 5 % drop or retransmit), best of --repeats interleaved repetitions (one repetition
   times every regime and floor once, so a slow spell of the shared machine hits all
   alike). Targets: async <= 2, fair / TCP <= 2, TCP + uplink <= 5, lossy <= 1.5, QADMM <= 1.3.
6. QADMM memory (``--only qadmm-memory``, and with --full): peak RSS of a whole QADMM run at
   N = 10000, d = 100 (lasso, 40 samples per worker) in a fresh process. Target <= 1.2 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import netsim  # noqa: E402
from netsim.scenario import from_dict  # noqa: E402

ROUNDS = 200
OVERHEAD = {
    "name": "bench_overhead", "seed": 0,
    "network": {"agents": 100, "topology": "ring"},
    "problem": {"kind": "logistic", "samples_per_agent": 50, "features": 100,
                "regularization": 0.05},
    "algorithm": {"name": "lt-admm", "tau": 5, "batch": 1},
    "compute": {"gradient_time": "10 us"},
    "stop": {"rounds": ROUNDS}, "output": {"plots": False},
}


class CountingEnv:
    """Wraps a SimPy environment's ``schedule`` to count scheduled events."""

    def __init__(self, env):
        self.count = 0
        orig = env.schedule

        def schedule(event, priority=1, delay=0):
            self.count += 1
            return orig(event, priority, delay)
        env.schedule = schedule


def _process_oracle():
    """tests/oracle/process_engine.py (the process-per-agent runner, a test oracle since issue
    15), imported by path: the "before" rows.
    """
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import oracle.process_engine

    return oracle.process_engine


def _netsim_loop(data, runner=None):
    """Build (untimed), then time the event loop only. ``runner``: build's runner class (None:
    the batched engine). Returns (seconds, messages, events, simulation).
    """
    from netsim.simulation.loop import single_threaded_blas

    sc = from_dict(data)
    blas = single_threaded_blas()           # as netsim.run does
    try:
        sim = netsim.simulate.build(sc, **({} if runner is None else {"runner": runner}))
        counter = CountingEnv(sim.env)
        t = time.perf_counter()
        sim.runner.start()
        sim.env.run(until=sim.stop_event)
        wall = time.perf_counter() - t
    finally:
        blas.restore_original_limits()
    return wall, sim.network.total_messages, counter.count, sim


def _numpy_floor(sim, rounds, metrics=False):
    """LT-ADMM rounds for all agents at once: stacked data (N, m, d), vectorized gradients.
    ``metrics``: also what netsim's trace records every round (errors to x*, consensus, the
    objective and the accuracy of the mean model over all data), as plain numpy.
    """
    from scipy.special import expit

    prob = sim.problem
    A = np.stack([a.A for a in prob.agents])            # (N, m, d)
    b = np.stack([a.b for a in prob.agents])
    reg = prob.agents[0].reg
    n, m, d = A.shape
    nb = [sorted(sim.graph.neighbors(i)) for i in range(n)]
    src = np.array([i for i in range(n) for _ in nb[i]])
    dst = np.array([j for i in range(n) for j in nb[i]])
    deg = np.array([len(x) for x in nb], dtype=float)
    rho, alpha, beta, gamma, tau = 1.0, 0.5, 0.05, 0.05, 5
    X = np.zeros((n, d))
    Z = np.zeros((len(src), d))
    rng = np.random.default_rng(0)
    rows = np.arange(n)
    xs = prob.x_star
    A2 = A.reshape(n * m, d)
    pos = {(i, j): k for k, (i, j) in enumerate(zip(src, dst))}
    rev = np.array([pos[(j, i)] for i, j in zip(src, dst)])
    t = time.perf_counter()
    for _ in range(rounds):
        SZ = np.zeros((n, d))
        np.add.at(SZ, src, Z)
        C = beta * (rho * deg[:, None] * X - SZ)
        Phi = X.copy()
        for _t in range(tau):
            idx = rng.integers(0, m, size=n)
            a = A[rows, idx]                               # (N, d)
            y = b[rows, idx]
            g = -(y * expit(-y * np.einsum("nd,nd->n", a, Phi)))[:, None] * a + reg * Phi
            Phi = Phi - gamma * g - C
        X = Phi
        M = Z - 2 * rho * X[src]
        Z = (1 - alpha) * Z - alpha * M[rev]
        if metrics:
            D = X - xs
            sq = np.einsum("ij,ij->i", D, D)
            xbar = X.mean(axis=0)
            C = X - xbar
            zz = (A2 @ xbar).reshape(n, m)
            _ = (sq.max(), sq.mean(), sq.sum(), np.linalg.norm(xbar - xs),
                 np.einsum("ij,ij->i", C, C).mean(),
                 np.logaddexp(0.0, -b * zz).mean(axis=1).sum() + 0.5 * reg * n * (xbar @ xbar),
                 np.mean((zz > 0) == (b > 0)))
    return time.perf_counter() - t


def _simpy_floor(sim, rounds):
    """Raw SimPy: one process per agent; each round a compute timeout (the same work as
    netsim: tau gradients), one message into every neighbour's Store, deg gets.
    """
    import simpy

    n = sim.problem.n_agents
    nb = [sorted(sim.graph.neighbors(i)) for i in range(n)]
    env = simpy.Environment()
    boxes = [[simpy.Store(env) for _ in range(n)] for _ in range(1)][0]
    step = 5 * 10e-6
    payload = np.zeros(100)
    delivered = [0]

    def agent(i):
        for _ in range(rounds):
            yield env.timeout(step)
            for j in nb[i]:
                boxes[j].put((i, payload))
            for _ in nb[i]:
                yield boxes[i].get()
                delivered[0] += 1

    for i in range(n):
        env.process(agent(i))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t, delivered[0]


def bench_overhead(repeats=3):
    """The engine, the process-per-agent oracle and both floors, each the best of ``repeats``
    runs, interleaved.
    """
    process = _process_oracle().ProcessRunner
    # one repetition = every measurement once, so that a slow spell of the machine hits all
    # of them alike; each figure is the best over the repetitions
    best = {}
    for _ in range(repeats):
        for key, fn in (("ref", lambda: _netsim_loop(OVERHEAD, process)),
                        ("bat", lambda: _netsim_loop(OVERHEAD)),
                        ("np", lambda: (_numpy_floor(best["bat"][1][3], ROUNDS),)),
                        ("npm", lambda: (_numpy_floor(best["bat"][1][3], ROUNDS, metrics=True),)),
                        ("sp", lambda: _simpy_floor(best["bat"][1][3], ROUNDS))):
            out = fn()
            if key not in best or out[0] < best[key][0]:
                best[key] = (out[0], out)
    ref, (_, msgs, ev_ref, _) = best["ref"]
    wall, (_, msgs, events, sim) = best["bat"]
    t_np, t_npm = best["np"][0], best["npm"][0]
    t_sp, (_, msgs_sp) = best["sp"]
    floor, floor_m = t_np + t_sp, t_npm + t_sp
    rows = []
    for label, t, ev in (("before: process per agent (oracle)", ref, ev_ref),
                         ("batched engine", wall, events)):
        rows += [
            (f"1 overhead, {label}",
             "netsim lt-admm N=100 d=100 200 rounds / (numpy rounds + per-round trace metrics "
             "+ raw SimPy)", t / floor_m, 1.5,
             f"netsim {t:.2f} s; numpy {t_npm:.2f} s (without the metrics {t_np:.2f} s: "
             f"ratio {t / floor:.2f}) + SimPy {t_sp:.2f} s"),
            (f"2 per message, {label}", "netsim s/message / raw SimPy s/message",
             (t / msgs) / (t_sp / msgs_sp), None,
             f"netsim {1e6 * t / msgs:.1f} us/msg ({msgs} msgs, {ev} events); "
             f"SimPy {1e6 * t_sp / msgs_sp:.1f} us/msg"),
        ]
    return rows


def scale_scenario(n, rounds=100):
    """ER average degree 4 (patched connected), d = 100, lt-admm-cc 4-bit. rho = 0.2: with
    the default rho = 1 the hubs of these graphs (degree 12-16) make the local phase diverge
    (tau beta rho d_max >= 2, see netsim.guards), which ended the first benchmark runs at
    round ~70.
    """
    return {"name": f"bench_scale_{n}", "seed": 0,
            "network": {"agents": n, "topology": "erdos_renyi", "p": 4.0 / (n - 1),
                        "patch": True, "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms"}},
            "problem": {"kind": "logistic", "samples_per_agent": 20, "features": 100,
                        "regularization": 0.05},
            "algorithm": {"name": "lt-admm-cc", "rho": 0.2,
                          "compressor": {"name": "quantizer", "bits": 4}},
            "stop": {"rounds": rounds}, "output": {"plots": False}}


def _scale_child(n, rounds, engine):
    """One whole run (build + loop + results, as ``netsim run`` does) in this process;
    ``engine``: "batched" or "process" (the test oracle, under its ``forced()``).
    """
    import contextlib
    import resource
    ctx = _process_oracle().forced() if engine == "process" else contextlib.nullcontext()
    t0 = time.perf_counter()
    with ctx:
        res = netsim.run(from_dict(scale_scenario(n, rounds)))
    total = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"n": n, "total": total, "rounds": res.summary["rounds"],
                      "end": res.summary["end"], "msgs": res.summary["network"]["transmissions"],
                      "rss": rss, "edges": res.summary["edges"]}))


def bench_scale(full, before=True):
    """Whole runs, each in a fresh process (peak memory per run). ``before``: N=100 and 1000
    also with the process-per-agent test oracle.
    """
    rows = []
    sizes = [100, 1000] + ([10000] if full else [])
    base = {}
    jobs = [(n, "batched") for n in sizes]
    if before:
        jobs = [(n, e) for n in sizes for e in (("process", "batched") if n <= 1000
                                                 else ("batched",))]
    for n, engine in jobs:
        out = subprocess.run([sys.executable, __file__, "--scale-child", str(n), engine],
                             capture_output=True, text=True, timeout=3600)
        which = "before: process per agent (oracle)" if engine == "process" else "batched engine"
        name = f"3 scale N={n}, {which}"
        if out.returncode != 0:
            rows.append((name, "failed", float("nan"), None, out.stderr[-300:]))
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        per_round = r["total"] / r["rounds"]
        base.setdefault(engine, per_round)
        target = {1000: 20.0, 10000: 600.0}.get(n)
        rows.append((name, "s/round relative to N=100, same engine (x N/100 = linear)",
                     per_round / base[engine], None,
                     f"run {r['total']:.1f} s"
                     f"{'' if target is None else f' (target <= {target:.0f} s)'}, "
                     f"{r['rounds']} rounds ({r['end']}), {r['msgs'] / r['total']:.3g} messages/s, "
                     f"peak RSS {r['rss'] / 2**20:.0f} MB, {r['edges']} edges"))
    return rows


def _sweep_scenario(agents, rounds):
    return from_dict({"name": "bench_sweep", "seed": 0,
                      "network": {"agents": agents, "topology": "ring"},
                      "problem": {"kind": "logistic", "regularization": 0.05},
                      "algorithm": {"name": "lt-admm-vr"}, "stop": {"rounds": rounds},
                      "output": {"plots": False},
                      "sweep": {"algorithm.tau": [2, 5], "seeds": [0, 1, 2, 3]}})


def bench_sweeps(repeats=2):
    """8 runs (tau in {2, 5} x 4 seeds) serial vs processes(2) vs Dask LocalCluster(2): the
    short runs of the first benchmark (10 agents, 400 rounds: ~0.4 s each with the batched
    engine) and longer ones (20 agents, 2000 rounds: a few seconds each, closer to a real
    study). Dask: a fresh cluster (start-up timed), and a running cluster, warm (workers
    have imported netsim in an earlier sweep, as on a shared cluster).
    """
    from netsim.sweeps import local_cluster, run_sweep
    from netsim.sweeps.worker import preload as _preload

    _preload()                     # imports paid before any executor is timed (fair to all)
    rows = []
    for label, agents, rounds in (("short runs", 10, 400), ("long runs", 20, 2000)):
        sc = _sweep_scenario(agents, rounds)
        times = {}

        def timed(key, **kw):
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                run_sweep(sc, d, progress=False, **kw)
                times[key] = min(times.get(key, math.inf), time.perf_counter() - t)

        for _ in range(repeats):       # interleaved repetitions, best of each (as for 1.)
            for ex in ("serial", "processes", "dask"):
                timed(ex, executor=ex, workers=2)
            cluster = local_cluster(2)       # as netsim sweep makes it (profiler off)
            try:
                with tempfile.TemporaryDirectory() as d:          # warm the workers up
                    run_sweep(_sweep_scenario(agents, 2), d, executor="dask",
                              scheduler=cluster.scheduler_address, progress=False)
                timed("dask, cluster up", executor="dask", scheduler=cluster.scheduler_address)
            finally:
                cluster.close()
        for ex in ("processes", "dask", "dask, cluster up"):
            rows.append((f"4 sweep {label}: {ex}",
                         "8 runs: serial time / this executor's time (2 workers)",
                         times["serial"] / times[ex], 1.8,
                         f"{times[ex]:.1f} s vs serial {times['serial']:.1f} s"))
    return rows


# ---------------------------------------------------------------------------- regimes (issue 15)
_LINK = {"bandwidth": "10 Mbit/s", "latency": "1 ms"}
_LOGISTIC = {"kind": "logistic", "samples_per_agent": 50, "features": 100,
             "regularization": 0.05}


def _ring(n, rounds, label, links=None, **alg):
    return {"name": label, "seed": 0, "network": {"agents": n, "topology": "ring",
                                                 "links": dict(_LINK, **(links or {}))},
            "problem": dict(_LOGISTIC), "algorithm": alg or {"name": "lt-admm", "tau": 5},
            "stop": {"rounds": rounds}, "output": {"plots": False}}


def async_scenario(n, rounds):
    """Asynchronous peers: LT-ADMM on a ring, lognormal compute noise (mean 1, sigma 0.3)."""
    data = _ring(n, rounds, f"bench_async_{n}", name="lt-admm", tau=5, batch=1)
    data["compute"] = {"noise": {"dist": "lognormal", "mean": 1.0, "sigma": 0.3}}
    return data


def qadmm_scenario(n, rounds, samples=40):
    """QADMM on a lasso (d = 100), P = 16, tau = 3, 3-bit dither both ways."""
    return {"name": f"bench_qadmm_{n}", "seed": 0, "network": {"agents": n},
            "problem": {"kind": "lasso", "samples_per_agent": samples, "features": 100,
                        "regularization": 0.01},
            "algorithm": {"name": "qadmm", "P": 16, "tau": 3},
            "stop": {"rounds": rounds}, "output": {"plots": False}}


def _async_floor(sim, rounds):
    import floors
    prob = sim.problem
    n = prob.n_agents
    bits = prob.dim * 64
    return floors.async_peers(
        np.stack([a.A for a in prob.agents]), np.stack([a.b for a in prob.agents]),
        prob.agents[0].reg, prob.x_star, [sorted(sim.graph.neighbors(i)) for i in range(n)],
        np.asarray(sim.x0, dtype=float), rounds, rho=1.0, alpha=0.5, beta=0.05, gamma=0.05,
        tau=5, gradient_time=10e-6, sigma=0.3, delay=1e-3 + bits / 10e6)


def _qadmm_floor(sim, rounds):
    import floors
    w = sim.agents
    srv = sim.runner.server
    return floors.qadmm([x.problem.A for x in w], [x.problem.b for x in w], w[0].problem.reg,
                        srv.l1, np.asarray(sim.x0, dtype=float), rounds, rho=srv.rho,
                        P=sim.runner.P, tau=sim.runner.tau, bits=srv.comp.params["bits"],
                        gradient_time=10e-6, delay=0.0)


def regimes(sizes=(100, 1000)):
    """Name -> (scenario, baseline name or floor function, target, rounds): each regime is
    timed against a FIFO (loss-free) run or its floor, in the same repetition.
    """
    big = max(sizes)
    out = {}
    for n in sizes:
        r = 100 if n <= 100 else 20
        out[f"async lt-admm N={n}"] = (async_scenario(n, r), _async_floor, 2.0, r)
    fifo = {n: f"fifo ring N={n}" for n in (100, big)}
    for n in fifo:
        out[fifo[n]] = (_ring(n, 20, f"bench_fifo_{n}"), None, None, 20)
    out[f"fair ring N={big}"] = (_ring(big, 20, "bench_fair", {"sharing": "fair"}),
                                 fifo[big], 2.0, 20)
    out[f"tcp ring N={big}"] = (_ring(big, 20, "bench_tcp", {"sharing": "fair", "model": "tcp"}),
                                fifo[big], 2.0, 20)
    for n in (100, big):
        out[f"tcp + uplink ring N={n}"] = (
            _ring(n, 20, f"bench_tcpup_{n}", {"sharing": "fair", "model": "tcp",
                                              "uplink": "10 Mbit/s"}), fifo[n], 5.0, 20)
    cc = {"name": "lt-admm-cc", "rho": 0.2, "compressor": {"name": "quantizer", "bits": 4}}
    out[f"loss-free lt-admm-cc N={big}"] = (_ring(big, 20, "bench_lossfree", **cc), None, None,
                                            20)
    for how in ("drop", "retransmit"):
        out[f"lossy 5 % {how} lt-admm-cc N={big}"] = (
            _ring(big, 20, f"bench_lossy_{how}", {"loss": 0.05, "on_loss": how}, **cc),
            f"loss-free lt-admm-cc N={big}", 1.5, 20)
    for n in (64, big):
        out[f"qadmm lasso N={n}"] = (qadmm_scenario(n, 150 if n <= 64 else 30), _qadmm_floor,
                                     1.3, 150 if n <= 64 else 30)
    return out


def bench_regimes(repeats=5, sizes=(100, 1000), only=None):
    """Every regime of issue 15 as a ratio to its floor or to FIFO / loss-free, the event
    loop of each run timed (build untimed), best of ``repeats`` interleaved repetitions
    (one repetition times every regime and every floor once).
    """
    reg = regimes(sizes)
    names = [k for k in reg if only is None or only in k or
             any(only in k2 and reg[k2][1] == k for k2 in reg)]
    best = {}
    for _ in range(repeats):
        for name in names:
            data, base, _tgt, rounds = reg[name]
            wall, msgs, _ev, sim = _netsim_loop(data)
            if wall < best.get(name, (math.inf,))[0]:
                best[name] = (wall, msgs)
            if callable(base):
                from netsim.simulation.loop import single_threaded_blas
                blas = single_threaded_blas()       # as netsim's loop runs
                try:
                    t, fm = base(sim, rounds)
                finally:
                    blas.restore_original_limits()
                if t < best.get(name + " floor", (math.inf,))[0]:
                    best[name + " floor"] = (t, fm)
            del sim
    rows = []
    for name in names:
        data, base, target, _r = reg[name]
        if base is None:
            continue
        wall, msgs = best[name]
        ref = name + " floor" if callable(base) else base
        if ref not in best:
            continue
        t, bm = best[ref]
        what = "its floor (benchmarks/floors.py)" if callable(base) else base
        rows.append((f"5 {name}", f"event loop / {what}", wall / t, target,
                     f"netsim {wall:.2f} s ({msgs} msgs) vs {t:.2f} s ({bm} msgs)"))
    return rows


def _qadmm_memory_child(n, rounds):
    import resource
    t0 = time.perf_counter()
    res = netsim.run(from_dict(qadmm_scenario(n, rounds)))
    print(json.dumps({"total": time.perf_counter() - t0, "rounds": res.summary["rounds"],
                      "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def bench_qadmm_memory(n=10000, rounds=5):
    """Peak RSS of a whole QADMM run at N = 10000, d = 100 in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--qadmm-memory-child", str(n), str(rounds)],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        return [(f"6 qadmm memory N={n}", "failed", float("nan"), None, out.stderr[-300:])]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return [(f"6 qadmm memory N={n}", "peak RSS, GB (whole run, fresh process)",
             r["rss"] / 1e9, 1.2, f"{r['rounds']} rounds in {r['total']:.1f} s")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also N = 10000")
    ap.add_argument("--only", choices=["overhead", "scale", "sweeps", "regimes",
                                       "qadmm-memory"], default=None)
    ap.add_argument("--regime", default=None,
                    help="with --only regimes: the regimes whose name contains this text "
                         "(and their baselines)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs per overhead figure; the best counts (default 3)")
    ap.add_argument("--sweep-repeats", type=int, default=2,
                    help="repetitions of the sweep benchmark; the best counts (default 2)")
    ap.add_argument("--no-before", action="store_true",
                    help="skip the process-per-agent (test oracle) rows of the scale "
                         "benchmark")
    ap.add_argument("--scale-child", nargs=2, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--qadmm-memory-child", nargs=2, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.scale_child:
        _scale_child(int(a.scale_child[0]), 100, a.scale_child[1])
        return
    if a.qadmm_memory_child:
        _qadmm_memory_child(int(a.qadmm_memory_child[0]), int(a.qadmm_memory_child[1]))
        return
    rows = []
    if a.only in (None, "overhead"):
        rows += bench_overhead(a.repeats)
    if a.only in (None, "scale"):
        rows += bench_scale(a.full, before=not a.no_before)
    if a.only in (None, "sweeps"):
        rows += bench_sweeps(a.sweep_repeats)
    if a.only in (None, "regimes"):
        rows += bench_regimes(a.repeats, only=a.regime)
    if a.only == "qadmm-memory" or (a.only is None and a.full):
        rows += bench_qadmm_memory()
    print(f"\nnetsim {netsim.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs\n")
    print("| benchmark | ratio | target | what | context |\n|---|---|---|---|---|")
    for name, what, ratio, target, ctx in rows:
        tgt = "" if target is None else (f">= {target}" if name.startswith("4") else f"<= {target}")
        print(f"| {name} | {ratio:.2f} | {tgt} | {what} | {ctx} |")


if __name__ == "__main__":
    main()
