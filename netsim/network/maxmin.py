"""Weighted max-min fair rates by progressive filling (pure function, no SimPy).

Flows f cross resources r (a sender uplink, a link, a receiver downlink) with consumption
weights a_fr (1 on the forward path; 0.05 on the reverse path for TCP cross-traffic), a
sharing penalty p_f > 0 and an optional rate bound b_f. The allocation is SimGrid's
(``lmm`` solver of the CM02 / LV08 models):

    raise a common level L from 0; flow f runs at x_f = L / p_f until either a resource it
    crosses saturates (sum_f a_fr x_f = C_r) or it hits its bound (x_f = b_f); fixed flows
    keep their rate, the others continue, until every flow is fixed.

With all penalties equal and no bounds this is textbook max-min fairness: n equal flows on
one resource of capacity C each get C / n.
"""

from __future__ import annotations

import math

__all__ = ["maxmin_rates"]


def maxmin_rates(flows: dict, capacity: dict, rel_tol: float = 1e-12) -> dict:
    """Rates of ``flows`` on resources of ``capacity``.

    Args:
        flows: ``{flow: (penalty, bound, ((resource, weight), ...))}``; bound ``math.inf``
            for none.
        capacity: ``{resource: capacity}`` (same unit as the rates, e.g. bit/s).
        rel_tol: resources whose fair share is within this relative distance of the minimum
            saturate together.

    Returns:
        ``{flow: rate}``.
    """
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
        if level == math.inf:            # flows that cross no finite resource and have no bound
            for f in open_flows:
                rate[f] = math.inf
            break
        for f in [g for g in flows if g in fixed]:       # deterministic subtraction order
            pen, bound, res = flows[f]
            x = min(level / pen, bound)
            rate[f] = x
            for r, w in res:
                remaining[r] -= w * x
        open_flows -= fixed
    return rate
