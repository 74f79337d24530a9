"""Compressors against their definitions (spec lt_admm_cc.md §4): unbiasedness, variance,
C(0) = 0, exact bit counts, the grid, and the wrappers' invariants."""

import math

import numpy as np
import pytest

from netsim.compression import (
    apply_delta,
    error_feedback,
    identity,
    make_compressor,
    qsgd,
    quantizer,
    rand_k,
    scaled,
    shared_estimate,
    top_k,
)
from netsim.errors import ScenarioError

V = np.array([0.7, -1.3, 0.05, 2.0, -0.4, 0.0, 1.1, -2.0, 0.33, 0.9])


def _draws(comp, v, n, seed=0):
    rng = np.random.default_rng(seed)
    state = comp.init(v.size)
    return np.array([comp.update(v, state, rng)[0].value for _ in range(n)])


@pytest.mark.parametrize("comp", [quantizer(2), quantizer(4), qsgd(2), qsgd(4), rand_k(3),
                                  rand_k(fraction=0.5)], ids=lambda c: c.describe())
def test_unbiased(comp):
    X = _draws(comp, V, 20_000)
    se = X.std(axis=0) / math.sqrt(len(X))
    assert np.all(np.abs(X.mean(axis=0) - V) <= 5 * se + 1e-12)


@pytest.mark.parametrize("bits,norm", [(1, "inf"), (2, "inf"), (4, "inf"), (3, "2")])
def test_quantizer_variance_matches_closed_form_and_bound(bits, norm):
    comp = quantizer(bits, norm)
    nrm = np.max(np.abs(V)) if norm == "inf" else np.linalg.norm(V)
    s = float(np.float32(nrm)) / 2 ** (bits - 1)
    if float(np.float32(nrm)) < nrm:
        s = float(np.nextafter(np.float32(nrm), np.float32(np.inf))) / 2 ** (bits - 1)
    p = np.abs(V) / s - np.floor(np.abs(V) / s)
    exact = s ** 2 * np.sum(p * (1 - p))
    X = _draws(comp, V, 20_000, seed=1)
    mc = np.mean(np.sum((X - V) ** 2, axis=1))
    assert mc == pytest.approx(exact, rel=0.05)
    assert exact <= comp.omega(V.size) * (V @ V) * (1 + 1e-6)


def test_rand_k_variance_is_exactly_n_over_k_minus_1():
    comp = rand_k(4)
    V32 = V.astype(np.float32).astype(float)    # values travel as float32
    X = _draws(comp, V32, 40_000, seed=2)
    mc = np.mean(np.sum((X - V32) ** 2, axis=1))
    assert comp.omega(10) == pytest.approx(10 / 4 - 1)
    assert mc == pytest.approx(comp.omega(10) * (V32 @ V32), rel=0.03)


@pytest.mark.parametrize("comp", [identity(), identity(32), quantizer(3), qsgd(2), rand_k(2),
                                  top_k(2), error_feedback(quantizer(2)),
                                  shared_estimate(rand_k(2))], ids=lambda c: c.describe())
def test_zero_maps_to_zero(comp):
    out, _ = comp.update(np.zeros(7), comp.init(7), np.random.default_rng(0))
    assert np.array_equal(out.value, np.zeros(7))


@pytest.mark.parametrize("comp,bits", [
    (identity(), 10 * 64), (identity(32), 10 * 32), (quantizer(4), 10 * 4 + 32),
    (quantizer(1), 10 + 32), (qsgd(8), 80 + 32), (rand_k(3), 3 * 32 + 3 * 4),
    (top_k(fraction=0.5), 5 * 32 + 5 * 4), (error_feedback(quantizer(2)), 20 + 32),
])
def test_bits(comp, bits):
    out, _ = comp.update(V, comp.init(10), np.random.default_rng(0))
    assert out.bits == bits


def test_quantizer_values_lie_on_the_float32_grid():
    comp = quantizer(3)
    X = _draws(comp, V, 500)
    s = float(np.float32(2.0)) / 4
    levels = X / s
    assert np.array_equal(levels, np.round(levels))
    assert np.abs(levels).max() <= 4
    assert np.all((np.sign(X) == np.sign(V)) | (X == 0))


