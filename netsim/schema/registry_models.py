"""Models built from the registries at run time: one network model per topology, one
algorithm model per algorithm (built-in or installed plugin), one compressor model per
compressor, and the problem table.

The registries (:data:`netsim.network.topology.TOPOLOGIES`,
:data:`netsim.algorithms.registry.ALGORITHMS`, :data:`netsim.compression.registry.COMPRESSORS`,
and the ``netsim.*`` entry points of :mod:`netsim.plugins`) stay the single source of names,
defaults and checks; this module only turns them into pydantic models (cached per name) whose
values are checked by the registry's own validators, so messages do not change. Each model's
JSON Schema comes from :func:`param_schema`, which knows the validators of
:mod:`netsim.algorithms.params`; a plugin's own validator gets an unconstrained schema.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal, Optional

from pydantic import Field, PlainValidator, WithJsonSchema, create_model, model_validator

from netsim.schema.fields import Bool, IncludeKey, Int, checked, fail, must_text
from netsim.schema.tables import Links, Table, profile_entries

__all__ = ["param_schema", "network_model", "algorithm_model", "compressor_model",
           "problem_model", "COMMON_ALGORITHM_KEYS"]

COMMON_ALGORITHM_KEYS = ("name", "x0", "batch", "compressor")


def _closure(fn) -> dict:
    names = fn.__code__.co_freevars
    return {n: c.cell_contents for n, c in zip(names, fn.__closure__ or (), strict=False)}


def param_schema(check) -> dict:
    """The JSON Schema of an algorithm parameter validated by ``check`` (one of
    :mod:`netsim.algorithms.params`); ``{}`` (anything) for a validator it does not know.
    """
    from netsim.algorithms import params as P

    num = {"type": "number"}
    known = {
        P.positive: {**num, "exclusiveMinimum": 0, "maximum": P.MAX_PARAM},
        P.nonneg: {**num, "minimum": 0, "maximum": P.MAX_PARAM},
        P.in_open_unit: {**num, "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        P.in_half_open_unit: {**num, "exclusiveMinimum": 0, "maximum": 1},
        P.pos_int: {"type": "integer", "minimum": 1},
        P.boolean: {"type": "boolean"},
        P.batch: {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "all"}]},
        P.unit_or_auto: {"anyOf": [{**num, "exclusiveMinimum": 0, "maximum": 1},
                                   {"const": "auto"}]},
        P.pos_int_or_inf: {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "inf"}]},
    }
    if check in known:
        return known[check]
    name = getattr(check, "__qualname__", "")
    if name.startswith("choice."):
        return {"enum": list(_closure(check)["options"])}
    if name.startswith("pos_int_or."):
        return {"anyOf": [{"type": "integer", "minimum": 1},
                          {"const": _closure(check)["word"]}]}
    return {}


def _by_check(check, doc: str = ""):
    """A field validated by ``check(value, key)`` (kept in the user's form)."""
    def v(x):
        checked(check, x, "")
        return x
    schema = dict(param_schema(check))
    if doc:
        schema["description"] = doc
    return Annotated[(Any, PlainValidator(v), WithJsonSchema(schema))]


# --------------------------------------------------------------------------- network
_TOPOLOGY_SCHEMAS = {
    "rows": {"type": "integer", "minimum": 1}, "cols": {"type": "integer", "minimum": 1},
    "radius": {"type": "number", "exclusiveMinimum": 0},
    "m": {"type": "integer", "minimum": 1},
    "file": {"type": "string", "description": "CSV edge list, relative to the scenario"},
}
_TOPOLOGY_PARAM = {
    "erdos_renyi": {"p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                    "patch": {"type": "boolean"}},
    "small_world": {"k": {"type": "integer", "minimum": 2, "multipleOf": 2},
                    "p": {"type": "number", "minimum": 0, "maximum": 1}},
}


def _passthrough(schema: dict):
    """A topology parameter: kept as written, checked when the graph is built (its checks
    need the number of agents).
    """
    return Annotated[(Any, PlainValidator(lambda x: x), WithJsonSchema(schema))]


@functools.lru_cache(maxsize=None)
def network_model(topology: str, server: bool):
    """The ``[network]`` model of ``topology`` (``up`` / ``down`` links only for server
    algorithms).
    """
    from netsim.network.topology import get_topology

    topo = get_topology(topology)            # built-in or installed plugin
    fields: dict = {
        "topology": (Literal[topology], Field(description=topo.doc)),
        "agents": (Int(2), Field(10, description="number of agents (>= 2)")),
    }
    for p, default in topo.params.items():
        schema = _TOPOLOGY_PARAM.get(topology, {}).get(p) or _TOPOLOGY_SCHEMAS.get(p, {})
        fields[p] = (_passthrough(schema), Field(default))
    fields["include"] = (IncludeKey, Field(None, description="take this table from "
                                                             "another TOML file"))
    fields["links"] = (Links, Field(Links(), description="the links between agents"))
    if server:
        fields["up"] = (Optional[Links], Field(None, description="worker -> server links "
                                                                 "(default: links)"))
        fields["down"] = (Optional[Links], Field(None, description="server -> worker links "
                                                                   "(default: links)"))
    fields["profile"] = (Optional[profile_entries(("links", "bandwidth", "latency", "state"),
                                                  "network.profile")], None)
    name = "Network_" + topology.replace("-", "_")
    return create_model(name + ("_server" if server else ""), __base__=Table, **fields)


# --------------------------------------------------------------------------- compressor
_COMPRESSOR_FIELDS = {
    "float_bits": {"enum": [32, 64]},
    "bits": {"type": "integer", "minimum": 1, "maximum": 32},
    "norm": {"enum": ["inf", "2"]},
    "k": {"type": "integer", "minimum": 1},
    "fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "scaled": {"type": "boolean"},
}


@functools.lru_cache(maxsize=None)
def compressor_model(name: str):
    """The ``[algorithm.compressor]`` model of compressor ``name``; its values are checked by
    :func:`netsim.compression.registry.make_compressor` (with a probe dimension: the checks
    that need the problem's dimension run again at build).
    """
    from netsim.compression.registry import COMPRESSORS

    if name in COMPRESSORS:
        defaults, doc = COMPRESSORS[name]
        fields = {k: (_passthrough(_COMPRESSOR_FIELDS.get(k, {})), Field(None))
                  for k in defaults}
        extra = "forbid"
    else:                                  # a plugin: its factory checks its own keys
        fields, doc, extra = {}, f"plugin compressor {name!r}", "allow"
    fields["name"] = (Literal[name], Field(description=doc))
    fields["error_feedback"] = (Bool, Field(False, description="wrap in classic error "
                                                               "feedback"))

    class Base(Table):
        model_config = {**Table.model_config, "extra": extra}

        @model_validator(mode="before")
        @classmethod
        def _known_keys(cls, data):              # make_compressor's own messages
            from netsim.compression.registry import PROBE_DIM, make_compressor
            if isinstance(data, dict):
                checked(make_compressor, data, PROBE_DIM, "")
            return data

    return create_model("Compressor_" + name.replace("-", "_"), __base__=Base, **fields)


# --------------------------------------------------------------------------- algorithm
def _x0(x):
    if not isinstance(x, str) or (x not in ("zeros", "random") and not x.endswith(".npz")):
        raise fail(must_text('"zeros", "random" or a path to an .npz file', x))
    return x


X0 = Annotated[(Any, PlainValidator(_x0), WithJsonSchema(
    {"anyOf": [{"enum": ["zeros", "random"]}, {"type": "string", "pattern": r"\.npz$"}]}))]


_WAIT_SCHEMA = {"anyOf": [
    {"const": "all"},
    {"type": "object", "properties": {
        "neighbours": {"type": "integer", "minimum": 1},
        "delay_bound": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "inf"}]},
        "ahead": {"enum": ["hold", "use"]}},
     "required": ["neighbours", "delay_bound"], "additionalProperties": False}]}


