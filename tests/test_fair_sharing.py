"""Fair sharing, TCP corrections, in-order delivery and burst loss: closed forms."""

import math
import pathlib

import numpy as np
import pytest
import simpy

import netsim
from netsim.errors import ScenarioError
from netsim.network.fair import FairNetwork, TcpParams
from netsim.network.links import LinkSpec
from netsim.network.maxmin import maxmin_rates
from netsim.network.transport import Network
from netsim.rng import Streams
from netsim.scenario import from_dict
from netsim.simtime import STEP, Alarm, seconds, ticks


def _run(net_cls, sends, links=None, **kw):
    env = simpy.Environment()
    links = links or {(0, 1): LinkSpec(bandwidth=1e6, latency=0.01),
                      (1, 0): LinkSpec(bandwidth=1e6, latency=0.01)}
    net = net_cls(env, links, Streams(3), **kw)
    got = {}
    for node in (0, 1, 2, 3):
        net.attach(node, lambda src, tag, k: got.__setitem__(k, seconds(env.now)))
    for k, (src, dst, bits, t) in enumerate(sends):
        Alarm(env, ticks(t), STEP).callbacks.append(lambda _e, a=(src, dst, k, bits): net.send(*a))
    env.run()
    return [got.get(k, math.nan) for k in range(len(sends))], net


def test_maxmin_textbook_cases():
    """Equal flows split a link; a flow bottlenecked elsewhere leaves the rest to the others;
    penalties weight the shares; bounds cap a flow and free capacity."""
    r = maxmin_rates({i: (1.0, math.inf, (("L", 1.0),)) for i in range(4)}, {"L": 8.0})
    assert all(v == 2.0 for v in r.values())
    r = maxmin_rates({"a": (1.0, math.inf, (("L", 1.0), ("M", 1.0))),
                      "b": (1.0, math.inf, (("L", 1.0),))}, {"L": 10.0, "M": 2.0})
    assert r == {"a": 2.0, "b": 8.0}
    r = maxmin_rates({"a": (1.0, math.inf, (("L", 1.0),)), "b": (3.0, math.inf, (("L", 1.0),))},
                     {"L": 8.0})
    assert r["a"] == pytest.approx(6.0) and r["b"] == pytest.approx(2.0)
    r = maxmin_rates({"a": (1.0, 1.0, (("L", 1.0),)), "b": (1.0, math.inf, (("L", 1.0),))},
                     {"L": 8.0})
    assert r == {"a": 1.0, "b": 7.0}


@pytest.mark.parametrize("n", [1, 2, 5])
def test_n_equal_flows_closed_forms(n):
    """n flows of S bits handed over together on a link of bandwidth B: all finish at
    latency + n S / B under fair; the k-th at latency + k S / B under fifo."""
    S, B, L = 1e5, 1e6, 0.01
    fair, _ = _run(FairNetwork, [(0, 1, S, 0.0)] * n)
    fifo, _ = _run(Network, [(0, 1, S, 0.0)] * n)
    assert fair == pytest.approx([L + n * S / B] * n, abs=2e-12)
    assert fifo == pytest.approx([L + k * S / B for k in range(1, n + 1)], abs=2e-12)


def test_latency_is_paid_before_the_transfer_and_causes_no_contention():
    """A flow still in its latency phase takes no bandwidth: a 1 ms-latency flow sent at the
    same time as a 100 ms one has the link to itself until the other starts."""
    links = {(0, 1): LinkSpec(bandwidth=1e6, latency=0.001),
             (2, 1): LinkSpec(bandwidth=1e6, latency=0.1)}
    t, _ = _run(FairNetwork, [(0, 1, 5e4, 0.0), (2, 1, 5e4, 0.0)], links=links,
                downlink={1: 1e6})
    assert t[0] == pytest.approx(0.001 + 0.05, abs=2e-12)       # done before the other starts
    assert t[1] == pytest.approx(0.1 + 0.05, abs=2e-12)


