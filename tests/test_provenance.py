"""summary.json's ``provenance``: the versions, BLAS kernel, platform, command line and time
resolution of the process that ran the run, under one key that determinism comparisons leave
out (docs/faults.md "Determinism")."""

import json
import pathlib
import platform
import sys
from importlib import metadata

import netsim
from netsim.cli import main
from netsim.provenance import BLAS_FIELDS, PACKAGES, TIME_RESOLUTION

ROOT = pathlib.Path(__file__).resolve().parent.parent
SETS = ["--set", "stop.rounds=3", "--quiet"]


def _run(tmp_path, monkeypatch, name, argv):
    """`netsim run` in this process with ``sys.argv`` as a user's shell would set it."""
    out = tmp_path / name
    args = ["run", str(ROOT / "scenarios/quickstart.toml"), "--out", str(out), *argv, *SETS]
    monkeypatch.setattr(sys, "argv", ["netsim", *args])
    assert main(args) == 0
    (folder,) = out.glob("*/*/")
    return folder, args


def test_summary_json_has_provenance_with_every_field(tmp_path, monkeypatch):
    folder, args = _run(tmp_path, monkeypatch, "a", [])
    p = json.loads((folder / "summary.json").read_text())["provenance"]
    assert p["netsim"] == netsim.__version__
    assert p["python"] == platform.python_version()
    assert {k: p[k] for k in PACKAGES} == {k: metadata.version(k) for k in PACKAGES}
    assert (p["platform"], p["machine"], p["processor"]) == (
        platform.platform(), platform.machine(), platform.processor())
    assert p["command"] == ["netsim", *args]
    assert p["time_resolution_s"] == TIME_RESOLUTION == 1e-12
    # numpy's and scipy's BLAS, each with its kernel (an OpenBLAS build names one)
    assert p["blas"] and all(set(b) == {"file", *BLAS_FIELDS} for b in p["blas"])
    assert all(b["architecture"] for b in p["blas"] if b["internal_api"] == "openblas")
    assert set(p) == {"netsim", "python", *PACKAGES, "blas", "platform", "machine",
                      "processor", "command", "time_resolution_s"}


def test_two_runs_differ_only_in_provenance_and_runtime(tmp_path, monkeypatch):
    """Two commands for the same run (other folder, an option spelled another way): every file is
    byte-identical but summary.json, which differs only in ``provenance.command`` and ``runtime_s``.
    The in-memory Result.summary has no provenance: it is added when the files are written."""
    a, _ = _run(tmp_path, monkeypatch, "a", ["--set", "seed=7"])
    b, _ = _run(tmp_path, monkeypatch, "b", ["--set=seed=7"])
    assert a.name == b.name
    files = sorted(f.name for f in a.iterdir())
    assert files == sorted(f.name for f in b.iterdir()) and "trace.csv" in files
    differ = [f for f in files if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differ == ["summary.json"]
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    pa, pb = sa.pop("provenance"), sb.pop("provenance")
    assert pa["command"] != pb["command"]
    assert {k: v for k, v in pa.items() if k != "command"} == \
        {k: v for k, v in pb.items() if k != "command"}
    sa.pop("runtime_s"), sb.pop("runtime_s")
    assert sa == sb
    res = netsim.run(netsim.load(ROOT / "scenarios/quickstart.toml", {"stop.rounds": 3}))
    assert "provenance" not in res.summary

