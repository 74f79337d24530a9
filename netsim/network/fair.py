"""Flow-level transport with max-min fair bandwidth sharing (``sharing = "fair"``).

Also the TCP-corrected variant (``model = "tcp"``), following SimGrid's CM02 and LV08 network
models.

A transmission of ``bits`` bits from ``src`` to ``dst`` handed over at time t:

1. **latency first**: for ``latency (x latency_factor) + jitter`` seconds the flow uses no
   bandwidth and causes no contention (SimGrid's semantics);
2. **transfer**: the flow crosses the resources sender uplink (if finite), the directed link,
   receiver downlink (if finite) and, for ``tcp`` with cross-traffic, consumes
   ``cross_traffic`` x its rate on the reverse link. Rates are weighted max-min fair
   (:func:`netsim.network.maxmin.maxmin_rates`): a flow's share of a bottleneck is inversely
   proportional to its sharing penalty, CM02's route latency (1 if zero; equal latencies give
   plain max-min fairness); ``tcp`` adds ``weight_s / bandwidth`` per route link (LV08) and
   bounds the rate by the window ``gamma / (2 latency)`` (CM02), and scales every capacity by
   ``bandwidth_factor``. As in SimGrid, a flow's rate is also bounded by the smallest
   capacity on its route when it is handed over (this only shows when a bandwidth profile
   raises a capacity during the transfer).
3. it arrives when its last bit is through (with ``in_order``, not before every earlier
   message of the same link has arrived).

Rates are recomputed when flows start or end or a capacity changes, over the flows connected
to them through shared resources, **once per simulated instant** (a
:data:`~netsim.simtime.RATES` event after everything else of the instant: no bit moves within
an instant, so this equals one solve per change). Completion dates live in one heap (stale
entries are skipped by a version number, as in SimGrid's lazy update) behind a single timer
event at the earliest date, instead of one timer per flow. Times are integer ticks
(:mod:`netsim.simtime`): the latency phase is ``ticks(latency x factor) + ticks(jitter)``, a
completion date ``now + ticks(remaining bits / rate)`` at the recomputation; the bits a flow
sends between two recomputations are ``rate x elapsed ticks / 10**12``. Ends of latency and
completions are :data:`~netsim.simtime.ARRIVAL` events. Every sum over flows and every tie
between flows follows one key, (send time, sender, the sender's own count of transmissions),
which does not depend on the order in which different senders act at one instant: the batched
and the process-per-agent engines give the same rates bit for bit. Loss, retransmission and
the counters are those of :class:`~netsim.network.transport.Network`.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

from netsim.network.maxmin import maxmin_rates
from netsim.network.transport import MessageRecord, Network, _jitter
from netsim.simtime import ARRIVAL, RATES, STEP, TICKS_PER_S, Alarm, Pending, ticks

__all__ = ["TcpParams", "FairNetwork"]


@dataclass(frozen=True)
class TcpParams:
    """SimGrid's TCP corrections (LV08 defaults; CM02 = factors 1, weight_s 0, no cross-traffic).

    Attributes:
        latency_factor: multiplies the latency paid before the transfer (13.01).
        bandwidth_factor: multiplies every capacity (0.97).
        weight_s: bits; the sharing penalty is latency + sum over route links of
            weight_s / bandwidth (20537 B = 164296 bit).
        cross_traffic: share of a flow's rate also consumed on the reverse link (0.05).
        gamma: bits; the window cap gamma / (2 latency) on the rate (4194304 B).
    """

    latency_factor: float = 13.01
    bandwidth_factor: float = 0.97
    weight_s: float = 20537 * 8
    cross_traffic: float = 0.05
    gamma: float = 4194304 * 8


class _Flow:
    __slots__ = ("src", "dst", "payload", "size", "tag", "lost", "t_send", "penalty", "bound",
                 "res", "remaining", "rate", "t_last", "version", "complete", "spen", "seq",
                 "log_at")


class FairNetwork(Network):
    """:class:`Network` with fair sharing instead of FIFO queues (see the module docstring).

    Args (besides those of :class:`Network`):
        downlink: optional ``{node: receiving capacity in bit/s}``.
        tcp: :class:`TcpParams` for ``model = "tcp"``, or None (CM02 semantics, no window cap).
    """

    def __init__(self, env, links, streams, uplink=None, record_messages=False,
                 downlink=None, tcp: TcpParams | None = None):
        super().__init__(env, links, streams, uplink=uplink, record_messages=record_messages)
        self.downlink = {n: c for n, c in (downlink or {}).items() if c != math.inf}
        self.tcp = tcp
        bf = tcp.bandwidth_factor if tcp else 1.0
        self.capacity = {("link", u, v): s.bandwidth * bf for (u, v), s in self.links.items()}
        self.capacity.update({("up", n): c * bf for n, c in self.uplink.items()})
        self.capacity.update({("down", n): c * bf for n, c in self.downlink.items()})
        self._users: dict = {}                 # resource -> set of active flows
        self.active: set = set()
        self.recomputations = 0                # rate recomputations (non-empty ones)
        self.reshared_flows = 0                # flows whose rate they recomputed, in total
        self._order: dict = {}                 # in-order links: flows in sending order
        self._latent: set = set()              # flows still paying their latency
        self._sent: dict = {}                  # sender -> transmissions handed over so far
        self._dirty: set = set()               # resources whose sharing changed this instant
        self._solve = None                     # the pending RATES event, if any
        self._dates: list = []                 # heap of (completion tick, seq, version, flow)
        self._timer_at = None                  # tick of the pending completion timer

    # ------------------------------------------------------------------ one transmission
    def _transmit(self, src, dst, payload, bits, tag):
        env, spec, tcp = self.env, self.links[(src, dst)], self.tcp
        size = bits + spec.header_bits
        rng = self._rng[(src, dst)]
        lost = self._draw_loss(spec, size, rng, (src, dst))
        delay = (ticks(spec.latency * tcp.latency_factor) if tcp
                 else self._latency[(src, dst)])
        if spec.jitter is not None and not lost:
            delay += ticks(_jitter(spec, rng))
        self._count(src, dst, size, tag, lost)
        f = _Flow()
        f.src, f.dst, f.payload, f.size, f.tag, f.lost = src, dst, payload, size, tag, lost
        f.t_send, f.version, f.rate, f.remaining = env.now, 0, 0.0, float(size)
        # the flow's place in every sum and tie: (send time, sender, the sender's own count),
        # which does not depend on the order in which different senders act at one instant
        k = self._sent[src] = self._sent.get(src, 0) + 1
        f.seq = (env.now, src, k)
        if self.record_messages:            # a row in sending order, filled in when complete
            f.log_at = len(self.log)
            self.log.append(None)
        route = [("link", src, dst)]
        if src in self.uplink:
            route.append(("up", src))
        if dst in self.downlink:
            route.append(("down", dst))
        # the link itself always (its bandwidth may change later); infinite stages add nothing
        res = [(r, 1.0) for r in route if r[0] == "link" or self.capacity[r] != math.inf]
        lat = spec.latency
        f.penalty = lat if lat > 0 else 1.0
        # as in SimGrid, a flow's rate is also bounded by the smallest route capacity at the
        # moment it is handed over (visible only when a bandwidth profile changes it later)
        f.bound = min((self.capacity[r] for r in route), default=math.inf)
        f.spen = f.penalty
        if tcp is not None:
            f.spen = lat + sum(tcp.weight_s / self.capacity[r] * tcp.bandwidth_factor
                               for r, _ in res if self.capacity[r] != math.inf)
            if lat > 0:      # as in SimGrid, a zero-latency flow starts with penalty 1
                f.penalty = f.spen
                f.bound = min(f.bound, tcp.gamma / (2.0 * lat))
            if tcp.cross_traffic > 0:           # the reverse route: dst's uplink, (dst, src),
                back = [("link", dst, src)]     # src's downlink
                if dst in self.uplink:
                    back.append(("up", dst))
                if src in self.downlink:
                    back.append(("down", src))
                res += [(r, tcp.cross_traffic) for r in back
                        if r in self.capacity and self.capacity[r] != math.inf]
        f.res = tuple(res)
        f.complete = False
        if spec.in_order:
            self._order.setdefault((src, dst), deque()).append(f)
        if delay > 0:
            self._latent.add(f)
            (Alarm if lost and spec.on_loss == "drop" else Pending)(env, delay, ARRIVAL) \
                .callbacks.append(lambda _e: self._activate(f))
        else:
            self._activate(f)
        return None

    def set_bandwidth(self, link, bandwidth: float) -> None:
        """Profile event: the link's capacity changes now; flows on it are reshared.

        With ``tcp``, every flow crossing the link (also as reverse cross-traffic, and also still in
        its latency phase) has the weight_s / bandwidth part of its penalty updated, as SimGrid
        does.
        """
        old = self.links[link].bandwidth
        super().set_bandwidth(link, bandwidth)
        bf = self.tcp.bandwidth_factor if self.tcp else 1.0
        r = ("link", *link)
        self.capacity[r] = float(bandwidth) * bf
        tcp = self.tcp
        if tcp is not None and tcp.weight_s > 0 and math.isfinite(old) and bandwidth > 0:
            delta = tcp.weight_s / float(bandwidth) - tcp.weight_s / old
            for f in sorted(self._users.get(r, set()) | {g for g in self._latent if any(
                    x == r for x, _ in g.res)}, key=lambda g: g.seq):
                f.spen += delta
                f.penalty = f.spen
        self._touch((r,))

    # ------------------------------------------------------------------ sharing
    def _activate(self, f):
        self._latent.discard(f)
        f.t_last = self.env.now
        self.active.add(f)
        for r, _ in f.res:
            self._users.setdefault(r, set()).add(f)
        self._touch(r for r, _ in f.res)

    def _touch(self, resources) -> None:
        """Mark resources whose sharing changed.

        Their component is re-solved once, in the RATES phase of this instant.
        """
        self._dirty.update(resources)
        if self._solve is None:
            self._solve = Pending(self.env, 0, RATES)
            self._solve.callbacks.append(self._reshare_now)

    def _reshare_now(self, _event) -> None:
        dirty, self._dirty, self._solve = self._dirty, set(), None
        self._reshare(dirty)

    def _component(self, resources):
        seen_r, seen_f, todo = set(), set(), list(resources)
        while todo:
            r = todo.pop()
            if r in seen_r:
                continue
            seen_r.add(r)
            for f in self._users.get(r, ()):
                if f not in seen_f:
                    seen_f.add(f)
                    todo.extend(x for x, _ in f.res if x not in seen_r)
        return seen_f

    def _reshare(self, resources):
        flows = self._component(resources)
        if not flows:
            return
        self.recomputations += 1
        self.reshared_flows += len(flows)
        now = self.env.now
        order = sorted(flows, key=lambda g: g.seq)      # deterministic summation order
        rates = maxmin_rates({g: (g.penalty, g.bound, g.res) for g in order}, self.capacity)
        dates = self._dates
        for g in order:
            if now != g.t_last:
                g.remaining -= g.rate * (now - g.t_last) / TICKS_PER_S
            g.t_last = now
            g.rate = rates[g]
            g.version += 1
            left = max(g.remaining, 0.0)
            dt = ticks(left / g.rate) if g.rate > 0 else math.inf
            if dt != math.inf:
                heapq.heappush(dates, (now + dt, g.seq, g.version, g))
        if len(dates) > 64 and len(dates) > 4 * len(self.active):     # drop stale entries
            self._dates = dates = [e for e in dates
                                   if e[3].version == e[2] and e[3] in self.active]
            heapq.heapify(dates)
        self._arm()

    def _arm(self) -> None:
        """Keep one timer at the earliest valid completion date.

        It is a Pending event unless every flow due then is a lost message that nobody retransmits
        (no progress).
        """
        dates = self._dates
        while dates and (dates[0][3].version != dates[0][2] or dates[0][3] not in self.active):
            heapq.heappop(dates)
        if not dates or dates[0][0] == self._timer_at:
            return
        at = dates[0][0]
        self._timer_at = at
        links = self.links
        cls = Pending if any(not (g.lost and links[(g.src, g.dst)].on_loss == "drop")
                             for g in self.active) else Alarm
        cls(self.env, at - self.env.now, ARRIVAL).callbacks.append(
            lambda _e, at=at: self._on_timer(at))

    def _on_timer(self, at) -> None:
        if self._timer_at != at:               # superseded by an earlier date
            return
        self._timer_at = None
        dates, due = self._dates, []
        while dates and dates[0][0] <= at:
            t, _, version, f = heapq.heappop(dates)
            if f.version == version and f in self.active:
                due.append(f)
        for f in due:                          # in (date, sending) order
            self._done(f)
        self._arm()

    def _done(self, f):
        self.active.discard(f)
        for r, _ in f.res:
            self._users[r].discard(f)
        self._touch(r for r, _ in f.res)
        self._finish(f)

    def _finish(self, f):
        spec = self.links[(f.src, f.dst)]
        if not spec.in_order:
            self._complete(f)
            return
        f.complete = True                    # in order: deliver the completed head(s) only
        q = self._order[(f.src, f.dst)]
        while q and q[0].complete:
            self._complete(q.popleft())

    def _complete(self, f):
        now = self.env.now
        spec = self.links[(f.src, f.dst)]
        if self.record_messages:
            self.log[f.log_at] = (MessageRecord((f.src, f.dst, f.size, f.t_send,
                                           math.nan if f.lost else now, f.lost, f.tag)))
        if f.lost:
            if spec.on_loss == "retransmit":
                rto = self.retransmission_timeout(spec, f.size - spec.header_bits)
                Pending(self.env, rto, STEP).callbacks.append(
                    lambda _e: self._retransmit(f.src, f.dst, f.payload,
                                                f.size - spec.header_bits, f.tag))
            return
        self._deliver(f.src, f.dst, f.tag, f.payload, f.size)
