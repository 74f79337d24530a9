"""A ring of cliques as a netsim topology plugin (``network.topology = "ring_of_cliques"``).

The agents 0..n-1 are cut into consecutive cliques of ``size`` agents (the last one may be
smaller); every clique is complete, and the last agent of each clique is linked to the first
agent of the next one, the last clique to the first: dense local groups joined by single
links, a classic slow-mixing graph for gossip methods.
"""

import networkx as nx

from netsim.errors import must
from netsim.network.topology import Topology

__all__ = ["ring_of_cliques", "RING_OF_CLIQUES"]


def ring_of_cliques(n, rng, params, key, base_dir):
    """The graph on nodes 0..n-1 (``rng`` and ``base_dir`` unused: deterministic).

    Raises:
        ScenarioError: ``size`` is not an integer in 2..n.
    """
    size = params["size"]
    if isinstance(size, bool) or not isinstance(size, int) or not 2 <= size <= n:
        raise must(f"{key}.size", f"an integer in 2..network.agents ({n})", size)
    G = nx.empty_graph(n)
    cliques = [list(range(s, min(s + size, n))) for s in range(0, n, size)]
    for c in cliques:
        G.add_edges_from((u, v) for i, u in enumerate(c) for v in c[i + 1:])
    if len(cliques) > 1:
        for a, b in zip(cliques, cliques[1:] + cliques[:1]):
            G.add_edge(a[-1], b[0])
    return G


RING_OF_CLIQUES = Topology(ring_of_cliques, {"size": 4},
                           "cliques of `size` agents in a ring, one link between neighbours "
                           "[plugin netsim-extra]")
