"""Batched kernel of the compressed gossip baselines (:mod:`netsim.algorithms.gossip`: LEAD,
CEDAS, CHOCO-SGD, COLD, DPDC, DGD) for :mod:`netsim.runners.batched`. No SimPy here.

All agents' rows in stacked arrays: models X, own references H, the copies of the
neighbours' references HC (CSR edge rows, as in :mod:`netsim.algorithms.batch`), plus each
method's own variables. Every formula below is the per-agent one of ``gossip.py``, with the
same operations in the same order, so results are bit-identical (tests/test_batched_engine.py).
The mixing ``w_ii own + w_i @ rows`` (a BLAS gemv per agent) is a stacked ``np.matmul`` over
the agents of equal degree, which calls the same routine per agent.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import (_ReferenceSnapshots, _StackedEstimators, _StackedKernel,
                                     _take)
from netsim.compute import Work

__all__ = ["GossipBatch"]

#: per method: its own state beyond x, h, the copies and q: (agent attribute, kernel array,
#: kind: node row, CSR edge rows or flag); an attribute the agent does not have yet starts at zero
_STATE = {
    "LeadAgent": [("d", "D", "node"), ("_g", "G", "node"), ("_y", "Y", "node"),
                  ("_first", "first", "flag")],
    "CedasAgent": [("psi", "PSI", "node"), ("_phi", "PHI", "node")],
    "ChocoAgent": [("_half", "HALF", "node")],
    "ColdAgent": [("_g", "G", "node"), ("lam", "LAM", "node")],
    "DpdcAgent": [("_g", "G", "node"), ("v", "V", "node")],
    "DgdAgent": [("_g", "G", "node"), ("_seen", "seen", "edge")],
}

#: per method: its scalar parameters (attribute names of the agent)
_PARAMS = {"LeadAgent": ("eta", "gamma"), "CedasAgent": ("eta", "gamma"),
           "ChocoAgent": ("eta", "gamma"), "ColdAgent": ("a", "b", "c"),
           "DpdcAgent": ("eta", "a", "b"), "DgdAgent": ("eta",)}


class _MixGroup:
    """For a group (sorted ids): the agents of each degree with their edge rows, global and
    within the group, to compute w_i @ rows_i as one stacked matmul per degree."""

    def __init__(self, g, deg, off, W):
        self.classes = []
        degs = deg[g.ids]
        first = np.array([s for s, _ in g.spans], dtype=np.intp)   # agent's first group edge
        for k in np.unique(degs):
            pos = np.flatnonzero(degs == k)
            edges = off[g.ids[pos]][:, None] + np.arange(k)
            local = first[pos][:, None] + np.arange(k)
            self.classes.append((pos, edges, local, W[edges][:, None, :]))

    def wsum(self, rows, n, dim, local=False):
        """sum_j w_ij rows_j per agent of the group; ``rows`` indexed by edge row, or (with
        ``local``) by the group's own edge order (``g.edges``)."""
        out = np.empty((n, dim))
        for pos, edges, loc, w in self.classes:
            out[pos] = np.matmul(w, rows[loc if local else edges])[:, 0, :]
        return out


