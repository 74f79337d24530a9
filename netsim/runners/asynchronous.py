"""Asynchronous peer rounds: the wait policy ``{neighbours = K, delay_bound = D}`` (issue 19).

Same phases, timing and kernels as :mod:`netsim.runners.batched` (local step, compute time,
send tagged k, update, report); only *when* agent i ends round k and *which* messages it
uses differ (docs/async.md):

* i keeps, per neighbour j, the messages of j it has not used yet; the value it *uses* for
  round k is the newest message of j from a round t <= k (``ahead = "hold"``: a message from
  a later round of j is kept for i's own round t) or of any round (``ahead = "use"``); an
  older unused one is superseded and dropped;
* t_j (the round of the newest value of j used so far, 0 = none: the initial edge variable)
  gives the staleness max(0, k - t_j) of j's value in i's round-k update (0 for a neighbour
  at or ahead of i);
* i ends round k, at the end of the instant (the batched engine's FINISH phase), once
  at least K neighbours have t_j >= k available and no neighbour has k - t_j >= D;
* on links that drop messages (``on_loss = "drop"``), the loss timeout overrides the
  delay bound: after the timeout (measured from the send, as in synchronous rounds) i ends
  the round with what it holds; each neighbour value then D or more rounds old is counted in
  ``stale_timeouts`` (and flagged in ``updates.csv``), apart from the staleness statistics.

With D = 1 and ``ahead = "hold"`` every neighbour's round-k message is needed and used: on
lossless (or retransmitting) links the run is today's synchronous run bit for bit
(tests/test_async_policy.py).
"""

from __future__ import annotations

import math

import numpy as np

from netsim.runners.batched import BatchedPeerRunner
from netsim.simtime import DEADLINE, Pending, seconds

__all__ = ["AsyncPeerRunner", "UPDATE_COLUMNS", "ASYNC_COLUMNS"]

#: extra trace columns of asynchronous peer runs (record k: the staleness of every neighbour
#: value used in the round-k updates; rel_err and bits at the record's instant)
ASYNC_COLUMNS = ("staleness_mean", "staleness_max", "rel_err_now", "bits_now")
#: columns of ``updates.csv`` for asynchronous peer runs: one row per (agent update, neighbour)
UPDATE_COLUMNS = ("agent", "round", "time", "neighbour", "used_round", "staleness", "fresh",
                  "timed_out")


