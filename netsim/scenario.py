"""Scenario files: TOML -> validated, fully resolved scenario (SCENARIO.md is the contract).

``load(path)`` reads the file, applies ``--set`` overrides, fills every default, checks every
key against the tables below and returns a frozen :class:`Scenario`. Unknown keys, wrong
types, bad units and out-of-range values raise :class:`~netsim.errors.ScenarioError` with one
line naming the file, the dotted key, the value and what is allowed. Values keep the form the
user wrote ("10 Mbit/s"); :mod:`netsim.simulate` parses them into SI specs.
"""

from __future__ import annotations

import copy
import difflib
import math
import numbers
import pathlib
import re
from dataclasses import dataclass, field

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

from netsim.errors import ScenarioError, must
from netsim.simtime import MAX_TIME_S, ticks
from netsim.tomlio import dump_toml  # re-exported: the one TOML writer

__all__ = ["Scenario", "load", "from_dict", "dump_toml", "apply_overrides", "parse_override",
           "DEFAULTS"]

INF = "inf"

#: every section's keys with their defaults (None: optional, no default)
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
TOP_KEYS = ("name", "description", "seed", "network", "compute", "problem", "algorithm",
            "stop", "output", "sweep", "variant")


def _unknown(key_prefix, key, allowed, source=None):
    near = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" — did you mean '{near[0]}'?" if near else ""
    full = f"{key_prefix}.{key}" if key_prefix else key
    allowed_s = ", ".join(sorted(allowed))
    return ScenarioError(full, f"is not a known key{hint} (allowed: {allowed_s})", source)


def _table(data, key):
    if not isinstance(data, dict):
        raise must(key, "a table", data)
    return data


def _check_keys(table, allowed, prefix):
    for k in table:
        if k not in allowed:
            raise _unknown(prefix, k, allowed)


def _int(v, key, lo=None, hi=None):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise must(key, "an integer" + _range(lo, hi), v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise must(key, "an integer" + _range(lo, hi), v)
    return int(v)


def _range(lo, hi):
    if lo is not None and hi is not None:
        return f" in [{lo}, {hi}]"
    if lo is not None:
        return f" >= {lo}"
    return ""


def _real(v, key, lo=None, hi=None, lo_open=False, hi_open=False):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v):
        raise must(key, "a number", v)
    bad = ((lo is not None and (v < lo or (lo_open and v == lo)))
           or (hi is not None and (v > hi or (hi_open and v == hi))))
    if bad:
        lb = "(" if lo_open else "["
        rb = ")" if hi_open else "]"
        raise must(key, f"a number in {lb}{lo}, {hi}{rb}", v)
    return float(v)


def _bool(v, key):
    if not isinstance(v, bool):
        raise must(key, "true or false", v)
    return v


