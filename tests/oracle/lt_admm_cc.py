"""LT-ADMM-CC: LT-ADMM-VR local training + compressed communication with error feedback.

RECONSTRUCTION (spec ``lt_admm_cc.md`` §0, §3): the paper (Ren, Bastianello, Johansson,
Parisini, arXiv 2508.15509) could not be retrieved; design A (primary) and design B
(alternative) below keep the LT-ADMM fixed point, hence converge exactly with an unbiased
compressor and variance reduction.

Design A (``design = "A"``, §3.1), round k of agent i:

    c_i   = beta (rho d_i x_i - sum_j z_ij)                                           (1)
    x_i   <- tau local steps phi <- phi - gamma g_i(phi) - c_i    (VR estimator)        (2)
    q_i   = C(x_i - u_i)             one broadcast to every neighbour                   (3)
    u_i   <- u_i + eta q_i;   u^_j <- u^_j + eta q_j  (j in N_i, on receipt)           (4)
    z_ij  <- (1 - alpha) z_ij - alpha z~_ji + 2 alpha rho u^_j                          (5)
    z~_ji <- (1 - alpha) z~_ji - alpha z_ij + 2 alpha rho u_i                           (6)

Agent j runs the mirror image, so z~_ji held by i equals z_ji held by j bit for bit on
lossless links (same operands, same operation order). Initialisation: u_i = u^_i = x_{i,0},
z_ij = x_{i,0}, z~_ji = x_{j,0} (x_0 is assumed known to neighbours: with the default
x0 = zeros nothing needs sending); with the identity compressor and eta = 1 this is
LT-ADMM-VR. Ablations: ``error_feedback = false`` sends C(x_i) and sets u_i = C(x_i)
(no memory: an error floor); ``estimator = "minibatch"`` drops variance reduction.

Design B (``design = "B"``, §3.2): per directed edge a shared reference s_ij;
y_ij = z_ij - 2 rho x_i, q_ij = C(y_ij - s_ij) sent to j only, s_ij <- s_ij + eta q_ij at both
ends, and j updates z_ji <- (1 - alpha) z_ji - alpha s^_ij. d_i messages per round.

A lost message leaves the receiver's copy (u^_j or s^_ij) where it was, while the sender's
reference moved: the copies drift apart. :meth:`references` exposes both sides so the
monitor can report the drift (trace column ``ref_drift``) instead of hiding it.
"""

from __future__ import annotations

import numpy as np

from netsim.compute import Work
from oracle.base import Outgoing
from oracle.lt_admm import local_training, lt_correction

__all__ = ["LtAdmmCcAgent", "LtAdmmCcEdgeAgent", "mirror_edge_update"]


def mirror_edge_update(z, z_mirror, u_other, alpha, rho):
    """(1 - alpha) z - alpha z_mirror + 2 alpha rho u_other: eq. (5) (and (6) with the roles
    swapped). One function for both ends keeps the operation order, hence the bits, equal."""
    return (1.0 - alpha) * z - alpha * z_mirror + (2.0 * alpha * rho) * u_other


class _LocalTraining:
    """Eq. (1)-(2) shared by both designs."""

    def _train(self) -> Work:
        grads = self.estimator.start(self.x, self._first)
        self._first = False
        c = lt_correction(self.x, self.z, self.rho, self.beta)
        self.x, n = local_training(self.x, c, self.estimator, self.gamma, self.tau)
        return Work(gradients=grads + n)


