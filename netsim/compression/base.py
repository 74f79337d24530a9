"""Compressors as pure functions with explicit state (in the style of Optax transforms).

A :class:`Compressor` is a pair of pure functions, written once over rows::

    state = comp.init(dim)                          # once per channel (e.g. per directed edge)
    vals, bits, states = comp.rows(V, rngs, states) # every row of V a message of its channel
    out, state = comp.update(v, state, rng)         # one vector: rows(v[None], [rng])[0]

``out.value`` is the vector the *receiver* reconstructs (float64), ``out.bits`` the exact
payload size. Randomness (dither, index draws) comes only from the Generator passed in.
Wrappers (:mod:`netsim.compression.wrappers`) take a compressor and return a compressor.

Bit conventions (spec ``lt_admm_cc.md`` §3.3, §4; SCENARIO.md):

* identity: dim x float_bits (64 or 32);
* b-bit quantizer: dim x b + 32 (one float32 scale). CONVENTION: the sign plus the
  2^(b-1)+1 magnitude levels are 2^b + 1 symbols, log2(2^b + 1) > b bits of information;
  like LEAD we bill b bits per entry (an undercount of < 1 bit per entry, stated in
  docs/model.md "Records and accounting"); ``dither`` (2^q - 1 levels in q bits) is exact;
* sparsifiers (rand-k, top-k): k x 32 (float32 values) + k x ceil(log2 dim) (indices).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["Compressed", "Compressor", "identity", "quantizer", "dither", "qsgd", "rand_k",
           "top_k", "float32_up", "k_of_fraction"]


class Compressed(NamedTuple):
    """What crosses the network: the decoded value and its exact size in bits."""

    value: np.ndarray
    bits: int


@dataclass(frozen=True)
class Compressor:
    """A compression transform, written once in its row form (one vector = one row).

    Attributes:
        name: short name ("quantizer", "rand_k", ...).
        init: dim -> initial state of one channel: None, an array, or a tuple of those.
        rows: ``rows(V, rngs, states) -> (values, bits, states)`` compresses every row of
            ``V`` (R, dim), row after row, row r drawing from ``rngs[r]`` (the same generator
            may serve several consecutive rows), with ``states`` the channels' states stacked
            on a leading row axis (None for a stateless compressor). Pure: never mutates its
            inputs. ``values`` is what the receivers reconstruct (float64), ``bits`` the exact
            payload of one row.
        omega: dim -> variance factor with E||C(v) - v||^2 <= omega ||v||^2 (unbiased
            compressors), or the contraction factor (biased ones).
        unbiased: E[C(v)] = v.
        params: the parameters it was built with (for descriptions).
        scale_bits: bits of the scale each compressed vector carries (32 for the dithered
            quantizers' float32 norm, 0 otherwise); wrappers keep their inner compressor's.
        omega_exact: ``omega`` is the exact variance factor, not a bound (rand-k).
        levels: magnitude levels of a quantizer (None: not a quantizer).
    """

    name: str
    init: Callable[[int], Any]
    rows: Callable
    omega: Callable[[int], float]
    unbiased: bool
    params: dict = field(default_factory=dict)
    scale_bits: int = 0
    omega_exact: bool = False
    levels: int | None = None

    def update(self, v, state, rng) -> tuple[Compressed, Any]:
        """One vector through :attr:`rows`.

        ``rows(v[None], [rng])[0]`` -> (Compressed, new state).
        """
        if state is None:                   # stateless (most compressors): no state trees
            vals, bits, _ = self.rows(np.asarray(v, dtype=float)[None], (rng,), None)
            return Compressed(vals[0], bits), None
        vals, bits, st = self.rows(np.asarray(v, dtype=float)[None], [rng],
                                   tree_map(lambda a: a[None], state))
        return Compressed(vals[0], bits), tree_map(lambda a: a[0], st)

    def stack_state(self, dim: int, count: int):
        """The initial states of ``count`` channels, stacked (for :attr:`rows`)."""
        return tree_map(lambda a: np.repeat(np.asarray(a)[None], count, axis=0),
                        self.init(dim))

    @property
    def scale_header(self) -> bool:
        """Each message carries a scale (:attr:`scale_bits` > 0: the dithered quantizers)."""
        return self.scale_bits > 0

    def describe(self) -> str:
        """``quantizer(bits=4, norm='inf')``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def tree_map(f, state):
    """``f`` on every array of a compressor state (None, an array or nested tuples)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(tree_map(f, s) for s in state)
    return f(state)


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

    def rows(V, rngs, states=None):
        val = V.copy() if float_bits == 64 else V.astype(np.float32).astype(float)
        return val, V.shape[1] * float_bits, states

    return Compressor("none", _no_state, rows, lambda dim: 0.0, True,
                      {"float_bits": float_bits})


def _draw_rows(rngs, dim) -> np.ndarray:
    """One uniform row per entry of ``rngs``, drawn in order.

    Consecutive rows of the same generator are drawn in one call (``random((k, dim))`` equals k
    calls of ``random(dim)``).
    """
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
    """Compressor.rows of the dithered quantizers.

    Scale alpha = ||v||_norm sent as a float32 rounded up, one uniform dither per entry (drawn even
    for v = 0, so streams stay aligned), ``rule(v, alpha, kappa)`` -> the decoded rows; C(0) = 0,
    NaN for a non-finite norm. Bits: dim x bits + 32. The 2-norm is each row's own
    ``np.linalg.norm``.
    """

    def norms(V):
        if not V.shape[1]:
            return np.zeros(V.shape[0])
        if norm == "inf":
            return np.max(np.abs(V), axis=1)
        return np.array([np.linalg.norm(v) for v in V])

    def rows(V, rngs, states=None):
        V = np.asarray(V, dtype=float)
        n, dim = V.shape
        payload = dim * bits + 32
        if n == 1:                  # one row: scalar scale (the same values, less overhead)
            kappa = rngs[0].random((1, dim))
            nrm = float(np.abs(V).max()) if norm == "inf" and dim else float(norms(V)[0])
            if nrm == 0.0 or not math.isfinite(nrm):
                return np.full_like(V, 0.0 if nrm == 0.0 else np.nan), payload, states
            return rule(V, float32_up(nrm), kappa), payload, states
        kappa = _draw_rows(rngs, dim)
        nrm = norms(V)
        f = nrm.astype(np.float32)
        f = np.where(f.astype(float) < nrm, np.nextafter(f, np.float32(np.inf)), f)
        alpha = f.astype(float)[:, None]
        ok = (nrm != 0.0) & np.isfinite(nrm)
        if ok.all():
            return rule(V, alpha, kappa), payload, states
        out = np.zeros_like(V)
        if ok.any():
            out[ok] = rule(V[ok], alpha[ok], kappa[ok])
        out[~np.isfinite(nrm)] = np.nan
        return out, payload, states
    return rows


def quantizer(bits: int = 4, norm: str = "inf") -> Compressor:
    """b-bit unbiased quantizer with uniform dither (spec §4.1, LEAD's quantizer).

    C(v) = s sign(v) floor(|v| / s + kappa),  s = ||v||_norm / 2^(b-1),  kappa ~ U[0, 1)^n,
    C(0) = 0. The norm travels as a float32 rounded up, so the levels stay in
    {0, ..., 2^(b-1)} and the receiver's value is exactly s x (integer level).
    Unbiased; E||C(v) - v||^2 = s^2 sum_j p_j (1 - p_j) <= min(n / 4^b, sqrt(n) / 2^(b-1))
    ||v||^2 for the inf-norm (p_j: fractional part of |v_j| / s). Bits: n b + 32, by
    LEAD's convention: the 2^b + 1 levels emitted are billed b bits each (module docstring).

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

    rows = _dithered_rows(bits, norm, rule)

    def omega(dim):
        # s^2 sum p(1-p) <= s^2 min(n/4, ||v||_1/s) and s <= ||v||_2 / 2^(b-1) for both norms
        return min(dim / 4.0 ** bits, math.sqrt(dim) / levels)

    name = "quantizer" if norm == "inf" else "qsgd"
    return Compressor(name, _no_state, rows, omega, True, {"bits": bits, "norm": norm},
                      scale_bits=32, levels=int(levels))


def dither(bits: int = 3, norm: str = "inf") -> Compressor:
    """q-bit random dithering with s = 2^(q-1) - 1 magnitude levels.

    Spec ``qadmm.md`` §3.3, the paper's Eq. (17) as reconstructed from the author's earlier code.

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

    rows = _dithered_rows(bits, norm, rule)

    def omega(dim):
        return min(dim / (4.0 * levels ** 2), math.sqrt(dim) / levels)

    return Compressor("dither", _no_state, rows, omega, True, {"bits": bits, "norm": norm},
                      scale_bits=32, levels=int(levels))


def qsgd(bits: int = 4) -> Compressor:
    """QSGD-style quantizer: :func:`quantizer` with the 2-norm scale."""
    return quantizer(bits, norm="2")


def k_of_fraction(fraction: float, dim: int) -> int:
    """Entries a sparsifier keeps for ``fraction`` of ``dim``.

    fraction x dim rounded to the nearest integer, halves up, computed exactly from the decimal
    value of ``fraction`` as written (0.1 x 30 = 3, not the float product 3.0000000000000004 rounded
    up to 4). May be 0; :func:`netsim.compression.registry.make_compressor` refuses that.
    """
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(repr(float(fraction))) * int(dim)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _k_of(k, fraction, dim):
    if k is not None:
        return int(k)
    return max(1, k_of_fraction(fraction, dim))


def _sparse_bits(k, dim):
    return k * 32 + k * max(1, math.ceil(math.log2(dim))) if dim > 1 else k * 32


def _sparsify_rows(k, fraction, choose_rows, factor):
    """Compressor.rows of a sparsifier.

    ``choose_rows(V, kk, rngs)`` -> (rows, kk) indices (each row's as ``choose`` would pick them,
    drawing from that row's generator in row order), then the float32 rounding and ``factor(n, k)``,
    row-wise.
    """

    def rows(V, rngs, states=None):
        V = np.asarray(V, dtype=float)
        r, n = V.shape
        kk = min(_k_of(k, fraction, n), n)
        idx = choose_rows(V, kk, rngs)
        at = np.arange(r)[:, None]
        out = np.zeros_like(V)
        out[at, idx] = V[at, idx].astype(np.float32).astype(float) * factor(n, kk)
        return out, _sparse_bits(kk, n), states

    return rows


def rand_k(k: int | None = None, fraction: float | None = None, scaled: bool = True) -> Compressor:
    """Scaled rand-k sparsifier (spec §4.2).

    C(v) = (n/k) sum_{j in S} v_j e_j, S uniform of size k without replacement. Unbiased with
    E||C(v) - v||^2 = (n/k - 1)||v||^2 exactly. Values travel as float32. Bits: k 32 + k ceil(log2
    n). ``scaled=False`` is the biased version found in some codebases (documented, not
    recommended).
    """
    if (k is None) == (fraction is None):
        raise ValueError("give exactly one of k or fraction")

    factor = (lambda n, kk: n / kk) if scaled else (lambda n, kk: 1.0)
    rows = _sparsify_rows(k, fraction, lambda V, kk, rngs: np.array(
        [g.choice(V.shape[1], kk, replace=False) for g in rngs]).reshape(len(rngs), kk), factor)

    def omega(dim):
        kk = min(_k_of(k, fraction, dim), dim)
        return dim / kk - 1.0 if scaled else math.inf

    params = {"k": k} if k is not None else {"fraction": fraction}
    return Compressor("rand_k", _no_state, rows, omega, scaled, {**params, "scaled": scaled},
                      omega_exact=scaled)


def top_k(k: int | None = None, fraction: float | None = None) -> Compressor:
    """Top-k sparsifier: keep the k entries of largest magnitude (ties: lowest index).

    Biased and deterministic; contractive: ||C(v) - v||^2 <= (1 - k/n) ||v||^2 (``omega``
    returns that factor). Values travel as float32. Bits: k 32 + k ceil(log2 n).
    """
    if (k is None) == (fraction is None):
        raise ValueError("give exactly one of k or fraction")

    rows = _sparsify_rows(k, fraction, lambda V, kk, rngs: np.argsort(
        -np.abs(V), axis=1, kind="stable")[:, :kk], lambda n, kk: 1.0)

    def omega(dim):
        return 1.0 - min(_k_of(k, fraction, dim), dim) / dim

    params = {"k": k} if k is not None else {"fraction": fraction}
    return Compressor("top_k", _no_state, rows, omega, False, params)
