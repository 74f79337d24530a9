"""EXTRA (Shi, Ling, Wu, Yin, SIAM J. Optim. 25(2), 2015) as a netsim plugin.

Exact first-order decentralized gradient method; with W the Metropolis matrix and
W~ = (I + W) / 2, the stacked recursion is

    X^1     = W X^0 - eta G(X^0)
    X^{k+2} = (I + W) X^{k+1} - W~ X^k - eta (G(X^{k+1}) - G(X^k))

Agent i needs (W x^{k+1})_i and (W x^k)_i: every round it broadcasts its model (compressed
with the scenario's compressor, by default not at all) and mixes what it holds of its
neighbours' models (the last one received when a message is lost).
"""

import numpy as np

from netsim.algorithms.base import AlgorithmInfo, Param
from netsim.algorithms.gossip_batch import GossipBase
from netsim.algorithms.params import positive

__all__ = ["ExtraKernel", "EXTRA"]


class ExtraKernel(GossipBase):
    """EXTRA over stacked state.

    X (x^{k+1}), XP (x^k), MP ((W x^k)_i), GP (g(x^k)), and the copies C of the neighbours' latest
    models (edge rows).
    """

    params = ("eta",)
    has_references = False

    def _init_method(self):
        self.G, self.GP = np.zeros_like(self.X), np.zeros_like(self.X)
        self.XP, self.MP = np.zeros_like(self.X), np.zeros_like(self.X)
        self.first = np.ones(self.n, dtype=bool)
        self.C = np.zeros((self.src.size, self.X.shape[1]))      # neighbours' last models
        self.seen = np.zeros(self.src.size, dtype=bool)

    def local_steps(self, ids):
        """One gradient of f_i at x_i for agents ``ids`` (kept for the next round)."""
        g = self.groups.get(ids)
        grad, n = self.gradient(g, self.X[g.sel])
        self.G[g.sel] = grad
        return self.work(g, np.full(g.ids.size, n))

    def outgoing(self, ids):
        """Per agent of ``ids``: its model x_i, compressed, to every neighbour."""
        g = self.groups.get(ids)
        vals, bits = self._compress(self.X[g.sel], g.ids.tolist(), g.sel, self.n)
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def incoming(self, ids, boxes):
        """Keep what arrived, then the EXTRA update of the module docstring."""
        g = self.groups.get(ids)
        msgs, rows = g.gather(boxes)
        if msgs:
            e = g.esel if rows is None else g.edges[rows]
            self.C[e] = np.array(msgs)
            self.seen[e] = True
        X = self.X[g.sel]
        E = g.esel
        held = np.where(self.seen[E][:, None], self.C[E], g.per_edge(X))
        mixed = self.mix(g, X, held, local=True)                     # (W x^{k+1})_i
        first = self.first[g.sel][:, None]
        G = self.G[g.sel]
        new = np.where(first, mixed - self.eta * G,
                       X + mixed - 0.5 * (self.XP[g.sel] + self.MP[g.sel])
                       - self.eta * (G - self.GP[g.sel]))
        self.XP[g.sel], self.MP[g.sel], self.GP[g.sel] = X, mixed, G
        self.X[g.sel] = new
        self.first[g.sel] = False


EXTRA = AlgorithmInfo(
    "extra", "peer", ExtraKernel,
    {"eta": Param(0.05, positive, "gradient step size (EXTRA's alpha)")},
    "EXTRA (Shi et al. 2015): exact decentralized gradient method [plugin netsim-extra]")
