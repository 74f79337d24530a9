"""Typed scenario schema: pydantic models of every scenario table, the loader, the
translator of validation errors into netsim's one-line errors, and the JSON Schema.

Modules: :mod:`~netsim.schema.fields` (value types and their JSON Schema),
:mod:`~netsim.schema.tables` (tables without a registry), :mod:`~netsim.schema.registry_models`
(network, algorithm, compressor and problem tables from the registries and plugins),
:mod:`~netsim.schema.root` (the whole scenario and cross-table checks),
:mod:`~netsim.schema.translate` (errors), :mod:`~netsim.schema.loader` (files -> Scenario),
:mod:`~netsim.schema.merge` (overrides, variants, TOML writer),
:mod:`~netsim.schema.include` (tables from other files), :mod:`~netsim.schema.jsonschema`
(``netsim schema``).
"""

from netsim.schema.loader import (
                                  DEFAULTS,
                                  MAX_DEPTH,
                                  Scenario,
                                  default_name,
                                  from_dict,
                                  load,
                                  resolve,
)
from netsim.schema.merge import apply_overrides, dump_toml, parse_override
from netsim.schema.root import MAX_NAME, TOP_KEYS
from netsim.schema.tables import MAX_COMPUTE_TIME

__all__ = ["Scenario", "load", "from_dict", "resolve", "dump_toml", "apply_overrides",
           "parse_override", "default_name", "DEFAULTS", "MAX_DEPTH", "MAX_NAME", "TOP_KEYS",
           "MAX_COMPUTE_TIME"]
