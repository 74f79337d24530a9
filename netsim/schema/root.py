"""The whole-scenario model: the tables of :mod:`netsim.schema.tables` and
:mod:`netsim.schema.registry_models` under one root, with the checks that span tables
(agent indices against ``network.agents``, a server algorithm's up/down links, sweeps and
variants).

:func:`prepare` fills the keys that choose a model (``network.topology``, ``algorithm.name``,
the compressor's ``name``) and looks the names up in the registries (so a plugin is loaded
now); :func:`scenario_model` is then the root model of that choice, built once per choice.
:func:`json_schema_model` is the root whose tables are tagged unions over every registered
name (for ``netsim schema``).
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Annotated, Any, Optional, Union

from pydantic import Field, PlainValidator, WithJsonSchema, create_model, model_validator

from netsim.errors import ScenarioError, must
from netsim.schema.fields import Int, Str, fail, must_text
from netsim.schema.registry_models import algorithm_model, network_model, problem_model
from netsim.schema.tables import Compute, Output, Stop, Table

__all__ = ["TOP_KEYS", "MAX_NAME", "prepare", "scenario_model", "json_schema_model",
           "DEFAULT_TOPOLOGY", "DEFAULT_ALGORITHM"]

TOP_KEYS = ("name", "description", "seed", "network", "compute", "problem", "algorithm",
            "stop", "output", "sweep", "variant")
#: longest scenario name (it names a folder; with the run id it must fit a file name)
MAX_NAME = 100
DEFAULT_TOPOLOGY = "ring"
DEFAULT_ALGORITHM = "lt-admm-vr"
#: the keys a [[variant]] may set
VARIANT_KEYS = ("label", *TOP_KEYS[2:9])


def _unknown(prefix: str, key: str, allowed) -> ScenarioError:
    near = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" — did you mean '{near[0]}'?" if near else ""
    full = f"{prefix}.{key}" if prefix else key
    return ScenarioError(full, f"is not a known key{hint} (allowed: "
                               f"{', '.join(sorted(allowed))})")


def prepare(data: dict):
    """Check the scenario's shape and fill the keys that choose its models (in place).

    Returns:
        (topology, AlgorithmInfo, compressor name, server): the choice of models.

    Raises:
        ScenarioError: not a table, an unknown top-level key, an unknown topology, algorithm
            or compressor, or up/down links for a peer algorithm.
    """
    from netsim.algorithms.registry import get_algorithm
    from netsim.network.topology import TOPOLOGIES, get_topology

    if not isinstance(data, dict):
        raise must("scenario", "a table", data)
    for k in data:
        if k not in TOP_KEYS:
            raise _unknown("", k, TOP_KEYS)
    if data.get("name") == "":
        raise must("name", "a non-empty name (it names the results folder), or no name "
                           "(the file's stem is used)", "")
    if not data.get("name"):
        data["name"] = "scenario"
    net = data.setdefault("network", {})
    topo = DEFAULT_TOPOLOGY
    if isinstance(net, dict):
        topo = net.setdefault("topology", DEFAULT_TOPOLOGY)
        if not isinstance(topo, str) or topo not in TOPOLOGIES:
            get_topology(topo, "network.topology")      # an installed plugin, or one line
    alg = data.setdefault("algorithm", {})
    info, comp_name = None, "none"
    if isinstance(alg, dict):
        name = alg.setdefault("name", DEFAULT_ALGORITHM)
        if not isinstance(name, str):
            raise must("algorithm.name", "a string", name)
        info = get_algorithm(name, "algorithm.name")     # built-in or installed plugin
        comp = alg.get("compressor", info.default_compressor)
        if isinstance(comp, dict):
            if comp.get("name", info.default_compressor["name"]) \
                    == info.default_compressor["name"]:
                comp = {**info.default_compressor, **comp}  # e.g. only bits: qadmm's dither
            comp = {"name": "none", **comp}
            comp_name = comp["name"] if isinstance(comp["name"], str) else "none"
            if not isinstance(comp["name"], str):
                raise must("algorithm.compressor.name", "a string", comp["name"])
        alg["compressor"] = comp
    server = info is not None and info.family == "server"
    if isinstance(net, dict):
        links = net.get("links", {})
        for side in ("up", "down"):
            if side in net and not server:
                raise ScenarioError(f"network.{side}", f"is only used by server algorithms "
                                                       f"(links to/from the server); got "
                                                       f"algorithm.name = {alg.get('name')!r}")
            own = net.get(side, {})
            if server and isinstance(links, dict) and isinstance(own, dict):
                net[side] = {**links, **own}
    return topo, info, comp_name, server


def _name(x):
    if not isinstance(x, str):
        raise fail(must_text("a string", x))
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", x) or x in (".", ".."):
        raise fail(must_text("letters, digits, '_', '-' or '.' (it names a folder)", x))
    if len(x) > MAX_NAME:
        raise fail(must_text(f"at most {MAX_NAME} characters (it names a folder)",
                             x[:20] + f"… ({len(x)} characters)"))
    return x


Name = Annotated[(Any, PlainValidator(_name), WithJsonSchema(
    {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]+$", "maxLength": MAX_NAME,
     "description": "names the results folder (default: the file's stem)"}))]


def _sweep(sw):
    if not isinstance(sw, dict):
        raise fail(must_text("a table", sw))
    if "seed" in sw:
        raise fail(f"is not a sweep key: write seeds = [...] to run one point per seed; got "
                   f"seed = {sw['seed']!r}", ".seed")
    for k, v in sw.items():
        if not isinstance(v, list) or not v:
            raise fail(must_text("a non-empty list of values", v), "." + k)
    return sw


Sweep = Annotated[(Any, PlainValidator(_sweep), WithJsonSchema({
    "type": "object", "description": "dotted key -> list of values; the runs are the grid "
                                     "(seeds = [...] repeats each point per seed)",
    "not": {"required": ["seed"]},
    "additionalProperties": {"type": "array", "minItems": 1}}))]


def _variants(vs):
    if not isinstance(vs, list) or not all(isinstance(v, dict) for v in vs):
        raise fail(must_text("an array of tables [[variant]]", vs))
    labels = []
    for idx, v in enumerate(vs):
        lab = v.get("label")
        if not isinstance(lab, str) or not lab:
            raise fail(must_text("a non-empty string", lab), f"[{idx}].label")
        if lab in labels:
            raise fail(must_text("unique", lab), f"[{idx}].label")
        labels.append(lab)
        for k in v:
            if k not in VARIANT_KEYS:
                e = _unknown("", k, VARIANT_KEYS)
                raise fail(e.message, f"[{idx}].{k}")
    return vs


Variants = Annotated[(Any, PlainValidator(_variants), WithJsonSchema({
    "type": "array", "description": "runs of the scenario with these keys changed",
    "items": {"type": "object", "required": ["label"],
              "properties": {"label": {"type": "string", "minLength": 1},
                             **{k: {"type": ["object", "integer"]} for k in VARIANT_KEYS[1:]}},
              "additionalProperties": False}}))]


class Root(Table):
    """Cross-table checks of a whole scenario."""

    @model_validator(mode="after")
    def _across(self):
        n = self.network.agents
        alg = self.algorithm
        P = getattr(alg, "P", None)
        if isinstance(P, int) and not isinstance(P, bool) and P > n:
            raise fail(must_text(f"an integer in [1, {n}] (network.agents) or \"all\"", P),
                       "algorithm.P", absolute=True)
        ag = self.compute.stragglers.agents
        if ag is not None:
            _indices(ag, n, "compute.stragglers.agents")
        for k, e in enumerate(self.compute.profile or []):
            a = e.get("agents", "all")
            if a not in ("all", "server"):
                if not isinstance(a, list) or not a:
                    raise fail(must_text('"all" or a list of agent indices', a),
                               f"compute.profile[{k}].agents", absolute=True)
                _indices(a, n, f"compute.profile[{k}].agents")
        for side in ("up", "down"):
            links = getattr(self.network, side, None)
            if links is not None:
                lossy = isinstance(links.loss, dict) or links.loss > 0
                if lossy and links.on_loss != "retransmit":
                    raise fail("must be 'retransmit' when loss > 0 for server algorithms (a "
                               "dropped delta would desynchronise the estimates and a "
                               "force-wait would never end); got 'drop'",
                               f"network.{side}.on_loss", absolute=True)
        return self


def _indices(ag, n, key):
    if not isinstance(ag, list):
        raise fail(must_text("a list of agent indices", ag), key, absolute=True)
    for a in ag:
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= n - 1:
            raise fail(must_text(f"an integer in [0, {n - 1}]", a), key, absolute=True)


def _root(network, algorithm, name="Scenario"):
    return create_model(
        name, __base__=Root,
        name=(Name, Field("scenario")),
        description=(Str, Field("", description="one line shown by netsim validate")),
        seed=(Int(0), Field(0, description="master seed of every random stream")),
        network=(network, Field(...)),
        compute=(Compute, Compute()),
        problem=(problem_model(), Field(default_factory=lambda: problem_model()())),
        algorithm=(algorithm, Field(...)),
        stop=(Stop, Stop()),
        output=(Output, Output()),
        sweep=(Optional[Sweep], None),
        variant=(Optional[Variants], None),
    )


_MODELS: dict = {}


def scenario_model(topology: str, info, compressor: str, server: bool):
    """The root model of one choice of topology, algorithm and compressor (cached)."""
    key = (topology, info.name, id(info), compressor, server)
    if key not in _MODELS:
        _MODELS[key] = (info, _root(network_model(topology, server),
                                    algorithm_model(info, (compressor,))))
    return _MODELS[key][1]


def json_schema_model(plugins: bool = True):
    """The root model whose network, algorithm and compressor tables are tagged unions over
    every registered name (installed plugins included if ``plugins``: looked up each call,
    the built-in model is built once).
    """
    return _json_schema_model(plugins) if plugins else _builtin_model()


@functools.lru_cache(maxsize=1)
def _builtin_model():
    return _json_schema_model(False)


def _json_schema_model(plugins: bool):
    from netsim import plugins as plug
    from netsim.algorithms.registry import ALGORITHMS, get_algorithm
    from netsim.compression.registry import COMPRESSORS
    from netsim.network.topology import TOPOLOGIES

    infos = dict(ALGORITHMS)
    comps = tuple(COMPRESSORS)
    if plugins:
        for name in sorted(plug.available("algorithms")):
            if name not in infos:
                try:
                    infos[name] = get_algorithm(name)
                except ScenarioError:
                    pass                      # a broken plugin is not offered to editors
        comps += tuple(n for n in sorted(plug.available("compressors")) if n not in comps)
    topos = list(TOPOLOGIES)
    if plugins:
        for name in sorted(plug.available("topologies")):
            if name not in TOPOLOGIES:
                try:
                    network_model(name, True)
                    topos.append(name)
                except ScenarioError:
                    pass                      # a broken plugin is not offered to editors
    net = [network_model(t, True) for t in topos]   # up/down: checked by the loader
    algs = [algorithm_model(i, comps) for i in infos.values()]
    network = Annotated[Union[tuple(net)], Field(discriminator="topology")]
    algorithm = Annotated[Union[tuple(algs)], Field(discriminator="name")]
    return _root(network, algorithm)
