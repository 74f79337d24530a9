"""LT-ADMM and LT-ADMM-VR: relaxed edge ADMM with local training (spec ``lt_admm_cc.md`` §2).

Round k of agent i (Ren, Bastianello, Johansson, Parisini, IEEE TAC 2026, arXiv 2501.13516;
the decent-bench form):

    c_i      = beta (rho d_i x_i - sum_{j in N_i} z_ij)                               (1)
    phi^0    = x_i;  phi^{t+1} = phi^t - gamma g_i(phi^t) - c_i,  t = 0..tau-1          (2)
    x_i      = phi^tau                                                                (3)
    m_ij     = z_ij - 2 rho x_i                  sent to j                              (4)
    z_ij     = (1 - alpha) z_ij - alpha m_ji     on receipt                             (5)

with z_ij = x_{i,0} initially and g_i a mini-batch (LT-ADMM) or variance-reduced
(LT-ADMM-VR: SAGA, or SVRG-type reset) estimator, see :mod:`netsim.algorithms.estimators`.
"""

from __future__ import annotations

import numpy as np

from netsim.compute import Work
from oracle.admm import EdgeAdmmAgent

__all__ = ["lt_correction", "local_training", "LtAdmmAgent"]


def lt_correction(x: np.ndarray, z: np.ndarray, rho: float, beta: float) -> np.ndarray:
    """c_i = beta (rho d_i x_i - sum_j z_ij), eq. (1); ``z`` has one row per neighbour."""
    return beta * (rho * z.shape[0] * x - z.sum(axis=0))


def local_training(x, correction, estimator, gamma, tau) -> tuple[np.ndarray, int]:
    """Eq. (2)-(3): tau steps phi <- phi - gamma g(phi) - c; returns (phi^tau, gradients)."""
    phi = x
    grads = 0
    for _ in range(tau):
        g, n = estimator(phi)
        grads += n
        phi = phi - gamma * g - correction
    return phi, grads


class LtAdmmAgent(EdgeAdmmAgent):
    """One agent of LT-ADMM / LT-ADMM-VR (eq. (1)-(5))."""

    def __init__(self, *args, estimator, gamma, beta, tau, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimator = estimator
        self.gamma = float(gamma)
        self.beta = float(beta)
        self.tau = int(tau)
        self._first = True

    def local_step(self) -> Work:
        """Eq. (1)-(3), counting every component gradient (incl. the SAGA table fill)."""
        grads = self.estimator.start(self.x, self._first)
        self._first = False
        c = lt_correction(self.x, self.z, self.rho, self.beta)
        self.x, n = local_training(self.x, c, self.estimator, self.gamma, self.tau)
        return Work(gradients=grads + n)
