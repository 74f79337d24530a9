"""Scenario files: TOML -> validated, fully resolved :class:`Scenario`.

``load(path)`` reads the file, applies ``--set`` overrides, validates it with the pydantic
models of :mod:`netsim.schema` (every default filled, every key checked) and returns a frozen
:class:`Scenario`. A bad file raises :class:`~netsim.errors.ScenarioError`: one line naming
the file, the dotted key, the value and what is allowed.

``Scenario.data`` is the resolved scenario as plain TOML-able data in the form the user wrote
("10 Mbit/s"); ``Scenario.model`` is the same scenario as typed models, quantities parsed once
into SI values (times also in exact-time ticks).
"""

from __future__ import annotations

import copy
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from netsim.errors import ScenarioError, must
from netsim.schema.merge import apply_overrides, deep_merge
from netsim.schema.root import MAX_NAME, prepare, scenario_model
from netsim.schema.tomltext import MAX_DEPTH, parse_toml
from netsim.schema.translate import to_scenario_error

__all__ = ["Scenario", "load", "from_dict", "default_name", "DEFAULTS", "MAX_DEPTH",
           "resolve"]

INF = "inf"

#: every table's keys with their defaults (None: optional, no default); the models of
#: :mod:`netsim.schema.tables` hold the same defaults (a test keeps them equal)
DEFAULTS = {
    "name": None,
    "description": "",
    "seed": 0,
    "network": {"topology": "ring", "agents": 10},
    "links": {"bandwidth": INF, "latency": "0 s", "jitter": "0 s", "loss": 0.0,
              "on_loss": "drop", "sharing": "fifo", "model": "ideal", "uplink": INF,
              "header_bits": 0, "timeout": "auto", "downlink": INF, "in_order": False,
              "segment_loss": 0.0, "mss": "1460 B", "burst": None, "tcp": None,
              "on_down": "hold"},
    "tcp": {"latency_factor": 13.01, "bandwidth_factor": 0.97, "weight_s": "20537 B",
            "cross_traffic": 0.05, "gamma": "4194304 B"},
    "burst": {"p_gb": 0.01, "p_bg": 0.3, "loss_good": 0.0, "loss_bad": 0.5},
    "compute": {"gradient_time": "10 us", "solve_time": "auto", "heterogeneity": 1.0,
                "noise": 1.0, "server_time": "0 s"},
    "stragglers": {"fraction": 0.0, "slowdown": 1.0, "agents": None},
    "problem": {"kind": "logistic", "samples_per_agent": 100, "features": 20,
                "regularization": 0.01, "data": "synthetic", "partition": "iid"},
    "algorithm": {"name": "lt-admm-vr", "x0": "zeros", "batch": 1},
    "compressor": {"name": "none"},
    "stop": {"rounds": 1000, "time": INF, "target": None, "metric": "rel_err", "bits": INF,
             "stall": "auto"},
    "output": {"dir": "results", "iterates": False, "messages": False, "plots": True,
               "every": 1},
}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes:
        data: the fully resolved scenario as plain TOML-able data (defaults filled in).
        source: the file it came from (or None).
        base_dir: folder against which relative data paths resolve.
        label: the variant label ("" for the base scenario).
        raw: the data as the user wrote it (before defaults). Variants and overrides are
            applied to it and re-resolved, so switching ``algorithm.name`` or
            ``network.topology`` does not inherit the old one's defaulted parameters.
        model: the typed scenario (pydantic models, SI quantities), or None when the
            Scenario was re-assembled from ``data`` (see :attr:`typed`).
        includes: the tables taken from other files (``include``), so that an error found
            later (building a run) names the file and line its key came from.
    """

    data: dict
    source: str | None = None
    base_dir: pathlib.Path = field(default_factory=pathlib.Path.cwd)
    label: str = ""
    raw: dict | None = field(default=None, compare=False, repr=False)
    model: Any = field(default=None, compare=False, repr=False)
    includes: tuple = field(default=(), compare=False, repr=False)

    def __reduce__(self):
        """Pickle without the typed model (its classes are built at run time)."""
        # the typed model's classes are built at run time (registries, plugins) and cannot
        # be pickled: a copy sent to a worker process re-validates it when it is read
        return (Scenario, (self.data, self.source, self.base_dir, self.label, self.raw, None,
                           self.includes))

    def attribute(self, err: ScenarioError) -> ScenarioError:
        """``err`` (about a scenario key, raised after loading, e.g. while building a run)
        naming the file its key came from: an included file and its line, else the scenario
        file. Errors that already name a file, or name no scenario key, are returned as they are.
        """
        if err.source or not err.key[:1].islower() or not self.source:
            return err
        from netsim.schema.include import attribute
        named = attribute(err, list(self.includes), self.source)
        if named is not err:
            return named
        return err.with_source(_variant_source(self.source, self.label))

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.data["name"]

    @property
    def typed(self):
        """The typed scenario (validated again from ``data`` if not kept)."""
        if self.model is not None:
            return self.model
        return resolve(copy.deepcopy(self.data))[1]

    def variants(self) -> list["Scenario"]:
        """One Scenario per ``[[variant]]`` (itself if there is none)."""
        variants = self.data.get("variant") or []
        if not variants:
            return [self]
        out = []
        for v in variants:
            merged = copy.deepcopy(self.raw if self.raw is not None else self.data)
            merged.pop("variant", None)
            deep_merge(merged, {k: val for k, val in v.items() if k != "label"})
            try:
                sc = from_dict(merged, None, self.base_dir)
            except ScenarioError as e:
                raise ScenarioError(e.key, e.message, _variant_source(self.source, v["label"])) \
                    from None
            out.append(Scenario(sc.data, self.source, self.base_dir, v["label"], sc.raw,
                                sc.model, self.includes))
        return out

    def base(self) -> "Scenario":
        """The scenario as its file states it without its ``[[variant]]``s (itself if it has
        none), re-validated: what a variant starts from.
        """
        if not self.data.get("variant"):
            return self
        raw = self.raw if self.raw is not None else self.data
        sc = from_dict(copy.deepcopy({k: v for k, v in raw.items() if k != "variant"}),
                       self.source, self.base_dir)
        return Scenario(sc.data, sc.source, sc.base_dir, sc.label, sc.raw, sc.model,
                        self.includes)

    def with_overrides(self, overrides: dict) -> "Scenario":
        """A new Scenario with dotted-key overrides applied (re-validated)."""
        data = copy.deepcopy(self.raw if self.raw is not None else self.data)
        apply_overrides(data, overrides)
        sc = from_dict(data, self.source, self.base_dir)
        return Scenario(sc.data, sc.source, sc.base_dir, self.label, sc.raw, sc.model,
                        self.includes)


def _variant_source(source: str | None, label: str) -> str:
    """Where a variant's error comes from: ``"s.toml, variant 'fast'"``."""
    where = source or "scenario"
    return f"{where}, variant {label!r}" if label else where


