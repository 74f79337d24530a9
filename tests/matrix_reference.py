"""Independent matrix-form implementations of the peer recursions (all agents at once): the
correctness reference of every peer algorithm (tests/test_reference_iterates.py, 1e-12).

Written from the equations of ``shared/specs/lt_admm_cc.md`` §2, §3 and §6 only, with stacked
arrays:
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


# ---------------------------------------------------------------------------- compressed methods
# Written from the equations of spec §3 (LT-ADMM-CC) and §6 (gossip baselines), all agents
# at once, lossless and synchronous; full local gradients. The compressor is netsim's (part
# of the method's definition), one vector per agent (or per directed edge) and round, drawn
# from the agent's own stream ("agent", i, "compressor") as the spec prescribes.

def full_grads(kind, data, X):
    return np.array([component_grads(kind, A, b, reg, X[i], np.arange(A.shape[0])).mean(axis=0)
                     for i, (A, b, reg) in enumerate(data)])


def _compress_rows(comp, V, owners, rngs):
    return np.array([comp.update(v, None, rngs[o])[0].value for v, o in zip(V, owners)])


def gossip(method, kind, data, graph, X0, comp, seed, rounds, **p):
    """LEAD, CEDAS, CHOCO-SGD, COLD, DPDC or DGD; ``p`` holds the method's parameters
    (eta, gamma, a, b, c, step: the reference step)."""
    from netsim.network.topology import metropolis_weights

    n, dim = X0.shape
    W = metropolis_weights(graph).toarray()
    rngs = [Streams(seed).generator("agent", i, "compressor") for i in range(n)]
    agents = list(range(n))
    X, H = X0.copy(), np.zeros_like(X0)
    D, LAM, V, PSI = (np.zeros_like(X0), np.zeros_like(X0), np.zeros_like(X0), X0.copy())
    step = p.get("step", 1.0)
    if method == "lead":
        X = X - p["eta"] * full_grads(kind, data, X)
    out = [X0.copy()]
    for _ in range(rounds):
        G = full_grads(kind, data, X)
        if method in ("lead", "cedas"):
            if method == "lead":
                send = X - p["eta"] * G - p["eta"] * D
            else:
                psi_new = X - p["eta"] * G
                send = psi_new + X - PSI
                PSI = psi_new
            Q = _compress_rows(comp, send - H, agents, rngs)
            diff = (H + Q) - (W @ H + W @ Q)
            H = H + step * Q
            if method == "lead":
                D = D + p["gamma"] / (2 * p["eta"]) * diff
                X = X - p["eta"] * G - p["eta"] * D
            else:
                X = send - p["gamma"] / 2 * diff
        elif method == "choco-sgd":
            half = X - p["eta"] * G
            H = H + _compress_rows(comp, half - H, agents, rngs)
            X = half + p["gamma"] * (W @ H - H)
        elif method in ("cold", "dpdc"):
            H = H + step * _compress_rows(comp, X - H, agents, rngs)
            L = H - W @ H
            if method == "cold":
                X, LAM = X - p["a"] * (G + LAM) - p["c"] * L, LAM + p["b"] * L
            else:
                X, V = X - p["eta"] * (p["a"] * L + p["b"] * V + G), V + p["eta"] * p["b"] * L
        else:                                                     # dgd
            Q = _compress_rows(comp, X, agents, rngs)
            w = np.diag(W)
            X = w[:, None] * X + (W - np.diag(w)) @ Q - p["eta"] * G
        out.append(X.copy())
    return np.array(out)


def lt_admm_cc(design, kind, data, graph, X0, comp, seed, rounds, rho, alpha, beta, gamma,
               tau, eta, error_feedback=True):
    """LT-ADMM-CC design A (compressed model innovation, mirrored edge variables) or B
    (per-edge shared references), with full local gradients."""
    E, S, rev, src = edge_structure(graph)
    dst = np.array([j for (_, j) in E])
    n, dim = X0.shape
    deg = S.sum(axis=1)
    rngs = [Streams(seed).generator("agent", i, "compressor") for i in range(n)]
    X, Z = X0.copy(), X0[src].copy()
    U, UH, ZM = X0.copy(), X0[dst].copy(), X0[dst].copy()
    R, RH = np.zeros_like(Z), np.zeros_like(Z)
    out = [X.copy()]
    for _ in range(rounds):
        C = beta * (rho * deg[:, None] * X - S @ Z)
        for _t in range(tau):
            X = X - gamma * full_grads(kind, data, X) - C
        if design == "A":
            Q = _compress_rows(comp, X - U if error_feedback else X, range(n), rngs)
            U = U + eta * Q if error_feedback else Q
            UH = UH + eta * Q[dst] if error_feedback else Q[dst]
            Z, ZM = ((1 - alpha) * Z - alpha * ZM + 2 * alpha * rho * UH,
                     (1 - alpha) * ZM - alpha * Z + 2 * alpha * rho * U[src])
        else:
            Y = Z - 2 * rho * X[src]
            Q = _compress_rows(comp, Y - R if error_feedback else Y, src, rngs)
            R = R + eta * Q if error_feedback else Q
            RH = RH + eta * Q[rev] if error_feedback else Q[rev]
            Z = (1 - alpha) * Z - alpha * RH
        out.append(X.copy())
    return np.array(out)