class AsyncPeerRunner(BatchedPeerRunner):
    """The batched peer runner with an asynchronous wait policy.

    Args:
        env, kernel, graph, network, compute, monitor, rounds: as for
            :class:`~netsim.runners.batched.BatchedPeerRunner`.
        policy: the :class:`~netsim.waitpolicy.WaitPolicy` (K neighbours, delay bound D in
            rounds, ``math.inf`` for none).

    Attributes:
        updates: one tuple per (agent update, neighbour): agent, round, time (ticks),
            neighbour, used_round t_j, staleness max(0, k - t_j), fresh (1: a message first
            used in this update), timed_out (1: k - t_j >= D after a loss timeout).
        stale_timeouts: neighbour values used beyond the delay bound after a loss timeout.
        superseded: messages never used because a newer one of the same sender was.
        staleness: histogram {staleness: count} over every used neighbour value.
    """

    def __init__(self, env, kernel, graph, network, compute, monitor, rounds, policy):
        super().__init__(env, kernel, graph, network, compute, monitor, rounds)
        self.K = policy.neighbours
        self.D = policy.delay_bound
        self._use_ahead = policy.ahead == "use"
        n = len(self.neighbors)
        self._held = [{j: {} for j in self.neighbors[i]} for i in range(n)]  # j -> {tag: value}
        self._used = [{j: 0 for j in self.neighbors[i]} for i in range(n)]   # j -> t_j
        self._stats: dict[int, list] = {}            # round -> [sum, count, max]
        self.updates: list[tuple] = []
        self.stale_timeouts = 0
        self.superseded = 0
        self.staleness: dict[int, int] = {}
        self.update_columns = UPDATE_COLUMNS
        self._latest = np.array(kernel.xs(list(range(n))), dtype=float)  # last finished x_i
        monitor.extra_of = self._columns

    # ---------------------------------------------------------------- policy
    def _newest(self, i, j, k) -> int:
        """Round of the newest value of j that agent i (in round k) can use."""
        t = self._used[i][j]
        for tag in self._held[i][j]:
            if t < tag and (tag <= k or self._use_ahead):
                t = tag
        return t

    def _ready(self, i) -> bool:
        k = self._round[i]
        current = 0
        for j in self.neighbors[i]:
            t = self._newest(i, j, k)
            if k - t >= self.D:
                return False
            current += t >= k
        return current >= self.K

    # ---------------------------------------------------------------- phases
    def _send(self, ids) -> None:
        net, env = self.net, self.env
        for i, outs in zip(ids, self.kernel.outgoing(ids)):
            k = self._round[i]
            nbrs = self.neighbors[i]
            bits = 0
            msgs = []
            for dst, value, b in outs:
                bits = max(bits, b)
                if dst is None:
                    msgs.extend([(j, value, b) for j in nbrs])
                else:
                    msgs.append((dst, value, b))
            net.send_many(i, msgs, k)
            if self._ready(i):                 # as the batched engine: finish at once
                self._finish_group([(i, False)])
                continue
            self._waiting[i] = k
            limit = self._timeout(i, bits)
            if limit is not None and limit != math.inf:
                ev = Pending(env, limit, DEADLINE)
                ev.callbacks.append(lambda _e, i=i, k=k: self._expire(i, k))

    def _handler(self, i):
        def deliver(src, tag, value):
            if tag <= self._used[i][src]:
                self.late += 1                 # older than a value already used
                return
            self._held[i][src][tag] = value
            if self._waiting[i] == self._round[i] and self._ready(i):
                self._waiting[i] = 0
                self._finish_later(i)
        return deliver

    def _finish_group(self, group) -> None:
        """Pick each agent's values (see the module docstring), record their staleness, then
        the batched engine's update and report with those values as the round's box.
        """
        now, D = self.env.now, self.D
        plain = []
        for i, timed_out in group:
            k = self._round[i]
            box = {}
            st = self._stats.setdefault(k, [0, 0, 0])
            for j in self.neighbors[i]:
                held, t = self._held[i][j], self._used[i][j]
                usable = [tag for tag in held if tag <= k or self._use_ahead]
                fresh = 0
                if usable:
                    t = max(usable)
                    box[j] = held[t]
                    for tag in usable:
                        del held[tag]
                    self.superseded += len(usable) - 1
                    self._used[i][j] = t
                    fresh = 1
                s = max(0, k - t)
                over = int(timed_out and s >= D)
                self.stale_timeouts += over
                self.updates.append((i, k, now, j, t, s, fresh, over))
                self.staleness[s] = self.staleness.get(s, 0) + 1
                st[0] += s
                st[1] += 1
                st[2] = max(st[2], s)
            if timed_out:
                self.timeouts += 1
            self._inbox[i][k] = box
            self._latest[i] = self.kernel.x(i)      # x_i of round k (set by its local step)
            plain.append((i, False))
        super()._finish_group(plain)

    def _columns(self, k) -> dict:
        """The extra columns of record k: staleness over every value used in the round-k
        updates; ``rel_err_now``, rel_err of every agent's latest finished model at the
        record's instant (the god's-eye view; the other metrics are of the round-k models);
        ``bits_now``, every bit handed to the network up to that instant (any round).
        """
        s = self._stats.pop(k, None)
        mon = self.monitor
        E = self._latest - mon.problem.x_star
        now = {"rel_err_now": float(np.einsum("ij,ij->", E, E) / mon.den),
               "bits_now": int(self.net.total_bits)}
        if not s or not s[1]:
            return {"staleness_mean": 0.0, "staleness_max": 0, **now}
        return {"staleness_mean": s[0] / s[1], "staleness_max": s[2], **now}

    def update_rows(self) -> list[tuple]:
        """``updates.csv`` rows (:data:`UPDATE_COLUMNS`), time in seconds, in update order."""
        return [(i, k, seconds(t), j, u, s, f, o) for i, k, t, j, u, s, f, o in self.updates]

    def summary(self) -> dict:
        """The ``summary.json`` field ``async``: the policy, the staleness histogram and the
        counters.
        """
        return {"async": {
            "neighbours": self.K, "delay_bound": self.D if self.D != math.inf else "inf",
            "ahead": "use" if self._use_ahead else "hold",
            "staleness": {str(k): int(v) for k, v in sorted(self.staleness.items())},
            "stale_timeouts": self.stale_timeouts, "superseded": self.superseded,
            # the summary's time / bits are those of the last record (the slowest agent's
            # last round); agents may have gone on after it (e.g. one crashed for good):
            "time_end": seconds(max((u[2] for u in self.updates), default=0)),
            "bits_end": int(self.net.total_bits),
            "rounds_max": max(self._round) - 1}}
