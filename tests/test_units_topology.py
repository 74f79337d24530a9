"""Units, distributions and topologies: exact conversions, moments, graph shapes, errors."""

import math

import networkx as nx
import numpy as np
import pytest

from netsim.distributions import make_distribution
from netsim.errors import ScenarioError
from netsim.network.topology import (
    TOPOLOGIES,
    build_topology,
    check_peer_graph,
    metropolis_weights,
    spectral_gap,
)
from netsim.rng import Streams
from netsim.units import format_quantity, parse_quantity


@pytest.mark.parametrize("text,kind,si", [
    ("10 Mbit/s", "rate", 1e7), ("1.5 MB/s", "rate", 1.2e7), ("1 Gbps", "rate", 1e9),
    ("8 kbit/s", "rate", 8e3), ("1 KiB/s", "rate", 8192.0), ("5 ms", "time", 5e-3),
    ("20 us", "time", 2e-5), ("2 min", "time", 120.0), ("1 h", "time", 3600.0),
    ("1 Gbit", "size", 1e9), ("512 kB", "size", 4.096e6), ("1e6 bit", "size", 1e6),
    (3, "time", 3.0), (2.5, "rate", 2.5), ("inf", "rate", math.inf), ("0 s", "time", 0.0),
])
def test_parse_quantity(text, kind, si):
    assert parse_quantity(text, kind, "k") == pytest.approx(si, rel=1e-15)


@pytest.mark.parametrize("text,kind", [
    ("10 Mbit/sec", "rate"), ("-5 Mbit/s", "rate"), ("5 kg", "time"), ("-1 us", "time"),
    ("nan", "time"), (True, "size"), ("fast", "rate"), ([1], "time"), ("5 ms", "rate"),
])
def test_parse_quantity_rejects_with_key_and_value(text, kind):
    with pytest.raises(ScenarioError) as e:
        parse_quantity(text, kind, "network.links.x")
    msg = str(e.value)
    assert "network.links.x" in msg and str(text) in msg and "\n" not in msg


def test_inf_can_be_refused():
    with pytest.raises(ScenarioError):
        parse_quantity("inf", "size", "stop.bits", allow_inf=False)


def test_format_roundtrip():
    for x, kind in ((0.005, "time"), (1e7, "rate"), (3e9, "size")):
        assert parse_quantity(format_quantity(x, kind), kind, "k") == pytest.approx(x)


@pytest.mark.parametrize("spec,mean", [
    (2.0, 2.0), ({"dist": "uniform", "low": 1, "high": 3}, 2.0),
    ({"dist": "exponential", "mean": 0.5}, 0.5),
    ({"dist": "lognormal", "mean": 5.0, "sigma": 0.5}, 5.0),
    ({"dist": "lognormal", "mu": 0.0, "sigma": 0.3}, math.exp(0.045)),
    ({"dist": "pareto", "shape": 3.0, "scale": 2.0}, 3.0),
])
def test_distribution_means_match_monte_carlo(spec, mean):
    d = make_distribution(spec, "k")
    assert d.mean == pytest.approx(mean, rel=1e-12)
    x = d.sample(np.random.default_rng(1), 400_000)
    sd = np.std(x) if not d.is_constant else 0.0
    assert abs(x.mean() - mean) <= 5 * sd / math.sqrt(len(x)) + 1e-12


def test_distribution_units_and_clipping():
    d = make_distribution({"dist": "exponential", "mean": "2 ms", "max": "3 ms"}, "j",
                          kind="time")
    x = d.sample(np.random.default_rng(0), 10_000)
    assert d.mean == pytest.approx(2e-3) and x.max() <= 3e-3 and x.min() >= 0


@pytest.mark.parametrize("spec,key", [
    ({"dist": "gauss"}, "k.dist"), ({"dist": "uniform", "low": 3, "high": 1}, "k.high"),
    ({"dist": "exponential", "mean": -1}, "k.mean"), ({"dist": "exponential"}, "k"),
    ({"dist": "exponential", "mean": 1, "sd": 2}, "k.sd"), (-1.0, "k"),
    ({"dist": "lognormal", "sigma": 1}, "k"),
    ({"dist": "pareto", "shape": 0, "scale": 1}, "k.shape"),
])
def test_distribution_errors_name_the_key(spec, key):
    with pytest.raises(ScenarioError) as e:
        make_distribution(spec, "k")
    assert str(e.value).startswith(key + " ")


def _g(name, n=12, seed=0, **p):
    return build_topology(name, n, Streams(seed).generator("topology"), p)