class LtAdmmCcAgent(_LocalTraining):
    """Design A: compress the model innovation x_i - u_i, one broadcast per round.

    Args:
        i, neighbors: agent index and sorted neighbour list.
        problem: the agent's LocalProblem (unused here beyond the estimator; kept for symmetry).
        x0: own initial model; x0_neighbors: the neighbours' initial models (rows).
        rho, alpha, beta, gamma, tau: LT-ADMM parameters.
        estimator: gradient estimator (:mod:`netsim.algorithms.estimators`).
        compressor, compressor_rng: C and the agent's dither stream.
        eta: reference step in (0, 1].
        error_feedback: False for the "send C(x)" ablation.
    """

    def __init__(self, i, neighbors, problem, x0, x0_neighbors, rho, alpha, beta, gamma, tau,
                 estimator, compressor, compressor_rng, eta=1.0, error_feedback=True):
        self.i = i
        self.neighbors = list(neighbors)
        self.degree = len(self.neighbors)
        self.problem = problem
        self.x = np.array(x0, dtype=float)
        self.u = self.x.copy()
        self.u_hat = np.array(x0_neighbors, dtype=float).reshape(self.degree, -1)
        self.z = np.tile(self.x, (self.degree, 1))
        self.z_mirror = self.u_hat.copy()
        self.rho, self.alpha, self.beta = float(rho), float(alpha), float(beta)
        self.gamma, self.tau = float(gamma), int(tau)
        self.estimator = estimator
        self.compressor = compressor
        self._cstate = compressor.init(self.x.size)
        self._crng = compressor_rng
        self.eta = float(eta)
        self.error_feedback = bool(error_feedback)
        self._first = True
        self._q = None

    def local_step(self) -> Work:
        return self._train()

    def outgoing(self) -> list[Outgoing]:
        """Eq. (3): q_i = C(x_i - u_i) (or C(x_i) without error feedback), broadcast."""
        v = self.x - self.u if self.error_feedback else self.x
        c, self._cstate = self.compressor.update(v, self._cstate, self._crng)
        self._q = c.value
        return [Outgoing(None, c.value, c.bits)]

    def incoming(self, messages) -> None:
        """Eq. (4)-(6); a missing q_j leaves u^_j unchanged (and the copies drift)."""
        if self.error_feedback:
            self.u = self.u + self.eta * self._q
        else:
            self.u = self._q
        for k, j in enumerate(self.neighbors):
            q = messages.get(j)
            if q is not None:
                self.u_hat[k] = self.u_hat[k] + self.eta * q if self.error_feedback else q
        z_old = self.z
        self.z = mirror_edge_update(z_old, self.z_mirror, self.u_hat, self.alpha, self.rho)
        self.z_mirror = mirror_edge_update(self.z_mirror, z_old, self.u, self.alpha, self.rho)

    def references(self):
        """({key: own reference}, {key: this agent's copy}) with key = (owner, slot)."""
        return ({(self.i, None): self.u},
                {(j, None): self.u_hat[k] for k, j in enumerate(self.neighbors)})


class LtAdmmCcEdgeAgent(_LocalTraining):
    """Design B: compress each edge message against a per-edge shared reference."""

    def __init__(self, i, neighbors, problem, x0, x0_neighbors, rho, alpha, beta, gamma, tau,
                 estimator, compressor, compressor_rng, eta=1.0, error_feedback=True):
        self.i = i
        self.neighbors = list(neighbors)
        self.degree = len(self.neighbors)
        self.problem = problem
        self.x = np.array(x0, dtype=float)
        dim = self.x.size
        self.z = np.tile(self.x, (self.degree, 1))
        self.s = np.zeros((self.degree, dim))        # s_ij, own outgoing references
        self.s_hat = np.zeros((self.degree, dim))    # copies of s_ji
        self.rho, self.alpha, self.beta = float(rho), float(alpha), float(beta)
        self.gamma, self.tau = float(gamma), int(tau)
        self.estimator = estimator
        self.compressor = compressor
        self._cstate = [compressor.init(dim) for _ in self.neighbors]
        self._crng = compressor_rng
        self.eta = float(eta)
        self.error_feedback = bool(error_feedback)
        self._first = True

    def local_step(self) -> Work:
        return self._train()

    def outgoing(self) -> list[Outgoing]:
        """q_ij = C(z_ij - 2 rho x_i - s_ij) per neighbour; s_ij <- s_ij + eta q_ij."""
        y = self.z - (2.0 * self.rho) * self.x
        out = []
        for k, j in enumerate(self.neighbors):
            v = y[k] - self.s[k] if self.error_feedback else y[k]
            c, self._cstate[k] = self.compressor.update(v, self._cstate[k], self._crng)
            self.s[k] = self.s[k] + self.eta * c.value if self.error_feedback else c.value
            out.append(Outgoing(j, c.value, c.bits))
        return out

    def incoming(self, messages) -> None:
        """s^_ji <- s^_ji + eta q_ji; z_ij <- (1 - alpha) z_ij - alpha s^_ji."""
        for k, j in enumerate(self.neighbors):
            q = messages.get(j)
            if q is not None:
                self.s_hat[k] = self.s_hat[k] + self.eta * q if self.error_feedback else q
        self.z = (1.0 - self.alpha) * self.z - self.alpha * self.s_hat

    def references(self):
        return ({(self.i, j): self.s[k] for k, j in enumerate(self.neighbors)},
                {(j, self.i): self.s_hat[k] for k, j in enumerate(self.neighbors)})
