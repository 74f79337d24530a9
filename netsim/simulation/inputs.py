"""Scenario tables -> the plain values components take: initial models, compute spec, stop
rules, the memory budget check and the stability warnings of a run.

Nothing here builds a SimPy component; :mod:`netsim.simulation.build` does.
"""

from __future__ import annotations

import numpy as np

from netsim.errors import ScenarioError, must

__all__ = ["initial_models", "compute_spec", "check_memory", "stop_rules", "warn_unstable",
           "checked_params"]


def initial_models(spec, problem, streams, base_dir, memory: float | None = None) -> np.ndarray:
    """The agents' initial models ``algorithm.x0``, shape (agents, dim).

    Args:
        spec: "zeros", "random" or an .npz file (key ``x0``) relative to ``base_dir``.
        problem: the built problem (its ``n_agents``, ``dim``, maybe ``init_params``).
        streams: the run's :class:`netsim.rng.Streams`.
        base_dir: the scenario's folder (pathlib.Path).
        memory: the memory budget in bytes a file's arrays must fit (None: the default of
            :func:`netsim.budget.budget_bytes`).

    Raises:
        ScenarioError: "zeros" for an mlp, a missing / non-regular / malformed file, a
            wrong shape or non-finite values.
    """
    n, d = problem.n_agents, problem.dim
    if hasattr(problem, "init_params") and spec in ("zeros", "random"):
        if spec == "zeros":
            raise ScenarioError("algorithm.x0", "must be 'random' (Glorot initialisation, "
                                                "shared by all agents) or an .npz file for "
                                                "problem.kind = 'mlp': zero weights never "
                                                "break the symmetry; got 'zeros'")
        return np.tile(problem.init_params(streams.generator("x0", "mlp")), (n, 1))
    if spec == "zeros":
        return np.zeros((n, d))
    if spec == "random":
        return np.stack([streams.generator("x0", i).standard_normal(d) for i in range(n)])
    path = (base_dir / spec).resolve()
    if path.exists() and not path.is_file():      # a FIFO would block np.load forever
        raise must("algorithm.x0", "a regular .npz file", str(path))
    if path.is_file():
        from netsim.budget import check_bytes
        from netsim.problems.data import npz_nbytes
        check_bytes(npz_nbytes(path, "algorithm.x0"), "algorithm.x0", spec,
                    "the arrays its headers declare", memory)
    try:
        with np.load(path, allow_pickle=False) as f:
            x0 = np.asarray(f["x0"], dtype=float)
    except FileNotFoundError:
        raise must("algorithm.x0", "an existing .npz file", str(path)) from None
    except (KeyError, ValueError, OSError) as e:
        raise ScenarioError("algorithm.x0", f"must be an .npz file with an array 'x0'; "
                            f"got {str(path)!r} ({e})") from None
    if x0.shape != (n, d) or not np.all(np.isfinite(x0)):
        raise must("algorithm.x0", f"a finite array of shape ({n}, {d})",
                   f"{path.name}: shape {x0.shape}")
    return x0


def compute_spec(c: dict):
    """The :class:`netsim.compute.ComputeSpec` of a resolved ``[compute]`` table (times in
    seconds; distributions that are the constant 1 become None).
    """
    from netsim.compute import ComputeSpec
    from netsim.distributions import make_distribution
    from netsim.units import parse_quantity

    def dist(raw, key):
        d = make_distribution(raw, key)
        return None if d.is_constant and d.mean == 1.0 else d

    st = c["stragglers"]
    return ComputeSpec(
        gradient_time=parse_quantity(c["gradient_time"], "time", "compute.gradient_time"),
        solve_time=None if c["solve_time"] == "auto" else
        parse_quantity(c["solve_time"], "time", "compute.solve_time"),
        heterogeneity=dist(c["heterogeneity"], "compute.heterogeneity"),
        noise=dist(c["noise"], "compute.noise"),
        straggler_fraction=float(st["fraction"]),
        straggler_agents=tuple(st["agents"]) if "agents" in st else None,
        slowdown=dist(st["slowdown"], "compute.stragglers.slowdown"))


