"""``netsim animate``: a GIF of a small run, for slides (matplotlib + Pillow).

It draws what the HTML teaching view (``netsim view``) draws, from the same data
(:mod:`netsim.viewdata`): the graph in its layout (a ring as a circle; the server at the
centre for server algorithms, with its barrier P and the staleness of the results absorbed in
its latest round), agents filled by state (computing / sending / waiting / straggling /
crashed / idle) and ringed by log10 of their error, every message as a triangle pointing
where it goes on its own lane of the edge (area proportional to its bits; retransmissions
magenta; a lost message stops halfway as a red cross), a clock and a legend. Frames are
evenly spaced in simulated time.
"""

from __future__ import annotations

import math
import pathlib
import tempfile

import numpy as np

__all__ = ["animate"]


def animate(scenario, out=None, rounds: int = 20, fps: int = 8, max_frames: int = 160):
    """Run ``scenario`` (its first variant) for ``rounds`` rounds and write a GIF.

    Args:
        scenario: a :class:`~netsim.scenario.Scenario`.
        out: the GIF's path (default ``<name>.gif`` in the working directory).
        rounds: rounds to run (an integer >= 1).
        fps: frames per second of the GIF.
        max_frames: at most this many frames.

    Returns:
        The GIF's path.

    Raises:
        ScenarioError: ``rounds`` < 1, more agents than the view draws, a bad scenario.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.collections import PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from netsim.errors import must
    from netsim.simulate import run
    from netsim.viewdata import STATE_COLOURS, STATES, load_run

    if rounds < 1:
        raise must("--rounds", "an integer >= 1", rounds)
    if isinstance(fps, bool) or not isinstance(fps, int) or not 1 <= fps <= 100:
        raise must("--fps", "an integer in [1, 100] (frames per second)", fps)
    sc = scenario.variants()[0].with_overrides(
        {"stop.rounds": rounds, "output.messages": True, "output.iterates": True,
         "output.plots": False, "output.every": 1})
    res = run(sc)
    with tempfile.TemporaryDirectory(prefix="netsim-animate-") as tmp:
        data = load_run(res.write(tmp), base_dir=scenario.base_dir)
    n, T = data["n"], data["t_end"]
    pos = {int(k): np.array(v, dtype=float) for k, v in data["pos"].items()}
    xy = np.array([pos[i] for i in range(n)])
    M = {k: np.asarray(v, dtype=float) for k, v in data["messages"].items()}
    frames = np.linspace(0.0, T, max(2, min(max_frames, 6 * fps * rounds // 4 + 2)))
    dmin = min((np.linalg.norm(xy[a] - xy[b]) for a in range(n) for b in range(a + 1, n)),
               default=2.0)
    R = max(0.02, min(0.11, 0.33 * dmin))
    bmax = float(M["bits"].max()) if len(M["bits"]) else 1.0
    state_t = [np.asarray(s["t"]) for s in data["states"]]
    state_s = [np.asarray(s["s"]) for s in data["states"]]
    colours = [STATE_COLOURS[s] for s in STATES]
    err = data["err"]
    cmap = plt.get_cmap("viridis")

    fig = plt.figure(figsize=(8.6, 6.4))
    ax = fig.add_axes((0.0, 0.02, 0.70, 0.9))
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    for u, v in data["edges"]:
        ax.plot(*zip(pos[u], pos[v]), color="0.75", lw=1, zorder=1)
    msgs = PolyCollection([], zorder=2, edgecolors="0.2", linewidths=0.6)
    ax.add_collection(msgs)
    for i in data["slow"]:
        ax.add_patch(matplotlib.patches.Circle(pos[i], R * 1.45, fill=False, ls="--", lw=1.5,
                                               ec=STATE_COLOURS["straggling"], zorder=3))
    pt = 72 * min(8.6 * 0.70, 6.4 * 0.9) / 2.6            # points per data unit
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=(2 * 0.95 * R * pt) ** 2,
                       c=[colours[0]] * n, zorder=4, edgecolors="0.6",
                       linewidths=max(1.5, 0.3 * R * pt))
    for i in range(n):
        ax.text(*xy[i], str(i), ha="center", va="center", fontsize=8, zorder=5)
    lost = ax.scatter([], [], s=60, marker="x", color="#e00000", zorder=6, linewidths=2)
    srv = data["server"]
    stale = []
    if srv is not None:
        ax.scatter([0], [0], s=900, marker="s", color="0.92", edgecolors="k", zorder=3)
        ax.text(0, -0.16, f"server\nP = {srv['P']}", ha="center", va="top", fontsize=8)
        stale = [ax.text(*(xy[i] * (1 + 2.4 * R)), "", ha="center", va="center", fontsize=7,
                         color="#b15928", zorder=5) for i in range(n)]
    clock = ax.text(-1.27, 1.25, "", fontsize=10, va="top")
    title = f"{data['name']}: {sc.data['algorithm']['name']}, {n} agents"
    fig.suptitle(title, fontsize=11)
    handles = [Patch(facecolor=STATE_COLOURS[s], edgecolor="0.3", label=s) for s in STATES]
    handles += [Line2D([], [], ls="none", marker=">", ms=8, mfc="#ff9900", mec="0.2",
                       label="message (own lane,\narea ~ bits)"),
                Line2D([], [], ls="none", marker=">", ms=8, mfc="#e7298a", mec="0.2",
                       label="retransmission"),
                Line2D([], [], ls="none", marker="x", ms=8, mec="#e00000", mew=2,
                       label="lost message"),
                Patch(facecolor="none", edgecolor=STATE_COLOURS["straggling"], ls="--",
                      label="slow agent (dashed)")]
    if err is not None:
        handles.append(Patch(facecolor="none", edgecolor=cmap(0.8), lw=3,
                             label=f"ring: {err['label']}\n({err['lo']:.1f} .. {err['hi']:.1f})"))
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.70, 0.5), fontsize=8,
               frameon=False)
    tri = np.array([[1.0, 0.0], [-0.8, 0.75], [-0.8, -0.75]])

    def frame(k):
        t = frames[k]
        st = [int(state_s[i][max(int(np.searchsorted(state_t[i], t, side="right")) - 1, 0)])
              for i in range(n)]
        nodes.set_facecolor([colours[s] for s in st])
        if err is not None:
            r = max(int(np.searchsorted(err["t"], t, side="right")) - 1, 0)
            u = (np.asarray(err["v"][r]) - err["lo"]) / (err["hi"] - err["lo"])
            nodes.set_edgecolor(cmap(np.clip(u, 0, 1)))
        polys, fills, crosses = [], [], []
        if len(M["ts"]):
            dur = M["te"] - M["ts"]
            end = np.where(M["lost"] > 0, M["ts"] + 1.5 * dur, M["te"])
            for j in np.flatnonzero((M["ts"] <= t) & (t < end)):
                p0, p1 = pos[int(M["src"][j])], pos[int(M["dst"][j])]
                e = p1 - p0
                L = float(np.hypot(*e)) or 1.0
                ux, uy = e / L
                f = (t - M["ts"][j]) / dur[j] if dur[j] > 0 else 1.0
                c = p0 + e * min(f, 0.5 if M["lost"][j] else f) + np.array([uy, -ux]) * R * 0.38
                if M["lost"][j] and f >= 0.5:
                    crosses.append(c)
                    continue
                s = R * (0.2 + 0.35 * math.sqrt(M["bits"][j] / bmax))
                rot = np.array([[ux, -uy], [uy, ux]])
                polys.append(c + (tri * s) @ rot.T)
                fills.append("#e7298a" if M["retx"][j] else "#ff9900")
        msgs.set_verts(polys)
        msgs.set_facecolor(fills)
        lost.set_offsets(np.array(crosses) if crosses else np.zeros((0, 2)))
        if srv is not None and srv["t"]:
            u = int(np.searchsorted(srv["t"], t, side="right")) - 1
            shown = dict(map(tuple, srv["absorbed"][u])) if u >= 0 else {}
            for i in range(n):
                stale[i].set_text(f"s={shown[i]}" if i in shown else "")
        rk = int(np.searchsorted(data["rounds"], t, side="right")) - 1
        clock.set_text(f"t = {_fmt_time(t)}   round {data['round_ids'][rk] if rk >= 0 else 0}"
                       f"   {len(polys) + len(crosses)} messages in flight")
        return nodes, msgs, lost, clock

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
