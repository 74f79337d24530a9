"""Build a simulation from a scenario and run it to a stop rule.

``run(scenario) -> Result``: topology, problem, transport, compute model, agents, monitor,
runner; then the SimPy loop until a stop rule fires (target / rounds / time / bits), the
iterates blow up (``diverged``) or nothing is left to happen (``stalled``).
"""

from __future__ import annotations

import math
import pathlib
import time as _time
from dataclasses import dataclass, field

import numpy as np
import simpy

from netsim.errors import ScenarioError, must
from netsim.rng import Streams
from netsim.scenario import Scenario, load
from netsim.simtime import END, Alarm, call_at_phase, next_pending, seconds, ticks

__all__ = ["Result", "Simulation", "build", "run", "run_variants"]


@dataclass
class Result:
    """What one run produced.

    Attributes:
        scenario: the resolved scenario that was run.
        trace: column name -> numpy array (one entry per record).
        summary: how it ended and the headline numbers (``summary.json``).
        iterates: models of every record, shape (records, agents, dim), if kept.
        messages: one tuple (src, dst, bits, t_send, t_arrive, dropped, round) per
            transmission, if kept.
        links: rows (src, dst, bits, messages, drops) per directed link.
        updates: server algorithms: one row (round, time, worker, staleness) per absorbed
            worker result.
        agents: peer runs with messages recorded: one row (agent, round, t_done) per
            finished agent round (seconds), sorted by time then agent (``agents.csv``).
    """

    scenario: Scenario
    trace: dict
    summary: dict
    iterates: np.ndarray | None = None
    messages: list | None = None
    links: list = field(default_factory=list)
    updates: list | None = None
    agents: list | None = None

    def write(self, out_dir=None) -> pathlib.Path:
        """Write the run's files under ``out_dir`` (default ``output.dir``); see results.py."""
        from netsim.results import write_result
        return write_result(self, out_dir)

    def to_pandas(self):
        """The trace as a pandas DataFrame (one row per record; pandas imported lazily).

        Raises:
            ImportError: pandas is not installed (``pip install pandas``).
        """
        from netsim.tables import to_pandas
        return to_pandas(self.trace)


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


def _x0(spec, problem, streams, base_dir) -> np.ndarray:
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
                    "the arrays its headers declare")
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


def _compute_spec(c: dict, n_agents: int):
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


#: peer-round engines: "batched" (callbacks, agents stepped together; the default where it
#: applies) and "reference" (one SimPy process per agent). Same results bit for bit.
ENGINES = ("auto", "batched", "reference")


def _reference_engine(engine) -> bool:
    """Use the process-per-agent engine? Only for ``engine = "reference"``: the batched engine
    runs every link model (FIFO, fair, TCP, loss) and profile with the same results bit for bit
    (fair sharing orders flows by send time, sender and the sender's count; profile events run
    first at their instant; tests/test_batched_engine.py).
    """
    if engine not in ENGINES:
        raise must("NETSIM_ENGINE (or engine=)", "one of " + ", ".join(ENGINES), engine)
    return engine == "reference"


