"""Edge-ADMM kernels: exact decentralized ADMM, LT-ADMM, LT-ADMM-VR and LT-ADMM-CC (designs A
and B), each one class over stacked state (see :mod:`netsim.algorithms.batch`). No SimPy.

Relaxed edge ADMM (Bastianello et al., IEEE TAC 66(6), 2021; spec ``lt_admm_cc.md`` §2).
Each undirected edge {i, j} carries z_ij (held by i) and z_ji (held by j); round k of agent i:

    x_i  = argmin_x f_i(x) + (rho d_i / 2) ||x||^2 - < sum_{j in N_i} z_ij , x >   (ADMM, exact)
    m_ij = z_ij - 2 rho x_i                      sent to j
    z_ij = (1 - alpha) z_ij - alpha m_ji          on receipt of j's message

with z_ij = 0 initially. LT-ADMM / LT-ADMM-VR (Ren, Bastianello, Johansson, Parisini, IEEE
TAC 2026, arXiv 2501.13516) replace the exact x-update by local training:

    c_i   = beta (rho d_i x_i - sum_{j in N_i} z_ij)                                    (1)
    phi^0 = x_i;  phi^{t+1} = phi^t - gamma g_i(phi^t) - c_i,  t = 0..tau-1;  x_i = phi^tau (2)

with z_ij = x_{i,0} initially and g_i a mini-batch or variance-reduced estimator
(:mod:`netsim.algorithms.estimators`).

LT-ADMM-CC, RECONSTRUCTION (spec §0, §3; arXiv 2508.15509 could not be retrieved). Design A
(§3.1): (1)-(2), then

    q_i   = C(x_i - u_i)             one broadcast to every neighbour                   (3)
    u_i   <- u_i + eta q_i;   u^_j <- u^_j + eta q_j  (j in N_i, on receipt)           (4)
    z_ij  <- (1 - alpha) z_ij - alpha z~_ji + 2 alpha rho u^_j                          (5)
    z~_ji <- (1 - alpha) z~_ji - alpha z_ij + 2 alpha rho u_i                           (6)

so z~_ji held by i equals z_ji held by j bit for bit on lossless links; u_i = u^_i = x_{i,0},
z_ij = x_{i,0}, z~_ji = x_{j,0} at start. Design B (§3.2): per directed edge a shared
reference s_ij; y_ij = z_ij - 2 rho x_i, q_ij = C(y_ij - s_ij) sent to j only,
s_ij <- s_ij + eta q_ij at both ends, z_ji <- (1 - alpha) z_ji - alpha s^_ij. Without error
feedback C(x_i) (resp. C(y_ij)) is sent and the reference is set to it (an error floor). A
lost message leaves the receiver's copy behind: the drift is reported as ``ref_drift``.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import StackedKernel, _take
from netsim.algorithms.channel import SharedEstimate, WithSharedEstimate
from netsim.algorithms.estimators import StackedEstimators
from netsim.compute import Work

__all__ = ["AdmmBatch", "LtBatch", "LtCcBatch", "LtCcEdgeBatch"]


def mirror_edge_update(z, z_mirror, u_other, alpha, rho):
    """(1 - alpha) z - alpha z_mirror + 2 alpha rho u_other: eq. (5), and (6) with the roles
    swapped (one function for both ends keeps the operation order, hence the bits, equal).
    """
    return (1.0 - alpha) * z - alpha * z_mirror + (2.0 * alpha * rho) * u_other


class _LocalTrainingBatch(StackedKernel):
    """Eq. (1)-(2) for a group: c = beta (rho d_i x_i - sum_j z_ij), then tau steps
    phi <- phi - gamma g(phi) - c.
    """

    def _setup(self, problem, graph, params, x0, streams, compressor, estimator):
        self._init_stack(graph, x0, compressor, streams)
        self.rho, self.alpha, self.beta = params["rho"], params["alpha"], params["beta"]
        self.gamma, self.tau = params["gamma"], int(params["tau"])
        self.Z = self.X[self.src].copy()                  # z_ij,0 = x_i,0
        self.est = StackedEstimators(
            estimator, problem.agents, params["batch"],
            [streams.generator("agent", i, "sampling") for i in range(self.n)])

    def local_steps(self, ids):
        if len(ids) <= 2 and all(self.est.one_sample(i) for i in ids):
            # one agent at a time is cheaper than the stacked path up to two agents (an
            # asynchronous ring's neighbours of one agent often start together)
            return [self._local_steps_one(i, self.groups.get([i])) for i in ids]
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
        return g.unsort([Work(gradients=k + m) for k, m in zip(grads, per)])

    def _local_steps_one(self, i, g):
        """Eq. (1)-(2) for agent ``i`` alone (group ``g``) with batch-1 mini-batches: the
        group path's operations on the agent's own (d,) row, the same bits (products of the
        same IEEE doubles; ``edge_sum`` of a group of one is ``sum(axis=0)``), without the
        (1, d) stacking and per-step dispatch.
        """
        est = self.est
        x = self.X[i]
        c = self.beta * ((self.rho * int(self.deg[i])) * x - self.Z[g.esel].sum(axis=0))
        phi, gamma, grad = x, self.gamma, est.sample_gradient(i)
        for h in est.ests[i]._block_of(self.tau).tolist():
            phi = phi - gamma * grad(phi, h) - c
        self.X[i] = phi
        return Work(gradients=self.tau)


class _EdgeMessages:
    """Edge ADMM messaging (module docstring): m_ij = z_ij - 2 rho x_i
    compressed row by row, sent to j; z_ij <- (1 - alpha) z_ij - alpha m_ji on receipt.
    """

    has_references = False

    def outgoing(self, ids):
        g = self.groups.get(ids)
        M = self.Z[g.esel] - (2.0 * self.rho) * g.per_edge(_take(self.X, g))
        vals, bits = self._compress(M, g.edge_owners, g.esel, self.Z.shape[0])
        nbr = g.nbr
        return g.unsort([[(nbr[e], vals[e], bits) for e in range(s, t)] for s, t in g.spans])

    def incoming(self, ids, boxes):
        g = self.groups.get(ids)
        msgs, rows = g.gather(boxes)
        if not msgs:
            return
        e = g.esel if rows is None else g.edges[rows]
        self.Z[e] = (1.0 - self.alpha) * self.Z[e] - self.alpha * np.array(msgs)


class LtBatch(_EdgeMessages, _LocalTrainingBatch):
    """LT-ADMM / LT-ADMM-VR: local training, then edge messages (:class:`_EdgeMessages`).

    Args:
        problem, graph, params, x0, streams, compressor: as for every registry builder
            (:mod:`netsim.algorithms.registry`); ``params["estimator"]`` picks the estimator
            (LT-ADMM: "minibatch").
    """

    #: runs asynchronous rounds (``[algorithm] wait``): z_ij from the latest received message
    asynchronous = True

    def __init__(self, problem, graph, params, x0, streams, compressor):
        self._setup(problem, graph, params, x0, streams, compressor,
                    params.get("estimator", "minibatch"))


class AdmmBatch(_EdgeMessages, StackedKernel):
    """Exact decentralized ADMM: x_i = argmin f_i(x) + (rho d_i / 2)||x||^2 - <sum_j z_ij, x>,
    one exact solve per agent of the group (looped: Newton, Cholesky or lasso active set,
    warm-started at x_i); z = 0 at start. Arguments as for :class:`LtBatch`.
    """

    #: runs asynchronous rounds (the relaxed ADMM of Bastianello et al., arXiv 1901.09252)
    asynchronous = True

    def __init__(self, problem, graph, params, x0, streams, compressor):
        self._init_stack(graph, x0, compressor, streams)
        self.rho, self.alpha = params["rho"], params["alpha"]
        self.Z = np.zeros((self.src.size, self.X.shape[1]))
        self.problems = problem.agents

    def local_steps(self, ids):
        """Agents ``ids``: the ADMM x-update (one exact solve each); see :class:`AdmmBatch`."""
        g = self.groups.get(ids)
        out = []
        for i in g.ids.tolist():
            d = int(self.deg[i])
            v = self.Z[self.off[i]:self.off[i] + d].sum(axis=0)
            self.X[i], grads = self.problems[i].solve(self.rho * d, v, x_init=self.X[i])
            out.append(Work(gradients=int(grads), solves=1))
        return g.unsort(out)


class LtCcBatch(WithSharedEstimate, _LocalTrainingBatch):
    """LT-ADMM-CC design A, eq. (1)-(6): q_i = C(x_i - u_i) broadcast over the shared estimate
    (u_i, u^_j; :class:`~netsim.algorithms.channel.SharedEstimate` with step eta), then
    z_ij <- (1 - alpha) z_ij - alpha z~_ji + 2 alpha rho u^_j and the mirror update of z~_ji.
    """

    def __init__(self, problem, graph, params, x0, streams, compressor):
        self._setup(problem, graph, params, x0, streams, compressor, params["estimator"])
        self.ref = SharedEstimate(self, self.X.copy(), self.X[self.nbr].copy(),  # u, u^ = x0
                                  params["eta"], params["error_feedback"])
        self.Q = np.zeros_like(self.X)
        self.ZM = self.X[self.nbr].copy()                 # z~_ji = x_j,0

    U = property(lambda self: self.ref.R)
    UH = property(lambda self: self.ref.RC)

    def outgoing(self, ids):
        """Per agent of ``ids``: q_i = C(x_i - u_i), broadcast (eq. (1)-(6) of the class)."""
        g = self.groups.get(ids)
        vals, bits = self._compress(self.ref.delta(_take(self.X, g), g.sel), g.ids.tolist(),
                                    g.sel, self.n)
        self.Q[g.sel] = vals
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def incoming(self, ids, boxes):
        """u_i <- u_i + eta q_i, the copies u^_j from what arrived, then z_ij and z~_ji."""
        g = self.groups.get(ids)
        self.ref.advance(g.sel, _take(self.Q, g))
        self.ref.receive(g, boxes)
        E = g.esel
        z_old = self.Z[E]
        zm = self.ZM[E]
        z_new = mirror_edge_update(z_old, zm, self.ref.RC[E], self.alpha, self.rho)
        self.ZM[E] = mirror_edge_update(zm, z_old, g.per_edge(_take(self.ref.R, g)), self.alpha,
                                        self.rho)
        self.Z[E] = z_new


class LtCcEdgeBatch(WithSharedEstimate, _LocalTrainingBatch):
    """LT-ADMM-CC design B: per directed edge a shared estimate s_ij (per-edge
    :class:`~netsim.algorithms.channel.SharedEstimate`); y_ij = z_ij - 2 rho x_i,
    q_ij = C(y_ij - s_ij) sent to j, s_ij <- s_ij + eta q_ij at both ends (s^_ij at j),
    z_ji <- (1 - alpha) z_ji - alpha s^_ij.
    """

    def __init__(self, problem, graph, params, x0, streams, compressor):
        self._setup(problem, graph, params, x0, streams, compressor, params["estimator"])
        self.ref = SharedEstimate(self, np.zeros_like(self.Z), np.zeros_like(self.Z),
                                  params["eta"], params["error_feedback"], per_edge=True)

    def outgoing(self, ids):
        """Per agent of ``ids``, per neighbour j: q_ij = C(y_ij - s_ij); s_ij advances."""
        g = self.groups.get(ids)
        E = g.esel
        Y = self.Z[E] - (2.0 * self.rho) * g.per_edge(_take(self.X, g))
        vals, bits = self._compress(self.ref.delta(Y, E), g.edge_owners, E, self.Z.shape[0])
        self.ref.advance(E, vals)
        nbr = g.nbr
        return g.unsort([[(nbr[e], vals[e], bits) for e in range(s, t)] for s, t in g.spans])

    def incoming(self, ids, boxes):
        """The copies s^_ij from what arrived, then z_ji <- (1 - alpha) z_ji - alpha s^_ij."""
        g = self.groups.get(ids)
        self.ref.receive(g, boxes)
        E = g.esel
        self.Z[E] = (1.0 - self.alpha) * self.Z[E] - self.alpha * self.ref.RC[E]
