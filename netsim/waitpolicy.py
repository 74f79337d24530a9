"""The peer wait policy, ``[algorithm] wait`` (issue 19; docs/async.md).

``"all"`` (the default): synchronous peer rounds, agent i finishes round k once it holds every
neighbour's round-k message (or its loss timeout expired). A table
``{neighbours = K, delay_bound = D, ahead = "hold" | "use"}``: asynchronous rounds, agent i
finishes round k once

* at least K neighbours' values of round k (or later, with ``ahead = "use"``) are held, and
* no neighbour's newest usable value is D or more of i's rounds old (D = "inf": no bound),

using for every neighbour the newest message it holds: from a round <= k with ``ahead =
"hold"`` (the default: a message from a neighbour's later round waits for i's own round), of
any round with ``ahead = "use"``. With "hold", ``delay_bound = 1`` is synchronous (every
neighbour's round-k message is needed), whatever K.

Only the parsing lives here; the runner is :mod:`netsim.runners.asynchronous`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netsim.errors import ScenarioError, must, shown

__all__ = ["WaitPolicy", "parse_wait", "check_wait_for", "SYNCHRONOUS"]

_TABLE_KEYS = ("neighbours", "delay_bound", "ahead")
_REQUIRED = ("neighbours", "delay_bound")
#: what an agent in round k does with a message from a neighbour's round t > k
AHEAD = ("hold", "use")


@dataclass(frozen=True)
class WaitPolicy:
    """An asynchronous wait policy.

    Attributes:
        neighbours: K, how many neighbours' round-current messages an agent needs (>= 1).
        delay_bound: D, rounds (integer >= 1, or ``math.inf``): an agent waits while a
            neighbour's newest usable value is D or more of its own rounds old.
        ahead: "hold" (a message from a neighbour's later round t is used in the agent's own
            round t) or "use" (the newest message of any round is used at once).
    """

    neighbours: int
    delay_bound: float
    ahead: str = "hold"

    def as_table(self) -> dict:
        """The resolved scenario's table (``"inf"`` written as the string)."""
        return {"neighbours": self.neighbours,
                "delay_bound": "inf" if self.delay_bound == math.inf else self.delay_bound,
                "ahead": self.ahead}


#: the default: synchronous rounds (None everywhere a policy is expected)
SYNCHRONOUS = None


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_wait(raw, key: str = "algorithm.wait") -> WaitPolicy | None:
    """Parse the ``wait`` value of a scenario.

    Args:
        raw: ``"all"`` or a table ``{neighbours = K, delay_bound = D, ahead = A}`` (K integer
            >= 1; D integer >= 1 or ``"inf"``; A "hold" (default) or "use").
        key: the dotted scenario key, for error messages.

    Returns:
        None for ``"all"`` (synchronous rounds), else the :class:`WaitPolicy`.

    Raises:
        ScenarioError: one line naming the key, the value and what is allowed.
    """
    if raw == "all" and isinstance(raw, str):
        return SYNCHRONOUS
    if not isinstance(raw, dict):
        raise must(key, '"all" or a table {neighbours = k, delay_bound = D}', raw)
    extra = sorted(set(raw) - set(_TABLE_KEYS))
    if extra:
        import difflib
        near = difflib.get_close_matches(str(extra[0]), _TABLE_KEYS, n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise ScenarioError(f"{key}.{extra[0]}", "is not a key of the wait policy (allowed: "
                            f"neighbours, delay_bound, ahead){hint}; got {raw[extra[0]]!r}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ScenarioError(f"{key}.{missing[0]}", "must be given in a wait table "
                            f"{{neighbours = k, delay_bound = D}}; got {shown(raw)}")
    k = raw["neighbours"]
    if not _is_int(k) or k < 1:
        raise must(f"{key}.neighbours", "an integer >= 1 (at most the smallest degree)", k)
    d = raw["delay_bound"]
    if d == "inf" and isinstance(d, str):
        d = math.inf
    elif not _is_int(d) or d < 1:
        raise must(f"{key}.delay_bound", 'an integer >= 1 or "inf"', d)
    ahead = raw.get("ahead", "hold")
    if not isinstance(ahead, str) or ahead not in AHEAD:
        raise must(f"{key}.ahead", '"hold" or "use"', ahead)
    return WaitPolicy(k, d, ahead)


def check_wait_for(policy: WaitPolicy | None, kernel, algorithm: str,
                   min_degree: int | None = None, key: str = "algorithm.wait") -> None:
    """Refuse a policy the algorithm or the graph cannot run.

    Args:
        policy: the parsed policy (None: synchronous, always allowed).
        kernel: the algorithm's kernel class or object; asynchronous rounds need its class
            attribute ``asynchronous = True``.
        algorithm: ``algorithm.name``, for the message.
        min_degree: the smallest degree of the communication graph (None: not known yet,
            not checked).
        key: the dotted scenario key.

    Raises:
        ScenarioError: the algorithm needs synchronized rounds, or K > ``min_degree``.
    """
    if policy is None:
        return
    if not getattr(kernel, "asynchronous", False):
        from netsim.algorithms.registry import ALGORITHMS
        ok = ", ".join(n for n, a in ALGORITHMS.items() if getattr(a.build, "asynchronous", 0))
        why = ("a server algorithm: its asynchrony is P and tau" if kernel is None else
               "it needs synchronized rounds")
        raise ScenarioError(key, f'must be "all" for algorithm.name = {algorithm!r} ({why}; '
                            f"asynchronous rounds: {ok}); got {policy.as_table()!r}")
    if min_degree is not None and policy.neighbours > min_degree:
        raise must(f"{key}.neighbours", f"an integer in 1..{min_degree} (the smallest degree "
                   f"of the graph)", policy.neighbours)
