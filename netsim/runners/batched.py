"""Batched peer-round runner: callbacks instead of processes, agents in step together.

The rounds are those of the reference engine (one SimPy process per agent; since issue 15 a
test-only oracle, tests/oracle/process_engine.py), with the same timing and the same per-agent
operations:

1. *start* (round k of agent i): ``work = local_step()``; after ``compute.duration(i, work)``
   simulated seconds, 2.;
2. *send*: hand ``outgoing()`` to the network tagged k; wait for every neighbour's round-k
   message (on dropping links at most the timeout, as in the reference engine);
3. *finish*: ``incoming(box)``, report to the monitor, start round k + 1 at once.

What changes is how the work is scheduled. No process per agent: every phase is a callback.
Agents whose compute ends at the same instant send in one callback; agents whose last
message arrives at the same instant finish together in one callback at the end of that
instant (a zero-delay :data:`~netsim.simtime.FINISH` event, after the arrivals and compute
ends of the instant), and then start their next round together. Each such group goes
through the algorithm's kernel (:mod:`netsim.algorithms.batch`) in one call, so in lockstep (ideal
or homogeneous links) a whole round of N agents costs a few numpy operations on (N, d)
arrays. Asynchrony still emerges from timing: when agents drift apart the groups shrink, down
to one agent per callback.

Deferring a finish to the end of its instant changes nothing an agent computes: an agent's
kernels read and write only its own state, messages land in its inbox in any case, and its
next local step happens at the same simulated time. This engine runs every link model (FIFO,
fair, TCP, loss) and profile; tests/test_batched_engine.py compares its outputs with the
process-per-agent oracle's bit for bit.
"""

from __future__ import annotations

import math

from netsim.runners.contract import (
    check_one_per_neighbour,
    lossy_in_neighbors,
    receive_timeout,
)
from netsim.simtime import DEADLINE, FINISH, STEP, Alarm, Pending, ticks

__all__ = ["BatchedPeerRunner"]


