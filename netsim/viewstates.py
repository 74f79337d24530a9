"""Agent states for the teaching view and the GIF: piecewise-constant (change time, state) lists.

The states and how they are derived are described in :mod:`netsim.viewdata`'s docstring;
:func:`netsim.viewdata.load_run` calls these on a run folder's rows.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

from netsim.errors import ScenarioError


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
