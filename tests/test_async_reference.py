"""Issue 19: netsim's asynchronous rounds against the independent event-driven reference of
tests/async_reference.py (written from the papers; docs/async.md "Reference"), replaying the
activation order and the used messages that netsim recorded in updates.csv."""

import pathlib

import numpy as np
import pytest
from async_reference import Reference, read_updates

import netsim
from netsim.simulate import build

CASE = pathlib.Path(__file__).parent / "data" / "async" / "ring8.toml"


@pytest.mark.parametrize("over", [
    {"algorithm.wait": {"neighbours": 1, "delay_bound": 2}},
    {"algorithm.wait": {"neighbours": 1, "delay_bound": "inf"}},
    {"algorithm.wait": {"neighbours": 1, "delay_bound": 2, "ahead": "use"}},
    {"algorithm.wait": {"neighbours": 2, "delay_bound": 3}, "network.links.loss": 0.2,
     "network.links.on_loss": "drop"},
    {"algorithm.wait": {"neighbours": 1, "delay_bound": 3}, "algorithm.name": "lt-admm",
     "algorithm.batch": "all", "algorithm.tau": 3, "algorithm.gamma": 0.1,
     "algorithm.beta": 0.1},
])
def test_iterates_equal_the_reference(over, tmp_path):
    over = {**over, "output.iterates": True, "output.plots": False, "stop.rounds": 40}
    sc = netsim.load(CASE, over)
    res = netsim.run(sc)
    rows = read_updates(res.write(tmp_path / "out") / "updates.csv")
    sim = build(sc)
    data = [(a.A, a.b) for a in sim.problem.agents]
    nb = [sorted(sim.graph.neighbors(i)) for i in range(len(data))]
    alg = sc.data["algorithm"]
    ref = Reference(data, sim.problem.agents[0].reg, nb, "admm" if alg["name"] == "admm"
                    else "lt-admm", alg["rho"], alg["alpha"], alg.get("tau", 0),
                    alg.get("gamma", 0.0), alg.get("beta", 0.0))
    xs = ref.replay(rows, sc.data["stop"]["rounds"])
    assert any(r["staleness"] > 0 for r in rows)               # really asynchronous
    scale = max(1.0, float(np.abs(res.iterates).max()))
    worst = 0.0
    for rec, k in enumerate(res.trace["round"]):
        if k == 0:
            continue
        for i in range(len(data)):
            worst = max(worst, float(np.abs(res.iterates[rec, i] - xs[(i, int(k))]).max()))
    assert worst <= 1e-12 * scale
    assert len(res.trace["round"]) == 41
