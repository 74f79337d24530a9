"""Named random distributions for jitter, compute noise, slowdowns and heterogeneity.

A scenario writes a distribution as a plain number (a constant) or a table with named
parameters, never an expression::

    jitter   = { dist = "exponential", mean = "1 ms" }
    slowdown = { dist = "lognormal", mean = 5.0, sigma = 0.5 }
    noise    = { dist = "uniform", low = 0.9, high = 1.1 }
    compute  = { dist = "pareto", shape = 2.5, scale = 1.0, max = 50 }

Supported (all values >= 0):

* ``constant``    ``value``
* ``uniform``     ``low``, ``high``
* ``exponential`` ``mean``
* ``lognormal``   ``mean`` (of the distribution itself) and ``sigma`` (of the log), or
                  ``mu`` and ``sigma`` (parameters of the log); mean = exp(mu + sigma^2/2);
                  sigma <= 20 and |mu| + sigma^2/2 <= 700 (finite floats)
* ``pareto``      ``shape`` (alpha >= 0.1) and ``scale`` (x_m > 0): P(X > x) = (x_m / x)^alpha,
                  x >= x_m; mean = alpha x_m / (alpha - 1) for alpha > 1, else inf
                  (exponential means and pareto scales are at most 1e300: draws stay finite)

plus optional ``min`` / ``max`` clipping of every draw. When ``kind`` is given ("time"),
location parameters may carry units ("1 ms"). Sampling always uses the Generator passed in.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass

import numpy as np

from netsim.errors import ScenarioError, must, shown

__all__ = ["Distribution", "make_distribution", "DISTRIBUTIONS"]

#: name -> (required parameters, optional parameters); location parameters carry units
DISTRIBUTIONS = {
    "constant": (("value",), ()),
    "uniform": (("low", "high"), ()),
    "exponential": (("mean",), ()),
    "lognormal": (("sigma",), ("mean", "mu")),
    "pareto": (("shape", "scale"), ()),
}
_DIMENSIONLESS = {"sigma", "mu", "shape"}
#: lognormal bounds: |mu| + sigma^2 / 2 <= MAX_LOG keeps the mean finite (exp(709) is the
#: largest float's order), sigma <= MAX_LOG_SPREAD keeps draws 10 sigma out finite
MAX_LOG = 700.0
MAX_LOG_SPREAD = 20.0
#: pareto: draws are scale x exp(E / shape), E ~ Exp(1); with shape >= 0.1 a draw
#: overflows with probability < exp(-70) = 4e-31
MIN_PARETO_SHAPE = 0.1
#: exponential mean and pareto scale: the largest draws are about 745 x this
MAX_SCALE = 1e300


@dataclass(frozen=True)
class Distribution:
    """A validated distribution. ``params`` are floats in SI units.

    Attributes:
        name: one of :data:`DISTRIBUTIONS`.
        params: its parameters.
        low, high: clipping bounds applied to every draw (``min``/``max``; default 0, inf).
    """

    name: str
    params: dict
    low: float = 0.0
    high: float = math.inf

    @property
    def is_constant(self) -> bool:
        """True if every draw returns the same value (no randomness consumed)."""
        return self.name == "constant" or (self.name == "uniform"
                                          and self.params["low"] == self.params["high"])

    @property
    def mean(self) -> float:
        """The mean of the unclipped distribution (exact for constant draws)."""
        p = self.params
        if self.name == "constant":
            return float(min(max(p["value"], self.low), self.high))
        if self.name == "uniform":
            return 0.5 * (p["low"] + p["high"])
        if self.name == "exponential":
            return p["mean"]
        if self.name == "lognormal":
            return math.exp(p["mu"] + 0.5 * p["sigma"] ** 2)
        if self.name == "pareto":
            a = p["shape"]
            return a * p["scale"] / (a - 1) if a > 1 else math.inf
        raise AssertionError(self.name)  # pragma: no cover

    def sample(self, rng: np.random.Generator, size=None):
        """Draw from the distribution with ``rng`` (a float, or an array of ``size``)."""
        p = self.params
        if self.name == "constant":
            x = p["value"] if size is None else np.full(size, p["value"], dtype=float)
        elif self.name == "uniform":
            x = rng.uniform(p["low"], p["high"], size)
        elif self.name == "exponential":
            x = rng.exponential(p["mean"], size)
        elif self.name == "lognormal":
            x = rng.lognormal(p["mu"], p["sigma"], size)
        else:   # pareto (Lomax + 1 shifted and scaled: classical Pareto with minimum scale)
            x = p["scale"] * (1.0 + rng.pareto(p["shape"], size))
        if self.low > 0.0 or self.high < math.inf:
            x = np.clip(x, self.low, self.high)
            if size is None:
                x = float(x)
        return x

    def describe(self) -> str:
        """Short text like ``lognormal(mu=1.48, sigma=0.5)``."""
        args = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        clip = ""
        if self.low > 0 or self.high < math.inf:
            clip = f" clipped to [{self.low:.4g}, {self.high:.4g}]"
        return f"{self.name}({args}){clip}"


def _value(raw, key, kind, dimensionless):
    if kind is not None and not dimensionless:
        from netsim.units import parse_quantity
        return parse_quantity(raw, kind, key, allow_inf=False)
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real) or not math.isfinite(raw):
        raise must(key, "a finite number", raw)
    return float(raw)


def make_distribution(spec, key: str, kind: str | None = None) -> Distribution:
    """Validate a scenario value (number or table) and return a :class:`Distribution`.

    Args:
        spec: a number (constant) or a table ``{dist = ..., <params>, min?, max?}``.
        key: the dotted scenario key, used in error messages.
        kind: "time" if the values are durations (then units like "1 ms" are accepted).
    """
    if not isinstance(spec, dict):
        if kind is not None and isinstance(spec, str):
            v = _value(spec, key, kind, False)
        elif isinstance(spec, bool) or not isinstance(spec, numbers.Real) \
                or not math.isfinite(spec) or spec < 0:
            raise must(key, "a number >= 0 or a distribution table like "
                            "{ dist = \"exponential\", mean = 1.0 }", spec)
        else:
            v = float(spec)
        return Distribution("constant", {"value": v})
    name = spec.get("dist")
    if name not in DISTRIBUTIONS:
        near = difflib.get_close_matches(str(name), list(DISTRIBUTIONS), n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise must(f"{key}.dist", "one of " + ", ".join(repr(d) for d in DISTRIBUTIONS) + hint,
                   name)
    required, optional = DISTRIBUTIONS[name]
    allowed = ("dist", *required, *optional, "min", "max")
    for k in spec:
        if k not in allowed:
            near = difflib.get_close_matches(k, allowed, n=1)
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise ScenarioError(f"{key}.{k}", f"is not a parameter of the {name} distribution"
                                              f"{hint} (allowed: {', '.join(allowed[1:])})")
    for k in required:
        if k not in spec:
            raise ScenarioError(key, f"the {name} distribution needs '{k}' "
                                     f"(parameters: {', '.join(allowed[1:])}); got {shown(spec)}")
    p = {k: _value(spec[k], f"{key}.{k}", kind, k in _DIMENSIONLESS)
         for k in (*required, *optional) if k in spec}
    for k, v in p.items():
        if k != "mu" and v < 0:
            raise must(f"{key}.{k}", "a value >= 0", spec[k])
    if name == "uniform" and p["high"] < p["low"]:
        raise must(f"{key}.high", f">= low ({spec['low']})", spec["high"])
    if name == "exponential" and p["mean"] <= 0:
        raise must(f"{key}.mean", "a value > 0", spec["mean"])
    if name == "lognormal":
        if ("mean" in p) == ("mu" in p):
            raise ScenarioError(key, f"the lognormal distribution needs exactly one of 'mean' "
                                     f"(of the values) or 'mu' (of the log); got {shown(spec)}")
        if p["sigma"] > MAX_LOG_SPREAD:
            raise must(f"{key}.sigma", f"a value in [0, {MAX_LOG_SPREAD:g}] (exp of a draw "
                                       f"must stay a finite float)", spec["sigma"])
        if "mean" in p:
            if p["mean"] <= 0:
                raise must(f"{key}.mean", "a value > 0", spec["mean"])
            mu = math.log(p["mean"]) - 0.5 * p["sigma"] ** 2
        else:
            mu = p["mu"]
            if abs(mu) + 0.5 * p["sigma"] ** 2 > MAX_LOG:
                raise must(f"{key}.mu", f"a value with |mu| + sigma^2/2 <= {MAX_LOG:g} (the mean "
                                        f"exp(mu + sigma^2/2) must be a finite float)", spec["mu"])
        p = {"mu": mu, "sigma": p["sigma"]}
    if name == "pareto":
        for k in ("shape", "scale"):
            if p[k] <= 0:
                raise must(f"{key}.{k}", "a value > 0", spec[k])
        if p["shape"] < MIN_PARETO_SHAPE:
            raise must(f"{key}.shape", f"a value >= {MIN_PARETO_SHAPE:g} (a smaller shape "
                                       f"draws values that overflow a float)", spec["shape"])
    for k in ("mean", "scale"):             # exponential, pareto: draws reach ~700 x this
        if name in ("exponential", "pareto") and k in p and p[k] > MAX_SCALE:
            raise must(f"{key}.{k}", f"a value <= {MAX_SCALE:g} (draws must stay finite "
                                     f"floats)", spec[k])
    low = _value(spec["min"], f"{key}.min", kind, False) if "min" in spec else 0.0
    high = _value(spec["max"], f"{key}.max", kind, False) if "max" in spec else math.inf
    if low < 0:
        raise must(f"{key}.min", "a value >= 0", spec["min"])
    if high < low:
        raise must(f"{key}.max", f">= min ({low})", spec["max"])
    return Distribution(name, p, low, high)
