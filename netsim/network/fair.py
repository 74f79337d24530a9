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
event at the earliest date, instead of one timer per flow. Flows whose latency ends at the
same tick start in one event, and a link's route (resources, penalty, bound, latency) is
computed once until a profile changes its bandwidth or latency; the last few solves' rates are
remembered (lockstep rounds share the same way every round: one solve). Times are integer ticks
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
from operator import attrgetter

from netsim.errors import ScenarioError
from netsim.network.fair_route import TcpParams, route, too_slow
from netsim.network.maxmin import maxmin_list
from netsim.network.transport import MessageRecord, Network, _jitter
from netsim.simtime import ARRIVAL, MAX_TIME_S, RATES, STEP, TICKS_PER_S, Alarm, Pending, ticks

__all__ = ["TcpParams", "FairNetwork"]


class _Flow:
    __slots__ = ("src", "dst", "payload", "size", "tag", "lost", "t_send", "penalty", "bound",
                 "res", "rk", "remaining", "rate", "t_last", "version", "complete", "spen",
                 "seq", "log_at")


_SEQ = attrgetter("seq")
_TPS = float(TICKS_PER_S)


def _can_lose(spec) -> bool:
    return spec.loss > 0.0 or spec.segment_loss > 0.0 or spec.burst is not None


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
        self._routes: dict = {}                # link -> its route now (see _route)
        self._starts: dict = {}                # tick -> flows whose latency ends then
        self._fresh = 0                        # flows activated since the last solve
        self._memo: dict = {}                  # the last solves' rates (see _rates)
        self._cap_version = 0                  # capacity changes so far
        # every flow can make progress (none is a lost message nobody retransmits): flows
        # whose latency ends at one tick may share one event (see _start)
        self._group = not any(_can_lose(s) and s.on_loss == "drop" for s in self.links.values())
        # links whose messages cannot be lost or delayed by jitter (send_many's short path)
        self._plain = {e: not _can_lose(s) and s.jitter is None for e, s in self.links.items()}

    # ------------------------------------------------------------------ one transmission
    def send_many(self, src, msgs, tag=0) -> None:
        """:meth:`send` for every ``(dst, payload, bits)`` of ``msgs``, in order (same results)."""
        if self.down:
            for dst, payload, bits in msgs:
                self.send(src, dst, payload, bits, tag)
            return
        plain, links = self._plain, self.links
        for dst, payload, bits in msgs:
            if not plain[(src, dst)]:
                self._transmit(src, dst, payload, int(bits), tag)
                continue
            size = int(bits) + links[(src, dst)].header_bits
            self._count(src, dst, size, tag, False)
            self._flow(src, dst, payload, size, tag, False, self._routes.get((src, dst))
                       or self._route(src, dst), 0)

    def _transmit(self, src, dst, payload, bits, tag):
        spec = self.links[(src, dst)]
        size = bits + spec.header_bits
        rng = self._rng[(src, dst)]
        lost = self._draw_loss(spec, size, rng, (src, dst))
        route = self._routes.get((src, dst)) or self._route(src, dst)
        jitter = 0
        if spec.jitter is not None and not lost:
            jitter = ticks(_jitter(spec, rng))
        self._count(src, dst, size, tag, lost)
        self._flow(src, dst, payload, size, tag, lost, route, jitter)
        return None

    def _route(self, src, dst):
        """The route of link (src, dst) now (:func:`~netsim.network.fair_route.route`).

        Plus the latency in ticks; kept until a profile changes a bandwidth or a latency.
        """
        spec, tcp = self.links[(src, dst)], self.tcp
        if tcp and not spec.latency * tcp.latency_factor <= MAX_TIME_S:
            raise ScenarioError("network.links.latency", f"must be at most {MAX_TIME_S:g} s "
                                f"once TCP's latency_factor ({tcp.latency_factor:g}) scales "
                                f"it; link {src}->{dst} has {spec.latency:g} s")
        delay = (ticks(spec.latency * tcp.latency_factor) if tcp
                 else self._latency[(src, dst)])
        out = self._routes[(src, dst)] = route(src, dst, spec.latency, self.capacity,
                                               self.uplink, self.downlink, tcp) + (delay,)
        return out

    def _flow(self, src, dst, payload, size, tag, lost, route, jitter) -> None:
        """A new flow of ``size`` bits on ``route``; its transfer starts after its latency."""
        env = self.env
        now = env.now
        f = _Flow()
        f.src, f.dst, f.payload, f.size, f.tag, f.lost = src, dst, payload, size, tag, lost
        f.t_send, f.version, f.rate, f.remaining = now, 0, 0.0, float(size)
        f.res, f.rk, f.penalty, f.bound, f.spen, delay = route
        delay += jitter
        # the flow's place in every sum and tie: (send time, sender, the sender's own count),
        # which does not depend on the order in which different senders act at one instant
        k = self._sent[src] = self._sent.get(src, 0) + 1
        f.seq = (now, src, k)
        if self.record_messages:            # a row in sending order, filled in when complete
            f.log_at = len(self.log)
            self.log.append(None)
        f.complete = False
        if self.links[(src, dst)].in_order:
            self._order.setdefault((src, dst), deque()).append(f)
        if delay <= 0:
            self._activate((f,))
            return
        self._latent.add(f)
        if not self._group:
            (Alarm if lost and self.links[(src, dst)].on_loss == "drop" else Pending)(
                env, delay, ARRIVAL).callbacks.append(lambda _e: self._activate((f,)))
            return
        # flows whose latency ends at one tick start together (activations commute: they
        # only mark resources for this instant's solve)
        at = now + delay
        group = self._starts.get(at)
        if group is None:
            self._starts[at] = [f]
            Pending(env, delay, ARRIVAL).callbacks.append(
                lambda _e, at=at: self._activate(self._starts.pop(at)))
        else:
            group.append(f)

    def set_bandwidth(self, link, bandwidth: float) -> None:
        """Profile event: the link's capacity changes now; flows on it are reshared.

        With ``tcp``, every flow sent over the link (also one still in its latency phase) has
        the weight_s / bandwidth part of its penalty updated, as SimGrid does. Unlike SimGrid,
        flows that cross the link only as reverse cross-traffic keep their penalty: it never
        had that link's term (SimGrid adds the change to them too, so a bandwidth rise could
        make a penalty negative, and max-min then found no level: a run that never ended).
        """
        old = self.links[link].bandwidth
        super().set_bandwidth(link, bandwidth)
        self._routes.clear()
        bf = self.tcp.bandwidth_factor if self.tcp else 1.0
        r = ("link", *link)
        self.capacity[r] = float(bandwidth) * bf
        self._cap_version += 1
        tcp = self.tcp
        if tcp is not None and tcp.weight_s > 0 and math.isfinite(old) and bandwidth > 0:
            delta = tcp.weight_s / float(bandwidth) - tcp.weight_s / old
            for f in sorted(self._users.get(r, set()) | {g for g in self._latent if r in g.rk},
                            key=_SEQ):
                if f.rk[0] != r:                 # reverse cross-traffic on r: not its route
                    continue
                f.spen += delta
                f.penalty = f.spen
        self._touch((r,))

    def set_latency(self, link, latency: float) -> None:
        """Profile event: new latency (s) for flows handed over from now on."""
        super().set_latency(link, latency)
        self._routes.clear()

    # ------------------------------------------------------------------ sharing
    def _activate(self, flows) -> None:
        """The flows' latency is over: they join their resources' sharing."""
        now, users, latent, active = self.env.now, self._users, self._latent, self.active
        dirty = self._dirty
        for f in flows:
            latent.discard(f)
            f.t_last = now
            active.add(f)
            for r in f.rk:
                us = users.get(r)
                if us is None:
                    users[r] = {f}
                else:
                    us.add(f)
            dirty.update(f.rk)
        self._fresh += len(flows)
        if self._solve is None:
            self._touch(())

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
        if not self.active:
            self._fresh = 0
            return
        if self._fresh == len(self.active):
            # every active flow started since the last solve: each crosses a marked
            # resource, so the component is all of them
            self._fresh = 0
            self._reshare(dirty, set(self.active))
            return
        self._fresh = 0
        self._reshare(dirty)

    def _component(self, resources):
        users = self._users
        seen_r, seen_f = set(resources), set()
        todo = list(seen_r)
        while todo:
            for f in users.get(todo.pop(), ()):
                if f not in seen_f:
                    seen_f.add(f)
                    for x in f.rk:
                        if x not in seen_r:
                            seen_r.add(x)
                            todo.append(x)
        return seen_f

    def _rates(self, penalty: tuple, bound: tuple, res: tuple) -> list:
        """:func:`~netsim.network.maxmin.maxmin_list` on the capacities now, remembered.

        A pure function of its arguments and the capacities: lockstep rounds that solve the
        same sharing again (same flows' penalties, bounds and routes in the same order, no
        capacity changed since) reuse the rates of the last few solves.
        """
        key = (self._cap_version, penalty, bound, res)
        rates = self._memo.get(key)
        if rates is None:
            rates = maxmin_list(penalty, bound, res, self.capacity)
            if len(self._memo) >= 4:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = rates
        return rates

    def _reshare(self, resources, flows=None):
        if flows is None:
            flows = self._component(resources)
        if not flows:
            return
        self.recomputations += 1
        self.reshared_flows += len(flows)
        now = self.env.now
        order = sorted(flows, key=_SEQ)      # deterministic summation order
        rates = self._rates(tuple([g.penalty for g in order]), tuple([g.bound for g in order]),
                            tuple([g.res for g in order]))
        dates = self._dates
        push = heapq.heappush
        for g, rate in zip(order, rates):
            if now != g.t_last:
                g.remaining -= g.rate * (now - g.t_last) / TICKS_PER_S
            g.t_last = now
            g.rate = rate
            g.version += 1
            if rate > 0:
                d = max(g.remaining, 0.0) / rate
                dt = round(d * _TPS) if d <= MAX_TIME_S else too_slow(g, d, rate, self.capacity)
                if dt != math.inf:
                    push(dates, (now + dt, g.seq, g.version, g))
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
        dates, due, active, pop = self._dates, [], self.active, heapq.heappop
        while dates and dates[0][0] <= at:
            _, _, version, f = pop(dates)
            if f.version == version and f in active:
                due.append(f)
        users, dirty, links = self._users, self._dirty, self.links
        for f in due:                          # in (date, sending) order
            active.discard(f)
            for r in f.rk:
                users[r].discard(f)
            dirty.update(f.rk)
            if self._solve is None:
                self._touch(())
            if f.lost or self.record_messages or links[(f.src, f.dst)].in_order:
                self._finish(f)
            else:                              # what _finish would do
                self._deliver(f.src, f.dst, f.tag, f.payload, f.size)
        self._arm()

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
