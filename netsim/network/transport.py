"""Transport: turns message sizes into delivery times on a SimPy clock.

Model of one transmission of ``bits`` bits from ``src`` to ``dst`` handed over at time t
(store-and-forward, FIFO at every stage):

1. optional sender uplink (shared by all of ``src``'s outgoing links), capacity U bit/s:
   ``up_start = max(t, uplink_free[src])``, ``up_end = up_start + bits / U``;
2. the directed link (src, dst), bandwidth B bit/s:
   ``start = max(up_end, link_free[src, dst])``, ``end = start + bits / B``;
3. propagation: ``arrive = end + latency + jitter`` (jitter drawn per message).

With probability ``loss`` the transmission is lost: it still occupies the uplink and the
link (its bits are counted) but never arrives. With ``on_loss = "retransmit"`` the sender
hands the same message to the network again ``timeout`` seconds after serialization ended
(the bits are counted again); with ``"drop"`` it is gone and the receiver's own timeout
decides (see :mod:`netsim.runners.contract`).

Because sends are issued in non-decreasing simulated time and every stage is FIFO, all
three stages are computed in closed form at send time: the transport schedules exactly one
event per delivered message (and one per retransmission), never a process per link.
Random draws (loss, jitter) come from the link's own stream ``("link", src, dst)``.

Times are integer ticks (:mod:`netsim.simtime`): ``latency`` and the jitter draw are rounded
to ticks on their own; a FIFO queue (uplink, link) sums the ``bits / rate`` of the
transmissions of one busy period in seconds and rounds each end, so back-to-back messages
keep the closed form exactly (:func:`~netsim.network.transport_queue.serve`). Arrivals
happen in the :data:`~netsim.simtime.ARRIVAL` phase of their instant, retransmissions in the
:data:`~netsim.simtime.STEP` phase.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import replace
from typing import Any, Callable

from netsim.network.links import LinkSpec
from netsim.network.transport_loss import LossyLinks
from netsim.network.transport_queue import MessageRecord
from netsim.network.transport_queue import serve as _serve
from netsim.simtime import ARRIVAL, MAX_TIME_S, STEP, Pending, ticks

__all__ = ["Network", "MessageRecord"]

Handler = Callable[[int, int, Any], None]  # (src, tag, payload) -> None


def _jitter(spec, rng) -> float:
    """One jitter draw (s).

    A draw beyond the clock's range (:data:`MAX_TIME_S`) is a one-line error naming the key.
    """
    j = float(spec.jitter.sample(rng))
    if not j <= MAX_TIME_S:
        from netsim.errors import ScenarioError
        raise ScenarioError("network.links.jitter", f"must draw delays of at most "
                                                    f"{MAX_TIME_S:g} s (the longest simulated "
                                                    f"duration); drew {j} s (use a lighter "
                                                    "tail or a smaller scale)")
    return j


def _latency_ticks(link, spec) -> int:
    """A link's latency in ticks; one drawn beyond the clock's range names the key."""
    if not spec.latency <= MAX_TIME_S:
        from netsim.errors import ScenarioError
        raise ScenarioError("network.links.latency", f"must give link {link[0]}->{link[1]} a "
                                                     f"latency of at most {MAX_TIME_S:g} s (the "
                                                     f"longest simulated duration); drew "
                                                     f"{spec.latency} s")
    return ticks(spec.latency)


class Network(LossyLinks):
    """Directed links between nodes, with FIFO serialization, latency, jitter and loss.

    Args:
        env: the SimPy environment (its clock is the simulated time in integer ticks).
        links: ``{(src, dst): LinkSpec}`` for every directed link that may carry traffic.
        streams: a :class:`netsim.rng.Streams`; link ``(u, v)`` draws from ``("link", u, v)``.
        uplink: optional ``{node: capacity in bit/s}`` (absent or inf: no uplink stage).
        record_messages: keep one :class:`MessageRecord` per transmission in ``self.log``.
    """

    def __init__(self, env, links: dict, streams, uplink: dict | None = None,
                 record_messages: bool = False):
        self.env = env
        self.links: dict[tuple[int, int], LinkSpec] = dict(links)
        self.links_version = 0       # +1 whenever a LinkSpec changes (profiles)
        self.uplink = {n: c for n, c in (uplink or {}).items() if c != math.inf}
        self._rng = {e: streams.generator("link", int(e[0]), int(e[1])) for e in self.links}
        self._link_free = dict.fromkeys(self.links, 0)      # ticks
        self._uplink_free = dict.fromkeys(self.uplink, 0)
        # FIFO busy periods: (tick the period began, seconds of work queued since), so the
        # end of the k-th back-to-back transmission is begin + ticks(sum of k durations)
        self._link_busy = dict.fromkeys(self.links, (0, 0.0))
        self._uplink_busy = dict.fromkeys(self.uplink, (0, 0.0))
        self._latency = {e: _latency_ticks(e, s) for e, s in self.links.items()}   # ticks
        self._handlers: dict[int, Handler] = {}
        self._last_arrival: dict = {}            # in-order links: latest arrival scheduled
        self._in_order_q: dict = {}              # in-order links: messages in sending order
        self._bad: dict = {}                     # Gilbert-Elliott state per link
        self.down: set = set()                   # links currently down (state profiles)
        self._held: dict = {}                    # down links: messages waiting (on_down = hold)
        self.held_messages = 0
        self.record_messages = record_messages
        self.log: list[MessageRecord] = []
        # exact counters
        self.link_bits = dict.fromkeys(self.links, 0)
        self.link_messages = dict.fromkeys(self.links, 0)
        self.link_drops = dict.fromkeys(self.links, 0)
        self.sent_bits = defaultdict(int)        # per sending node
        self.received_bits = defaultdict(int)    # per receiving node (delivered only)
        self.tag_bits = defaultdict(int)         # per message tag (round), retransmissions incl.
        self.tag_messages = defaultdict(int)
        self.total_bits = 0
        self.total_messages = 0
        self.total_drops = 0
        self.retransmissions = 0
        # fast path: links that cannot lose, jitter or reorder (see _transmit_simple); on a
        # network where no link can lose a message, messages due at the same instant share
        # one delivery event
        self._simple = {e: self._is_simple(s) for e, s in self.links.items()}
        self._coalesce = all(s.loss == 0.0 and s.segment_loss == 0.0 and s.burst is None
                             and s.on_down != "drop" for s in self.links.values())
        # lossy links without jitter or in-order queues: the messages that get through
        # share delivery events too (every delivery then goes through one per instant, in
        # sending order, as one event per message would deliver them)
        self._coalesce_lossy = type(self) is Network and not self._coalesce and all(
            s.jitter is None and not s.in_order for s in self.links.values())
        self._coalesce = self._coalesce or self._coalesce_lossy
        # ... and without bursts: whole send_many batches in one pass (_transmit_lossy)
        self._bulk_lossy = self._coalesce_lossy and all(
            s.burst is None for s in self.links.values())
        self._uniforms: dict = {}                # lossy batches: link -> drawn uniforms
        self._due: dict = {}                     # event time -> messages (coalesced delivery)
        self._bulk = type(self) is Network and all(self._simple.values())

    def _is_simple(self, spec) -> bool:
        return (spec.jitter is None and spec.loss == 0.0 and spec.segment_loss == 0.0
                and spec.burst is None and not spec.in_order and not self.record_messages)

    # ------------------------------------------------------------------ wiring
    def attach(self, node: int, handler: Handler) -> None:
        """Route messages arriving at ``node`` to ``handler(src, tag, payload)``."""
        self._handlers[node] = handler

    def spec(self, src: int, dst: int) -> LinkSpec:
        """The LinkSpec of directed link ``(src, dst)``."""
        return self.links[(src, dst)]

    # ------------------------------------------------------------------ sending
    def send(self, src: int, dst: int, payload: Any, bits: int, tag: int = 0) -> float | None:
        """Hand one message to the network now.

        Args:
            src: the sending agent (the directed link's start).
            dst: the receiving agent (its end).
            payload: delivered untouched to ``dst``'s handler.
            bits: payload size in bits (the link's ``header_bits`` are added).
            tag: accounting key (the round), for :attr:`tag_bits`.

        Returns:
            The arrival time in ticks, or None if this transmission was lost.
        """
        if (src, dst) in self.down:
            return self._send_while_down(src, dst, payload, int(bits), tag)
        if self._simple.get((src, dst)) and type(self) is Network:
            return self._transmit_simple(src, ((dst, payload, bits),), tag)
        if self._bulk_lossy and self._coalesce_lossy:
            return self._transmit_lossy(src, ((dst, payload, bits),), tag)
        return self._transmit(src, dst, payload, int(bits), tag)

    def send_many(self, src: int, msgs, tag: int = 0) -> None:
        """:meth:`send` for every ``(dst, payload, bits)`` of ``msgs``, in order.

        Same results; on a network of simple links, one pass of :meth:`_transmit_simple`; on
        lossy links without jitter, ordering or bursts, one of :meth:`_transmit_lossy`.
        """
        if not msgs:
            return
        if self.down:
            pass
        elif self._bulk:
            self._transmit_simple(src, msgs, tag)
            return
        elif self._bulk_lossy and self._coalesce_lossy:
            self._transmit_lossy(src, msgs, tag)
            return
        for dst, payload, bits in msgs:
            self.send(src, dst, payload, bits, tag)

    def _transmit_simple(self, src, msgs, tag):
        """:meth:`_transmit` for messages of ``src`` on links without loss, jitter or ordering.

        Messages are ``(dst, payload, bits)``; same arithmetic, same counters, fewer branches; with
        ``_coalesce`` one delivery event per arrival instant. Returns the last arrival.
        """
        env = self.env
        now = env.now
        links, free, due, latency = self.links, self._link_free, self._due, self._latency
        link_bits, link_messages = self.link_bits, self.link_messages
        cap = self.uplink.get(src) if self.uplink else None
        total = arrive = 0
        for dst, payload, bits in msgs:
            link = (src, dst)
            spec = links[link]
            size = int(bits) + spec.header_bits
            t = now
            if cap is not None:
                t = _serve(self._uplink_free, self._uplink_busy, src, t, size / cap)
            bw = spec.bandwidth
            if bw == math.inf:
                end = free[link] = max(t, free[link])
            else:
                end = _serve(free, self._link_busy, link, t, size / bw)
            link_bits[link] += size
            link_messages[link] += 1
            total += size
            arrive = end + latency[link]
            msg = (src, dst, tag, payload, size)
            if not self._coalesce:
                Pending(env, arrive - now, ARRIVAL).callbacks.append(
                    lambda _e, m=msg: self._deliver(*m))
                continue
            lst = due.get(arrive)
            if lst is None:
                due[arrive] = [msg]
                Pending(env, arrive - now, ARRIVAL).callbacks.append(
                    lambda _e, w=arrive: self._deliver_due(w))
            else:
                lst.append(msg)
        self._count_batch(src, tag, total, len(msgs))
        return arrive

    def _count_batch(self, src, tag, total: int, count: int, drops: int = 0) -> None:
        """Add one ``send_many`` batch to the counters.

        ``count`` messages of ``total`` bits from ``src`` tagged ``tag``, ``drops`` of them
        lost: what :meth:`_count` adds per message.
        """
        self.sent_bits[src] += total
        self.tag_bits[tag] += total
        self.tag_messages[tag] += count
        self.total_bits += total
        self.total_messages += count
        self.total_drops += drops

    def _deliver_due(self, when):
        """Deliver the messages due at this event's time, in sending order.

        As :meth:`_deliver` would, one after the other.
        """
        handlers, received = self._handlers, self.received_bits
        for src, dst, tag, payload, size in self._due.pop(when):
            received[dst] += size
            handler = handlers.get(dst)
            if handler is not None:
                handler(src, tag, payload)

    # ------------------------------------------------------------------ time-varying links
    def set_bandwidth(self, link, bandwidth: float) -> None:
        """Profile event: new bandwidth for messages handed over from now on."""
        self.links[link] = replace(self.links[link], bandwidth=float(bandwidth))
        self.links_version += 1

    def set_latency(self, link, latency: float) -> None:
        """Profile event: new latency (s) for messages handed over from now on."""
        self.links[link] = replace(self.links[link], latency=float(latency))
        self.links_version += 1
        self._latency[link] = ticks(float(latency))

    def _transmit(self, src, dst, payload, bits, tag):
        env = self.env
        now = env.now
        spec = self.links[(src, dst)]
        size = bits + spec.header_bits
        t = now
        cap = self.uplink.get(src)
        if cap is not None:
            t = _serve(self._uplink_free, self._uplink_busy, src, t, size / cap)
        if spec.bandwidth == math.inf:
            end = self._link_free[(src, dst)] = max(t, self._link_free[(src, dst)])
        else:
            end = _serve(self._link_free, self._link_busy, (src, dst), t,
                         size / spec.bandwidth)
        rng = self._rng[(src, dst)]
        lost = self._draw_loss(spec, size, rng, (src, dst))
        delay = self._latency[(src, dst)]
        if spec.jitter is not None and not lost:
            delay += ticks(_jitter(spec, rng))
        self._count(src, dst, size, tag, lost)
        if lost:
            if self.record_messages:
                self.log.append(MessageRecord((src, dst, size, now, math.nan, True, tag)))
            if spec.on_loss == "retransmit":
                ev = Pending(env, end - now + self.retransmission_timeout(spec, bits), STEP)
                ev.callbacks.append(lambda _e: self._retransmit(src, dst, payload, bits, tag))
            return None
        arrive = end + delay
        if spec.in_order:
            arrive = max(arrive, self._last_arrival.get((src, dst), 0))
            self._last_arrival[(src, dst)] = arrive
        if self.record_messages:
            self.log.append(MessageRecord((src, dst, size, now, arrive, False, tag)))
        if self._coalesce_lossy:
            msg = (src, dst, tag, payload, size)
            lst = self._due.get(arrive)
            if lst is None:
                self._due[arrive] = [msg]
                Pending(env, arrive - now, ARRIVAL).callbacks.append(
                    lambda _e, w=arrive: self._deliver_due(w))
            else:
                lst.append(msg)
            return arrive
        ev = Pending(env, arrive - now, ARRIVAL)
        if spec.in_order:      # a queue per link: equal arrivals keep their sending order
            item = [False, (src, dst, tag, payload, size)]
            q = self._in_order_q.setdefault((src, dst), deque())
            q.append(item)
            ev.callbacks.append(lambda _e: self._deliver_in_order(q, item))
        else:
            ev.callbacks.append(lambda _e: self._deliver(src, dst, tag, payload, size))
        return arrive

    def _count(self, src, dst, size, tag, lost) -> None:
        """The exact counters of one transmission (bits handed over, retransmissions too)."""
        self.link_bits[(src, dst)] += size
        self.link_messages[(src, dst)] += 1
        self.sent_bits[src] += size
        self.tag_bits[tag] += size
        self.tag_messages[tag] += 1
        self.total_bits += size
        self.total_messages += 1
        if lost:
            self.link_drops[(src, dst)] += 1
            self.total_drops += 1

    def _deliver_in_order(self, q, item):
        item[0] = True
        while q and q[0][0]:
            self._deliver(*q.popleft()[1])

    def _deliver(self, src, dst, tag, payload, size):
        self.received_bits[dst] += size
        handler = self._handlers.get(dst)
        if handler is not None:
            handler(src, tag, payload)

    # ------------------------------------------------------------------ reporting
    def bits_through(self, tag: int) -> int:
        """Bits of all transmissions tagged <= ``tag`` (cumulative ledger)."""
        return sum(b for t, b in self.tag_bits.items() if t <= tag)

    def per_link_table(self) -> list[tuple[int, int, int, int, int]]:
        """Rows ``(src, dst, bits, messages, drops)`` for every link, sorted."""
        return [(u, v, self.link_bits[(u, v)], self.link_messages[(u, v)], self.link_drops[(u, v)])
                for (u, v) in sorted(self.links)]


