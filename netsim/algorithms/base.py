"""What every peer algorithm provides to the runners (no SimPy here).

A peer algorithm is one class over all agents' stacked state (a *kernel*, see
:mod:`netsim.algorithms.batch`). For a group of agents that step together (``ids``; a group
of one agent is the common case under asynchrony) the runner calls:

1. ``local_steps(ids)`` -> one :class:`~netsim.compute.Work` per agent (the runner turns it
   into seconds);
2. ``outgoing(ids)`` -> per agent a list of ``(dst, value, bits)`` (``dst=None`` is a
   broadcast: one copy per neighbour, each a separate point-to-point message);
3. ``incoming(ids, boxes)`` with, per agent, ``{j: value}`` for what arrived from each
   neighbour this round (a missing j: lost or late; the algorithm keeps what it had).

``x(i)`` / ``xs(ids)`` are the current models (read by the monitor; never modified by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from netsim.compute import Work

__all__ = ["PeerKernel", "Param", "AlgorithmInfo"]


class PeerKernel(Protocol):
    """A peer algorithm over stacked state (see the module docstring)."""

    has_references: bool

    def local_steps(self, ids: list[int]) -> list[Work]:
        """Run the local phase of agents ``ids``; one :class:`~netsim.compute.Work` each."""
        ...

    def outgoing(self, ids: list[int]) -> list[list[tuple]]:
        """Per agent of ``ids``, its messages ``(dst, value, bits)``.

        ``dst=None`` sends to every neighbour; ``value`` is a float64 array of shape (d,),
        ``bits`` its size on the wire.
        """
        ...

    def incoming(self, ids: list[int], boxes: list[dict[int, Any]]) -> None:
        """Apply what arrived: per agent of ``ids``, ``{neighbour j: value}``.

        A missing j was lost or late; the algorithm keeps what it had.
        """
        ...

    def x(self, i: int) -> np.ndarray:
        """Agent ``i``'s current model, shape (d,) (a view: read it, do not modify it)."""
        ...

    def xs(self, ids: list[int]) -> np.ndarray:
        """The current models of agents ``ids``, shape (len(ids), d)."""
        ...


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
        build: peer: ``build(problem, graph, params, x0, streams, compressor) ->``
            :class:`PeerKernel` (usually the kernel class itself); server: None.
        params: the parameters this algorithm accepts besides the common ones.
        doc: one line for ``netsim list algorithms``.
        smooth_only: True (the default) if it uses gradients of the smooth f_i only, so it
            cannot solve a problem with an l1 term (lasso): such a scenario is refused
            with one line instead of converging to the wrong point. False only for an
            algorithm that handles the l1 term (exact/proximal local solves, a server
            holding g).
        default_compressor: the ``algorithm.compressor`` table when the scenario gives none.
        checks: stability checks ``check(params, problem, graph, compressor) -> [message]``
            (see :mod:`netsim.guards`), issued as warnings before a run.
    """

    name: str
    family: str
    build: Callable
    params: dict[str, Param] = field(default_factory=dict)
    doc: str = ""
    smooth_only: bool = True
    default_compressor: dict = field(default_factory=lambda: {"name": "none"})
    checks: tuple = ()
