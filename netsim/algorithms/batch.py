"""Batched peer kernels: the agents that reach the same phase at the same simulated instant
step together. :mod:`netsim.runners.batched` decides *when* a phase runs and for whom; a
kernel decides *what* it computes. No SimPy here.

A batch kernel over agents 0..N-1 provides, for a group ``ids`` (a list of agent indices):

* ``local_steps(ids) -> list[Work]``  - eq. (1)-(3) of each agent's algorithm;
* ``outgoing(ids) -> list[list[(dst, value, bits)]]`` - what each agent hands to the
  network (:class:`~netsim.algorithms.base.Outgoing` or plain tuples; dst None: broadcast);
* ``incoming(ids, boxes)`` - ``boxes[r]`` maps a neighbour of ``ids[r]`` to the value that
  arrived this round (absent: lost or late);
* ``x(i)`` and ``references(i)`` (when ``has_references``) for the monitor.

Every peer algorithm has one (:func:`make_batch`): :mod:`netsim.algorithms.lt_batch` (exact
ADMM, LT-ADMM, LT-ADMM-VR, LT-ADMM-CC designs A and B), :mod:`netsim.algorithms.gossip_batch`
(the six gossip baselines). They hold all agents' state in stacked arrays (edge variables in CSR order: agent i's rows are
``off[i] .. off[i] + d_i``, neighbours sorted) and run each phase as a few numpy operations
on the whole group (a group of one on basic slices of it, at per-agent cost; exact
ADMM's solves and agents with ragged sample counts loop over the group inside the kernel),
with the pieces defined here: groups (:class:`_Groups`), stacked
gradient estimators (:class:`_StackedEstimators`) and ``ref_drift`` snapshots
(:class:`_ReferenceSnapshots`). They perform, for every agent, the same floating-point
operations in the same order as the per-agent classes, so results are bit-identical
(tests/test_batched_engine.py runs both engines on the same scenarios and compares every
output file). Operations whose batched form is chosen for that reason:

* a dot product ``a @ x`` of one agent (BLAS gemv) -> ``np.matmul`` on stacked operands, which
  calls the same BLAS routine per stack entry (``einsum`` / ``(a * x).sum()`` do not match);
  a one-row ``a.T @ w`` (gemv: 0 + a_j w) -> ``a * w + 0.0``;
* ``z.sum(axis=0)`` over an agent's d_i edge rows -> a running sum 0 + r_0 + r_1 + ... slot by
  slot (numpy's axis-0 reduction order; ``np.add.reduceat`` sums differently);
* sampling: per agent from its own stream, in the same order (see
  :meth:`~netsim.algorithms.estimators.MinibatchGradient._block_of`).

After the kernel is built, the agents' own arrays (``x``, ``z``, ...) are views into the
stacked state, so code that inspects agents after a run sees the current values.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from netsim.compression.base import tree_map


__all__ = ["make_batch"]


def _edge_rows(off, deg):
    """The CSR edge rows of agents with these offsets and degrees, agent after agent."""
    deg = np.asarray(deg)
    ends = np.cumsum(deg)
    return np.repeat(np.asarray(off) - (ends - deg), deg) + np.arange(ends[-1] if deg.size else 0)


def make_batch(agents):
    """The stacked kernel of these agents' algorithm (one class per algorithm family)."""
    from netsim.algorithms.admm import AdmmAgent
    from netsim.algorithms.gossip_batch import GossipBatch
    from netsim.algorithms.lt_admm import LtAdmmAgent
    from netsim.algorithms.lt_admm_cc import LtAdmmCcAgent, LtAdmmCcEdgeAgent
    from netsim.algorithms.lt_batch import AdmmBatch, LtBatch, LtCcBatch, LtCcEdgeBatch

    kernel = {AdmmAgent: AdmmBatch, LtAdmmAgent: LtBatch, LtAdmmCcAgent: LtCcBatch,
              LtAdmmCcEdgeAgent: LtCcEdgeBatch}.get(type(agents[0]))
    return kernel(agents) if kernel else GossipBatch(agents, type(agents[0]).__name__)


