"""Pydantic models of the scenario tables that do not depend on a registry: links, TCP,
bursts, compute, stragglers, stop and output (SCENARIO.md is the contract; defaults are the
ones of :data:`netsim.schema.DEFAULTS`).

Every model forbids unknown keys (``extra="forbid"``); :class:`Table` reports one with
netsim's message (allowed keys and a "did you mean"). Quantities become
:class:`~netsim.schema.fields.Quantity` (SI value + the user's text); a model dumps back to
the user's form, so the resolved scenario and run ids do not change.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated, Any, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from netsim.schema.fields import (
    Bool,
    Choice,
    Dist,
    IncludeKey,
    Int,
    Quantity,
    Real,
    Str,
    fail,
    must_text,
    quantity,
)
from netsim.simtime import MAX_TIME_S, ticks

__all__ = ["Table", "Tcp", "Burst", "Links", "Stragglers", "Compute", "Stop", "Output",
           "MAX_COMPUTE_TIME", "profile_entries", "unknown_key"]

#: the longest compute time per gradient, solve or server update, s (a longer one would make
#: step durations overflow, inf x 0 = NaN, and no run ends sensibly)
MAX_COMPUTE_TIME = 1e6


def unknown_key(key: str, allowed) -> Any:
    """The error for a key that is not in ``allowed``."""
    near = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" — did you mean '{near[0]}'?" if near else ""
    return fail(f"is not a known key{hint} (allowed: {', '.join(sorted(allowed))})", "." + key)


class Table(BaseModel):
    """A scenario table: unknown keys refused with netsim's message; defaults validated."""

    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data):
        if isinstance(data, dict):
            allowed = [f.alias or n for n, f in cls.model_fields.items()]
            for k in data:
                if k not in allowed:
                    raise unknown_key(str(k), allowed)
        return data


def _tick_time(q: Quantity) -> str | None:
    """A timeout or stall time: in [1 ps, 1e15 s]."""
    if not (0 < q.si <= MAX_TIME_S and ticks(q.si) >= 1):
        return must_text("'auto' or a time in [1 ps, 1e15 s] (1 ps: the time resolution)",
                         q.raw)
    return None


def _gt0(what):
    return lambda q: None if q.si > 0 else must_text(f"a {what} > 0", q.raw)


class Tcp(Table):
    """``[network.links.tcp]``: SimGrid's LV08 TCP model factors."""

    latency_factor: Real(0.0, None, lo_open=True) = 13.01
    bandwidth_factor: Real(0.0, 1.0, lo_open=True) = 0.97
    weight_s: quantity("size") = "20537 B"
    cross_traffic: Real(0.0, 1.0) = 0.05
    gamma: quantity("size", check=_gt0("size"), gt0=True) = "4194304 B"


class Burst(Table):
    """``[network.links.burst]``: Gilbert-Elliott bursty loss (probabilities per message)."""

    p_gb: Real(0.0, 1.0) = 0.01
    p_bg: Real(0.0, 1.0) = 0.3
    loss_good: Real(0.0, 1.0, hi_open=True, text="a probability < 1") = 0.0
    loss_bad: Real(0.0, 1.0, hi_open=True, text="a probability < 1") = 0.5


def _bandwidth():
    """A rate > 0 or a distribution table (checked in :meth:`Links._consistent`)."""
    from netsim.schema.fields import dist_schema, quantity_schema
    return Annotated[(Any, PlainValidator(lambda x: x),
                      PlainSerializer(lambda q: q.raw if isinstance(q, Quantity) else q),
                      WithJsonSchema(dist_schema("rate", quantity_schema("rate", gt0=True))))]


def _rate_gt0(q):
    return None if q.si > 0 else must_text("a rate > 0 (or 'inf')", q.raw)


