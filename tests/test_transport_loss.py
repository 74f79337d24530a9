"""Lossy links on the batched send path (issue 15): a whole send_many batch in one pass of
Network._transmit_lossy gives exactly what one _transmit per message (and one event per
message) gives: arrivals in the same order at the same ticks, the same losses (the same
draws from each link's stream), retransmissions, message log and counters."""

from __future__ import annotations

import math

import pytest
import simpy

import netsim
from netsim.network.links import LinkSpec
from netsim.network.transport import Network
from netsim.network.transport_loss import UNIFORM_BLOCK
from netsim.rng import Streams
from netsim.runners.contract import receive_timeout
from netsim.scenario import from_dict
from netsim.simtime import STEP, Alarm

MS = 10 ** 9           # ticks per millisecond
NODES = 5
ROUNDS = 2 * UNIFORM_BLOCK + 5     # every link refills its block of loss draws twice


def _specs(kind):
    if kind == "drop":
        return lambda u, v: LinkSpec(bandwidth=1e6, latency=1e-3, loss=0.2)
    if kind == "retransmit":
        return lambda u, v: LinkSpec(bandwidth=2e6, latency=1e-3, loss=0.3, header_bits=40,
                                     on_loss="retransmit")
    if kind == "segments":
        return lambda u, v: LinkSpec(bandwidth=1e6, latency=2e-3, segment_loss=0.02, mss=800,
                                     on_loss="retransmit", timeout=4e-3)
    # some links loss-free, some infinitely fast, timeouts given
    return lambda u, v: LinkSpec(bandwidth=math.inf if u == 0 else 1e6, latency=1e-3,
                                 loss=0.0 if (u + v) % 3 == 0 else 0.25, on_loss="retransmit",
                                 timeout=3e-3)


def _run(kind, batched, uplink):
    env = simpy.Environment()
    spec = _specs(kind)
    links = {(u, v): spec(u, v) for u in range(NODES) for v in range(NODES) if u != v}
    net = Network(env, links, Streams(3), uplink={0: 3e6, 2: 1e6} if uplink else None,
                  record_messages=True)
    if not batched:            # one _transmit and one delivery event per message
        net._bulk_lossy = net._coalesce_lossy = net._coalesce = False
    arrivals = []
    for node in range(NODES):
        net.attach(node, lambda src, tag, payload, node=node:
                   arrivals.append((env.now, src, node, tag, payload)))
    for k in range(ROUNDS):             # every node sends to all others, ROUNDS times
        for src in range(NODES):
            msgs = [(dst, (k, src, dst), 500 + 300 * ((src + dst + k) % 4))
                    for dst in range(NODES) if dst != src]
            Alarm(env, k * 2 * MS + (src % 2) * MS, STEP).callbacks.append(
                lambda _e, s=src, m=msgs, k=k: net.send_many(s, m, tag=k))
    env.run()
    counters = {name: list(getattr(net, name).items()) for name in
                ("link_bits", "link_messages", "link_drops", "sent_bits", "received_bits",
                 "tag_bits", "tag_messages")}
    totals = (net.total_bits, net.total_messages, net.total_drops, net.retransmissions)
    return net, arrivals, net.log, counters, totals


@pytest.mark.parametrize("uplink", [False, True])
@pytest.mark.parametrize("kind", ["drop", "retransmit", "segments", "mixed"])
def test_lossy_batches_give_what_one_transmission_per_message_gives(kind, uplink, monkeypatch):
    calls = []
    transmit = Network._transmit
    monkeypatch.setattr(Network, "_transmit",
                        lambda self, *a: (calls.append(a), transmit(self, *a))[1])
    net, *fast = _run(kind, True, uplink)
    assert net._bulk_lossy and not calls           # the batched path did run
    _net, *slow = _run(kind, False, uplink)
    assert calls                                    # the reference ran message by message
    assert fast == slow
    arrivals, log, _counters, (_bits, messages, drops, retransmissions) = fast
    assert drops > 0 and len(log) == messages
    if kind != "drop":                              # every message arrives, once
        assert retransmissions == drops
        assert len(arrivals) == ROUNDS * NODES * (NODES - 1)
    else:
        assert len(arrivals) == messages - drops


def test_block_draws_are_the_scalar_draws():
    """Loss draws in blocks: the same doubles, in the same order, as one draw at a time."""
    env = simpy.Environment()
    net = Network(env, {(0, 1): LinkSpec(loss=0.5)}, Streams(4))
    ref = Streams(4).generator("link", 0, 1)
    drawn = [net._refill((0, 1)).pop() for _ in range(3)]       # three fresh blocks
    expected = [ref.random() for _ in range(3 * UNIFORM_BLOCK)][::UNIFORM_BLOCK]
    assert drawn == expected


def test_bursts_keep_the_per_message_path():
    """Gilbert-Elliott links draw their state first: not batched; jitter: not coalesced."""
    env = simpy.Environment()
    burst = LinkSpec(bandwidth=1e6, loss=0.1, burst=(0.1, 0.5, 0.0, 0.5))
    net = Network(env, {(0, 1): burst, (1, 0): LinkSpec(loss=0.1)}, Streams(0))
    assert net._coalesce_lossy and not net._bulk_lossy
    assert Network(env, {(0, 1): LinkSpec(loss=0.1)}, Streams(0))._bulk_lossy


def test_receive_timeouts_follow_link_changes():
    """The batched runner keeps receive timeouts per (agent, bits) until a link changes."""
    sc = from_dict({
        "name": "memo", "seed": 0,
        "network": {"agents": 6, "topology": "ring",
                    "links": {"bandwidth": "1 Mbit/s", "latency": "1 ms", "loss": 0.1}},
        "problem": {"kind": "logistic", "samples_per_agent": 5, "features": 4},
        "algorithm": {"name": "lt-admm", "tau": 2}, "stop": {"rounds": 2},
        "output": {"plots": False}})
    sim = netsim.simulate.build(sc)
    runner, net = sim.runner, sim.network
    before = runner._timeout(0, 1000)
    assert before == receive_timeout(net, runner._lossy_in[0], 0, 1000)
    assert not runner._zero_latency_in(0)
    for j in runner.neighbors[0]:
        net.set_latency((j, 0), 0.0)
    after = runner._timeout(0, 1000)
    assert after == receive_timeout(net, runner._lossy_in[0], 0, 1000) == before - 2 * MS
    assert runner._zero_latency_in(0)