class _Groups:
    """Index arrays of a group of agents (cached: in lockstep the same group recurs)."""

    def __init__(self, off, deg, nbr):
        self.off, self.deg, self.nbr = off, deg, nbr
        self.n = deg.size
        self._cache: dict = {}

    def get(self, ids):
        """The group of ``ids`` with its agents sorted (kernels compute in index order, which
        is free of copies when the group is everybody; results go back in the caller's order
        with :meth:`_Group.unsort`: each agent's arithmetic does not depend on the others)."""
        key = tuple(ids)
        g = self._cache.get(key)
        if g is None:
            if len(self._cache) > 256:
                self._cache.clear()
            order = sorted(range(len(ids)), key=ids.__getitem__)
            g = self._cache[key] = _Group(np.asarray([ids[p] for p in order], dtype=np.intp),
                                          self, order)
        return g


class _Group:
    """Attributes: ids (sorted); order (caller's position of each sorted row); all (ids ==
    0..N-1); single (one agent); sel (the rows of ``ids``: a slice when they are
    contiguous, so that reads are views and writes cost a copy of the rows only, the per-agent
    cost for a group of one; else ``ids``); edges (the group's edge rows in CSR order);
    esel (the same as a slice when contiguous, else ``edges``); owner (row of ``ids`` owning
    each edge); slots (for each slot r, the group rows with degree > r and their r-th edge);
    spans (per agent, its range in ``edges``); nbr (neighbour at each edge)."""

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
        self.slots = [(np.flatnonzero(deg > r), off[deg > r] + r) for r in range(deg.max())]
        ends = np.concatenate([[0], np.cumsum(deg)])
        self.spans = list(zip(ends[:-1].tolist(), ends[1:].tolist()))
        self.nbr = groups.nbr[self.edges].tolist()

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
        """Values of every edge of the group from the agents' boxes (caller's order), in
        edge order, with the edge positions that had one (None: all did)."""
        nbr = self.nbr
        vals = [box.get(nbr[e]) for (s, t), box in zip(self.spans, self.sort(boxes))
                for e in range(s, t)]
        if sum(len(b) for b in boxes) == len(vals):     # a box holds neighbours' values only
            return vals, None
        rows = [e for e, v in enumerate(vals) if v is not None]
        return [vals[e] for e in rows], rows

    def per_edge(self, rows):
        """Rows of the group (G, d) -> the owner's row at each of its edges (a broadcastable
        (1, d) view for a group of one)."""
        return rows if self.single else rows[self.owner]

    def edge_sum(self, Z):
        """Per agent of the group, 0 + z_1 + z_2 + ... over its edge rows (numpy's order;
        for one agent ``sum(axis=0)`` itself)."""
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


class _Views:
    """Rebinds the agents' array attributes to views of the stacked state, so that code
    inspecting ``sim.agents`` after a run sees the current values. ``_fields()`` lists
    (attribute path, stacked array, kind) with kind "node" (row i) or "edge" (agent i's CSR
    rows)."""

    def _bind_views(self):
        for path, arr, kind in self._fields():
            for i, a in enumerate(self.agents):
                s = i if kind == "node" else slice(self.off[i], self.off[i] + self.deg[i])
                _set(a, path, arr[s])


def _set(obj, path, value):
    *head, last = path.split(".")
    for name in head:
        obj = getattr(obj, name)
    setattr(obj, last, value)


