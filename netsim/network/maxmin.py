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
    p = list(flows.values())
    return dict(zip(flows, maxmin_list([x[0] for x in p], [x[1] for x in p],
                                       [x[2] for x in p], capacity, rel_tol)))


def maxmin_list(penalty: list, bound: list, res: list, capacity,
                rel_tol: float = 1e-12) -> list:
    """:func:`maxmin_rates` for n flows given as three sequences (no object per flow).

    Their order is the order of every sum and every tie (as the dict's order there).

    Args:
        penalty: n sharing penalties (> 0).
        bound: n rate bounds (``math.inf`` for none).
        res: n tuples ``((resource, weight), ...)``.
        capacity: ``capacity[resource]`` -> capacity (a dict, or a list for int resources).
        rel_tol: as in :func:`maxmin_rates`.

    Returns:
        The n rates, in the order of the lists.

    Raises:
        ValueError: a penalty <= 0 (or NaN): no level fixes such a flow (a loop that would
            never end, or meaningless rates).
    """
    n = len(penalty)
    if n and not min(penalty) > 0:
        raise ValueError(f"max-min sharing needs penalties > 0; got {min(penalty)!r}")
    rate = [0.0] * n
    remaining: dict = {}
    # resource -> its first user and weight / penalty (in order of first use); its second
    # user in `second` / `coef2`; resources used by three flows or more also have
    # ([flow index], [weight / penalty]) in `more` (few objects per solve: fewer collections)
    first: dict = {}
    coef: dict = {}
    second: dict = {}
    coef2: dict = {}
    more: dict = {}
    for i in range(n):
        pen = penalty[i]
        for r, w in res[i]:
            if r not in first:
                first[r] = i
                coef[r] = w / pen
                remaining[r] = float(capacity[r])
            elif r not in second:
                second[r] = i
                coef2[r] = w / pen
            elif r in more:
                more[r][0].append(i)
                more[r][1].append(w / pen)
            else:
                more[r] = ([first[r], second[r], i], [coef[r], coef2[r], w / pen])
    bp = [b * p for p, b in zip(penalty, bound)]   # the level at which each flow hits its bound
    is_open = [True] * n
    n_open = n
    lo, hi = 1 - rel_tol, 1 + rel_tol
    while n_open:
        level, saturated = math.inf, []
        for r, i0 in first.items():
            i1 = second.get(r)
            if i1 is None:                       # one user: the sum of one term
                if not is_open[i0]:
                    continue
                usage = coef[r]
            elif r not in more:                  # two users
                if is_open[i0]:
                    usage = sum((coef[r], coef2[r])) if is_open[i1] else coef[r]
                elif is_open[i1]:
                    usage = coef2[r]
                else:
                    continue
            elif n_open == n:
                usage = sum(more[r][1])
            else:
                usage = sum([c for i, c in zip(*more[r]) if is_open[i]])
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
            fixed = set()
            for r in saturated:
                if r in more:
                    fixed.update([i for i in more[r][0] if is_open[i]])
                    continue
                if is_open[first[r]]:
                    fixed.add(first[r])
                if r in second and is_open[second[r]]:
                    fixed.add(second[r])
            fixed.update([i for i in range(n) if is_open[i] and bp[i] <= top])
        if level == math.inf:            # flows that cross no finite resource and have no bound
            for i in range(n):
                if is_open[i]:
                    rate[i] = math.inf
            break
        if not fixed:                    # never loop forever (unreachable with penalties > 0)
            raise ValueError("max-min sharing fixed no flow at level " + repr(level))
        for i in sorted(fixed):          # deterministic subtraction order
            x = min(level / penalty[i], bound[i])
            rate[i] = x
            for r, w in res[i]:
                remaining[r] -= w * x
            is_open[i] = False
        n_open -= len(fixed)
    return rate
