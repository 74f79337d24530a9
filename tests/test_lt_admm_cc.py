"""LT-ADMM-CC against the properties of spec lt_admm_cc.md §7 (toy problem of §7: N = 8,
l2-logistic with eps = 0.05, m_i = 60, |B| = 1, tau = 5, gamma = beta = 0.05, rho = 1,
alpha = 0.5)."""

import math

import networkx as nx
import numpy as np
import pytest

import netsim
from netsim.scenario import from_dict
from netsim.simulate import build


def _data(alg, rounds, features=20, links=None, target=None, **extra):
    alg = {"name": "lt-admm-cc", "tau": 5, "gamma": 0.05, "beta": 0.05, "rho": 1.0,
           "alpha": 0.5, "batch": 1, **alg}
    d = {"name": "cc", "seed": 0, "network": {"topology": "small_world", "agents": 8, "k": 2,
                                              "p": 0.3},
         "problem": {"kind": "logistic", "samples_per_agent": 60, "features": features,
                     "regularization": 0.05},
         "algorithm": alg, "stop": {"rounds": rounds}, "output": {"plots": False}}
    if links:
        d["network"]["links"] = links
    if target is not None:
        d["stop"]["target"] = target
    d.update(extra)
    return d


def _run(alg, rounds, **kw):
    return netsim.run(from_dict(_data(alg, rounds, **kw)))


Q4 = {"name": "quantizer", "bits": 4}
Q2 = {"name": "quantizer", "bits": 2}