class _StackedKernel(_Views):
    """What the vectorized kernels share: the agents, the CSR layout of the edge rows (deg,
    off, nbr: neighbour per row, src: owner per row), the group cache, the models X, and the
    phases over a group of any size (a group of one runs the same code on slices)."""

    def _init_stack(self, agents, X):
        self.agents, self.n = agents, len(agents)
        self.deg = np.array([len(a.neighbors) for a in agents])
        self.off = np.concatenate([[0], np.cumsum(self.deg)[:-1]])
        self.nbr = np.concatenate([a.neighbors for a in agents]).astype(np.intp)
        self.src = np.repeat(np.arange(self.n), self.deg)
        self.groups = _Groups(self.off, self.deg, self.nbr)
        self.X = X
        self.cstate = None                 # compressor states, one row per channel
        self._snaps: dict = {}

    def _compress(self, V, owners, sel, channels):
        """``compressor.rows`` on ``V`` (one row per channel ``sel`` of the stacked channel
        states), row r drawing from agent ``owners[r]``'s stream; stores the new states."""
        if self.cstate is None:
            self.cstate = self.compressor.stack_state(V.shape[1], channels)
        st = tree_map(lambda a: a[sel], self.cstate)
        vals, bits, st = self.compressor.rows(V, [self.crng[i] for i in owners], st)
        if st is not None:
            _assign(self.cstate, sel, st)
        return vals, bits

    def x(self, i):
        return self.X[i]

    def xs(self, ids):
        return self.X[ids]

    def neighbors_of(self, i):
        return self.agents[i].neighbors

    def local_steps(self, ids):
        return self._batch_local_steps(ids)

    def outgoing(self, ids):
        return self._batch_outgoing(ids)

    def incoming(self, ids, boxes):
        self._batch_incoming(ids, boxes)


def _assign(dst, sel, src):
    """dst[sel] = src for every array of a (nested tuple) compressor state."""
    if isinstance(dst, tuple):
        for d, s_ in zip(dst, src):
            _assign(d, sel, s_)
    elif dst is not None:
        dst[sel] = src


