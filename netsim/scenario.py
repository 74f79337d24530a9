"""Scenario files (SCENARIO.md is the contract): the public names of :mod:`netsim.schema`.

Kept so that ``from netsim.scenario import load, from_dict, dump_toml`` keeps working; the
models, loader and error translator live in the :mod:`netsim.schema` package.
"""

from netsim.schema import (
                           DEFAULTS,
                           MAX_COMPUTE_TIME,
                           MAX_DEPTH,
                           MAX_NAME,
                           TOP_KEYS,
                           Scenario,
                           apply_overrides,
                           default_name,
                           dump_toml,
                           from_dict,
                           load,
                           parse_override,
)
from netsim.schema.merge import _kept_on_switch  # noqa: F401

__all__ = ["Scenario", "load", "from_dict", "dump_toml", "apply_overrides", "parse_override",
           "DEFAULTS", "default_name", "MAX_DEPTH", "MAX_NAME", "MAX_COMPUTE_TIME", "TOP_KEYS"]
