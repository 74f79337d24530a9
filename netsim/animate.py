"""``netsim animate``: a GIF of a small run (matplotlib + Pillow).

The graph (agents, and the server for server algorithms), every message travelling along
its edge between its send and arrival times (marker area proportional to its bits; lost
messages flash red at the sender), agents coloured by log10 ||x_i - x*|| at their latest
record, and a clock. Frames are evenly spaced in simulated time.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

__all__ = ["animate"]


def animate(scenario, out=None, rounds: int = 20, fps: int = 8, max_frames: int = 160):
    """Run ``scenario`` (its first variant) for ``rounds`` rounds and write a GIF.

    Returns:
        The GIF's path (default ``<name>.gif`` in the working directory).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.animation import FuncAnimation, PillowWriter

    from netsim.errors import must
    from netsim.simulate import build, run

    if rounds < 1:
        raise must("--rounds", "an integer >= 1", rounds)
    if isinstance(fps, bool) or not isinstance(fps, int) or not 1 <= fps <= 100:
        raise must("--fps", "an integer in [1, 100] (frames per second)", fps)
    sc = scenario.variants()[0].with_overrides(
        {"stop.rounds": rounds, "output.messages": True, "output.iterates": True,
         "output.plots": False, "output.every": 1})
    sim = build(sc)
    res = run(sc)
    graph, problem = sim.graph, sim.problem
    n = problem.n_agents
    if graph.number_of_nodes() > 200:
        raise must("network.agents", "at most 200 for an animation", n)
    pos = nx.circular_layout(sorted(graph.nodes)) if sc.data["network"]["topology"] in (
        "ring", "complete") and graph.number_of_nodes() == n else \
        nx.spring_layout(graph, seed=0)
    if graph.number_of_nodes() > n:                  # server at the centre
        pos = nx.circular_layout(range(n))
        pos[n] = np.zeros(2)
    X = res.iterates                                 # (records, agents, dim)
    times = np.asarray(res.trace["time"], dtype=float)
    ref = problem.x_star if np.all(np.isfinite(problem.x_star)) else None
    if ref is None:
        err = np.linalg.norm(X - X.mean(axis=1, keepdims=True), axis=2)
    else:
        err = np.linalg.norm(X - ref, axis=2)
    logerr = np.log10(np.maximum(err, 1e-16))
    msgs = np.array([(m[0], m[1], m[2], m[3], m[4], m[5]) for m in res.messages], dtype=float) \
        if res.messages else np.zeros((0, 6))
    t_end = float(max(times[-1], np.nanmax(msgs[:, 4]) if len(msgs) and np.any(
        np.isfinite(msgs[:, 4])) else 0.0))
    frames = np.linspace(0.0, t_end, max(2, min(max_frames, 6 * fps * rounds // 4 + 2)))
    bmax = float(msgs[:, 2].max()) if len(msgs) else 1.0

    fig, ax = plt.subplots(figsize=(6.4, 6.4))
    ax.set_axis_off()
    for u, v in graph.edges:
        ax.plot(*zip(pos[u], pos[v]), color="0.8", lw=1, zorder=1)
    agents_xy = np.array([pos[i] for i in range(n)])
    vmin, vmax = float(np.nanmin(logerr)), float(np.nanmax(logerr))
    nodes = ax.scatter(agents_xy[:, 0], agents_xy[:, 1], s=260, c=logerr[0], cmap="viridis",
                       vmin=vmin, vmax=vmax, zorder=3, edgecolors="k")
    if graph.number_of_nodes() > n:
        ax.scatter([0], [0], s=420, marker="s", color="0.6", zorder=3, edgecolors="k")
        ax.text(0, -0.12, "server", ha="center", fontsize=8)
    for i in range(n):
        ax.text(*(agents_xy[i] * 1.12), str(i), ha="center", va="center", fontsize=8)
    dots = ax.scatter([], [], s=[], color="tab:orange", zorder=4, alpha=0.8)
    lost = ax.scatter([], [], s=60, marker="x", color="red", zorder=5)
    clock = ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=10, va="top")
    fig.colorbar(nodes, ax=ax, shrink=0.6,
                 label="log10 ||x_i - x*||" if ref is not None else "log10 ||x_i - mean x||")
    ax.set_title(f"{sc.name}: {sc.data['algorithm']['name']}, {n} agents", fontsize=10)
    lim = 1.3
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)

    def frame(k):
        t = frames[k]
        rec = int(np.searchsorted(times, t, side="right") - 1)
        nodes.set_array(logerr[max(rec, 0)])
        live = msgs[(msgs[:, 3] <= t) & (msgs[:, 4] > t) & (msgs[:, 5] == 0)] \
            if len(msgs) else msgs
        if len(live):
            src = np.array([pos[int(s)] for s in live[:, 0]])
            dst = np.array([pos[int(d)] for d in live[:, 1]])
            frac = ((t - live[:, 3]) / np.maximum(live[:, 4] - live[:, 3], 1e-15))[:, None]
            dots.set_offsets(src + (dst - src) * frac)
            dots.set_sizes(10 + 120 * np.sqrt(live[:, 2] / bmax))
        else:
            dots.set_offsets(np.zeros((0, 2)))
        dropped = msgs[(msgs[:, 5] == 1) & (np.abs(msgs[:, 3] - t) <= t_end / len(frames))] \
            if len(msgs) else msgs
        lost.set_offsets(np.array([pos[int(s)] for s in dropped[:, 0]]) if len(dropped)
                         else np.zeros((0, 2)))
        clock.set_text(f"t = {_fmt_time(t)}   round {max(int(res.trace['round'][max(rec, 0)]), 0)}"
                       f"   {len(live)} messages in flight")
        return nodes, dots, lost, clock

    anim = FuncAnimation(fig, frame, frames=len(frames), blit=False)
    path = pathlib.Path(out) if out else pathlib.Path(f"{sc.name}.gif")
    anim.save(path, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return path


def _fmt_time(t):
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.3f} s" if math.isfinite(t) else str(t)
