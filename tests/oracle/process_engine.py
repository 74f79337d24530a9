"""The event-driven oracle of the peer rounds: one SimPy process per agent (test-only).

This was netsim's "reference engine" (``netsim/runners/peer.py``, forced with
``NETSIM_ENGINE=reference``) until issue 15; it now lives with the per-agent oracle classes,
and netsim has one peer-round engine (:mod:`netsim.runners.batched`). The engine-equivalence
tests (tests/test_batched_engine.py, test_simtime, test_plugins, test_view) run a scenario
on both and compare every output bit for bit; :func:`forced` makes ``netsim.run`` use it,
``netsim.simulate.build(sc, runner=ProcessRunner)`` builds with it.

Round k of agent i (DESIGN.md "One peer round"), the algorithm's kernel
(:mod:`netsim.algorithms.batch`) stepping agent i as a group of one:

1. ``work = local_steps([i])``; wait ``compute.duration(i, work)`` simulated seconds;
2. hand ``outgoing([i])`` to the network, each message tagged k (a broadcast is one
   point-to-point copy per neighbour);
3. wait until every neighbour's round-k message has arrived; on links that drop messages
   (``on_loss = "drop"``) wait at most the link timeout, after which the missing ones count as
   lost; messages of a round the agent has already left are discarded as late;
4. ``incoming([i], [{j: value}])``; report to the monitor.

Sender and receiver keep their own state; the kernel's phases for agent i read and write only
agent i's rows.
Times are integer ticks; the end of a computation is a :data:`~netsim.simtime.STEP` event and
the receive timeout a :data:`~netsim.simtime.DEADLINE` event, so a message that arrives at the
deadline's instant is in time (:mod:`netsim.simtime`).
"""

from __future__ import annotations

import contextlib
import math

from netsim.runners.contract import check_one_per_neighbour, lossy_in_neighbors, receive_timeout
from netsim.simtime import DEADLINE, STEP, Pending, ticks

__all__ = ["ProcessRunner", "forced", "run_on"]


@contextlib.contextmanager
def forced():
    """Within the block, every ``netsim.run`` (and ``netsim.simulate.build``) in this process
    drives peer rounds with :class:`ProcessRunner` instead of the batched engine.

    As ``NETSIM_ENGINE=reference`` did: asynchronous rounds (``algorithm.wait``) and server
    algorithms keep their own runners. Patches ``netsim.simulate.build`` (the name
    ``netsim.run`` calls), restored on exit.
    """
    from unittest import mock

    import netsim.simulate

    original = netsim.simulate.build

    def build(scenario, *args, **kw):
        return original(scenario, *args, runner=ProcessRunner, **kw)
    with mock.patch.object(netsim.simulate, "build", build):
        yield


def run_on(engine: str, *args, **kw):
    """``netsim.run(*args, **kw)`` on ``engine``: "batched" (netsim's engine) or "process"
    (:class:`ProcessRunner`, under :func:`forced`).

    Raises:
        ValueError: another ``engine``.
    """
    import netsim

    if engine == "batched":
        return netsim.run(*args, engine="batched", **kw)
    if engine != "process":
        raise ValueError(f"engine must be 'batched' or 'process'; got {engine!r}")
    with forced():
        return netsim.run(*args, **kw)


class ProcessRunner:
    """Drives a peer algorithm on a SimPy environment, one process per agent.

    Same constructor as :class:`netsim.runners.batched.BatchedPeerRunner` (``build``'s
    ``runner=`` hook).

    Args:
        env: SimPy environment.
        kernel: the algorithm (:class:`netsim.algorithms.base.PeerKernel`).
        graph: the undirected communication graph.
        network: the transport.
        compute: the :class:`~netsim.compute.ComputeModel`.
        monitor: the :class:`~netsim.monitor.Monitor`.
        rounds: the last round any agent runs.
    """

    def __init__(self, env, kernel, graph, network, compute, monitor, rounds):
        self.env = env
        self.kernel = kernel
        self.net = network
        self.compute = compute
        self.monitor = monitor
        self.rounds = rounds
        n = graph.number_of_nodes()
        self.neighbors = [sorted(graph.neighbors(i)) for i in range(n)]
        self._inbox = [dict() for _ in range(n)]       # round -> {src: value}
        self._round = [1] * n                          # round each agent is in
        self._waiting = [None] * n                     # (round, event) while waiting
        self.late = 0                                  # messages discarded as late
        self.timeouts = 0                              # waits that ended by timeout
        for i in range(n):
            network.attach(i, self._handler(i))
        self._refs = monitor.references
        self._lossy_in = lossy_in_neighbors(network, self.neighbors)

    def start(self) -> None:
        """Create one process per agent."""
        for i in range(len(self.neighbors)):
            self.env.process(self._agent(i))

    def _handler(self, i):
        def deliver(src, tag, value):
            if tag < self._round[i]:
                self.late += 1
                return
            box = self._inbox[i].setdefault(tag, {})
            box[src] = value
            w = self._waiting[i]
            if w is not None and w[0] == tag and len(box) == len(self.neighbors[i]):
                self._waiting[i] = None
                w[1].succeed()
        return deliver

    def _timeout(self, i, bits) -> float | None:
        return receive_timeout(self.net, self._lossy_in[i], i, bits)

    def _agent(self, i):
        env, kernel, net, mon = self.env, self.kernel, self.net, self.monitor
        nbrs = self.neighbors[i]
        for k in range(1, self.rounds + 1):
            if mon.stopped:
                return
            self._round[i] = k
            if not self.compute.on[i]:            # host off (state profile): wait
                yield self.compute.wait_until_on(i, env)
            work = kernel.local_steps([i])[0]
            dt = ticks(self.compute.duration(i, work))
            if dt > 0:
                yield Pending(env, dt, STEP)
            bits = 0
            outs = kernel.outgoing([i])[0]
            check_one_per_neighbour(i, outs, nbrs)
            for dst, value, b in outs:
                bits = max(bits, b)
                for j in (nbrs if dst is None else (dst,)):
                    net.send(i, j, value, b, tag=k)
            box = self._inbox[i].get(k, {})
            if len(box) < len(nbrs):
                ev = env.event()
                self._waiting[i] = (k, ev)
                limit = self._timeout(i, bits)
                if limit is None or limit == math.inf:
                    yield ev
                else:
                    yield ev | Pending(env, limit, DEADLINE)
                    if not ev.triggered:
                        self.timeouts += 1
                self._waiting[i] = None
            box = self._inbox[i].pop(k, {})
            self._round[i] = k + 1
            kernel.incoming([i], [box])
            mon.agent_done(i, k, env.now, kernel.x(i), work.gradients,
                           kernel.references(i) if self._refs else None)
