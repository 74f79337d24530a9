"""Sparse Metropolis mixing matrices and the spectral gap on large graphs (issue 18)."""

import math

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

import netsim.network.mixing as mixing
from netsim.budget import estimate
from netsim.network.mixing import metropolis_edge_weights, metropolis_weights, spectral_gap
from netsim.network.topology import build_topology
from netsim.scenario import from_dict


def _dense_metropolis(G):
    """W_ij = 1 / (1 + max(d_i, d_j)) on edges, W_ii = 1 - sum_j W_ij, entry by entry."""
    n = G.number_of_nodes()
    W = np.zeros((n, n))
    for i, j in G.edges():
        W[i, j] = W[j, i] = 1.0 / (1.0 + max(G.degree(i), G.degree(j)))
    W[np.diag_indices(n)] = 1.0 - W.sum(axis=1)
    return W


@pytest.mark.parametrize("name,params", [("erdos_renyi", {"p": 0.1}), ("scale_free", {}),
                                         ("small_world", {}), ("star", {})])
def test_sparse_metropolis_equals_the_definition(name, params):
    G = build_topology(name, 60, np.random.default_rng(3), params)
    W = metropolis_weights(G)
    assert isinstance(W, sparse.csr_array) and W.has_sorted_indices
    assert W.nnz == G.number_of_nodes() + 2 * G.number_of_edges()     # O(N + E) storage
    # off-diagonal entries are the same float expression; the diagonal sums in another order
    D = _dense_metropolis(G)
    off = ~np.eye(60, dtype=bool)
    assert np.array_equal(W.toarray()[off], D[off])
    assert np.allclose(W.diagonal(), np.diag(D), rtol=0, atol=1e-13)   # n eps
    assert np.allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-13) and (W != W.T).nnz == 0
    src, dst = np.nonzero(off & (D > 0))
    assert np.array_equal(metropolis_edge_weights(G, src, dst), D[src, dst])


@pytest.mark.parametrize("name,params", [("ring", {}), ("small_world", {}), ("complete", {}),
                                         ("erdos_renyi", {"p": 0.03, "patch": True})])
def test_sparse_spectral_gap_equals_dense(name, params, monkeypatch):
    """ring: shift-invert; small world, ER: Lanczos; complete: lambda_n decides the gap."""
    G = build_topology(name, 200, np.random.default_rng(1), params)
    dense = spectral_gap(G)
    monkeypatch.setattr(mixing, "DENSE_MAX", 10)      # the Lanczos / shift-invert path
    assert spectral_gap(G) == pytest.approx(dense, rel=1e-7, abs=1e-12)


def test_spectral_gap_of_a_10000_ring_and_torus_match_closed_forms():
    """Plain Lanczos does not converge on a 10^4 ring (gap ~1.3e-7): shift-invert does.
    Ring (W = I - L/3): 1 - lambda_2 = (2/3)(1 - cos(2 pi / n)); 100 x 100 torus
    (W = I - L/5): (1/5)(2 - 2 cos(2 pi / 100))."""
    n = 10_000
    ring = spectral_gap(nx.cycle_graph(n))
    assert ring == pytest.approx(2 / 3 * (1 - math.cos(2 * math.pi / n)), rel=1e-6)
    torus = nx.convert_node_labels_to_integers(nx.grid_2d_graph(100, 100, periodic=True))
    assert spectral_gap(torus) == pytest.approx(0.2 * (2 - 2 * math.cos(2 * math.pi / 100)),
                                                rel=1e-6)


def test_memory_estimate_holds_a_sparse_mixing_matrix():
    sc = from_dict({"name": "m", "network": {"agents": 10_000, "topology": "erdos_renyi",
                                             "p": 4 / 9999, "patch": True},
                    "algorithm": {"name": "lead"}})
    parts = {p[1]: p[0] for p in estimate(sc.data, 10_000, 10, 60)}
    assert parts["mixing matrix"] < 2e6                # was 8 N^2 = 800 MB