class BatchedPeerRunner:
    """Drives a peer algorithm's kernel on a SimPy environment, agents in step together.

    Args:
        env, kernel, graph, network, compute, monitor, rounds: the SimPy environment, the
            algorithm's kernel, the graph, the transport, the compute model, the monitor and
            the last round any agent runs.
    """

    def __init__(self, env, kernel, graph, network, compute, monitor, rounds):
        self.env = env
        self.net = network
        self.compute = compute
        self.monitor = monitor
        self.rounds = rounds
        self.kernel = kernel
        n = graph.number_of_nodes()
        self.neighbors = [sorted(graph.neighbors(i)) for i in range(n)]
        self._deg = [len(nb) for nb in self.neighbors]
        self._inbox = [dict() for _ in range(n)]       # round -> {src: value}
        self._round = [1] * n                          # round each agent is in
        self._waiting = [0] * n                        # round waited for (0: not waiting)
        self._grads = [0] * n                          # gradients of the current round
        self._finishing: list = []                     # agents to finish at this instant
        self._sends: dict[int, list] = {}              # instant -> agents computing until then
        self._flush = None
        self.late = 0
        self.timeouts = 0
        for i in range(n):
            network.attach(i, self._handler(i))
        self._refs = monitor.references
        self._lossy_in = lossy_in_neighbors(network, self.neighbors)
        self._memo_version = -1                        # links_version of the memos below

    def start(self) -> None:
        """Every agent starts round 1."""
        self._snap = self._refs and hasattr(self.kernel, "snapshot_references")
        if self._snap:
            self.monitor.drift_of = self.kernel.drift
        ev = Alarm(self.env, 0, STEP)
        ev.callbacks.append(lambda _e: self._start(list(range(len(self.neighbors)))))

    # ------------------------------------------------------------------ phases
    def _start(self, ids) -> None:
        """Local steps of ``ids`` (all in the same round phase at this instant).

        An agent whose host is off (state profile) starts when it is on again, as in the reference
        engine.
        """
        on = self.compute.on
        if self.compute.hosts_off and not all(on[i] for i in ids):
            for i in ids:
                if not on[i]:
                    self.compute.wait_until_on(i, self.env).callbacks.append(
                        lambda _e, i=i: self._start([i]))
            ids = [i for i in ids if on[i]]
            if not ids:
                return
        works = self.kernel.local_steps(ids)
        now_group, later = [], {}
        grads = self._grads
        for i, w, dt in zip(ids, works, self.compute.durations(ids, works)):
            grads[i] = w.gradients
            dt = ticks(dt)
            if dt > 0:
                later.setdefault(dt, []).append(i)
            else:
                now_group.append(i)
        if now_group:
            self._send(now_group)
        now = self.env.now
        for dt, group in later.items():
            # every agent whose computation ends at this instant sends in one callback,
            # groups in the order their events would have been scheduled (started earlier
            # first): between those events only order-free ones could run (other agents'
            # sends, retransmissions); arrivals, finishes and deadlines have later phases
            due = self._sends.get(now + dt)
            if due is None:
                due = self._sends[now + dt] = []
                ev = Pending(self.env, dt, STEP)
                ev.callbacks.append(lambda _e, t=now + dt: self._send(self._sends.pop(t)))
            due.extend(group)

    def _send(self, ids) -> None:
        net, env = self.net, self.env
        ready = []                 # agents whose round-k messages are all in already
        deadlines: dict = {}       # receive timeout (ticks) -> [(agent, round)]
        for i, outs in zip(ids, self.kernel.outgoing(ids)):
            k = self._round[i]
            nbrs = self.neighbors[i]
            bits = 0
            msgs = []
            check_one_per_neighbour(i, outs, nbrs)
            for dst, value, b in outs:
                if b > bits:
                    bits = b
                if dst is None:
                    msgs.extend([(j, value, b) for j in nbrs])
                else:
                    msgs.append((dst, value, b))
            net.send_many(i, msgs, k)
            if len(self._inbox[i].get(k, ())) == self._deg[i]:
                # everything already there: it finishes at this instant without waiting, as
                # the reference engine's agent does (it never yields); all such agents of
                # the group finish together once the group has sent (one kernel call, not
                # one per agent: after a loss the late agents of a lockstep round find
                # their messages waiting). Nothing they compute depends on the other
                # agents' sends of this instant, and the order of different agents'
                # same-instant sends changes no result (transport, messages.csv).
                ready.append((i, False))
                continue
            self._waiting[i] = k
            limit = self._timeout(i, bits)
            if limit is not None and limit != math.inf:
                if self._zero_latency_in(i):       # one deadline event per agent
                    ev = Pending(env, limit, DEADLINE)
                    ev.callbacks.append(lambda _e, i=i, k=k: self._expire(i, k))
                else:
                    deadlines.setdefault(limit, []).append((i, k))
        for limit, waiting in deadlines.items():
            ev = Pending(env, limit, DEADLINE)
            ev.callbacks.append(lambda _e, w=waiting: self._expire_many(w))
        if ready:
            self._finish_group(ready)

    def _handler(self, i):
        def deliver(src, tag, value):
            if tag < self._round[i]:
                self.late += 1
                return
            box = self._inbox[i].get(tag)
            if box is None:
                box = self._inbox[i][tag] = {}
            box[src] = value
            if self._waiting[i] == tag and len(box) == self._deg[i]:
                self._waiting[i] = 0
                self._finish_later(i)
        return deliver

    def _expire(self, i, k) -> None:
        if self._waiting[i] == k:
            self._waiting[i] = 0
            self._finish_later(i, timed_out=True)

    def _expire_many(self, waiting) -> None:
        """The receive timeouts of agents that sent at the same instant with the same
        timeout: those still waiting finish together (one FINISH group, in sending order).
        One event per agent, each followed at once by its finish (FINISH precedes
        DEADLINE), gives the same results because no in-link of these agents has zero
        latency (:meth:`_zero_latency_in`, checked when the deadlines were set): nothing
        a finishing agent sends can arrive at this instant, so no agent's expiry depends
        on another's finish.
        """
        for i, k in waiting:
            if self._waiting[i] == k:
                self._waiting[i] = 0
                self._finishing.append((i, True))
        if self._finishing and self._flush is None:
            self._flush = Alarm(self.env, 0, FINISH)
            self._flush.callbacks.append(self._finish)

    def _zero_latency_in(self, i) -> bool:
        """Has an in-link of agent i zero latency (to the tick)? Then a message sent at its
        deadline could still arrive in time, so its deadline keeps its own event.
        """
        memo = self._memo()[1]
        zero = memo.get(i)
        if zero is None:
            links = self.net.links
            zero = memo[i] = any(ticks(links[(j, i)].latency) == 0 for j in self.neighbors[i])
        return zero

    def _memo(self):
        """(receive timeouts by (agent, bits), zero-latency in-links by agent), kept until a
        link changes (the network's ``links_version``).
        """
        if self._memo_version != self.net.links_version:
            self._memo_version, self._memos = self.net.links_version, ({}, {})
        return self._memos

    def _finish_later(self, i, timed_out=False) -> None:
        self._finishing.append((i, timed_out))
        if self._flush is None:
            self._flush = Alarm(self.env, 0, FINISH)
            self._flush.callbacks.append(self._finish)

    def _finish(self, _event) -> None:
        """End the rounds of every agent queued at this instant, then start the next ones."""
        group, self._finishing, self._flush = self._finishing, [], None
        self._finish_group(group)

    def _finish_group(self, group) -> None:
        """``group``: (agent, finished by its timeout) pairs, in finishing order."""
        ids, boxes = [], []
        for i, timed_out in group:
            box = self._inbox[i].pop(self._round[i], {})
            if timed_out and len(box) < self._deg[i]:
                self.timeouts += 1
            self._round[i] += 1
            ids.append(i)
            boxes.append(box)
        kernel, mon, now = self.kernel, self.monitor, self.env.now
        kernel.incoming(ids, boxes)
        refs = self._refs and not self._snap
        if self._snap:                      # references of every round, in finishing order
            rounds = {}
            for i in ids:
                rounds.setdefault(self._round[i] - 1, []).append(i)
            for k, sub in rounds.items():
                kernel.snapshot_references(k, sub)
        nxt = []
        if refs:
            for i in ids:
                k = self._round[i] - 1
                mon.agent_done(i, k, now, kernel.x(i), self._grads[i], kernel.references(i))
                if k < self.rounds and not mon.stopped:
                    nxt.append(i)
        else:
            # runs of agents in the same round report at once; as with one report per agent,
            # the agents before a run's last see the stop state from before the run, its
            # last (the only one that can complete the round) the state after it
            rnd, grads, pos = self._round, self._grads, 0
            while pos < len(ids):
                k = rnd[ids[pos]] - 1
                end = pos + 1
                while end < len(ids) and rnd[ids[end]] - 1 == k:
                    end += 1
                run = ids[pos:end]
                before = mon.stopped
                if len(run) == 1:           # one agent: the per-agent report is cheaper
                    mon.agent_done(run[0], k, now, kernel.x(run[0]), grads[run[0]])
                else:
                    mon.agents_done(run, k, now, kernel.xs(run), sum(grads[i] for i in run))
                if k < self.rounds:
                    if not before:
                        nxt.extend(run[:-1])
                    if not mon.stopped:
                        nxt.append(run[-1])
                pos = end
        if nxt:
            self._start(nxt)

    def _timeout(self, i, bits) -> float | None:
        memo = self._memo()[0]
        key = (i, bits)
        if key not in memo:
            memo[key] = receive_timeout(self.net, self._lossy_in[i], i, bits)
        return memo[key]
