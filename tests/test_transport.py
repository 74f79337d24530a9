"""Transport closed forms: serialization, FIFO queueing, latency, loss, retransmission.

Times are integer ticks of 1 ps (netsim.simtime): the closed forms hold exactly."""

import math

import numpy as np
import pytest
import simpy

from netsim.distributions import make_distribution
from netsim.network.links import LinkSpec, auto_timeout
from netsim.network.transport import Network
from netsim.rng import Streams
from netsim.simtime import STEP, Alarm

MS = 10 ** 9           # ticks per millisecond


def _net(spec, uplink=None, record=False, pairs=((0, 1),)):
    env = simpy.Environment()
    links = {}
    for u, v in pairs:
        links[(u, v)] = spec
        links[(v, u)] = spec
    net = Network(env, links, Streams(1), uplink=uplink, record_messages=record)
    arrivals = []
    for node in {x for p in pairs for x in p}:
        net.attach(node, lambda src, tag, payload, node=node:
                   arrivals.append((env.now, src, node, tag, payload)))
    return env, net, arrivals


def test_one_message_takes_latency_plus_serialization():
    """A single message of B bits arrives at latency + B / bandwidth."""
    env, net, arr = _net(LinkSpec(bandwidth=1e6, latency=5e-3))
    net.send(0, 1, "m", 8000)
    env.run()
    assert arr == [(5 * MS + 8 * MS, 0, 1, 0, "m")]


def test_back_to_back_messages_queue_fifo():
    """k messages handed over at once: the k-th arrives at k * B / bandwidth + latency."""
    env, net, arr = _net(LinkSpec(bandwidth=2e6, latency=1e-3))
    for k in range(5):
        net.send(0, 1, k, 4000, tag=k)
    env.run()
    times = [t for t, *_ in arr]
    assert times == [(k + 1) * 2 * MS + MS for k in range(5)]
    assert [p for *_, p in arr] == list(range(5))


def test_queue_drains_before_late_message():
    """A message sent after the link went idle does not wait for earlier traffic."""
    env, net, arr = _net(LinkSpec(bandwidth=1e6, latency=0.0))
    net.send(0, 1, "a", 1000)                       # busy until 1 ms
    ev = Alarm(env, 10 * MS, STEP)
    ev.callbacks.append(lambda _e: net.send(0, 1, "b", 1000))
    env.run()
    assert [t for t, *_ in arr] == [MS, 10 * MS + MS]


def test_directions_are_independent_links():
    """0->1 and 1->0 are separate FIFO queues (full duplex)."""
    env, net, arr = _net(LinkSpec(bandwidth=1e6, latency=0.0))
    net.send(0, 1, "a", 1000)
    net.send(1, 0, "b", 1000)
    env.run()
    assert [t for t, *_ in arr] == [MS, MS]


def test_uplink_is_shared_by_outgoing_links():
    """With an uplink of U bit/s, two messages to different neighbours serialize at the sender."""
    env, net, arr = _net(LinkSpec(bandwidth=math.inf, latency=0.0), uplink={0: 1e6},
                         pairs=((0, 1), (0, 2)))
    net.send(0, 1, "a", 1000)
    net.send(0, 2, "b", 1000)
    env.run()
    assert sorted(t for t, *_ in arr) == [MS, 2 * MS]


def test_uplink_then_link_store_and_forward():
    """Uplink then link: arrival = B/U + B/bandwidth + latency for one message."""
    env, net, arr = _net(LinkSpec(bandwidth=2e6, latency=1e-3), uplink={0: 1e6})
    net.send(0, 1, "a", 2000)
    env.run()
    assert arr[0][0] == 2 * MS + MS + MS


def test_header_bits_are_counted_and_serialized():
    """header_bits are added to the size, the time and the counters."""
    env, net, arr = _net(LinkSpec(bandwidth=1e6, latency=0.0, header_bits=200))
    net.send(0, 1, "a", 800)
    env.run()
    assert arr[0][0] == MS
    assert net.total_bits == 1000 and net.link_bits[(0, 1)] == 1000


def test_loss_rate_within_binomial_bounds():
    """Over 20000 messages the drop fraction is within 5 sigma of p; nothing lost arrives."""
    p, n = 0.05, 20000
    env, net, arr = _net(LinkSpec(bandwidth=math.inf, latency=1e-3, loss=p))
    for k in range(n):
        net.send(0, 1, k, 64)
    env.run()
    drops = net.link_drops[(0, 1)]
    assert abs(drops - n * p) <= 5 * math.sqrt(n * p * (1 - p))
    assert len(arr) == n - drops
    assert net.total_bits == 64 * n                 # lost messages still used the link


def test_retransmission_delivers_everything_and_counts_bits_again():
    """on_loss=retransmit: every message arrives once; bits = 64 x transmissions."""
    n = 2000
    spec = LinkSpec(bandwidth=1e6, latency=1e-3, loss=0.2, on_loss="retransmit", timeout=0.01)
    env, net, arr = _net(spec, record=True)
    for k in range(n):
        net.send(0, 1, k, 64)
    env.run()
    assert sorted(p for *_, p in arr) == list(range(n))
    assert net.total_messages == n + net.retransmissions
    assert net.total_bits == 64 * net.total_messages
    assert net.retransmissions == net.total_drops > 0
    assert len(net.log) == net.total_messages
    assert sum(1 for r in net.log if r[5]) == net.total_drops


def test_retransmission_timing():
    """A lost message is re-sent timeout seconds after it left the link."""
    spec = LinkSpec(bandwidth=1e6, latency=1e-3, loss=0.5, on_loss="retransmit", timeout=0.05)
    env, net, arr = _net(spec, record=True)
    net.send(0, 1, "a", 1000)
    env.run()
    log = net.log
    for a, b in zip(log, log[1:]):
        assert a[5] and b[3] == a[3] + MS + 50 * MS
    assert not log[-1][5] and arr[0][0] == log[-1][3] + MS + MS


def test_jitter_is_drawn_from_the_link_stream_and_reproducible():
    """Jitter adds a per-message delay; the same seed gives the same arrival times."""
    spec = LinkSpec(bandwidth=math.inf, latency=1e-3,
                    jitter=make_distribution({"dist": "exponential", "mean": "1 ms"}, "j",
                                             kind="time"))

    def times():
        env, net, arr = _net(spec)
        for k in range(200):
            net.send(0, 1, k, 10)
        env.run()
        return sorted(t for t, *_ in arr)

    a, b = times(), times()
    assert a == b
    assert min(a) >= MS and all(isinstance(t, int) for t in a)
    assert np.mean(a) == pytest.approx(2 * MS, rel=0.25)


def test_tag_ledger_counts_per_round():
    """Bits are attributed to the tag (round) of the message, retransmissions included."""
    env, net, _ = _net(LinkSpec(bandwidth=math.inf, latency=0.0))
    net.send(0, 1, "a", 100, tag=1)
    net.send(1, 0, "b", 50, tag=2)
    env.run()
    assert dict(net.tag_bits) == {1: 100, 2: 50}


def test_auto_timeout_covers_round_trip():
    """The automatic timeout exceeds twice the one-way delay of the message."""
    spec = LinkSpec(bandwidth=1e6, latency=5e-3)
    assert auto_timeout(spec, 1000) > 2 * (5e-3 + 1e-3)
