"""Floors for benchmarks/run.py: the same maths and the same messages as a netsim run, with no
netsim in the timed part (plain numpy per agent and raw SimPy events).

* :func:`async_peers`: asynchronous LT-ADMM (lognormal compute noise): one SimPy process per
  agent; per round tau single-sample gradient steps on the agent's own rows (eq. (1)-(2) of
  netsim.algorithms.lt_batch), one compute timeout (lognormal noise), one message per
  neighbour (m_ij = z_ij - 2 rho x_i, delivered after latency + bits / bandwidth), then wait
  for one message from every neighbour for this round and z_ij <- (1 - alpha) z_ij - alpha
  m_ji. When the last agent finishes a round, the metrics netsim's trace records are
  computed once (errors to x*, consensus, objective and accuracy of the mean model).
* :func:`qadmm`: QADMM (spec qadmm.md): one SimPy process per worker and one for the server;
  a worker solves its least-squares x-update with its cached Cholesky factor (LAPACK
  ``dpotrs``, no input checks), updates u, sends C(x - xt), C(u - ut) (3-bit dither, one
  uniform draw per entry from its own generator); the server waits for a partial barrier of
  P arrivals plus every worker at the delay bound, soft-thresholds the mean of xt + ut and
  answers each active worker with C(z - zhat_i). One message each way per worker update, as
  in netsim.

The inputs (data, graph, parameters, link timing) come from a netsim build, untimed. Each
function returns (seconds of the event loop, messages delivered).
"""

from __future__ import annotations

import math
import time

import numpy as np
import simpy
from scipy.linalg import lapack

__all__ = ["async_peers", "qadmm"]


def _trace_metrics(X, A2, b, xs, reg):
    """What netsim records per round: errors to x*, consensus, objective and accuracy of the
    mean model over all data.
    """
    n, m = b.shape
    D = X - xs
    sq = np.einsum("ij,ij->i", D, D)
    xbar = X.mean(axis=0)
    C = X - xbar
    zz = (A2 @ xbar).reshape(n, m)
    return (sq.max(), sq.mean(), sq.sum(), np.linalg.norm(xbar - xs),
            np.einsum("ij,ij->i", C, C).mean(),
            np.logaddexp(0.0, -b * zz).mean(axis=1).sum() + 0.5 * reg * n * (xbar @ xbar),
            np.mean((zz > 0) == (b > 0)))


def async_peers(A, b, reg, x_star, nbrs, x0, rounds, *, rho, alpha, beta, gamma, tau,
                gradient_time, sigma, delay, seed=0):
    """Asynchronous LT-ADMM floor (module docstring).

    Args:
        A, b: (N, m, d) rows and (N, m) labels in {-1, +1} (logistic loss).
        reg: l2 weight; x_star: (d,) reference optimum (for the metrics).
        nbrs: sorted neighbour lists; x0: (N, d) initial models.
        rounds: rounds per agent.
        rho, alpha, beta, gamma, tau: LT-ADMM parameters.
        gradient_time: seconds per gradient; sigma: lognormal sigma of the compute noise
            (mean 1).
        delay: seconds from send to delivery of a message.
        seed: seeds the per-agent generators.

    Returns:
        (seconds, messages delivered).
    """
    n, m, _ = A.shape
    env = simpy.Environment()
    A2 = A.reshape(n * A.shape[1], -1)
    mu = -0.5 * sigma * sigma                  # lognormal with mean 1
    inbox = [dict() for _ in range(n)]         # round -> [(sender, message)]
    waiting = [None] * n                       # (round, event) the agent waits on
    finished = [0] * (rounds + 1)
    snaps: dict[int, np.ndarray] = {}
    count = [0]

    def deliver(j, r, msg):
        box = inbox[j].setdefault(r, [])
        box.append(msg)
        count[0] += 1
        w = waiting[j]
        if w is not None and w[0] == r and len(box) == len(nbrs[j]):
            waiting[j] = None
            w[1].succeed()

    def agent(i):
        rng = np.random.default_rng([seed, i])
        a_i, b_i, nb = A[i], b[i], nbrs[i]
        deg = len(nb)
        pos = {j: k for k, j in enumerate(nb)}
        x = x0[i].copy()
        Z = np.tile(x, (deg, 1))
        shrink = 1.0 - gamma * reg
        for r in range(1, rounds + 1):
            c = beta * (rho * deg * x - Z.sum(axis=0))
            phi = x
            for h in rng.integers(0, m, size=tau).tolist():
                y = b_i[h]
                yz = y * float(a_i[h] @ phi)    # logistic weight -y expit(-y z), as scalars
                w = -y / (1.0 + math.exp(yz)) if yz < 700.0 else 0.0
                phi = shrink * phi - (gamma * w) * a_i[h] - c
            x = phi
            yield env.timeout(tau * gradient_time * rng.lognormal(mu, sigma))
            M = Z - (2.0 * rho) * x
            for k, j in enumerate(nb):
                env.timeout(delay).callbacks.append(
                    lambda _e, j=j, r=r, msg=(i, M[k]): deliver(j, r, msg))
            if len(inbox[i].get(r, ())) < deg:
                ev = env.event()
                waiting[i] = (r, ev)
                yield ev
            for src, mj in inbox[i].pop(r):
                k = pos[src]
                Z[k] = (1.0 - alpha) * Z[k] - alpha * mj
            if r not in snaps:
                snaps[r] = np.empty_like(x0)
            snaps[r][i] = x
            finished[r] += 1
            if finished[r] == n:
                _trace_metrics(snaps.pop(r), A2, b, x_star, reg)

    for i in range(n):
        env.process(agent(i))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t, count[0]


