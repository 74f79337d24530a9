"""Packaging: one version, the declared licence on disk, floors pinned by the oldest-versions
constraints file, Dask optional (issue 18)."""

import importlib.metadata
import pathlib
import re
import sys

import tomllib
from packaging.version import Version  # a dependency of pytest

import netsim
from netsim.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name_floor(requirement: str) -> tuple[str, str | None]:
    """``"numpy>=2.0  # why"`` -> ``("numpy", "2.0")``; a requirement without ``>=`` has None."""
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(?:>=\s*([^,;\s]+))?", requirement)
    return m.group(1).lower().replace("_", "-"), m.group(3)


def test_version_is_the_installed_distributions():
    assert netsim.__version__ == importlib.metadata.version("netsim") == PYPROJECT["version"]


def test_license_file_is_the_declared_mit():
    assert PYPROJECT["license"] == "MIT" and PYPROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_oldest_constraints_pin_every_declared_floor():
    """constraints/oldest.txt pins each dependency (and extra) at exactly its floor."""
    pins = {}
    for line in (ROOT / "constraints" / "oldest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    declared = list(PYPROJECT["dependencies"])
    for extra, reqs in PYPROJECT["optional-dependencies"].items():
        declared += [r for r in reqs if not r.startswith("netsim[") and extra != "dev"]
    floors = {}
    for req in declared:
        if "python_version < '3.11'" in req and sys.version_info >= (3, 11):
            continue                          # tomli: not installed on this Python
        name, floor = _name_floor(req)
        floors[name] = floor
    assert None not in floors.values(), floors
    assert {k: Version(pins.get(k, "0")) for k in floors} == {k: Version(v)
                                                               for k, v in floors.items()}
    assert Version(floors["numpy"]) >= Version("2.0")                        # np.vecdot


def test_test_extra_has_no_dask_and_dask_is_its_own_extra():
    extras = PYPROJECT["optional-dependencies"]
    assert not [r for r in extras["test"] if _name_floor(r)[0] in ("dask", "distributed")]
    assert [_name_floor(r)[0] for r in extras["dask"]] == ["dask"]
    assert "threadpoolctl" in [_name_floor(r)[0] for r in PYPROJECT["dependencies"]]


def test_dask_executor_without_dask_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    for mod in ("dask", "dask.distributed", "distributed"):
        monkeypatch.setitem(sys.modules, mod, None)      # import -> ImportError
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "d"\n[network]\nagents = 2\n[stop]\nrounds = 2\n')
    code = main(["sweep", str(scenario), "--out", str(tmp_path / "out"), "--executor", "dask",
                 "--quiet"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("netsim: error")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "--executor" in lines[0] and "pip install -e '.[dask]'" in lines[0]
