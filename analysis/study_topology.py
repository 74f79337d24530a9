"""Topology study: rounds, bits and simulated time to the target against the spectral gap.

Reads a sweep folder of scenarios/topology/topology_study.toml (runs.csv + each run's
summary.json, which records the graph's spectral gap) and draws one point per run,
coloured by topology.

    netsim sweep scenarios/topology/topology_study.toml --out results
    python analysis/study_topology.py results/topology_study --out docs/results/studies/topology.png
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netsim.sweeps import read_runs  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="the sweep folder (holds runs.csv)")
    ap.add_argument("--out", default=None, help="PNG path (default: <sweep>/topology.png)")
    a = ap.parse_args(argv)
    folder = pathlib.Path(a.sweep)
    rows = read_runs(folder / "runs.csv")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    by_topo = {}
    for r in rows:
        s = json.loads((folder / r["run_id"] / "summary.json").read_text())
        by_topo.setdefault(r["network.topology"], []).append((s, r))
    lines = ["| topology | spectral gap | edges | reached | rounds | bits | time |",
             "|---|---|---|---|---|---|---|"]
    for topo, runs in by_topo.items():
        ok = [(s, r) for s, r in runs if r["target_reached"] is True]
        for ax, col in zip(axes, ("target_round", "target_bits", "target_time")):
            ax.scatter([s["spectral_gap"] for s, _ in ok], [float(r[col]) for _, r in ok],
                       label=topo, s=30)
        gaps = [s["spectral_gap"] for s, _ in runs]

        def med(col, ok=ok):
            return sorted(float(r[col]) for _, r in ok)[len(ok) // 2] if ok else None

        cells = (f"{med('target_round'):.0f} | {med('target_bits'):.3g} | "
                 f"{med('target_time'):.3g} s |") if ok else "— | — | — |"
        lines.append(f"| {topo} | {min(gaps):.3f}–{max(gaps):.3f} | {runs[0][0]['edges']} | "
                     f"{len(ok)}/{len(runs)} | " + cells)
    for ax, lab in zip(axes, ("rounds to target", "bits to target", "simulated s to target")):
        ax.set_xscale("log")
        ax.set_xlabel("spectral gap 1 - |lambda_2(W)| (Metropolis weights)")
        ax.set_ylabel(lab)
        ax.grid(alpha=0.3)
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{folder.name}: one point per run (median row per topology in the table)")
    fig.tight_layout()
    out = pathlib.Path(a.out) if a.out else folder / "topology.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