class GossipBatch(_ReferenceSnapshots, _StackedKernel):
    """The gossip baselines on stacked state; ``kind`` is the agent class name."""

    def __init__(self, agents, kind):
        a0 = agents[0]
        self.kind = kind
        self._init_stack(agents, np.stack([a.x for a in agents]))
        for p in _PARAMS[kind]:
            setattr(self, p, getattr(a0, p))
        self.step = a0.ref.step
        self.w_self = np.array([a.w_self for a in agents])
        self.W = np.concatenate([a.w for a in agents])
        self.H = np.stack([a.ref.h for a in agents])
        self.HC = np.concatenate([a.ref.copies for a in agents])
        self.Q = np.zeros_like(self.X)
        self.est = _StackedEstimators([a.estimator for a in agents])
        self.compressor = a0.ref.compressor
        self.crng = [a.ref._rng for a in agents]
        for path, name, kind_ in _STATE[kind]:
            setattr(self, name, self._gather(path, kind_))
        self.has_references = kind != "DgdAgent"
        self._bind_views()

    def _gather(self, path, kind):
        """The agents' ``path`` stacked (rows, CSR edge rows or flags); zeros where an agent
        has none yet (a value its first local step creates)."""
        vals = [getattr(a, path, None) for a in self.agents]
        if kind == "flag":
            return np.array(vals)
        if kind == "edge":
            return np.concatenate(vals)
        return np.zeros_like(self.X) if vals[0] is None else np.stack(vals)

    def _fields(self):
        return ([("x", self.X, "node"), ("ref.h", self.H, "node"),
                 ("ref.copies", self.HC, "edge")]
                + [(path, getattr(self, name), kind) for path, name, kind in _STATE[self.kind]
                   if kind != "flag"])

    # ------------------------------------------------------------------ helpers
    R = property(lambda self: self.H)
    RC = property(lambda self: self.HC)

    def _mixer(self, g):
        """The group's :class:`_MixGroup`, kept on the (cached) group."""
        m = getattr(g, "mixer", None)
        if m is None:
            m = g.mixer = _MixGroup(g, self.deg, self.off, self.W)
        return m

    def _mix(self, g, own, rows, local=False):
        """w_ii own + sum_j w_ij rows_j (GossipAgent._mix) for the group."""
        ws = _take(self.w_self, g)[:, None]
        if g.single:                       # the agent's own gemv w_i @ rows_i
            return ws * own + self.W[g.esel] @ (rows if local else rows[g.esel])
        return ws * own + self._mixer(g).wsum(rows, g.ids.size, own.shape[1], local)

    def _grad(self, g, X):
        draws = self.est.draws(g, 1)
        grad, count = self.est(g, X, None if draws is None else draws[:, 0])
        return grad, count

    # ------------------------------------------------------------------ phases
    def _batch_local_steps(self, ids):
        g = self.groups.get(ids)
        X = _take(self.X, g)
        counts = np.zeros(g.ids.size, dtype=np.int64)
        if self.kind == "LeadAgent":
            first = self.first[g.sel]
            if first.any():                     # round 1: X^1 = X^0 - eta g(X^0)
                sub = g.ids[first]
                gs = self.groups.get(sub.tolist())
                g0, n0 = self._grad(gs, X[first])
                X = X.copy()
                X[first] = X[first] - self.eta * g0
                self.X[sub] = X[first]
                counts[first] += n0
                self.first[sub] = False
            grad, n = self._grad(g, X)
            self.G[g.sel] = grad
            self.Y[g.sel] = X - self.eta * grad - self.eta * _take(self.D, g)
        elif self.kind == "CedasAgent":
            grad, n = self._grad(g, X)
            psi_new = X - self.eta * grad
            self.PHI[g.sel] = psi_new + X - _take(self.PSI, g)
            self.PSI[g.sel] = psi_new
        elif self.kind == "ChocoAgent":
            grad, n = self._grad(g, X)
            self.HALF[g.sel] = X - self.eta * grad
        else:                                   # COLD, DPDC, DGD
            grad, n = self._grad(g, X)
            self.G[g.sel] = grad
        counts += n
        return g.unsort([Work(gradients=k) for k in counts.tolist()])

    def _batch_outgoing(self, ids):
        g = self.groups.get(ids)
        if self.kind == "DgdAgent":            # C(x_i) itself, no reference
            V = _take(self.X, g)
        else:
            v = getattr(self, {"LeadAgent": "Y", "CedasAgent": "PHI",
                               "ChocoAgent": "HALF"}.get(self.kind, "X"))
            V = _take(v, g) - _take(self.H, g)
        vals, bits = self._compress(V, g.ids.tolist(), g.sel, self.n)
        self.Q[g.sel] = vals
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def _received(self, g, boxes):
        """Reference.received for the group: Qr (group edges x d, 0 where lost) and the
        copies h^_j <- h^_j + step q_j."""
        msgs, rows = g.gather(boxes)
        E = g.esel
        Qr = np.zeros((g.edges.size, self.X.shape[1]))
        if msgs:
            M = np.array(msgs)
            if rows is None:
                Qr[:] = M
                self.HC[E] = self.HC[E] + self.step * M
            else:
                Qr[rows] = M
                e = g.edges[rows]
                self.HC[e] = self.HC[e] + self.step * M
        return Qr

    def _batch_incoming(self, ids, boxes):
        g = self.groups.get(ids)
        ids_, E = g.sel, g.esel
        q = _take(self.Q, g)
        k = self.kind
        if k in ("LeadAgent", "CedasAgent"):
            h = _take(self.H, g)
            h_w = self._mix(g, h, self.HC)
            v_hat = h + q
            Qr = self._received(g, boxes)
            v_hat_w = h_w + self._mix(g, q, Qr, local=True)
            self.H[ids_] = h + self.step * q
            if k == "LeadAgent":
                D = _take(self.D, g) + (self.gamma / (2.0 * self.eta)) * (v_hat - v_hat_w)
                self.D[ids_] = D
                self.X[ids_] = _take(self.X, g) - self.eta * _take(self.G, g) - self.eta * D
            else:
                self.X[ids_] = _take(self.PHI, g) - (self.gamma / 2.0) * (v_hat - v_hat_w)
            return
        if k == "DgdAgent":
            msgs, rows = g.gather(boxes)
            if msgs:
                e = E if rows is None else g.edges[rows]
                self.HC[e] = np.array(msgs)
                self.seen[e] = True
            X = _take(self.X, g)
            rowsx = np.where(self.seen[E][:, None], self.HC[E], g.per_edge(X))
            self.X[ids_] = self._mix(g, X, rowsx, local=True) - self.eta * _take(self.G, g)
            return
        self.H[ids_] = _take(self.H, g) + self.step * q           # Reference.own
        self._received(g, boxes)
        h = _take(self.H, g)
        mixed = self._mix(g, h, self.HC)
        if k == "ChocoAgent":
            self.X[ids_] = _take(self.HALF, g) + self.gamma * (mixed - h)
        elif k == "ColdAgent":
            lx = h - mixed
            self.X[ids_] = (_take(self.X, g) - self.a * (_take(self.G, g) + _take(self.LAM, g))
                            - self.c * lx)
            self.LAM[ids_] = _take(self.LAM, g) + self.b * lx
        else:                                                      # DPDC
            lx = h - mixed
            self.X[ids_] = _take(self.X, g) - self.eta * (
                self.a * lx + self.b * _take(self.V, g) + _take(self.G, g))
            self.V[ids_] = _take(self.V, g) + self.eta * self.b * lx
