"""On ideal links the simulated iterates equal an independent matrix-form implementation.

Ideal links: infinite bandwidth, zero latency, no loss, no stragglers, full-precision
messages. Then the event-driven, per-agent simulation must compute exactly the synchronous
recursion; we compare every round to 1e-12.
"""

import numpy as np
import pytest
from matrix_reference import admm_least_squares, lt_admm

import netsim
from netsim.simulate import build

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


_Q4 = {"name": "quantizer", "bits": 4}


@pytest.mark.parametrize("alg", [
    {"name": "lead", "eta": 0.3, "gamma": 1.0, "alpha": 0.5},
    {"name": "cedas", "eta": 0.3, "gamma": 0.8, "alpha": 0.5},
    {"name": "choco-sgd", "eta": 0.2, "gamma": 0.5},
    {"name": "cold", "a": 0.2, "b": 0.1, "c": 0.5},
    {"name": "dpdc", "eta": 0.2, "a": 1.0, "b": 0.5, "psi": 0.5},
    {"name": "dgd", "eta": 0.2}])
def test_gossip_methods_match_matrix_form(alg):
    """Each gossip baseline (4-bit quantized messages, full gradients) equals its matrix
    recursion every round, to 1e-12."""
    from matrix_reference import gossip

    from netsim.compression.registry import make_compressor

    sc = _scenario({"algorithm": {**alg, "batch": "all", "compressor": _Q4},
                    "stop": {"rounds": 30}})
    sim, data = _data(sc)
    comp = make_compressor(dict(_Q4), sim.problem.dim)
    if alg["name"] == "cold":                          # the contractive form C / (1 + omega)
        from netsim.compression import scaled
        comp = scaled(comp, 1.0 / (1.0 + comp.omega(sim.problem.dim)))
    p = {k: v for k, v in alg.items() if k not in ("name", "alpha", "psi")}
    p["step"] = alg.get("alpha", alg.get("psi", 1.0))
    res = netsim.run(sc)
    ref = gossip(alg["name"], "logistic", data, sim.graph, sim.x0, comp, 3, 30, **p)
    np.testing.assert_allclose(res.iterates, ref, rtol=0, atol=1e-12)
    assert np.abs(res.iterates[-1] - res.iterates[0]).max() > 1e-3


@pytest.mark.parametrize("design,ef", [("A", True), ("A", False), ("B", True), ("B", False)])
def test_lt_admm_cc_matches_matrix_form(design, ef):
    """LT-ADMM-CC designs A and B, with and without error feedback (3-bit quantizer, full
    gradients), equal the matrix recursion every round, to 1e-12."""
    from matrix_reference import lt_admm_cc

    from netsim.compression.registry import make_compressor

    q = {"name": "quantizer", "bits": 3}
    alg = {"name": "lt-admm-cc", "design": design, "error_feedback": ef, "rho": 0.5,
           "alpha": 0.4, "beta": 0.04, "gamma": 0.05, "tau": 3, "eta": 0.8, "batch": "all",
           "compressor": q}
    sc = _scenario({"algorithm": alg, "stop": {"rounds": 30},
                    "network": {"topology": "ring", "agents": 6}})
    sim, data = _data(sc)
    res = netsim.run(sc)
    ref = lt_admm_cc(design, "logistic", data, sim.graph, sim.x0,
                     make_compressor(dict(q), sim.problem.dim), 3, 30, 0.5, 0.4, 0.04, 0.05,
                     3, 0.8, ef)
    np.testing.assert_allclose(res.iterates, ref, rtol=0, atol=1e-12)
    assert np.abs(res.iterates[-1] - res.iterates[0]).max() > 1e-3
