"""Standard figures of one run: error against simulated time, bits and rounds (PNG)."""

from __future__ import annotations

import pathlib

import numpy as np

__all__ = ["plot_run", "AXES"]

#: x-axis column -> label
AXES = {"time": "simulated time [s]", "bits": "bits sent (all links)", "round": "round"}


def plot_run(trace: dict, folder, title: str = "", metric: str = "rel_err") -> list[pathlib.Path]:
    """Write ``<metric>_vs_time.png``, ``_vs_bits.png`` and ``_vs_rounds.png`` into ``folder``.

    Non-positive values (e.g. an exact zero error) are left out of the log-scale axis.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = pathlib.Path(folder)
    y = np.asarray(trace[metric], dtype=float)
    log = metric != "accuracy"
    paths = []
    for x_col, label in AXES.items():
        x = np.asarray(trace[x_col], dtype=float)
        ok = np.isfinite(y) & (y > 0 if log else True)
        fig, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
        ax.plot(x[ok], y[ok], lw=1.5)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(metric)
        ax.grid(True, which="both", alpha=0.3)
        if title:
            ax.set_title(title, fontsize=10)
        name = "rounds" if x_col == "round" else x_col
        p = folder / f"{metric}_vs_{name}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths
