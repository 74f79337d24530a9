"""Compressed gossip baselines (spec ``lt_admm_cc.md`` §6): their shared base, :class:`GossipBase`.

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
from netsim.compute import Work
from netsim.network.mixing import metropolis_edge_weights, metropolis_weights

__all__ = ["GossipBase", "auto_step"]


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
