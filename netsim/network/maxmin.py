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

__all__ = ["maxmin_rates", "maxmin_list"]


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
    return dict(zip(flows, maxmin_list(list(flows.values()), capacity, rel_tol)))


def maxmin_list(flows: list, capacity, rel_tol: float = 1e-12) -> list:
    """:func:`maxmin_rates` for a list of ``(penalty, bound, ((resource, weight), ...))``.

    The list's order is the order of every sum and every tie (as the dict's order there).

    Args:
        flows: n tuples ``(penalty, bound, res)``.
        capacity: ``capacity[resource]`` -> capacity (a dict, or a list for int resources).
        rel_tol: as in :func:`maxmin_rates`.

    Returns:
        The n rates, in the order of ``flows``.
    """
    n = len(flows)
    rate = [0.0] * n
    remaining: dict = {}
    users: dict = {}                 # resource -> ([flow index], [weight / penalty]), in order
    for i, (pen, _, res) in enumerate(flows):
        for r, w in res:
            us = users.get(r)
            if us is None:
                users[r] = ([i], [w / pen])
                remaining[r] = float(capacity[r])
            else:
                us[0].append(i)
                us[1].append(w / pen)
    bp = [b * p for p, b, _ in flows]     # the level at which each flow hits its bound
    is_open = [True] * n
    n_open = n
    lo, hi = 1 - rel_tol, 1 + rel_tol
    while n_open:
        level, saturated = math.inf, []
        for r, (idx, coef) in users.items():
            if n_open == n:
                usage = sum(coef)
            else:
                usage = sum([c for i, c in zip(idx, coef) if is_open[i]])
            if usage <= 0:
                continue
            share = max(remaining[r], 0.0) / usage
            if share < level * lo:
                level, saturated = share, [r]
            elif share <= level * hi:
                saturated.append(r)
        bound_level = min([bp[i] for i in range(n) if is_open[i]], default=math.inf)
        top = level * hi
        if bound_level < level * lo or level == math.inf:
            level = bound_level
            top = level * hi
            fixed = {i for i in range(n) if is_open[i] and bp[i] <= top}
        else:
            fixed = {i for r in saturated for i in users[r][0] if is_open[i]}
            fixed.update([i for i in range(n) if is_open[i] and bp[i] <= top])
        if level == math.inf:            # flows that cross no finite resource and have no bound
            for i in range(n):
                if is_open[i]:
                    rate[i] = math.inf
            break
        for i in sorted(fixed):          # deterministic subtraction order
            pen, bound, res = flows[i]
            x = min(level / pen, bound)
            rate[i] = x
            for r, w in res:
                remaining[r] -= w * x
            is_open[i] = False
        n_open -= len(fixed)
    return rate