def wait_type(info):
    """``[algorithm] wait`` of the algorithm ``info`` (issue 19): parsed by
    :func:`netsim.waitpolicy.parse_wait`, refused for algorithms that need synchronized
    rounds; ``"all"`` resolves to None (not stored, so run ids of synchronous runs do not
    change), a table to its normalized form.
    """
    def validate(x):
        from netsim.waitpolicy import check_wait_for, parse_wait
        if x is None:                            # "all", resolved before (re-validation)
            return None
        policy = checked(parse_wait, x, "")
        checked(check_wait_for, policy, info.build, info.name, None, "")
        return None if policy is None else policy.as_table()
    return Annotated[(Any, PlainValidator(validate), WithJsonSchema(_WAIT_SCHEMA))]


def algorithm_model(info, compressors: tuple[str, ...] | None = None):
    """The ``[algorithm]`` model of the registered algorithm ``info``
    (:class:`netsim.algorithms.base.AlgorithmInfo`). ``compressors`` are the compressor
    names its ``compressor`` table may take (default: the one in the data is used).
    """
    key = (info.name, id(info), compressors)
    if key not in _ALGORITHM_MODELS:
        _ALGORITHM_MODELS[key] = (info, _algorithm_model(info.name, info, compressors))
    return _ALGORITHM_MODELS[key][1]


