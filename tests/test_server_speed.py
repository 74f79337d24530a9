"""The server algorithms' fast paths (issue 15) give the bits of the straightforward code:
the packed Cholesky factor solved with LAPACK potrs = scipy's cho_factor / cho_solve, one
compressor call for a worker's two uplink vectors = two calls, one call for the server's
downlink messages = one call per worker; and no Gram matrix is kept."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.linalg

from netsim.algorithms.server_admm import ServerAdmmServer, ServerAdmmWorker
from netsim.compression.registry import make_compressor
from netsim.problems.local import LocalProblem, _Factor

COMPRESSORS = [{"name": "dither", "bits": 3}, {"name": "quantizer", "bits": 4},
               {"name": "rand_k", "fraction": 0.3}, {"name": "top_k", "fraction": 0.3},
               {"name": "none", "float_bits": 32}]


@pytest.mark.parametrize("d", [1, 7, 100])
def test_packed_factor_solves_like_cho_solve(d):
    rng = np.random.default_rng(d)
    A = rng.standard_normal((max(2, d // 3), d))
    H = A.T @ A / A.shape[0] + 0.3 * np.eye(d)
    f = _Factor(H)
    assert f.packed.size == d * (d + 1) // 2          # half the memory of the full factor
    ref = scipy.linalg.cho_factor(H)
    for _ in range(3):
        b = rng.standard_normal(d) * 10.0 ** rng.integers(-5, 5)
        assert np.array_equal(f.solve(b), scipy.linalg.cho_solve(ref, b))


def test_packed_factor_rejects_an_indefinite_matrix():
    with pytest.raises(np.linalg.LinAlgError):
        _Factor(np.diag([1.0, -1.0]))


def test_no_gram_matrix_kept_one_matrix_per_penalty():
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((6, 9)), rng.standard_normal(6)
    for kind in ("least_squares", "lasso", "logistic"):
        p = LocalProblem(kind, A, np.sign(b) if kind == "logistic" else b, 0.1,
                         0.01 if kind == "lasso" else 0.0)
        square = [k for k, v in vars(p).items() if isinstance(v, np.ndarray) and v.ndim == 2
                  and v.shape == (9, 9)]
        assert square == [], (kind, square)
    p = LocalProblem("least_squares", A, b, 0.1)
    v = rng.standard_normal(9)
    x1, _ = p.solve(2.0, v)
    x2, _ = p.solve(2.0, 2 * v)
    assert len(p._factors) == 1
    H = A.T @ A / 6 + (0.1 + 2.0) * np.eye(9)
    fac = scipy.linalg.cho_factor(H)
    assert np.array_equal(x1, scipy.linalg.cho_solve(fac, A.T @ b / 6 + v))
    assert np.array_equal(x2, scipy.linalg.cho_solve(fac, A.T @ b / 6 + 2 * v))


def _worker(spec, ef, seed):
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((8, 10)), rng.standard_normal(8)
    comp = make_compressor(dict(spec), 10)
    w = ServerAdmmWorker(0, LocalProblem("least_squares", A, b, 0.1), np.zeros(10), 1.0, comp,
                         np.random.default_rng(seed + 1), error_feedback=ef)
    w.z_hat = rng.standard_normal(10)
    return w


@pytest.mark.parametrize("spec", COMPRESSORS)
@pytest.mark.parametrize("ef", [True, False])
def test_uplink_in_one_call_equals_two_calls(spec, ef):
    w = _worker(spec, ef, 5)
    ref = copy.deepcopy(w)
    for _ in range(3):
        w.compute()
        ref.compute()
        (dx, du), bits, headers = w.uplink()
        # the straightforward code: one Compressor.update per vector, same stream
        vx = ref.x - ref.x_t if ef else ref.x
        vu = ref.u - ref.u_t if ef else ref.u
        cx, _ = ref.comp.update(vx, None, ref.rng)
        cu, _ = ref.comp.update(vu, None, ref.rng)
        ref.x_t = ref.x_t + cx.value if ef else cx.value
        ref.u_t = ref.u_t + cu.value if ef else cu.value
        assert np.array_equal(dx, cx.value) and np.array_equal(du, cu.value)
        assert bits == cx.bits + cu.bits and headers == 2
        assert np.array_equal(w.x_t, ref.x_t) and np.array_equal(w.u_t, ref.u_t)
        w.z_hat = w.z_hat + 0.5
        ref.z_hat = ref.z_hat + 0.5


@pytest.mark.parametrize("spec", COMPRESSORS)
@pytest.mark.parametrize("ef", [True, False])
def test_downlink_in_one_call_equals_one_call_per_worker(spec, ef):
    n, d = 6, 10
    srv = ServerAdmmServer(n, d, 1.0, 0.01, make_compressor(dict(spec), d),
                           np.random.default_rng(3), error_feedback=ef)
    rng = np.random.default_rng(4)
    srv.z_hat = rng.standard_normal((n, d))
    srv.z_hat[2] = 0.0
    for r in range(3):
        srv.z = rng.standard_normal(d) * (r > 0)       # z = 0 first: zero and equal rows
        ref = copy.deepcopy(srv)
        active = [0, 2, 3, 5]
        msgs, bits = srv.downlink_many(active)
        for k, i in enumerate(active):
            m, b = ref.downlink(i)
            assert np.array_equal(msgs[k], m) and bits == b
        assert np.array_equal(srv.z_hat, ref.z_hat)
        assert srv.rng.bit_generator.state == ref.rng.bit_generator.state