class Links(Table):
    """``[network.links]`` (and ``[network.up]`` / ``[network.down]``): one link model."""

    bandwidth: _bandwidth() = Field("inf", description="rate (bit/s or '10 Mbit/s'), 'inf' "
                                                       "or a distribution table drawn once "
                                                       "per edge")
    latency: Dist("time") = "0 s"
    jitter: Dist("time") = "0 s"
    loss: Dist(None, scalar={"type": "number", "minimum": 0, "exclusiveMaximum": 1}) = 0.0
    on_loss: Choice("drop", "retransmit") = "drop"
    sharing: Choice("fifo", "fair") = "fifo"
    model: Choice("ideal", "tcp") = "ideal"
    uplink: quantity("rate", check=_rate_gt0, gt0=True) = "inf"
    header_bits: Int(0) = 0
    timeout: quantity("time", allow_inf=False, auto=True, check=_tick_time,
                      hi=MAX_TIME_S) = "auto"
    downlink: quantity("rate", check=_rate_gt0, gt0=True) = "inf"
    in_order: Bool = False
    segment_loss: Real(0.0, 1.0, hi_open=True) = 0.0
    mss: quantity("size", check=_gt0("size"), gt0=True) = "1460 B"
    burst: Optional[Burst] = None
    tcp: Optional[Tcp] = None
    on_down: Choice("hold", "drop") = "hold"

    @model_validator(mode="after")
    def _consistent(self):
        from netsim.distributions import make_distribution
        from netsim.schema.fields import checked
        from netsim.units import parse_quantity

        if isinstance(self.bandwidth, dict):
            checked(make_distribution, self.bandwidth, ".bandwidth", "rate")
        elif not isinstance(self.bandwidth, Quantity):
            bw = checked(parse_quantity, self.bandwidth, "rate", ".bandwidth")
            if not bw > 0:
                raise fail(must_text("a rate > 0 (or 'inf')", self.bandwidth), ".bandwidth")
            object.__setattr__(self, "bandwidth", Quantity(self.bandwidth, bw, "rate"))
        if isinstance(self.latency, Quantity):  # an infinite latency never delivers
            checked(parse_quantity, self.latency.raw, "time", ".latency", False)
        for key in ("latency", "jitter"):       # a constant beyond the clock's range
            q = getattr(self, key)
            if isinstance(q, Quantity) and q.si > MAX_TIME_S:
                raise fail(must_text(f"a time in [0 s, {MAX_TIME_S:g} s] (the longest "
                                     "simulated duration)", q.raw), "." + key)
        lossy = isinstance(self.loss, dict) or self.loss > 0
        if not isinstance(self.loss, dict):
            if self.loss >= 1:
                raise fail(must_text("a number in [0.0, 1.0)", self.loss), ".loss")
        if self.model == "tcp" and self.sharing != "fair":
            raise fail("must be 'fair' with model = 'tcp' (TCP flows share bandwidth); got "
                       "'fifo'", ".sharing")
        if self.downlink.si != math.inf and self.sharing != "fair":
            raise fail(f"needs sharing = 'fair' (a receiving capacity is a shared resource); "
                       f"got {self.downlink.raw!r} with sharing = 'fifo'", ".downlink")
        if self.burst is not None:
            if lossy:
                raise fail(f"replaces 'loss' (the Gilbert-Elliott states have their own rates);"
                           f" set loss = 0 or drop the burst table; got loss = {self.loss}",
                           ".burst")
        if self.on_loss == "retransmit" and not isinstance(self.loss, dict) \
                and self.loss > 0.999:
            raise fail(must_text("< 0.999 with on_loss = 'retransmit'", self.loss), ".loss")
        if self.model == "tcp" and self.tcp is None:
            object.__setattr__(self, "tcp", Tcp())
        return self