def build(scenario: Scenario, progress=None, engine: str = "auto") -> Simulation:
    """Construct every component of a run (nothing is simulated yet).

    ``engine`` picks the peer-round runner (see :data:`ENGINES`); the environment variable
    ``NETSIM_ENGINE`` overrides "auto" (used by the engine-equivalence tests).
    """
    import os

    if engine == "auto":
        engine = os.environ.get("NETSIM_ENGINE", "auto")
    from netsim.algorithms.registry import get_algorithm
    from netsim.compression.registry import make_compressor
    from netsim.compute import ComputeModel
    from netsim.monitor import Monitor
    from netsim.network.build import make_network, peer_capacities, peer_link_specs
    from netsim.network.profiles import start_profiles
    from netsim.network.topology import build_topology, check_peer_graph
    from netsim.problems import make_problem
    from netsim.runners.batched import BatchedPeerRunner
    from netsim.runners.peer import PeerRunner

    d = scenario.data
    _check_memory(d)
    streams = Streams(d["seed"])
    net = d["network"]
    n = net["agents"]
    alg = d["algorithm"]
    info = get_algorithm(alg["name"])
    if info.family == "server":
        return _build_server(scenario, streams, progress)
    tparams = {k: v for k, v in net.items()
               if k not in ("topology", "agents", "links", "up", "down", "profile")}
    graph = build_topology(net["topology"], n, streams.generator("topology"), tparams,
                           key="network", base_dir=scenario.base_dir)
    check_peer_graph(graph, key="network.topology")

    problem = make_problem(d["problem"], n, streams, scenario.base_dir, key="problem")
    _check_memory(d, problem)
    if problem.kind == "mlp":
        raise ScenarioError("algorithm.name", f"must be a server algorithm (admm-server, "
                                              f"async-admm, qadmm) with solver = 'adam' for "
                                              f"problem.kind = 'mlp'; got {alg['name']!r}")
    if info.smooth_only and problem.l1 > 0:
        raise ScenarioError("algorithm.name", f"must be an algorithm that handles an l1 term "
                            f"(e.g. 'admm') for problem.kind = {d['problem']['kind']!r}; "
                            f"got {alg['name']!r}")
    params = {p: par.check(alg[p], f"algorithm.{p}") for p, par in info.params.items()}
    params["batch"] = alg["batch"]
    compressor = make_compressor(dict(alg["compressor"]), problem.dim, "algorithm.compressor")
    x0 = _x0(alg["x0"], problem, streams, scenario.base_dir)

    env = simpy.Environment()
    links = d["network"]["links"]
    network = make_network(env, peer_link_specs(graph, links, streams), streams, links,
                           *peer_capacities(links, n), d["output"]["messages"], "network.links")
    compute = ComputeModel(_compute_spec(d["compute"], n),
                           [a.m for a in problem.agents], streams)
    kernel = info.build(problem, graph, params, x0, streams, compressor)
    stop, stop_event, on_stop = _stop_rules(d, problem, env)
    monitor = Monitor(problem, x0, stop, network, on_stop, every=d["output"]["every"],
                      keep_iterates=d["output"]["iterates"], progress=progress,
                      references=kernel.has_references)
    monitor.finishes = [] if d["output"]["messages"] else None        # agents.csv
    runner_cls = PeerRunner if _reference_engine(engine) else BatchedPeerRunner
    runner = runner_cls(env, kernel, graph, network, compute, monitor, stop.rounds)
    start_profiles(env, d, network, compute, n, scenario.base_dir)
    return Simulation(env, problem, graph, network, compute, kernel, monitor, runner, x0,
                      stop_event, _warn(alg["name"], params, problem, graph, compressor))


def _check_memory(d, problem=None) -> None:
    """The memory budget (:mod:`netsim.budget`): before anything is built, with the sizes the
    scenario states (synthetic data: samples_per_agent x features); once the problem exists,
    with its real dimension and rows (data files, bundled sets, mlp).
    """
    from netsim import budget

    n = d["network"]["agents"]
    if problem is not None:
        rows = max((getattr(a, "m", 1) for a in problem.agents), default=1)
        key = None if d["problem"].get("data", "synthetic") == "synthetic" else "problem.data"
        held = sum(getattr(getattr(a, "A", None), "nbytes", 0) for a in problem.agents)
        budget.check(d, n, problem.dim, rows, key, held or None)
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
    budget.check(d, n, dim, size("samples_per_agent"))


def _warn(name, params, problem, graph, compressor) -> list[str]:
    """Issue the stability warnings of :mod:`netsim.guards` (and return them)."""
    import warnings

    from netsim.algorithms.registry import get_algorithm
    from netsim.guards import StabilityWarning, stability_messages

    msgs = stability_messages(get_algorithm(name), params, problem, graph, compressor)
    for m in msgs:
        warnings.warn(m, StabilityWarning, stacklevel=3)
    return msgs


def _stop_rules(d, problem, env):
    """(StopSpec, the event a stop rule triggers, the monitor's on_stop callback)."""
    from netsim.monitor import StopSpec
    from netsim.units import parse_quantity

    s = d["stop"]
    stop = StopSpec(rounds=s["rounds"], time=parse_quantity(s["time"], "time", "stop.time"),
                    target=s.get("target"), metric=s["metric"],
                    bits=parse_quantity(s["bits"], "size", "stop.bits", allow_inf=True))
    if stop.metric == "accuracy" and not problem.classifier:
        raise ScenarioError("stop.metric", f"must be a trace column of this problem; 'accuracy' "
                            f"needs a classifier, got problem.kind = {d['problem']['kind']!r}")
    stop_event = env.event()

    def on_stop(reason):
        if not stop_event.triggered:
            stop_event.succeed(reason)

    return stop, stop_event, on_stop


