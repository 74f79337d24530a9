"""One run, in three steps with one module each: :mod:`~netsim.simulation.build` (scenario ->
components), :mod:`~netsim.simulation.loop` (the SimPy loop to a stop rule) and
:mod:`~netsim.simulation.summary` (components -> :class:`Result`). :mod:`netsim.simulate` is
the public entry point (``netsim.run``); :mod:`~netsim.simulation.inputs` turns scenario
tables into the plain values the components take.
"""

from __future__ import annotations

from netsim.simulation.build import ENGINES, Simulation, build
from netsim.simulation.loop import run_loop
from netsim.simulation.summary import Result, make_result

__all__ = ["ENGINES", "Simulation", "build", "run_loop", "Result", "make_result"]