_ALGORITHM_MODELS: dict = {}


def _algorithm_model(name, info, compressors):
    from typing import Union

    from netsim.algorithms.params import batch
    from netsim.compression.registry import COMPRESSORS

    names = compressors or tuple(COMPRESSORS)
    comp = [compressor_model(c) for c in names]
    ctype = comp[0] if len(comp) == 1 else \
        Annotated[Union[tuple(comp)], Field(discriminator="name")]
    fields: dict = {"name": (Literal[name], Field(description=info.doc))}
    for p, par in info.params.items():
        fields[p] = (_by_check(par.check, par.doc), Field(par.default))
    fields["batch"] = (_by_check(batch, "mini-batch size, or \"all\""), Field(1))
    fields["x0"] = (X0, Field("zeros", description="initial iterate"))
    fields["wait"] = (wait_type(info), Field(None, description='"all" (synchronous rounds) or '
                                           '{neighbours = K, delay_bound = D, ahead = '
                                           '"hold" | "use"} (asynchronous peer rounds)'))
    fields["compressor"] = (ctype, Field(description="message compressor (default: "
                                                     f"{info.default_compressor})"))
    return create_model("Algorithm_" + name.replace("-", "_"), __base__=Table, **fields)


# --------------------------------------------------------------------------- problem
def _problem_schema():
    from netsim.problems import KINDS
    from netsim.problems.data import BUNDLED

    return {
        "kind": {"enum": [*KINDS, "mlp"]},
        "samples_per_agent": {"type": "integer", "minimum": 1},
        "features": {"type": "integer", "minimum": 1},
        "regularization": {"anyOf": [{"type": "number", "minimum": 0},
                                     {"type": "string", "pattern": "lambda_max\\s*$"}]},
        "data": {"anyOf": [{"enum": ["synthetic", *BUNDLED, "fashion_mnist"]},
                           {"type": "string", "pattern": r"\.npz$"}]},
        "partition": {"anyOf": [{"enum": ["iid", "by_label"]}, {
            "type": "object", "properties": {"dirichlet": {"type": "number",
                                                           "exclusiveMinimum": 0}},
            "required": ["dirichlet"], "additionalProperties": False}]},
        "noise": {"type": "number", "minimum": 0},
        "sparsity": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "positive_class": {"type": "integer", "minimum": 0, "maximum": 9},
        "standardize": {"type": "boolean"},
        "hidden": {"type": "integer", "minimum": 1},
        "test_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    }


@functools.lru_cache(maxsize=1)
def problem_model():
    """The ``[problem]`` model (built on first use: it imports :mod:`netsim.problems`)."""
    from netsim.problems import PROBLEM_KEYS

    schemas = _problem_schema()
    fields = {k: (_passthrough(schemas.get(k, {})), Field(v)) for k, v in PROBLEM_KEYS.items()}

    class Base(Table):
        """``[problem]``: values are checked with the data by
        :func:`netsim.problems.make_problem` (a plugin kind has its own keys).
        """

        model_config = {**Table.model_config, "extra": "allow"}

        @model_validator(mode="before")
        @classmethod
        def _known_keys(cls, data):
            from netsim.problems import KINDS
            kind = data.get("kind", "logistic") if isinstance(data, dict) else None
            if isinstance(data, dict) and (kind in KINDS or kind == "mlp"):
                return Table._known_keys.__func__(cls, data)
            return data

    return create_model("Problem", __base__=Base, **fields)

