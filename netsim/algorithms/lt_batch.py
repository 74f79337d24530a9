"""Vectorized LT-ADMM kernels for :mod:`netsim.runners.batched` (see
:mod:`netsim.algorithms.batch` for the contract and the bit-identity rules). No SimPy here.

* :class:`LtBatch` - LT-ADMM / LT-ADMM-VR (:class:`~netsim.algorithms.lt_admm.LtAdmmAgent`);
* :class:`LtCcBatch` - LT-ADMM-CC design A (:class:`~netsim.algorithms.lt_admm_cc.LtAdmmCcAgent`).

Both hold all agents' state in stacked arrays (edge variables in CSR order) and perform, per
agent, the operations of the per-agent classes in the same order.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import (_ReferenceSnapshots, _StackedEstimators, _StackedKernel,
                                     _take)
from netsim.compute import Work

__all__ = ["AdmmBatch", "LtBatch", "LtCcBatch", "LtCcEdgeBatch"]


class _LocalTrainingBatch(_StackedKernel):
    """Eq. (1)-(3) of LT-ADMM for a group: c = beta (rho d_i x_i - sum_j z_ij), then tau
    steps phi <- phi - gamma g(phi) - c (:func:`netsim.algorithms.lt_admm.local_training`)."""

    def _setup(self, agents):
        a0 = agents[0]
        self._init_stack(agents, np.stack([a.x for a in agents]))
        self.rho, self.alpha, self.beta = a0.rho, a0.alpha, a0.beta
        self.gamma, self.tau = a0.gamma, a0.tau
        self.Z = np.concatenate([a.z for a in agents])
        self.est = _StackedEstimators([a.estimator for a in agents],
                                      [a._first for a in agents])
        self.compressor = a0.compressor
        self.crng = [a._crng for a in agents]

    def _fields(self):
        return [("x", self.X, "node"), ("z", self.Z, "edge")]

    def _batch_local_steps(self, ids):
        g = self.groups.get(ids)
        X = _take(self.X, g)
        grads = self.est.start(g, X)
        c = self.beta * ((self.rho * g.degc) * X - g.edge_sum(self.Z))
        draws = self.est.draws(g, self.tau)
        phi, n = X, 0
        for t in range(self.tau):
            grad, count = self.est(g, phi, None if draws is None else draws[:, t])
            n += count
            phi = phi - self.gamma * grad - c
        self.X[g.sel] = phi
        per = n.tolist() if isinstance(n, np.ndarray) else [n] * len(grads)
        return g.unsort([Work(gradients=k + c) for k, c in zip(grads, per)])


class _EdgeMessages:
    """Edge ADMM messaging (:mod:`netsim.algorithms.admm` eq. (2)-(3)): m_ij = z_ij - 2 rho x_i
    compressed row by row, sent to j; z_ij <- (1 - alpha) z_ij - alpha m_ji on receipt."""

    has_references = False

    def _batch_outgoing(self, ids):
        g = self.groups.get(ids)
        M = self.Z[g.esel] - (2.0 * self.rho) * g.per_edge(_take(self.X, g))
        vals, bits = self._compress(M, g.edge_owners, g.esel, self.Z.shape[0])
        nbr = g.nbr
        return g.unsort([[(nbr[e], vals[e], bits) for e in range(s, t)] for s, t in g.spans])

    def _batch_incoming(self, ids, boxes):
        g = self.groups.get(ids)
        msgs, rows = g.gather(boxes)
        if not msgs:
            return
        e = g.esel if rows is None else g.edges[rows]
        self.Z[e] = (1.0 - self.alpha) * self.Z[e] - self.alpha * np.array(msgs)


class LtBatch(_EdgeMessages, _LocalTrainingBatch):
    """LT-ADMM / LT-ADMM-VR (:class:`~netsim.algorithms.lt_admm.LtAdmmAgent`): local
    training, then edge messages (:class:`_EdgeMessages`)."""

    def __init__(self, agents):
        self._setup(agents)
        self._bind_views()


class AdmmBatch(_EdgeMessages, _StackedKernel):
    """Exact decentralized ADMM (:class:`~netsim.algorithms.admm.AdmmAgent`), eq. (1):
    x_i = argmin f_i(x) + (rho d_i / 2)||x||^2 - <sum_j z_ij, x>, one exact solve per agent
    of the group (looped: Newton, Cholesky or lasso active set, warm-started at x_i)."""

    def __init__(self, agents):
        a0 = agents[0]
        self._init_stack(agents, np.stack([a.x for a in agents]))
        self.rho, self.alpha = a0.rho, a0.alpha
        self.Z = np.concatenate([a.z for a in agents])
        self.problems = [a.problem for a in agents]
        self.compressor = a0.compressor
        self.crng = [a._crng for a in agents]
        self._bind_views()

    def _fields(self):
        return [("x", self.X, "node"), ("z", self.Z, "edge")]

    def _batch_local_steps(self, ids):
        g = self.groups.get(ids)
        out = []
        for i in g.ids.tolist():
            d = int(self.deg[i])
            v = self.Z[self.off[i]:self.off[i] + d].sum(axis=0)
            self.X[i], grads = self.problems[i].solve(self.rho * d, v, x_init=self.X[i])
            out.append(Work(gradients=int(grads), solves=1))
        return g.unsort(out)


class LtCcBatch(_ReferenceSnapshots, _LocalTrainingBatch):
    """LT-ADMM-CC design A (:class:`~netsim.algorithms.lt_admm_cc.LtAdmmCcAgent`), eq. (3)-(6):
    q_i = C(x_i - u_i) broadcast; u_i <- u_i + eta q_i, u^_j <- u^_j + eta q_j;
    z_ij <- (1 - alpha) z_ij - alpha z~_ji + 2 alpha rho u^_j and the mirror update of z~_ji."""

    def __init__(self, agents):
        self._setup(agents)
        self.eta, self.ef = agents[0].eta, agents[0].error_feedback
        self.U = np.stack([a.u for a in agents])
        self.Q = np.zeros_like(self.U)
        self.UH = np.concatenate([a.u_hat for a in agents])
        self.ZM = np.concatenate([a.z_mirror for a in agents])
        self._bind_views()

    def _fields(self):
        return super()._fields() + [("u", self.U, "node"), ("u_hat", self.UH, "edge"),
                                    ("z_mirror", self.ZM, "edge")]

    def _batch_outgoing(self, ids):
        g = self.groups.get(ids)
        V = _take(self.X, g) - _take(self.U, g) if self.ef else _take(self.X, g)
        vals, bits = self._compress(V, g.ids.tolist(), g.sel, self.n)
        self.Q[g.sel] = vals
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def _batch_incoming(self, ids, boxes):
        g = self.groups.get(ids)
        self.U[g.sel] = (_take(self.U, g) + self.eta * _take(self.Q, g) if self.ef
                         else _take(self.Q, g))
        msgs, rows = g.gather(boxes)
        if msgs:
            e = g.esel if rows is None else g.edges[rows]
            self.UH[e] = self.UH[e] + self.eta * np.array(msgs) if self.ef else np.array(msgs)
        E = g.esel
        z_old = self.Z[E]
        zm = self.ZM[E]
        a, k = self.alpha, 2.0 * self.alpha * self.rho
        z_new = (1.0 - a) * z_old - a * zm + k * self.UH[E]
        self.ZM[E] = (1.0 - a) * zm - a * z_old + k * g.per_edge(_take(self.U, g))
        self.Z[E] = z_new

    @property
    def R(self):
        return self.U

    @property
    def RC(self):
        return self.UH


class LtCcEdgeBatch(_ReferenceSnapshots, _LocalTrainingBatch):
    """LT-ADMM-CC design B (:class:`~netsim.algorithms.lt_admm_cc.LtAdmmCcEdgeAgent`): per
    directed edge a shared reference s_ij; y_ij = z_ij - 2 rho x_i, q_ij = C(y_ij - s_ij) sent
    to j, s_ij <- s_ij + eta q_ij at both ends (s^_ij at j), z_ji <- (1 - alpha) z_ji -
    alpha s^_ij. Without error feedback q_ij = C(y_ij) and s_ij = q_ij."""

    edge_refs = True

    def __init__(self, agents):
        self._setup(agents)
        self.eta, self.ef = agents[0].eta, agents[0].error_feedback
        self.S = np.concatenate([a.s for a in agents])
        self.SH = np.concatenate([a.s_hat for a in agents])
        self._bind_views()

    def _fields(self):
        return super()._fields() + [("s", self.S, "edge"), ("s_hat", self.SH, "edge")]

    R = property(lambda self: self.S)
    RC = property(lambda self: self.SH)

    def _batch_outgoing(self, ids):
        g = self.groups.get(ids)
        E = g.esel
        Y = self.Z[E] - (2.0 * self.rho) * g.per_edge(_take(self.X, g))
        vals, bits = self._compress(Y - self.S[E] if self.ef else Y, g.edge_owners, E,
                                    self.Z.shape[0])
        self.S[E] = self.S[E] + self.eta * vals if self.ef else vals
        nbr = g.nbr
        return g.unsort([[(nbr[e], vals[e], bits) for e in range(s, t)] for s, t in g.spans])

    def _batch_incoming(self, ids, boxes):
        g = self.groups.get(ids)
        msgs, rows = g.gather(boxes)
        if msgs:
            e = g.esel if rows is None else g.edges[rows]
            M = np.array(msgs)
            self.SH[e] = self.SH[e] + self.eta * M if self.ef else M
        E = g.esel
        self.Z[E] = (1.0 - self.alpha) * self.Z[E] - self.alpha * self.SH[E]
