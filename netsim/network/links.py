"""Link parameters: what one directed link does to a message.

A :class:`LinkSpec` is plain data in SI units (bits/s, seconds, probabilities); the
:class:`~netsim.network.transport.Network` turns it into time. Scenario parsing
(units, distributions, validation) lives in :mod:`netsim.scenario`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netsim.distributions import Distribution

__all__ = ["LinkSpec", "ON_LOSS", "auto_timeout"]

ON_LOSS = ("drop", "retransmit")


@dataclass(frozen=True)
class LinkSpec:
    """One directed link.

    Attributes:
        bandwidth: serialization rate in bit/s (``math.inf``: no serialization delay).
        latency: propagation delay in s, paid after serialization.
        jitter: extra delay in s drawn per message (a :class:`Distribution`), or None.
        loss: probability in [0, 1) that a transmission is lost.
        on_loss: ``"drop"`` (receiver gives up after its timeout and keeps what it had) or
            ``"retransmit"`` (the sender re-sends after ``timeout``; bits counted again).
        timeout: s; receiver's wait (drop) or sender's retransmission timer (retransmit),
            measured as documented in :func:`auto_timeout`. ``None``: automatic.
        header_bits: fixed overhead in bits added to every message.
        in_order: deliver in sending order (a message never overtakes an earlier one on the
            same link, as TCP would: jitter then only delays).
        segment_loss: per-segment loss rate; a message of b bits is ceil(b / mss) segments.
        mss: segment size in bits (1460 B).
        burst: Gilbert-Elliott two-state loss ``(p_gb, p_bg, loss_good, loss_bad)``: before
            each transmission the link moves good -> bad with probability p_gb and bad -> good
            with p_bg, then loses the message with its state's rate (replaces ``loss``).
        on_down: a message handed to a link that is down (state profile) waits until it is
            up (``hold``), or is lost and then follows ``on_loss`` (``drop``).
    """

    bandwidth: float = math.inf
    latency: float = 0.0
    jitter: Distribution | None = None
    loss: float = 0.0
    on_loss: str = "drop"
    timeout: float | None = None
    header_bits: int = 0
    in_order: bool = False
    segment_loss: float = 0.0
    mss: float = 1460 * 8
    burst: tuple | None = None
    on_down: str = "hold"

    def loss_probability(self, size_bits: float, state_loss: float | None = None) -> float:
        """P(a message of ``size_bits`` is lost).

        1 - (1 - p)(1 - segment_loss)^ceil(size/mss), with p = ``loss``, or the Gilbert-Elliott
        state's loss rate when ``burst`` is set.
        """
        p = self.loss if state_loss is None else state_loss
        if self.segment_loss > 0:
            segments = max(1, math.ceil(size_bits / self.mss))
            p = 1.0 - (1.0 - p) * (1.0 - self.segment_loss) ** segments
        return p

    @property
    def ideal(self) -> bool:
        """True if the link adds no delay and loses nothing."""
        return (
            self.bandwidth == math.inf
            and self.latency == 0.0
            and (self.jitter is None or (self.jitter.is_constant and self.jitter.mean == 0.0))
            and self.loss == 0.0
        )


def auto_timeout(spec: LinkSpec, message_bits: float) -> float:
    """The automatic timeout of a link for messages of ``message_bits`` bits.

    timeout = 2 * (latency + E[jitter] + bits / bandwidth) + 4 * E[jitter] + 1 ms,
    i.e. a round-trip time with margin, as a TCP-like retransmission timer would use.
    It ignores queueing behind other messages and sender compute time on purpose: a
    deadline-based protocol cannot know them either.
    """
    jit = 0.0 if spec.jitter is None else spec.jitter.mean
    if not math.isfinite(jit):
        jit = spec.latency
    ser = 0.0 if spec.bandwidth == math.inf else (message_bits + spec.header_bits) / spec.bandwidth
    return 2.0 * (spec.latency + jit + ser) + 4.0 * jit + 1e-3
