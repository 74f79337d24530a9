"""Field types of the scenario models: each validates one value with netsim's one-line
messages and declares its JSON Schema.

Every type here is ``Annotated[Any, PlainValidator(...), WithJsonSchema(...)]``: the
validator is netsim's own (so messages stay "must be <constraint>; got <value>"), the JSON
Schema says the same constraint to editors. A failed check raises :func:`fail`, a pydantic
error of type ``netsim`` that :mod:`netsim.schema.translate` turns into a
:class:`~netsim.errors.ScenarioError` whose key is the value's dotted location.

Quantities (:func:`quantity`) are parsed once, here, into a :class:`Quantity` holding the
user's text (kept for files and run ids) and its SI value (s, bit/s, bit); times also carry
their exact-time ticks (:func:`netsim.simtime.ticks`, 1 tick = 1 ps).
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Annotated, Any, NamedTuple

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from netsim.errors import ScenarioError, shown

__all__ = ["Quantity", "fail", "checked", "Int", "Real", "Bool", "Str", "Choice", "quantity",
           "Dist", "QUANTITY_PATTERN", "dist_schema", "must_text"]


def fail(message: str, sub: str = "", absolute: bool = False) -> PydanticCustomError:
    """A validation error carrying netsim's message.

    Args:
        message: the text after the key ("must be ...; got ...").
        sub: a key below the value's location (".mean"), or the whole key if ``absolute``.
        absolute: ``sub`` is a full dotted key (cross-table checks).
    """
    return PydanticCustomError("netsim", "{message}",
                               {"message": message, "sub": sub, "absolute": absolute})


def must_text(constraint: str, value: object) -> str:
    """``must be <constraint>; got <value>`` (the text of :func:`netsim.errors.must`)."""
    return f"must be {constraint}; got {shown(value)}"


def checked(fn, *args, **kw):
    """Call a netsim validator ``fn(value, key, ...)`` with key "" and turn its
    :class:`ScenarioError` into :func:`fail` (the key then comes from the location).
    """
    try:
        return fn(*args, **kw)
    except ScenarioError as e:
        raise fail(e.message, e.key) from None


def _typed(validate, schema: dict, serialize=None):
    parts = [PlainValidator(validate), WithJsonSchema(schema)]
    if serialize is not None:
        parts.insert(1, PlainSerializer(serialize))
    return Annotated[(Any, *parts)]


def _range_text(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f" in [{lo}, {hi}]"
    return f" >= {lo}" if lo is not None else ""


def Int(lo: int | None = None, hi: int | None = None, text: str | None = None):  # noqa: N802
    """An integer in [lo, hi] (true/false are not integers)."""
    what = text or "an integer" + _range_text(lo, hi)

    def v(x):
        if isinstance(x, bool) or not isinstance(x, numbers.Integral) \
                or (lo is not None and x < lo) or (hi is not None and x > hi):
            raise fail(must_text(what, x))
        return int(x)
    schema = {"type": "integer"}
    if lo is not None:
        schema["minimum"] = lo
    if hi is not None:
        schema["maximum"] = hi
    return _typed(v, schema)


def Real(lo=None, hi=None, lo_open=False, hi_open=False, text=None):  # noqa: N802
    """A real number (not NaN) in the interval; "a number" if unbounded."""
    if text is None:
        text = "a number"
        if lo is not None or hi is not None:
            text += f" in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"

    def v(x):
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or math.isnan(x):
            raise fail(must_text("a number", x))
        if (lo is not None and (x < lo or (lo_open and x == lo))) \
                or (hi is not None and (x > hi or (hi_open and x == hi))):
            raise fail(must_text(text, x))
        return float(x)
    schema: dict = {"type": "number"}
    if lo is not None:
        schema["exclusiveMinimum" if lo_open else "minimum"] = lo
    if hi is not None:
        schema["exclusiveMaximum" if hi_open else "maximum"] = hi
    return _typed(v, schema)


def _bool(x):
    if not isinstance(x, bool):
        raise fail(must_text("true or false", x))
    return x


Bool = _typed(_bool, {"type": "boolean"})


def _str(x):
    if not isinstance(x, str):
        raise fail(must_text("a string", x))
    return x


Str = _typed(_str, {"type": "string"})


def choice_text(options) -> str:
    """``one of 'a', 'b'``."""
    return "one of " + ", ".join(repr(o) for o in options)


def Choice(*options: str):  # noqa: N802
    """One of ``options``, with a "did you mean" for a near miss."""
    import difflib

    def v(x):
        if not isinstance(x, str) or x not in options:
            near = difflib.get_close_matches(x, list(options), n=1) if isinstance(x, str) else []
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise fail(must_text(choice_text(options) + hint, x))
        return x
    return _typed(v, {"enum": list(options)})


class Quantity(NamedTuple):
    """A physical quantity parsed once: the text the user wrote and its SI value."""

    raw: Any
    si: float
    kind: str

    @property
    def ticks(self) -> int | float:
        """A time in exact-time ticks (1 ps; ``inf`` stays ``inf``)."""
        from netsim.simtime import ticks
        if self.kind != "time":
            raise TypeError(f"ticks of a {self.kind} quantity ({self.raw!r})")
        return ticks(self.si)


def _units_alternation(kind: str) -> str:
    from netsim.units import UNITS
    return "|".join(re.escape(u) for u in sorted(UNITS[kind], key=len, reverse=True))


def QUANTITY_PATTERN(kind: str, allow_inf: bool = True) -> str:  # noqa: N802
    """The regular expression of a quantity string ("10 Mbit/s") of ``kind``."""
    num = r"\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
    if allow_inf:
        num = f"({num}|\\+?inf)"
    return f"^\\s*{num}\\s*({_units_alternation(kind)})?\\s*$"


def quantity_schema(kind: str, allow_inf=True, hi: float | None = None, gt0=False) -> dict:
    """JSON Schema of a quantity: a number in SI units or a string with a unit."""
    num: dict = {"type": "number", ("exclusiveMinimum" if gt0 else "minimum"): 0}
    if hi is not None:
        num["maximum"] = hi
    elif not allow_inf:
        num["maximum"] = 1.7976931348623157e308
    unit = {"time": "s", "rate": "bit/s", "size": "bit"}[kind]
    return {"anyOf": [{**num, "title": f"{kind} in {unit}"},
                      {"type": "string", "title": f"{kind} with a unit",
                       "pattern": QUANTITY_PATTERN(kind, allow_inf)}]}


def quantity(kind: str, allow_inf: bool = True, check=None, auto: bool = False,
             hi: float | None = None, gt0: bool = False, parse_inf: bool | None = None):
    """A quantity field ("10 Mbit/s", 0.005, "inf") parsed into a :class:`Quantity`.

    Args:
        kind: "time", "rate" or "size".
        allow_inf: "inf" accepted.
        check: ``check(Quantity) -> str | None``: extra constraint, the error text if broken.
        auto: the string "auto" is also accepted (kept as is).
        hi: the largest SI value accepted (for the JSON Schema; ``check`` enforces it).
        gt0: the value must be > 0 (for the JSON Schema; ``check`` enforces it).
        parse_inf: "inf" is parsed (default: ``allow_inf``), for ``check`` to refuse it
            with its own message.
    """
    from netsim.units import parse_quantity

    def v(x):
        if isinstance(x, Quantity):
            return x
        if auto and x == "auto":
            return x
        q = Quantity(x, checked(parse_quantity, x, kind, "",
                                allow_inf if parse_inf is None else parse_inf), kind)
        if check is not None:
            msg = check(q)
            if msg:
                raise fail(msg)
        return q
    schema = quantity_schema(kind, allow_inf, hi, gt0)
    if auto:
        schema = {"anyOf": [{"const": "auto"}, *schema["anyOf"]]}
    return _typed(v, schema, lambda q: q.raw if isinstance(q, Quantity) else q)


def dist_schema(kind: str | None, scalar: dict | None = None) -> dict:
    """JSON Schema of a value that is a constant or a distribution table (see
    :mod:`netsim.distributions`); the table bounds are the ones that keep draws finite.
    """
    from netsim.distributions import (
        _DIMENSIONLESS,
        DISTRIBUTIONS,
        MAX_LOG,
        MAX_LOG_SPREAD,
        MAX_SCALE,
        MIN_PARETO_SHAPE,
    )

    val = quantity_schema(kind, allow_inf=False) if kind else {"type": "number", "minimum": 0}
    bounds = {"sigma": {"type": "number", "minimum": 0, "maximum": MAX_LOG_SPREAD},
              "mu": {"type": "number", "minimum": -MAX_LOG, "maximum": MAX_LOG},
              "shape": {"type": "number", "minimum": MIN_PARETO_SHAPE}}
    tables = []
    for name, (req, opt) in DISTRIBUTIONS.items():
        props = {"dist": {"const": name}}
        for k in (*req, *opt):
            props[k] = bounds.get(k, {"type": "number"} if k in _DIMENSIONLESS else val)
            if name in ("exponential", "pareto") and k in ("mean", "scale") and not kind:
                props[k] = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_SCALE}
        props["min"] = props["max"] = val
        t = {"type": "object", "properties": props, "required": ["dist", *req],
             "additionalProperties": False}
        if name == "lognormal":
            t["oneOf"] = [{"required": ["mean"]}, {"required": ["mu"]}]
        tables.append(t)
    return {"anyOf": [scalar if scalar is not None else val, *tables]}


def Dist(kind: str | None = None, check=None, scalar: dict | None = None):  # noqa: N802
    """A constant or a distribution table, validated by :func:`make_distribution`: a constant
    quantity becomes a :class:`Quantity`, a table stays as written (the
    :class:`~netsim.distributions.Distribution` is built per run).
    """
    from netsim.distributions import make_distribution

    def v(x):
        if isinstance(x, Quantity):
            return x
        d = checked(make_distribution, x, "", kind)
        if check is not None:
            msg = check(d, x)
            if msg:
                raise fail(msg)
        if kind is not None and d.is_constant:
            return Quantity(x, d.mean, kind)
        return x
    return _typed(v, dist_schema(kind, scalar),
                  lambda q: q.raw if isinstance(q, Quantity) else q)


def _include_given_late(x):
    if x is None:
        return None
    raise fail(must_text("given in the scenario file's own table, where it is read as the file "
                         "loads (not by --set, [sweep], [[variant]] or a dict): set the included "
                         "values themselves instead", x))


#: ``include`` as the typed models see it: a file's include was applied (and removed) by the
#: loader, so one that reaches validation came from an override and would be ignored
IncludeKey = Annotated[(Any, PlainValidator(_include_given_late),
                        WithJsonSchema({"type": "string",
                                        "description": "take this table from another TOML file "
                                                       "(path relative to the scenario)"}))]