def _build_server(scenario, streams, progress) -> Simulation:
    """A server algorithm: star of links between the agents 0..N-1 and the server N."""
    import networkx as nx

    from netsim.algorithms.registry import ALGORITHMS, build_server
    from netsim.compression.registry import make_compressor
    from netsim.compute import ComputeModel
    from netsim.monitor import Monitor
    from netsim.network.build import make_network, server_capacities, server_link_specs
    from netsim.network.profiles import start_profiles
    from netsim.problems import make_problem
    from netsim.runners.server import ServerRunner
    from netsim.units import parse_quantity

    d = scenario.data
    n = d["network"]["agents"]
    alg = d["algorithm"]
    info = ALGORITHMS[alg["name"]]
    problem = make_problem(d["problem"], n, streams, scenario.base_dir, key="problem")
    _check_memory(d, problem)
    params = {p: par.check(alg[p], f"algorithm.{p}") for p, par in info.params.items()}
    params["batch"] = alg["batch"]
    if problem.kind == "mlp" and params["solver"] != "adam":
        raise ScenarioError("algorithm.solver", "must be 'adam' for problem.kind = 'mlp' (no "
                                                "exact local solve); got 'exact'")
    if alg["name"] == "admm-server":
        params["P"], params["tau"] = n, 1
    if params["P"] == "all":
        params["P"] = n
    compressor = make_compressor(dict(alg["compressor"]), problem.dim, "algorithm.compressor")
    x0 = _x0(alg["x0"], problem, streams, scenario.base_dir)
    server, workers = build_server(problem, params, x0, streams, compressor)

    graph = nx.star_graph(range(n + 1))           # hub 0 ... relabelled: server = n
    graph = nx.relabel_nodes(graph, {0: n, n: 0})
    links = server_link_specs(d["network"], n, streams)
    send, recv = server_capacities(d["network"], n)
    env = simpy.Environment()
    network = make_network(env, links, streams, d["network"]["up"], send, recv,
                           d["output"]["messages"], "network.up")
    compute = ComputeModel(_compute_spec(d["compute"], n), [a.m for a in problem.agents],
                           streams)
    stop, stop_event, on_stop = _stop_rules(d, problem, env)
    extra = ["active", "staleness_mean", "staleness_max", "bits_without_scale", "est_drift"]
    z0 = np.zeros((n, problem.dim))
    monitor = Monitor(problem, z0, stop, network, on_stop, every=d["output"]["every"],
                      keep_iterates=d["output"]["iterates"], progress=progress,
                      extra_columns=extra)
    if monitor.keep_iterates:
        monitor.iterates[0] = np.array(x0, dtype=float)
    server_time = parse_quantity(d["compute"]["server_time"], "time", "compute.server_time")
    compute.add_host()                        # index n: the server's on/off state
    runner = ServerRunner(env, server, workers, network, compute, monitor, stop.rounds,
                          params["P"], params["tau"], server_time=server_time)
    start_profiles(env, d, network, compute, n, scenario.base_dir, server=n)
    return Simulation(env, problem, graph, network, compute, workers, monitor, runner, x0,
                      stop_event, _warn(alg["name"], params, problem, None, compressor))


def run(scenario, *, variant: str | None = None, progress: bool = False,
        **overrides) -> Result:
    """Run one scenario (a :class:`Scenario` or a path) and return its :class:`Result`.

    Args:
        scenario: a Scenario or a path to a TOML file.
        variant: the label of the ``[[variant]]`` to run, for a file that has some
            (:func:`run_variants` runs them all, as ``netsim run`` does).
        progress: show a tqdm bar (after 2 s) on stderr.
        **overrides: dotted keys given as ``algorithm__tau=5`` or ``**{"algorithm.tau": 5}``.

    Raises:
        ScenarioError: a bad scenario, or ``variant`` missing (the file has variants) or not
            one of its labels.
    """
    from tqdm.auto import tqdm

    from netsim.units import parse_quantity

    scenario = _one_variant(scenario_with(scenario, overrides), variant)
    bar = tqdm(total=scenario.data["stop"]["rounds"], delay=2.0, unit="round",
               desc=scenario.name + (f" [{scenario.label}]" if scenario.label else ""),
               disable=not progress, leave=False)
    wall = _time.perf_counter()
    try:
        blas = _single_threaded_blas()
        sim = build(scenario, progress=bar if progress else None)
        sim.runner.start()
        stop_time = sim.monitor.stop_ticks
        if stop_time != math.inf:          # at the end of its instant: what happens then counts
            call_at_phase(sim.env, stop_time, END, lambda _e: _time_up(sim))
        stall = scenario.data["stop"]["stall"]
        sim.env.process(_watchdog(sim, None if stall == "auto" else
                                  ticks(parse_quantity(stall, "time", "stop.stall"))))
        try:
            sim.env.run(until=sim.stop_event)
        except RuntimeError as e:
            if "No scheduled events left" not in str(e):
                raise
            if sim.monitor.end is None:
                sim.monitor.end, sim.monitor.end_round = "stalled", sim.monitor.trace["round"][-1]
        runtime = _time.perf_counter() - wall
    finally:
        bar.close()
        if blas is not None:
            blas.restore_original_limits()
    return _result(scenario, sim, runtime)


