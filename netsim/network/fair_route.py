"""A fair-sharing flow's route (resources, sharing penalty, rate bound); TCP's corrections.

:class:`TcpParams` is also importable from :mod:`netsim.network.fair`.

The route is a pure function of the link, the capacities now and the TCP corrections (see
:mod:`netsim.network.fair`): :class:`~netsim.network.fair.FairNetwork` computes it once per
link and keeps it until a profile changes a bandwidth or a latency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netsim.errors import ScenarioError
from netsim.simtime import MAX_TIME_S

__all__ = ["TcpParams", "route", "too_slow"]


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


def route(src, dst, latency: float, capacity: dict, uplink, downlink, tcp) -> tuple:
    """What a flow handed over to link (src, dst) now crosses and how it shares.

    Args:
        src: the link's start.
        dst: its end.
        latency: the link's latency (s).
        capacity: ``{resource: bit/s}`` with resources ``("link", u, v)``, ``("up", n)``,
            ``("down", n)`` (already scaled by TCP's bandwidth factor).
        uplink: the nodes that have a finite sending capacity.
        downlink: the nodes that have a finite receiving capacity.
        tcp: the :class:`TcpParams`, or None.

    Returns:
        ``(res, rk, penalty, bound, spen)``: ``((resource, weight), ...)`` (the link always,
        its finite uplink / downlink stages, TCP's reverse cross-traffic), those resources
        alone, the sharing penalty, the rate bound (bit/s, ``math.inf`` for none) and the
        penalty's TCP value (latency + weight_s / bandwidth per route resource).
    """
    path = [("link", src, dst)]
    if src in uplink:
        path.append(("up", src))
    if dst in downlink:
        path.append(("down", dst))
    # the link itself always (its bandwidth may change later); infinite stages add nothing
    res = [(r, 1.0) for r in path if r[0] == "link" or capacity[r] != math.inf]
    penalty = latency if latency > 0 else 1.0
    # as in SimGrid, a flow's rate is also bounded by the smallest route capacity at the
    # moment it is handed over (visible only when a bandwidth profile changes it later)
    bound = min((capacity[r] for r in path), default=math.inf)
    spen = penalty
    if tcp is not None:
        spen = latency + sum(tcp.weight_s / capacity[r] * tcp.bandwidth_factor
                             for r, _ in res if capacity[r] != math.inf)
        if latency > 0:      # as in SimGrid, a zero-latency flow starts with penalty 1
            penalty = spen
            bound = min(bound, tcp.gamma / (2.0 * latency))
        if tcp.cross_traffic > 0:           # the reverse route: dst's uplink, (dst, src),
            back = [("link", dst, src)]     # src's downlink
            if dst in uplink:
                back.append(("up", dst))
            if src in downlink:
                back.append(("down", src))
            res += [(r, tcp.cross_traffic) for r in back
                    if r in capacity and capacity[r] != math.inf]
    return tuple(res), tuple(r for r, _ in res), penalty, bound, spen


def too_slow(flow, seconds: float, rate: float, capacity: dict):
    """Raise the error of a flow whose fair share would take beyond the clock's range.

    It names the key of the flow's smallest resource (the link's bandwidth, an uplink, a
    downlink).
    """
    r = min(flow.rk, key=lambda q: (capacity[q], flow.rk.index(q)))
    key = {"link": "bandwidth", "up": "uplink", "down": "downlink"}[r[0]]
    raise ScenarioError(f"network.links.{key}",
                        f"must let a message through within {MAX_TIME_S:g} s (the longest "
                        f"simulated duration); the message on link {flow.src}->{flow.dst} "
                        f"gets a fair share of {rate:.3g} bit/s and would take "
                        f"{seconds:.3g} s")
