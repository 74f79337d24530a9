"""Compressed gossip baselines (spec ``lt_admm_cc.md`` §6): LEAD, CEDAS, COLD, DPDC, plus the
teaching baselines CHOCO-SGD and DGD. One (mini-batch or full) gradient per agent per round,
one compressed broadcast per agent per round, no local training.

W is the Metropolis-Hastings matrix, w_ij = 1 / (1 + max(d_i, d_j)) on edges and
w_ii = 1 - sum_j w_ij, known to each agent for its own row. Every method except DGD sends a
compressed *difference* against a reference both ends keep (:class:`Reference`):
q_i = C(v_i - h_i), h_i <- h_i + step q_i at the sender and at every neighbour's copy.
A lost message leaves the receiver's copy behind (drift, reported as ``ref_drift``).

Matrix notation below stacks agents' rows (X, D, H, ...); agent i only ever computes row i.
"""

from __future__ import annotations

import numpy as np

from netsim.compute import Work
from oracle.base import Outgoing

__all__ = ["Reference", "GossipAgent", "LeadAgent", "CedasAgent", "ChocoAgent", "DgdAgent",
           "ColdAgent", "DpdcAgent"]


class Reference:
    """Own reference h_i and this agent's copies h^_j of its neighbours' references.

    ``send(v)`` compresses v - h_i; ``own(q)`` and ``received(msgs)`` apply h <- h + step q
    at the sender and at the receiver respectively.
    """

    def __init__(self, i, neighbors, dim, step, compressor, rng, h0=None, copies0=None):
        self.i = i
        self.neighbors = list(neighbors)
        self.step = float(step)
        self.h = np.zeros(dim) if h0 is None else np.array(h0, dtype=float)
        self.copies = (np.zeros((len(self.neighbors), dim)) if copies0 is None
                       else np.array(copies0, dtype=float))
        self.compressor = compressor
        self._state = compressor.init(dim)
        self._rng = rng

    def send(self, v):
        """Compressed innovation Q_i = C(v - h_i) -> Compressed(value, bits)."""
        c, self._state = self.compressor.update(v - self.h, self._state, self._rng)
        return c

    def own(self, q):
        self.h = self.h + self.step * q

    def received(self, messages):
        """Apply every received q_j to the copy h^_j; returns the rows of Q (0 if lost)."""
        Q = np.zeros_like(self.copies)
        for k, j in enumerate(self.neighbors):
            q = messages.get(j)
            if q is not None:
                Q[k] = q
                self.copies[k] = self.copies[k] + self.step * q
        return Q

    def references(self):
        return ({(self.i, None): self.h},
                {(j, None): self.copies[k] for k, j in enumerate(self.neighbors)})


class GossipAgent:
    """Common state: model x, gradient estimator, own Metropolis row, one reference channel.

    Args:
        i, neighbors: index and sorted neighbours.
        weights: (w_ii, array of w_ij for the neighbours in order).
        x0: initial model.
        estimator: a mini-batch estimator (``batch = "all"`` gives the full gradient).
        compressor, compressor_rng: C and the dither stream.
        ref_step: the reference step (alpha_L in LEAD/CEDAS, 1 for CHOCO, ...).
    """

    def __init__(self, i, neighbors, weights, x0, estimator, compressor, compressor_rng,
                 ref_step=1.0):
        self.i = i
        self.neighbors = list(neighbors)
        self.w_self, self.w = float(weights[0]), np.asarray(weights[1], dtype=float)
        self.x = np.array(x0, dtype=float)
        self.estimator = estimator
        self.ref = Reference(i, neighbors, self.x.size, ref_step, compressor, compressor_rng)
        self._q = None

    def _grad(self, x):
        return self.estimator(x)

    def _mix(self, own, rows):
        """w_ii own + sum_j w_ij rows_j."""
        return self.w_self * own + self.w @ rows

    def _broadcast(self, v) -> list[Outgoing]:
        c = self.ref.send(v)
        self._q = c.value
        return [Outgoing(None, c.value, c.bits)]

    def references(self):
        return self.ref.references()


