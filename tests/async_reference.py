"""Independent event-driven reference of the asynchronous edge-ADMM recursion (issue 19).

Written from the papers, not from netsim's code (derivation: docs/async.md, "Reference"):

* relaxed ADMM, Bastianello, Carli, Schenato, Todescato, arXiv 1901.09252, asynchronous
  version: node i, when it wakes up, holds z_ij for each neighbour j and computes

      x_i = argmin_x f_i(x) - < sum_j z_ij , x > + (rho d_i / 2) ||x||^2
      q_ij = -z_ij + 2 rho x_i                      (transmitted to j)

  and a node j that has received q_ij updates, when it next wakes up,
  z_ji <- (1 - alpha) z_ji + alpha q_ij with the latest q_ij it received; z = 0 at start.
* LT-ADMM (spec docs: Ren, Bastianello, Johansson, Parisini, arXiv 2501.13516) replaces the
  argmin by tau gradient steps from x_i: c_i = beta (rho d_i x_i - sum_j z_ij),
  phi <- phi - gamma grad f_i(phi) - c_i; z_ij = x_i0 at start. With the full local gradient
  (batch = "all") it is deterministic.

For least squares f_i(x) = (1/2m)||A_i x - b_i||^2 + (reg/2)||x||^2 the argmin is the solution
of ((A_i^T A_i)/m + (reg + rho d_i) I) x = A_i^T b_i / m + sum_j z_ij.

The replay takes the activation order and the message each update used from netsim's
``updates.csv`` (agent, round, neighbour, used_round, fresh): events are processed in the
file's order; the update of agent i ending its round k applies, for every row with fresh = 1,
q_ji of j's round ``used_round``, and then i wakes up for round k + 1 (x_i^{k+1}, q^{k+1}).
Every agent wakes up for round 1 at time 0.
"""

from __future__ import annotations

import csv
import pathlib

import numpy as np


def read_updates(path: pathlib.Path) -> list[dict]:
    """Rows of updates.csv as dicts of ints (time is not needed)."""
    with open(path, newline="") as f:
        return [{k: (float(v) if k == "time" else int(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


class Reference:
    """Per-agent state of the asynchronous recursion.

    Args:
        data: per agent (A_i, b_i) with f_i as in the module docstring.
        reg: the l2 weight.
        neighbours: per agent, its neighbours.
        algo: "admm" (relaxed ADMM) or "lt-admm" (full-gradient local training).
        rho, alpha: ADMM parameters; tau, gamma, beta: LT-ADMM's.
    """

    def __init__(self, data, reg, neighbours, algo, rho, alpha, tau=0, gamma=0.0, beta=0.0):
        self.data, self.reg, self.nb = data, reg, neighbours
        self.algo, self.rho, self.alpha = algo, rho, alpha
        self.tau, self.gamma, self.beta = tau, gamma, beta
        n, dim = len(data), data[0][0].shape[1]
        self.x = [np.zeros(dim) for _ in range(n)]
        start = 0.0                                   # x_i0 = 0 in the test scenarios
        self.z = [{j: np.full(dim, start) for j in neighbours[i]} for i in range(n)]
        self.q = {}                                   # (i, j, round) -> q_ij of that round
        self.xs = {}                                  # (i, round) -> x_i after that round

    def grad(self, i, x):
        A, b = self.data[i]
        return A.T @ (A @ x - b) / A.shape[0] + self.reg * x

    def wake(self, i, k):
        """Agent i's local step of round k and its messages q_ij^k."""
        A, b = self.data[i]
        d = len(self.nb[i])
        zsum = sum(self.z[i][j] for j in self.nb[i])
        if self.algo == "admm":
            H = A.T @ A / A.shape[0] + (self.reg + self.rho * d) * np.eye(A.shape[1])
            x = np.linalg.solve(H, A.T @ b / A.shape[0] + zsum)
        else:
            c = self.beta * (self.rho * d * self.x[i] - zsum)
            x = self.x[i]
            for _ in range(self.tau):
                x = x - self.gamma * self.grad(i, x) - c
        self.x[i] = x
        self.xs[(i, k)] = x
        for j in self.nb[i]:
            self.q[(i, j, k)] = -self.z[i][j] + 2.0 * self.rho * x

    def replay(self, rows, last_round):
        """Run the events of ``rows`` (updates.csv order); returns {(i, k): x_i^k}."""
        for i in range(len(self.data)):
            self.wake(i, 1)
        pos = 0
        while pos < len(rows):
            i, k = rows[pos]["agent"], rows[pos]["round"]
            end = pos
            while end < len(rows) and (rows[end]["agent"], rows[end]["round"]) == (i, k):
                end += 1
            for r in rows[pos:end]:
                if r["fresh"]:
                    j, t = r["neighbour"], r["used_round"]
                    self.z[i][j] = (1 - self.alpha) * self.z[i][j] + self.alpha * self.q[(j, i, t)]
            if k < last_round:
                self.wake(i, k + 1)
            pos = end
        return self.xs
