"""Names, units and scales of what netsim plots: trace columns, summary metrics and scenario keys.

One registry, used by figures (axis labels, legends, log scales) and by the metrics page
(docs/metrics.md lists the same definitions).

A scenario key missing here is labelled by its last dotted part; a quantity given as a string
with a unit (``"10 Mbit/s"``) is converted to SI with :func:`netsim.units.parse_quantity` so
that it can sit on a numeric axis.
"""

from __future__ import annotations

import math

__all__ = ["QUANTITIES", "Quantity", "label", "short", "numeric", "log_scale_suits"]


class Quantity(tuple):
    """``(axis label, short legend name, unit kind for parse_quantity or None, log by default)``."""

    __slots__ = ()

    def __new__(cls, axis, short, kind=None, log=False):
        """A label tuple; ``kind``: a unit kind of parse_quantity or None; ``log``: log axis."""
        return super().__new__(cls, (axis, short, kind, log))


#: key -> Quantity. Trace columns (docs/metrics.md), summary metrics as ``target_*`` and
#: ``final_*``, and the scenario keys studies sweep most.
QUANTITIES = {
    # trace columns
    "round": Quantity("round", "round"),
    "time": Quantity("simulated time [s]", "time"),
    "bits": Quantity("bits sent, all links [bit]", "bits", log=True),
    "messages": Quantity("messages sent, all links", "messages", log=True),
    "gradients": Quantity("component gradients, all agents", "gradients", log=True),
    "err_max": Quantity("max error  max‖x_i − x*‖", "err_max", log=True),
    "err_rms": Quantity("RMS error  rms‖x_i − x*‖", "err_rms", log=True),
    "err_mean": Quantity("error of the mean  ‖x̄ − x*‖", "err_mean", log=True),
    "rel_err": Quantity("relative error  Σ‖x_i − x*‖² / Σ‖x_i⁰ − x*‖²",
                        "rel_err", log=True),
    "consensus": Quantity("consensus  rms‖x_i − x̄‖", "consensus", log=True),
    "objective_gap": Quantity("objective gap  F(x̄) − F*", "objective_gap", log=True),
    "rel_objective_gap": Quantity("relative objective gap  (F(x̄) − F*) / |F*|",
                                  "rel_objective_gap", log=True),
    "accuracy": Quantity("accuracy of x̄", "accuracy"),
    "ref_drift": Quantity("reference drift  max‖copy − reference‖", "ref_drift", log=True),
    "est_drift": Quantity("estimate drift (server)", "est_drift", log=True),
    "staleness_mean": Quantity("mean staleness [rounds]", "staleness"),
    "staleness_max": Quantity("max staleness [rounds]", "max staleness"),
    "active": Quantity("results absorbed per server round", "active"),
    "rel_err_now": Quantity("relative error of the latest models (asynchronous rounds)",
                            "rel_err now", log=True),
    "bits_now": Quantity("bits sent up to the record [bit]", "bits now", log=True),
    "algorithm.wait": Quantity("peer wait policy", "wait"),
    # summary metrics (runs.csv)
    "target_time": Quantity("simulated time to target [s]", "time to target", log=True),
    "target_bits": Quantity("bits to target [bit]", "bits to target", log=True),
    "target_round": Quantity("rounds to target", "rounds to target"),
    "target_gradients": Quantity("component gradients to target", "gradients to target",
                                 log=True),
    # scenario keys
    "network.agents": Quantity("agents N", "N"),
    "network.topology": Quantity("topology", "topology"),
    "network.links.bandwidth": Quantity("link bandwidth [bit/s]", "bandwidth", "rate", True),
    "network.links.latency": Quantity("link latency [s]", "latency", "time", True),
    "network.links.loss": Quantity("loss probability per message", "loss"),
    "network.links.uplink": Quantity("uplink capacity [bit/s]", "uplink", "rate", True),
    "compute.gradient_time": Quantity("time per component gradient [s]", "gradient time",
                                      "time", True),
    "compute.stragglers.fraction": Quantity("straggler fraction", "stragglers"),
    "compute.stragglers.slowdown": Quantity("straggler slowdown factor", "slowdown"),
    "algorithm.name": Quantity("algorithm", "algorithm"),
    "algorithm.tau": Quantity("local steps tau", "tau"),
    "algorithm.P": Quantity("partial barrier P", "P"),
    "algorithm.rho": Quantity("penalty rho", "rho", log=True),
    "algorithm.compressor.bits": Quantity("bits per entry", "bits/entry"),
    "algorithm.compressor.name": Quantity("compressor", "compressor"),
    "seed": Quantity("seed", "seed"),
}


def _q(key: str) -> Quantity | None:
    if key in QUANTITIES:
        return QUANTITIES[key]
    if key.startswith("final_") and key[6:] in QUANTITIES:
        q = QUANTITIES[key[6:]]
        return Quantity("final " + q[0], "final " + q[1], q[2], q[3])
    return None


def label(key: str) -> str:
    """The axis label of ``key`` (with its unit), or the key itself."""
    q = _q(key)
    return q[0] if q else key


def short(key: str) -> str:
    """A short legend name of ``key`` (its last dotted part if not registered)."""
    q = _q(key)
    return q[1] if q else key.split(".")[-1]


def numeric(key: str, value):
    """``value`` of ``key`` as a number in SI units if it is one.

    ``"10 Mbit/s"`` -> 1e7; other values unchanged.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    q = _q(key)
    if isinstance(value, str) and q and q[2]:
        from netsim.units import parse_quantity
        try:
            return parse_quantity(value, q[2], key)
        except Exception:                     # noqa: BLE001 - a label, not a validation
            return value
    return value


def value_text(key: str, value) -> str:
    """``value`` of ``key`` as a legend writes it.

    A registered quantity with its unit (1e4 for the bandwidth -> "10 kbit/s"), anything else
    as ``str``.
    """
    q = _q(key)
    if q and q[2] and isinstance(value, (int, float)) and not isinstance(value, bool):
        from netsim.units import format_quantity
        return format_quantity(float(value), q[2])
    return str(value)


def log_scale_suits(key: str, values) -> bool:
    """Whether ``key`` is drawn on a log scale over ``values``.

    Yes for positive values spanning two decades or more, or a quantity that is log-scaled by nature
    (errors, bits) with positive values.
    """
    vals = [float(v) for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    if not vals or min(vals) <= 0:
        return False
    q = _q(key)
    return (q is not None and q[3]) or max(vals) / min(vals) >= 100
