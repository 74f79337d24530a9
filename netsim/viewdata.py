"""What the teaching view and the GIF draw, read from a run folder.

The view is ``netsim view``, the GIF ``netsim animate``.

A run folder written with ``output.messages = true`` holds everything needed:
``messages.csv`` (every transmission), ``agents.csv`` (peer runs: when each agent finished
each round), ``updates.csv`` (server runs: every absorbed worker result and its staleness),
``trace.csv`` (the error curve), ``summary.json`` (slow agents, P), ``links.csv`` (the graph),
``scenario.toml`` (settings, ``compute.profile`` state files) and, if kept,
``iterates.npz`` (each agent's error). All times are seconds.

**Agent states.** Peer agent i's round k runs from its finish of round k-1 (0 for the first
round) to its finish of round k (``agents.csv``): it is *computing* until its first send of
round k, *sending* while its round-k messages are on their way (until the last one arrives
or is lost, or the round ends), then *waiting* for its neighbours' messages until the round
ends; after its last round it is *idle*. A server run's worker computes from the arrival of
the server's reply (0 at first) until it sends its result, sends while the result travels,
then waits for the next reply. A computing agent of the slow set (``slow_agents``) is drawn
as *straggling*; an agent whose host is off (a ``compute.profile`` state file) as *crashed*,
whatever else it would be doing.

**Size limits.** At most :data:`MAX_AGENTS` agents are drawn (more: a ScenarioError); at most
:data:`MAX_MESSAGES` messages are kept (more: a uniform random sample, drawn with a
fixed seed, with a note); at most
:data:`MAX_AGENT_ROUNDS` agent-rounds (rows of ``agents.csv``): a longer run is cut at the
time of that row, with a note; at most :data:`MAX_ERROR_CELLS` per-agent error values
(records x agents): more, and every k-th record is kept.
"""

from __future__ import annotations

import csv
import json
import math
import pathlib

import numpy as np

from netsim.errors import ScenarioError
from netsim.viewlayout import layout, settings
from netsim.viewstates import _crashes, _overlay, _peer_states, _worker_states, state_at

__all__ = ["STATES", "STATE_COLOURS", "MAX_AGENTS", "MAX_MESSAGES", "MAX_AGENT_ROUNDS",
           "MAX_ERROR_CELLS", "load_run", "state_at", "layout"]

#: drawn agent states, in legend order
STATES = ("computing", "sending", "waiting", "straggling", "crashed", "idle")
#: fill colour of each state (also used by the GIF)
STATE_COLOURS = {"computing": "#1f77b4", "sending": "#2ca02c", "waiting": "#c8c8c8",
                 "straggling": "#9467bd", "crashed": "#111111", "idle": "#ffffff"}
MAX_AGENTS = 300
MAX_MESSAGES = 20_000
MAX_AGENT_ROUNDS = 100_000
MAX_ERROR_CELLS = 200_000


