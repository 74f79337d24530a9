"""Gossip baselines whose local step is one gradient and that send their iterate: COLD, DPDC, DGD.

The shared state, mixing and reference copies are in :mod:`netsim.algorithms.gossip_base`.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import _take
from netsim.algorithms.gossip_base import GossipBase
from netsim.compression import scaled

__all__ = ["ColdBatch", "DpdcBatch", "DgdBatch"]


class _GradientFirst(GossipBase):
    """Methods whose local step is one gradient g(x_i), kept in G."""

    def _init_method(self):
        self.G = self._zeros()

    def local_steps(self, ids):
        g = self.groups.get(ids)
        grad, n = self.gradient(g, _take(self.X, g))
        self.G[g.sel] = grad
        return self.work(g, np.full(g.ids.size, n))

    def _to_send(self, g):
        return _take(self.X, g)


class ColdBatch(_GradientFirst):
    """COLD stand-in (Zhang, You, Xie, IEEE TAC 2023, arXiv 2105.06697), §6.3.

    RECONSTRUCTION (the exact recursion was not re-verified): innovation compression on a
    primal-dual gradient method, with (L x^)_i = x^_i - w_ii x^_i - sum_j w_ij x^_j:

        q_i = C'(x_i - x^_i), x^ <- x^ + q (all holders), C' = C / (1 + omega) (contractive)
        x_i <- x_i - a (g_i(x_i) + lambda_i) - c (L x^)_i;   lambda_i <- lambda_i + b (L x^)_i
    """

    params = ("a", "b", "c")

    def _channel(self, compressor, dim):
        om = compressor.omega(dim)
        return scaled(compressor, 1.0 / (1.0 + om)) if compressor.unbiased and om > 0 \
            else compressor

    def _init_method(self):
        super()._init_method()
        self.LAM = self._zeros()

    def incoming(self, ids, boxes):
        """X^ from what arrived, then the primal-dual step of the class docstring."""
        g = self.groups.get(ids)
        h, mixed = self._estimates(g, boxes)
        lx = h - mixed
        self.X[g.sel] = (_take(self.X, g) - self.a * (_take(self.G, g) + _take(self.LAM, g))
                         - self.c * lx)
        self.LAM[g.sel] = _take(self.LAM, g) + self.b * lx


class DpdcBatch(_GradientFirst):
    """DPDC (most likely Yi et al., IEEE TAC 2023, arXiv 2201.03930), §6.4.

    RECONSTRUCTION (identity of the baseline and its equations uncertain, see the spec):

        x^ <- x^ + psi C(x - x^)   (all holders; psi is the reference step)
        x_i <- x_i - eta (a (L x^)_i + b v_i + g_i(x_i));   v_i <- v_i + eta b (L x^)_i
    """

    params = ("eta", "a", "b")
    ref_step_param = "psi"

    def _init_method(self):
        super()._init_method()
        self.V = self._zeros()

    def incoming(self, ids, boxes):
        """X^ from what arrived, then the x and v steps of the class docstring."""
        g = self.groups.get(ids)
        h, mixed = self._estimates(g, boxes)
        lx = h - mixed
        self.X[g.sel] = _take(self.X, g) - self.eta * (
            self.a * lx + self.b * _take(self.V, g) + _take(self.G, g))
        self.V[g.sel] = _take(self.V, g) + self.eta * self.b * lx


class DgdBatch(_GradientFirst):
    """Decentralized gradient descent (Nedic & Ozdaglar 2009), teaching baseline.

    x_i <- sum_j w_ij C(x_j) - eta g_i(x_i), the neighbours' models arriving compressed as they are
    (no reference) and the agent using its own exact x_i. Converges only to a neighbourhood of x*
    with a constant step. A lost x_j is replaced by the last one received (by x_i before the first).
    """

    params = ("eta",)
    has_references = False

    def _init_method(self):
        super()._init_method()
        self.C = np.zeros_like(self.ref.RC)               # the neighbours' last models
        self.seen = np.zeros(self.src.size, dtype=bool)

    def outgoing(self, ids):
        """Per agent of ``ids``: its model X_i, compressed, to every neighbour."""
        g = self.groups.get(ids)
        vals, bits = self._compress(_take(self.X, g), g.ids.tolist(), g.sel, self.n)
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def incoming(self, ids, boxes):
        """X_i <- w_ii X_i + sum_j w_ij C_j - eta G_i, C_j the last model received from j."""
        g = self.groups.get(ids)
        E = g.esel
        msgs, rows = g.gather(boxes)
        if msgs:
            e = E if rows is None else g.edges[rows]
            self.C[e] = np.array(msgs)
            self.seen[e] = True
        X = _take(self.X, g)
        rowsx = np.where(self.seen[E][:, None], self.C[E], g.per_edge(X))
        self.X[g.sel] = self.mix(g, X, rowsx, local=True) - self.eta * _take(self.G, g)
