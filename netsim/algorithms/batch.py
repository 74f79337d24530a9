"""Peer kernels: each peer algorithm is one class over stacked state.

The state: models X (N, d), edge variables in CSR order, method arrays, with three phases over a
group of agents that step together. :mod:`netsim.runners.batched` decides *when* a phase runs and
for whom (the test-only process-per-agent oracle runs every agent as a group of one); a
kernel decides *what* it computes. No SimPy here.

For a group ``ids`` (a list of agent indices) a kernel provides:

* ``local_steps(ids) -> list[Work]`` - the local computation of each agent;
* ``outgoing(ids) -> list[list[(dst, value, bits)]]`` - what each agent hands to the
  network (dst None: a broadcast to every neighbour);
* ``incoming(ids, boxes)`` - ``boxes[r]`` maps a neighbour of ``ids[r]`` to the value that
  arrived this round (absent: lost or late; a missing message is data);
* ``x(i)``, ``xs(ids)`` and, when ``has_references``, ``references(i)`` for the monitor.

The kernels (:mod:`netsim.algorithms.lt_batch`: exact ADMM, LT-ADMM, LT-ADMM-VR, LT-ADMM-CC
designs A and B; :mod:`netsim.algorithms.gossip_batch`: the six gossip baselines) use the
pieces defined here: the CSR layout (agent i's edge rows are ``off[i] .. off[i] + d_i``,
neighbours sorted), groups (:class:`_Groups`: a contiguous group, in particular a group of
one, is addressed by basic slices, so its reads are views at per-agent cost), compressor
channels (:meth:`StackedKernel._compress`); the shared-estimate channel and ``ref_drift``
are in :mod:`netsim.algorithms.channel`. Each agent's arithmetic does not depend on the group it
steps in: ``z.sum(axis=0)`` over an agent's d_i edge rows is a running sum 0 + r_0 + r_1 +
... slot by slot (numpy's axis-0 reduction order; ``np.add.reduceat`` sums differently), dot
products follow :mod:`netsim.algorithms.estimators`. tests/test_batched_engine.py runs both
engines, and the per-agent oracle classes of tests/oracle/, on the same scenarios and
compares every output file bit for bit.
"""

from __future__ import annotations

import functools

import numpy as np

from netsim.algorithms.channel import _edge_rows
from netsim.compression.base import tree_map

__all__ = ["StackedKernel"]




class _Groups:
    """Index arrays of a group of agents (cached: in lockstep the same group recurs).

    Groups of one are kept apart, one per agent for the whole run (asynchronous agents step
    alone, each in turn). Larger groups share a cache emptied when the agents of its groups
    would exceed ``4 N + 1024`` (memory O(N), as the stacked state; asynchronous agents also
    finish in small groups that recur about once per agent and round, e.g. the two neighbours
    of the agent whose message both waited for: a bound independent of N would rebuild them
    all every round at large N).
    """

    def __init__(self, off, deg, nbr):
        self.off, self.deg, self.nbr = off, deg, nbr
        self.n = deg.size
        self._cache: dict = {}
        self._cached = 0                     # agents in the cached groups
        self._budget = 4 * self.n + 1024
        self._singles: list = [None] * self.n

    def get(self, ids):
        """The group of ``ids`` with its agents sorted.

        Kernels compute in index order, which is free of copies when the group is everybody; results
        go back in the caller's order with :meth:`_Group.unsort`: each agent's arithmetic does not
        depend on the others.
        """
        if len(ids) == 1:
            i = ids[0]
            g = self._singles[i]
            if g is None:
                g = self._singles[i] = _Group(np.array([i], dtype=np.intp), self, [0])
            return g
        key = tuple(ids)
        g = self._cache.get(key)
        if g is None:
            if self._cached + len(ids) > self._budget:
                self._cache.clear()
                self._cached = 0
            self._cached += len(ids)
            order = sorted(range(len(ids)), key=ids.__getitem__)
            g = self._cache[key] = _Group(np.asarray([ids[p] for p in order], dtype=np.intp),
                                          self, order)
        return g


