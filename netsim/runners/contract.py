"""The peer-round contract: one message per neighbour per round, and how long an agent waits.

Used by :mod:`netsim.runners.batched` (the engine) and by the test-only event-driven oracle
(tests/oracle/process_engine.py, one SimPy process per agent), so that both apply the same
rules.
"""

from __future__ import annotations

from netsim.network.links import auto_timeout
from netsim.simtime import ticks

__all__ = ["MessageContractError", "check_one_per_neighbour", "lossy_in_neighbors",
           "receive_timeout"]


class MessageContractError(ValueError):
    """An algorithm's ``outgoing`` broke the one-value-per-neighbour-per-round contract."""


def check_one_per_neighbour(i, outs, nbrs) -> None:
    """Check that agent ``i`` sends each neighbour at most one value this round.

    A broadcast (``dst = None``) counts for every neighbour: the round's inbox holds one value
    per neighbour, so a second message would arrive after the round ended and be discarded as
    late. Several vectors travel as one value (e.g. a stacked (2, d) array; any object).

    Raises:
        MessageContractError: ``outs`` names a neighbour twice, or a non-neighbour.
    """
    if len(outs) == 1 and outs[0][0] is None:
        return                               # one broadcast: the common case
    seen = []
    for dst, _value, _bits in outs:
        seen.extend(nbrs if dst is None else (dst,))
    distinct = set(seen)
    if len(distinct) == len(seen) and distinct.issubset(nbrs):
        return
    bad = [j for j in seen if j not in nbrs]
    twice = sorted({j for j in seen if seen.count(j) > 1})
    if bad or twice:
        what = (f"to agent {bad[0]}, which is not its neighbour" if bad else
                f"{seen.count(twice[0])} messages to agent {twice[0]} in one round")
        raise MessageContractError(
            f"agent {i}'s outgoing() sent {what}: a peer algorithm sends each neighbour one "
            f"value per round (dst = None broadcasts it); send several vectors as one value, "
            f"e.g. a stacked (2, d) array (docs/extending.md)")


def lossy_in_neighbors(network, neighbors) -> list[list[int]]:
    """Per agent i, the neighbours j whose link j -> i drops messages.

    Those with ``on_loss = "drop"`` and loss > 0: the only ones an agent may stop waiting for.
    """
    return [[j for j in nbrs
             if network.spec(j, i).loss > 0 and network.spec(j, i).on_loss == "drop"]
            for i, nbrs in enumerate(neighbors)]


def receive_timeout(network, lossy, i, bits) -> int | float | None:
    """How long (ticks) agent i waits for its round's messages after sending ``bits``-bit ones.

    The largest timeout (given, or :func:`~netsim.network.links.auto_timeout`) of its
    dropping in-links ``lossy``, rounded to ticks; None if it has none (it waits for
    everything).
    """
    if not lossy:
        return None
    return ticks(max(network.spec(j, i).timeout if network.spec(j, i).timeout is not None
                     else auto_timeout(network.spec(j, i), bits) for j in lossy))
