"""What every peer algorithm provides to the runner (no SimPy here).

A peer algorithm is a list of per-agent state machines. In every round the runner calls,
for agent i:

1. ``local_step()`` -> :class:`~netsim.compute.Work` (the runner turns it into seconds);
2. ``outgoing()`` -> list of :class:`Outgoing` (``dst=None`` is a broadcast: one copy per
   neighbour, each a separate point-to-point message with the same bits);
3. ``incoming({j: value or None})`` with what arrived from each neighbour this round
   (None: lost or late; the algorithm keeps what it had).

``x`` is the agent's current model (read by the monitor; never modified by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Protocol

import numpy as np

from netsim.compute import Work

__all__ = ["Outgoing", "PeerAgent", "Param", "AlgorithmInfo"]


class Outgoing(NamedTuple):
    """One message an agent hands to the network.

    Attributes:
        dst: receiving neighbour, or None for a broadcast to every neighbour.
        value: the decoded vector the receiver gets.
        bits: payload size in bits (exact, from the compressor).
    """

    dst: int | None
    value: np.ndarray
    bits: int


class PeerAgent(Protocol):
    """Per-agent state machine of a peer (decentralized) algorithm."""

    x: np.ndarray

    def local_step(self) -> Work: ...

    def outgoing(self) -> list[Outgoing]: ...

    def incoming(self, messages: dict[int, Any]) -> None: ...


@dataclass(frozen=True)
class Param:
    """One algorithm parameter: default, validator and documentation.

    Attributes:
        default: value when the scenario does not give one.
        check: ``check(value, key) -> parsed value``; raises ScenarioError.
        doc: one line for ``netsim list``.
    """

    default: Any
    check: Callable[[Any, str], Any]
    doc: str = ""


@dataclass(frozen=True)
class AlgorithmInfo:
    """A registry entry.

    Attributes:
        name: scenario name (``algorithm.name``).
        family: ``"peer"`` (decentralized rounds) or ``"server"``.
        build: ``build(problem, graph, params, x0, streams) -> list[PeerAgent]``.
        params: the parameters this algorithm accepts besides the common ones.
        doc: one line for ``netsim list algorithms``.
        smooth_only: True if it needs gradients of f_i (no l1 term in the agents' costs).
        default_compressor: the ``algorithm.compressor`` table when the scenario gives none.
    """

    name: str
    family: str
    build: Callable
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""
    smooth_only: bool = False
    default_compressor: dict = field(default_factory=lambda: {"name": "none"})