def load(path, overrides: dict | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: the TOML file.
        overrides: ``{"dotted.key": value}`` applied before validation.

    Raises:
        ScenarioError: unreadable or invalid TOML, or an invalid scenario (named file).
    """
    from netsim.schema.include import apply_includes, attribute
    from netsim.textfiles import read_text

    path = pathlib.Path(path)
    src = str(path)
    text = read_text(path, "", "scenario file")
    data = parse_toml(text, src)
    data.setdefault("name", default_name(path.stem))
    includes = apply_includes(data, path.parent.resolve(), src)
    if overrides:
        try:
            apply_overrides(data, overrides)
        except ScenarioError as e:
            raise e.with_source(src) from None
    try:
        sc = from_dict(data, src, path.parent.resolve())
    except ScenarioError as e:
        raise attribute(e, includes, src) if includes else e from None
    return Scenario(sc.data, sc.source, sc.base_dir, sc.label, sc.raw, sc.model,
                    tuple(includes))


def default_name(stem: str) -> str:
    """The name of a scenario file without ``name``: its stem made a valid folder name
    (accents dropped, "données" -> "donnees"; other characters -> "_", "my scen" -> "my_scen";
    at most :data:`MAX_NAME` characters).
    """
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", ascii_).strip("._")
    if not name:           # no ASCII letter or digit at all ("日本語"): a name per stem, so two
        import hashlib  # such files never share a results folder
        name = "scenario-" + hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
    return name[:MAX_NAME]


def from_dict(data: dict, source: str | None = None, base_dir=None) -> Scenario:
    """Validate a scenario given as nested dicts (as parsed from TOML).

    Raises:
        ScenarioError: the first problem, one line naming ``source`` and the key.
    """
    base = pathlib.Path(base_dir) if base_dir is not None else pathlib.Path.cwd()
    try:
        resolved, model = resolve(copy.deepcopy(data))
    except ScenarioError as e:
        raise e.with_source(source) if source else e from None
    return Scenario(resolved, source, base, raw=copy.deepcopy(data), model=model)


def _refuse_nul(v, key: str) -> None:
    """Refuse a NUL character in any text (paths with one made the OS calls raise)."""
    if isinstance(v, str):
        if "\x00" in v:
            raise must(key or "scenario", "text without NUL characters", v)
    elif isinstance(v, dict):
        for k, x in v.items():
            if isinstance(k, str) and "\x00" in k:
                raise must(key or "scenario", "keys without NUL characters", k)
            _refuse_nul(x, f"{key}.{k}" if key else str(k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _refuse_nul(x, f"{key}[{i}]")


def resolve(data: dict) -> tuple[dict, Any]:
    """(resolved plain data, typed model) of a scenario (``data`` is changed in place).

    Raises:
        ScenarioError: the first problem (no source named).
    """
    _refuse_nul(data, "")
    topo, info, comp, server = prepare(data)
    Model = scenario_model(topo, info, comp, server)
    try:
        model = Model.model_validate(data)
    except ValidationError as e:
        raise to_scenario_error(e) from None
    out = model.model_dump(exclude_none=True)
    problem = data.get("problem", {})
    out["problem"] = {**DEFAULTS["problem"], **problem}   # checked with the data, at build
    out["algorithm"]["compressor"] = data["algorithm"]["compressor"]
    for k in ("sweep", "variant"):
        if k in data:
            out[k] = data[k]
    return out, model
