"""LT-ADMM-CC vs its baselines: error against rounds, bits, gradients and simulated time.

Runs every [[variant]] of the scenarios in scenarios/paper/fig_*.toml (the spec's §5.2
protocol; one file per figure) for one or more seeds, in parallel processes, and writes for
each scenario a 4-panel figure and a table of rounds / bits / gradients / seconds to
rel_err <= 1e-10 (or the floor reached) to docs/results/lt_admm_cc/.

    python analysis/lt_admm_cc_comparison.py                 # all figures, seed 0
    python analysis/lt_admm_cc_comparison.py --seeds 5       # medians over seeds 0..4
    python analysis/lt_admm_cc_comparison.py fig_methods_ring --rounds 500   # quick look
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import netsim  # noqa: E402

PAPER = ROOT / "scenarios" / "paper"
OUT = ROOT / "docs" / "results" / "lt_admm_cc"
AXES = (("round", "communication rounds"), ("bits", "bits sent (all links)"),
        ("gradients", "component gradients (all agents)"), ("time", "simulated time [s]"))


def _one(job):
    path, label, seed, rounds = job
    sc = netsim.load(path, {"seed": seed, **({"stop.rounds": rounds} if rounds else {})})
    variant = next(v for v in sc.variants() if v.label == label)
    res = netsim.run(variant)
    keep = ("round", "time", "bits", "gradients", "rel_err")
    return label, seed, {c: res.trace[c] for c in keep}, res.summary


def _fmt(x, kind):
    if x is None:
        return "—"
    if kind == "round":
        return f"{x:.0f}"
    if kind == "time":
        return f"{x:.3g} s"
    return f"{x:.3g}"


def run_figure(path: pathlib.Path, seeds: int, rounds: int | None, workers: int):
    sc = netsim.load(path)
    labels = [v.label for v in sc.variants()]
    jobs = [(str(path), lab, s, rounds) for lab in labels for s in range(seeds)]
    with ProcessPoolExecutor(workers) as ex:
        results = list(ex.map(_one, jobs))
    by_label = {lab: [r for r in results if r[0] == lab] for lab in labels}
    target = sc.data["stop"].get("target", 1e-10)
    OUT.mkdir(parents=True, exist_ok=True)
    _plot(path.stem, sc.data["description"], by_label, target)
    rows = []
    for lab in labels:
        runs = by_label[lab]
        reached = [r[3]["target"]["reached"] for r in runs]
        cells = []
        for col, _ in AXES:
            vals = [r[3]["target"].get(col) if r[3]["target"]["reached"] else None for r in runs]
            vals = [v for v in vals if v is not None]
            if len(vals) == len(runs):
                med = float(np.median(vals))
                spread = f" ({_fmt(min(vals), col)}–{_fmt(max(vals), col)})" if seeds > 1 else ""
                cells.append(_fmt(med, col) + spread)
            else:
                cells.append("—")
        floor = np.median([np.min(r[2]["rel_err"]) for r in runs])
        rows.append(f"| {lab} | {sum(reached)}/{len(runs)} | " + " | ".join(cells)
                    + f" | {floor:.1e} |")
    head = ("| method | reached | rounds | bits | gradients | time | best rel_err |\n"
            "|---|---|---|---|---|---|---|")
    table = "\n".join([f"**{path.stem}** — {sc.data['description']}; to rel_err <= {target:g}"
                       f", {seeds} seed(s) (median, range)", "", head, *rows, ""])
    (OUT / f"{path.stem}.md").write_text(table)
    print(table)


def _plot(name, description, by_label, target):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.4), sharey=True)
    styles = ["-", "--", "-.", ":"]
    for n, (lab, runs) in enumerate(by_label.items()):
        tr = runs[0][2]                               # seed 0 (the first job of each label)
        for ax, (col, xlabel) in zip(axes, AXES):
            ax.plot(tr[col], tr["rel_err"], styles[(n // 10) % 4], label=lab, lw=1.4)
            ax.set_xlabel(xlabel)
    for ax, (col, _) in zip(axes, AXES):
        ax.set_yscale("log")
        ax.axhline(target, color="grey", lw=0.8, ls=":")
        ax.grid(alpha=0.3)
        if col != "round":
            ax.set_xscale("log")
    hit = [int(np.argmax(np.asarray(r[0][2]["rel_err"]) <= target))
           for r in by_label.values() if np.min(r[0][2]["rel_err"]) <= target]
    if hit:        # rounds panel: zoom on the converging methods (floors are flat anyway)
        axes[0].set_xlim(0, 2.5 * max(by_label[lab][0][2]["round"][k] for lab, k in
                                      zip([lab for lab, r in by_label.items()
                                           if np.min(r[0][2]["rel_err"]) <= target], hit)))
    axes[0].set_ylabel("rel_err")
    axes[0].set_ylim(1e-12, 10)
    axes[-1].legend(fontsize=8, loc="upper right")
    fig.suptitle(f"{name}: {description}")
    fig.tight_layout()
    fig.savefig(OUT / f"{name}.png", dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("figures", nargs="*", help="scenario stems (default: all fig_*.toml)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=None, help="override stop.rounds")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args(argv)
    paths = sorted(PAPER.glob("fig_*.toml"))
    if a.figures:
        paths = [p for p in paths if p.stem in a.figures]
    for p in paths:
        run_figure(p, a.seeds, a.rounds, a.workers)


if __name__ == "__main__":
    main()
