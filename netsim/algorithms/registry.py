"""Registry: scenario name -> algorithm (kernel class, parameters, one-line doc).

A peer algorithm's ``build`` is its kernel class (:mod:`netsim.algorithms.batch`), called as
``build(problem, graph, params, x0, streams, compressor)``: ``params`` holds the validated
parameters of :attr:`AlgorithmInfo.params` plus ``batch``; ``x0`` has shape (agents, dim);
``compressor`` is a :class:`netsim.compression.Compressor`. Third-party algorithms register
the same way through the ``netsim.algorithms`` entry points (:mod:`netsim.plugins`).
"""

from __future__ import annotations

from netsim.algorithms import params as P
from netsim.algorithms.base import AlgorithmInfo, Param
from netsim.algorithms.gossip_batch import (
    CedasBatch,
    ChocoBatch,
    ColdBatch,
    DgdBatch,
    DpdcBatch,
    LeadBatch,
)
from netsim.algorithms.lt_batch import AdmmBatch, LtBatch, LtCcBatch, LtCcEdgeBatch
from netsim.algorithms.server_admm import AdamSolver, ServerAdmmServer, ServerAdmmWorker, channels
from netsim.guards import local_training, quantization_levels, reference_step

__all__ = ["ALGORITHMS", "get_algorithm", "list_algorithms", "COMMON_PARAMS"]

#: keys every algorithm table may hold besides its own parameters
COMMON_PARAMS = ("name", "x0", "batch", "compressor")

_RHO = Param(1.0, P.positive, "ADMM penalty rho > 0")
_ALPHA = Param(0.5, P.in_open_unit, "relaxation alpha in (0, 1); 0.5 is plain ADMM")
_TAU = Param(5, P.pos_int, "local training steps per round")
_GAMMA = Param(0.05, P.positive, "step size on the (stochastic) gradient")
_BETA = Param(0.05, P.positive, "step size on the ADMM correction term")


def _build_lt_admm_cc(problem, graph, params, x0, streams, compressor):
    kernel = LtCcBatch if params["design"] == "A" else LtCcEdgeBatch
    return kernel(problem, graph, params, x0, streams, compressor)


_ETA = Param(0.05, P.positive, "gradient step size")
_REF = Param("auto", P.unit_or_auto,
             "reference step in (0, 1]; auto = 1 / (1 + omega) of the compressor")
_RECON = " [RECONSTRUCTION: see the docstring and spec §6]"

