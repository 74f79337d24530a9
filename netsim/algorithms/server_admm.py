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

Timing (who is in the active set, how stale a result is) is decided by
:mod:`netsim.runners.server`; everything here is arithmetic on numpy arrays.
"""

from __future__ import annotations

import numpy as np

from netsim.compute import Work
from netsim.problems.local import soft_threshold

__all__ = ["z_update", "AdamSolver", "ServerAdmmWorker", "ServerAdmmServer", "uplink_many"]


def z_update(v_mean: np.ndarray, rho: float, n: int, l1: float) -> np.ndarray:
    """z = prox_{g/(N rho)}(v_mean): soft-threshold at l1/(N rho) for g = l1||.||_1, the
    average itself for g = 0 (spec §1)."""
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
    """

    def __init__(self, i, problem, x0, rho, compressor, rng, error_feedback=True, solver=None):
        self.i = i
        self.problem = problem
        self.dim = problem.dim
        self.x = np.array(x0, dtype=float)
        self.u = np.zeros(self.dim)
        self.x_t = np.zeros(self.dim)       # x-tilde_i, also held by the server
        self.u_t = np.zeros(self.dim)       # u-tilde_i, also held by the server
        self.z_hat = np.zeros(self.dim)     # z-hat_i, also held by the server (z^0 = 0)
        self.rho = float(rho)
        self.comp = compressor
        self._cstate = (compressor.init(self.dim), compressor.init(self.dim))
        self.rng = rng
        self.ef = bool(error_feedback)
        self.solver = solver

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
        updates x-tilde, u-tilde exactly as the server will."""
        sx, su = self._cstate
        if self.ef:
            cx, sx = self.comp.update(self.x - self.x_t, sx, self.rng)
            cu, su = self.comp.update(self.u - self.u_t, su, self.rng)
            self.x_t = self.x_t + cx.value
            self.u_t = self.u_t + cu.value
        else:
            cx, sx = self.comp.update(self.x, sx, self.rng)
            cu, su = self.comp.update(self.u, su, self.rng)
            self.x_t, self.u_t = cx.value, cu.value
        self._cstate = (sx, su)
        return (cx.value, cu.value), cx.bits + cu.bits, 2

    def receive(self, dz: np.ndarray) -> None:
        """Apply the server's downlink message to z-hat_i."""
        self.z_hat = self.z_hat + dz if self.ef else np.array(dz, dtype=float)


def uplink_many(workers) -> list[tuple[tuple[np.ndarray, np.ndarray], int, int]]:
    """:meth:`ServerAdmmWorker.uplink` of workers whose computations end together, in this
    order. With one stateless compressor shared by all, their 2k vectors go through one
    ``rows`` call (worker i's x row, then its u row, each drawn from its own stream in turn:
    the draws and values of k pairs of calls, see :class:`~netsim.compression.base.Compressor`);
    otherwise worker by worker."""
    w0 = workers[0]
    if len(workers) == 1 or any(w.comp is not w0.comp or w.ef != w0.ef
                                or w._cstate[0] is not None or w._cstate[1] is not None
                                for w in workers):
        return [w.uplink() for w in workers]
    if w0.ef:
        V = np.stack([v for w in workers for v in (w.x - w.x_t, w.u - w.u_t)])
    else:
        V = np.stack([v for w in workers for v in (w.x, w.u)])
    vals, bits, _ = w0.comp.rows(V, [w.rng for w in workers for _ in (0, 1)], None)
    out = []
    for k, w in enumerate(workers):
        cx, cu = vals[2 * k], vals[2 * k + 1]
        if w.ef:
            w.x_t = w.x_t + cx
            w.u_t = w.u_t + cu
        else:
            w.x_t, w.u_t = cx, cu
        out.append(((cx, cu), 2 * bits, 2))
    return out


class ServerAdmmServer:
    """The server: estimates of every worker's (x_i, u_i), the exact z, and z-hat per worker
    (or one shared z-hat in broadcast mode).

    Args:
        n, dim: workers and dimension.
        rho: penalty; l1: weight of g = l1 ||z||_1 (0: g = 0).
        compressor: downlink compressor; rng: the server's dither stream.
        error_feedback: as for the workers.
        broadcast: one shared z-hat, its delta sent to every worker each round.
    """

    def __init__(self, n, dim, rho, l1, compressor, rng, error_feedback=True, broadcast=False):
        self.n, self.dim = n, dim
        self.rho, self.l1 = float(rho), float(l1)
        self.comp = compressor
        self._cstate = compressor.init(dim)
        self.rng = rng
        self.ef = bool(error_feedback)
        self.broadcast = bool(broadcast)
        self.x_t = np.zeros((n, dim))
        self.u_t = np.zeros((n, dim))
        self.z = np.zeros(dim)
        self.z_hat = np.zeros(dim) if broadcast else np.zeros((n, dim))

    def absorb(self, i: int, msg) -> None:
        """Fold worker i's uplink message into x-tilde_i, u-tilde_i."""
        dx, du = msg
        if self.ef:
            self.x_t[i] = self.x_t[i] + dx
            self.u_t[i] = self.u_t[i] + du
        else:
            self.x_t[i] = dx
            self.u_t[i] = du

    def update(self) -> np.ndarray:
        """z <- prox_{g/(N rho)}(mean_i (xt_i + ut_i)), over all N (stale ones included)."""
        self.z = z_update((self.x_t + self.u_t).mean(axis=0), self.rho, self.n, self.l1)
        return self.z

    def downlink_many(self, active) -> tuple[np.ndarray, int]:
        """The messages for workers ``active`` (in this order), rows of one array, and the
        bits of one message; updates their z-hat rows. A stateless compressor compresses them
        in one call (the server's stream drawn row after row, as one call per worker would);
        a stateful one goes worker by worker (its state threads through the messages)."""
        if self.broadcast or self._cstate is not None:
            msgs = [self.downlink(i) for i in active]
            return np.array([m[0] for m in msgs]), (msgs[0][1] if msgs else 0)
        ref = self.z_hat[active]
        V = self.z - ref if self.ef else np.broadcast_to(self.z, ref.shape)
        vals, bits, _ = self.comp.rows(V, (self.rng,) * len(active), None)
        self.z_hat[active] = ref + vals if self.ef else vals
        return vals, bits

    def downlink(self, i: int | None = None) -> tuple[np.ndarray, int]:
        """The message for worker i (or the broadcast one) and its bits; updates z-hat."""
        if self.broadcast:
            ref = self.z_hat
        else:
            ref = self.z_hat[i]
        if self.ef:
            c, self._cstate = self.comp.update(self.z - ref, self._cstate, self.rng)
            new = ref + c.value
        else:
            c, self._cstate = self.comp.update(self.z, self._cstate, self.rng)
            new = c.value
        if self.broadcast:
            self.z_hat = new
        else:
            self.z_hat[i] = new
        return c.value, c.bits
