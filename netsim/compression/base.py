"""Compressors as pure functions with explicit state (in the style of Optax transforms).

A :class:`Compressor` is a pair of pure functions::

    state = comp.init(dim)                      # once per channel (e.g. per directed edge)
    out, state = comp.update(v, state, rng)     # every message; out = Compressed(value, bits)

``out.value`` is the vector the *receiver* reconstructs (float64), ``out.bits`` the exact
payload size. Randomness (dither, index draws) comes only from the Generator passed in.
Wrappers (:mod:`netsim.compression.wrappers`) take a compressor and return a compressor.

Bit conventions (spec ``lt_admm_cc.md`` §3.3, §4; SCENARIO.md):

* identity: dim x float_bits (64 or 32);
* b-bit quantizer: dim x b + 32 (one float32 scale). The sign plus the 2^(b-1)+1 magnitude
  levels are 2^b + 1 symbols; like LEAD we count b bits per entry;
* sparsifiers (rand-k, top-k): k x 32 (float32 values) + k x ceil(log2 dim) (indices).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["Compressed", "Compressor", "identity", "quantizer", "dither", "qsgd", "rand_k",
           "top_k", "float32_up"]


class Compressed(NamedTuple):
    """What crosses the network: the decoded value and its exact size in bits."""

    value: np.ndarray
    bits: int


@dataclass(frozen=True)
class Compressor:
    """A compression transform.

    Attributes:
        name: short name ("quantizer", "rand_k", ...).
        init: dim -> initial state.
        update: (v, state, rng) -> (Compressed, new state). Pure: never mutates its inputs.
        omega: dim -> variance factor with E||C(v) - v||^2 <= omega ||v||^2 (unbiased
            compressors), or the contraction factor (biased ones).
        unbiased: E[C(v)] = v.
        params: the parameters it was built with (for descriptions).
        rows: optional vectorized form for stateless compressors:
            ``rows(V, rngs) -> (values, bits)`` compresses every row of ``V`` as ``update``
            would, row after row, row r drawing from ``rngs[r]`` (the same generator may serve
            several consecutive rows); bit-identical to the loop (tested), used by the
            batched kernels of :mod:`netsim.algorithms.batch`. None: loop over ``update``.
    """

    name: str
    init: Callable[[int], Any]
    update: Callable[[np.ndarray, Any, np.random.Generator], tuple[Compressed, Any]]
    omega: Callable[[int], float]
    unbiased: bool
    params: dict = field(default_factory=dict)
    rows: Callable | None = None

    def describe(self) -> str:
        """``quantizer(bits=4, norm='inf')``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def _no_state(dim):
    return None


def float32_up(x: float) -> float:
    """The smallest float32 >= x (so a transmitted float32 scale never undershoots)."""
    f = np.float32(x)
    if float(f) < x:
        f = np.nextafter(f, np.float32(np.inf))
    return float(f)


def identity(float_bits: int = 64) -> Compressor:
    """No compression: the vector is sent as ``float_bits``-bit floats (dim x float_bits).

    With 32 bits the receiver sees v rounded to float32.
    """
    if float_bits not in (32, 64):
        raise ValueError("float_bits must be 32 or 64")

    def update(v, state, rng):
        v = np.asarray(v, dtype=float)
        val = v.copy() if float_bits == 64 else v.astype(np.float32).astype(float)
        return Compressed(val, v.size * float_bits), state

    def rows(V, rngs):
        val = V.copy() if float_bits == 64 else V.astype(np.float32).astype(float)
        return val, V.shape[1] * float_bits

    return Compressor("none", _no_state, update, lambda dim: 0.0, True,
                      {"float_bits": float_bits}, rows)


def _dithered_update(bits: int, norm: str, rule):
    """The update shared by the dithered quantizers: scale alpha = ||v||_norm sent as a float32
    rounded up, one uniform dither per entry (drawn even for v = 0, so streams stay aligned),
    ``rule(v, alpha, kappa)`` -> the decoded vector; C(0) = 0, NaN for a non-finite norm.
    Bits: dim x bits + 32."""
    def update(v, state, rng):
        v = np.asarray(v, dtype=float)
        nrm = float(np.max(np.abs(v))) if norm == "inf" and v.size else float(np.linalg.norm(v))
        kappa = rng.random(v.size)
        payload = v.size * bits + 32
        if nrm == 0.0 or not math.isfinite(nrm):
            val = np.zeros_like(v) if nrm == 0.0 else np.full_like(v, np.nan)
            return Compressed(val, payload), state
        return Compressed(rule(v, float32_up(nrm), kappa), payload), state
    return update


def _draw_rows(rngs, dim) -> np.ndarray:
    """One uniform row per entry of ``rngs``, drawn in order; consecutive rows of the same
    generator in one call (``random((k, dim))`` equals k calls of ``random(dim)``)."""
    out = np.empty((len(rngs), dim))
    r = 0
    while r < len(rngs):
        g, e = rngs[r], r + 1
        while e < len(rngs) and rngs[e] is g:
            e += 1
        out[r:e] = g.random((e - r, dim))
        r = e
    return out


