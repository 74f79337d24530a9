"""Monitor: metrics from a god's-eye view, stop rules, the columnar trace.

The monitor costs no simulated time. It receives times in integer ticks
(:mod:`netsim.simtime`) and records seconds; stop rules compare ticks (``stop.time`` is
rounded to ticks once). For round-based algorithms a record k is emitted when
every agent has finished round k; its ``time`` is the latest of those finishing times, its
``bits`` / ``messages`` count every transmission tagged with a round <= k (retransmissions
included), its ``gradients`` every component gradient evaluated in rounds <= k.

Metrics of a record with agents' models X (rows x_i), optimum x* and start X_0
(SCENARIO.md "Results"):

    err_max  = max_i ||x_i - x*||          err_rms = sqrt(mean_i ||x_i - x*||^2)
    err_mean = ||mean_i x_i - x*||         rel_err = sum_i ||x_i - x*||^2 / sum_i ||x_i0 - x*||^2
    consensus = sqrt(mean_i ||x_i - mean_j x_j||^2)
    objective_gap = F(mean_i x_i) - F*     rel_objective_gap = objective_gap / max(|F*|, 1e-300)
    accuracy (classifiers) = accuracy of mean_i x_i
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from netsim.simtime import MAX_TIME_S, seconds, ticks

__all__ = ["StopSpec", "Monitor", "metrics", "TRACE_COLUMNS", "END_REASONS"]

TRACE_COLUMNS = ("round", "time", "bits", "messages", "gradients", "err_max", "err_rms",
                 "err_mean", "rel_err", "consensus", "objective_gap", "rel_objective_gap")
END_REASONS = ("target", "rounds", "time", "bits", "diverged", "stalled")
#: rel_err above this counts as divergence
DIVERGENCE_REL_ERR = 1e30


@dataclass(frozen=True)
class StopSpec:
    """Whichever comes first (SI units; inf = no limit).

    Attributes:
        rounds: last round to run.
        time: simulated seconds.
        target: stop when ``metric`` reaches it (None: no target).
        metric: trace column compared with ``target``.
        bits: stop once this many bits were sent.
    """

    rounds: int = 1000
    time: float = math.inf
    target: float | None = None
    metric: str = "rel_err"
    bits: float = math.inf

    def reached(self, value: float) -> bool:
        """Is the target met by ``value`` (``>=`` for accuracy, ``<=`` otherwise)?"""
        if self.target is None or not math.isfinite(value):
            return False
        return value >= self.target if self.metric == "accuracy" else value <= self.target


def metrics(problem, X: np.ndarray, den: float) -> dict:
    """The metric columns of one record (see module docstring)."""
    if not getattr(problem, "has_optimum", True):      # non-convex (mlp): no x*
        xbar = X.mean(axis=0)
        C = X - xbar
        ok = bool(np.all(np.isfinite(xbar)))
        return {"err_max": math.nan, "err_rms": math.nan, "err_mean": math.nan,
                "rel_err": math.nan,
                "consensus": float(np.sqrt(np.einsum("ij,ij->i", C, C).mean())),
                "objective_gap": problem.objective(xbar) if ok else math.nan,
                "rel_objective_gap": math.nan,
                "accuracy": problem.accuracy(xbar) if ok else math.nan}
    D = X - problem.x_star
    sq = np.einsum("ij,ij->i", D, D)
    xbar = X.mean(axis=0)
    C = X - xbar
    out = {
        "err_max": float(np.sqrt(sq.max())),
        "err_rms": float(np.sqrt(sq.mean())),
        "err_mean": float(np.linalg.norm(xbar - problem.x_star)),
        "rel_err": float(sq.sum() / den),
        "consensus": float(np.sqrt(np.einsum("ij,ij->i", C, C).mean())),
    }
    if np.all(np.isfinite(xbar)):
        gap = float(problem.objective(xbar) - problem.f_star)
    else:
        gap = math.nan
    out["objective_gap"] = gap
    out["rel_objective_gap"] = gap / max(abs(problem.f_star), 1e-300)
    if problem.classifier:
        acc = problem.accuracy(xbar) if np.all(np.isfinite(xbar)) else math.nan
        out["accuracy"] = float(acc)
    return out


class Monitor:
    """Collects agents' per-round results, emits records, applies the stop rules.

    Args:
        problem: the :class:`~netsim.problems.Problem` (for x*, F*, accuracy).
        X0: initial models, shape (agents, dim).
        stop: the stop rules.
        network: the :class:`~netsim.network.transport.Network` (bit ledger).
        on_stop: called once with the end reason when a stop rule fires.
        every: emit every ``every``-th round (the last round and the stopping one always).
        keep_iterates: also keep X of every record (for ``iterates.npz``).
        progress: an optional tqdm-like bar updated per round.
    """

    def __init__(self, problem, X0, stop: StopSpec, network, on_stop, every=1,
                 keep_iterates=False, progress=None, references=False, extra_columns=()):
        self.problem = problem
        self.n = X0.shape[0]
        self.stop = stop
        #: ``stop.time`` in ticks (inf: no limit; a limit beyond the longest simulated time
        #: cannot be reached)
        self.stop_ticks = ticks(stop.time) if stop.time <= MAX_TIME_S else math.inf
        self.net = network
        self.on_stop = on_stop
        self.every = int(every)
        self.keep_iterates = keep_iterates
        self.progress = progress
        D = X0 - problem.x_star
        den = float(np.einsum("ij,ij->", D, D))
        self.den = den if den > 0 else 1.0
        self.columns = list(TRACE_COLUMNS) + (["accuracy"] if problem.classifier else [])
        self.references = references
        if references:
            self.columns.append("ref_drift")
        self.extra_columns = tuple(extra_columns)
        self.columns.extend(self.extra_columns)
        self.trace = {c: [] for c in self.columns}
        self.iterates: list[np.ndarray] = []
        self.end: str | None = None
        self.end_round: int | None = None
        self.first_target: dict | None = None
        self._pending: dict[int, list] = {}
        self._grads_total = 0
        #: optional ``round -> ref_drift`` supplied by a batched kernel that snapshots the
        #: references itself (same value, computed for all agents at once)
        self.drift_of = None
        #: optional ``round -> {column: value}`` for extra columns of peer records (the
        #: asynchronous runner's staleness columns)
        self.extra_of = None
        self.last_progress = 0          # ticks of the latest agent / server step
        self.max_gap = 0                # longest time (ticks) between two such steps so far
        #: the time of every record in ticks (exact; the trace's ``time`` is in seconds)
        self.time_ticks: list[int] = []
        #: opt-in (``output.messages``, peer runs): one (agent, round, ticks) per finished
        #: agent round, for ``agents.csv``; None: not recorded
        self.finishes: list | None = None
        self._record(0, 0, np.array(X0, dtype=float), 0, 0, 0)

    @property
    def stopped(self) -> bool:
        """True once a stop rule fired."""
        return self.end is not None

    def agent_done(self, i: int, k: int, t: float, x: np.ndarray, gradients: int,
                   refs=None) -> None:
        """Agent ``i`` finished round ``k`` at time ``t`` (ticks) with model ``x``.

        ``gradients``: component gradients in that round; ``refs`` = (own references, copies held of
        the neighbours' references), as returned by the agent's ``references()``, snapshotted.
        """
        slot = self._register(i, 1, k, t, x, gradients)
        if self.finishes is not None:
            self.finishes.append((int(i), k, t))
        if refs is not None:
            own, copies = refs
            slot[4].update({key: v.copy() for key, v in own.items()})
            slot[5].extend((key, v.copy()) for key, v in copies.items())
        if slot[1] == self.n:
            self._complete(k)

    def agents_done(self, ids, k: int, t: float, X: np.ndarray, gradients: int) -> None:
        """:meth:`agent_done` for agents ``ids`` that all finished round ``k`` at time ``t``.

        Models are the rows of ``X``; ``gradients`` in total; no references. Same records: a round
        completes only with its last reporter, which is the last of ``ids`` if any.
        """
        if self.finishes is not None:
            self.finishes.extend((int(i), k, t) for i in ids)
        if self._register(ids, len(ids), k, t, X, gradients)[1] == self.n:
            self._complete(k)

    def _register(self, rows, count, k, t, values, gradients) -> list:
        """Record ``count`` agents' round-k results (models ``values`` at ``rows``).

        Returns the round's slot [X, reported, latest time, gradients, own refs, copies].
        """
        self._progress(t)
        slot = self._pending.get(k)
        if slot is None:
            slot = self._pending[k] = [np.empty((self.n, values.shape[-1])), 0, 0, 0, {}, []]
        slot[0][rows] = values
        slot[1] += count
        slot[2] = max(slot[2], t)
        slot[3] += gradients
        return slot

    def _complete(self, k: int) -> None:
        X, _, t, grads, own, copies = self._pending.pop(k)
        if self.drift_of is not None:
            drift = self.drift_of(k)
        else:
            drift = max((float(np.linalg.norm(v - own[key])) for key, v in copies), default=0.0)
        self._grads_total += grads
        if self.stopped:
            return
        bits = self.net.total_bits - sum(b for tag, b in self.net.tag_bits.items() if tag > k)
        msgs = self.net.total_messages - sum(
            m for tag, m in self.net.tag_messages.items() if tag > k)
        if self.progress is not None:
            self.progress.update(1)
        last = (k >= self.stop.rounds or t >= self.stop_ticks or bits >= self.stop.bits)
        bad = not np.all(np.isfinite(X))
        if bad or last or self.stop.target is not None or k % self.every == 0:
            extra = self.extra_of(k) if self.extra_of is not None else None
            row = self._record(k, t, X, bits, msgs, self._grads_total, drift, extra=extra)
            reason = self._check(k, t, row, bad)
            if reason is not None:
                self.end, self.end_round = reason, k
                self.on_stop(reason)

    def _progress(self, t: float) -> None:
        self.max_gap = max(self.max_gap, t - self.last_progress)
        self.last_progress = t

    def add_gradients(self, gradients: int) -> None:
        """Count component gradients as they are evaluated (server algorithms)."""
        self._grads_total += int(gradients)

    def server_update(self, r: int, t: float, z: np.ndarray, X: np.ndarray,
                      extra: dict) -> None:
        """Server round ``r`` finished at ``t`` (ticks) with consensus variable ``z``.

        ``X``: the workers' models. Errors and the objective are those of z (every row of the metric
        matrix is z); ``consensus`` = sqrt(mean_i ||x_i - z||^2), the primal residual; ``bits`` =
        every transmission handed to the network so far; ``extra`` fills the algorithm's extra
        columns.
        """
        self._progress(t)
        if self.stopped:
            return
        if self.progress is not None:
            self.progress.update(1)
        Z = np.broadcast_to(z, X.shape)
        D = X - z
        cons = float(np.sqrt(np.einsum("ij,ij->i", D, D).mean()))
        bad = not np.all(np.isfinite(z))
        last = r >= self.stop.rounds or t >= self.stop_ticks
        if not (bad or last or self.stop.target is not None or r % self.every == 0
                or self.net.total_bits >= self.stop.bits):
            return
        row = self._record(r, t, Z, self.net.total_bits, self.net.total_messages,
                           self._grads_total, models=X,
                           extra={"consensus": cons, **extra})
        reason = self._check(r, t, row, bad)
        if reason is not None:
            self.end, self.end_round = reason, r
            self.on_stop(reason)

    def _record(self, k, t, X, bits, msgs, grads, drift=0.0, models=None, extra=None) -> dict:
        self.time_ticks.append(t)
        row = {"round": k, "time": seconds(t), "bits": int(bits), "messages": int(msgs),
               "gradients": int(grads)}
        if self.references:
            row["ref_drift"] = drift
        if np.all(np.isfinite(X)):
            row.update(metrics(self.problem, X, self.den))
        else:
            row.update({c: math.nan for c in self.columns if c not in row})
        if extra:
            row.update(extra)
        for c in self.extra_columns:
            row.setdefault(c, math.nan)
        for c in self.columns:
            self.trace[c].append(row[c])
        if self.keep_iterates:
            self.iterates.append(np.array(X if models is None else models, dtype=float))
        return row

    def _check(self, k, t, row, bad) -> str | None:
        st = self.stop
        blowup = row["rel_err"] if getattr(self.problem, "has_optimum", True) \
            else row["objective_gap"]
        if bad or not (blowup <= DIVERGENCE_REL_ERR):
            return "diverged"
        if st.target is not None and st.reached(row.get(st.metric, math.nan)):
            if self.first_target is None:
                self.first_target = {c: row[c] for c in
                                     ("round", "time", "bits", "gradients")}
            return "target"
        if row["bits"] >= st.bits:
            return "bits"
        if t >= self.stop_ticks:
            return "time"
        if k >= st.rounds:
            return "rounds"
        return None

    def final(self) -> dict:
        """The last record as a dict."""
        return {c: self.trace[c][-1] for c in self.columns}
