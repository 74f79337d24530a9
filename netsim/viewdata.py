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


def _peer_states(n, finishes, msgs) -> list[list]:
    """Piecewise-constant states (change time, state) of each peer agent (module docstring)."""
    sends: dict = {}
    for s, _, _, ts, te, lost, retx, rnd in msgs:
        if retx:
            continue
        a, b = sends.get((s, rnd), (math.inf, -math.inf))
        sends[(s, rnd)] = (min(a, ts), max(b, te if not lost else ts))
    out = [[] for _ in range(n)]
    prev = [0.0] * n
    for i, k, done in sorted(finishes, key=lambda f: (f[0], f[1])):
        start = prev[i]
        if (i, k) in sends:
            ts, te = sends[(i, k)]
            ts = min(max(ts, start), done)
            te = min(max(te, ts), done)
            out[i] += [(start, "computing"), (ts, "sending"), (te, "waiting")]
        else:
            out[i].append((start, "computing"))
        prev[i] = done
    for i in range(n):
        out[i].append((prev[i], "idle"))
    return [_clean(st) for st in out]


def _worker_states(i, n, msgs) -> list:
    """Piecewise-constant states of server-run worker ``i`` (module docstring)."""
    ups = sorted((m[3], m[4] if not m[5] else m[3]) for m in msgs if m[0] == i and m[1] == n)
    downs = sorted(m[4] for m in msgs if m[0] == n and m[1] == i and not m[5])
    st = [(0.0, "computing")]
    j = 0
    for ts, te in ups:
        st += [(ts, "sending"), (te, "waiting")]
        while j < len(downs) and downs[j] <= ts:
            j += 1
        if j < len(downs):
            st.append((max(downs[j], te), "computing"))
            j += 1
        else:
            st.append((te, "idle"))
    return _clean(st)


def _clean(st: list) -> list:
    """Sort by time (stable), keep the last state of equal times, merge repeats."""
    out: list = []
    for t, s in sorted(st, key=lambda p: p[0]):
        if out and out[-1][0] == t:
            out.pop()
        if out and out[-1][1] == s:
            continue
        out.append((t, s))
    return out or [(0.0, "idle")]


def _overlay(st: list, intervals: list, state: str) -> list:
    """``st`` with ``state`` over each [a, b) of ``intervals``."""
    if not intervals:
        return st
    times = sorted({t for t, _ in st} | {a for a, _ in intervals} | {b for _, b in intervals
                                                                      if math.isfinite(b)})
    return _clean([(t, state if any(a <= t < b for a, b in intervals) else state_at(st, t))
                   for t in times])


def state_at(st: list, t: float) -> str:
    """The state at time ``t`` of piecewise-constant ``st`` = [(change time, state), ...]."""
    k = int(np.searchsorted([p[0] for p in st], t, side="right")) - 1
    return st[max(k, 0)][1]


def _crashes(scen, n, base_dir, folder, t_end) -> dict:
    """Agent -> [(off from, off until)] from the ``compute.profile`` state files."""
    from netsim.network.profiles import read_profile

    out: dict = {}
    for k, e in enumerate(scen.get("compute", {}).get("profile", [])):
        if "state" not in e or e.get("agents") == "server":
            continue
        key = f"compute.profile[{k}].state"
        path = pathlib.Path(e["state"])
        cands = [path] if path.is_absolute() else [
            p / path for p in (base_dir, folder, pathlib.Path.cwd()) if p is not None]
        found = next((c for c in cands if c.is_file()), None)
        if found is None:
            raise ScenarioError(key, f"must name a readable profile file; {str(path)!r} is "
                                     f"not in {', '.join(str(c.parent) for c in cands)}")
        prof = read_profile(found, key)
        dates = [(d, v) for d, v in prof.events]
        if prof.period is not None and prof.period > 0:
            reps = min(int(t_end / prof.period) + 1, 10_000)
            dates = [(d + r * prof.period, v) for r in range(reps + 1) for d, v in prof.events]
        offs, since = [], None
        for d, v in dates:
            if v <= 0 and since is None:
                since = d
            elif v > 0 and since is not None:
                offs.append((since, d))
                since = None
        if since is not None:
            offs.append((since, math.inf))
        sel = e.get("agents", "all")
        for i in (range(n) if sel == "all" else sel):
            out.setdefault(int(i), []).extend(offs)
    return out


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