class _StackedEstimators:
    """The agents' gradient estimators (one type, one batch size) on stacked data
    A (N, m, d), b (N, m): the operations of :mod:`netsim.algorithms.estimators` and
    :class:`~netsim.problems.local.LocalProblem`, per agent, on a group at once."""

    def __init__(self, ests, first=None):
        from netsim.algorithms.estimators import SagaGradient, SvrgGradient
        from netsim.problems.problem import stacked_rows

        self.ests = ests
        e0 = ests[0]
        self.kind = ("svrg" if type(e0) is SvrgGradient else
                     "saga" if type(e0) is SagaGradient else "minibatch")
        probs = [e.problem for e in ests]
        self.logistic = probs[0].kind == "logistic"
        #: ragged sample counts: the data stay per agent (lists) and every group runs as a
        #: loop of groups of one (each agent its own m_i and full-batch flag)
        self.ragged = len({p.m for p in probs}) > 1
        self.ms, self.fulls = [e.m for e in ests], [e.full for e in ests]
        self.full, self.m = all(self.fulls), e0.m
        self.batch = next((e.batch for e in ests if not e.full), e0.batch)
        if self.ragged:
            self.A, self.b = [p.A for p in probs], [p.b for p in probs]
        else:
            self.A, self.b = stacked_rows(probs)
        self.reg = np.array([p.reg for p in probs])
        n, d = len(ests), probs[0].dim
        self.T = self.mean = None
        self._own: dict = {}
        self.first = np.ones(n, dtype=bool) if first is None else np.array(first, dtype=bool)
        if self.kind != "minibatch" and not self.full:
            self.T = ([np.zeros((m, d)) for m in self.ms] if self.ragged
                      else np.zeros((n, self.m, d)))
            self.mean = np.zeros((n, d))
            for i, e in enumerate(ests):       # tables filled before the kernel took over
                if getattr(e, "table", None) is not None:
                    self.T[i], self.mean[i] = e.table, e.mean
                e.table, e.mean = self.T[i], self.mean[i]     # one state, two views

    def _weights(self, a, y, x):
        """d loss / d (a.x) for rows a (B, d), targets y (B,), model x (d,), or stacked:
        a (G, B, d), y (G, B), x (G, d)."""
        z = _mv(a, x)
        if not self.logistic:
            return z - y
        return -y * expit(-y * z)

    def start(self, g, X):
        """Round start at X (rows of the group): SAGA fills its table in an agent's first
        round, SVRG in every round. Returns the gradients evaluated, per agent (a list)."""
        if self.full or self.kind == "minibatch":
            return [0] * g.ids.size
        if self.ragged:
            out = []
            for r, i in enumerate(g.ids.tolist()):
                fill = not self.fulls[i] and (self.kind == "svrg" or self.first[i])
                if fill:
                    A, b, reg, T, mean, m, _ = self._own_of(i)
                    T[...] = A * self._weights(A, b, X[r])[:, None] + reg * X[r]
                    mean[...] = T.mean(axis=0)
                self.first[i] = False
                out.append(self.ms[i] if fill else 0)
            return out
        if self.kind == "svrg":
            self._fill(g.sel, X)
            return [self.m] * g.ids.size
        if g.single and not self.first[g.ids[0]]:
            return [0]
        fill = self.first[g.sel].copy()
        if fill.all():
            self._fill(g.sel, X)
        elif fill.any():
            self._fill(g.ids[fill], X[fill])
        self.first[g.sel] = False
        return np.where(fill, self.m, 0).tolist()

    def _fill(self, sel, X):
        A, b = self.A[sel], self.b[sel]
        w = self._weights(A, b, X)
        T = A * w[:, :, None] + self.reg[sel][:, None, None] * X[:, None, :]
        self.T[sel] = T
        self.mean[sel] = T.mean(axis=1)

    def draws(self, g, tau):
        """Every mini-batch of the round, drawn per agent in step order: (G, tau, B)."""
        if self.full:
            return None
        if self.ragged:
            return np.stack([np.zeros((tau, self.batch), dtype=np.intp) if self.fulls[i]
                             else self.ests[i]._block_of(tau)[:, None] if self.batch == 1
                             else np.stack([self.ests[i]._sample() for _ in range(tau)])
                             for i in g.ids])
        if self.batch == 1:
            if g.single:
                return self.ests[g.ids[0]]._block_of(tau)[None, :, None]
            return np.stack([self.ests[i]._block_of(tau) for i in g.ids])[:, :, None]
        return np.stack([np.stack([self.ests[i]._sample() for _ in range(tau)])
                         for i in g.ids])

    def __call__(self, g, phi, idx):
        """(g_i(phi_i) for the group, component gradients per agent); idx (G, B). A group
        of one runs the same formulas on the agent's own rows (views, per-agent shapes)."""
        if g.single:
            est, n = self._estimate(phi[0], *self._own_of(int(g.ids[0])),
                                    None if idx is None else idx[0])
            return est[None], n
        if self.ragged:                     # counts differ: m_i for full-batch agents
            out = [self._estimate(phi[r], *self._own_of(i), None if idx is None else idx[r])
                   for r, i in enumerate(g.ids.tolist())]
            return np.stack([e for e, _ in out]), np.array([c for _, c in out])
        full = self.full
        return self._estimate(phi, _take(self.A, g) if full else None,
                              _take(self.b, g) if full else None, _take(self.reg, g)[:, None],
                              None, None if self.mean is None else _take(self.mean, g),
                              self.m, full, idx, g)

    def _own_of(self, i):
        """Agent i's data and state as views (made once): A, b, reg, T, mean, m, full."""
        own = self._own.get(i)
        if own is None:
            own = self._own[i] = (self.A[i], self.b[i], self.reg[i:i + 1],
                                  None if self.T is None else self.T[i],
                                  None if self.mean is None else self.mean[i],
                                  self.ms[i], self.fulls[i])
        return own

    def _estimate(self, phi, A, b, reg, T, mean, m, full, idx, g=None):
        """The estimator on one agent's model ``phi`` (d,) with its data A (m, d), b (m,) and
        table T (m, d), or on a group ``g``'s models (G, d) with the stacked ones (A (G, m,
        d) etc.; the group's rows of the full tables are picked with ``idx``)."""
        if full:
            w = self._weights(A, b, phi)
            return _mv(np.swapaxes(A, -1, -2), w) / m + reg * phi, m
        if g is None:
            a, y = A[idx], b[idx]
        else:
            rows = g.ids[:, None]
            a, y = self.A[rows, idx], self.b[rows, idx]
        w = self._weights(a, y, phi)
        if self.kind == "minibatch":
            if self.batch == 1:
                # a.T @ w with one row is BLAS gemv: 0 + a_j w, i.e. a_j w with -0 -> +0
                grad = a[..., 0, :] * w + 0.0
            else:
                grad = _mv(np.swapaxes(a, -1, -2), w) / self.batch
            return grad + reg * phi, self.batch
        G = a * w[..., None] + reg[..., None] * phi[..., None, :]
        diff = G - (T[idx] if g is None else self.T[rows, idx])
        if self.batch == 1:
            d = diff[..., 0, :]
            est = d + mean
            new_mean = mean + d / m
        else:
            est = diff.mean(axis=-2) + mean
            new_mean = mean + diff.sum(axis=-2) / m
        if g is None:
            mean[...] = new_mean
            T[idx] = G
        else:
            self.mean[g.sel] = new_mean
            self.T[rows, idx] = G
        return est, self.batch


