"""Sweep workers reuse problem set-up across points (issue 15): one build per distinct
problem, the same files bit for bit as runs that build their own, a new build when the data
file's content changes."""

import numpy as np

import netsim
import netsim.problems
from netsim.scenario import from_dict
from netsim.simulation.reuse import ProblemCache
from netsim.sweeps import iter_points, run_sweep

SWEEP = {
    "name": "reuse",
    "network": {"agents": 4},
    "problem": {"kind": "least_squares", "features": 6, "samples_per_agent": 30},
    "algorithm": {"name": "admm"},
    "stop": {"rounds": 12},
    "output": {"plots": False, "iterates": True},
    "sweep": {"algorithm.alpha": [0.3, 0.5, 0.7], "seeds": [0, 1]},
}
FILES = ("trace.csv", "links.csv", "iterates.npz")


def _counting(monkeypatch):
    calls = []
    real = netsim.problems.make_problem

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(netsim.problems, "make_problem", counted)
    return calls


def test_a_serial_sweep_builds_each_problem_once_and_writes_the_same_files(tmp_path,
                                                                          monkeypatch):
    """6 points over 2 seeds: 2 problem builds instead of 6, and every run folder holds the
    same bytes as a run of that point that builds its own problem."""
    calls = _counting(monkeypatch)
    sc = from_dict(SWEEP)
    root, counts = run_sweep(sc, tmp_path / "sweep", executor="serial", progress=False)
    assert counts["ran"] == 6 and counts["errors"] == 0
    assert len(calls) == 2
    for p in iter_points(sc):
        alone = netsim.run(p.scenario).write(tmp_path / "alone")
        for f in FILES:
            assert (root / p.run_id / f).read_bytes() == (alone / f).read_bytes(), (p, f)
    assert len(calls) == 2 + 6                    # netsim.run alone: no reuse


def test_processes_and_serial_sweeps_write_the_same_run_files(tmp_path):
    """Reusing workers (2 processes, 3 points each) and the serial sweep agree byte for byte
    on every run file, not only on runs.csv."""
    sc = from_dict(SWEEP)
    roots = {ex: run_sweep(sc, tmp_path / ex, executor=ex, workers=2, progress=False)[0]
             for ex in ("serial", "processes")}
    for p in iter_points(sc):
        for f in FILES:
            assert ((roots["serial"] / p.run_id / f).read_bytes()
                    == (roots["processes"] / p.run_id / f).read_bytes()), (p, f)


def test_the_cache_keys_on_the_data_file_content_and_keeps_a_bounded_number(tmp_path):
    """An edited data file is a new problem; the same content again is a hit; at most
    max_entries problems are kept (least recently used out)."""
    r = np.random.default_rng(0)
    path = tmp_path / "d.npz"

    def scenario(seed=0):
        data = {k: v for k, v in SWEEP.items() if k != "sweep"}
        return from_dict({**data, "seed": seed,
                          "problem": {"kind": "least_squares", "data": "d.npz"}},
                         base_dir=tmp_path)
    cache = ProblemCache(max_entries=2)
    np.savez(path, A=r.standard_normal((20, 3)), b=r.standard_normal(20))

    def get(sc):
        return netsim.simulate.build(sc, cache=cache).problem
    first = get(scenario())
    assert get(scenario()) is first and (cache.hits, cache.misses) == (1, 1)
    np.savez(path, A=r.standard_normal((20, 3)), b=r.standard_normal(20))
    edited = get(scenario())
    assert edited is not first and cache.misses == 2
    assert not np.array_equal(edited.agents[0].A, first.agents[0].A)
    get(scenario(seed=1))                          # a third problem: the oldest goes
    assert get(scenario()) is edited and cache.hits == 2
    assert len(cache._kept) == 2
