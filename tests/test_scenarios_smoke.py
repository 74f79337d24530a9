"""Every scenario file shipped in scenarios/ validates and runs a few rounds (every variant)."""

import pathlib

import numpy as np
import pytest

import netsim
from netsim.problems.mlp import FASHION_DIR

ROOT = pathlib.Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(ROOT.rglob("*.toml"))


def test_there_are_scenarios():
    assert any(f.name == "quickstart.toml" for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(ROOT)) for f in FILES])
def test_scenario_runs_a_few_rounds(path):
    sc = netsim.load(path, {"stop.rounds": 3, "output.plots": False})
    if sc.data["problem"]["data"] == "fashion_mnist" and not (
            FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("Debian package dataset-fashion-mnist not installed")
    for variant in sc.variants():
        res = netsim.run(variant)
        assert res.summary["rounds"] == 3 or res.summary["end"] == "target"
        assert res.summary["end"] in ("rounds", "target")
        metric = "accuracy" if variant.data["problem"]["kind"] == "mlp" else "rel_err"
        assert np.all(np.isfinite(res.trace[metric]))
        assert res.trace["bits"][-1] > 0
