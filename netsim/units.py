"""Physical quantities written as strings: "10 Mbit/s", "5 ms", "1.5 MB", "inf".

Everything inside netsim is SI: seconds, bits per second, bits. Scenario files may write a
quantity as a plain number (already in SI units) or as ``"<number> <unit>"``. Decimal
prefixes are powers of 10 (k = 1e3, M = 1e6, G = 1e9, T = 1e12; ``Ki``/``Mi``/``Gi`` are powers
of 2); ``B`` is a byte (8 bits), ``bit`` or ``b`` a bit, ``bps`` = ``bit/s``. Quantities are
never negative and never NaN; ``"inf"`` means unlimited where that makes sense.

>>> parse_quantity("10 Mbit/s", "rate", "network.links.bandwidth")
10000000.0
>>> parse_quantity("5 ms", "time", "network.links.latency")
0.005
>>> parse_quantity("1.5 MB", "size", "stop.bits")
12000000.0
"""

from __future__ import annotations

import math
import numbers
import re

from netsim.errors import ScenarioError, shown

__all__ = ["parse_quantity", "parse_time", "parse_rate", "parse_size", "format_quantity",
           "UNITS"]

_PREFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "Ki": 2.0 ** 10, "Mi": 2.0 ** 20, "Gi": 2.0 ** 30, "Ti": 2.0 ** 40}

_TIME = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12,
         "min": 60.0, "h": 3600.0}
_SIZE = {}
for _p, _f in _PREFIX.items():
    for _u, _bits in (("bit", 1.0), ("b", 1.0), ("B", 8.0), ("byte", 8.0)):
        _SIZE[_p + _u] = _f * _bits
_RATE = {}
for _name, _f in _SIZE.items():
    _RATE[_name + "/s"] = _f
for _p, _f in _PREFIX.items():
    _RATE[_p + "bps"] = _f
    _RATE[_p + "Bps"] = 8 * _f

#: allowed unit symbols per kind, with their factor to SI
UNITS = {"time": _TIME, "rate": _RATE, "size": _SIZE}
_EXAMPLE = {"time": '"5 ms", "2 s", "1 min"', "rate": '"10 Mbit/s", "1.5 MB/s", "1 Gbps"',
            "size": '"1 Gbit", "512 kB", "1e6 bit"'}
_SI = {"time": "seconds", "rate": "bit/s", "size": "bits"}
_RE = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf)\s*([^\s\d].*?)?\s*$")


def _fail(key, value, kind, why):
    return ScenarioError(key, f"must be a {kind} >= 0 like {_EXAMPLE[kind]} (a plain number is "
                              f"in {_SI[kind]}); got {shown(value)}{why}")


def parse_quantity(value, kind: str, key: str, allow_inf: bool = True) -> float:
    """Parse ``value`` (number or "<number> <unit>") of ``kind`` in {"time", "rate", "size"}.

    Returns the quantity in SI units (s, bit/s, bit). Raises :class:`ScenarioError` naming
    ``key`` and the value for a bad unit, a negative or NaN value, or "inf" when not allowed.
    """
    if kind not in UNITS:
        raise ValueError(f"unknown quantity kind {kind!r}")
    if isinstance(value, bool):
        raise _fail(key, value, kind, "")
    if isinstance(value, numbers.Real):
        x, unit = float(value), ""
    elif isinstance(value, str):
        mt = _RE.match(value)
        if not mt:
            raise _fail(key, value, kind, "")
        x, unit = float(mt.group(1)), (mt.group(2) or "")
    else:
        raise _fail(key, value, kind, "")
    factor = 1.0
    if unit:
        table = UNITS[kind]
        if unit not in table:
            near = [u for u in table if u.lower() == unit.lower()]
            hint = f" (unknown unit {unit!r}" + (f"; did you mean {near[0]!r}?)" if near else ")")
            raise _fail(key, value, kind, hint)
        factor = table[unit]
    if math.isnan(x) or x < 0:
        raise _fail(key, value, kind, "")
    if math.isinf(x) and not allow_inf:
        raise _fail(key, value, kind, " ('inf' is not allowed here)")
    return x * factor


def parse_time(value, key: str) -> float:
    """Seconds from a time quantity ("5 ms" -> 0.005)."""
    return parse_quantity(value, "time", key)


def parse_rate(value, key: str) -> float:
    """Bits per second from a rate ("10 Mbit/s" -> 1e7)."""
    return parse_quantity(value, "rate", key)


def parse_size(value, key: str) -> float:
    """Bits from a size ("1 kB" -> 8000)."""
    return parse_quantity(value, "size", key)


def format_quantity(x: float, kind: str) -> str:
    """Human-readable form of an SI quantity: 0.005 s -> "5 ms", 1e7 bit/s -> "10 Mbit/s"."""
    if math.isinf(x):
        return "inf"
    if kind == "time":
        for unit, f in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
            if abs(x) >= f or unit == "ns":
                return f"{x / f:.4g} {unit}"
    suffix = "bit/s" if kind == "rate" else "bit"
    for p, f in (("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0)):
        if abs(x) >= f or p == "":
            return f"{x / f:.4g} {p}{suffix}"
    raise ValueError(kind)  # pragma: no cover
