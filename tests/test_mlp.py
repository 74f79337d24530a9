"""The small neural network problem and QADMM's inexact (Adam) x-updates on it."""

import pathlib

import numpy as np
import pytest

import netsim
from netsim.algorithms.server_admm import AdamSolver
from netsim.errors import ScenarioError
from netsim.problems import mlp as mlp_mod
from netsim.problems.mlp import MlpLocal

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAPER = ROOT / "scenarios" / "paper" / "qadmm_mlp.toml"


def _local(seed=0, m=30, d=6, H=5, C=3, reg=1e-3):
    rng = np.random.default_rng(seed)
    f = MlpLocal(rng.standard_normal((m, d)), rng.integers(0, C, m), H, C, reg)
    theta = 0.5 * rng.standard_normal(f.dim)
    return f, theta, rng


def test_gradient_matches_finite_differences():
    """Backpropagation equals central differences of the loss (every parameter)."""
    f, th, _ = _local()
    g = f.grad(th)
    eps = 1e-6
    fd = np.array([(f.loss(th + eps * e) - f.loss(th - eps * e)) / (2 * eps)
                   for e in np.eye(f.dim)])
    assert np.allclose(g, fd, rtol=1e-6, atol=1e-8)
    idx = np.array([1, 4, 7])
    sub = MlpLocal(f.A[idx], f.y[idx], f.H, f.C, f.reg)
    assert np.allclose(f.minibatch_grad(th, idx), sub.grad(th), rtol=1e-12, atol=1e-14)


def test_loss_is_cross_entropy_of_softmax():
    """f_i = mean of -log softmax(logits)_y + reg/2 ||theta||^2, from an explicit forward pass."""
    f, th, _ = _local()
    W1, b1, W2, b2 = f.unpack(th)
    logits = np.tanh(f.A @ W1 + b1) @ W2 + b2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ref = -np.mean(np.log(p[np.arange(f.m), f.y])) + 0.5 * f.reg * th @ th
    assert f.loss(th) == pytest.approx(ref, rel=1e-12)


def test_adam_steps_decrease_the_augmented_objective():
    """K full-batch Adam steps on f_i + rho/2||x - v||^2 lower it; work = K x m gradients."""
    f, th, rng = _local(m=40)
    v = np.zeros(f.dim)
    solver = AdamSolver(f, 50, 0.01, "all", rng)

    def phi(x):
        return f.loss(x) + 0.05 * np.sum((x - v) ** 2)

    x, work = solver(th, 0.1, v)
    assert phi(x) < 0.8 * phi(th) and work.gradients == 50 * 40 and solver.t == 50


def test_qadmm_trains_digits_like_async_admm():
    """On digits, QADMM (q = 3, EF) reaches the test accuracy of 32-bit async ADMM with
    a tenth of the bits; without error feedback it stays clearly below."""
    sc = netsim.load(PAPER, {"stop.rounds": 120, "stop.target": None})
    res = {v.label: netsim.run(v) for v in sc.variants()}
    full, q, noef = (res["async-admm (32-bit)"], res["QADMM q=3"], res["QADMM q=3, no EF"])
    acc = {k: r.summary["final"]["accuracy"] for k, r in res.items()}
    assert acc["QADMM q=3"] >= 0.95 and acc["async-admm (32-bit)"] >= 0.95
    assert abs(acc["QADMM q=3"] - acc["async-admm (32-bit)"]) <= 0.02
    assert acc["QADMM q=3, no EF"] < acc["QADMM q=3"] - 0.03
    assert q.summary["bits"] < 0.12 * full.summary["bits"]
    assert q.summary["server"]["estimate_mismatches"] == 0
    assert np.all(np.isnan(q.trace["rel_err"]))           # no x* for a neural network
    assert noef.summary["end"] == "rounds"


def test_fashion_mnist_missing_package_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(mlp_mod, "FASHION_DIR", tmp_path / "nowhere")
    with pytest.raises(ScenarioError, match="dataset-fashion-mnist") as e:
        netsim.run(netsim.load(PAPER, {"problem.data": "fashion_mnist"}), variant="QADMM q=3")
    assert "problem.data" in str(e.value)


@pytest.mark.skipif(not (mlp_mod.FASHION_DIR / "t10k-labels-idx1-ubyte.gz").exists(),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_mnist_reads_the_idx_files():
    """60000 training and 10000 test images of 784 pixels in [0, 1], 10 balanced classes."""
    X, y, Xt, yt, C = mlp_mod.mlp_data("fashion_mnist", "problem", 0.2,
                                       np.random.default_rng(0))
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784) and C == 10
    assert 0 <= X.min() and X.max() <= 1 and np.bincount(yt).tolist() == [1000] * 10


@pytest.mark.parametrize("over,key", [
    ({"algorithm.x0": "zeros"}, "algorithm.x0"),
    ({"algorithm.solver": "exact"}, "algorithm.solver"),
    ({"algorithm.name": "lt-admm"}, "algorithm.name"),
    ({"problem.data": "breast_cancer"}, "problem.data"),
])
def test_bad_mlp_scenarios(over, key):
    with pytest.raises(ScenarioError) as e:
        netsim.run(netsim.load(PAPER, over).base())   # the file's base, without its variants
    assert key in str(e.value)
