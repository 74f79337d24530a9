"""Communication graphs (networkx generators, function-first) and checks for peer algorithms.

``build_topology(name, n, rng, params)`` returns an undirected ``networkx.Graph`` on nodes
``0..n-1``. Random families draw from the ``rng`` passed in (the scenario's "topology" stream),
so a graph depends only on the seed and its parameters. Every family and its parameters:

=================  ===============================================================
ring               cycle 0-1-...-(n-1)-0
path               line 0-1-...-(n-1)
grid               2-D grid, ``rows`` x ``cols`` (default: the most square factorisation of n)
torus              2-D grid with wrap-around, ``rows`` x ``cols``
complete           every pair connected
star               node 0 is the hub
erdos_renyi        G(n, p), ``p`` = 0.3; redrawn until connected (up to 1000 tries)
random_geometric   nodes uniform in the unit square, edge if distance <= ``radius`` (0.4);
                   redrawn until connected
small_world        Watts-Strogatz, ``k`` = 4 neighbours (even: k/2 on each side of the
                   ring), rewiring ``p`` = 0.1 (connected)
scale_free         Barabasi-Albert, ``m`` = 2 edges per new node
edges              an edge-list ``file`` (CSV ``u,v`` per line, optional header and extra
                   columns bandwidth, latency, jitter, loss for per-edge links)
=================  ===============================================================
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass, field
from typing import Callable

import networkx as nx
import numpy as np

from netsim.errors import ScenarioError, must
from netsim.network.edgelist import EDGE_COLUMNS, read_edge_list
from netsim.network.mixing import metropolis_weights, spectral_gap

__all__ = ["TOPOLOGIES", "Topology", "build_topology", "check_peer_graph", "list_topologies",
           "get_topology",
           "metropolis_weights", "spectral_gap", "EDGE_COLUMNS"]

_MAX_TRIES = 1000


@dataclass(frozen=True)
class Topology:
    """A graph family: its builder, parameters with defaults (None: required) and doc."""

    build: Callable
    params: dict = field(default_factory=dict)
    doc: str = ""


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2 ** 63 - 1))


def _prob(v, key):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
        raise must(key, "a probability in (0, 1]", v)
    return float(v)


def _pos_int(v, key, lo=1, hi=None):
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        rng_s = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise must(key, f"an integer {rng_s}", v)
    return v


def _grid_shape(n, p, key):
    rows, cols = p.get("rows"), p.get("cols")
    if rows is None and cols is None:
        rows = max(r for r in range(1, int(math.isqrt(n)) + 1) if n % r == 0)
        cols = n // rows
    elif rows is None:
        cols = _pos_int(cols, f"{key}.cols")
        rows = n // cols
    elif cols is None:
        rows = _pos_int(rows, f"{key}.rows")
        cols = n // rows
    rows, cols = _pos_int(rows, f"{key}.rows"), _pos_int(cols, f"{key}.cols")
    if rows * cols != n:
        raise must(f"{key}.rows", f"rows x cols = network.agents ({n})", f"{rows} x {cols}")
    return rows, cols


def _relabel(G):
    return nx.convert_node_labels_to_integers(G, ordering="sorted")


def _ring(n, rng, p, key, base):
    return nx.cycle_graph(n)


def _path(n, rng, p, key, base):
    return nx.path_graph(n)


def _complete(n, rng, p, key, base):
    return nx.complete_graph(n)


def _star(n, rng, p, key, base):
    return nx.star_graph(n - 1)


def _grid(n, rng, p, key, base):
    r, c = _grid_shape(n, p, key)
    return _relabel(nx.grid_2d_graph(r, c))


def _torus(n, rng, p, key, base):
    r, c = _grid_shape(n, p, key)
    if r < 3 or c < 3:
        raise must(f"{key}.rows", "rows, cols >= 3 for a torus (else edges repeat)",
                   f"{r} x {c}")
    return _relabel(nx.grid_2d_graph(r, c, periodic=True))


def _until_connected(make, what, key):
    for _ in range(_MAX_TRIES):
        G = make()
        if nx.is_connected(G):
            return G
    raise ScenarioError(key, f"{what} gave no connected graph in {_MAX_TRIES} draws; "
                             f"raise the parameter or use fewer agents")


def gnp_random_graph(n: int, p: float, seed: int) -> nx.Graph:
    """``networkx.gnp_random_graph(n, p, seed=seed)``, the same graph edge for edge.

    Same edge insertion order, in O(n^2 / chunk) numpy calls instead of n^2 / 2 Python calls.

    networkx draws ``random.Random(seed).random()`` once per pair (u, v), u < v, in
    lexicographic order, and keeps the pair if the draw is < p. Python's ``random()`` and
    numpy's legacy ``RandomState.random_sample`` both turn two Mersenne-Twister outputs into
    one double the same way (``genrand_res53``), so the same draws come from a numpy MT19937
    started in the Python generator's state (asserted in tests/test_units_topology.py).
    """
    import random

    if p >= 1 or p <= 0:
        return nx.gnp_random_graph(n, p, seed=seed)
    state = random.Random(seed).getstate()[1]
    mt = np.random.MT19937()
    mt.state = {"bit_generator": "MT19937",
                "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
    draws = np.random.RandomState(mt)
    G = nx.empty_graph(n)
    u, chunk = 0, 1 << 22
    while u < n - 1:
        rows = [u]                              # rows u..w-1 hold at most ~chunk pairs
        total = n - 1 - u
        w = u + 1
        while w < n - 1 and total + (n - 1 - w) <= chunk:
            total += n - 1 - w
            rows.append(w)
            w += 1
        hit = np.flatnonzero(draws.random_sample(total) < p)
        lengths = np.array([n - 1 - r for r in rows])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        which = np.searchsorted(starts, hit, side="right") - 1
        src = np.asarray(rows)[which]
        dst = src + 1 + (hit - starts[which])
        G.add_edges_from(zip(src.tolist(), dst.tolist()))
        u = w
    return G


def _erdos_renyi(n, rng, p, key, base):
    prob = _prob(p["p"], f"{key}.p")
    patch = p.get("patch", False)
    if not isinstance(patch, bool):
        raise must(f"{key}.patch", "true or false", patch)
    if patch:
        # one draw; every component other than the largest gets one edge to it (a random
        # node on each side): sparse graphs (average degree ~4 at N = 1000) are almost never
        # connected, and redrawing would never end
        G = gnp_random_graph(n, prob, _seed(rng))
        comps = sorted(nx.connected_components(G), key=lambda c: (-len(c), min(c)))
        giant = sorted(comps[0])
        for comp in comps[1:]:
            u = sorted(comp)[int(rng.integers(len(comp)))]
            v = giant[int(rng.integers(len(giant)))]
            G.add_edge(u, v)
        return G
    return _until_connected(lambda: gnp_random_graph(n, prob, _seed(rng)),
                            f"erdos_renyi with p = {prob}", f"{key}.p")


def _random_geometric(n, rng, p, key, base):
    r = p["radius"]
    if isinstance(r, bool) or not isinstance(r, (int, float)) or not r > 0:
        raise must(f"{key}.radius", "a number > 0", r)
    return _until_connected(lambda: nx.random_geometric_graph(n, float(r), seed=_seed(rng)),
                            f"random_geometric with radius = {r}", f"{key}.radius")


def _small_world(n, rng, p, key, base):
    k = _pos_int(p["k"], f"{key}.k", 2, n - 1)
    if k % 2:       # networkx joins k // 2 neighbours on each side: an odd k would lose one
        raise must(f"{key}.k", f"an even integer in [2, {n - 1}] (each agent is joined to k/2 "
                               f"neighbours on each side of the ring)", k)
    prob = p["p"]
    if isinstance(prob, bool) or not isinstance(prob, (int, float)) or not 0 <= prob <= 1:
        raise must(f"{key}.p", "a probability in [0, 1]", prob)
    return _until_connected(
        lambda: nx.watts_strogatz_graph(n, k, float(prob), seed=_seed(rng)),
        f"small_world with k = {k}, p = {prob}", f"{key}.k")


def _scale_free(n, rng, p, key, base):
    m = _pos_int(p["m"], f"{key}.m", 1, n - 1)
    return nx.barabasi_albert_graph(n, m, seed=_seed(rng))


def _edges(n, rng, p, key, base):
    """An edge-list CSV (see :func:`read_edge_list`)."""
    fkey = f"{key}.file"
    raw = p.get("file")
    if not isinstance(raw, str) or not raw:
        raise must(fkey, "a path to a CSV edge list (u,v per line)", raw)
    return read_edge_list((pathlib.Path(base or ".") / raw).resolve(), n, fkey)


TOPOLOGIES: dict[str, Topology] = {
    "ring": Topology(_ring, {}, "cycle 0-1-...-(n-1)-0"),
    "path": Topology(_path, {}, "line 0-1-...-(n-1)"),
    "grid": Topology(_grid, {"rows": None, "cols": None},
                     "2-D grid rows x cols (default: most square factorisation of n)"),
    "torus": Topology(_torus, {"rows": None, "cols": None}, "2-D grid with wrap-around"),
    "complete": Topology(_complete, {}, "all pairs connected"),
    "star": Topology(_star, {}, "node 0 is the hub"),
    "erdos_renyi": Topology(_erdos_renyi, {"p": 0.3, "patch": False},
                            "G(n, p), redrawn until connected (patch = true: one draw, each "
                            "small component linked to the largest by one edge)"),
    "random_geometric": Topology(_random_geometric, {"radius": 0.4},
                                 "unit square, edge if distance <= radius (connected)"),
    "small_world": Topology(_small_world, {"k": 4, "p": 0.1},
                            "Watts-Strogatz with k (even) neighbours, rewiring p (connected)"),
    "scale_free": Topology(_scale_free, {"m": 2}, "Barabasi-Albert, m edges per new node"),
    "edges": Topology(_edges, {"file": None},
                      "CSV edge list 'u,v[,bandwidth,latency,jitter,loss]' (header optional)"),
}


def get_topology(name, key: str = "network.topology") -> Topology:
    """The built-in topology ``name``, else the installed ``netsim.topologies`` entry point of
    that name (a :class:`Topology`, loaded now; see :mod:`netsim.plugins`).

    Raises:
        ScenarioError: no such topology (the message lists the built-in and installed
            names), or the plugin fails to load or is not a Topology.
    """
    from netsim import plugins

    if isinstance(name, str) and name in TOPOLOGIES:
        return TOPOLOGIES[name]
    topo = plugins.load("topologies", name, key, lambda t: None if isinstance(t, Topology)
                        else "is not a netsim.network.topology.Topology") \
        if isinstance(name, str) else None
    if topo is None:
        raise plugins.unknown("topologies", TOPOLOGIES, name, key)
    return topo


def list_topologies() -> list[tuple[str, str]]:
    """(name, "params: doc") for every topology, for ``netsim list topologies``; installed
    plugins are listed from their metadata, not loaded.
    """
    from netsim import plugins

    out = []
    for name, t in TOPOLOGIES.items():
        ps = ", ".join(f"{k}={v}" if v is not None else k for k, v in t.params.items())
        out.append((name, (f"({ps}) " if ps else "") + t.doc))
    out += plugins.listing("topologies", TOPOLOGIES)
    return out


def build_topology(name: str, n: int, rng: np.random.Generator, params: dict | None = None,
                   key: str = "network", base_dir=None) -> nx.Graph:
    """Build topology ``name`` on ``n`` nodes.

    Args:
        name: a key of :data:`TOPOLOGIES` or an installed ``netsim.topologies`` plugin.
        n: number of agents (nodes 0..n-1).
        rng: the generator for random families.
        params: family parameters (missing ones take the defaults of :data:`TOPOLOGIES`).
        key: scenario prefix for error messages ("network").
        base_dir: folder relative edge-list paths resolve against.
    """
    topo = get_topology(name, f"{key}.topology")
    params = dict(params or {})
    for k in params:
        if k not in topo.params:
            raise ScenarioError(f"{key}.{k}", f"is not a parameter of topology {name!r} "
                                              f"(allowed: {', '.join(topo.params) or 'none'})")
    p = {**topo.params, **params}
    G = topo.build(n, rng, p, key, base_dir)
    G = nx.Graph(G)  # plain undirected simple graph
    G.graph["name"] = name
    return G


def check_peer_graph(G, key: str = "network.topology") -> None:
    """Peer algorithms need an undirected, connected graph without self-loops."""
    if G.is_directed():
        raise ScenarioError(key, "must be an undirected graph for peer algorithms; got a "
                                 "directed graph")
    if G.number_of_nodes() < 2:
        raise must(key, "a graph of at least 2 agents", G.number_of_nodes())
    if nx.number_of_selfloops(G):
        raise ScenarioError(key, "must have no self-loops")
    if not nx.is_connected(G):
        comps = nx.number_connected_components(G)
        raise ScenarioError(key, f"must be connected for peer algorithms; got "
                                 f"{G.graph.get('name', 'a graph')!r} with {comps} components")