def _dithered_rows(bits: int, norm: str, rule):
    """Vectorized :func:`_dithered_update` (inf-norm only; None for the 2-norm, whose BLAS
    norm has no bit-identical row-wise form): the same operations on every row at once."""
    if norm != "inf":
        return None

    def rows(V, rngs):
        V = np.asarray(V, dtype=float)
        n, dim = V.shape
        if n == 1:                  # one row: scalar scale (the same values, less overhead)
            kappa = rngs[0].random((1, dim))
            nrm = float(np.max(np.abs(V))) if dim else 0.0
            if nrm == 0.0 or not math.isfinite(nrm):
                return np.full_like(V, 0.0 if nrm == 0.0 else np.nan), dim * bits + 32
            return rule(V, float32_up(nrm), kappa), dim * bits + 32
        kappa = _draw_rows(rngs, dim)
        nrm = np.max(np.abs(V), axis=1) if dim else np.zeros(n)
        f = nrm.astype(np.float32)
        f = np.where(f.astype(float) < nrm, np.nextafter(f, np.float32(np.inf)), f)
        alpha = f.astype(float)[:, None]
        ok = (nrm != 0.0) & np.isfinite(nrm)
        if ok.all():
            return rule(V, alpha, kappa), dim * bits + 32
        out = np.zeros_like(V)
        if ok.any():
            out[ok] = rule(V[ok], alpha[ok], kappa[ok])
        out[~np.isfinite(nrm)] = np.nan
        return out, dim * bits + 32
    return rows


def quantizer(bits: int = 4, norm: str = "inf") -> Compressor:
    """b-bit unbiased quantizer with uniform dither (spec §4.1, LEAD's quantizer).

    C(v) = s sign(v) floor(|v| / s + kappa),  s = ||v||_norm / 2^(b-1),  kappa ~ U[0, 1)^n,
    C(0) = 0. The norm travels as a float32 rounded up, so the levels stay in
    {0, ..., 2^(b-1)} and the receiver's value is exactly s x (integer level).
    Unbiased; E||C(v) - v||^2 = s^2 sum_j p_j (1 - p_j) <= min(n / 4^b, sqrt(n) / 2^(b-1))
    ||v||^2 for the inf-norm (p_j: fractional part of |v_j| / s). Bits: n b + 32.

    Args:
        bits: b in [1, 32].
        norm: "inf" (LEAD, QADMM) or "2" (QSGD-style scale).
    """
    if not 1 <= bits <= 32:
        raise ValueError("bits must be in [1, 32]")
    if norm not in ("inf", "2"):
        raise ValueError("norm must be 'inf' or '2'")
    levels = 2.0 ** (bits - 1)

    def rule(v, alpha, kappa):
        s = alpha / levels
        return s * np.sign(v) * np.floor(np.abs(v) / s + kappa)

    update = _dithered_update(bits, norm, rule)
    rows = _dithered_rows(bits, norm, rule)

    def omega(dim):
        # s^2 sum p(1-p) <= s^2 min(n/4, ||v||_1/s) and s <= ||v||_2 / 2^(b-1) for both norms
        return min(dim / 4.0 ** bits, math.sqrt(dim) / levels)

    name = "quantizer" if norm == "inf" else "qsgd"
    return Compressor(name, _no_state, update, omega, True, {"bits": bits, "norm": norm}, rows)


def dither(bits: int = 3, norm: str = "inf") -> Compressor:
    """q-bit random dithering with s = 2^(q-1) - 1 magnitude levels (spec ``qadmm.md`` §3.3,
    the paper's Eq. (17) as reconstructed from the author's earlier code).

        alpha = ||v||_norm (sent as a float32 rounded up),  a_j = s |v_j| / alpha in [0, s],
        l_j = floor(a_j) + Bernoulli(a_j - floor(a_j)),   C(v)_j = sign(v_j) l_j alpha / s.

    Sign + level fit in exactly q bits (|l_j| <= s). Unbiased; ||v - C(v)||_inf <= alpha / s;
    E||C(v) - v||^2 <= d alpha^2 / (4 s^2); C(0) = 0. Bits: d q + 32. Unlike :func:`quantizer`
    (LEAD's 2^(b-1) levels), q = 2 leaves a single level (s = 1): the spec's divergence case.

    Args:
        bits: q in [2, 32].
        norm: "inf" (default, QADMM) or "2" (the original QSGD scale).
    """
    if not 2 <= bits <= 32:
        raise ValueError("bits must be in [2, 32]")
    if norm not in ("inf", "2"):
        raise ValueError("norm must be 'inf' or '2'")
    levels = 2.0 ** (bits - 1) - 1.0

    def rule(v, alpha, kappa):
        q = np.minimum(np.floor(levels * np.abs(v) / alpha + kappa), levels)
        return (alpha / levels) * np.sign(v) * q

    update = _dithered_update(bits, norm, rule)
    rows = _dithered_rows(bits, norm, rule)

    def omega(dim):
        return min(dim / (4.0 * levels ** 2), math.sqrt(dim) / levels)

    return Compressor("dither", _no_state, update, omega, True, {"bits": bits, "norm": norm},
                      rows)