def _mv(M, v):
    """Matrix-vector products M @ v: one BLAS gemv for M (k, m), v (m,); per stack entry
    (the same routine) for M (G, k, m), v (G, m)."""
    return M @ v if v.ndim == 1 else np.matmul(M, v[..., None])[..., 0]


class _ReferenceSnapshots:
    """``ref_drift`` for kernels with shared references: own references ``self.R`` and the
    copies held of the neighbours' ones ``self.RC`` (E, d, CSR); for a
    :class:`_StackedKernel`. With ``edge_refs`` False one reference per agent (R (N, d); the
    copy at edge row e is of agent nbr[e]'s), with True one per directed edge (R (E, d): s_ij
    at i's row for j; the copy at e is of the reverse edge's)."""

    has_references = True
    edge_refs = False

    def _partner(self):
        """Per edge row e, the row of R its copy RC[e] follows."""
        if not self.edge_refs:
            return self.nbr
        rev = getattr(self, "_rev", None)
        if rev is None:
            row = {(int(i), int(j)): e for e, (i, j) in enumerate(zip(self.src, self.nbr))}
            rev = self._rev = np.array([row[(int(j), int(i))]
                                        for i, j in zip(self.src, self.nbr)], dtype=np.intp)
        return rev

    def snapshot_references(self, k, ids) -> None:
        """Agents ``ids`` (in this order) finished round k: keep their u_i and copies u^_j, as
        the monitor's per-agent snapshots would (see :meth:`drift`)."""
        snap = self._snaps.get(k)
        if snap is None:
            snap = self._snaps[k] = (np.empty_like(self.R), np.empty_like(self.RC), [])
        g = self.groups.get(ids)
        own = g.esel if self.edge_refs else g.sel
        snap[0][own] = self.R[own]
        snap[1][g.esel] = self.RC[g.esel]
        snap[2].extend(ids)

    def drift(self, k) -> float:
        """ref_drift of round k: ``max`` over copies, in the monitor's order (agents as they
        finished, neighbours sorted), of ||u^_j held by i - u_j||, each norm the
        ``np.linalg.norm`` of one vector (sqrt of a BLAS dot; ``np.vecdot`` calls the same
        routine row by row) and the maximum with Python's ``max`` semantics (a NaN first
        wins, later NaNs are skipped)."""
        U, UH, order = self._snaps.pop(k)
        order = np.asarray(order, dtype=np.intp)
        e = _edge_rows(self.off[order], self.deg[order])   # agents in finishing order
        if e.size == 0:
            return 0.0
        D = UH[e] - U[self._partner()[e]]
        vals = np.sqrt(np.vecdot(D, D))
        if np.isnan(vals[0]):
            return float(vals[0])
        return float(np.max(vals[~np.isnan(vals)]))

    def references(self, i):
        s = self.off[i]
        if self.edge_refs:
            nb = self.neighbors_of(i)
            return ({(i, j): self.R[s + k] for k, j in enumerate(nb)},
                    {(j, i): self.RC[s + k] for k, j in enumerate(nb)})
        return ({(i, None): self.R[i]},
                {(j, None): self.RC[s + k] for k, j in enumerate(self.neighbors_of(i))})