def test_tcp_single_flow_and_window_cap():
    """LV08: one flow takes 13.01 latency + S / (0.97 B); the window gamma / (2 latency)
    caps the rate on a long fat link."""
    S, B, L = 8e5, 1e6, 0.01
    t, _ = _run(FairNetwork, [(0, 1, S, 0.0)], tcp=TcpParams())
    assert t[0] == pytest.approx(13.01 * L + S / (0.97 * B), abs=2e-12)
    links = {(0, 1): LinkSpec(bandwidth=1e12, latency=0.05),
             (1, 0): LinkSpec(bandwidth=1e12, latency=0.05)}
    gamma = 4194304 * 8
    t, _ = _run(FairNetwork, [(0, 1, 1e9, 0.0)], links=links, tcp=TcpParams())
    assert t[0] == pytest.approx(13.01 * 0.05 + 1e9 / (gamma / 0.1), abs=2e-12)


def test_cross_traffic_slows_the_reverse_direction():
    """A flow consumes 5% of its rate on the reverse link: a reverse flow then gets less."""
    alone, _ = _run(FairNetwork, [(1, 0, 8e5, 0.0)], tcp=TcpParams())
    both, _ = _run(FairNetwork, [(0, 1, 8e6, 0.0), (1, 0, 8e5, 0.0)], tcp=TcpParams())
    assert both[1] > alone[0] * 1.01


def test_rates_recomputed_only_for_the_affected_component():
    """Flows on disjoint links do not trigger each other's recomputation."""
    links = {(0, 1): LinkSpec(bandwidth=1e6), (2, 3): LinkSpec(bandwidth=1e6)}
    _, net = _run(FairNetwork, [(0, 1, 1e5, 0.0), (2, 3, 1e5, 0.01)], links=links)
    assert (net.recomputations, net.reshared_flows) == (2, 2)   # each start, itself only
    _, net = _run(FairNetwork, [(0, 1, 1e5, 0.0), (0, 1, 1e5, 0.01)], links=links)
    assert (net.recomputations, net.reshared_flows) == (3, 4)   # 1, then both, then 1


def test_in_order_delivery_never_overtakes():
    """With jitter, messages overtake; with in_order they arrive in sending order, each no
    earlier than without the constraint."""
    from netsim.distributions import make_distribution
    jit = make_distribution({"dist": "exponential", "mean": "5 ms"}, "j", kind="time")
    sends = [(0, 1, 1e3, 0.0001 * k) for k in range(200)]
    for cls in (Network, FairNetwork):
        free = {(0, 1): LinkSpec(bandwidth=1e7, latency=0.001, jitter=jit)}
        held = {(0, 1): LinkSpec(bandwidth=1e7, latency=0.001, jitter=jit, in_order=True)}
        a, _ = _run(cls, sends, links=free)
        b, _ = _run(cls, sends, links=held)
        assert np.any(np.diff(a) < 0)
        assert np.all(np.diff(b) >= 0)
        assert np.all(np.asarray(b) >= np.asarray(a) - 1e-15)


def test_segment_loss_and_gilbert_elliott():
    """p_msg = 1 - (1 - p_seg)^ceil(bits / MSS); Gilbert-Elliott losses come in bursts with
    the stationary rate pi_bad loss_bad + pi_good loss_good."""
    spec = LinkSpec(segment_loss=0.01)
    assert spec.loss_probability(1460 * 8 * 3 + 1) == pytest.approx(1 - 0.99 ** 4)
    p_gb, p_bg, lg, lb = 0.02, 0.2, 0.0, 0.6
    links = {(0, 1): LinkSpec(bandwidth=1e9, burst=(p_gb, p_bg, lg, lb))}
    n = 20000
    t, net = _run(Network, [(0, 1, 100, 1e-6 * k) for k in range(n)], links=links)
    lost = np.isnan(t)
    pi_bad = p_gb / (p_gb + p_bg)
    assert lost.mean() == pytest.approx(pi_bad * lb, rel=0.1)
    # bursty: P(lost | previous lost) far above the marginal rate
    cond = lost[1:][lost[:-1]].mean()
    assert cond > 3 * lost.mean()