def qsgd(bits: int = 4) -> Compressor:
    """QSGD-style quantizer: :func:`quantizer` with the 2-norm scale."""
    return quantizer(bits, norm="2")


def _k_of(k, fraction, dim):
    if k is not None:
        return int(k)
    return max(1, math.ceil(fraction * dim))


def _sparse_bits(k, dim):
    return k * 32 + k * max(1, math.ceil(math.log2(dim))) if dim > 1 else k * 32


def _sparsify(k, fraction, choose, factor):
    """update() of a sparsifier: keep the entries ``choose(v, kk, rng)`` as float32 values,
    times ``factor(n, kk)``; k x 32 + k x ceil(log2 n) bits."""

    def update(v, state, rng):
        v = np.asarray(v, dtype=float)
        n = v.size
        kk = min(_k_of(k, fraction, n), n)
        idx = choose(v, kk, rng)
        out = np.zeros_like(v)
        out[idx] = v[idx].astype(np.float32).astype(float) * factor(n, kk)
        return Compressed(out, _sparse_bits(kk, n)), state

    return update


def _sparsify_rows(k, fraction, choose_rows, factor):
    """Compressor.rows of a sparsifier: ``choose_rows(V, kk, rngs)`` -> (rows, kk) indices
    (each row's as ``choose`` would pick them, drawing from that row's generator in row
    order), then the same float32 rounding and factor as :func:`_sparsify`, row-wise."""

    def rows(V, rngs):
        V = np.asarray(V, dtype=float)
        r, n = V.shape
        kk = min(_k_of(k, fraction, n), n)
        idx = choose_rows(V, kk, rngs)
        at = np.arange(r)[:, None]
        out = np.zeros_like(V)
        out[at, idx] = V[at, idx].astype(np.float32).astype(float) * factor(n, kk)
        return out, _sparse_bits(kk, n)

    return rows


def rand_k(k: int | None = None, fraction: float | None = None, scaled: bool = True) -> Compressor:
    """Scaled rand-k sparsifier (spec §4.2): C(v) = (n/k) sum_{j in S} v_j e_j, S uniform of
    size k without replacement. Unbiased with E||C(v) - v||^2 = (n/k - 1)||v||^2 exactly.
    Values travel as float32. Bits: k 32 + k ceil(log2 n). ``scaled=False`` is the biased
    version found in some codebases (documented, not recommended)."""
    if (k is None) == (fraction is None):
        raise ValueError("give exactly one of k or fraction")

    factor = (lambda n, kk: n / kk) if scaled else (lambda n, kk: 1.0)
    update = _sparsify(k, fraction, lambda v, kk, rng: rng.choice(v.size, kk, replace=False),
                       factor)
    rows = _sparsify_rows(k, fraction, lambda V, kk, rngs: np.array(
        [g.choice(V.shape[1], kk, replace=False) for g in rngs]).reshape(len(rngs), kk), factor)

    def omega(dim):
        kk = min(_k_of(k, fraction, dim), dim)
        return dim / kk - 1.0 if scaled else math.inf

    params = {"k": k} if k is not None else {"fraction": fraction}
    return Compressor("rand_k", _no_state, update, omega, scaled, {**params, "scaled": scaled},
                      rows)


def top_k(k: int | None = None, fraction: float | None = None) -> Compressor:
    """Top-k sparsifier: keep the k entries of largest magnitude (ties: lowest index).

    Biased and deterministic; contractive: ||C(v) - v||^2 <= (1 - k/n) ||v||^2 (``omega``
    returns that factor). Values travel as float32. Bits: k 32 + k ceil(log2 n).
    """
    if (k is None) == (fraction is None):
        raise ValueError("give exactly one of k or fraction")

    update = _sparsify(k, fraction,
                       lambda v, kk, rng: np.argsort(-np.abs(v), kind="stable")[:kk],
                       lambda n, kk: 1.0)
    rows = _sparsify_rows(k, fraction, lambda V, kk, rngs: np.argsort(
        -np.abs(V), axis=1, kind="stable")[:, :kk], lambda n, kk: 1.0)

    def omega(dim):
        return 1.0 - min(_k_of(k, fraction, dim), dim) / dim

    params = {"k": k} if k is not None else {"fraction": fraction}
    return Compressor("top_k", _no_state, update, omega, False, params, rows)