class LeadAgent(GossipAgent):
    """LEAD (Liu et al., ICLR 2021, arXiv 2007.00232), §6.1; row i of:

        Y = X - eta g(X) - eta D;  Q = C(Y - H);  Y^ = H + Q;  Y^_w = H_w + W Q
        H <- H + a Q;  H_w <- H_w + a W Q;  D <- D + gamma / (2 eta) (Y^ - Y^_w)
        X <- X - eta g(X) - eta D            (the same stochastic gradient)

    with X^1 = X^0 - eta g(X^0) (done in round 1), D = H = H_w = 0 at start. H_w,i is kept
    as w_ii h_i + sum_j w_ij h^_j from the reference copies (identical arithmetic meaning).
    Identity compressor and gamma = 1: NIDS. sum_i D_i = 0 for all k (W symmetric).
    """

    def __init__(self, *args, eta, gamma, **kw):
        super().__init__(*args, **kw)
        self.eta, self.gamma = float(eta), float(gamma)
        self.d = np.zeros_like(self.x)
        self._first = True

    def local_step(self) -> Work:
        n0 = 0
        if self._first:
            g0, n0 = self._grad(self.x)
            self.x = self.x - self.eta * g0
            self._first = False
        self._g, n = self._grad(self.x)
        self._y = self.x - self.eta * self._g - self.eta * self.d
        return Work(gradients=n0 + n)

    def outgoing(self):
        return self._broadcast(self._y)

    def incoming(self, messages):
        h_w = self._mix(self.ref.h, self.ref.copies)
        y_hat = self.ref.h + self._q
        Q = self.ref.received(messages)
        y_hat_w = h_w + self._mix(self._q, Q)
        self.ref.own(self._q)
        self.d = self.d + (self.gamma / (2.0 * self.eta)) * (y_hat - y_hat_w)
        self.x = self.x - self.eta * self._g - self.eta * self.d


class CedasAgent(GossipAgent):
    """CEDAS (Huang & Pu, IEEE TAC, arXiv 2301.05872), §6.2, constant step; row i of:

        psi' = X - eta g(X);  Phi = psi' + X - psi;  COMM(Phi) as in LEAD
        X <- Phi - gamma / 2 (Phi^ - Phi^_w);  psi <- psi'

    with psi^0 = X^0, H = H_w = 0. Identity compressor and gamma = 1: exact diffusion,
    X <- (I + W)/2 Phi.
    """

    def __init__(self, *args, eta, gamma, **kw):
        super().__init__(*args, **kw)
        self.eta, self.gamma = float(eta), float(gamma)
        self.psi = self.x.copy()

    def local_step(self) -> Work:
        g, n = self._grad(self.x)
        psi_new = self.x - self.eta * g
        self._phi = psi_new + self.x - self.psi
        self.psi = psi_new
        return Work(gradients=n)

    def outgoing(self):
        return self._broadcast(self._phi)

    def incoming(self, messages):
        h_w = self._mix(self.ref.h, self.ref.copies)
        phi_hat = self.ref.h + self._q
        Q = self.ref.received(messages)
        phi_hat_w = h_w + self._mix(self._q, Q)
        self.ref.own(self._q)
        self.x = self._phi - (self.gamma / 2.0) * (phi_hat - phi_hat_w)


class ChocoAgent(GossipAgent):
    """CHOCO-SGD (Koloskova, Stich, Jaggi, ICML 2019), teaching baseline; row i of:

        X' = X - eta g(X);  Q = C(X' - X^);  X^ <- X^ + Q;  X <- X' + gamma (W - I) X^

    Not exact with a constant step and stochastic gradients (no gradient tracking).
    """

    def __init__(self, *args, eta, gamma, **kw):
        super().__init__(*args, **kw)
        self.eta, self.gamma = float(eta), float(gamma)

    def local_step(self) -> Work:
        g, n = self._grad(self.x)
        self._half = self.x - self.eta * g
        return Work(gradients=n)

    def outgoing(self):
        return self._broadcast(self._half)

    def incoming(self, messages):
        self.ref.own(self._q)
        self.ref.received(messages)
        mixed = self._mix(self.ref.h, self.ref.copies)
        self.x = self._half + self.gamma * (mixed - self.ref.h)