@pytest.mark.parametrize("name,n,edges", [
    ("ring", 12, 12), ("path", 12, 11), ("complete", 6, 15), ("star", 7, 6),
    ("grid", 12, 17), ("torus", 12, 24),  # grid 3x4: 3*3 + 2*4; torus 3x4: 2*12
])
def test_deterministic_families_have_known_edge_counts(name, n, edges):
    G = _g(name, n)
    assert sorted(G.nodes) == list(range(n)) and G.number_of_edges() == edges
    check_peer_graph(G)


@pytest.mark.parametrize("name", ["erdos_renyi", "random_geometric", "small_world",
                                  "scale_free"])
def test_random_families_are_connected_and_seeded(name):
    a, b, c = _g(name, 20, 0), _g(name, 20, 0), _g(name, 20, 1)
    assert nx.is_connected(a)
    assert sorted(a.edges) == sorted(b.edges)
    assert sorted(a.edges) != sorted(c.edges)


def test_erdos_renyi_density_follows_p():
    counts = [_g("erdos_renyi", 30, s, p=0.5).number_of_edges() for s in range(20)]
    assert abs(np.mean(counts) - 0.5 * 435) < 0.05 * 435


def test_edge_file_with_columns(tmp_path):
    (tmp_path / "g.csv").write_text("u,v,bandwidth,loss\n0,1,1 Mbit/s,0.1\n1,2,,\n2,0,,\n")
    G = build_topology("edges", 3, None, {"file": "g.csv"}, base_dir=tmp_path)
    assert G.number_of_edges() == 3
    assert G.edges[0, 1] == {"bandwidth": 1e6, "loss": 0.1}    # checked, in SI units
    assert G.edges[1, 2] == {}


@pytest.mark.parametrize("text,fragment", [
    ("0,1\n1,9\n", "line 2"), ("0,1\n0,1\n", "duplicate"), ("0,0\n", "self-loop"),
    ("0,x\n", "integers"), ("u,v,colour\n0,1,red\n", "colour"),
    ("", "at least one edge"), ("u,v\n# none\n", "at least one edge"),
])
def test_edge_file_errors(tmp_path, text, fragment):
    (tmp_path / "g.csv").write_text(text)
    with pytest.raises(ScenarioError) as e:
        build_topology("edges", 3, None, {"file": "g.csv"}, base_dir=tmp_path)
    assert str(e.value).startswith("network.file") and fragment in str(e.value)


def test_disconnected_and_bad_params_rejected():
    G = nx.Graph([(0, 1), (2, 3)])
    with pytest.raises(ScenarioError, match="connected.*2 components"):
        check_peer_graph(G)
    with pytest.raises(ScenarioError, match="directed"):
        check_peer_graph(nx.DiGraph([(0, 1), (1, 0)]))
    with pytest.raises(ScenarioError, match=r"network\.p"):
        _g("erdos_renyi", 10, p=1.5)
    with pytest.raises(ScenarioError, match=r"network\.rows"):
        _g("grid", 10, rows=3)
    with pytest.raises(ScenarioError, match=r"network\.p .*connected"):
        _g("erdos_renyi", 40, p=0.001)


def test_metropolis_weights_and_spectral_gap():
    G = _g("ring", 8)
    W = metropolis_weights(G).toarray()
    assert np.allclose(W, W.T) and np.allclose(W.sum(axis=1), 1.0)
    # ring of n with weights 1/3: eigenvalues (1 + 2 cos(2 pi k / n)) / 3
    lam2 = (1 + 2 * math.cos(2 * math.pi / 8)) / 3
    assert spectral_gap(G) == pytest.approx(1 - lam2, rel=1e-12)
    assert spectral_gap(_g("complete", 8)) > spectral_gap(G)


def test_every_topology_is_documented():
    for name, t in TOPOLOGIES.items():
        assert t.doc and name in __import__("netsim.network.topology",
                                            fromlist=["x"]).__doc__


@pytest.mark.parametrize("n,p,seed", [(2, 0.5, 1), (30, 0.2, 7), (200, 0.02, 123),
                                      (300, 0.5, 2 ** 62 + 5), (57, 0.999, 3)])
def test_fast_gnp_equals_networkx_edge_for_edge(n, p, seed):
    """netsim's vectorized G(n, p) draws exactly networkx's graph, in the same edge order."""
    import networkx as nx

    from netsim.network.topology import gnp_random_graph

    a, b = gnp_random_graph(n, p, seed), nx.gnp_random_graph(n, p, seed=seed)
    assert list(a.nodes) == list(b.nodes)
    assert list(a.edges) == list(b.edges)
    assert all(list(a.adj[v]) == list(b.adj[v]) for v in a)
