"""Fair sharing's fast paths give the same results: max-min over lists, flows starting in one
event per tick, a link's route kept until a profile changes it."""

import math

import numpy as np
import simpy

from netsim.network.fair import FairNetwork
from netsim.network.links import LinkSpec
from netsim.network.maxmin import maxmin_list, maxmin_rates
from netsim.rng import Streams
from netsim.simtime import PROFILE, STEP, Alarm, seconds, ticks


def _maxmin_oracle(flows, capacity, rel_tol=1e-12):
    """The progressive filling as first written (dicts and sets; the oracle of maxmin_list)."""
    rate = {}
    remaining = {r: float(capacity[r]) for f in flows for r, _ in flows[f][2]}
    users: dict = {}
    for f, (_, _, res) in flows.items():
        for r, w in res:
            users.setdefault(r, []).append((f, w))
    open_flows = set(flows)
    while open_flows:
        level, saturated = math.inf, []
        for r, us in users.items():
            usage = sum(w / flows[f][0] for f, w in us if f in open_flows)
            if usage <= 0:
                continue
            share = max(remaining[r], 0.0) / usage
            if share < level * (1 - rel_tol):
                level, saturated = share, [r]
            elif share <= level * (1 + rel_tol):
                saturated.append(r)
        bound_level = min((flows[f][1] * flows[f][0] for f in open_flows), default=math.inf)
        if bound_level < level * (1 - rel_tol) or level == math.inf:
            level = bound_level
            fixed = {f for f in open_flows if flows[f][1] * flows[f][0] <= level * (1 + rel_tol)}
        else:
            fixed = {f for r in saturated for f, _ in users[r] if f in open_flows}
            fixed |= {f for f in open_flows if flows[f][1] * flows[f][0] <= level * (1 + rel_tol)}
        if level == math.inf:
            for f in open_flows:
                rate[f] = math.inf
            break
        for f in [g for g in flows if g in fixed]:
            pen, bound, res = flows[f]
            x = min(level / pen, bound)
            rate[f] = x
            for r, w in res:
                remaining[r] -= w * x
        open_flows -= fixed
    return rate


def test_maxmin_list_is_the_oracle_bit_for_bit():
    """Random instances (1, 2 and many users per resource, bounds, equal shares, cross-traffic
    weights, infinite capacities): the same rates, to the last bit."""
    rng = np.random.default_rng(0)
    for case in range(300):
        n_res = int(rng.integers(1, 8))
        caps = rng.choice([1e6, 2e6, 1e7], n_res) if case % 2 else rng.uniform(1e5, 1e7, n_res)
        capacity = {("r", j): float(c) for j, c in enumerate(caps)}
        if case % 7 == 0:
            capacity[("r", 0)] = math.inf
        flows = {}
        for i in range(int(rng.integers(1, 12))):
            k = int(rng.integers(1, min(n_res, 3) + 1))
            res = tuple((("r", int(j)), float(rng.choice([1.0, 0.05])))
                        for j in rng.choice(n_res, k, replace=False))
            pen = float(rng.choice([1e-3, 2e-3, rng.uniform(1e-4, 1e-2)]))
            bound = float(rng.choice([math.inf, 5e5, rng.uniform(1e5, 1e7)]))
            flows[("f", i)] = (pen, bound, res)
        want = _maxmin_oracle(flows, capacity)
        assert maxmin_rates(flows, capacity) == want, case
        p = list(flows.values())
        got = maxmin_list([x[0] for x in p], [x[1] for x in p], [x[2] for x in p], capacity)
        assert got == [want[f] for f in flows], case


def _net(links, **kw):
    env = simpy.Environment()
    net = FairNetwork(env, links, Streams(0), **kw)
    got = {}
    for node in range(6):
        net.attach(node, lambda src, tag, k: got.__setitem__(k, seconds(env.now)))
    return env, net, got


def test_flows_whose_latency_ends_at_one_tick_start_in_one_event():
    """Four flows handed over at once on four links of one latency: one event for the four
    ends of latency (instead of four); each then arrives at latency + bits / bandwidth."""
    links = {(0, j): LinkSpec(bandwidth=1e6, latency=0.01) for j in (1, 2, 3, 4)}
    env, net, got = _net(links)
    net.send_many(0, [(j, j, 10_000) for j in (1, 2, 3, 4)], 0)
    assert len(env._queue) == 1
    env.run()
    assert got == {j: 0.02 for j in (1, 2, 3, 4)}


def test_route_follows_latency_and_bandwidth_profiles():
    """A link's route is kept between messages but a profile's new latency or bandwidth
    applies to the messages handed over after it (single flows: latency + bits / bw)."""
    env, net, got = _net({(0, 1): LinkSpec(bandwidth=1e6, latency=0.01)})
    for k, t in enumerate((0.0, 0.5)):
        Alarm(env, ticks(t), STEP).callbacks.append(
            lambda _e, k=k: net.send_many(0, [(1, k, 10_000)], 0))
    Alarm(env, ticks(1.0), PROFILE).callbacks.append(lambda _e: net.set_latency((0, 1), 0.05))
    Alarm(env, ticks(1.0), STEP).callbacks.append(lambda _e: net.send(0, 1, 2, 10_000))
    Alarm(env, ticks(2.0), PROFILE).callbacks.append(lambda _e: net.set_bandwidth((0, 1), 2e6))
    Alarm(env, ticks(2.0), STEP).callbacks.append(lambda _e: net.send(0, 1, 3, 10_000))
    env.run()
    assert got == {0: 0.02, 1: 0.52, 2: 1.06, 3: 2.055}


def test_a_repeated_sharing_is_solved_once(monkeypatch):
    """Two rounds that share the links the same way: one max-min solve, the same transfer
    times; after a bandwidth change the same flows are solved again."""
    import netsim.network.fair as fair
    calls = []
    monkeypatch.setattr(fair, "maxmin_list", lambda *a: calls.append(1) or maxmin_list(*a))
    links = {(0, 1): LinkSpec(bandwidth=1e6, latency=0.01), (2, 1): LinkSpec(bandwidth=1e6,
                                                                              latency=0.01)}
    env, net, got = _net(links, downlink={1: 1e6})
    for k, t in enumerate((0.0, 1.0, 2.0)):
        for src in (0, 2):
            Alarm(env, ticks(t), STEP).callbacks.append(
                lambda _e, k=k, src=src: net.send_many(src, [(1, (k, src), 10_000)], k))
    Alarm(env, ticks(2.0), PROFILE).callbacks.append(lambda _e: net.set_bandwidth((0, 1), 2e6))
    env.run()
    assert net.recomputations == 3 and len(calls) == 2      # rounds 0 and 1 share one solve
    # two flows share the 1 Mbit/s downlink: 20 000 bits at 1 Mbit/s after 10 ms
    assert [got[(k, s)] for k in (0, 1, 2) for s in (0, 2)] == [0.03, 0.03, 1.03, 1.03,
                                                                2.03, 2.03]
