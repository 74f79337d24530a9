"""Loss on the transport's links: loss draws, retransmission, links going down.

The mixin :class:`LossyLinks` holds what :class:`~netsim.network.transport.Network` does
about lost transmissions (see that module for the model):

* :meth:`LossyLinks._draw_loss`: is one transmission lost (Bernoulli ``loss``, per-segment
  loss, Gilbert-Elliott bursts), drawn from the link's own stream ``("link", src, dst)``;
* :meth:`LossyLinks._transmit_lossy`: the batched send path of a network whose links may
  lose messages but neither jitter, reorder nor burst: a whole ``send_many`` batch in one
  loop, one delivery event per arrival instant, the same arithmetic, draws, events (in the
  same order) and counters as one :meth:`~netsim.network.transport.Network._transmit` per
  message;
* retransmission (``on_loss = "retransmit"``) and links going down or up (state profiles).

The loss draws cannot be vectorised across a batch: each message of a ``send_many`` batch
goes over its own link, and every link draws from its own stream, one uniform per message
(a link with loss probability 0 draws nothing). They are vectorised along each link's
stream instead: :meth:`LossyLinks._refill` draws its next uniforms in one call, the same
doubles in the same order.
"""

from __future__ import annotations

import math

from netsim.network.links import LinkSpec, auto_timeout
from netsim.network.transport_queue import MessageRecord
from netsim.network.transport_queue import serve as _serve
from netsim.simtime import ARRIVAL, STEP, Alarm, Pending, ticks

__all__ = ["LossyLinks", "UNIFORM_BLOCK"]

UNIFORM_BLOCK = 32      # loss draws taken from a link's stream at once (batched path)


class LossyLinks:
    """Loss, retransmission and down links of :class:`~netsim.network.transport.Network`.

    A mixin: it uses the network's links, clocks, queues, streams and counters.
    """

    def _transmit_lossy(self, src, msgs, tag):
        """:meth:`_transmit` for messages of ``src`` on links without jitter, ordering or bursts.

        Args:
            src: the sending node.
            msgs: ``(dst, payload, bits)`` triples, handed over in this order now.
            tag: accounting key (the round).

        Returns:
            The arrival tick of the last message, or None if it was lost.

        Every message is served by the uplink and its link, then draws its loss from its
        link's stream (if its loss probability is positive); a lost one schedules its
        retransmission (``on_loss = "retransmit"``), one that gets through joins the
        delivery event of its arrival instant (``_coalesce_lossy``). Events are created in
        message order, as one :meth:`_transmit` per message creates them.
        """
        env = self.env
        now = env.now
        links, free, due, latency, uniforms = (self.links, self._link_free, self._due,
                                               self._latency, self._uniforms)
        link_bits, link_messages = self.link_bits, self.link_messages
        cap = self.uplink.get(src) if self.uplink else None
        record = self.log.append if self.record_messages else None
        total = drops = 0
        arrive = None
        for dst, payload, bits in msgs:
            link = (src, dst)
            spec = links[link]
            bits = int(bits)
            size = bits + spec.header_bits
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
            p = spec.loss_probability(size) if spec.segment_loss > 0 else spec.loss
            if p > 0.0 and (uniforms.get(link) or self._refill(link)).pop() < p:
                self.link_drops[link] += 1
                drops += 1
                arrive = None
                if record is not None:
                    record(MessageRecord((src, dst, size, now, math.nan, True, tag)))
                if spec.on_loss == "retransmit":
                    ev = Pending(env, end - now + self.retransmission_timeout(spec, bits), STEP)
                    ev.callbacks.append(
                        lambda _e, m=(src, dst, payload, bits, tag): self._retransmit(*m))
                continue
            arrive = end + latency[link]
            if record is not None:
                record(MessageRecord((src, dst, size, now, arrive, False, tag)))
            msg = (src, dst, tag, payload, size)
            lst = due.get(arrive)
            if lst is None:
                due[arrive] = [msg]
                Pending(env, arrive - now, ARRIVAL).callbacks.append(
                    lambda _e, w=arrive: self._deliver_due(w))
            else:
                lst.append(msg)
        self._count_batch(src, tag, total, len(msgs), drops)
        return arrive

    def _refill(self, link) -> list:
        """The next :data:`UNIFORM_BLOCK` uniforms of ``link``'s stream, as a list to pop.

        Last first: ``pop()`` takes them in stream order. ``Generator.random(k)`` gives the
        same doubles as k calls of ``Generator.random()`` (each is the stream's next
        double), so drawing in blocks changes no loss; it saves most of the cost of numpy's
        scalar draw (about 0.5 us a call). Only :meth:`_transmit_lossy` may draw from the
        stream of a link of a network that uses it (``_bulk_lossy``): no jitter or burst
        draws interleave there.
        """
        buf = self._uniforms[link] = self._rng[link].random(UNIFORM_BLOCK).tolist()[::-1]
        return buf

    def _draw_loss(self, spec, size, rng, link) -> bool:
        """Is this transmission lost? (see :meth:`LinkSpec.loss_probability`).

        Draws from the link's stream only when the link can lose messages.
        """
        if spec.burst is None and spec.loss == 0.0 and spec.segment_loss == 0.0:
            return False
        state_loss = None
        if spec.burst is not None:
            p_gb, p_bg, loss_good, loss_bad = spec.burst
            bad = self._bad.get(link, False)
            u = rng.random()
            bad = (u >= p_bg) if bad else (u < p_gb)
            self._bad[link] = bad
            state_loss = loss_bad if bad else loss_good
        p = spec.loss_probability(size, state_loss)
        return p > 0.0 and rng.random() < p

    @staticmethod
    def retransmission_timeout(spec: LinkSpec, bits: int) -> int:
        """Ticks from the end of a lost transmission to its retransmission.

        For ``bits`` payload bits: the link's ``timeout``, or
        :func:`~netsim.network.links.auto_timeout`.
        """
        return ticks(spec.timeout if spec.timeout is not None else auto_timeout(spec, bits))

    def _retransmit(self, src, dst, payload, bits, tag):
        self.retransmissions += 1
        self.send(src, dst, payload, bits, tag)

    # ------------------------------------------------------------------ links going down
    def set_state(self, link, up: bool) -> None:
        """Profile event: the link goes down or up.

        Down: messages in flight still arrive. Up: held messages are handed over again, in order.
        """
        if not up:
            self.down.add(link)
            return
        self.down.discard(link)
        held, self._held[link] = self._held.get(link, []), []
        for src, dst, payload, bits, tag in held:
            self.send(src, dst, payload, bits, tag)

    def _send_while_down(self, src, dst, payload, bits, tag):
        spec = self.links[(src, dst)]
        if spec.on_down == "hold":
            self._held.setdefault((src, dst), []).append((src, dst, payload, bits, tag))
            self.held_messages += 1
            return None
        size = bits + spec.header_bits          # drop: a lost transmission (counted as one)
        self._count(src, dst, size, tag, True)
        if self.record_messages:
            self.log.append(MessageRecord((src, dst, size, self.env.now, math.nan, True, tag)))
        if spec.on_loss == "retransmit":
            Alarm(self.env, self.retransmission_timeout(spec, bits), STEP).callbacks.append(
                lambda _e: self._retransmit(src, dst, payload, bits, tag))
        return None
