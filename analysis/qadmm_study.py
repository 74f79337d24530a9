"""QADMM vs asynchronous ADMM: objective gap against rounds, bits and simulated time.

And the sensitivity of rounds / time to the partial barrier P and the delay bound tau.

Runs scenarios/paper/qadmm_lasso.toml (every variant, and a P x tau grid of async-admm and
QADMM) and the neural-network scenarios in parallel processes and writes to
docs/results/qadmm/:

* ``lasso_methods.png`` / ``.md``: gap vs rounds, bits, time; rounds / bits (with and without
  the float32 scale headers) / time to a gap of 1e-6;
* ``lasso_sensitivity.png`` / ``.md``: rounds and time to 1e-6 against P for tau in {1, 3,
  inf}, plus the staleness histogram of each async-admm setting;
* ``qadmm_mlp.png`` / ``.md`` (digits) and, when the Debian package dataset-fashion-mnist is
  installed, ``qadmm_mlp_fashion.png`` / ``.md``: test accuracy against rounds, bits, time.

    python analysis/qadmm_study.py    # about 8 minutes on 2 cores (Fashion-MNIST: most of it)
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
from netsim.scenario import from_dict  # noqa: E402

LASSO = ROOT / "scenarios" / "paper" / "qadmm_lasso.toml"
OUT = ROOT / "docs" / "results" / "qadmm"
F32 = {"name": "none", "float_bits": 32}
GRID_P = (16, 12, 8, 4, 2)
GRID_TAU = (1, 3, "inf")


def _variant(label):
    sc = netsim.load(LASSO)
    v = next(v for v in sc.variants() if v.label == label)
    res = netsim.run(v)
    cols = ("round", "time", "bits", "bits_without_scale", "rel_objective_gap")
    return label, {c: res.trace[c] for c in cols}, res.summary


def _grid(job):
    alg, P, tau = job
    over = {"algorithm.name": alg, "algorithm.P": P, "algorithm.tau": tau,
            "stop.target": 1e-6}
    if alg == "async-admm":
        over["algorithm.compressor"] = F32
    sc = netsim.load(LASSO, over)
    base = {k: v for k, v in sc.raw.items() if k != "variant"}   # the file's base scenario
    res = netsim.run(from_dict(base, sc.source, sc.base_dir))
    return job, res.summary


def _fmt(x, kind):
    if x is None:
        return "—"
    return {"round": f"{x:.0f}", "time": f"{x:.3g} s"}.get(kind, f"{x:.3g}")


def _nsbits(tr, rnd):
    k = int(np.flatnonzero(np.asarray(tr["round"]) == rnd)[0])
    return f"{tr['bits_without_scale'][k]:.3g}"


def methods(workers):
    labels = [v.label for v in netsim.load(LASSO).variants()]
    with ProcessPoolExecutor(workers) as ex:
        runs = list(ex.map(_variant, labels))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), sharey=True)
    for lab, tr, _ in runs:
        for ax, col in zip(axes, ("round", "bits", "time")):
            ax.plot(tr[col], tr["rel_objective_gap"], label=lab, lw=1.4)
    for ax, xl in zip(axes, ("server rounds", "bits sent (up + down)", "simulated time [s]")):
        ax.set_yscale("log")
        ax.set_xlabel(xl)
        ax.axhline(1e-6, color="grey", ls=":", lw=0.8)
        ax.grid(alpha=0.3)
    axes[1].set_xscale("log")
    axes[0].set_xlim(0, 150)
    axes[0].set_ylim(1e-12, 1e3)
    axes[0].set_ylabel("relative objective gap (F(z) - F*) / F*")
    axes[-1].legend(fontsize=8)
    fig.suptitle("LASSO, N = 16, d = 200, P = 8, tau = 3 (scenarios/paper/qadmm_lasso.toml)")
    fig.tight_layout()
    OUT.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT / "lasso_methods.png", dpi=110)
    plt.close(fig)
    rows = ["| variant | end | rounds | bits | bits w/o scale | time | best gap |",
            "|---|---|---|---|---|---|---|"]
    for lab, tr, s in runs:
        t = s["target"]
        ok = t["reached"]
        rows.append(f"| {lab} | {s['end']} | {_fmt(t.get('round') if ok else None, 'round')} "
                    f"| {_fmt(t.get('bits') if ok else None, 'bits')} "
                    f"| {_nsbits(tr, t['round']) if ok else '—'} "
                    f"| {_fmt(t.get('time') if ok else None, 'time')} "
                    f"| {np.nanmin(tr['rel_objective_gap']):.1e} |")
    text = "\n".join(["To a relative objective gap of 1e-6 (seed 0); 'bits w/o scale' is the "
                      "ledger minus 32 bits per quantized vector (the paper's convention).",
                      "", *rows, ""])
    (OUT / "lasso_methods.md").write_text(text)
    print(text)


def sensitivity(workers):
    jobs = [(a, P, tau) for a in ("async-admm", "qadmm") for tau in GRID_TAU for P in GRID_P
            if not (tau == 1 and P != 16)]
    with ProcessPoolExecutor(workers) as ex:
        res = dict(ex.map(_grid, jobs))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    for alg, ls in (("async-admm", "-"), ("qadmm", "--")):
        for tau, mk in zip(GRID_TAU, "os^"):
            Ps = [P for P in GRID_P
                  if (alg, P, tau) in res and res[(alg, P, tau)]["target"]["reached"]]
            if not Ps:
                continue
            r = [res[(alg, P, tau)]["target"]["round"] for P in Ps]
            t = [res[(alg, P, tau)]["target"]["time"] for P in Ps]
            axes[0].plot(Ps, r, ls, marker=mk, label=f"{alg}, tau={tau}")
            axes[1].plot(Ps, t, ls, marker=mk, label=f"{alg}, tau={tau}")
    for ax, yl in zip(axes[:2], ("server rounds to gap 1e-6", "simulated seconds to gap 1e-6")):
        ax.set_xlabel("partial barrier P (of N = 16)")
        ax.set_ylabel(yl)
        ax.invert_xaxis()
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    width = 0.8 / 4
    for k, (P, tau) in enumerate(((12, 3), (8, 3), (4, 3), (4, "inf"))):
        h = res[("async-admm", P, tau)]["server"]["staleness"]
        xs = np.array([int(s) for s in h])
        ys = np.array(list(h.values()), dtype=float)
        axes[2].bar(xs + (k - 1.5) * width, ys / ys.sum(), width, label=f"P={P}, tau={tau}")
    axes[2].set_xlabel("staleness of an absorbed result (server rounds)")
    axes[2].set_ylabel("fraction of results (async-admm)")
    axes[2].legend(fontsize=8)
    fig.suptitle("Sensitivity to P and tau (LASSO, heterogeneous exponential compute times)")
    fig.tight_layout()
    fig.savefig(OUT / "lasso_sensitivity.png", dpi=110)
    plt.close(fig)
    rows = ["| P | tau | async rounds | async time | QADMM rounds | QADMM time "
            "| QADMM/async rounds |",
            "|---|---|---|---|---|---|---|"]
    for tau in GRID_TAU:
        for P in GRID_P:
            if ("async-admm", P, tau) not in res:
                continue
            a, q = res[("async-admm", P, tau)]["target"], res[("qadmm", P, tau)]["target"]
            ratio = (f"{q['round'] / a['round']:.2f}" if a["reached"] and q["reached"] else "—")
            rows.append(f"| {P} | {tau} | {_fmt(a.get('round'), 'round')} | "
                        f"{_fmt(a.get('time'), 'time')} | {_fmt(q.get('round'), 'round')} | "
                        f"{_fmt(q.get('time'), 'time')} | {ratio} |")
    text = "\n".join(["Rounds and simulated time to a relative objective gap of 1e-6 (seed 0).",
                      "", *rows, ""])
    (OUT / "lasso_sensitivity.md").write_text(text)
    print(text)


def _mlp_variant(job):
    path, label, rounds = job
    sc = netsim.load(path, {"stop.rounds": rounds, "stop.target": None, "output.every": 1})
    v = next(v for v in sc.variants() if v.label == label)
    res = netsim.run(v)
    cols = ("round", "time", "bits", "accuracy", "objective_gap")
    return label, {c: res.trace[c] for c in cols}, res.summary


def neural(workers, stem, rounds, target):
    path = ROOT / "scenarios" / "paper" / f"{stem}.toml"
    labels = [v.label for v in netsim.load(path).variants()]
    with ProcessPoolExecutor(workers) as ex:
        runs = list(ex.map(_mlp_variant, [(str(path), lab, rounds) for lab in labels]))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
    for lab, tr, _ in runs:
        for ax, col in zip(axes, ("round", "bits", "time")):
            ax.plot(tr[col], tr["accuracy"], label=lab, lw=1.4)
    for ax, xl in zip(axes, ("server rounds", "bits sent (up + down)", "simulated time [s]")):
        ax.set_xlabel(xl)
        ax.axhline(target, color="grey", ls=":", lw=0.8)
        ax.grid(alpha=0.3)
    axes[1].set_xscale("log")
    axes[0].set_ylabel("test accuracy of z")
    axes[-1].legend(fontsize=8)
    fig.suptitle(netsim.load(path).data["description"])
    fig.tight_layout()
    fig.savefig(OUT / f"{stem}.png", dpi=110)
    plt.close(fig)
    rows = [f"| variant | rounds to {target:g} | bits to {target:g} | time to {target:g} | "
            f"accuracy after {rounds} rounds | training objective sum_i f_i |",
            "|---|---|---|---|---|---|"]
    for lab, tr, s in runs:
        acc = np.asarray(tr["accuracy"])
        hit = np.flatnonzero(acc >= target)
        k = int(hit[0]) if hit.size else None

        def cell(c, kind, tr=tr, k=k):
            return _fmt(tr[c][k], kind) if k is not None else "—"

        rows.append(f"| {lab} | {cell('round', 'round')} | {cell('bits', 'bits')} | "
                    f"{cell('time', 'time')} | {acc[-1]:.4f} | {tr['objective_gap'][-1]:.3g} |")
    text = "\n".join([f"{stem} (seed 0): first record with test accuracy >= {target:g}.", "",
                      *rows, ""])
    (OUT / f"{stem}.md").write_text(text)
    print(text)


def main(argv=None):
    from netsim.problems.mlp import FASHION_DIR

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-fashion", action="store_true",
                    help="do not run the Fashion-MNIST case even if its package is installed")
    a = ap.parse_args(argv)
    methods(a.workers)
    sensitivity(a.workers)
    neural(a.workers, "qadmm_mlp", 300, 0.97)
    if not a.skip_fashion and (FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
        neural(a.workers, "qadmm_mlp_fashion", 200, 0.80)


if __name__ == "__main__":
    main()