def test_scenario_keys_for_the_link_ladder():
    """fair / tcp / downlink / in_order / burst are accepted and run; bad ones name the key."""
    base = {"network": {"agents": 4, "links": {"bandwidth": "1 Mbit/s", "latency": "1 ms",
                                                "sharing": "fair", "model": "tcp",
                                                "downlink": "2 Mbit/s", "in_order": True}},
            "algorithm": {"name": "admm"}, "problem": {"kind": "least_squares"},
            "stop": {"rounds": 5}}
    res = netsim.run(from_dict(base))
    assert res.summary["rounds"] == 5
    for links, key in [({"model": "tcp"}, "network.links.sharing"),
                       ({"downlink": "1 Mbit/s"}, "network.links.downlink"),
                       ({"sharing": "fair", "model": "tcp", "tcp": {"gama": 1}},
                        "network.links.tcp.gama"),
                       ({"burst": {"p_gb": 2}}, "network.links.burst.p_gb"),
                       ({"loss": 0.1, "burst": {}}, "network.links.burst")]:
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            from_dict({"network": {"links": links}})


def test_fifo_vs_fair_changes_who_is_freshest():
    """scenarios/links/fifo_vs_fair.toml: under FIFO the server's answers leave in worker
    order, so the last-answered workers' results are the stalest; under fair sharing they
    all arrive together and the staleness no longer depends on the worker index."""
    sc = netsim.load(pathlib.Path(__file__).resolve().parent.parent / "scenarios" / "links"
                     / "fifo_vs_fair.toml", {"stop.target": None, "stop.rounds": 200})
    runs = {v.label: netsim.run(v) for v in sc.variants()}
    per = {}
    for lab, res in runs.items():
        upd = np.asarray(res.updates, dtype=float)
        per[lab] = np.array([upd[upd[:, 2] == i, 3].mean() for i in range(8)])
    staleness = {k: runs[k].summary["server"]["staleness"] for k in ("fifo", "fair")}
    assert staleness["fifo"] != staleness["fair"]
    assert per["fifo"][6:].mean() - per["fifo"][:2].mean() > 0.4
    assert abs(per["fair"][6:].mean() - per["fair"][:2].mean()) < 0.25


def test_the_ladder_reduces():
    """tcp with neutral parameters equals fair; fair with one message at a time equals fifo."""
    neutral = TcpParams(latency_factor=1.0, bandwidth_factor=1.0, weight_s=0.0,
                        cross_traffic=0.0, gamma=1e300)
    links = {(0, 1): LinkSpec(bandwidth=1e6, latency=0.01),
             (2, 1): LinkSpec(bandwidth=3e6, latency=0.03),
             (1, 0): LinkSpec(bandwidth=1e6, latency=0.01)}
    sends = [(0, 1, 2e5, 0.0), (2, 1, 1e5, 0.0), (0, 1, 5e4, 0.05), (1, 0, 1e5, 0.0)]
    a, _ = _run(FairNetwork, sends, links=links, downlink={1: 2e6})
    b, _ = _run(FairNetwork, sends, links=links, downlink={1: 2e6}, tcp=neutral)
    assert a == b
    spaced = [(0, 1, 1e5, 1.0 * k) for k in range(4)]
    assert _run(FairNetwork, spaced)[0] == pytest.approx(_run(Network, spaced)[0], abs=2e-12)


@pytest.mark.parametrize("n", [20, 40])
def test_lockstep_rounds_solve_max_min_once_per_instant(n):
    """TCP with a finite uplink on a lockstep ring: reverse cross-traffic joins every flow into
    one sharing component, and all 2N flows of a round start at one instant and end at
    another. Rates are solved once per instant that changes them (one solve per round, each
    flow solved once), so a round costs O(N), not O(N^2) (one solve per flow start and end)."""
    from netsim.simulate import build

    sc = from_dict({"name": "x", "network": {"agents": n, "topology": "ring", "links": {
        "bandwidth": "10 Mbit/s", "latency": "1 ms", "uplink": "10 Mbit/s", "sharing": "fair",
        "model": "tcp"}}, "algorithm": {"name": "lt-admm", "tau": 5}, "stop": {"rounds": 10},
        "output": {"plots": False}})
    sim = build(sc)
    sim.runner.start()
    sim.env.run(until=sim.stop_event)
    net = sim.network
    assert net.total_messages == 10 * 2 * n
    assert net.recomputations == 10
    assert net.reshared_flows == net.total_messages
