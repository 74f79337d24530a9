"""The link-model ladder: netsim vs SimGrid completion times.

And what fifo vs fair sharing changes in asynchronous ADMM.

Writes to docs/results/links/:

* ``simgrid.md``: for every platform of netsim.validation.platforms, the completion times
  under netsim ``fair`` / ``tcp`` and SimGrid CM02 / LV08, and the largest relative
  difference (needs SimGrid's Python bindings: Debian package python3-simgrid);
* ``fifo_vs_fair.png`` / ``.md``: scenarios/links/fifo_vs_fair.toml, both variants: the
  staleness histogram of the absorbed results, each worker's mean staleness, and the
  objective gap against simulated time.

    python analysis/link_models.py          # ~10 s
"""

from __future__ import annotations

import pathlib
import sys
from collections import Counter

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import netsim  # noqa: E402
from netsim.validation.platforms import PLATFORMS, run_netsim, run_simgrid, simgrid_available  # noqa: E402

OUT = ROOT / "docs" / "results" / "links"


def simgrid_table():
    ok, version = simgrid_available()
    if not ok:
        print(f"SimGrid unavailable ({version}); skipping the comparison table")
        return
    rows = [f"netsim vs SimGrid {version}: completion times [s] of every transfer.", "",
            "| platform | netsim model | SimGrid model | transfers | netsim | SimGrid "
            "| max rel. diff |",
            "|---|---|---|---|---|---|---|"]
    for p in PLATFORMS:
        for model, ref in (("fair", "CM02, no cross-traffic"), ("tcp", "LV08")):
            a, b = run_netsim(p, model), run_simgrid(p, model)
            rel = max(abs(x - y) / y for x, y in zip(a, b))
            fa = ", ".join(f"{x:.6f}" for x in a)
            fb = ", ".join(f"{x:.6f}" for x in b)
            rows.append(f"| {p.name} | {model} | {ref} | {len(a)} | {fa} | {fb} | {rel:.1e} |")
    text = "\n".join(rows) + "\n"
    (OUT / "simgrid.md").write_text(text)
    print(text)


def fifo_vs_fair():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc = netsim.load(ROOT / "scenarios" / "links" / "fifo_vs_fair.toml")
    runs = {v.label: netsim.run(v) for v in sc.variants()}
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    width = 0.4
    rows = ["| sharing | rounds to 1e-6 | time to 1e-6 | staleness histogram | mean staleness |",
            "|---|---|---|---|---|"]
    for k, (lab, res) in enumerate(runs.items()):
        upd = np.asarray(res.updates, dtype=float)          # round, time, worker, staleness
        h = Counter(int(s) for s in upd[:, 3])
        xs = np.array(sorted(h))
        ys = np.array([h[x] for x in xs], dtype=float)
        axes[0].bar(xs + (k - 0.5) * width, ys / ys.sum(), width, label=lab)
        n = res.summary["agents"]
        per = [upd[upd[:, 2] == i, 3].mean() for i in range(n)]
        axes[1].bar(np.arange(n) + (k - 0.5) * width, per, width, label=lab)
        axes[2].semilogy(res.trace["time"], res.trace["rel_objective_gap"], label=lab)
        t = res.summary["target"]
        rows.append(f"| {lab} | {t.get('round', '—')} | {t.get('time', float('nan')):.3f} s | "
                    f"{dict(sorted(h.items()))} | {upd[:, 3].mean():.2f} |")
    axes[0].set_xlabel("staleness of an absorbed result (server rounds)")
    axes[0].set_ylabel("fraction of results")
    axes[1].set_xlabel("worker")
    axes[1].set_ylabel("mean staleness of its results")
    axes[2].set_xlabel("simulated time [s]")
    axes[2].set_ylabel("relative objective gap")
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(sc.data["description"])
    fig.tight_layout()
    fig.savefig(OUT / "fifo_vs_fair.png", dpi=110)
    plt.close(fig)
    text = "\n".join(rows) + "\n"
    (OUT / "fifo_vs_fair.md").write_text(text)
    print(text)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    simgrid_table()
    fifo_vs_fair()
