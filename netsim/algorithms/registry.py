"""Registry: scenario name -> algorithm (builder, parameters, one-line doc).

Every builder has the signature ``build(problem, graph, params, x0, streams, compressor)``
and returns one agent object per node (see :mod:`netsim.algorithms.base`). ``params`` holds
the validated parameters of :attr:`AlgorithmInfo.params` plus ``batch``; ``x0`` has shape
(agents, dim); ``compressor`` is a :class:`netsim.compression.Compressor`.
"""

from __future__ import annotations

import numpy as np

from netsim.algorithms import params as P
from netsim.algorithms.admm import AdmmAgent
from netsim.algorithms.base import AlgorithmInfo, Param
from netsim.algorithms.estimators import make_estimator
from netsim.algorithms.lt_admm import LtAdmmAgent

__all__ = ["ALGORITHMS", "list_algorithms", "COMMON_PARAMS"]

#: keys every algorithm table may hold besides its own parameters
COMMON_PARAMS = ("name", "x0", "batch", "compressor")

_RHO = Param(1.0, P.positive, "ADMM penalty rho > 0")
_ALPHA = Param(0.5, P.in_open_unit, "relaxation alpha in (0, 1); 0.5 is plain ADMM")
_TAU = Param(5, P.pos_int, "local training steps per round")
_GAMMA = Param(0.05, P.positive, "step size on the (stochastic) gradient")
_BETA = Param(0.05, P.positive, "step size on the ADMM correction term")


def _neighbors(graph, i):
    return sorted(graph.neighbors(i))


def _build_admm(problem, graph, params, x0, streams, compressor):
    agents = []
    for i in range(problem.n_agents):
        nb = _neighbors(graph, i)
        agents.append(AdmmAgent(
            i, nb, problem.agents[i], x0[i], np.zeros((len(nb), problem.dim)),
            params["rho"], params["alpha"], compressor,
            streams.generator("agent", i, "compressor")))
    return agents


def _lt_builder(kind_from_params):
    def build(problem, graph, params, x0, streams, compressor):
        agents = []
        for i in range(problem.n_agents):
            nb = _neighbors(graph, i)
            est = make_estimator(kind_from_params(params), problem.agents[i], params["batch"],
                                 streams.generator("agent", i, "sampling"))
            z0 = np.tile(np.asarray(x0[i], dtype=float), (len(nb), 1))   # z_ij,0 = x_i,0
            agents.append(LtAdmmAgent(
                i, nb, problem.agents[i], x0[i], z0, params["rho"], params["alpha"],
                compressor, streams.generator("agent", i, "compressor"),
                estimator=est, gamma=params["gamma"], beta=params["beta"], tau=params["tau"]))
        return agents
    return build


ALGORITHMS: dict[str, AlgorithmInfo] = {
    "admm": AlgorithmInfo(
        "admm", "peer", _build_admm, {"rho": _RHO, "alpha": _ALPHA},
        "decentralized relaxed ADMM with exact local solves (z = 0 at start)"),
    "lt-admm": AlgorithmInfo(
        "lt-admm", "peer", _lt_builder(lambda p: "minibatch"),
        {"rho": _RHO, "alpha": _ALPHA, "tau": _TAU, "gamma": _GAMMA, "beta": _BETA},
        "LT-ADMM: tau local mini-batch gradient steps per round (floors with noise)",
        smooth_only=True),
    "lt-admm-vr": AlgorithmInfo(
        "lt-admm-vr", "peer", _lt_builder(lambda p: p["estimator"]),
        {"rho": _RHO, "alpha": _ALPHA, "tau": _TAU, "gamma": _GAMMA, "beta": _BETA,
         "estimator": Param("saga", P.choice("saga", "svrg"),
                            "variance reduction: saga (table) or svrg (reset each round)")},
        "LT-ADMM-VR: local training with SAGA/SVRG variance reduction (exact)",
        smooth_only=True),
}


def list_algorithms() -> list[tuple[str, str]]:
    """(name, one-line doc) for every registered algorithm."""
    return [(name, info.doc) for name, info in ALGORITHMS.items()]
