"""Problems: per-agent objectives, data, and the reference optimum.

``make_problem(spec, n_agents, streams, base_dir)`` turns the scenario's ``[problem]`` table
into a :class:`Problem` (see SCENARIO.md "Conventions" and ``docs/scenario.md``):

* ``kind``: logistic (l2), least_squares (l2), lasso (l1 weight split evenly over agents);
* ``data``: synthetic | digits | breast_cancer | a ``.npz`` file;
* ``partition``: iid | by_label | {dirichlet = a} for real or global data.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re

import numpy as np

from netsim.errors import ScenarioError, must
from netsim.problems.data import BUNDLED, bundled, load_npz, partition, synthetic
from netsim.problems.local import LocalProblem
from netsim.problems.problem import Problem

__all__ = ["Problem", "LocalProblem", "make_problem", "list_problems", "KINDS", "PROBLEM_KEYS"]

KINDS = {
    "logistic": "l2-regularized logistic regression, labels in {-1, +1} (classifier)",
    "least_squares": ("l2-regularized least squares, "
                      "f_i = (1/2m)||A_i x - b_i||^2 + reg/2 ||x||^2"),
    "lasso": ("least squares + regularization ||x||_1 "
              "(held by the server, or split evenly over agents)"),
}
#: accepted keys with their defaults (None: no default)
PROBLEM_KEYS = {"kind": "logistic", "samples_per_agent": 100, "features": 20,
                "regularization": 0.01, "data": "synthetic", "partition": "iid",
                "noise": 0.1, "sparsity": 0.1, "positive_class": 0, "standardize": True,
                "hidden": 32, "test_fraction": 0.2}


def list_problems() -> list[tuple[str, str]]:
    """(name, description) of problem kinds and bundled data sets."""
    out = list(KINDS.items())
    out.append(("mlp", "one-hidden-layer tanh network, softmax cross-entropy (non-convex; "
                       "data = 'digits' or 'fashion_mnist'; test accuracy reported)"))
    out += [(f"data = {name!r}", doc) for name, doc in BUNDLED.items()]
    out.append(("data = 'file.npz'", "arrays A_0..A_{N-1}, b_0..b_{N-1} or global A, b"))
    from netsim import plugins
    out += plugins.listing("problems", {*KINDS, 'mlp'})
    return out


#: the largest regularization weight accepted (as netsim.algorithms.params.MAX_PARAM for step
#: sizes): regularization = 1e308 overflowed the reference-optimum solve into a traceback
MAX_PARAM = 1e12


def _num(v, key, lo=0.0, lo_open=False, hi=None):
    ok = not isinstance(v, bool) and isinstance(v, numbers.Real) and math.isfinite(v) \
        and (v > lo if lo_open else v >= lo) and (hi is None or v <= hi)
    if not ok:
        what = f"a number {'>' if lo_open else '>='} {lo}" + (f" and <= {hi}" if hi else "")
        raise must(key, what, v)
    return float(v)


def _pos_int(v, key):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise must(key, "an integer >= 1", v)
    return int(v)


def _partition_spec(p, key):
    if p in ("iid", "by_label"):
        return p
    if isinstance(p, dict) and set(p) == {"dirichlet"}:
        _num(p["dirichlet"], f"{key}.partition.dirichlet", 0.0, lo_open=True)
        return {"dirichlet": float(p["dirichlet"])}
    raise must(f"{key}.partition", "'iid', 'by_label' or { dirichlet = a } with a > 0", p)


_LAMBDA_MAX = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\*?\s*lambda_max\s*$")


def _lambda_max_factor(v, kind, key):
    """``"0.1 lambda_max"`` -> 0.1 (lasso only); None for a plain number."""
    if not isinstance(v, str):
        return None
    mt = _LAMBDA_MAX.match(v)
    if kind != "lasso" or mt is None or not 0 < float(mt.group(1)) < math.inf:
        raise must(key, "a number >= 0 (lasso also: a factor of lambda_max like "
                        "'0.1 lambda_max', factor > 0)", v)
    return float(mt.group(1))


def _make_mlp(p, n_agents, streams, key):
    from netsim.problems.mlp import MlpLocal, MlpProblem, mlp_data

    cap = _pos_int(p["samples_per_agent"], f"{key}.samples_per_agent")
    hidden = _pos_int(p["hidden"], f"{key}.hidden")
    reg = _num(p["regularization"], f"{key}.regularization", 0.0)
    tf = _num(p["test_fraction"], f"{key}.test_fraction", 0.0, lo_open=True, hi=0.9)
    part = _partition_spec(p["partition"], key)
    data = p["data"]
    if data == "synthetic":
        data = "digits"
    X, y, Xte, yte, classes = mlp_data(data, key, tf, streams.generator("data", "split"))
    prng = streams.generator("data", "partition")
    shards = partition(y, n_agents, part, prng, key)
    shards = [np.sort(prng.permutation(ix)[:cap]) for ix in shards]   # random subset
    agents = [MlpLocal(X[ix], y[ix], hidden, classes, reg) for ix in shards]
    m = sum(a.m for a in agents)
    desc = (f"mlp {X.shape[1]}-{hidden}-{classes} on {data} ({m} training samples over "
            f"{n_agents} agents, {len(yte)} test), partition {part}")
    return MlpProblem(agents, Xte, yte, desc)


def _plugin(kind, key):
    """The factory of an installed ``netsim.problems`` entry point, or None.

    The entry point named ``kind`` (not a built-in kind).
    """
    from netsim import plugins

    if not isinstance(kind, str) or kind in KINDS or kind == "mlp":
        return None
    return plugins.load("problems", kind, f"{key}.kind",
                        lambda f: None if callable(f) else "is not callable")


def make_problem(spec: dict, n_agents: int, streams, base_dir=None,
                 key: str = "problem", memory: float | None = None) -> Problem:
    """Validate ``spec`` (the [problem] table) and build the :class:`Problem`.

    ``memory``: the budget in bytes a data file's arrays must fit (None: the default of
    :func:`netsim.budget.budget_bytes`).
    """
    if not isinstance(spec, dict):
        raise must(key, "a table", spec)
    plugin = _plugin(spec.get("kind"), key)
    if plugin is not None:            # an installed netsim.problems entry point: its own keys
        from netsim.plugins import call_factory
        return call_factory(plugin, spec.get("kind"), f"{key}.kind", spec, n_agents, streams,
                            base_dir, key)
    for k in spec:
        if k not in PROBLEM_KEYS:
            near = difflib.get_close_matches(k, list(PROBLEM_KEYS), n=1)
            hint = f" — did you mean '{near[0]}'?" if near else ""
            raise ScenarioError(f"{key}.{k}", f"is not a known key{hint} "
                                              f"(allowed: {', '.join(PROBLEM_KEYS)})")
    p = {**PROBLEM_KEYS, **spec}
    kind = p["kind"]
    if kind == "mlp":
        return _make_mlp(p, n_agents, streams, key)
    if kind not in KINDS:
        near = difflib.get_close_matches(str(kind), list(KINDS), n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise must(f"{key}.kind", "one of " + ", ".join(map(repr, KINDS)) + hint, kind)
    m = _pos_int(p["samples_per_agent"], f"{key}.samples_per_agent")
    dim = _pos_int(p["features"], f"{key}.features")
    reg_rel = _lambda_max_factor(p["regularization"], kind, f"{key}.regularization")
    reg = 1.0 if reg_rel is not None else _num(p["regularization"], f"{key}.regularization",
                                               0.0, lo_open=kind in ("logistic", "lasso"),
                                               hi=MAX_PARAM)
    noise = _num(p["noise"], f"{key}.noise")
    sparsity = _num(p["sparsity"], f"{key}.sparsity", 0.0, lo_open=True, hi=1.0)
    if not isinstance(p["standardize"], bool):
        raise must(f"{key}.standardize", "true or false", p["standardize"])
    part = _partition_spec(p["partition"], key)
    data = p["data"]
    if not isinstance(data, str):
        raise must(f"{key}.data", "'synthetic', " + ", ".join(map(repr, BUNDLED))
                   + " or a path to an .npz file", data)

    prng = streams.generator("data", "partition")
    if data == "synthetic":
        rows, _ = synthetic(kind, n_agents, m, dim, noise, sparsity, streams)
        desc = f"synthetic {kind}, {n_agents} x {m} samples, dim {dim}"
    elif data in BUNDLED:
        pc = p["positive_class"]
        if isinstance(pc, bool) or not isinstance(pc, numbers.Integral):
            raise must(f"{key}.positive_class", "a digit in 0..9", pc)
        A, y, classes = bundled(data, int(pc), p["standardize"], key)
        rows = [(A[ix], y[ix]) for ix in partition(classes, n_agents, part, prng, key)]
        desc = f"{data} ({A.shape[0]} x {A.shape[1]}), partition {part}"
    elif data.endswith(".npz"):
        form, got = load_npz(data, base_dir, n_agents, kind, key, memory)
        if form == "agents":
            rows = got
        else:
            A, y = got
            rows = [(A[ix], y[ix]) for ix in partition(y, n_agents, part, prng, key)]
        desc = f"{data}, {sum(r[0].shape[0] for r in rows)} samples"
    else:
        near = difflib.get_close_matches(data, ["synthetic", *BUNDLED], n=1)
        hint = f" — did you mean '{near[0]}'?" if near else ""
        raise must(f"{key}.data", "'synthetic', " + ", ".join(map(repr, BUNDLED))
                   + " or a path to an .npz file" + hint, data)

    if kind == "lasso":
        if reg_rel is not None:
            # lambda_max = ||grad of the smooth part at 0||_inf = ||sum_i A_i'b_i / m_i||_inf:
            # the smallest l1 weight with x* = 0
            lam_max = float(np.abs(sum(A.T @ b / A.shape[0] for A, b in rows)).max())
            reg = reg_rel * lam_max
            desc += f", l1 = {reg_rel:g} lambda_max = {reg:.6g}"
        agents = [LocalProblem(kind, A, b, 0.0, reg / n_agents) for A, b in rows]
        return Problem(kind, agents, l1=reg, description=desc)
    agents = [LocalProblem(kind, A, b, reg) for A, b in rows]
    return Problem(kind, agents, description=desc)
