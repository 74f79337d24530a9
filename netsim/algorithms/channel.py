"""The shared-estimate channel: a compressed delta against a reference held at both ends.

The sender i keeps a reference r (one per agent, or one per directed edge), every receiver a
copy of it. A message is q = C(v - r) (with error feedback; without it q = C(v)); on sending
(or at the round's end) the sender sets r <- r + step q (without error feedback r <- q), and
a receiver that gets q applies the same update to its copy. A lost message leaves the copy
behind; ``ref_drift`` (the largest ||copy - reference|| when a round completes) reports it.
Used by LEAD, CEDAS, CHOCO-SGD, COLD, DPDC (h, h^), LT-ADMM-CC design A (u, u^) and design B
(s, s^) on the peer graph (:class:`SharedEstimate`), and by QADMM's uplink (x~, u~) and
downlink (z^) between workers and server (:class:`Estimates`, the same arithmetic without the
peer layout). No SimPy here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Estimates", "SharedEstimate", "WithSharedEstimate"]


def _edge_rows(off, deg):
    """The CSR edge rows of agents with these offsets and degrees, agent after agent."""
    deg = np.asarray(deg)
    ends = np.cumsum(deg)
    return np.repeat(np.asarray(off) - (ends - deg), deg) + np.arange(ends[-1] if deg.size else 0)


class Estimates:
    """References R (rows of the senders) and the receivers' copies RC, with the channel's
    update rule (module docstring).

    Args:
        R: the senders' references (float64 rows; any leading shape).
        RC: the receivers' copies (rows in the receivers' order).
        step: the reference step in (0, 1].
        error_feedback: False: the references are the last messages themselves.
    """

    def __init__(self, R, RC, step=1.0, error_feedback=True):
        self.R, self.RC = R, RC
        self.step, self.ef = float(step), bool(error_feedback)

    def delta(self, V, sel):
        """What is compressed for rows ``sel`` of R: v - r (or v without error feedback)."""
        return V - self.R[sel] if self.ef else V

    def advance(self, sel, q):
        """The sender's side: r <- r + step q (or r <- q) for rows ``sel``."""
        self.R[sel] = self.R[sel] + self.step * q if self.ef else q

    def apply(self, rows, q):
        """A receiver's side: copies ``rows`` of RC get the arrived q (c <- c + step q, or
        c <- q).
        """
        self.RC[rows] = self.RC[rows] + self.step * q if self.ef else q


class SharedEstimate(Estimates):
    """References R and the receivers' copies RC (E, d, CSR edge rows of the receivers).

    Args:
        layout: the kernel (its CSR layout: off, deg, nbr, src, neighbors, groups).
        R: initial references, (N, d) per agent or (E, d) per directed edge (``per_edge``).
        RC: initial copies (E, d): row e of agent i holds its copy of its neighbour j's
            reference (per edge: of s_ji).
        step: the reference step (eta, alpha_L, psi, ...) in (0, 1].
        error_feedback: False: the references are the last messages themselves.
        per_edge: one reference per directed edge instead of per agent.
    """

    def __init__(self, layout, R, RC, step=1.0, error_feedback=True, per_edge=False):
        super().__init__(R, RC, step, error_feedback)
        self.k, self.per_edge = layout, per_edge
        self._snaps: dict = {}
        if per_edge:                   # the copy at e = (i, j) follows s_ji at row (j, i)
            row = {(int(i), int(j)): e for e, (i, j) in enumerate(zip(layout.src, layout.nbr))}
            self.partner = np.array([row[(int(j), int(i))] for i, j in
                                     zip(layout.src, layout.nbr)], dtype=np.intp)
        else:
            self.partner = layout.nbr

    def receive(self, g, boxes):
        """The receivers' side for group ``g``: each arrived q updates its copy.

        Returns (the arrived values (k, d) or None, their positions in the group's edges or None for
        all).
        """
        msgs, rows = g.gather(boxes)
        if not msgs:
            return None, rows
        M = np.array(msgs)
        self.apply(g.esel if rows is None else g.edges[rows], M)
        return M, rows

    # ------------------------------------------------------------------ ref_drift
    def snapshot(self, k, ids) -> None:
        """Agents ``ids`` (in this order) finished round k: keep their references and copies.

        As the monitor's per-agent snapshots would (see :meth:`drift`).
        """
        snap = self._snaps.get(k)
        if snap is None:
            snap = self._snaps[k] = (np.empty_like(self.R), np.empty_like(self.RC), [])
        g = self.k.groups.get(ids)
        own = g.esel if self.per_edge else g.sel
        snap[0][own] = self.R[own]
        snap[1][g.esel] = self.RC[g.esel]
        snap[2].extend(ids)

    def drift(self, k) -> float:
        """ref_drift of round k: ``max`` over copies of ||copy - reference||.

        Copies in the monitor's order (agents as they finished, neighbours sorted), each norm the
        ``np.linalg.norm`` of one vector (sqrt of a BLAS dot; ``np.vecdot`` calls the same routine
        row by row) and the maximum with Python's ``max`` semantics (a NaN first wins, later NaNs
        are skipped).
        """
        R, RC, order = self._snaps.pop(k)
        order = np.asarray(order, dtype=np.intp)
        e = _edge_rows(self.k.off[order], self.k.deg[order])   # agents in finishing order
        if e.size == 0:
            return 0.0
        D = RC[e] - R[self.partner[e]]
        vals = np.sqrt(np.vecdot(D, D))
        if np.isnan(vals[0]):
            return float(vals[0])
        return float(np.max(vals[~np.isnan(vals)]))

    def references(self, i):
        """({key: agent i's reference}, {key: its copies}), keys (owner, slot)."""
        s, nb = self.k.off[i], self.k.neighbors[i]
        if self.per_edge:
            return ({(i, j): self.R[s + k] for k, j in enumerate(nb)},
                    {(j, i): self.RC[s + k] for k, j in enumerate(nb)})
        return ({(i, None): self.R[i]}, {(j, None): self.RC[s + k] for k, j in enumerate(nb)})


class WithSharedEstimate:
    """A kernel whose shared estimate ``self.ref`` is what the monitor reports as ``ref_drift``.

    The runner takes the snapshots when agents finish a round.
    """

    has_references = True

    def snapshot_references(self, k, ids) -> None:
        """Agents ``ids`` finished round ``k``: see :meth:`SharedEstimate.snapshot`."""
        self.ref.snapshot(k, ids)

    def drift(self, k) -> float:
        """ref_drift of round ``k`` (model units): see :meth:`SharedEstimate.drift`."""
        return self.ref.drift(k)

    def references(self, i):
        """Agent ``i``'s references and copies: see :meth:`SharedEstimate.references`."""
        return self.ref.references(i)
