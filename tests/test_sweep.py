"""Sweeps: expansion, skip-on-rerun, identical results on every executor, crash safety."""

import os
import signal
import subprocess
import sys
import time

import pytest

from netsim.errors import ScenarioError
from netsim.scenario import from_dict
from netsim.sweeps import expand, read_runs, run_sweep

SWEEP = {
    "name": "sw",
    "network": {"agents": 5, "links": {"bandwidth": "10 Mbit/s", "latency": "1 ms"}},
    "problem": {"kind": "least_squares"},
    "algorithm": {"name": "admm"},
    "stop": {"rounds": 30, "target": 1e-8},
    "sweep": {"algorithm.rho": [0.5, 2.0], "seeds": [0, 1]},
    "variant": [{"label": "ring"}, {"label": "complete", "network": {"topology": "complete"}}],
}


def test_expand_is_variants_times_grid_times_seeds():
    points, keys = expand(from_dict(SWEEP))
    assert keys == ["algorithm.rho"] and len(points) == 8
    assert len({p.run_id for p in points}) == 8
    assert {(p.label, p.values["algorithm.rho"], p.values["seed"]) for p in points} == {
        (lab, r, s) for lab in ("ring", "complete") for r in (0.5, 2.0) for s in (0, 1)}
    p = points[0]
    assert p.scenario.data["seed"] == 0 and "sweep" not in p.scenario.data


def test_bad_sweep_point_names_the_point():
    bad = {**SWEEP, "sweep": {"algorithm.rho": [1.0, -1.0]}}
    with pytest.raises(ScenarioError, match="algorithm.rho=-1.0"):
        expand(from_dict(bad))


def test_every_executor_gives_identical_runs_csv(tmp_path):
    """8 runs: serial, local processes and a Dask LocalCluster(2) write byte-identical
    runs.csv files; a re-run skips everything."""
    pytest.importorskip("dask.distributed")
    sc = from_dict(SWEEP)
    texts = {}
    for ex in ("serial", "processes", "dask"):
        root, counts = run_sweep(sc, tmp_path / ex, executor=ex, workers=2, progress=False)
        assert {k: counts[k] for k in ("points", "skipped", "ran", "errors")} == {
            "points": 8, "skipped": 0, "ran": 8, "errors": 0}
        assert counts["ends"] == {"rounds": 4, "target": 4}
        texts[ex] = (root / "runs.csv").read_text()
    assert texts["serial"] == texts["processes"] == texts["dask"]
    rows = read_runs(tmp_path / "serial" / "sw" / "runs.csv")
    assert len(rows) == 8 and all(r["end"] in ("target", "rounds") for r in rows)
    assert {"algorithm.rho", "target_time", "final_rel_err"} <= set(rows[0])
    _, again = run_sweep(sc, tmp_path / "serial", executor="serial", progress=False)
    assert {k: again[k] for k in ("points", "skipped", "ran", "errors")} == {
        "points": 8, "skipped": 8, "ran": 0, "errors": 0}
    assert again["ends"] == {"rounds": 4, "target": 4}      # skipped runs are counted too


def test_sigkill_midway_then_rerun_finishes_the_rest(tmp_path):
    """Kill a sweep with SIGKILL after its first run landed; the re-run completes the rest:
    every run present exactly once, every file complete, no temporary folder left."""
    scen = tmp_path / "slow.toml"
    scen.write_text("""
name = "slow"
[network]
agents = 8
[problem]
kind = "logistic"
samples_per_agent = 200
features = 30
[algorithm]
name = "lt-admm-vr"
[stop]
rounds = 400
[output]
plots = false
[sweep]
"algorithm.tau" = [1, 2, 3, 4, 5, 6]
""")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "netsim", "sweep", str(scen), "--out", str(out),
           "--executor", "serial", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = out / "slow"
    deadline = time.time() + 120
    while time.time() < deadline and not any(root.glob("*/summary.json")):
        time.sleep(0.05)
    time.sleep(0.3)                 # let the next run start writing
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(root.glob("*/summary.json")))
    assert 1 <= done_before < 6
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"({done_before} already done" in res.stdout
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert len(folders) == 6 and not list(root.glob(".tmp-*"))
    rows = read_runs(root / "runs.csv")
    assert sorted(r["run_id"] for r in rows) == [f.name for f in folders]
    for f in folders:
        assert (f / "summary.json").read_text().rstrip().endswith("}")
        lines = (f / "trace.csv").read_text().splitlines()
        assert len(lines) == 402 and all(line.count(",") == lines[0].count(",")
                                         for line in lines)


def test_cli_sweep_and_plot(tmp_path):
    """`netsim sweep` then `netsim plot` (overlay, sensitivity, Pareto) write PNGs."""
    scen = tmp_path / "s.toml"
    from netsim.scenario import dump_toml
    scen.write_text(dump_toml(SWEEP))
    from netsim.cli import main
    out = tmp_path / "o"
    assert main(["sweep", str(scen), "--out", str(out), "--executor", "serial", "-q"]) == 0
    assert main(["plot", str(out / "sw"), "--x", "rounds", "--y", "rel_err"]) == 0
    assert main(["plot", str(out / "sw" / "runs.csv"), "--sensitivity", "algorithm.rho"]) == 0
    assert main(["plot", str(out / "sw"), "--pareto"]) == 0
    pngs = sorted(p.name for p in (out / "sw").glob("*.png"))
    assert pngs == ["pareto.png", "rel_err_vs_rounds.png",
                    "sensitivity_algorithm_rho_target_time.png"]
    assert main(["plot", str(out / "sw"), "--sensitivity", "algorithm.tua"]) == 2


def test_dask_scheduler_address_joins_an_existing_cluster(tmp_path):
    """--scheduler: the sweep runs on a cluster started elsewhere (here a LocalCluster) and
    gives the same runs.csv as the serial executor."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    sc = from_dict({**SWEEP, "sweep": {"algorithm.rho": [0.5], "seeds": [0, 1]}})
    root_s, _ = run_sweep(sc, tmp_path / "serial", executor="serial", progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        root_d, counts = run_sweep(sc, tmp_path / "dask", executor="dask",
                                   scheduler=cluster.scheduler_address, progress=False)
    assert counts["ran"] == 4
    assert (root_s / "runs.csv").read_text() == (root_d / "runs.csv").read_text()
