"""The figures of one run (``output.plots``): its error against simulated time, bits and rounds.

Written by :func:`netsim.results.write_result`; ``netsim plot`` (:mod:`netsim.plots`) draws
across runs and re-exports :func:`plot_run`.
"""

from __future__ import annotations

import functools
import pathlib

import numpy as np

from netsim.labels import label as _label

__all__ = ["plot_run", "AXES"]

#: x-axis column -> label
AXES = {"time": "simulated time [s]", "bits": "bits sent, all links [bit]", "round": "round"}


def _labels_as_text(fn):
    """Draw without LaTeX (``text.usetex`` off).

    User text (titles from scenario names and variant labels, legends) goes through :func:`_plain`,
    so ``$...$`` in a label is shown as written and never parsed, while the axes keep matplotlib's
    own mathtext tick labels.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib
        with matplotlib.rc_context({"text.usetex": False}):
            return fn(*args, **kwargs)
    return wrapper


def _plain(text: str) -> str:
    """``text`` with every ``$`` escaped: matplotlib shows it literally (no mathtext)."""
    text = str(text).replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text    # "_x" would be hidden


@_labels_as_text
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
        ax.set_ylabel(_label(metric))
        ax.grid(True, which="both", alpha=0.3)
        if title:
            ax.set_title(_plain(title), fontsize=10)
        name = "rounds" if x_col == "round" else x_col
        p = folder / f"{metric}_vs_{name}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths
