"""A finished run -> its :class:`Result`: the trace, ``summary.json`` and the tables
(messages, links, server updates, agents' finished rounds), times in seconds.
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from netsim.simtime import seconds

if TYPE_CHECKING:
    from netsim.scenario import Scenario

__all__ = ["Result", "make_result"]


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
    #: header of ``updates.csv`` (asynchronous peer runs: netsim.runners.asynchronous)
    update_columns: tuple = ("round", "time", "worker", "staleness")

    def write(self, out_dir=None) -> pathlib.Path:
        """Write the run's files under ``out_dir`` (default ``output.dir``); see netsim.results."""
        from netsim.results import write_result
        return write_result(self, out_dir)

    def to_pandas(self):
        """The trace as a pandas DataFrame (one row per record; pandas imported lazily).

        Raises:
            ImportError: pandas is not installed (``pip install pandas``).
        """
        from netsim.frames import to_pandas
        return to_pandas(self.trace)


def make_result(scenario, sim, runtime: float) -> Result:
    """The :class:`Result` of the finished run ``sim`` of ``scenario`` (``runtime``: wall
    seconds, reported as ``runtime_s``).
    """
    from netsim.version import __version__

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
        **(sim.runner.summary() if hasattr(sim.runner, "update_rows") else {}),
        **_bits_note(scenario.data["algorithm"]["compressor"]),
        "runtime_s": round(runtime, 3),
        "netsim_version": __version__,
    }
    iterates = np.stack(mon.iterates) if mon.iterates else None
    updates = getattr(sim.runner, "updates", None)
    if hasattr(sim.runner, "update_rows"):        # asynchronous peer rounds (issue 19)
        updates = sim.runner.update_rows()
    elif updates is not None:                     # ticks -> seconds at the edge
        updates = [(r, seconds(t), i, st) for r, t, i, st in updates]
    res = Result(scenario, trace, summary, iterates,
                 _messages_in_seconds(net.log) if net.record_messages else None,
                 net.per_link_table(), updates, _finishes_in_seconds(mon.finishes))
    res.update_columns = getattr(sim.runner, "update_columns", res.update_columns)
    return res


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