def test_identity_32_rounds_to_float32():
    out, _ = identity(32).update(V / 3, None, np.random.default_rng(0))
    assert np.array_equal(out.value, (V / 3).astype(np.float32).astype(float))


def test_top_k_keeps_the_largest_entries():
    out, _ = top_k(3).update(V, None, None)
    assert set(np.flatnonzero(out.value)) == {1, 3, 7}
    assert np.sum((out.value - V) ** 2) <= (1 - 3 / 10) * (V @ V)


def test_error_feedback_telescopes():
    """sum of what was sent + the final error = sum of the inputs."""
    comp = error_feedback(quantizer(2))
    rng = np.random.default_rng(3)
    state = comp.init(10)
    sent = np.zeros(10)
    total = np.zeros(10)
    for k in range(50):
        v = V * math.cos(k)
        out, state = comp.update(v, state, rng)
        sent += out.value
        total += v
    assert np.allclose(sent + state[1], total, atol=1e-12)


def test_shared_estimate_tracks_and_receiver_matches():
    comp = shared_estimate(identity())
    out, state = comp.update(V, comp.init(10), None)
    assert np.array_equal(out.value, V)
    # lossy inner + eta: the receiver applying the deltas holds the same estimate
    comp = shared_estimate(quantizer(2), eta=0.5)
    rng = np.random.default_rng(0)
    state, h_recv = comp.init(10), np.zeros(10)
    inner = quantizer(2)
    rng_check = np.random.default_rng(0)
    for k in range(20):
        v = V * (1 + 0.1 * k)
        delta, _ = inner.update(v - h_recv, None, rng_check)
        h_recv = apply_delta(h_recv, delta.value, 0.5)
        out, state = comp.update(v, state, rng)
        assert np.array_equal(out.value, h_recv)
    assert np.linalg.norm(h_recv - v) < 0.5 * np.linalg.norm(v)


def test_scaled_is_contractive_form():
    q = rand_k(2)
    c = scaled(q, 1 / (1 + q.omega(10)))
    X = _draws(c, V, 20_000)
    mse = np.mean(np.sum((X - V.astype(np.float32)) ** 2, axis=1))
    assert mse <= (1 - 1 / (1 + q.omega(10))) * (V @ V) * 1.03


def test_same_seed_same_output():
    a = _draws(quantizer(2), V, 5, seed=9)
    b = _draws(quantizer(2), V, 5, seed=9)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("spec,key,value", [
    ({"name": "quantiser"}, "c.name", "quantiser"),
    ({"name": "quantizer", "bits": 0}, "c.bits", "0"),
    ({"name": "quantizer", "bits": 33}, "c.bits", "33"),
    ({"name": "quantizer", "bits": True}, "c.bits", "True"),
    ({"name": "quantizer", "bit": 4}, "c.bit", "bits"),
    ({"name": "rand_k", "k": 11}, "c.k", "11"),
    ({"name": "rand_k"}, "c", "k"),
    ({"name": "rand_k", "k": 2, "fraction": 0.5}, "c", "fraction"),
    ({"name": "top_k", "fraction": 1.5}, "c.fraction", "1.5"),
    ({"name": "none", "float_bits": 16}, "c.float_bits", "16"),
    ({"name": "quantizer", "norm": "l1"}, "c.norm", "l1"),
    ({"name": "quantizer", "error_feedback": "yes"}, "c.error_feedback", "yes"),
])
def test_registry_errors_name_key_and_value(spec, key, value):
    with pytest.raises(ScenarioError) as e:
        make_compressor(spec, 10, "c")
    msg = str(e.value)
    assert msg.startswith(key + " ") and value in msg and "\n" not in msg


def test_registry_builds_and_does_not_mutate():
    spec = {"name": "rand_k", "fraction": 0.25, "error_feedback": True}
    c = make_compressor(spec, 20, "c")
    assert spec == {"name": "rand_k", "fraction": 0.25, "error_feedback": True}
    out, _ = c.update(np.arange(20.0), c.init(20), np.random.default_rng(0))
    assert out.bits == 5 * 32 + 5 * 5
    assert make_compressor({"name": "qsgd", "bits": 2}, 4, "c").params["norm"] == "2"