def _str(v, key, options=None):
    if not isinstance(v, str):
        raise must(key, "a string" if options is None else
                   "one of " + ", ".join(repr(o) for o in options), v)
    if options is not None and v not in options:
        near = difflib.get_close_matches(v, list(options), n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise must(key, "one of " + ", ".join(repr(o) for o in options) + hint, v)
    return v


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
    """

    data: dict
    source: str | None = None
    base_dir: pathlib.Path = field(default_factory=pathlib.Path.cwd)
    label: str = ""
    raw: dict | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.data["name"]

    def variants(self) -> list["Scenario"]:
        """One Scenario per ``[[variant]]`` (itself if there is none)."""
        variants = self.data.get("variant") or []
        if not variants:
            return [self]
        out = []
        for v in variants:
            merged = copy.deepcopy(self.raw if self.raw is not None else self.data)
            merged.pop("variant", None)
            over = {k: val for k, val in v.items() if k != "label"}
            _deep_merge(merged, over)
            sc = from_dict(merged, self.source, self.base_dir)
            out.append(Scenario(sc.data, self.source, self.base_dir, v["label"], sc.raw))
        return out

    def with_overrides(self, overrides: dict) -> "Scenario":
        """A new Scenario with dotted-key overrides applied (re-validated)."""
        data = copy.deepcopy(self.raw if self.raw is not None else self.data)
        apply_overrides(data, overrides)
        sc = from_dict(data, self.source, self.base_dir)
        return Scenario(sc.data, sc.source, sc.base_dir, self.label, sc.raw)


#: keys an [algorithm] table keeps when a variant switches to another algorithm
_KEEP_ON_SWITCH = {"algorithm": ("compressor", "batch", "x0")}


def _kept_on_switch(section: str, old: dict, new_name) -> dict:
    """What a table keeps when its ``name`` changes: an algorithm keeps its compressor, batch
    and x0, and every parameter whose definition the two algorithms share (same default,
    range and meaning, e.g. rho of the ADMM family, P and tau of async-admm and qadmm); a
    parameter that only shares its name (gamma of LT-ADMM-CC vs LEAD) is dropped.
    """
    kept = {c: old[c] for c in _KEEP_ON_SWITCH.get(section, ()) if c in old}
    if section == "algorithm":
        from netsim.algorithms.registry import ALGORITHMS
        a, b = ALGORITHMS.get(old.get("name")), ALGORITHMS.get(new_name)
        if a is not None and b is not None:
            kept.update({k: v for k, v in old.items()
                         if k in a.params and a.params[k] is b.params.get(k)})
    return copy.deepcopy(kept)


def _deep_merge(dst, src):
    """Merge ``src`` into ``dst``.

    A table whose ``name`` changes (a variant switching the algorithm or the compressor) is
    replaced, not merged, because its other keys belong to the old name; it keeps only what
    :func:`_kept_on_switch` says.
    """
    for k, v in src.items():
        old = dst.get(k)
        if isinstance(v, dict) and isinstance(old, dict):
            if "name" in v and "name" in old and v["name"] != old["name"]:
                dst[k] = {**_kept_on_switch(k, old, v["name"]), **copy.deepcopy(v)}
            else:
                _deep_merge(old, v)
        else:
            dst[k] = copy.deepcopy(v)


def parse_override(text: str) -> tuple[str, object]:
    """``"algorithm.tau=5"`` -> ("algorithm.tau", 5); the value is read as TOML, else a string."""
    if "=" not in text:
        raise ScenarioError("--set", f"must look like key=value; got {text!r}")
    key, val = text.split("=", 1)
    key, val = key.strip(), val.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", key):
        raise ScenarioError("--set", f"key must be dotted names like algorithm.tau; got {key!r}")
    try:
        return key, tomllib.loads(f"v = {val}")["v"]
    except tomllib.TOMLDecodeError:
        return key, val


def apply_overrides(data: dict, overrides: dict) -> None:
    """Set each dotted key of ``overrides`` in the nested dict ``data`` (in place).

    As for variants, setting a table's ``name`` to a different value (``algorithm.name=lead``)
    starts that table afresh (keeping an algorithm's compressor, batch and x0); ``*.name``
    keys are applied first so that the other overrides land in the new table.
    """
    order = sorted(overrides, key=lambda k: (not k.endswith(".name"), k.count(".")))
    for key in order:
        val = overrides[key]
        parts = key.split(".")
        node = data
        for p in parts[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = node[p] = {}
            if not isinstance(nxt, dict):
                raise ScenarioError(key, f"cannot be set: '{p}' is not a table")
            node = nxt
        if parts[-1] == "name" and len(parts) >= 2 and "name" in node and node["name"] != val:
            kept = _kept_on_switch(parts[-2], node, val)
            node.clear()
            node.update(kept)
        node[parts[-1]] = val


def load(path, overrides: dict | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: the TOML file.
        overrides: ``{"dotted.key": value}`` applied before validation.
    """
    from netsim.textfiles import read_text

    path = pathlib.Path(path)
    src = str(path)
    text = read_text(path, "", "scenario file")
    if "\r" in text:           # CR-only line ends (old Mac editors): TOML knows LF and CRLF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError("", f"is not valid TOML: {e}", src) from None
    except RecursionError:
        raise ScenarioError("", f"is not a usable scenario: values nested deeper than Python "
                                f"can parse (at most {MAX_DEPTH} levels are used)", src) from None
    _check_depth(data, src)
    data.setdefault("name", default_name(path.stem))
    if overrides:
        try:
            apply_overrides(data, overrides)
        except ScenarioError as e:
            raise e.with_source(src) from None
    return from_dict(data, src, path.parent.resolve())


#: deepest nesting of tables and arrays a scenario may use (real ones use 4)
MAX_DEPTH = 32
#: the longest compute time per gradient, solve or server update, s (a longer one would make
#: step durations overflow, inf x 0 = NaN, and no run ends sensibly)
MAX_COMPUTE_TIME = 1e6
#: longest scenario name (it names a folder; with the run id it must fit a file name)
MAX_NAME = 100


def _check_depth(data, src) -> None:
    """Refuse values nested deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError("", f"must nest tables and arrays at most {MAX_DEPTH} levels "
                                    f"deep; got deeper", src)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


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
    """Validate a scenario given as nested dicts (as parsed from TOML)."""
    base = pathlib.Path(base_dir) if base_dir is not None else pathlib.Path.cwd()
    try:
        resolved = _resolve(copy.deepcopy(data), base)
    except ScenarioError as e:
        raise e.with_source(source) if source else e from None
    return Scenario(resolved, source, base, raw=copy.deepcopy(data))


# --------------------------------------------------------------------------- resolution
def _resolve(data: dict, base: pathlib.Path) -> dict:
    from netsim.algorithms.registry import ALGORITHMS, COMMON_PARAMS, get_algorithm
    from netsim.compression.registry import make_compressor
    from netsim.network.topology import TOPOLOGIES

    _table(data, "scenario")
    _check_keys(data, TOP_KEYS, "")
    out = {}
    if data.get("name") == "":
        raise must("name", "a non-empty name (it names the results folder), or no name "
                           "(the file's stem is used)", "")
    out["name"] = _str(data.get("name") or "scenario", "name")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", out["name"]) or out["name"] in (".", ".."):
        raise must("name", "letters, digits, '_', '-' or '.' (it names a folder)", out["name"])
    if len(out["name"]) > MAX_NAME:
        raise must("name", f"at most {MAX_NAME} characters (it names a folder)",
                   out["name"][:20] + f"… ({len(out['name'])} characters)")
    out["description"] = _str(data.get("description", ""), "description")
    out["seed"] = _int(data.get("seed", 0), "seed", 0)

    # network
    net = dict(_table(data.get("network", {}), "network"))
    links = dict(_table(net.pop("links", {}), "network.links"))
    topo = _str(net.get("topology", DEFAULTS["network"]["topology"]), "network.topology",
                tuple(TOPOLOGIES))
    tparams = TOPOLOGIES[topo].params
    _check_keys(net, ("topology", "agents", "up", "down", "profile", *tparams), "network")
    n_agents = _int(net.get("agents", DEFAULTS["network"]["agents"]), "network.agents", 2)
    rnet = {"topology": topo, "agents": n_agents}
    for p, default in tparams.items():
        val = net.get(p, default)
        if val is not None:
            rnet[p] = val
    rlinks = _links(links)
    rnet["links"] = rlinks
    out["network"] = rnet
    if "profile" in net:
        rnet["profile"] = _profiles(net["profile"], "network.profile",
                                    {"links": None, "bandwidth": None, "latency": None,
                                     "state": None})
    alg_name = (data.get("algorithm") or {}).get("name", DEFAULTS["algorithm"]["name"]) \
        if isinstance(data.get("algorithm", {}), dict) else None
    server_alg = alg_name in ALGORITHMS and ALGORITHMS[alg_name].family == "server"
    for side in ("up", "down"):
        if side in net and not server_alg:
            raise ScenarioError(f"network.{side}", f"is only used by server algorithms "
                                                   f"(links to/from the server); got "
                                                   f"algorithm.name = {alg_name!r}")
        if server_alg:
            own = dict(_table(net.get(side, {}), f"network.{side}"))
            _check_keys(own, DEFAULTS["links"], f"network.{side}")
            rnet[side] = _links({**links, **own}, f"network.{side}")
            lossy = isinstance(rnet[side]["loss"], dict) or rnet[side]["loss"] > 0
            if lossy and rnet[side]["on_loss"] != "retransmit":
                raise ScenarioError(f"network.{side}.on_loss",
                                    "must be 'retransmit' when loss > 0 for server algorithms "
                                    "(a dropped delta would desynchronise the estimates and a "
                                    "force-wait would never end); got 'drop'")

    out["compute"] = _compute(dict(_table(data.get("compute", {}), "compute")), n_agents)

    prob = dict(_table(data.get("problem", {}), "problem"))
    rprob = dict(DEFAULTS["problem"])
    rprob.update(prob)
    out["problem"] = rprob   # checked in full by netsim.problems.make_problem

    alg = dict(_table(data.get("algorithm", {}), "algorithm"))
    name = _str(alg.get("name", DEFAULTS["algorithm"]["name"]), "algorithm.name")
    info = get_algorithm(name, "algorithm.name")     # built-in or installed plugin
    _check_keys(alg, (*COMMON_PARAMS, *info.params), "algorithm")
    ralg = {"name": name}
    for p, par in info.params.items():
        v = alg.get(p, par.default)
        par.check(v, f"algorithm.{p}")
        ralg[p] = v
    if isinstance(ralg.get("P"), int) and ralg["P"] > n_agents:
        raise must("algorithm.P", f"an integer in [1, {n_agents}] (network.agents) or \"all\"",
                   ralg["P"])
    from netsim.algorithms.params import batch as _batch
    ralg["batch"] = alg.get("batch", DEFAULTS["algorithm"]["batch"])
    _batch(ralg["batch"], "algorithm.batch")
    x0 = alg.get("x0", "zeros")
    if not isinstance(x0, str):
        raise must("algorithm.x0", '"zeros", "random" or a path to an .npz file', x0)
    if x0 not in ("zeros", "random") and not x0.endswith(".npz"):
        raise must("algorithm.x0", '"zeros", "random" or a path to an .npz file', x0)
    ralg["x0"] = x0
    comp = dict(_table(alg.get("compressor", info.default_compressor), "algorithm.compressor"))
    if comp.get("name", info.default_compressor["name"]) == info.default_compressor["name"]:
        comp = {**info.default_compressor, **comp}    # e.g. only bits given: qadmm's dither
    comp.setdefault("name", "none")
    from netsim.compression.registry import PROBE_DIM  # checks that need dim: at build
    make_compressor(comp, PROBE_DIM, "algorithm.compressor")
    ralg["compressor"] = comp
    out["algorithm"] = ralg

    out["stop"] = _stop(dict(_table(data.get("stop", {}), "stop")))
    out["output"] = _output(dict(_table(data.get("output", {}), "output")))
    if "sweep" in data:
        sw = _table(data["sweep"], "sweep")
        if "seed" in sw:
            raise ScenarioError("sweep.seed", "is not a sweep key: write seeds = [...] to run "
                                f"one point per seed; got seed = {sw['seed']!r}")
        for k, v in sw.items():
            if not isinstance(v, list) or not v:
                raise must(f"sweep.{k}", "a non-empty list of values", v)
        out["sweep"] = sw
    if "variant" in data:
        vs = data["variant"]
        if not isinstance(vs, list) or not all(isinstance(v, dict) for v in vs):
            raise must("variant", "an array of tables [[variant]]", vs)
        labels = []
        for idx, v in enumerate(vs):
            lab = v.get("label")
            if not isinstance(lab, str) or not lab:
                raise must(f"variant[{idx}].label", "a non-empty string", lab)
            if lab in labels:
                raise must(f"variant[{idx}].label", "unique", lab)
            labels.append(lab)
            _check_keys(v, ("label", *TOP_KEYS[2:9]), f"variant[{idx}]")
        out["variant"] = vs
    return out


def _links(links: dict, where: str = "network.links") -> dict:
    from netsim.distributions import make_distribution
    from netsim.units import parse_quantity

    d = DEFAULTS["links"]
    _check_keys(links, d, where)
    r = {k: links.get(k, v) for k, v in d.items()}
    # bandwidth, latency and loss may be distribution tables: drawn once per edge
    if isinstance(r["bandwidth"], dict):
        make_distribution(r["bandwidth"], f"{where}.bandwidth", kind="rate")
    elif not parse_quantity(r["bandwidth"], "rate", f"{where}.bandwidth") > 0:
        raise must(f"{where}.bandwidth", "a rate > 0 (or 'inf')", r["bandwidth"])
    if isinstance(r["latency"], dict):
        make_distribution(r["latency"], f"{where}.latency", kind="time")
    else:       # an infinite latency is a link that never delivers: a state profile at 0
        parse_quantity(r["latency"], "time", f"{where}.latency", allow_inf=False)
    make_distribution(r["jitter"], f"{where}.jitter", kind="time")
    if isinstance(r["loss"], dict):
        make_distribution(r["loss"], f"{where}.loss")
    else:
        _real(r["loss"], f"{where}.loss", 0.0, 1.0, hi_open=True)
    _str(r["on_loss"], f"{where}.on_loss", ("drop", "retransmit"))
    _str(r["sharing"], f"{where}.sharing", ("fifo", "fair"))
    _str(r["model"], f"{where}.model", ("ideal", "tcp"))
    if r["model"] == "tcp" and r["sharing"] != "fair":
        raise ScenarioError(f"{where}.sharing", "must be 'fair' with model = 'tcp' (TCP "
                                                "flows share bandwidth); got 'fifo'")
    for cap in ("uplink", "downlink"):
        c = parse_quantity(r[cap], "rate", f"{where}.{cap}")
        if c <= 0:
            raise must(f"{where}.{cap}", "a rate > 0 (or 'inf')", r[cap])
    if parse_quantity(r["downlink"], "rate", f"{where}.downlink") != math.inf \
            and r["sharing"] != "fair":
        raise ScenarioError(f"{where}.downlink", "needs sharing = 'fair' (a receiving "
                                                 "capacity is a shared resource); got "
                                                 f"{r['downlink']!r} with sharing = 'fifo'")
    _bool(r["in_order"], f"{where}.in_order")
    _str(r["on_down"], f"{where}.on_down", ("hold", "drop"))
    _real(r["segment_loss"], f"{where}.segment_loss", 0.0, 1.0, hi_open=True)
    if not parse_quantity(r["mss"], "size", f"{where}.mss") > 0:
        raise must(f"{where}.mss", "a size > 0", r["mss"])
    if r["tcp"] is not None or r["model"] == "tcp":
        t = dict(_table(r["tcp"] or {}, f"{where}.tcp"))
        _check_keys(t, DEFAULTS["tcp"], f"{where}.tcp")
        t = {k: t.get(k, v) for k, v in DEFAULTS["tcp"].items()}
        _real(t["latency_factor"], f"{where}.tcp.latency_factor", 0.0, lo_open=True)
        _real(t["bandwidth_factor"], f"{where}.tcp.bandwidth_factor", 0.0, 1.0, lo_open=True)
        _real(t["cross_traffic"], f"{where}.tcp.cross_traffic", 0.0, 1.0)
        parse_quantity(t["weight_s"], "size", f"{where}.tcp.weight_s")
        if not parse_quantity(t["gamma"], "size", f"{where}.tcp.gamma") > 0:
            raise must(f"{where}.tcp.gamma", "a size > 0", t["gamma"])
        r["tcp"] = t
    if r["burst"] is not None:
        b = dict(_table(r["burst"], f"{where}.burst"))
        _check_keys(b, DEFAULTS["burst"], f"{where}.burst")
        b = {k: b.get(k, v) for k, v in DEFAULTS["burst"].items()}
        for k in b:
            _real(b[k], f"{where}.burst.{k}", 0.0, 1.0)
        if b["loss_bad"] >= 1.0 or b["loss_good"] >= 1.0:
            raise must(f"{where}.burst.loss_bad", "a probability < 1", b["loss_bad"])
        if isinstance(r["loss"], dict) or r["loss"] > 0:
            raise ScenarioError(f"{where}.burst", "replaces 'loss' (the Gilbert-Elliott "
                                                  "states have their own rates); set loss = 0 "
                                                  f"or drop the burst table; "
                                                  f"got loss = {r['loss']}")
        r["burst"] = b
    for k in ("tcp", "burst"):          # TOML has no null: absent means "not used"
        if r[k] is None:
            r.pop(k)
    _int(r["header_bits"], f"{where}.header_bits", 0)
    if r["timeout"] != "auto":
        t = parse_quantity(r["timeout"], "time", f"{where}.timeout", allow_inf=False)
        if not (0 < t <= MAX_TIME_S and ticks(t) >= 1):
            raise must(f"{where}.timeout", "'auto' or a time in [1 ps, 1e15 s] (1 ps: the "
                                           "time resolution)", r["timeout"])
    if r["on_loss"] == "retransmit" and not isinstance(r["loss"], dict) and r["loss"] > 0.999:
        raise must(f"{where}.loss", "< 0.999 with on_loss = 'retransmit'", r["loss"])
    return r


def _compute(c: dict, n_agents: int) -> dict:
    from netsim.distributions import make_distribution
    from netsim.units import parse_quantity

    d = DEFAULTS["compute"]
    st = dict(_table(c.pop("stragglers", {}), "compute.stragglers"))
    prof = c.pop("profile", None)
    _check_keys(c, d, "compute")
    r = {k: c.get(k, v) for k, v in d.items()}
    for k in ("gradient_time", "solve_time", "server_time"):
        if r[k] == "auto" and k == "solve_time":
            continue
        t = parse_quantity(r[k], "time", f"compute.{k}")
        if not t <= MAX_COMPUTE_TIME:
            raise must(f"compute.{k}", f"a finite time <= {MAX_COMPUTE_TIME:g} s (11.6 days) "
                                       f"per step unit", r[k])
    for k in ("heterogeneity", "noise"):
        dist = make_distribution(r[k], f"compute.{k}")
        _positive_dist(dist, f"compute.{k}", r[k])
    ds = DEFAULTS["stragglers"]
    _check_keys(st, ds, "compute.stragglers")
    rs = {k: st.get(k, v) for k, v in ds.items()}
    _real(rs["fraction"], "compute.stragglers.fraction", 0.0, 1.0)
    dist = make_distribution(rs["slowdown"], "compute.stragglers.slowdown")
    _positive_dist(dist, "compute.stragglers.slowdown", rs["slowdown"])
    if rs["agents"] is None:
        rs.pop("agents")
    else:
        ag = rs["agents"]
        if not isinstance(ag, list):
            raise must("compute.stragglers.agents", "a list of agent indices", ag)
        for a in ag:
            _int(a, "compute.stragglers.agents", 0, n_agents - 1)
    r["stragglers"] = rs
    if prof is not None:
        r["profile"] = _profiles(prof, "compute.profile",
                                 {"agents": None, "speed": None, "state": None})
        for k, e in enumerate(r["profile"]):
            ag = e.get("agents", "all")
            if ag not in ("all", "server"):
                if not isinstance(ag, list) or not ag:
                    raise must(f"compute.profile[{k}].agents", '"all" or a list of agent '
                                                               'indices', ag)
                for a in ag:
                    _int(a, f"compute.profile[{k}].agents", 0, n_agents - 1)
    return r


def _profiles(entries, key, allowed):
    """[[...profile]] tables: which resources, and the profile files (paths, read at build)."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise must(key, "an array of tables [[" + key + "]]", entries)
    out = []
    for k, e in enumerate(entries):
        _check_keys(e, allowed, f"{key}[{k}]")
        files = [f for f in allowed if f not in ("links", "agents") and f in e]
        if not files:
            raise ScenarioError(f"{key}[{k}]", "needs at least one profile file ("
                                + ", ".join(f for f in allowed if f not in ("links", "agents"))
                                + ")")
        for f in files:
            _str(e[f], f"{key}[{k}].{f}")
        out.append(dict(e))
    return out


def _positive_dist(dist, key, raw):
    if dist.is_constant and not dist.mean > 0:
        raise must(key, "a factor > 0 (or a distribution table)", raw)


def _stop(s: dict) -> dict:
    from netsim.monitor import TRACE_COLUMNS
    from netsim.units import parse_quantity

    d = DEFAULTS["stop"]
    _check_keys(s, d, "stop")
    r = {k: s.get(k, v) for k, v in d.items()}
    _int(r["rounds"], "stop.rounds", 1)
    parse_quantity(r["time"], "time", "stop.time")
    if r["target"] is None:
        r.pop("target")
    else:
        _real(r["target"], "stop.target")
        if not math.isfinite(r["target"]):
            raise must("stop.target", "a finite number (a target of inf is always reached, "
                                      "-inf never)", r["target"])
    _str(r["metric"], "stop.metric", (*TRACE_COLUMNS[1:], "accuracy"))
    parse_quantity(r["bits"], "size", "stop.bits", allow_inf=True)
    if r["stall"] != "auto":
        t = parse_quantity(r["stall"], "time", "stop.stall")
        if not (0 < t <= MAX_TIME_S and ticks(t) >= 1):
            raise must("stop.stall", "'auto' or a time in [1 ps, 1e15 s]", r["stall"])
    return r


def _output(o: dict) -> dict:
    d = DEFAULTS["output"]
    _check_keys(o, d, "output")
    r = {k: o.get(k, v) for k, v in d.items()}
    _str(r["dir"], "output.dir")
    for k in ("iterates", "messages", "plots"):
        _bool(r[k], f"output.{k}")
    _int(r["every"], "output.every", 1)
    return r
