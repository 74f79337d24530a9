"""Decentralized relaxed ADMM on edges (Bastianello et al., IEEE TAC 66(6), 2021).

Each undirected edge {i, j} carries two edge variables, z_ij (held by i) and z_ji (held by
j). One round of agent i (spec ``lt_admm_cc.md`` §2.2, exact x-update of §2.2 Notes):

    x_i  = argmin_x f_i(x) + (rho d_i / 2) ||x||^2 - < sum_{j in N_i} z_ij , x >      (1)
    m_ij = z_ij - 2 rho x_i                      sent to j                             (2)
    z_ij = (1 - alpha) z_ij - alpha m_ji          on receipt of j's message             (3)

with z_ij = 0 initially. At the fixed point z_ij + z_ji = 2 rho x* and sum_i grad f_i = 0.
The kernels below are pure functions on arrays; :class:`EdgeAdmmAgent` holds one agent's
state and is driven by :mod:`oracle.process_engine`.
"""

from __future__ import annotations

import numpy as np

from netsim.compute import Work
from oracle.base import Outgoing

__all__ = ["edge_messages", "relaxed_edge_update", "EdgeAdmmAgent", "AdmmAgent"]


def edge_messages(z: np.ndarray, x: np.ndarray, rho: float) -> np.ndarray:
    """Messages m_ij = z_ij - 2 rho x_i for all neighbours j (rows of ``z``), eq. (2)."""
    return z - (2.0 * rho) * x


def relaxed_edge_update(z: np.ndarray, m_in: np.ndarray, alpha: float) -> np.ndarray:
    """z_ij <- (1 - alpha) z_ij - alpha m_ji, eq. (3)."""
    return (1.0 - alpha) * z - alpha * m_in


class EdgeAdmmAgent:
    """State and messaging shared by ADMM-type agents with one z_ij per neighbour.

    Args:
        i: agent index.
        neighbors: sorted neighbour indices (row k of ``z`` belongs to ``neighbors[k]``).
        problem: the agent's :class:`~netsim.problems.LocalProblem`.
        x0: initial model.
        z0: initial edge variables, shape (len(neighbors), dim).
        rho, alpha: ADMM penalty and relaxation.
        compressor: applied to every outgoing edge message (own state per edge).
        compressor_rng: the agent's dithering stream.
    """

    def __init__(self, i, neighbors, problem, x0, z0, rho, alpha, compressor, compressor_rng):
        self.i = i
        self.neighbors = list(neighbors)
        self._row = {j: k for k, j in enumerate(self.neighbors)}
        self.problem = problem
        self.x = np.array(x0, dtype=float)
        self.z = np.array(z0, dtype=float)
        self.rho = float(rho)
        self.alpha = float(alpha)
        self.degree = len(self.neighbors)
        self.compressor = compressor
        self._crng = compressor_rng
        self._cstate = [compressor.init(self.x.size) for _ in self.neighbors]

    def outgoing(self) -> list[Outgoing]:
        """Compress and address m_ij = z_ij - 2 rho x_i to each neighbour j."""
        msgs = edge_messages(self.z, self.x, self.rho)
        out = []
        for k, j in enumerate(self.neighbors):
            c, self._cstate[k] = self.compressor.update(msgs[k], self._cstate[k], self._crng)
            out.append(Outgoing(j, c.value, c.bits))
        return out

    def incoming(self, messages) -> None:
        """Apply eq. (3) for every neighbour whose message arrived; keep z_ij otherwise."""
        for j, m in messages.items():
            if m is not None:
                k = self._row[j]
                self.z[k] = relaxed_edge_update(self.z[k], m, self.alpha)


class AdmmAgent(EdgeAdmmAgent):
    """Relaxed decentralized ADMM with exact local solves, eq. (1)-(3); z_ij = 0 initially."""

    def local_step(self) -> Work:
        """Eq. (1) via the problem's exact local solver (warm-started at the last x)."""
        v = self.z.sum(axis=0) if self.degree else np.zeros_like(self.x)
        self.x, grads = self.problem.solve(self.rho * self.degree, v, x_init=self.x)
        return Work(gradients=int(grads), solves=1)
