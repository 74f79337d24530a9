"""Transport building blocks: the FIFO queue closed form and the message log row.

Shared by the send paths of :class:`~netsim.network.transport.Network` (loss-free, lossy,
per message) and by :mod:`netsim.network.fair`.
"""

from __future__ import annotations

from netsim.errors import ScenarioError
from netsim.simtime import MAX_TIME_S, ticks

__all__ = ["MessageRecord", "serve"]


def serve(free: dict, busy: dict, key, start: int, seconds: float) -> int:
    """One transmission of ``seconds`` through the FIFO queue ``key``.

    Args:
        free: queue -> tick it is free from (updated).
        busy: queue -> ``(tick its busy period began, seconds queued since)`` (updated).
        key: the queue (a node for an uplink, ``(src, dst)`` for a link).
        start: tick the transmission is handed over.
        seconds: its service time (bits / rate), in s.

    Returns:
        The tick its last bit leaves (also recorded in ``free``).

    A transmission that waits behind the queue's current busy period continues it: the
    period's durations are summed in seconds and only the end is rounded to ticks, so k
    messages handed over together end at exactly ``round(k * bits / rate)`` ticks (rounding
    each duration on its own would add up to k / 2 ticks of error). A transmission that
    finds the queue idle starts a new busy period.
    """
    if start < free[key]:
        begin, queued = busy[key]
        queued += seconds
    else:
        begin, queued = start, seconds
    busy[key] = (begin, queued)
    try:
        end = free[key] = begin + ticks(queued)
    except ScenarioError:
        raise _too_long(key, seconds, queued) from None
    return end


def _too_long(key, seconds: float, queued: float) -> ScenarioError:
    """The error of a transmission that would last beyond the clock's range (1e15 s)."""
    what, whose = (("uplink", f"agent {key}'s uplink") if not isinstance(key, tuple) else
                   ("bandwidth", f"link {key[0]}->{key[1]}"))
    return ScenarioError(f"network.links.{what}",
                         f"must let a message through within {MAX_TIME_S:g} s (the longest "
                         f"simulated duration); a message on {whose} would take "
                         f"{seconds:.3g} s (bits / rate" + (
                             f"; {queued:.3g} s with the messages queued before it)"
                             if queued != seconds else ")"))


class MessageRecord(tuple):
    """One row of ``messages.csv``: (src, dst, bits, t_send, t_arrive, dropped, tag)."""

    __slots__ = ()
