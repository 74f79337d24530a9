"""Validators for algorithm parameters (one-line errors naming the key)."""

from __future__ import annotations

import math
import numbers

from netsim.errors import must

__all__ = ["positive", "nonneg", "in_open_unit", "in_half_open_unit", "pos_int", "choice",
           "batch", "boolean", "unit_or_auto", "pos_int_or", "pos_int_or_inf"]


def _real(v, key):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or math.isnan(v):
        raise must(key, "a number", v)
    return float(v)


#: the largest step size, penalty or weight accepted: larger values overflow the kernels'
#: arithmetic (e.g. rho = 1e308 makes the exact solve's matrix infinite)
MAX_PARAM = 1e12


def positive(v, key):
    """A number in (0, :data:`MAX_PARAM`]."""
    x = _real(v, key)
    if not (0 < x <= MAX_PARAM):
        raise must(key, f"a number in (0, {MAX_PARAM:g}]", v)
    return x


def nonneg(v, key):
    """A number in [0, :data:`MAX_PARAM`]."""
    x = _real(v, key)
    if not (0 <= x <= MAX_PARAM):
        raise must(key, f"a number in [0, {MAX_PARAM:g}]", v)
    return x


def in_open_unit(v, key):
    """A number in (0, 1)."""
    x = _real(v, key)
    if not (0 < x < 1):
        raise must(key, "a number in (0, 1)", v)
    return x


def in_half_open_unit(v, key):
    """A number in (0, 1]."""
    x = _real(v, key)
    if not (0 < x <= 1):
        raise must(key, "a number in (0, 1]", v)
    return x


def pos_int(v, key):
    """An integer >= 1."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise must(key, "an integer >= 1", v)
    return int(v)


def choice(*options):
    """A validator accepting one of ``options`` (strings)."""
    def check(v, key):
        if v not in options:
            raise must(key, "one of " + ", ".join(repr(o) for o in options), v)
        return v
    return check


def batch(v, key):
    """Mini-batch size: an integer >= 1 or "all" (the full local gradient)."""
    if v == "all":
        return "all"
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise must(key, 'an integer >= 1 or "all"', v)
    return int(v)


def boolean(v, key):
    """True or false."""
    if not isinstance(v, bool):
        raise must(key, "true or false", v)
    return v


def unit_or_auto(v, key):
    """A number in (0, 1], or "auto" (resolved by the builder, e.g. 1 / (1 + omega))."""
    if v == "auto":
        return v
    x = _real(v, key) if not isinstance(v, str) else None
    if x is None or not (0 < x <= 1):
        raise must(key, 'a number in (0, 1] or "auto"', v)
    return x


def pos_int_or(word):
    """An integer >= 1, or the string ``word`` (e.g. "all")."""
    def check(v, key):
        if v == word:
            return v
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise must(key, f'an integer >= 1 or "{word}"', v)
        return int(v)
    return check


def pos_int_or_inf(v, key):
    """An integer >= 1, or "inf" (no bound)."""
    if v == "inf" or (isinstance(v, float) and v == math.inf):
        return math.inf
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise must(key, 'an integer >= 1 or "inf"', v)
    return int(v)