def run_variants(scenario, *, progress: bool = False, **overrides) -> list[Result]:
    """Run every ``[[variant]]`` of a scenario (or the scenario itself if it has none), as
    ``netsim run`` does; one :class:`Result` per variant, in file order.
    """
    return [run(v, progress=progress) for v in scenario_with(scenario, overrides).variants()]


def scenario_with(scenario, overrides: dict) -> Scenario:
    """``scenario`` (a :class:`Scenario` or a path) with dotted-key ``overrides`` applied;
    keys may be written ``algorithm__tau`` (keyword arguments) or ``algorithm.tau``.
    """
    over = {k.replace("__", "."): v for k, v in overrides.items()}
    if not isinstance(scenario, Scenario):
        return load(scenario, over)
    return scenario.with_overrides(over) if over else scenario


def _one_variant(scenario: Scenario, variant: str | None) -> Scenario:
    """The scenario to run: itself, or its ``[[variant]]`` labelled ``variant``."""
    labels = [v.get("label") for v in scenario.data.get("variant") or []]
    if not labels:
        if variant is not None:
            raise ScenarioError("variant", f"must be None: {scenario.name!r} has no "
                                           f"[[variant]]; got {variant!r}")
        return scenario
    if variant is None:
        raise ScenarioError("variant", f"must name one of the {len(labels)} [[variant]]s of "
                            f"{scenario.name!r} ({', '.join(map(repr, labels))}): netsim.run "
                            "runs one run; netsim.run_variants runs them all, as `netsim run` "
                            "does")
    for v in scenario.variants():
        if v.label == variant:
            return v
    raise ScenarioError("variant", f"must be one of {', '.join(map(repr, labels))}; "
                                   f"got {variant!r}")


