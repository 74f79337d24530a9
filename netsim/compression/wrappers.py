"""Wrappers: transforms that take a compressor and return a compressor (Optax-style chains).

* :func:`error_feedback` - e_0 = 0; send c = C(v + e); e <- v + e - c. What is not sent now is
  sent later (sum of sent values + e_k = sum of inputs, exactly up to rounding).
* :func:`shared_estimate` - a "delta + shared estimate" channel: both ends hold h (h_0 = 0);
  the sender transmits c = C(v - h), both ends set h <- h + eta c, and the receiver's value
  is h. With eta = 1 and an exact C, h = v. (QADMM's x~, u~, z^; LEAD/LT-ADMM-CC references.)
* :func:`scaled` - C'(v) = factor C(v), e.g. the contractive form C / (1 + omega) (spec §4.3).

State of a wrapped compressor is ``(inner_state, own_state)``.
"""

from __future__ import annotations

import numpy as np

from netsim.compression.base import Compressor

__all__ = ["error_feedback", "shared_estimate", "apply_delta", "scaled"]


def error_feedback(inner: Compressor) -> Compressor:
    """Classic error feedback around ``inner``: c = C(v + e), e <- v + e - c."""

    def init(dim):
        return inner.init(dim), np.zeros(dim)

    def rows(V, rngs, states):
        s_in, E = states
        corrected = np.asarray(V, dtype=float) + E
        vals, bits, s_in = inner.rows(corrected, rngs, s_in)
        return vals, bits, (s_in, corrected - vals)

    return Compressor(f"ef({inner.name})", init, rows, inner.omega, False,
                      {**inner.params, "error_feedback": True}, scale_bits=inner.scale_bits,
                      levels=inner.levels)


def apply_delta(h: np.ndarray, delta: np.ndarray, eta: float = 1.0) -> np.ndarray:
    """Receiver side of a shared-estimate channel: h <- h + eta delta (a new array)."""
    return h + eta * delta


def shared_estimate(inner: Compressor, eta: float = 1.0) -> Compressor:
    """Send compressed innovations against an estimate both ends keep.

    c = C(v - h); h <- h + eta c; the receiver's value is the new h.
    """

    def init(dim):
        return inner.init(dim), np.zeros(dim)

    def rows(V, rngs, states):
        s_in, H = states
        vals, bits, s_in = inner.rows(np.asarray(V, dtype=float) - H, rngs, s_in)
        H = apply_delta(H, vals, eta)
        return H.copy(), bits, (s_in, H)

    return Compressor(f"shared({inner.name})", init, rows, inner.omega, False,
                      {**inner.params, "eta": eta}, scale_bits=inner.scale_bits,
                      levels=inner.levels)


def scaled(inner: Compressor, factor: float) -> Compressor:
    """C'(v) = factor C(v). ``scaled(C, 1/(1+omega))`` is the contractive form of spec §4.3."""

    def rows(V, rngs, states):
        vals, bits, states = inner.rows(V, rngs, states)
        return factor * vals, bits, states

    return Compressor(f"scaled({inner.name})", inner.init, rows,
                      lambda dim: inner.omega(dim), False, {**inner.params, "factor": factor},
                      scale_bits=inner.scale_bits, levels=inner.levels)
