"""Scenario tables -> compressors, with one-line errors naming the key.

``[algorithm.compressor]`` examples::

    { name = "none" }                       # 64-bit floats; float_bits = 32 for single
    { name = "quantizer", bits = 4 }        # inf-norm scale; norm = "2" for the QSGD scale
    { name = "qsgd", bits = 2 }
    { name = "dither", bits = 3 }           # QADMM: sign + 2^(q-1) - 1 levels in q bits
    { name = "rand_k", k = 5 }              # or fraction = 0.25; scaled = true (unbiased)
                                            # (k = fraction x dim rounded, halves up)
    { name = "top_k", fraction = 0.1 }
    { ..., error_feedback = true }          # wrap in classic error feedback
"""

from __future__ import annotations

import difflib
import math
import numbers

from netsim.compression.base import (
    Compressor,
    dither,
    identity,
    k_of_fraction,
    quantizer,
    rand_k,
    top_k,
)
from netsim.compression.wrappers import error_feedback
from netsim.errors import ScenarioError, must

__all__ = ["make_compressor", "list_compressors", "COMPRESSORS"]

#: name -> (parameters with defaults, description with bit cost)
COMPRESSORS = {
    "none": ({"float_bits": 64}, "no compression; dim x float_bits (64 or 32) bits"),
    "quantizer": ({"bits": 4, "norm": "inf"},
                  "b-bit unbiased dithered quantizer, inf-norm scale (LEAD); dim x b + 32 bits "
                  "(2^b + 1 levels billed b bits each, LEAD's convention)"),
    "dither": ({"bits": 3, "norm": "inf"},
               "q-bit random dithering, s = 2^(q-1) - 1 levels (QADMM Eq. 17); dim x q + 32 bits"),
    "qsgd": ({"bits": 4}, "b-bit dithered quantizer with 2-norm scale (QSGD); dim x b + 32 bits "
                          "(2^b + 1 levels billed b bits each)"),
    "rand_k": ({"k": None, "fraction": None, "scaled": True},
               "scaled rand-k sparsifier (unbiased, omega = dim/k - 1); "
               "k x 32 + k x ceil(log2 dim) bits"),
    "top_k": ({"k": None, "fraction": None},
              "top-k sparsifier (biased, contractive); k x 32 + k x ceil(log2 dim) bits"),
}
_COMMON = ("name", "error_feedback")


def _int(v, key, lo, hi):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not lo <= v <= hi:
        raise must(key, f"an integer in [{lo}, {hi}]", v)
    return int(v)


#: the dimension scenario validation checks compressor tables with, before the problem (and
#: so dim) is known; checks that need the real dim run again when the run is built
PROBE_DIM = 1 << 20


def _k(spec, dim, key):
    k, frac = spec.get("k"), spec.get("fraction")
    if (k is None) == (frac is None):
        raise ScenarioError(key, f"needs exactly one of 'k' (entries kept) or 'fraction' "
                                 f"(of dim); got k = {k!r}, fraction = {frac!r}")
    if k is not None:
        return {"k": _int(k, f"{key}.k", 1, dim)}
    if isinstance(frac, bool) or not isinstance(frac, numbers.Real) \
            or not (0 < frac <= 1) or math.isnan(frac):
        raise must(f"{key}.fraction", "a number in (0, 1]", frac)
    if dim != PROBE_DIM and k_of_fraction(frac, dim) < 1:
        raise must(f"{key}.fraction", f"a number giving k = round(fraction x dim) >= 1 for dim "
                                      f"= {dim} (fraction >= {0.5 / dim:.3g}), or give k", frac)
    return {"fraction": float(frac)}


def _plugin(name, key):
    """The factory of an installed ``netsim.compressors`` entry point, or None.

    ``make(spec, dim, key)`` of the entry point named ``name`` (not a built-in).
    """
    from netsim import plugins

    if not isinstance(name, str) or name in COMPRESSORS:
        return None
    return plugins.load("compressors", name, f"{key}.name",
                        lambda f: None if callable(f) else "is not callable")


def make_compressor(spec: dict, dim: int, key: str = "algorithm.compressor") -> Compressor:
    """Build the compressor a scenario table describes (``dim`` bounds k)."""
    if not isinstance(spec, dict):
        raise must(key, "a table like { name = \"quantizer\", bits = 4 }", spec)
    name = spec.get("name", "none")
    plugin = _plugin(name, key)
    if plugin is not None:            # an installed netsim.compressors entry point
        from netsim.plugins import call_factory
        comp = call_factory(plugin, name, f"{key}.name",
                            {k: v for k, v in spec.items() if k != "error_feedback"}, dim, key)
        if not isinstance(comp, Compressor):
            raise ScenarioError(f"{key}.name", f"names plugin {name!r}, whose factory returned "
                                               f"{type(comp).__name__}, not a Compressor")
        return error_feedback(comp) if spec.get("error_feedback") is True else comp
    if name not in COMPRESSORS:
        near = difflib.get_close_matches(str(name), list(COMPRESSORS), n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise must(f"{key}.name", "one of " + ", ".join(repr(c) for c in COMPRESSORS) + hint,
                   name)
    defaults, _ = COMPRESSORS[name]
    for k in spec:
        if k not in _COMMON and k not in defaults:
            near = difflib.get_close_matches(k, [*defaults, *_COMMON], n=1)
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise ScenarioError(f"{key}.{k}", f"is not a known key for compressor {name!r}"
                                              f"{hint} (allowed: "
                                              f"{', '.join([*_COMMON, *defaults])})")
    ef = spec.get("error_feedback", False)
    if not isinstance(ef, bool):
        raise must(f"{key}.error_feedback", "true or false", ef)
    if name == "none":
        fb = spec.get("float_bits", 64)
        if isinstance(fb, bool) or fb not in (32, 64):
            raise must(f"{key}.float_bits", "32 or 64", fb)
        comp = identity(int(fb))
    elif name in ("quantizer", "qsgd"):
        b = _int(spec.get("bits", 4), f"{key}.bits", 1, 32)
        norm = spec.get("norm", "inf" if name == "quantizer" else "2")
        if norm not in ("inf", "2"):
            raise must(f"{key}.norm", "'inf' or '2'", norm)
        comp = quantizer(b, norm)
    elif name == "dither":
        b = _int(spec.get("bits", 3), f"{key}.bits", 2, 32)
        norm = spec.get("norm", "inf")
        if norm not in ("inf", "2"):
            raise must(f"{key}.norm", "'inf' or '2'", norm)
        comp = dither(b, norm)
    elif name == "rand_k":
        sc = spec.get("scaled", True)
        if not isinstance(sc, bool):
            raise must(f"{key}.scaled", "true or false", sc)
        comp = rand_k(**_k(spec, dim, key), scaled=sc)
    else:
        comp = top_k(**_k(spec, dim, key))
    return error_feedback(comp) if ef else comp


def list_compressors() -> list[tuple[str, str]]:
    """(name, "params: description") for ``netsim list compressors``."""
    out = []
    for name, (defaults, doc) in COMPRESSORS.items():
        ps = ", ".join(f"{k}={v!r}" if v is not None else k for k, v in defaults.items())
        out.append((name, f"({ps}) {doc}"))
    from netsim import plugins
    out += plugins.listing("compressors", COMPRESSORS)
    return out