ALGORITHMS: dict[str, AlgorithmInfo] = {
    "admm": AlgorithmInfo(
        "admm", "peer", AdmmBatch, {"rho": _RHO, "alpha": _ALPHA},
        "decentralized relaxed ADMM with exact local solves (z = 0 at start)",
        smooth_only=False),
    "lt-admm": AlgorithmInfo(
        "lt-admm", "peer", LtBatch,
        {"rho": _RHO, "alpha": _ALPHA, "tau": _TAU, "gamma": _GAMMA, "beta": _BETA},
        "LT-ADMM: tau local mini-batch gradient steps per round (floors with noise)",
        checks=(local_training,)),
    "lt-admm-vr": AlgorithmInfo(
        "lt-admm-vr", "peer", LtBatch,
        {"rho": _RHO, "alpha": _ALPHA, "tau": _TAU, "gamma": _GAMMA, "beta": _BETA,
         "estimator": Param("saga", P.choice("saga", "svrg"),
                            "variance reduction: saga (table) or svrg (reset each round)")},
        "LT-ADMM-VR: local training with SAGA/SVRG variance reduction (exact)",
        checks=(local_training,)),
    "lt-admm-cc": AlgorithmInfo(
        "lt-admm-cc", "peer", _build_lt_admm_cc,
        {"rho": _RHO, "alpha": _ALPHA, "tau": _TAU, "gamma": _GAMMA, "beta": _BETA,
         "estimator": Param("saga", P.choice("saga", "svrg", "minibatch"),
                            "saga | svrg | minibatch (the no-VR ablation)"),
         "eta": Param(1.0, P.in_half_open_unit,
                      "reference step in (0, 1]; ~1/(1+omega) for high-variance compressors"),
         "error_feedback": Param(True, P.boolean,
                                 "false: send C(x) itself (ablation with an error floor)"),
         "design": Param("A", P.choice("A", "B"),
                         "A: compressed model innovation, one broadcast; B: per-edge messages")},
        "LT-ADMM-CC: local training + VR + compressed innovations with error feedback "
        "[RECONSTRUCTION of arXiv 2508.15509, spec §3]",
        checks=(local_training, reference_step)),
    "lead": AlgorithmInfo(
        "lead", "peer", LeadBatch,
        {"eta": _ETA, "gamma": Param(1.0, P.positive, "dual step (1: NIDS without compression)"),
         "alpha": _REF},
        "LEAD (Liu et al. ICLR 2021): compressed NIDS with a dual variable"),
    "cedas": AlgorithmInfo(
        "cedas", "peer", CedasBatch,
        {"eta": _ETA, "gamma": Param(1.0, P.in_half_open_unit, "mixing step in (0, 1]"),
         "alpha": _REF},
        "CEDAS (Huang & Pu, TAC): compressed exact diffusion, constant step"),
    "cold": AlgorithmInfo(
        "cold", "peer", ColdBatch,
        {"a": Param(0.05, P.positive, "primal step"), "b": Param(0.05, P.positive, "dual step"),
         "c": Param(0.5, P.positive, "consensus gain")},
        "COLD stand-in: innovation-compressed primal-dual gradient, C/(1+omega)" + _RECON),
    "dpdc": AlgorithmInfo(
        "dpdc", "peer", DpdcBatch,
        {"eta": _ETA, "a": Param(2.0, P.positive, "consensus weight (alpha in the paper)"),
         "b": Param(1.0, P.positive, "dual weight (beta in the paper)"),
         "psi": _REF},
        "DPDC (Yi et al. TAC 2023?): compressed distributed primal-dual" + _RECON),
    "choco-sgd": AlgorithmInfo(
        "choco-sgd", "peer", ChocoBatch,
        {"eta": _ETA, "gamma": Param(0.5, P.in_half_open_unit, "consensus step")},
        "CHOCO-SGD (Koloskova et al. 2019): compressed gossip SGD (inexact), teaching baseline"),
    "dgd": AlgorithmInfo(
        "dgd", "peer", DgdBatch,
        {"eta": _ETA},
        "DGD: x_i <- sum_j w_ij C(x_j) - eta grad f_i (inexact), teaching baseline"),
}


def build_server(problem, params, x0, streams, compressor):
    """(server, workers) of a server algorithm.

    Workers minimise their smooth f_i; the server holds g (the lasso's l1 term, else 0).
    """
    from netsim.problems.local import LocalProblem

    n = problem.n_agents
    share = getattr(problem, "share_stacked_data", None)     # convex problems' data
    if share is not None:
        share()                      # workers then hold views of the one stacked copy
    ef = params.get("error_feedback", False)
    broadcast = params.get("downlink", "active") == "broadcast"
    link = channels(n, problem.dim, ef, broadcast)     # the estimates both ends share
    workers = []
    for i, f in enumerate(problem.agents):
        if getattr(f, "l1", 0.0) > 0:       # lasso: the worker's f_i is the least-squares part
            f = LocalProblem("least_squares", f.A, f.b, f.reg)
        solver = None
        if params["solver"] == "adam":
            solver = AdamSolver(f, params["local_steps"], params["lr"], params["batch"],
                                streams.generator("agent", i, "sampling"))
        workers.append(ServerAdmmWorker(i, f, x0[i], params["rho"], compressor,
                                        streams.generator("agent", i, "compressor"),
                                        error_feedback=ef, solver=solver, link=link))
    server = ServerAdmmServer(n, problem.dim, params["rho"], problem.l1, compressor,
                              streams.generator("server", "compressor"), error_feedback=ef,
                              broadcast=broadcast, link=link)
    return server, workers