def check_memory(d: dict, problem=None, memory: float | None = None) -> None:
    """The memory budget (:mod:`netsim.budget`): before anything is built, with the sizes the
    scenario states (synthetic data: samples_per_agent x features); once the problem exists,
    with its real dimension and rows (data files, bundled sets, mlp). ``memory``: the budget in
    bytes (None: the default of :func:`netsim.budget.budget_bytes`).

    Raises:
        ScenarioError: the run would need more memory than the budget allows.
    """
    from netsim import budget

    n = d["network"]["agents"]
    if problem is not None:
        rows = max((getattr(a, "m", 1) for a in problem.agents), default=1)
        key = None if d["problem"].get("data", "synthetic") == "synthetic" else "problem.data"
        held = sum(getattr(getattr(a, "A", None), "nbytes", 0) for a in problem.agents)
        budget.check(d, n, problem.dim, rows, key, held or None, memory)
        return
    p = d["problem"]
    synthetic = p.get("data", "synthetic") == "synthetic" and p.get("kind") != "mlp"

    def size(k):
        v = p.get(k)
        return v if synthetic and isinstance(v, int) and not isinstance(v, bool) and v > 0 \
            else 1
    dim = size("features")
    hidden = p.get("hidden")
    if p.get("kind") == "mlp" and isinstance(hidden, int) and hidden > 0:
        pixels = 784 if p.get("data") == "fashion_mnist" else 64      # else digits
        dim = (pixels + 1) * hidden + (hidden + 1) * 10                # 10 classes
    budget.check(d, n, dim, size("samples_per_agent"), limit=memory)


def checked_params(info, d: dict, problem) -> dict:
    """The parameters of ``d["algorithm"]`` (``d``: a resolved scenario), checked, plus
    ``batch`` (server algorithms: ``P`` and ``tau`` resolved for ``admm-server`` and
    ``P = "all"``).

    Raises:
        ScenarioError: a bad parameter value, or an algorithm that cannot run this problem
            (a peer algorithm on an mlp, a smooth-only one with an l1 term, an mlp server
            run without ``solver = "adam"``).
    """
    alg, n = d["algorithm"], d["network"]["agents"]
    server = info.family == "server"
    if not server and problem.kind == "mlp":
        raise ScenarioError("algorithm.name", f"must be a server algorithm (admm-server, "
                                              f"async-admm, qadmm) with solver = 'adam' for "
                                              f"problem.kind = 'mlp'; got {alg['name']!r}")
    if not server and info.smooth_only and problem.l1 > 0:
        raise ScenarioError("algorithm.name", f"must be an algorithm that handles an l1 term "
                            f"(e.g. 'admm') for problem.kind = {d['problem']['kind']!r}; "
                            f"got {alg['name']!r}")
    params = {p: par.check(alg[p], f"algorithm.{p}") for p, par in info.params.items()}
    params["batch"] = alg["batch"]
    if not server:
        return params
    if problem.kind == "mlp" and params["solver"] != "adam":
        raise ScenarioError("algorithm.solver", "must be 'adam' for problem.kind = 'mlp' (no "
                                                "exact local solve); got 'exact'")
    if alg["name"] == "admm-server":
        params["P"], params["tau"] = n, 1
    if params["P"] == "all":
        params["P"] = n
    return params


def stop_rules(d: dict, problem, env):
    """(StopSpec, the event a stop rule triggers, the monitor's ``on_stop`` callback).

    Raises:
        ScenarioError: bad stop quantities, or ``metric = "accuracy"`` for a problem that is
            not a classifier.
    """
    from netsim.monitor import StopSpec
    from netsim.units import parse_quantity

    s = d["stop"]
    stop = StopSpec(rounds=s["rounds"], time=parse_quantity(s["time"], "time", "stop.time"),
                    target=s.get("target"), metric=s["metric"],
                    bits=parse_quantity(s["bits"], "size", "stop.bits", allow_inf=True))
    if stop.metric == "accuracy" and not problem.classifier:
        raise ScenarioError("stop.metric", f"must be a trace column of this problem; 'accuracy' "
                            f"needs a classifier, got problem.kind = {d['problem']['kind']!r}")
    if stop.metric == "rel_err_now" and not isinstance(d["algorithm"].get("wait"), dict):
        raise ScenarioError("stop.metric", "must be a trace column of this run; 'rel_err_now' "
                            "exists only for asynchronous peer rounds (an [algorithm] wait "
                            "table); got 'rel_err_now'")
    stop_event = env.event()

    def on_stop(reason):
        if not stop_event.triggered:
            stop_event.succeed(reason)

    return stop, stop_event, on_stop


def warn_unstable(info, params, problem, graph, compressor) -> list[str]:
    """Issue the stability warnings of :mod:`netsim.guards` (and return them)."""
    import warnings

    from netsim.guards import StabilityWarning, stability_messages

    msgs = stability_messages(info, params, problem, graph, compressor)
    for m in msgs:
        warnings.warn(m, StabilityWarning, stacklevel=3)
    return msgs
