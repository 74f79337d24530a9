"""Compressed gossip baselines (spec ``lt_admm_cc.md`` §6).

LEAD, CEDAS, COLD, DPDC, plus the teaching baselines CHOCO-SGD and DGD, each one class over stacked
state (see :mod:`netsim.algorithms.batch`). One (mini-batch or full) gradient per agent per round,
one compressed broadcast per agent per round, no local training. No SimPy here.

W is the Metropolis-Hastings matrix, w_ij = 1 / (1 + max(d_i, d_j)) on edges and
w_ii = 1 - sum_j w_ij, known to each agent for its own row. Every method except DGD sends a
compressed *difference* against a reference both ends keep: q_i = C(v_i - h_i),
h_i <- h_i + step q_i at the sender (H) and at every neighbour's copy (HC, CSR edge rows).
A lost message leaves the receiver's copy behind (drift, reported as ``ref_drift``).
Matrix notation below stacks agents' rows (X, D, H, ...). The mixing ``w_ii own + w_i @ rows``
is one BLAS gemv per agent: a stacked ``np.matmul`` over the agents of equal degree, which
calls the same routine per agent (a group of one calls it directly).
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms.batch import StackedKernel, _take
from netsim.algorithms.channel import SharedEstimate, WithSharedEstimate
from netsim.algorithms.estimators import StackedEstimators
from netsim.compression import scaled
from netsim.compute import Work
from netsim.network.mixing import metropolis_edge_weights, metropolis_weights

__all__ = ["GossipBase", "LeadBatch", "CedasBatch", "ChocoBatch", "ColdBatch", "DpdcBatch",
           "DgdBatch", "auto_step"]


def auto_step(value, compressor, dim):
    """The reference step: ``value``, or 1 / (1 + omega) for "auto".

    omega of an unbiased compressor; 1 for exact ones.
    """
    if value != "auto":
        return float(value)
    om = compressor.omega(dim)
    return 1.0 / (1.0 + om) if compressor.unbiased and np.isfinite(om) else 1.0


class _MixGroup:
    """For a group (sorted ids): the agents of each degree with their edge rows.

    Rows global and within the group, to compute w_i @ rows_i as one stacked matmul per degree.
    """

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
        """sum_j w_ij rows_j per agent of the group.

        ``rows`` indexed by edge row, or (with ``local``) by the group's own edge order
        (``g.edges``).
        """
        out = np.empty((n, dim))
        for pos, edges, loc, w in self.classes:
            out[pos] = np.matmul(w, rows[loc if local else edges])[:, 0, :]
        return out


class GossipBase(WithSharedEstimate, StackedKernel):
    """Common state of the gossip kernels.

    Models X, Metropolis rows (w_self, W per edge row), one shared-estimate channel ``ref`` (h_i
    and the copies h^_j, :class:`~netsim.algorithms.channel.SharedEstimate`; Q the last sent
    innovations), a mini-batch gradient estimator. A method sets ``params`` (its scalar
    parameters), ``ref_step_param`` and implements ``local_steps``, ``_to_send(g)`` and
    ``incoming``. Each name in ``params`` becomes an attribute holding the value its
    :class:`~netsim.algorithms.base.Param` check returned (``positive`` gives a float,
    ``pos_int`` an int, ``choice`` the string); all validated parameters are in
    ``param_values`` for ``_init_method``.

    Args:
        problem, graph, params, x0, streams, compressor: as for every registry builder.
    """

    params: tuple = ()
    ref_step_param: str | None = None

    def __init__(self, problem, graph, params, x0, streams, compressor):
        dim = problem.dim
        self._init_stack(graph, x0, self._channel(compressor, dim), streams)
        self.param_values = dict(params)    # every validated parameter, as its check parsed it
        for p in self.params:
            setattr(self, p, params[p])     # numbers arrive as float, choices as str, ints as int
        step = (auto_step(params[self.ref_step_param], compressor, dim)
                if self.ref_step_param else 1.0)
        self.w_self = metropolis_weights(graph).diagonal()
        self.W = metropolis_edge_weights(graph, self.src, self.nbr)
        self.ref = SharedEstimate(self, np.zeros_like(self.X), np.zeros((self.src.size, dim)),
                                  step)
        self.Q = np.zeros_like(self.X)
        self.est = StackedEstimators(
            "minibatch", problem.agents, params["batch"],
            [streams.generator("agent", i, "sampling") for i in range(self.n)])
        self._init_method()

    def _channel(self, compressor, dim):
        """The compressor of the channel (COLD: its contractive form)."""
        return compressor

    def _init_method(self):
        """Method state beyond the channel (zeros, set by subclasses)."""

    def _zeros(self):
        return np.zeros_like(self.X)

    def _mixer(self, g):
        """The group's :class:`_MixGroup`, kept on the (cached) group."""
        m = getattr(g, "mixer", None)
        if m is None:
            m = g.mixer = _MixGroup(g, self.deg, self.off, self.W)
        return m

    def mix(self, g, own, rows, local=False):
        """w_ii own + sum_j w_ij rows_j for the group.

        ``rows`` by edge row (or, ``local``, in the group's own edge order).
        """
        ws = _take(self.w_self, g)[:, None]
        if g.single:                       # the agent's own gemv w_i @ rows_i
            return ws * own + self.W[g.esel] @ (rows if local else rows[g.esel])
        return ws * own + self._mixer(g).wsum(rows, g.ids.size, own.shape[1], local)

    def gradient(self, g, X):
        """(g_i(x_i) for the group's models X, component gradients per agent)."""
        draws = self.est.draws(g, 1)
        return self.est(g, X, None if draws is None else draws[:, 0])

    @staticmethod
    def work(g, counts):
        """Per-agent :class:`~netsim.compute.Work` of ``counts`` gradients, caller's order."""
        return g.unsort([Work(gradients=k) for k in counts.tolist()])

    def outgoing(self, ids):
        """q_i = C(v_i - h_i), broadcast; v from :meth:`_to_send`."""
        g = self.groups.get(ids)
        vals, bits = self._compress(self.ref.delta(self._to_send(g), g.sel), g.ids.tolist(),
                                    g.sel, self.n)
        self.Q[g.sel] = vals
        return g.unsort([[(None, vals[r], bits)] for r in range(g.ids.size)])

    def _received(self, g, boxes):
        """The copies h^_j <- h^_j + step q_j for what arrived.

        Returns Qr (the group's edges x d, 0 where lost).
        """
        M, rows = self.ref.receive(g, boxes)
        Qr = np.zeros((g.edges.size, self.X.shape[1]))
        if M is not None:
            Qr[slice(None) if rows is None else rows] = M
        return Qr

    def _compressed_difference(self, g, boxes):
        """LEAD / CEDAS communication: V^ - V^_w.

        V^ = H + Q, V^_w = H_w + W Q (rows of the group), then H <- H + step Q and the copies.
        """
        q, h = _take(self.Q, g), _take(self.ref.R, g)
        h_w = self.mix(g, h, self.ref.RC)
        v_hat = h + q
        v_hat_w = h_w + self.mix(g, q, self._received(g, boxes), local=True)
        self.ref.advance(g.sel, q)
        return v_hat - v_hat_w

    def _estimates(self, g, boxes):
        """CHOCO / COLD / DPDC communication.

        H <- H + step Q, the copies, then (h_i, w_ii h_i + sum_j w_ij h^_j).
        """
        self.ref.advance(g.sel, _take(self.Q, g))
        self.ref.receive(g, boxes)
        h = _take(self.ref.R, g)
        return h, self.mix(g, h, self.ref.RC)


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