def layout(scen, n, links, has_server) -> dict:
    """Node -> (x, y) in [-1, 1].

    Agents on a circle (agent 0 at the top, clockwise) for a ring, a complete graph or a server run
    (the server at the centre); a grid or torus on its grid; otherwise networkx's Kamada-Kawai
    layout (deterministic), scaled to the square.
    """
    import networkx as nx

    topo = scen.get("network", {}).get("topology", "")
    net = scen.get("network", {})
    if has_server or topo in ("ring", "complete"):
        pos = {i: (math.sin(2 * math.pi * i / n), math.cos(2 * math.pi * i / n))
               for i in range(n)}
        if has_server:
            pos[n] = (0.0, 0.0)
        return {k: [round(x, 6), round(y, 6)] for k, (x, y) in pos.items()}
    if topo in ("grid", "torus") and net.get("rows") and net.get("cols"):
        r, c = int(net["rows"]), int(net["cols"])
        pos = {i: (-1 + 2 * (i % c) / max(c - 1, 1), 1 - 2 * (i // c) / max(r - 1, 1))
               for i in range(n)}
        return {k: [round(x, 6), round(y, 6)] for k, (x, y) in pos.items()}
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((u, v) for u, v in links if u != v)
    if n == 1:
        return {0: [0.0, 0.0]}
    if nx.is_connected(g) and n <= 120:
        p = nx.kamada_kawai_layout(g)
    else:
        p = nx.spring_layout(g, seed=0)
    xy = np.array([p[i] for i in range(n)], dtype=float)
    xy -= xy.mean(axis=0)
    xy /= max(float(np.abs(xy).max()), 1e-12)
    return {i: [round(float(x), 6), round(float(y), 6)] for i, (x, y) in enumerate(xy)}


def settings(scen, summary) -> list[list[str]]:
    """The scenario's key settings and the run's outcome, as (label, value) rows."""
    net, links = scen.get("network", {}), scen.get("network", {}).get("links", {})
    alg, comp, stop = scen.get("algorithm", {}), scen.get("compute", {}), scen.get("stop", {})
    params = ", ".join(f"{k} = {v}" for k, v in alg.items()
                       if k not in ("name", "compressor", "x0", "batch")
                       and not isinstance(v, dict))
    rows = [["algorithm", f"{alg.get('name')} ({params})" if params else str(alg.get("name"))]]
    cmp = alg.get("compressor", {})
    if cmp.get("name", "none") != "none":
        rows.append(["compressor", ", ".join(f"{k} = {v}" for k, v in cmp.items())])
    if summary.get("server"):
        rows.append(["network", f"a server and {summary.get('agents')} workers (star)"])
    else:
        rows.append(["network", (f"{net.get('topology')}, {summary.get('agents')} agents, "
                                 f"{summary.get('edges')} edges")])
    link = [f"bandwidth {links.get('bandwidth')}", f"latency {links.get('latency')}"]
    if links.get("jitter") not in (None, "0 s"):
        link.append(f"jitter {links.get('jitter')}")
    if float(links.get("loss", 0) or 0) > 0:
        link.append(f"loss {links.get('loss')} ({links.get('on_loss')}, timeout "
                    f"{links.get('timeout')})")
    rows.append(["links", ", ".join(link)])
    strag = comp.get("stragglers", {})
    rows.append(["compute", f"gradient_time {comp.get('gradient_time')}"
                 + (f", stragglers {summary.get('slow_agents')} slowed x{strag.get('slowdown')}"
                    if summary.get("slow_agents") else "")
                 + (", host profiles (crashes)" if comp.get("profile") else "")])
    if summary.get("server"):
        srv = summary["server"]
        rows.append(["server", f"P = {srv.get('P')}, tau = {srv.get('tau')}"])
    rows.append(["problem", f"{scen.get('problem', {}).get('kind')}, dim {summary.get('dim')}"])
    rows.append(["stop", ", ".join(f"{k} = {v}" for k, v in stop.items()
                                   if k in ("rounds", "time", "target", "metric"))])
    net_s = summary.get("network", {})
    rows.append(["run", (f"ended by {summary.get('end')} after {summary.get('rounds')} rounds, "
                         f"{float(summary.get('time', 0)):.6g} s simulated, "
                         f"{float(summary.get('bits', 0)):.4g} bits; "
                         f"drops {net_s.get('drops', 0)}, "
                         f"retransmissions {net_s.get('retransmissions', 0)}, "
                         f"seed {scen.get('seed')}")])
    return rows