def _dither(v, levels, rng):
    """C(v) of the q-bit dither (float32 scale rounded up, one uniform per entry)."""
    kappa = rng.random((1, v.size))[0]
    nrm = float(np.abs(v).max())
    if nrm == 0.0 or not math.isfinite(nrm):
        return np.zeros_like(v)
    f = np.float32(nrm)
    if float(f) < nrm:
        f = np.nextafter(f, np.float32(np.inf))
    alpha = float(f)
    q = np.minimum(np.floor(levels * np.abs(v) / alpha + kappa), levels)
    return (alpha / levels) * np.sign(v) * q


def qadmm(A, b, reg, l1, x0, rounds, *, rho, P, tau, bits, gradient_time, delay,
          server_time=0.0, seed=0):
    """QADMM floor (module docstring), exact least-squares x-updates.

    Args:
        A, b: per worker (m, d) rows and (m,) targets of the least-squares part.
        reg: l2 weight of f_i; l1: weight of g = l1 ||z||_1.
        x0: (N, d) initial models.
        rounds: server rounds.
        rho, P, tau: penalty, partial barrier, delay bound (math.inf: none).
        bits: dither bits (both ways).
        gradient_time: seconds per gradient (a solve costs m of them).
        delay: seconds from send to delivery of a message.
        server_time: seconds per z-update.
        seed: seeds the generators.

    Returns:
        (seconds, messages delivered).
    """
    n, d = len(A), x0.shape[1]
    A2, b2 = np.concatenate(A), np.concatenate(b)
    levels = 2.0 ** (bits - 1) - 1.0
    env = simpy.Environment()
    factors, rhs = [], []
    for Ai, bi in zip(A, b):
        m = Ai.shape[0]
        H = Ai.T @ Ai / m + (reg + rho) * np.eye(d)
        factors.append(lapack.dpotrf(H, lower=0, clean=0)[0])
        rhs.append(Ai.T @ bi / m)
    xt, ut, zhat = np.zeros((n, d)), np.zeros((n, d)), np.zeros((n, d))
    z = np.zeros(d)
    delays = np.zeros(n, dtype=int)
    inbox: dict[int, int] = {}
    state = {"wake": None}
    go = [env.event() for _ in range(n)]
    used = [0] * n
    count = [0]
    rngs = [np.random.default_rng([seed, i]) for i in range(n + 1)]

    def ready():
        if len(inbox) < P:
            return False
        return tau == math.inf or all(int(j) in inbox for j in np.flatnonzero(delays >= tau - 1))

    def to_server(i, dx, du, r):
        count[0] += 1
        xt[i] += dx
        ut[i] += du
        inbox[i] = r
        if state["wake"] is not None and ready():
            ev, state["wake"] = state["wake"], None
            ev.succeed()

    def to_worker(i, dz, r, zh):
        count[0] += 1
        zh += dz
        used[i] = r
        if r < rounds:                              # netsim stops after the last round
            go[i].succeed()

    def worker(i):
        x, u, xw, uw, zh = x0[i].copy(), np.zeros(d), np.zeros(d), np.zeros(d), zs[i]
        rng, m = rngs[i], A[i].shape[0]
        while True:
            yield go[i]
            go[i] = env.event()
            x = lapack.dpotrs(factors[i], rhs[i] + rho * (zh - u), lower=0)[0]
            u = u + x - zh
            yield env.timeout(m * gradient_time)
            dx = _dither(x - xw, levels, rng)
            du = _dither(u - uw, levels, rng)
            xw, uw = xw + dx, uw + du
            env.timeout(delay).callbacks.append(
                lambda _e, i=i, dx=dx, du=du, r=used[i]: to_server(i, dx, du, r))

    zs = [np.zeros(d) for _ in range(n)]           # each worker's z-hat

    def server():
        nonlocal z
        for r in range(1, rounds + 1):
            if not ready():
                state["wake"] = env.event()
                yield state["wake"]
            active = sorted(inbox)
            inbox.clear()
            mask = np.zeros(n, dtype=bool)
            mask[active] = True
            delays[mask] = 0
            delays[~mask] += 1
            if server_time > 0:
                yield env.timeout(server_time)
            v = (xt + ut).mean(axis=0)
            z = np.sign(v) * np.maximum(np.abs(v) - l1 / (n * rho), 0.0) if l1 > 0 else v
            for i in active:
                dz = _dither(z - zhat[i], levels, rngs[n])
                zhat[i] += dz
                env.timeout(delay).callbacks.append(
                    lambda _e, i=i, dz=dz, r=r: to_worker(i, dz, r, zs[i]))
            res = A2 @ z - b2                      # the trace's objective of z, all data
            _ = 0.5 * (res @ res) / res.size + l1 * np.abs(z).sum()

    for i in range(n):
        env.process(worker(i))
        go[i].succeed()
    env.process(server())
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t, count[0]
