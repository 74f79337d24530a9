"""On ideal links the simulated iterates equal an independent matrix-form implementation.

Ideal links: infinite bandwidth, zero latency, no loss, no stragglers, full-precision
messages. Then the event-driven, per-agent simulation must compute exactly the synchronous
recursion; we compare every round to 1e-12.
"""

import numpy as np
import pytest

import netsim
from netsim.simulate import build
from matrix_reference import admm_least_squares, lt_admm

BASE = {
    "name": "ref", "seed": 3,
    "network": {"topology": "erdos_renyi", "agents": 6, "p": 0.5},
    "problem": {"kind": "logistic", "samples_per_agent": 30, "features": 5,
                "regularization": 0.05},
    "output": {"iterates": True, "plots": False},
}


def _scenario(overrides):
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for k, v in overrides.items():
        if k == "network":
            data[k] = v            # a topology brings its own parameters
        else:
            data.setdefault(k, {}).update(v)
    return netsim.scenario.from_dict(data)


def _data(sc):
    sim = build(sc)
    return sim, [(a.A, a.b, a.reg) for a in sim.problem.agents]


def test_admm_matches_matrix_form():
    """admm (exact least-squares solves) equals the stacked recursion every round."""
    sc = _scenario({"problem": {"kind": "least_squares"},
                    "algorithm": {"name": "admm", "rho": 0.7, "alpha": 0.4},
                    "stop": {"rounds": 40}})
    sim, data = _data(sc)
    res = netsim.run(sc)
    ref = admm_least_squares(data, sim.graph, sim.x0, 0.7, 0.4, 40)
    assert res.iterates.shape == ref.shape
    np.testing.assert_allclose(res.iterates, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("estimator,batch,kind", [
    ("minibatch", 3, "logistic"), ("saga", 2, "logistic"), ("svrg", 4, "logistic"),
    ("saga", 1, "least_squares")])
def test_lt_admm_matches_matrix_form(estimator, batch, kind):
    """lt-admm / lt-admm-vr equal the stacked recursion with the same mini-batches."""
    name = "lt-admm" if estimator == "minibatch" else "lt-admm-vr"
    alg = {"name": name, "rho": 0.5, "alpha": 0.5, "beta": 0.04, "gamma": 0.05, "tau": 3,
           "batch": batch}
    if name == "lt-admm-vr":
        alg["estimator"] = estimator
    sc = _scenario({"problem": {"kind": kind}, "algorithm": alg, "stop": {"rounds": 30},
                    "network": {"topology": "ring", "agents": 6}})
    sim, data = _data(sc)
    res = netsim.run(sc)
    ref = lt_admm(kind, data, sim.graph, sim.x0, 0.5, 0.5, 0.04, 0.05, 3, batch, estimator,
                  seed=3, rounds=30)
    np.testing.assert_allclose(res.iterates, ref, rtol=0, atol=1e-12)
    assert np.abs(res.iterates[-1] - res.iterates[0]).max() > 1e-3   # it did move
