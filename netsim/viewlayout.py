"""Where the teaching view and the GIF draw each node, and the settings table beside them.

Called by :func:`netsim.viewdata.load_run`.
"""

from __future__ import annotations

import math

import numpy as np


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


def _table(v) -> str:
    """A scalar or a distribution table as a short text ("lognormal mean 1 sigma 0.3")."""
    if isinstance(v, dict):
        return " ".join(str(v.get("dist", ""))
                        .split() + [f"{k} {x}" for k, x in v.items() if k != "dist"])
    return str(v)


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
    noise = comp.get("noise", 1.0)
    rows.append(["compute", f"gradient_time {comp.get('gradient_time')}"
                 + (f", noise {_table(noise)}" if noise not in (1, 1.0) else "")
                 + (f", stragglers {summary.get('slow_agents')} slowed x{strag.get('slowdown')}"
                    if summary.get("slow_agents") else "")
                 + (", host profiles (crashes)" if comp.get("profile") else "")])
    if summary.get("server"):
        srv = summary["server"]
        rows.append(["server", f"P = {srv.get('P')}, tau = {srv.get('tau')}"])
    wait = summary.get("async")
    if wait:                                 # asynchronous peer rounds (docs/async.md)
        hist = {int(k): v for k, v in (wait.get("staleness") or {}).items()}
        used = sum(hist.values())
        mean = sum(k * v for k, v in hist.items()) / used if used else 0.0
        k, d = wait.get("neighbours"), wait.get("delay_bound")
        whose = "neighbour's value" if k == 1 else "neighbours' values"
        # an agent goes on once no neighbour's newest value is D or more of its rounds old
        if d == 1 and wait.get("ahead") == "hold":
            rule = "delay bound 1 with ahead = hold: every neighbour's value (synchronous)"
        elif d in ("inf", None):
            rule = f"waits for {k} {whose}, values of any age (no delay bound)"
        else:
            rule = (f"waits for {k} {whose}; uses values at most {int(d) - 1} round"
                    f"{'s' if int(d) - 1 != 1 else ''} old (delay bound {d})")
        rows.append(["wait", f"{rule}; ahead = {wait.get('ahead')}; staleness mean "
                             f"{mean:.2f}, max {max(hist, default=0)}"])
    elif not summary.get("server"):
        rows.append(["wait", "every neighbour's value of the round (synchronous rounds)"])
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
