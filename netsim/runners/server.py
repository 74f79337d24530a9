"""Server runner: one SimPy process per worker and one for the server (spec ``qadmm.md`` §2.3).

Node ids: workers 0..N-1, the server N. Links: worker -> server ("up") and server -> worker
("down"), each with its own :class:`~netsim.network.links.LinkSpec`.

Worker i (loop): wait for a z message addressed to it; compute (the compute model turns the
kernel's work into seconds); send its uplink message; go idle.

Server round r = 1, 2, ...: wait until the inbox holds a set A_r with
(a) |A_r| >= P and (b) every worker whose delay counter d_j reached tau - 1 in it
(force-wait); the round starts in the :data:`~netsim.simtime.STEP` phase of that instant, so
results arriving at the same instant are in A_r (:mod:`netsim.simtime`); A_r = everything in
the inbox then. Absorb A_r, d_i <- 0 for i in A_r, d_j <- d_j + 1 otherwise, spend
``server_time``, update z over all N (stale estimates included), record, answer the workers
in A_r (or broadcast the z-delta to all N, the active ones being told to start). A result that
arrives while the server computes round r (during ``server_time``) is absorbed after round r's
update: it belongs to round r + 1.

Staleness of a result absorbed in round r = (r - 1) - (the round whose z it was computed
from); z^0 counts as round 0. Every absorbed result is kept in :attr:`ServerRunner.updates`
(``updates.csv`` in the results). Asynchrony and staleness come only from simulated timing.

At time 0 every worker holds z-hat = z^0 = 0 (no message needed: the estimates agree) and
starts computing. On lossless links the estimates at both ends are compared bit for bit after
every message (:attr:`ServerRunner.mismatches`); the largest difference seen is the trace
column ``est_drift``.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from netsim.algorithms.server_admm import uplink_many
from netsim.simtime import STEP, Alarm, Pending, ticks

__all__ = ["ServerRunner"]


class ServerRunner:
    """Drives a :class:`~netsim.algorithms.server_admm.ServerAdmmServer` and its workers.

    Args:
        env: SimPy environment.
        server: the server state.
        workers: the worker states (index = node id).
        network: transport with links (i, N) and (N, i).
        compute: :class:`~netsim.compute.ComputeModel` for the workers.
        monitor: :class:`~netsim.monitor.Monitor`.
        rounds: last server round.
        P: minimum arrivals per round (1..N).
        tau: delay bound (>= 1, or math.inf).
        server_time: seconds per z-update (rounded to ticks).
        check_estimates: compare estimates at both ends after every message.
    """

    def __init__(self, env, server, workers, network, compute, monitor, rounds, P, tau,
                 server_time=0.0, check_estimates=True):
        self.env = env
        self.server = server
        self.workers = workers
        self.net = network
        self.compute = compute
        self.monitor = monitor
        self.rounds = rounds
        self.n = len(workers)
        self.S = self.n
        self.P = int(P)
        self.tau = tau
        self.server_time = ticks(float(server_time))    # ticks
        self.check = check_estimates
        self.d = np.zeros(self.n, dtype=int)          # delay counters
        self.inbox: dict[int, tuple] = {}             # worker -> (message, z round used)
        self._wake = None                             # event the server waits on
        self._waking = False                          # its STEP-phase trigger is scheduled
        self._busy = False                            # computing a round (server_time)
        self._arriving: list = []                     # results that came in meanwhile
        self._go = [env.event() for _ in range(self.n)]
        self._uplinks: dict[int, list] = {}           # instant -> workers ending then
        self._used = [0] * self.n                     # z round each worker computes from
        self._next_bcast = [1] * self.n               # broadcast mode: next round to apply
        self._pending_bcast = [dict() for _ in range(self.n)]
        self._zhat_hist: dict[int, np.ndarray] = {}   # broadcast mode: server z-hat by round
        self.staleness = Counter()                    # staleness -> results absorbed
        self.updates: list[tuple] = []                # (round, time, worker, staleness)
        self.mismatches = 0
        self.checks = 0
        self._drift = 0.0
        self.scale_headers = 0                        # compressed vectors with a scale
        self.scale_bits = server.comp.scale_bits      # per compressed vector (wrappers too)
        self.late = 0
        self.timeouts = 0
        network.attach(self.S, self._server_handler)
        for i in range(self.n):
            network.attach(i, self._worker_handler(i))

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """All workers start from z^0 at time 0; the server waits for results."""
        for i in range(self.n):
            self.env.process(self._worker(i))
            self._go[i].succeed()
        self.env.process(self._server())

    def _worker(self, i):
        env, w = self.env, self.workers[i]
        while True:
            yield self._go[i]
            if self.monitor.stopped:
                return
            self._go[i] = env.event()
            if not self.compute.on[i]:            # host off (state profile): wait
                yield self.compute.wait_until_on(i, env)
            work = w.compute()
            dt = ticks(self.compute.duration(i, work))
            if dt > 0 and self.server_time > 0:
                yield Pending(env, dt, STEP)
                self._send_uplinks([(i, work.gradients)])
            elif dt > 0:
                # workers whose computations end at the same instant send in one callback,
                # in the order their computations started, as one event each would: between
                # those events nothing but retransmissions could run (no server busy period
                # ends then: server_time = 0), and they change no result when they come
                # after (the server absorbs per worker, rounds start in a later event)
                when = env.now + dt
                due = self._uplinks.get(when)
                if due is None:
                    due = self._uplinks[when] = []
                    Pending(env, dt, STEP).callbacks.append(
                        lambda _e, t=when: self._send_uplinks(self._uplinks.pop(t)))
                due.append((i, work.gradients))
            else:
                self._send_uplinks([(i, work.gradients)])

    def _send_uplinks(self, due) -> None:
        """Workers ``due`` ((worker, gradients) pairs) finished computing: their uplink
        messages, compressed together (:func:`~netsim.algorithms.server_admm.uplink_many`),
        handed to the network in order.
        """
        ids = [i for i, _g in due]
        for (i, grads), (msg, bits, headers) in zip(
                due, uplink_many([self.workers[i] for i in ids])):
            self.monitor.add_gradients(grads)
            self.scale_headers += headers
            self.net.send(i, self.S, (msg, self._used[i]), bits, tag=0)

    def _server_handler(self, src, tag, payload):
        msg, used = payload
        if self._busy:                            # computing round r: this is for round r + 1
            self._arriving.append((src, msg, used))
            return
        self._absorb(src, msg, used)
        if self._wake is not None and not self._waking and self._ready():
            # start the round in the STEP phase of this instant: every result arriving at
            # this instant is still absorbed into it
            self._waking = True
            Alarm(self.env, 0, STEP).callbacks.append(self._start_round)

    def _absorb(self, src, msg, used) -> None:
        self.server.absorb(src, msg)
        self._compare(self.server.x_t[src], self.workers[src].x_t)
        self._compare(self.server.u_t[src], self.workers[src].u_t)
        self.inbox[src] = used

    def _start_round(self, _event) -> None:
        ev, self._wake, self._waking = self._wake, None, False
        ev.succeed()

    def _ready(self) -> bool:
        if len(self.inbox) < self.P:
            return False
        if self.tau == math.inf:
            return True
        forced = np.flatnonzero(self.d >= self.tau - 1)
        return all(int(j) in self.inbox for j in forced)

    def _server(self):
        env, srv, mon = self.env, self.server, self.monitor
        for r in range(1, self.rounds + 1):
            if mon.stopped:
                return
            if not self._ready():
                self._wake = env.event()
                yield self._wake
            if not self.compute.on[self.S]:       # server host off (state profile): wait
                yield self.compute.wait_until_on(self.S, env)
            active = sorted(self.inbox)
            stale = [r - 1 - self.inbox[i] for i in active]
            self.staleness.update(stale)
            self.updates.extend((r, env.now, i, st) for i, st in zip(active, stale))
            self.inbox.clear()
            mask = np.zeros(self.n, dtype=bool)
            mask[active] = True
            self.d[mask] = 0
            self.d[~mask] += 1
            self._busy = True
            if self.server_time > 0:
                yield Pending(env, self.server_time, STEP)
            z = srv.update()
            if srv.broadcast:
                dz, bits = srv.downlink()
                self.scale_headers += self.n
                self._zhat_hist[r] = srv.z_hat.copy()
                for i in range(self.n):
                    self.net.send(self.S, i, (dz, r, bool(mask[i])), bits, tag=r)
            else:
                msgs, bits = srv.downlink_many(active)
                self.scale_headers += len(active)
                for i, dz in zip(active, msgs):
                    self.net.send(self.S, i, (dz, r, True), bits, tag=r)
            extra = {"active": len(active), "staleness_mean": float(np.mean(stale)),
                     "staleness_max": int(max(stale)),
                     "bits_without_scale": self.net.total_bits - self.scale_bits_sent()}
            if self.check:
                extra["est_drift"], self._drift = self._drift, 0.0
            X = np.stack([w.x for w in self.workers])
            mon.server_update(r, env.now, z, X, extra)
            self._busy = False
            arrived, self._arriving = self._arriving, []
            for src, msg, used in arrived:        # in arrival order, for round r + 1
                self._absorb(src, msg, used)

    def scale_bits_sent(self) -> int:
        """Scale bits of every transmission so far, retransmissions and lost ones included
        (the network bills each transmission in full): an uplink message carries two scales
        (x and u), a downlink message one.
        """
        if not self.scale_bits:
            return 0
        sent = self.net.link_messages
        up = sum(sent.get((i, self.S), 0) for i in range(self.n))
        down = sum(sent.get((self.S, i), 0) for i in range(self.n))
        return self.scale_bits * (2 * up + down)

    def _worker_handler(self, i):
        def deliver(src, tag, payload):
            dz, r, go = payload
            w = self.workers[i]
            if not self.server.broadcast:
                w.receive(dz)
                self._compare(self.server.z_hat[i], w.z_hat)
                self._used[i] = r
                self._go[i].succeed()
                return
            # broadcast: apply deltas in server-round order (jitter may reorder them)
            self._pending_bcast[i][r] = (dz, go)
            while self._next_bcast[i] in self._pending_bcast[i]:
                k = self._next_bcast[i]
                dzk, gok = self._pending_bcast[i].pop(k)
                w.receive(dzk)
                self._compare(self._zhat_hist[k], w.z_hat)
                self._next_bcast[i] = k + 1
                if min(self._next_bcast) > k:
                    self._zhat_hist.pop(k, None)
                if gok:
                    self._used[i] = k
                    self._go[i].succeed()
        return deliver

    def _compare(self, a, b) -> None:
        if not self.check:
            return
        self.checks += 1
        if not np.array_equal(a, b):
            self.mismatches += 1
            self._drift = max(self._drift, float(np.max(np.abs(a - b))))
