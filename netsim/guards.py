"""Numerical guards: the stability conditions stated in the specs, checked before a run.

Each check returns a one-line message naming the condition, the values and the spec section;
:func:`netsim.simulate.build` issues them as :class:`StabilityWarning` (the CLI prints
``netsim: warning: ...``) and records them in ``summary.json``. They warn, they do not
refuse: the conditions are sufficient-style guidance, and studying what happens beyond them
is legitimate.

* LT-ADMM family (spec ``lt_admm_cc.md`` §3.4): tau * beta * rho * d_max "well below 1" and
  gamma <= 1/(2L), L the largest local smoothness constant. We warn from a product of 2: in
  the topology study products of 1.25-1.5 converged, 2-2.5 diverged on 2 of 3 scale-free
  graphs and 3.75 (complete graph) always; below 2 the warning fired on working scenarios.
  (A per-sample 1/L_max condition for SAGA was tried and dropped: it fired on converging
  real-data scenarios and missed nothing the others catch.)
* LT-ADMM-CC with rand-k (§7.9): eta (1 + omega) <= 1 (the quantizers' omega bound is too
  loose to be useful: 2-bit with eta = 1 converges although its bound gives omega > 1).
* QADMM (``qadmm.md`` §6.4): q = 2 (one level) diverged in every setting of the spec's check.
"""

from __future__ import annotations

import numpy as np

__all__ = ["StabilityWarning", "stability_messages", "local_training", "reference_step",
           "quantization_levels"]


class StabilityWarning(UserWarning):
    """A parameter choice outside a stability condition stated in the specs."""


def _smoothness(f) -> tuple[float, float]:
    """(L of f_i, largest per-sample L) for least squares / logistic local problems."""
    A = getattr(f, "A", None)
    if A is None or getattr(f, "kind", "") not in ("least_squares", "logistic", "lasso"):
        return 0.0, 0.0
    scale = 0.25 if f.kind == "logistic" else 1.0
    # lambda_max(A'A) = lambda_max(AA'): take the smaller Gram matrix
    G = A.T @ A if f.dim <= A.shape[0] else A @ A.T
    lam = float(np.linalg.eigvalsh(G / f.m)[-1]) if G.shape[0] <= 2000 else \
        float(np.linalg.norm(A, 2) ** 2 / f.m)
    per_sample = float(np.max(np.einsum("ij,ij->i", A, A)))
    return scale * lam + f.reg, scale * per_sample + f.reg


def local_training(params, problem, graph, compressor) -> list[str]:
    """LT-ADMM family (spec §3.4): tau beta rho d_max and gamma <= 1/(2L)."""
    out = []
    dmax = max(d for _, d in graph.degree) if graph is not None else 0
    prod = params["tau"] * params["beta"] * params["rho"] * dmax
    if prod >= 2.0:
        out.append(f"algorithm: tau * beta * rho * d_max = {params['tau']} x {params['beta']} "
                   f"x {params['rho']} x {dmax} = {prod:.3g} >= 2: the local phase may "
                   f"diverge (spec lt_admm_cc.md §3.4 asks for well below 1; lower beta "
                   f"or rho for high-degree graphs)")
    L, Lmax = max((_smoothness(f) for f in problem.agents), default=(0.0, 0.0))
    if L > 0 and params["gamma"] > 1.0 / (2.0 * L):
        out.append(f"algorithm.gamma = {params['gamma']:g} > 1/(2L) = {1 / (2 * L):.3g} "
                   f"(L = {L:.3g}, largest local smoothness constant; spec §3.4)")
    return out


def reference_step(params, problem, graph, compressor) -> list[str]:
    """LT-ADMM-CC (spec §7.9): eta (1 + omega) <= 1.

    Checked for an unbiased compressor whose omega is exact (``Compressor.omega_exact``, e.g.
    rand-k; the quantizers' bound is too loose).
    """
    if not (compressor.unbiased and compressor.omega_exact):
        return []
    om = compressor.omega(problem.dim)
    if om >= 1.0 and params["eta"] * (1.0 + om) > 1.0 + 1e-12:
        return [f"algorithm.eta = {params['eta']:g} with a compressor of omega = "
                f"{om:.3g}: eta (1 + omega) = {params['eta'] * (1 + om):.3g} > 1 "
                f"may diverge (spec §7.9: use eta ~ 1/(1 + omega) and alpha ~ 0.25)"]
    return []


def quantization_levels(params, problem, graph, compressor) -> list[str]:
    """QADMM (qadmm.md §6.4): no quantizer with a single magnitude level.

    ``Compressor.levels == 1`` diverged in every setting of the spec's check.
    """
    if compressor.levels == 1:
        return [f"algorithm.compressor.bits = {compressor.params.get('bits')} for qadmm: one "
                f"quantization level, no contraction; diverged in every setting of spec "
                f"qadmm.md §6.4 (use q >= 3)"]
    return []


def stability_messages(info, params: dict, problem, graph, compressor) -> list[str]:
    """The stability conditions this run violates (empty if none).

    The checks are those the algorithm declares
    (:attr:`~netsim.algorithms.base.AlgorithmInfo.checks`).
    """
    return [m for check in info.checks for m in check(params, problem, graph, compressor)]
