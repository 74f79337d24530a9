"""Server-based (asynchronous) consensus ADMM and QADMM: pure kernels and state (no SimPy).

Consensus problem (spec ``qadmm.md`` §1): minimize sum_i f_i(x_i) + g(z) s.t. x_i = z, scaled
duals u_i. Chang et al.'s update order (§2.2), node i holding z-hat_i (its view of z):

    x_i <- argmin_x f_i(x) + (rho/2)||x - zhat_i + u_i||^2                 (worker, exact
           or K Adam steps)
    u_i <- u_i + x_i - zhat_i                                              (worker)
    z   <- prox_{g/(N rho)}( mean_i (xt_i + ut_i) )                        (server, all N)

QADMM (§3.2): nothing but compressed *deltas* crosses the network after the start. With
estimates kept identically at both ends,

    uplink   dx_i = C(x_i - xt_i), du_i = C(u_i - ut_i);  xt_i += dx_i, ut_i += du_i
    downlink dz_i = C(z - zhat_i);                        zhat_i += dz_i

which is error feedback on the successive differences (the residual x_i - xt_i is never
lost, only delayed). Without error feedback (ablation) the values themselves are quantized:
xt_i = C(x_i), ut_i = C(u_i), zhat_i = C(z). With the identity compressor and no error
feedback the estimates are the exact values: plain (async) ADMM.

Both directions are shared-estimate channels (:class:`~netsim.algorithms.channel.Estimates`,
the channel of the peer algorithms): the uplink's references are the workers' (xt_i, ut_i)
(one (2, d) row per worker) with the server's copies, the downlink's are the server's zhat_i
(one shared row in broadcast mode) with the workers' copies; step 1, error feedback as
configured. :func:`channels` makes them; workers and server read their rows through the
attributes ``x_t``, ``u_t``, ``z_hat``.

Timing (who is in the active set, how stale a result is) is decided by
:mod:`netsim.runners.server`; everything here is arithmetic on numpy arrays.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.channel import Estimates
from netsim.compute import Work
from netsim.problems.local import soft_threshold

__all__ = ["z_update", "AdamSolver", "ServerAdmmWorker", "ServerAdmmServer", "uplink_many",
           "channels"]


def z_update(v_mean: np.ndarray, rho: float, n: int, l1: float) -> np.ndarray:
    """Z = prox_{g/(N rho)}(v_mean): soft-threshold at l1/(N rho) for g = l1||.||_1, the
    average itself for g = 0 (spec §1).
    """
    if l1 > 0:
        return soft_threshold(v_mean, l1 / (n * rho))
    return np.array(v_mean, dtype=float)


class AdamSolver:
    """Inexact x-update: K Adam steps on f_i(x) + (rho/2)||x - v||^2 from the previous x_i,
    mini-batch gradients of f_i; the Adam moments persist across rounds (spec §4.2).

    Adam (Kingma & Ba 2015): m <- b1 m + (1-b1) g; s <- b2 s + (1-b2) g^2;
    x <- x - lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps).
    """

    def __init__(self, problem, steps: int, lr: float, batch, rng,
                 b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
        self.problem = problem
        self.steps, self.lr = int(steps), float(lr)
        self.full = batch == "all" or batch >= problem.m
        self.batch = problem.m if self.full else int(batch)
        self.rng = rng
        self.b1, self.b2, self.eps = b1, b2, eps
        self.m = np.zeros(problem.dim)
        self.s = np.zeros(problem.dim)
        self.t = 0

    def __call__(self, x: np.ndarray, rho: float, v: np.ndarray) -> tuple[np.ndarray, Work]:
        """K Adam steps from x (d,) on f_i + (rho/2)||x - v||^2; returns (x', its work)."""
        x = np.array(x, dtype=float)
        grads = 0
        for _ in range(self.steps):
            if self.full:
                g = self.problem.grad(x)
            else:
                g = self.problem.minibatch_grad(
                    x, self.rng.choice(self.problem.m, size=self.batch, replace=False))
            grads += self.batch
            g = g + rho * (x - v)
            self.t += 1
            self.m = self.b1 * self.m + (1 - self.b1) * g
            self.s = self.b2 * self.s + (1 - self.b2) * g * g
            mh = self.m / (1 - self.b1 ** self.t)
            sh = self.s / (1 - self.b2 ** self.t)
            x -= self.lr * mh / (np.sqrt(sh) + self.eps)
        return x, Work(gradients=grads)


def channels(n: int, dim: int, error_feedback: bool = True,
             broadcast: bool = False) -> tuple[Estimates, Estimates]:
    """(uplink, downlink) channels of n workers, all estimates 0 (z^0 = 0 is known at both
    ends without a message): uplink R = RC = (n, 2, dim) (x~, u~ per worker), downlink
    R = (n, dim) (or (1, dim) shared in broadcast mode), RC = (n, dim).
    """
    up = Estimates(np.zeros((n, 2, dim)), np.zeros((n, 2, dim)), 1.0, error_feedback)
    down = Estimates(np.zeros((1 if broadcast else n, dim)), np.zeros((n, dim)), 1.0,
                     error_feedback)
    return up, down


class ServerAdmmWorker:
    """Worker i of (async) ADMM / QADMM.

    Args:
        i: worker index.
        problem: the worker's smooth local problem f_i (a LocalProblem or MLP shard).
        x0: initial model (the x_init of the first solve).
        rho: penalty.
        compressor: uplink compressor (own dither stream ``rng``).
        rng: the worker's compressor stream.
        error_feedback: send deltas against the shared estimates (QADMM) or the values.
        solver: None for the exact solve, or an :class:`AdamSolver`.
        link: (uplink, downlink) channels of :func:`channels` shared with the server (this
            worker's row is ``i``); None: channels of its own (row 0), for a worker alone.
    """

    def __init__(self, i, problem, x0, rho, compressor, rng, error_feedback=True, solver=None,
                 link=None):
        self.i = i
        self.problem = problem
        self.dim = problem.dim
        self.x = np.array(x0, dtype=float)
        self.u = np.zeros(self.dim)
        if link is None:
            link, self._row = channels(1, self.dim, error_feedback), 0
        else:
            self._row = i
        self.up, self.down = link          # x~_i, u~_i: up.R[row]; z^_i: down.RC[row]
        self.rho = float(rho)
        self.comp = compressor
        self._cstate = (compressor.init(self.dim), compressor.init(self.dim))
        self.rng = rng
        self.ef = bool(error_feedback)
        self.solver = solver

    x_t = property(lambda self: self.up.R[self._row, 0],
                   lambda self, v: self.up.R.__setitem__((self._row, 0), v),
                   doc="x-tilde_i (the uplink reference; the server holds the copy)")
    u_t = property(lambda self: self.up.R[self._row, 1],
                   lambda self, v: self.up.R.__setitem__((self._row, 1), v),
                   doc="u-tilde_i (the uplink reference; the server holds the copy)")
    z_hat = property(lambda self: self.down.RC[self._row],
                     lambda self, v: self.down.RC.__setitem__(self._row, v),
                     doc="z-hat_i, this worker's copy of the downlink reference")

    def compute(self) -> Work:
        """x_i <- argmin f_i + (rho/2)||x - zhat_i + u_i||^2; u_i <- u_i + x_i - zhat_i."""
        v = self.z_hat - self.u
        if self.solver is None:
            self.x, grads = self.problem.solve(self.rho, self.rho * v, x_init=self.x)
            work = Work(gradients=grads, solves=1)
        else:
            self.x, work = self.solver(self.x, self.rho, v)
        self.u = self.u + self.x - self.z_hat
        return work

    def uplink(self) -> tuple[tuple[np.ndarray, np.ndarray], int, int]:
        """The message (dx or C(x), du or C(u)), its bits and the number of scale headers;
        advances x-tilde, u-tilde (the uplink references) as the server will its copies.
        """
        sx, su = self._cstate
        V = self.up.delta(np.stack((self.x, self.u)), self._row)
        cx, sx = self.comp.update(V[0], sx, self.rng)
        cu, su = self.comp.update(V[1], su, self.rng)
        self._cstate = (sx, su)
        self.up.advance(self._row, np.stack((cx.value, cu.value)))
        return (cx.value, cu.value), cx.bits + cu.bits, 2

    def receive(self, dz: np.ndarray) -> None:
        """Apply the server's downlink message to z-hat_i (the worker's copy)."""
        self.down.apply(self._row, dz)


def uplink_many(workers) -> list[tuple[tuple[np.ndarray, np.ndarray], int, int]]:
    """:meth:`ServerAdmmWorker.uplink` of workers whose computations end together, in this
    order. With one stateless compressor shared by all, their 2k vectors go through one
    ``rows`` call (worker i's x row, then its u row, each drawn from its own stream in turn:
    the draws and values of k pairs of calls, see :class:`~netsim.compression.base.Compressor`);
    otherwise worker by worker.
    """
    w0 = workers[0]
    if len(workers) == 1 or any(w.comp is not w0.comp or w.up is not w0.up
                                or w._cstate[0] is not None or w._cstate[1] is not None
                                for w in workers):
        return [w.uplink() for w in workers]
    up, rows = w0.up, [w._row for w in workers]
    V = up.delta(np.stack([(w.x, w.u) for w in workers]), rows)            # (k, 2, d)
    vals, bits, _ = w0.comp.rows(V.reshape(-1, V.shape[2]),
                                 [w.rng for w in workers for _ in (0, 1)], None)
    Q = vals.reshape(V.shape)
    up.advance(rows, Q)
    return [((Q[k, 0], Q[k, 1]), 2 * bits, 2) for k in range(len(workers))]


class ServerAdmmServer:
    """The server: estimates of every worker's (x_i, u_i), the exact z, and z-hat per worker
    (or one shared z-hat in broadcast mode).

    Args:
        n, dim: workers and dimension.
        rho: penalty; l1: weight of g = l1 ||z||_1 (0: g = 0).
        compressor: downlink compressor; rng: the server's dither stream.
        error_feedback: as for the workers.
        broadcast: one shared z-hat, its delta sent to every worker each round.
        link: the (uplink, downlink) channels of :func:`channels` shared with the workers
            (None: channels of its own).
    """

    def __init__(self, n, dim, rho, l1, compressor, rng, error_feedback=True, broadcast=False,
                 link=None):
        self.n, self.dim = n, dim
        self.rho, self.l1 = float(rho), float(l1)
        self.comp = compressor
        self._cstate = compressor.init(dim)
        self.rng = rng
        self.ef = bool(error_feedback)
        self.broadcast = bool(broadcast)
        self.up, self.down = link if link is not None else channels(n, dim, self.ef,
                                                                    self.broadcast)
        self.z = np.zeros(dim)

    x_t = property(lambda self: self.up.RC[:, 0], doc="copies of every worker's x-tilde_i")
    u_t = property(lambda self: self.up.RC[:, 1], doc="copies of every worker's u-tilde_i")

    @property
    def z_hat(self):
        """z-hat_i of every worker (n, d), or the shared one (d,) in broadcast mode: the
        downlink references.
        """
        return self.down.R[0] if self.broadcast else self.down.R

    @z_hat.setter
    def z_hat(self, value):
        self.down.R[...] = value

    def absorb(self, i: int, msg) -> None:
        """Fold worker i's uplink message into the copies of x-tilde_i, u-tilde_i."""
        self.up.apply(i, np.stack(msg))

    def update(self) -> np.ndarray:
        """Z <- prox_{g/(N rho)}(mean_i (xt_i + ut_i)), over all N (stale ones included)."""
        self.z = z_update((self.x_t + self.u_t).mean(axis=0), self.rho, self.n, self.l1)
        return self.z

    def downlink_many(self, active) -> tuple[np.ndarray, int]:
        """The messages for workers ``active`` (in this order), rows of one array, and the
        bits of one message; updates their z-hat rows. A stateless compressor compresses them
        in one call (the server's stream drawn row after row, as one call per worker would);
        a stateful one goes worker by worker (its state threads through the messages).
        """
        if self.broadcast or self._cstate is not None:
            msgs = [self.downlink(i) for i in active]
            return np.array([m[0] for m in msgs]), (msgs[0][1] if msgs else 0)
        V = self.down.delta(np.broadcast_to(self.z, (len(active), self.dim)), active)
        vals, bits, _ = self.comp.rows(V, (self.rng,) * len(active), None)
        self.down.advance(active, vals)
        return vals, bits

    def downlink(self, i: int | None = None) -> tuple[np.ndarray, int]:
        """The message for worker i (or the broadcast one) and its bits; advances z-hat."""
        row = 0 if self.broadcast else i
        c, self._cstate = self.comp.update(self.down.delta(self.z, row), self._cstate, self.rng)
        self.down.advance(row, c.value)
        return c.value, c.bits