def _rows(path: pathlib.Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _num(v: str) -> float:
    return float(v) if v not in ("", "nan") else math.nan


def load_run(folder, base_dir=None) -> dict:
    """Read a run folder into the JSON-able dict the view draws.

    Args:
        folder: a run folder (``DIR/<name>/<run-id>``) written with ``output.messages = true``.
        base_dir: folder that ``compute.profile`` paths are relative to (the scenario file's
            folder; default: the run folder, then the working directory).

    Returns:
        A dict: ``name``, ``settings`` (label, value pairs), ``n`` (agents), ``server``
        (None or its node, P, tau and absorbed updates), ``pos`` (node -> [x, y] in [-1, 1]),
        ``edges``, ``messages`` (columns), ``states`` (per agent: ``t`` change times and ``s``
        state indices into :data:`STATES`), ``slow``, ``curve`` (trace times, metric, optional
        ``ref_drift``), ``err`` (per-agent log10 errors or None), ``events``, ``rounds``,
        ``t_end`` and ``notes`` (what was sampled or cut).

    Raises:
        ScenarioError: not a run folder, messages not recorded, too many agents, a profile
            file missing.
    """
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    folder = pathlib.Path(folder)
    for f in ("summary.json", "scenario.toml", "trace.csv", "links.csv"):
        if not (folder / f).is_file():
            raise ScenarioError("SCENARIO_OR_RUN", f"must be a run folder (with {f}) or a "
                                                   f"scenario file; got {str(folder)!r}")
    if not (folder / "messages.csv").is_file():
        raise ScenarioError("SCENARIO_OR_RUN", f"must be a run folder written with "
                                               f"output.messages = true (no messages.csv in "
                                               f"{str(folder)!r}); or give the scenario file")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    with open(folder / "scenario.toml", "rb") as f:
        scen = tomllib.load(f)
    n = int(summary["agents"])
    if n > MAX_AGENTS:
        raise ScenarioError("network.agents", f"must be at most {MAX_AGENTS} for the view; "
                                              f"got {n} (in {folder / 'scenario.toml'})")
    links = [(int(r["src"]), int(r["dst"])) for r in _rows(folder / "links.csv")]
    has_server = any(max(u, v) >= n for u, v in links)
    notes: list[str] = []

    trace = _rows(folder / "trace.csv")
    t_trace = [float(r["time"]) for r in trace]
    t_run = float(summary["time"])             # strict JSON: "inf" / "nan" read back too
    if not math.isfinite(t_run):
        t_run = max((float(r["time"]) for r in trace if math.isfinite(_num(r["time"]))),
                    default=0.0)

    finishes = None
    if (folder / "agents.csv").is_file():
        finishes = [(int(r["agent"]), int(r["round"]), float(r["t_done"]))
                    for r in _rows(folder / "agents.csv")]
    elif not has_server:
        notes.append("no agents.csv (a run of an older netsim): agents' states are not shown")
    t_cut = math.inf
    if finishes is not None and len(finishes) > MAX_AGENT_ROUNDS:
        t_cut = finishes[MAX_AGENT_ROUNDS - 1][2]
        finishes = [f for f in finishes if f[2] <= t_cut]
        notes.append(f"long run: the view shows the first {t_cut:.6g} s of {t_run:.6g} s "
                     f"(at most {MAX_AGENT_ROUNDS:,} agent-rounds)")

    msgs = _messages(folder / "messages.csv", t_cut)
    if len(msgs) > MAX_MESSAGES:              # a uniform sample (a stride would alias:
        keep = np.sort(np.random.default_rng(0).choice(   # every other row = one direction)
            len(msgs), MAX_MESSAGES, replace=False))
        notes.append(f"large run: {MAX_MESSAGES:,} of its {len(msgs):,} messages, drawn at "
                     f"random, are shown (at most {MAX_MESSAGES:,}); counts of messages in "
                     f"flight are of those shown")
        shown = [msgs[k] for k in keep]
    else:
        shown = msgs
    ends = [m[4] for m in msgs if math.isfinite(m[4])]
    t_end = max([t_run if t_cut == math.inf else t_cut] + ends + [0.0])
    if t_end <= 0:
        t_end = 1.0

    slow = [int(i) for i in summary.get("slow_agents", [])]
    crashes = _crashes(scen, n, base_dir, folder, t_end)
    if has_server:
        states = [_worker_states(i, n, msgs) for i in range(n)]
    elif finishes is not None:
        states = _peer_states(n, finishes, msgs)
    else:
        states = [[(0.0, "idle")] for _ in range(n)]
    packed = []
    for i in range(n):
        st = states[i]
        if i in slow:
            st = [(t, "straggling" if s == "computing" else s) for t, s in st]
        st = _overlay(st, crashes.get(i, []), "crashed")
        packed.append({"t": [t for t, _ in st], "s": [STATES.index(s) for _, s in st]})

    metric = scen.get("stop", {}).get("metric", "rel_err")
    if metric not in trace[0] or not any(math.isfinite(_num(r[metric])) for r in trace):
        metric = next((c for c in ("rel_err", "accuracy", "objective_gap")
                       if c in trace[0] and any(math.isfinite(_num(r[c])) for r in trace)),
                      "rel_err")
    curve = {"t": t_trace, "metric": metric, "y": [_num(r[metric]) for r in trace]}
    if "ref_drift" in trace[0]:
        curve["ref_drift"] = [_num(r["ref_drift"]) for r in trace]
    events = sorted({0.0, *(m[3] for m in shown), *(m[4] for m in shown if m[5] == 0),
                     *(f[2] for f in finishes or ()), *t_trace})
    events = [t for t in events if t <= t_end]

    server = None
    if has_server:
        server = {"node": n, "P": summary.get("server", {}).get("P"),
                  "tau": summary.get("server", {}).get("tau"), "t": [], "round": [],
                  "absorbed": []}
        if (folder / "updates.csv").is_file():
            by_time: dict = {}
            for r in _rows(folder / "updates.csv"):
                key = (float(r["time"]), int(r["round"]))
                by_time.setdefault(key, []).append([int(r["worker"]), int(r["staleness"])])
            for (t, rnd), ab in sorted(by_time.items()):
                server["t"].append(t)
                server["round"].append(rnd)
                server["absorbed"].append(ab)
    return {
        "name": scen.get("name", summary.get("name", "run")),
        "label": summary.get("label", ""),
        "description": scen.get("description", ""),
        "settings": settings(scen, summary),
        "n": n,
        "server": server,
        "pos": {str(k): v for k, v in layout(scen, n, links, has_server).items()},
        "edges": sorted({(min(u, v), max(u, v)) for u, v in links}),
        "messages": _columns(shown),
        "states": packed,
        "state_names": list(STATES),
        "state_colours": [STATE_COLOURS[s] for s in STATES],
        "slow": slow,
        "curve": curve,
        "err": _errors(folder, scen, n, base_dir, t_cut),
        "events": events,
        "rounds": [t for t in t_trace if t <= t_end],
        "round_ids": [int(r["round"]) for r in trace][:len([t for t in t_trace if t <= t_end])],
        "t_end": t_end,
        "notes": notes,
    }


def _messages(path, t_cut) -> list[tuple]:
    """messages.csv as (src, dst, bits, t_send, t_shown_end, dropped, retransmission, round).

    A lost message's end is its send time plus the median delivery time on its link (or of all
    links), to draw it travelling halfway and then lost.
    """
    rows = sorted(([int(r["src"]), int(r["dst"]), int(r["bits"]), float(r["t_send"]),
                    _num(r["t_arrive"]), int(r["dropped"]), 0, int(r["round"])]
                   for r in _rows(path) if float(r["t_send"]) <= t_cut),
                  key=lambda m: m[3])            # the page bisects on t_send (stable sort)
    seen: set = set()
    for m in rows:                               # a repeated (src, dst, round): a re-send
        key = (m[0], m[1], m[7])
        m[6] = 1 if key in seen else 0
        seen.add(key)
    durs: dict = {}
    for m in rows:
        if m[5] == 0 and math.isfinite(m[4]):
            durs.setdefault((m[0], m[1]), []).append(m[4] - m[3])
    every = [d for v in durs.values() for d in v]
    typical = float(np.median(every)) if every else 0.0
    for m in rows:
        if m[5] or not math.isfinite(m[4]):
            d = float(np.median(durs[(m[0], m[1])])) if (m[0], m[1]) in durs else typical
            m[4] = m[3] + (d if d > 0 else 1e-3)
            m[5] = 1
    return [tuple(m) for m in rows]


def _columns(msgs) -> dict:
    names = ("src", "dst", "bits", "ts", "te", "lost", "retx", "round")
    return {c: [m[k] for m in msgs] for k, c in enumerate(names)}


def _errors(folder, scen, n, base_dir, t_cut) -> dict | None:
    """Per-agent log10 ||x_i - x*|| at each record (iterates.npz).

    Or the distance to the agents' mean when the problem has no x* (or cannot be rebuilt); None
    without iterates.
    """
    path = folder / "iterates.npz"
    if not path.is_file():
        return None
    with np.load(path) as z:
        X, times = z["x"], z["time"]
    keep = times <= t_cut
    X, times = X[keep], times[keep]
    stride = max(1, math.ceil(X.shape[0] * n / MAX_ERROR_CELLS))
    X, times = X[::stride], times[::stride]
    ref, label = None, "log10 ||x_i - mean_j x_j||"
    try:
        from netsim.problems import make_problem
        from netsim.rng import Streams
        prob = make_problem(scen["problem"], n, Streams(scen["seed"]),
                            base_dir if base_dir is not None else folder, key="problem")
        if getattr(prob, "has_optimum", True) and np.all(np.isfinite(prob.x_star)) \
                and prob.dim == X.shape[-1]:
            ref, label = prob.x_star, "log10 ||x_i - x*||"
    except (ScenarioError, OSError, KeyError):
        pass
    D = X - (ref if ref is not None else X.mean(axis=1, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.log10(np.maximum(np.linalg.norm(D, axis=2), 1e-16))
    fin = e[np.isfinite(e) & (e > -15.5)]      # the colour scale ignores exact zeros (1e-16):
    lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)  # equal starts
    e = np.clip(e, lo, hi)
    return {"t": times.tolist(), "v": np.round(np.where(np.isfinite(e), e, hi), 3).tolist(),
            "lo": lo, "hi": max(hi, lo + 1e-9), "label": label}