def _single_threaded_blas():
    """Limit BLAS/OpenMP to one thread for the run: multi-threaded BLAS sums in an order that
    depends on the thread count, which differs between a laptop, a CI runner and a Dask worker
    (Dask sets OMP_NUM_THREADS=1), and results must not. Parallelism comes from running
    several runs at once (netsim sweep). Returns the limiter (to restore), or None.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - shipped with scikit-learn, a dependency
        return None
    return threadpool_limits(limits=1)


#: with stop.stall = "auto": a run is stalled after max(this, 100 x the longest gap between
#: two agent / server steps seen so far) simulated seconds without any step
STALL_FLOOR = 60.0


def _watchdog(sim, limit):
    """End the run as ``stalled`` when no progress is possible any more.

    Progress is an agent or server step. After ``limit`` ticks without one (auto: see
    :data:`STALL_FLOOR`), the run is stalled unless an event that can still lead to a step is
    scheduled (a :class:`~netsim.simtime.Pending` event: a message that will arrive, a
    computation or a receive deadline in progress, a retransmission on a link that is up, a
    profile's first pass); then the quiet interval counts again from that event's time. So a
    128 s message on a slow link is not a stall, while a looping profile or retransmissions
    on a link that is down for good end the run (deterministically: only simulated time and
    the event queue decide).
    """
    env, mon = sim.env, sim.monitor
    floor = ticks(STALL_FLOOR)
    hold = 0                        # the latest pending event seen at a quiet check
    while not mon.stopped:
        lim = limit if limit is not None else max(floor, 100 * mon.max_gap)
        wait = max(mon.last_progress, hold) + lim - env.now
        if wait > 0:
            yield Alarm(env, wait, END)
            continue
        nxt = next_pending(env)
        if nxt is not None:
            hold = nxt
            continue
        if mon.end is None:
            mon.end, mon.end_round = "stalled", mon.trace["round"][-1]
        if not sim.stop_event.triggered:
            sim.stop_event.succeed("stalled")
        return


def _time_up(sim):
    mon = sim.monitor
    if mon.end is None:
        mon.end, mon.end_round = "time", mon.trace["round"][-1]
        if not sim.stop_event.triggered:
            sim.stop_event.succeed("time")


def _graph_summary(sim) -> dict:
    """Peer runs: the topology's spectral gap (1 - |lambda_2| of the Metropolis matrix)."""
    from netsim.network.topology import spectral_gap
    from netsim.runners.server import ServerRunner

    if isinstance(sim.runner, ServerRunner):
        return {}
    return {"spectral_gap": spectral_gap(sim.graph)}


def _server_summary(sim) -> dict:
    """Extra summary fields of a server run: staleness histogram, estimate checks, bits
    with and without the float32 scale headers of the quantized vectors.
    """
    from netsim.runners.server import ServerRunner

    r = sim.runner
    if not isinstance(r, ServerRunner):
        return {}
    scale = r.scale_bits_sent()                 # every transmission, retransmissions too
    headers = scale // r.scale_bits if r.scale_bits else 0
    return {"server": {
        "P": r.P, "tau": r.tau if r.tau != math.inf else "inf",
        "staleness": {str(k): int(v) for k, v in sorted(r.staleness.items())},
        "estimate_checks": r.checks, "estimate_mismatches": r.mismatches,
        "bits_without_scale": int(sim.network.total_bits - scale),
        "scale_headers": int(headers)}}


def _bits_note(comp: dict) -> dict:
    """The billing convention, stated next to the bits, when it is not exact: the b-bit
    quantizer emits 2^b + 1 levels and is billed b bits per entry (docs/model.md).
    """
    if comp.get("name") not in ("quantizer", "qsgd"):
        return {}
    b = comp.get("bits", 4)
    return {"bits_convention": f"{comp['name']}: 2^{b} + 1 = {2 ** b + 1} levels per entry "
                               f"billed {b} bits (LEAD's convention; log2({2 ** b + 1}) = "
                               f"{math.log2(2 ** b + 1):.3f} bits of information)"}


def _result(scenario, sim, runtime) -> Result:
    from netsim import __version__

    mon, net = sim.monitor, sim.network
    trace = {c: np.asarray(v) for c, v in mon.trace.items()}
    final = mon.final()
    st = mon.stop
    target = {"metric": st.metric, "value": st.target,
              "reached": mon.first_target is not None}
    if mon.first_target is not None:
        target.update(mon.first_target)
    summary = {
        "name": scenario.name,
        "label": scenario.label,
        "algorithm": scenario.data["algorithm"]["name"],
        "seed": scenario.data["seed"],
        "end": mon.end or "rounds",
        "end_round": mon.end_round,
        "rounds": int(final["round"]),
        "time": float(final["time"]),
        "bits": int(final["bits"]),
        "messages": int(final["messages"]),
        "gradients": int(final["gradients"]),
        "target": target,
        "final": {c: float(final[c]) for c in mon.columns
                  if c not in ("round", "time", "bits", "messages", "gradients")},
        "network": {"transmissions": net.total_messages, "drops": net.total_drops,
                    "retransmissions": net.retransmissions, "late": sim.runner.late,
                    "timeouts": sim.runner.timeouts},
        "agents": sim.problem.n_agents,
        "dim": sim.problem.dim,
        "edges": sim.graph.number_of_edges(),
        **_graph_summary(sim),
        "slow_agents": sim.compute.slow_agents,
        "warnings": list(sim.warnings),
        **_server_summary(sim),
        **_bits_note(scenario.data["algorithm"]["compressor"]),
        "runtime_s": round(runtime, 3),
        "netsim_version": __version__,
    }
    iterates = np.stack(mon.iterates) if mon.iterates else None
    updates = getattr(sim.runner, "updates", None)
    if updates is not None:                       # ticks -> seconds at the edge
        updates = [(r, seconds(t), i, st) for r, t, i, st in updates]
    return Result(scenario, trace, summary, iterates,
                  _messages_in_seconds(net.log) if net.record_messages else None,
                  net.per_link_table(), updates, _finishes_in_seconds(mon.finishes))


def _finishes_in_seconds(finishes) -> list | None:
    """agents.csv rows (agent, round, t_done in seconds), sorted by time, then agent."""
    if finishes is None:
        return None
    return [(i, k, seconds(t)) for t, i, k in sorted((t, i, k) for i, k, t in finishes)]


def _messages_in_seconds(log) -> list:
    """messages.csv rows, sorted by send time, then sender, then the sender's own sending
    order (a stable sort: the order of same-instant sends of different agents is not part of
    the model), with ``t_send`` / ``t_arrive`` in seconds (NaN stays NaN). Fair sharing
    leaves an empty slot (None) for a transfer still in progress at the end: not listed.
    """
    from netsim.network.transport import MessageRecord

    rows = sorted((r for r in log if r is not None), key=lambda r: (r[3], r[0]))
    return [MessageRecord((s, d, b, seconds(ts), ta if ta != ta else seconds(ta), lost, tag))
            for s, d, b, ts, ta, lost, tag in rows]
