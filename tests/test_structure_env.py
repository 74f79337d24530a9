"""Environment variables are read at the edges only: components take the values as parameters."""

import pathlib
import re

import pytest

from netsim.errors import ScenarioError
from netsim.scenario import from_dict
from netsim.simulate import build, run

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: the modules allowed to read the environment (netsim.simulate: NETSIM_ENGINE, NETSIM_MEMORY_GB)
EDGES = {"netsim/simulate.py"}


def _small():
    return from_dict({"network": {"agents": 4},
                      "problem": {"kind": "least_squares", "samples_per_agent": 5,
                                  "features": 3},
                      "stop": {"rounds": 2}})


def test_only_the_edge_modules_read_the_environment():
    readers = {p.relative_to(ROOT).as_posix() for p in (ROOT / "netsim").rglob("*.py")
               if re.search(r"os\.environ|getenv\(", p.read_text(encoding="utf-8"))}
    assert readers == EDGES


def test_build_takes_the_memory_budget_as_a_parameter(monkeypatch):
    monkeypatch.setenv("NETSIM_MEMORY_GB", "lots")          # not read by build
    sim = build(_small())
    assert sim.problem.n_agents == 4
    with pytest.raises(ScenarioError, match=r"over the memory budget of 1e-06 GB "
                                            r"\(NETSIM_MEMORY_GB; default 0.5 of"):
        build(_small(), memory=1000.0)


def test_run_reads_the_memory_budget_from_the_environment(monkeypatch):
    monkeypatch.setenv("NETSIM_MEMORY_GB", "lots")
    with pytest.raises(ScenarioError, match="NETSIM_MEMORY_GB must be a number of gigabytes > 0; "
                                            "got 'lots'"):
        run(_small())
    monkeypatch.setenv("NETSIM_MEMORY_GB", "0.000001")      # 1000 bytes
    with pytest.raises(ScenarioError, match="over the memory budget of 1e-06 GB"):
        run(_small())
