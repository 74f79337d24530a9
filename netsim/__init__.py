"""netsim: a discrete-event network simulator for distributed optimization.

It simulates communication-efficient distributed optimization (ADMM and friends) on networks.

Five lines to a result::

    import netsim
    res = netsim.run("scenarios/quickstart.toml", **{"algorithm.tau": 10})
    print(res.summary["end"], res.trace["rel_err"][-1])
"""

from __future__ import annotations

from importlib import metadata as _metadata

try:  # the one version is the package's (pyproject.toml)
    __version__ = _metadata.version("netsim")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

from netsim.errors import NetsimError, ScenarioError  # noqa: E402
from netsim.scenario import Scenario, load  # noqa: E402
from netsim.simulate import Result, run, run_variants  # noqa: E402
from netsim.tables import read, sweep, to_pandas  # noqa: E402

__all__ = ["__version__", "load", "run", "run_variants", "sweep", "read", "to_pandas",
           "Scenario", "Result", "NetsimError", "ScenarioError"]
