"""Determinism matrix: same scenario + seed => byte-identical outputs across repeated runs,
executors, worker counts and PYTHONHASHSEED values. The exceptions are summary.json's
``runtime_s`` (wall-clock seconds, by nature not reproducible) and ``provenance`` (the process
that ran the run: command line, BLAS threads; netsim/provenance.py), removed before comparing."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = [("scenarios/lossy_links.toml", ["--set", "stop.rounds=30",
                                         "--set", "network.links.jitter=\"1 ms\""]),
         ("scenarios/paper/qadmm_lasso.toml", ["--set", "stop.rounds=25"]),
         ("scenarios/links/fifo_vs_fair.toml", ["--set", "stop.rounds=40"])]
MATRIX = [("serial", "1", "0"), ("serial", "1", "4242"), ("processes", "2", "17"),
          ("processes", "1", "random")]
DASK_ROW = ("dask", "2", "99")    # Dask is an optional extra: its row is a test of its own


def _outputs(folder: pathlib.Path) -> dict:
    out = {}
    for f in sorted(folder.rglob("*")):
        if f.is_file() and f.suffix in (".csv", ".json", ".toml") and f.name != "runs.csv":
            data = f.read_bytes()
            if f.name == "summary.json":
                s = json.loads(data)
                s.pop("runtime_s")
                s.pop("provenance")
                data = json.dumps(s, sort_keys=True).encode()
            out[str(f.relative_to(folder))] = data
    return out


def _sweep_outputs(scenario, sets, tmp_path, rows) -> list[dict]:
    results = []
    for executor, workers, hashseed in rows:
        out = tmp_path / f"{executor}-{workers}-{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        cmd = [sys.executable, "-m", "netsim", "sweep", str(ROOT / scenario), "--out", str(out),
               "--executor", executor, "--workers", workers, "--quiet", *sets]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        results.append(_outputs(out))
    return results


@pytest.mark.parametrize("scenario,sets", CASES, ids=[c[0].split("/")[-1] for c in CASES])
def test_outputs_identical_across_executors_workers_and_hash_seeds(scenario, sets, tmp_path):
    results = _sweep_outputs(scenario, sets, tmp_path, MATRIX)
    first = results[0]
    assert first and any(k.endswith("trace.csv") for k in first)
    for other in results[1:]:
        assert other.keys() == first.keys()
        assert [k for k in first if first[k] != other[k]] == []


def test_dask_executor_outputs_identical_to_serial(tmp_path):
    """The Dask row of the matrix (first case): skipped without the ``dask`` extra."""
    pytest.importorskip("dask.distributed", reason="the dask extra is not installed")
    serial, dask = _sweep_outputs(*CASES[0], tmp_path, [MATRIX[0], DASK_ROW])
    assert serial and serial.keys() == dask.keys()
    assert [k for k in serial if serial[k] != dask[k]] == []
