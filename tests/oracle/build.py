"""Per-agent oracle builders (netsim's registry builders before the stacked kernels) and
:class:`AgentLoop`, which drives per-agent objects through the kernel interface, so that
either engine can run them (``oracle_kernel``)."""

import numpy as np

from netsim.compression import scaled
from netsim.network.topology import metropolis_weights
from oracle.admm import AdmmAgent
from oracle.estimators import make_estimator
from oracle.gossip import CedasAgent, ChocoAgent, ColdAgent, DgdAgent, DpdcAgent, LeadAgent
from oracle.lt_admm import LtAdmmAgent
from oracle.lt_admm_cc import LtAdmmCcAgent, LtAdmmCcEdgeAgent


class AgentLoop:
    """Per-agent state machines behind the kernel interface: each agent's own methods, one
    agent after the other."""

    def __init__(self, agents):
        self.agents = agents
        self.n = len(agents)
        self.has_references = getattr(agents[0], "references", lambda: None)() is not None

    def local_steps(self, ids):
        return [self.agents[i].local_step() for i in ids]

    def outgoing(self, ids):
        return [self.agents[i].outgoing() for i in ids]

    def incoming(self, ids, boxes):
        for i, box in zip(ids, boxes):
            a = self.agents[i]
            a.incoming({j: box.get(j) for j in a.neighbors})

    def x(self, i):
        return self.agents[i].x

    def xs(self, ids):
        return np.array([self.agents[i].x for i in ids])

    def references(self, i):
        return self.agents[i].references()


def _neighbors(graph, i):
    return sorted(graph.neighbors(i))


def _admm(problem, graph, params, x0, streams, compressor):
    return [AdmmAgent(i, _neighbors(graph, i), problem.agents[i], x0[i],
                      np.zeros((len(_neighbors(graph, i)), problem.dim)), params["rho"],
                      params["alpha"], compressor, streams.generator("agent", i, "compressor"))
            for i in range(problem.n_agents)]


def _lt(problem, graph, params, x0, streams, compressor):
    agents = []
    for i in range(problem.n_agents):
        nb = _neighbors(graph, i)
        est = make_estimator(params.get("estimator", "minibatch"), problem.agents[i],
                             params["batch"], streams.generator("agent", i, "sampling"))
        z0 = np.tile(np.asarray(x0[i], dtype=float), (len(nb), 1))
        agents.append(LtAdmmAgent(
            i, nb, problem.agents[i], x0[i], z0, params["rho"], params["alpha"], compressor,
            streams.generator("agent", i, "compressor"), estimator=est, gamma=params["gamma"],
            beta=params["beta"], tau=params["tau"]))
    return agents


def _cc(problem, graph, params, x0, streams, compressor):
    cls = LtAdmmCcAgent if params["design"] == "A" else LtAdmmCcEdgeAgent
    agents = []
    for i in range(problem.n_agents):
        nb = _neighbors(graph, i)
        est = make_estimator(params["estimator"], problem.agents[i], params["batch"],
                             streams.generator("agent", i, "sampling"))
        agents.append(cls(i, nb, problem.agents[i], x0[i], x0[nb], params["rho"],
                          params["alpha"], params["beta"], params["gamma"], params["tau"], est,
                          compressor, streams.generator("agent", i, "compressor"),
                          eta=params["eta"], error_feedback=params["error_feedback"]))
    return agents


def _auto(value, compressor, dim):
    if value != "auto":
        return value
    om = compressor.omega(dim)
    return 1.0 / (1.0 + om) if compressor.unbiased and np.isfinite(om) else 1.0


def _gossip(cls, kwargs_of, ref_step_of=lambda p: 1.0, contractive=False):
    def build(problem, graph, params, x0, streams, compressor):
        W = metropolis_weights(graph).toarray()
        comp = compressor
        if contractive and compressor.unbiased and compressor.omega(problem.dim) > 0:
            comp = scaled(compressor, 1.0 / (1.0 + compressor.omega(problem.dim)))
        step = _auto(ref_step_of(params), compressor, problem.dim)
        agents = []
        for i in range(problem.n_agents):
            nb = _neighbors(graph, i)
            est = make_estimator("minibatch", problem.agents[i], params["batch"],
                                 streams.generator("agent", i, "sampling"))
            agents.append(cls(i, nb, (W[i, i], W[i, nb]), x0[i], est, comp,
                              streams.generator("agent", i, "compressor"), ref_step=step,
                              **kwargs_of(params)))
        return agents
    return build


BUILDERS = {
    "admm": _admm, "lt-admm": _lt, "lt-admm-vr": _lt, "lt-admm-cc": _cc,
    "lead": _gossip(LeadAgent, lambda p: {"eta": p["eta"], "gamma": p["gamma"]},
                    lambda p: p["alpha"]),
    "cedas": _gossip(CedasAgent, lambda p: {"eta": p["eta"], "gamma": p["gamma"]},
                     lambda p: p["alpha"]),
    "cold": _gossip(ColdAgent, lambda p: {"a": p["a"], "b": p["b"], "c": p["c"]},
                    contractive=True),
    "dpdc": _gossip(DpdcAgent, lambda p: {"eta": p["eta"], "a": p["a"], "b": p["b"]},
                    lambda p: p["psi"]),
    "choco-sgd": _gossip(ChocoAgent, lambda p: {"eta": p["eta"], "gamma": p["gamma"]}),
    "dgd": _gossip(DgdAgent, lambda p: {"eta": p["eta"]}),
}


def oracle_agents(scenario, sim):
    """The per-agent objects of ``scenario`` on the problem and graph ``sim`` was built with
    (fresh streams from the scenario's seed: the same draws as the kernel's)."""
    from netsim.algorithms.registry import ALGORITHMS
    from netsim.compression.registry import make_compressor
    from netsim.rng import Streams

    d = scenario.data
    alg = d["algorithm"]
    info = ALGORITHMS[alg["name"]]
    params = {p: par.check(alg[p], f"algorithm.{p}") for p, par in info.params.items()}
    params["batch"] = alg["batch"]
    comp = make_compressor(dict(alg["compressor"]), sim.problem.dim, "algorithm.compressor")
    return BUILDERS[alg["name"]](sim.problem, sim.graph, params, sim.x0, Streams(d["seed"]),
                                 comp)


def oracle_kernel(scenario, sim):
    """:class:`AgentLoop` over :func:`oracle_agents`."""
    return AgentLoop(oracle_agents(scenario, sim))
