"""Mixing matrices of communication graphs (sparse) and their spectral gap.

The Metropolis-Hastings matrix of an undirected graph on nodes ``0..n-1`` with degrees d_i is

    W_ij = 1 / (1 + max(d_i, d_j))  on each edge {i, j},    W_ii = 1 - sum_{j != i} W_ij,

symmetric and doubly stochastic (Xiao & Boyd, "Fast linear iterations for distributed
averaging", 2004, eq. (8)). It is held as a ``scipy.sparse.csr_array`` with n + 2E stored
entries (~12 bytes each) instead of n^2 x 8 bytes dense (800 MB at n = 10,000).

Its spectral gap 1 - max(|lambda_2|, |lambda_n|) is computed with L = I - W (positive
semidefinite, L 1 = 0, eigenvalues mu_i = 1 - lambda_i in [0, 2)):

    gap = min(mu_2, 2 - mu_max).

Up to :data:`DENSE_MAX` nodes by a dense eigendecomposition; above it by Lanczos (ARPACK
``eigsh``) on L + (c/n) 1 1^T, which moves the known eigenvector 1 out of the way; mu_max
only when the Gershgorin bound mu_max <= max_i 2 (1 - W_ii) leaves it undecided. A graph
with a tiny gap (rings, paths, grids: mu_2 ~ 1/n^2) defeats plain Lanczos (the eigenvalues
near 0 cluster); then shift-invert on the complement of 1 is used, with one sparse LU of
L + delta I (cheap on exactly those graphs: they have small separators). Every start vector
is fixed, so the result does not depend on a random state.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse import linalg as splinalg

__all__ = ["metropolis_weights", "metropolis_edge_weights", "spectral_gap", "DENSE_MAX"]

#: up to this many nodes the spectral gap comes from a dense eigendecomposition (exact to
#: rounding; 2000 nodes: 32 MB, ~1 s); above it from sparse Lanczos
DENSE_MAX = 2000
#: relative tolerance of the sparse eigenvalues (ARPACK ``tol``)
TOL = 1e-10
#: Lanczos restarts before falling back to shift-invert (ARPACK ``maxiter``)
MAXITER = 100
#: shift of the shift-invert fallback: L + delta I is nonsingular, delta << every mu_2 of a
#: connected graph of <= 10^7 nodes (mu_2 >= ~1 / (n^2 d_max))
DELTA = 1e-14


def _degrees(G: nx.Graph) -> np.ndarray:
    n = G.number_of_nodes()
    return np.fromiter((G.degree(i) for i in range(n)), dtype=np.int64, count=n)


def metropolis_edge_weights(G: nx.Graph, src, dst) -> np.ndarray:
    """W_ij of the Metropolis matrix for the node pairs (src[k], dst[k]), each an edge.

    Args:
        G: undirected graph on nodes ``0..n-1``.
        src: integer array of edge start nodes.
        dst: integer array of the same shape, the edges' other end nodes.

    Returns:
        float64 array of ``1 / (1 + max(d_src, d_dst))``, the shape of ``src``.
    """
    deg = _degrees(G)
    return 1.0 / (1.0 + np.maximum(deg[np.asarray(src)], deg[np.asarray(dst)]))


def metropolis_weights(G: nx.Graph) -> sparse.csr_array:
    """The Metropolis-Hastings mixing matrix of ``G`` (module docstring), sparse.

    Args:
        G: undirected graph on nodes ``0..n-1``.

    Returns:
        n x n ``csr_array`` (sorted indices, explicit diagonal), symmetric, rows sum to 1.
    """
    n = G.number_of_nodes()
    edges = np.array(list(G.edges()), dtype=np.int64).reshape(-1, 2)
    u, v = edges[:, 0], edges[:, 1]
    w = metropolis_edge_weights(G, u, v)
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
    vals = np.concatenate([w, w])
    diag = 1.0 - np.bincount(rows, weights=vals, minlength=n)
    ids = np.arange(n)
    W = sparse.csr_array((np.concatenate([vals, diag]),
                          (np.concatenate([rows, ids]), np.concatenate([cols, ids]))),
                         shape=(n, n))
    W.sort_indices()
    return W


def _laplacian(W: sparse.csr_array) -> sparse.csc_array:
    n = W.shape[0]
    return sparse.csc_array(sparse.identity(n, format="csc") - W)


def _start(n: int) -> np.ndarray:
    """A fixed start vector, orthogonal to 1.

    It has a component along every non-constant eigenvector of a generic graph.
    """
    v = np.cos(np.arange(n) * 0.7) + np.arange(n) / n
    return v - v.mean()


def _mu2(L: sparse.csc_array) -> float:
    """The smallest eigenvalue of L on the complement of 1."""
    n = L.shape[0]
    c = 4.0                                    # > mu_max: 1 becomes the top eigenvector
    op = splinalg.LinearOperator((n, n), dtype=float,
                                 matvec=lambda x: L @ x + c * x.mean())
    try:
        return float(splinalg.eigsh(op, k=1, which="SA", tol=TOL, v0=_start(n),
                                    maxiter=MAXITER)[0][0])
    except splinalg.ArpackNoConvergence:
        pass
    lu = splinalg.splu(L + DELTA * sparse.identity(n, format="csc"))

    def solve(x):                              # (L + delta I)^-1 on the complement of 1
        y = lu.solve(x - x.mean())
        return y - y.mean()

    inv = splinalg.LinearOperator((n, n), dtype=float, matvec=solve)
    vals = splinalg.eigsh(L, k=1, sigma=-DELTA, which="LM", OPinv=inv, tol=TOL,
                          v0=_start(n))[0]
    return float(vals[0])


def _mu_max(L: sparse.csc_array) -> float:
    """The largest eigenvalue of L (< 2: W has a positive diagonal)."""
    n = L.shape[0]
    try:
        return float(splinalg.eigsh(L, k=1, which="LA", tol=TOL, v0=_start(n),
                                    maxiter=MAXITER)[0][0])
    except splinalg.ArpackNoConvergence:
        return float(splinalg.eigsh(L, k=1, sigma=2.0, which="LM", tol=TOL,
                                    v0=_start(n))[0][0])


def spectral_gap(G: nx.Graph) -> float:
    """1 - max(|lambda_2|, |lambda_n|) of the Metropolis matrix (dimensionless).

    The larger, the faster gossip averages: 1 for a complete graph, ~(2 pi / n)^2 / 3 for a
    ring of n.

    Args:
        G: connected undirected graph on nodes ``0..n-1``.

    Returns:
        The gap in [0, 1] (dimensionless); 1.0 for a single node.
    """
    n = G.number_of_nodes()
    if n < 2:
        return 1.0
    W = metropolis_weights(G)
    if n <= DENSE_MAX:
        ev = np.sort(np.abs(np.linalg.eigvalsh(W.toarray())))[::-1]
        return float(1.0 - ev[1])
    L = _laplacian(W)
    mu2 = _mu2(L)
    # Gershgorin: mu_max <= max_i 2 (1 - W_ii); mu_max is needed only if that bound does not
    # already settle the minimum (rings, paths, grids: it does, and Lanczos for mu_max would
    # crawl through their clustered top eigenvalues)
    if 2.0 - 2.0 * (1.0 - W.diagonal().min()) >= mu2:
        return mu2
    return float(min(mu2, 2.0 - _mu_max(L)))
