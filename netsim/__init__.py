"""netsim: a discrete-event network simulator for distributed optimization.

It simulates communication-efficient distributed optimization (ADMM and friends) on networks.

Five lines to a result::

    import netsim
    res = netsim.run("scenarios/quickstart.toml", **{"algorithm.tau": 10})
    print(res.summary["end"], res.trace["rel_err"][-1])
"""

from __future__ import annotations

from netsim.errors import NetsimError, ScenarioError
from netsim.scenario import Scenario, load
from netsim.simulate import Result, run, run_variants
from netsim.tables import read, sweep, to_pandas
from netsim.version import __version__

__all__ = ["__version__", "load", "run", "run_variants", "sweep", "read", "to_pandas",
           "Scenario", "Result", "NetsimError", "ScenarioError"]