@pytest.mark.parametrize("comp", [Q2, Q4], ids=["2-bit", "4-bit"])
def test_exact_linear_convergence_with_quantization(comp):
    """Property 1: compression + EF + VR reaches rel_err < 1e-20, geometrically."""
    res = _run({"compressor": comp}, 1500, target=1e-20)
    e = res.trace["rel_err"]
    assert res.summary["end"] == "target", e[-1]
    k = len(e) - 1
    r1 = math.log10(e[k // 4]) - math.log10(e[k // 2])
    r2 = math.log10(e[k // 2]) - math.log10(e[3 * k // 4])
    assert r1 > 0 and 0.5 < r2 / r1 < 2.0          # a straight line on a log plot


def _plateau(e):
    mid, end = np.median(e[250:350]), np.median(e[-100:])
    return mid, end


def test_no_error_feedback_and_no_vr_give_floors():
    """Properties 2 and 3: sending C(x) or dropping VR leaves a floor; shrinking gamma
    lowers the no-VR floor."""
    good = _run({"compressor": Q4}, 600).trace["rel_err"][-1]
    no_ef = _run({"compressor": Q4, "error_feedback": False}, 600).trace["rel_err"]
    no_vr = _run({"compressor": Q4, "estimator": "minibatch"}, 600).trace["rel_err"]
    for e in (no_ef, no_vr):
        mid, end = _plateau(e)
        assert end > 1e-6 and end > 0.1 * mid        # no progress in the last half
        assert good < 1e-6 * end
    small = _run({"compressor": Q4, "estimator": "minibatch", "gamma": 0.01, "beta": 0.01},
                 1500).trace["rel_err"]
    assert np.median(small[-100:]) < 0.5 * np.median(no_vr[-100:])


def test_rounds_fall_as_one_over_tau():
    """Property 4: rounds to 1e-10 x tau is about constant; bits per round do not depend on tau."""
    rounds, bpr = {}, {}
    for tau in (2, 5, 10):
        res = _run({"compressor": Q4, "tau": tau}, 3000, target=1e-10)
        assert res.summary["end"] == "target"
        rounds[tau] = res.summary["target"]["round"]
        bpr[tau] = res.summary["bits"] / res.summary["rounds"]
    prod = [rounds[t] * t for t in rounds]
    assert max(prod) / min(prod) < 1.5, rounds
    assert len(set(bpr.values())) == 1


def test_bits_per_round_match_the_formula():
    """2|E| (dim b + 32) bits per round for the b-bit quantizer (one broadcast per agent)."""
    res = _run({"compressor": Q4}, 5)
    E = res.summary["edges"]
    assert np.all(np.diff(res.trace["bits"]) == 2 * E * (20 * 4 + 32))
    resb = _run({"compressor": Q2, "design": "B"}, 5)
    assert np.all(np.diff(resb.trace["bits"]) == 2 * E * (20 * 2 + 32))


def test_identity_compressor_reproduces_lt_admm_vr():
    """With C = identity and eta = 1, lt-admm-cc equals lt-admm-vr iterate for iterate."""
    out = {"plots": False, "iterates": True}
    a = _run({"compressor": {"name": "none"}}, 60, output=out)
    b = _run({"name": "lt-admm-vr"}, 60, output=out)
    diff = np.abs(a.iterates - b.iterates).max()
    assert diff <= 1e-12 * np.abs(b.iterates).max(), diff


def test_design_b_also_converges_exactly():
    res = _run({"compressor": Q4, "design": "B"}, 1500, target=1e-20)
    assert res.summary["end"] == "target"


def _simulate(data, rounds_list):
    """Run the same scenario to several stop rounds; yield the agents after each."""
    for r in rounds_list:
        sc = from_dict({**data, "stop": {"rounds": r}})
        sim = build(sc)
        sim.runner.start()
        sim.env.run(until=sim.stop_event)
        yield r, sim


def test_mirror_consistency_bit_for_bit():
    """Property 7: z~_ji held by i == z_ji held by j, and u^_j == u_j, bit for bit."""
    data = _data({"compressor": Q2}, 1)
    for r, sim in _simulate(data, (1, 2, 3, 10, 37)):
        k = sim.agents                  # stacked state; edge row e = (src[e], nbr[e])
        for e, (i, j) in enumerate(zip(k.src, k.nbr)):
            back = k.off[j] + k.neighbors[j].index(i)
            assert np.array_equal(k.ZM[e], k.Z[back]), (r, i, j)
            assert np.array_equal(k.UH[e], k.U[j]), (r, i, j)
    res = netsim.run(from_dict(_data({"compressor": Q2}, 100)))
    assert np.all(res.trace["ref_drift"] == 0.0)


def test_fixed_point_is_invariant():
    """Property 6: started at (x*, z*, u = x*, VR table at x*), the state stays put."""
    data = _data({"compressor": Q4}, 50)
    sim = build(from_dict(data))
    xs, rho, gb = sim.problem.x_star, 1.0, 0.05 / 0.05
    G = sim.graph
    n = G.number_of_nodes()
    # z*_ij = rho x* + p_i - p_j with L p = (gamma/beta) grad f_i(x*) (a flow on the graph)
    R = np.array([gb * sim.problem.agents[i].grad(xs) for i in range(n)])
    P = np.linalg.pinv(nx.laplacian_matrix(G, nodelist=range(n)).toarray()) @ R
    k = sim.agents                      # the kernel's stacked state, set before the run
    k.X[:], k.U[:], k.UH[:] = xs, xs, xs
    k.Z[:] = [rho * xs + P[i] - P[j] for i, j in zip(k.src, k.nbr)]
    k.ZM[:] = [rho * xs + P[j] - P[i] for i, j in zip(k.src, k.nbr)]
    sim.runner.start()
    sim.env.run(until=sim.stop_event)
    err = max(np.linalg.norm(k.X[i] - xs) for i in range(n))
    assert err <= 1e-10 * np.linalg.norm(xs), err


def test_reference_step_stability_with_rand_k():
    """Property 9: rand-k with k = n/2 (omega = 1) and eta = 1 does not converge; eta = 0.5
    converges exactly."""
    rk = {"name": "rand_k", "k": 10}
    bad = _run({"compressor": rk, "eta": 1.0}, 1000)
    assert bad.summary["end"] == "diverged" or bad.trace["rel_err"][-1] > 1e-2
    good = _run({"compressor": rk, "eta": 0.5}, 2500, target=1e-12)
    assert good.summary["end"] == "target"


def test_lossy_links_make_references_drift_and_it_is_reported():
    """drop: copies drift apart (ref_drift > 0) and convergence is lost; retransmit: no drift,
    exact convergence."""
    links = {"bandwidth": "10 Mbit/s", "latency": "1 ms", "loss": 0.02}
    drop = _run({"compressor": Q4}, 300, links={**links, "on_loss": "drop"})
    assert drop.summary["network"]["drops"] > 0
    assert drop.trace["ref_drift"][-1] > 1e-3
    assert drop.trace["rel_err"][-1] > 1e-4
    rt = _run({"compressor": Q4}, 1500, links={**links, "on_loss": "retransmit"}, target=1e-20)
    assert np.all(rt.trace["ref_drift"] == 0.0)
    assert rt.summary["end"] == "target"
