"""The server algorithms' fast paths (issue 15) give the bits of the straightforward code:
the packed Cholesky factor solved with LAPACK potrs = scipy's cho_factor / cho_solve, one
call for the server's downlink messages = one call per worker, one call for the uplinks of
workers that end together = two calls per worker; and no Gram matrix is kept."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.linalg

from netsim.algorithms.server_admm import ServerAdmmServer, ServerAdmmWorker, channels, uplink_many
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


def _worker(spec, ef, seed, i=0, comp=None, link=None):
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((8, 10)), rng.standard_normal(8)
    comp = comp or make_compressor(dict(spec), 10)
    w = ServerAdmmWorker(i, LocalProblem("least_squares", A, b, 0.1), np.zeros(10), 1.0, comp,
                         np.random.default_rng(seed + 1), error_feedback=ef, link=link)
    w.z_hat = rng.standard_normal(10)
    return w


@pytest.mark.parametrize("spec", COMPRESSORS)
@pytest.mark.parametrize("ef", [True, False])
def test_uplinks_of_workers_ending_together_equal_one_call_per_vector(spec, ef):
    comp = make_compressor(dict(spec), 10)
    link = channels(3, 10, ef)             # shared channels, as build_server makes them
    ws = [_worker(spec, ef, s, i, comp, link) for i, s in enumerate((5, 6, 7))]
    ref = [_worker(spec, ef, s) for s in (5, 6, 7)]          # each alone: one call per vector
    for w, v in zip(ws, ref):
        v.z_hat = w.z_hat
    for r in range(3):
        for w, v in zip(ws, ref):
            w.compute()
            v.compute()
        got = uplink_many(ws)
        for (msg, bits, headers), v in zip(got, ref):
            # the straightforward code: one Compressor.update per vector, same stream
            vx = v.x - v.x_t if ef else v.x
            vu = v.u - v.u_t if ef else v.u
            cx, _ = v.comp.update(vx, None, v.rng)
            cu, _ = v.comp.update(vu, None, v.rng)
            v.x_t = v.x_t + cx.value if ef else cx.value
            v.u_t = v.u_t + cu.value if ef else cu.value
            assert np.array_equal(msg[0], cx.value) and np.array_equal(msg[1], cu.value)
            assert bits == cx.bits + cu.bits and headers == 2
        for w, v in zip(ws, ref):
            assert np.array_equal(w.x_t, v.x_t) and np.array_equal(w.u_t, v.u_t)
            assert w.rng.bit_generator.state == v.rng.bit_generator.state
            w.z_hat = w.z_hat + 0.5 * r
            v.z_hat = v.z_hat + 0.5 * r


def test_qadmm_workers_ending_together_send_in_one_callback(monkeypatch):
    """A lockstep QADMM run: the workers' uplinks go through one compressor call per
    instant, with the same files as one event and two calls per worker."""
    import netsim
    import netsim.runners.server as srv
    from netsim.scenario import from_dict

    sc = from_dict({"name": "q", "seed": 1, "network": {"agents": 24},
                    "problem": {"kind": "lasso", "samples_per_agent": 12, "features": 6},
                    "algorithm": {"name": "qadmm", "P": 8, "tau": 2},
                    "stop": {"rounds": 12}, "output": {"plots": False}})
    calls = []
    many = srv.uplink_many
    monkeypatch.setattr(srv, "uplink_many", lambda ws: (calls.append(len(ws)), many(ws))[1])
    grouped = netsim.run(sc)
    assert max(calls) == 24 and sum(calls) == 24 * 12
    monkeypatch.setattr(srv, "uplink_many", lambda ws: [w.uplink() for w in ws])
    monkeypatch.setattr(srv.ServerRunner, "_send_uplinks",
                        lambda self, due: [self._send_one(i, g) for i, g in due])
    monkeypatch.setattr(srv.ServerRunner, "_send_one", _send_one, raising=False)
    single = netsim.run(sc)
    for k in grouped.trace:
        np.testing.assert_array_equal(grouped.trace[k], single.trace[k], err_msg=k)
    assert grouped.updates == single.updates and grouped.links == single.links


def _send_one(self, i, grads):
    msg, bits, headers = self.workers[i].uplink()
    self.monitor.add_gradients(grads)
    self.scale_headers += headers
    self.net.send(i, self.S, (msg, self._used[i]), bits, tag=0)


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