class _Group:
    """A group of agents that step together, and its edge rows.

    Attributes: ids (sorted); order (caller's position of each sorted row); all (ids == 0..N-1);
    single (one agent); sel (the rows of ``ids``: a slice when they are contiguous, so that reads
    are views and writes cost a copy of the rows only, the per-agent cost for a group of one; else
    ``ids``); edges (the group's edge rows in CSR order); esel (the same as a slice when contiguous,
    else ``edges``); owner (row of ``ids`` owning each edge); slots (for each slot r, the group rows
    with degree > r and their r-th edge); spans (per agent, its range in ``edges``); nbr (neighbour
    at each edge).
    """

    def __init__(self, ids, groups, order):
        self.ids = ids
        self.order = None if order == list(range(len(order))) else order
        self.all = ids.size == groups.n and bool(np.all(ids == np.arange(groups.n)))
        self.single = ids.size == 1
        deg = groups.deg[ids]
        off = groups.off[ids]
        self.deg = deg
        self.degc = deg[:, None]
        self.edges = _edge_rows(off, deg)
        lo, hi = int(ids[0]), int(ids[-1]) + 1
        if hi - lo == ids.size:
            self.sel = slice(lo, hi)
            self.esel = slice(int(off[0]), int(off[-1] + deg[-1]))
        else:
            self.sel, self.esel = ids, self.edges
        self.owner = np.repeat(np.arange(ids.size), deg)
        self.edge_owners = ids[self.owner].tolist()
        self._off = off
        ends = np.concatenate([[0], np.cumsum(deg)])
        self.spans = list(zip(ends[:-1].tolist(), ends[1:].tolist()))
        self.nbr = groups.nbr[self.edges].tolist()

    @functools.cached_property
    def slots(self):
        """For each slot r, the group rows with degree > r and their r-th edge.

        Made when first needed: only :meth:`edge_sum` of a group of several agents reads them.
        """
        deg, off = self.deg, self._off
        return [(np.flatnonzero(deg > r), off[deg > r] + r) for r in range(deg.max())]

    def sort(self, per_caller):
        """A list in the caller's order -> in sorted order."""
        return per_caller if self.order is None else [per_caller[p] for p in self.order]

    def unsort(self, per_sorted):
        """A list in sorted order -> in the caller's order."""
        if self.order is None:
            return per_sorted
        out = [None] * len(per_sorted)
        for r, p in enumerate(self.order):
            out[p] = per_sorted[r]
        return out

    def gather(self, boxes):
        """Values of every edge of the group from the agents' boxes (caller's order).

        In edge order, with the edge positions that had one (None: all did).
        """
        nbr = self.nbr
        vals = [box.get(nbr[e]) for (s, t), box in zip(self.spans, self.sort(boxes))
                for e in range(s, t)]
        if sum(len(b) for b in boxes) == len(vals):     # a box holds neighbours' values only
            return vals, None
        rows = [e for e, v in enumerate(vals) if v is not None]
        return [vals[e] for e in rows], rows

    def per_edge(self, rows):
        """Rows of the group (G, d) -> the owner's row at each of its edges.

        A broadcastable (1, d) view for a group of one.
        """
        return rows if self.single else rows[self.owner]

    def edge_sum(self, Z):
        """Per agent of the group, 0 + z_1 + z_2 + ... over its edge rows.

        In numpy's order; for one agent ``sum(axis=0)`` itself.
        """
        if self.single:
            return Z[self.esel].sum(axis=0, keepdims=True)
        acc = np.zeros((self.ids.size, Z.shape[1]))
        for rows, e in self.slots:
            if rows.size == self.ids.size:
                acc = acc + Z[e]
            else:
                acc[rows] = acc[rows] + Z[e]
        return acc


def _take(arr, g):
    """The group's rows of ``arr`` (a view when the group is contiguous)."""
    return arr[g.sel]


class StackedKernel:
    """What the peer kernels share.

    The CSR layout of the edge rows (deg, off, nbr: neighbour per row, src: owner per row), the
    group cache, the models X, the compressor with its per-agent streams and per-channel states, and
    the phases' signatures (see the module docstring); subclasses implement ``local_steps``,
    ``outgoing`` and ``incoming``.
    """

    has_references = False

    def _init_stack(self, graph, x0, compressor, streams):
        """Layout from the (connected, undirected) ``graph``; X = x0 (copied, float).

        Agent i's compressor stream is ("agent", i, "compressor").
        """
        n = graph.number_of_nodes()
        self.n = n
        self.neighbors = [sorted(graph.neighbors(i)) for i in range(n)]
        self.deg = np.array([len(nb) for nb in self.neighbors])
        self.off = np.concatenate([[0], np.cumsum(self.deg)[:-1]])
        self.nbr = np.concatenate(self.neighbors).astype(np.intp)
        self.src = np.repeat(np.arange(n), self.deg)
        self.groups = _Groups(self.off, self.deg, self.nbr)
        self.X = np.array(x0, dtype=float)
        self.compressor = compressor
        self.crng = [streams.generator("agent", i, "compressor") for i in range(n)]
        self.cstate = None                 # compressor states, one row per channel
        self._cready = False               # cstate made (None for a stateless compressor)

    def _compress(self, V, owners, sel, channels):
        """``compressor.rows`` on ``V``, one row per channel ``sel`` of the stacked states.

        Row r draws from agent ``owners[r]``'s stream; stores the new states.
        """
        if not self._cready:
            self.cstate = self.compressor.stack_state(V.shape[1], channels)
            self._cready = True
        if self.cstate is None:                    # stateless: no state trees
            vals, bits, _ = self.compressor.rows(V, [self.crng[i] for i in owners], None)
            return vals, bits
        st = tree_map(lambda a: a[sel], self.cstate)
        vals, bits, st = self.compressor.rows(V, [self.crng[i] for i in owners], st)
        if st is not None:
            _assign(self.cstate, sel, st)
        return vals, bits

    def x(self, i):
        """Agent ``i``'s model, shape (d,): a view of the stacked models."""
        return self.X[i]

    def xs(self, ids):
        """The models of agents ``ids``, shape (len(ids), d) (a copy)."""
        return self.X[ids]

    def neighbors_of(self, i):
        """Agent ``i``'s neighbours, sorted."""
        return self.neighbors[i]


def _assign(dst, sel, src):
    """dst[sel] = src for every array of a (nested tuple) compressor state."""
    if isinstance(dst, tuple):
        for d, s_ in zip(dst, src):
            _assign(d, sel, s_)
    elif dst is not None:
        dst[sel] = src
