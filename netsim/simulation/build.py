"""Scenario -> every component of a run, with one skeleton for peer and server algorithms.

:func:`build` does the steps every run shares (memory budget, problem, parameters,
compressor, initial models, network, compute model, stop rules, monitor, runner, profiles);
the two algorithm families differ only in the few steps of :class:`_Peer` and
:class:`_Server` (graph, links, algorithm state, monitor columns, runner). Nothing is
simulated here (:mod:`netsim.simulation.loop` does), and no environment variable is read:
the engine is a parameter decided by the caller (``netsim.run`` / the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from netsim.errors import ScenarioError, must
from netsim.rng import Streams
from netsim.simulation.inputs import (
    check_memory,
    checked_params,
    compute_spec,
    initial_models,
    stop_rules,
    warn_unstable,
)

__all__ = ["ENGINES", "Simulation", "build"]

#: peer-round engines: "batched" (callbacks, agents stepped together), which "auto" picks.
#: The process-per-agent "reference" engine became a test-only oracle in issue 15
#: (tests/oracle/process_engine.py; asking for it is an error that says so).
ENGINES = ("auto", "batched")


@dataclass
class Simulation:
    """Everything built for one run (exposed for tests and notebooks); ``agents`` is the peer
    algorithm's kernel (stacked state of all agents) or the server algorithm's workers.
    """

    env: simpy.Environment
    problem: object
    graph: object
    network: object
    compute: object
    agents: list
    monitor: object
    runner: object
    x0: np.ndarray
    stop_event: simpy.Event
    warnings: list = field(default_factory=list)


def build(scenario, progress=None, engine: str = "auto", cache=None,
          memory: float | None = None, *, runner: type | None = None) -> Simulation:
    """Construct every component of a run (nothing is simulated yet).

    Args:
        scenario: a resolved :class:`netsim.scenario.Scenario`.
        progress: a tqdm bar the monitor advances, or None.
        engine: the peer-round engine, one of :data:`ENGINES`: both name the batched engine
            (the only one since issue 15; the parameter stays so that callers naming it keep
            working; server algorithms have one runner).
        cache: a :class:`netsim.simulation.reuse.ProblemCache` to take the problem from
            (sweep workers), or None to build it.
        memory: the memory budget in bytes (:mod:`netsim.budget`), decided by the caller
            (``netsim.run`` and the CLI: ``NETSIM_MEMORY_GB``); None: the default share of
            this machine's memory.
        runner: test hook: the class that drives synchronous peer rounds instead of
            :class:`~netsim.runners.batched.BatchedPeerRunner`, called with the same
            arguments ``(env, kernel, graph, network, compute, monitor, rounds)`` (the
            engine-equivalence tests pass tests/oracle/process_engine.py's ``ProcessRunner``);
            None: the batched engine. Asynchronous rounds and server algorithms keep their
            own runners.

    Raises:
        ScenarioError: anything in the scenario that cannot be built (also a bad
            ``engine``, named as ``NETSIM_ENGINE (or engine=)``).
    """
    from netsim.algorithms.registry import get_algorithm
    from netsim.compression.registry import make_compressor
    from netsim.compute import ComputeModel
    from netsim.network.profiles import start_profiles
    from netsim.problems import make_problem

    _check_engine(engine)
    d = scenario.data
    check_memory(d, memory=memory)
    streams = Streams(d["seed"])
    n = d["network"]["agents"]
    alg = d["algorithm"]
    info = get_algorithm(alg["name"])
    family = (_Server if info.family == "server" else _Peer)(d, streams, scenario.base_dir)
    graph = family.graph()
    def make():
        return make_problem(d["problem"], n, streams, scenario.base_dir, key="problem",
                            memory=memory)
    problem = make() if cache is None else cache.problem(scenario, make)
    check_memory(d, problem, memory)
    params = checked_params(info, d, problem)
    compressor = make_compressor(dict(alg["compressor"]), problem.dim, "algorithm.compressor")
    x0 = initial_models(alg["x0"], problem, streams, scenario.base_dir, memory)
    family.algorithm(info, problem, graph, params, x0, compressor)
    env = simpy.Environment()
    network = family.network(env, graph)
    compute = ComputeModel(compute_spec(d["compute"]), [a.m for a in problem.agents], streams)
    stop, stop_event, on_stop = stop_rules(d, problem, env)
    monitor = family.monitor(problem, x0, stop, network, on_stop, progress)
    runner = family.runner(env, graph, network, compute, monitor, stop.rounds, params, runner)
    start_profiles(env, d, network, compute, n, scenario.base_dir, server=family.server)
    warnings = warn_unstable(info, params, problem, family.checked_graph, compressor)
    return Simulation(env, problem, graph, network, compute, family.agents, monitor, runner,
                      x0, stop_event, warnings)


def _check_engine(engine) -> None:
    """Raise unless ``engine`` is one of :data:`ENGINES`.

    Raises:
        ScenarioError: naming ``NETSIM_ENGINE (or engine=)``; for "reference", also where the
            process-per-agent engine went.
    """
    if engine == "reference":
        raise ScenarioError("NETSIM_ENGINE (or engine=)",
                            f"must be one of {', '.join(ENGINES)}; got 'reference' (the "
                            "process-per-agent reference engine is now a test-only oracle, "
                            "tests/oracle/process_engine.py; the batched engine gives the "
                            "same results bit for bit)")
    if engine not in ENGINES:
        raise must("NETSIM_ENGINE (or engine=)", "one of " + ", ".join(ENGINES), engine)


class _Peer:
    """The steps of a peer algorithm: the scenario's topology, one kernel for all agents."""

    server = None                                     # no server node / host

    def __init__(self, d, streams, base_dir):
        self.d, self.streams, self.base_dir = d, streams, base_dir
        self.n = d["network"]["agents"]
        self.agents = self.checked_graph = self.policy = None

    def graph(self):
        from netsim.network.topology import build_topology, check_peer_graph

        net = self.d["network"]
        tparams = {k: v for k, v in net.items()
                   if k not in ("topology", "agents", "links", "up", "down", "profile",
                                 "include")}
        g = build_topology(net["topology"], self.n, self.streams.generator("topology"),
                           tparams, key="network", base_dir=self.base_dir)
        check_peer_graph(g, key="network.topology")
        self.checked_graph = g
        return g

    def algorithm(self, info, problem, graph, params, x0, compressor):
        from netsim.waitpolicy import check_wait_for, parse_wait

        self.agents = info.build(problem, graph, params, x0, self.streams, compressor)
        alg = self.d["algorithm"]
        self.policy = parse_wait(alg.get("wait", "all"))      # issue 19: asynchronous rounds
        check_wait_for(self.policy, self.agents, alg["name"], min(dict(graph.degree).values()))

    def network(self, env, graph):
        from netsim.network.build import make_network, peer_capacities, peer_link_specs

        links = self.d["network"]["links"]
        return make_network(env, peer_link_specs(graph, links, self.streams), self.streams,
                            links, *peer_capacities(links, self.n),
                            self.d["output"]["messages"], "network.links")

    def monitor(self, problem, x0, stop, network, on_stop, progress):
        from netsim.monitor import Monitor

        out = self.d["output"]
        from netsim.runners.asynchronous import ASYNC_COLUMNS

        mon = Monitor(problem, x0, stop, network, on_stop, every=out["every"],
                      keep_iterates=out["iterates"], progress=progress,
                      references=self.agents.has_references,
                      extra_columns=() if self.policy is None else ASYNC_COLUMNS)
        mon.finishes = [] if out["messages"] else None         # agents.csv
        return mon

    def runner(self, env, graph, network, compute, monitor, rounds, params, cls):
        from netsim.runners.asynchronous import AsyncPeerRunner
        from netsim.runners.batched import BatchedPeerRunner

        if self.policy is not None:       # asynchronous rounds: their own runner, any engine
            return AsyncPeerRunner(env, self.agents, graph, network, compute, monitor, rounds,
                                   self.policy)
        cls = BatchedPeerRunner if cls is None else cls
        return cls(env, self.agents, graph, network, compute, monitor, rounds)


class _Server:
    """The steps of a server algorithm: a star of links between the agents 0..N-1 and the
    server N, the server's state and one worker per agent.
    """

    #: server runs report these trace columns besides the common ones
    COLUMNS = ["active", "staleness_mean", "staleness_max", "bits_without_scale", "est_drift"]

    def __init__(self, d, streams, base_dir):
        self.d, self.streams, self.base_dir = d, streams, base_dir
        self.n = self.server = d["network"]["agents"]
        self.agents = self.checked_graph = None

    def graph(self):
        import networkx as nx

        g = nx.star_graph(range(self.n + 1))           # hub 0 ... relabelled: server = n
        return nx.relabel_nodes(g, {0: self.n, self.n: 0})

    def algorithm(self, info, problem, graph, params, x0, compressor):
        from netsim.algorithms.registry import build_server

        self.state, self.agents = build_server(problem, params, x0, self.streams, compressor)

    def network(self, env, graph):
        from netsim.network.build import make_network, server_capacities, server_link_specs

        net = self.d["network"]
        return make_network(env, server_link_specs(net, self.n, self.streams), self.streams,
                            net["up"], *server_capacities(net, self.n),
                            self.d["output"]["messages"], "network.up")

    def monitor(self, problem, x0, stop, network, on_stop, progress):
        from netsim.monitor import Monitor

        out = self.d["output"]
        mon = Monitor(problem, np.zeros((self.n, problem.dim)), stop, network, on_stop,
                      every=out["every"], keep_iterates=out["iterates"], progress=progress,
                      extra_columns=list(self.COLUMNS))
        if mon.keep_iterates:
            mon.iterates[0] = np.array(x0, dtype=float)
        return mon

    def runner(self, env, graph, network, compute, monitor, rounds, params, cls):
        from netsim.runners.server import ServerRunner
        from netsim.units import parse_quantity

        server_time = parse_quantity(self.d["compute"]["server_time"], "time",
                                     "compute.server_time")
        compute.add_host()                        # index n: the server's on/off state
        return ServerRunner(env, self.state, self.agents, network, compute, monitor, rounds,
                            params["P"], params["tau"], server_time=server_time)
