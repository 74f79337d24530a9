"""Gossip baselines that send the result of their local step: LEAD (Y), CEDAS (Phi), CHOCO-SGD (X').

The shared state, mixing and reference copies are in :mod:`netsim.algorithms.gossip_base`.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import _take
from netsim.algorithms.gossip_base import GossipBase

__all__ = ["LeadBatch", "CedasBatch", "ChocoBatch"]


class LeadBatch(GossipBase):
    """LEAD (Liu et al., ICLR 2021, arXiv 2007.00232), §6.1.

    One round, agents' rows stacked::

        Y = X - eta g(X) - eta D;  Q = C(Y - H);  Y^ = H + Q;  Y^_w = H_w + W Q
        H <- H + a Q;  H_w <- H_w + a W Q;  D <- D + gamma / (2 eta) (Y^ - Y^_w)
        X <- X - eta g(X) - eta D            (the same stochastic gradient)

    with X^1 = X^0 - eta g(X^0) (done in round 1), D = H = H_w = 0 at start; H_w,i is
    w_ii h_i + sum_j w_ij h^_j from the copies. Identity compressor and gamma = 1: NIDS.
    """

    params = ("eta", "gamma")
    ref_step_param = "alpha"

    def _init_method(self):
        self.D, self.G, self.Y = self._zeros(), self._zeros(), self._zeros()
        self.first = np.ones(self.n, dtype=bool)

    def local_steps(self, ids):
        """Y = X - eta g(X) - eta D for agents ``ids`` (one mini-batch gradient each)."""
        g = self.groups.get(ids)
        X = _take(self.X, g)
        counts = np.zeros(g.ids.size, dtype=np.int64)
        first = self.first[g.sel]
        if first.any():                     # round 1: X^1 = X^0 - eta g(X^0)
            sub = g.ids[first]
            g0, n0 = self.gradient(self.groups.get(sub.tolist()), X[first])
            X = X.copy()
            X[first] = X[first] - self.eta * g0
            self.X[sub] = X[first]
            counts[first] += n0
            self.first[sub] = False
        grad, n = self.gradient(g, X)
        self.G[g.sel] = grad
        self.Y[g.sel] = X - self.eta * grad - self.eta * _take(self.D, g)
        return self.work(g, counts + n)

    def _to_send(self, g):
        return _take(self.Y, g)

    def incoming(self, ids, boxes):
        """COMM from what arrived, then H, H_w and D as in the class docstring."""
        g = self.groups.get(ids)
        diff = self._compressed_difference(g, boxes)
        D = _take(self.D, g) + (self.gamma / (2.0 * self.eta)) * diff
        self.D[g.sel] = D
        self.X[g.sel] = _take(self.X, g) - self.eta * _take(self.G, g) - self.eta * D


class CedasBatch(GossipBase):
    """CEDAS (Huang & Pu, IEEE TAC, arXiv 2301.05872), §6.2, constant step.

    One round, agents' rows stacked::

        psi' = X - eta g(X);  Phi = psi' + X - psi;  COMM(Phi) as in LEAD
        X <- Phi - gamma / 2 (Phi^ - Phi^_w);  psi <- psi'

    with psi^0 = X^0, H = H_w = 0. Identity compressor and gamma = 1: exact diffusion.
    """

    params = ("eta", "gamma")
    ref_step_param = "alpha"

    def _init_method(self):
        self.PSI, self.PHI = self.X.copy(), self._zeros()

    def local_steps(self, ids):
        """Set psi' = X - eta g(X), Phi = psi' + X - psi for agents ``ids`` (a gradient each)."""
        g = self.groups.get(ids)
        X = _take(self.X, g)
        grad, n = self.gradient(g, X)
        psi_new = X - self.eta * grad
        self.PHI[g.sel] = psi_new + X - _take(self.PSI, g)
        self.PSI[g.sel] = psi_new
        return self.work(g, np.full(g.ids.size, n))

    def _to_send(self, g):
        return _take(self.PHI, g)

    def incoming(self, ids, boxes):
        """X <- Phi - gamma / 2 (Phi^ - Phi^_w) from what arrived; psi <- psi'."""
        g = self.groups.get(ids)
        diff = self._compressed_difference(g, boxes)
        self.X[g.sel] = _take(self.PHI, g) - (self.gamma / 2.0) * diff


class ChocoBatch(GossipBase):
    """CHOCO-SGD (Koloskova, Stich, Jaggi, ICML 2019), teaching baseline.

    One round, agents' rows stacked::

        X' = X - eta g(X);  Q = C(X' - X^);  X^ <- X^ + Q;  X <- X' + gamma (W - I) X^

    Not exact with a constant step and stochastic gradients (no gradient tracking).
    """

    params = ("eta", "gamma")

    def _init_method(self):
        self.HALF = self._zeros()

    def local_steps(self, ids):
        """X' = X - eta g(X) for agents ``ids`` (one gradient each)."""
        g = self.groups.get(ids)
        X = _take(self.X, g)
        grad, n = self.gradient(g, X)
        self.HALF[g.sel] = X - self.eta * grad
        return self.work(g, np.full(g.ids.size, n))

    def _to_send(self, g):
        return _take(self.HALF, g)

    def incoming(self, ids, boxes):
        """X^ from what arrived, then X <- X' + gamma (W - I) X^."""
        g = self.groups.get(ids)
        h, mixed = self._estimates(g, boxes)
        self.X[g.sel] = _take(self.HALF, g) + self.gamma * (mixed - h)
