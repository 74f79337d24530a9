"""Independent matrix-form implementations of the peer recursions (all agents at once).

Written from the equations of ``shared/specs/lt_admm_cc.md`` §2 only, with stacked arrays:
X (agents x dim), Z (directed edges x dim, row e = (i, j) holds z_ij), the edge-to-agent sum
matrix S (S[i, e] = 1 if e starts at i) and the reversal permutation R (R e = (j, i)).
Gradients are computed here from the raw data with closed forms, not with netsim's oracles.
"""

import numpy as np
from scipy.special import expit

from netsim.rng import Streams


def edge_structure(graph):
    n = graph.number_of_nodes()
    E = [(i, j) for i in range(n) for j in sorted(graph.neighbors(i))]
    index = {e: k for k, e in enumerate(E)}
    S = np.zeros((n, len(E)))
    for k, (i, _) in enumerate(E):
        S[i, k] = 1.0
    rev = np.array([index[(j, i)] for (i, j) in E])
    src = np.array([i for (i, _) in E])
    return E, S, rev, src


def component_grads(kind, A, b, reg, x, idx):
    """grad loss_h(x) + reg x for h in idx."""
    a = A[idx]
    if kind == "least_squares":
        r = a @ x - b[idx]
        return a * r[:, None] + reg * x
    if kind == "logistic":
        s = expit(-b[idx] * (a @ x))
        return -(b[idx] * s)[:, None] * a + reg * x
    raise ValueError(kind)


def admm_least_squares(data, graph, X0, rho, alpha, rounds):
    """Relaxed edge ADMM with exact least-squares x-updates; z = 0 at start."""
    E, S, rev, src = edge_structure(graph)
    n, dim = X0.shape
    deg = S.sum(axis=1)
    Z = np.zeros((len(E), dim))
    X = X0.copy()
    out = [X.copy()]
    for _ in range(rounds):
        V = S @ Z
        for i, (A, b, reg) in enumerate(data):
            m = A.shape[0]
            H = A.T @ A / m + (reg + rho * deg[i]) * np.eye(dim)
            X[i] = np.linalg.solve(H, A.T @ b / m + V[i])
        M = Z - 2 * rho * X[src]
        Z = (1 - alpha) * Z - alpha * M[rev]
        out.append(X.copy())
    return np.array(out)


def lt_admm(kind, data, graph, X0, rho, alpha, beta, gamma, tau, batch, estimator, seed,
            rounds):
    """LT-ADMM (estimator='minibatch') / LT-ADMM-VR ('saga' | 'svrg'); z_ij,0 = x_i,0."""
    E, S, rev, src = edge_structure(graph)
    n, dim = X0.shape
    deg = S.sum(axis=1)
    Z = X0[src].copy()
    X = X0.copy()
    rngs = [Streams(seed).generator("agent", i, "sampling") for i in range(n)]
    m = [A.shape[0] for A, _, _ in data]
    tables = [component_grads(kind, A, b, reg, X0[i], np.arange(m[i]))
              for i, (A, b, reg) in enumerate(data)] if estimator == "saga" else [None] * n
    out = [X.copy()]
    for _ in range(rounds):
        C = beta * (rho * deg[:, None] * X - S @ Z)
        if estimator == "svrg":
            tables = [component_grads(kind, A, b, reg, X[i], np.arange(m[i]))
                      for i, (A, b, reg) in enumerate(data)]
        Phi = X.copy()
        for _t in range(tau):
            G = np.empty_like(Phi)
            for i, (A, b, reg) in enumerate(data):
                idx = rngs[i].choice(m[i], size=batch, replace=False)
                g_new = component_grads(kind, A, b, reg, Phi[i], idx)
                if estimator == "minibatch":
                    G[i] = g_new.mean(axis=0)
                else:
                    T = tables[i]
                    G[i] = (g_new - T[idx]).mean(axis=0) + T.mean(axis=0)
                    T[idx] = g_new
            Phi = Phi - gamma * G - C
        X = Phi
        M = Z - 2 * rho * X[src]
        Z = (1 - alpha) * Z - alpha * M[rev]
        out.append(X.copy())
    return np.array(out)