def profile_entries(allowed: tuple[str, ...], what: str):
    """A field type: ``[[...profile]]`` tables naming resources (``allowed[0]``) and profile
    files (the other keys; paths read at build).
    """
    files = [f for f in allowed if f not in ("links", "agents")]

    def v(entries):
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise fail(must_text(f"an array of tables [[{what}]]", entries))
        for k, e in enumerate(entries):
            for key in e:
                if key not in allowed:
                    err = unknown_key(str(key), allowed)
                    raise fail(err.context["message"], f"[{k}].{key}")
            if not any(f in e for f in files):
                raise fail(f"needs at least one profile file ({', '.join(files)})", f"[{k}]")
            for f in files:
                if f in e and not isinstance(e[f], str):
                    raise fail(must_text("a string", e[f]), f"[{k}].{f}")
        return [dict(e) for e in entries]
    props = {f: {"type": "string", "description": "profile file (path relative to the "
                                                  "scenario)"} for f in files}
    props[allowed[0]] = ({"anyOf": [{"enum": ["all"]}, {"type": "string"},
                                    {"type": "array"}]})
    schema = {"type": "array", "items": {"type": "object", "properties": props,
                                         "additionalProperties": False,
                                         "anyOf": [{"required": [f]} for f in files]}}
    return Annotated[(Any, PlainValidator(v), WithJsonSchema(schema))]


def _factor_gt0(dist, raw):
    if dist.is_constant and not dist.mean > 0:
        return must_text("a factor > 0 (or a distribution table)", raw)
    return None


_GT0 = {"type": "number", "exclusiveMinimum": 0}


class Stragglers(Table):
    """``[compute.stragglers]``: a fraction (or a list) of agents slowed down."""

    fraction: Real(0.0, 1.0) = 0.0
    slowdown: Dist(None, check=_factor_gt0, scalar=_GT0) = 1.0
    agents: Optional[list] = Field(None, json_schema_extra={
        "type": "array", "items": {"type": "integer", "minimum": 0}})


def _compute_time(q):
    if not q.si <= MAX_COMPUTE_TIME:
        return must_text(f"a finite time <= {MAX_COMPUTE_TIME:g} s (11.6 days) per step unit",
                         q.raw)
    return None


def _ctime(auto=False):
    return quantity("time", check=_compute_time, auto=auto, hi=MAX_COMPUTE_TIME,
                    allow_inf=False, parse_inf=True)


class Compute(Table):
    """``[compute]``: time per gradient, local solve and server update; heterogeneity."""

    gradient_time: _ctime() = "10 us"
    solve_time: _ctime(auto=True) = "auto"
    heterogeneity: Dist(None, check=_factor_gt0, scalar=_GT0) = 1.0
    noise: Dist(None, check=_factor_gt0, scalar=_GT0) = 1.0
    server_time: _ctime() = "0 s"
    stragglers: Stragglers = Stragglers()
    profile: Optional[profile_entries(("agents", "speed", "state"), "compute.profile")] = None
    include: IncludeKey = Field(None, description="take this table from another TOML file")


def _stall(q):
    return _tick_time(q) and must_text("'auto' or a time in [1 ps, 1e15 s]", q.raw)


def _stop_metrics():
    from netsim.monitor import TRACE_COLUMNS
    return (*TRACE_COLUMNS[1:], "accuracy", "rel_err_now")


def _finite_target():
    def v(x):
        import numbers
        if x is None:
            return None
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or math.isnan(x):
            raise fail(must_text("a number", x))
        if not math.isfinite(x):
            raise fail(must_text("a finite number (a target of inf is always reached, -inf "
                                 "never)", x))
        return float(x)
    return Annotated[(Any, PlainValidator(v), WithJsonSchema(
        {"type": "number", "minimum": -1.7976931348623157e308,
         "maximum": 1.7976931348623157e308}))]


class Stop(Table):
    """``[stop]``: the first rule reached ends the run."""

    rounds: Int(1) = 1000
    time: quantity("time") = "inf"
    target: _finite_target() = None
    metric: Choice(*_stop_metrics()) = "rel_err"
    bits: quantity("size") = "inf"
    stall: quantity("time", auto=True, check=_stall) = "auto"


class Output(Table):
    """``[output]``: where and what a run writes."""

    dir: Str = "results"
    iterates: Bool = False
    messages: Bool = False
    plots: Bool = True
    every: Int(1) = 1