_SERVER = {
    "rho": _RHO,
    "solver": Param("exact", P.choice("exact", "adam"),
                    "x-update: exact local solve, or local_steps Adam steps (inexact)"),
    "local_steps": Param(10, P.pos_int, "Adam steps per inexact x-update (solver = adam)"),
    "lr": Param(1e-3, P.positive, "Adam learning rate (solver = adam)"),
}
_ASYNC = {
    **_SERVER,
    "P": Param(1, P.pos_int_or("all"), "partial barrier: minimum arrivals per server round "
                                       "(1..agents, or all)"),
    "tau": Param("inf", P.pos_int_or_inf, "delay bound: a worker absent tau - 1 rounds is "
                                          "waited for (1 = synchronous; inf = no bound)"),
}
_FLOAT32 = {"name": "none", "float_bits": 32}

ALGORITHMS.update({
    "admm-server": AlgorithmInfo(
        "admm-server", "server", None, dict(_SERVER),
        "synchronous consensus ADMM with a server (Chang order: z, then x_i and u_i)",
        default_compressor=_FLOAT32, smooth_only=False),
    "async-admm": AlgorithmInfo(
        "async-admm", "server", None, dict(_ASYNC),
        "asynchronous ADMM (AD-ADMM, Chang et al. 2016): partial barrier P, delay bound tau",
        default_compressor=_FLOAT32, smooth_only=False),
    "qadmm": AlgorithmInfo(
        "qadmm", "server", None,
        {**_ASYNC,
         "error_feedback": Param(True, P.boolean, "false: quantize x, u and z themselves "
                                                  "(ablation with an error floor)"),
         "downlink": Param("active", P.choice("active", "broadcast"),
                           "active: z-delta per answered worker; broadcast: one shared "
                           "z-hat, its delta sent to all N")},
        "QADMM (Shrestha 2025): async ADMM with q-bit dithered deltas + error feedback both "
        "ways [RECONSTRUCTION, spec qadmm.md]",
        default_compressor={"name": "dither", "bits": 3}, checks=(quantization_levels,),
        smooth_only=False),
})


def _plugin_problem(info) -> str | None:
    if not isinstance(info, AlgorithmInfo):
        return f"is not an AlgorithmInfo (got {type(info).__name__})"
    if info.family != "peer" or not callable(info.build):
        return "is not a peer algorithm (family 'peer' with a kernel class as build)"
    return None


def get_algorithm(name: str, key: str = "algorithm.name") -> AlgorithmInfo:
    """The built-in algorithm ``name``, else the installed entry point of that name.

    A ``netsim.algorithms`` entry point, loaded now (see :mod:`netsim.plugins`).

    Raises:
        ScenarioError: no such algorithm (the message lists the built-in and installed
            names), or the plugin fails to load or is not a peer AlgorithmInfo.
    """
    from netsim import plugins

    info = ALGORITHMS.get(name)
    if info is None:
        info = plugins.load("algorithms", name, key, _plugin_problem)
        if info is not None and info.name != name:     # the entry point's name is the name
            import dataclasses
            info = dataclasses.replace(info, name=name)
    if info is None:
        raise plugins.unknown("algorithms", ALGORITHMS, name, key)
    return info


def list_algorithms() -> list[tuple[str, str]]:
    """(name, one-line doc) for every registered algorithm and installed plugin.

    Plugins are listed from their metadata, not loaded.
    """
    from netsim import plugins

    return ([(name, info.doc) for name, info in ALGORITHMS.items()]
            + plugins.listing("algorithms", ALGORITHMS))
