"""The scenario file's JSON Schema (draft 2020-12), for editors: Taplo / Even Better TOML
complete and check a TOML file against it (``#:schema ./netsim.schema.json`` on a file's
first line, or a ``[[rule]]`` in ``.taplo.toml``).

It is generated from the models (:func:`netsim.schema.root.json_schema_model`): network,
algorithm and compressor tables are ``oneOf`` their registered kinds, told apart by
``topology`` / ``name``; the table given without its tag is the default kind (ring,
lt-admm-vr, the algorithm's default compressor). What the schema cannot say (a check that
needs two tables, the problem's data, a file's content, a unit-written quantity's magnitude)
is left to ``netsim validate``.
"""

from __future__ import annotations

import copy

__all__ = ["scenario_schema", "DIALECT"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _drop_required(obj: dict, *keys: str) -> None:
    req = [k for k in obj.get("required", []) if k not in keys]
    if req:
        obj["required"] = req
    else:
        obj.pop("required", None)


def scenario_schema(plugins: bool = True) -> dict:
    """The JSON Schema of a scenario file.

    Args:
        plugins: include the installed plugin algorithms and compressors (False: only the
            built-in ones, stable for generated docs).

    Returns:
        the schema as a JSON-able dict.
    """
    from netsim.algorithms.registry import ALGORITHMS
    from netsim.schema.root import DEFAULT_ALGORITHM, DEFAULT_TOPOLOGY, json_schema_model

    schema = copy.deepcopy(json_schema_model(plugins).model_json_schema())
    defs = schema["$defs"]
    _drop_required(schema, "network", "algorithm")
    _drop_required(defs[f"Network_{DEFAULT_TOPOLOGY}_server"], "topology")
    for name, d in defs.items():
        if not name.startswith("Algorithm_"):
            continue
        _drop_required(d, "compressor")
        alg = d["properties"]["name"].get("const")
        if alg == DEFAULT_ALGORITHM:
            _drop_required(d, "name")
        info = ALGORITHMS.get(alg)
        default = (info.default_compressor if info else {"name": "none"})["name"]
        comp = d["properties"]["compressor"]
        branches = comp.get("oneOf") or [comp]
        ref = "#/$defs/Compressor_" + default.replace("-", "_")
        out = []
        for b in branches:
            if b.get("$ref") == ref:         # this algorithm's default: name may be omitted
                b = copy.deepcopy(defs[ref.rsplit("/", 1)[1]])
                _drop_required(b, "name")
            out.append(b)
        comp.pop("discriminator", None)
        if "oneOf" in comp:
            comp["oneOf"] = out
        else:
            d["properties"]["compressor"] = {**out[0], **{k: v for k, v in comp.items()
                                                         if k in ("description", "title")}}
    for d in (schema, *defs.values()):
        for p in d.get("properties", {}).values():
            p.pop("discriminator", None)
    return {"$schema": DIALECT, "$id": "https://netsim.invalid/scenario.schema.json",
            **schema, "title": "netsim scenario"}