class DgdAgent(GossipAgent):
    """Decentralized gradient descent (Nedic & Ozdaglar 2009), teaching baseline:
    x_i <- sum_j w_ij C(x_j) - eta g_i(x_i), where the neighbours' models arrive compressed
    as they are (no reference, no error feedback) and the agent uses its own exact x_i.
    Converges only to a neighbourhood of x* with a constant step. A lost x_j is replaced by
    the last one received."""

    def __init__(self, *args, eta, **kw):
        super().__init__(*args, **kw)
        self.eta = float(eta)
        self.ref.copies[:] = 0.0
        self._seen = np.zeros(len(self.neighbors), dtype=bool)

    def local_step(self) -> Work:
        self._g, n = self._grad(self.x)
        return Work(gradients=n)

    def outgoing(self):
        c, self.ref._state = self.ref.compressor.update(self.x, self.ref._state, self.ref._rng)
        return [Outgoing(None, c.value, c.bits)]

    def incoming(self, messages):
        for k, j in enumerate(self.neighbors):
            if messages.get(j) is not None:
                self.ref.copies[k] = messages[j]
                self._seen[k] = True
        rows = np.where(self._seen[:, None], self.ref.copies, self.x)
        self.x = self._mix(self.x, rows) - self.eta * self._g

    def references(self):
        return None


class _InnovationPrimalDual(GossipAgent):
    """Shared shape of COLD and DPDC: estimates x^ of every model kept by compressed
    innovations, and the Laplacian term (L x^)_i = x^_i - w_ii x^_i - sum_j w_ij x^_j,
    i.e. row i of (I - W) X^."""

    def _laplacian(self):
        return self.ref.h - self._mix(self.ref.h, self.ref.copies)

    def outgoing(self):
        return self._broadcast(self.x)


class ColdAgent(_InnovationPrimalDual):
    """COLD stand-in (Zhang, You, Xie, IEEE TAC 2023, arXiv 2105.06697), §6.3.

    RECONSTRUCTION: the exact COLD recursion was not re-verified; this is the implementable
    stand-in of the spec (innovation compression on a primal-dual gradient method):

        q_i = C'(x_i - x^_i), x^ <- x^ + q (all holders), C' = C / (1 + omega) (contractive)
        x_i <- x_i - a (g_i(x_i) + lambda_i) - c (L x^)_i;   lambda_i <- lambda_i + b (L x^)_i
    """

    def __init__(self, *args, a, b, c, **kw):
        super().__init__(*args, **kw)
        self.a, self.b, self.c = float(a), float(b), float(c)
        self.lam = np.zeros_like(self.x)

    def local_step(self) -> Work:
        self._g, n = self._grad(self.x)
        return Work(gradients=n)

    def incoming(self, messages):
        self.ref.own(self._q)
        self.ref.received(messages)
        lx = self._laplacian()
        self.x = self.x - self.a * (self._g + self.lam) - self.c * lx
        self.lam = self.lam + self.b * lx


class DpdcAgent(_InnovationPrimalDual):
    """DPDC (most likely Yi et al., IEEE TAC 2023, arXiv 2201.03930), §6.4.

    RECONSTRUCTION (identity of the baseline and its equations uncertain, see the spec):

        x^ <- x^ + psi C(x - x^)   (all holders; psi is the reference step)
        x_i <- x_i - eta (a (L x^)_i + b v_i + g_i(x_i));   v_i <- v_i + eta b (L x^)_i
    """

    def __init__(self, *args, eta, a, b, **kw):
        super().__init__(*args, **kw)
        self.eta, self.a, self.b = float(eta), float(a), float(b)
        self.v = np.zeros_like(self.x)

    def local_step(self) -> Work:
        self._g, n = self._grad(self.x)
        return Work(gradients=n)

    def incoming(self, messages):
        self.ref.own(self._q)
        self.ref.received(messages)
        lx = self._laplacian()
        self.x = self.x - self.eta * (self.a * lx + self.b * self.v + self._g)
        self.v = self.v + self.eta * self.b * lx
