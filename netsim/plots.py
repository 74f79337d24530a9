"""``netsim plot``: overlays of runs with seed bands, sensitivity curves over a swept key, Pareto.

One run's own figures (error against simulated time, bits and rounds) are drawn by
:mod:`netsim.run_plots`; :func:`plot_run` and :data:`AXES` are re-exported here.
"""

from __future__ import annotations

import math
import pathlib
import warnings

import numpy as np

from netsim.plot_runs import _collect, _flat, _legends, _load_run, _metric, _where
from netsim.run_plots import AXES, _labels_as_text, _plain, plot_run

__all__ = ["plot_run", "plot_command", "AXES", "FORMATS"]

# --------------------------------------------------------------------------- netsim plot
_X = {"time": "time", "bits": "bits", "rounds": "round", "gradients": "gradients"}


#: figure formats ``netsim plot --out`` writes (by the file's suffix)
FORMATS = ("png", "pdf", "svg")
#: ends drawn distinctly: excluded from the axis limits (diverged) or marked (stalled)
BAD_ENDS = ("diverged",)


def _fmt_path(out, default_dir, name):
    from netsim.errors import must

    path = pathlib.Path(out) if out else pathlib.Path(default_dir) / f"{name}.png"
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise must("--out", "a file ending in " + ", ".join("." + f for f in FORMATS),
                   str(out))
    if not path.parent.is_dir():
        raise must("--out", "a file in an existing folder", str(out))
    return path, fmt


def _fit_ylim(ax, values, log, ylim):
    """Axis limits from the good runs' values (a diverged run cannot stretch them)."""
    if ylim is not None:
        ax.set_ylim(*ylim)
        return
    v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in values]) if values \
        else np.array([])
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    if log:
        ax.set_ylim(lo / 2, hi * 2)
    else:
        pad = 0.05 * (hi - lo or abs(hi) or 1.0)
        ax.set_ylim(lo - pad, hi + pad)


@_labels_as_text
def plot_command(results, x="time", y=None, sensitivity=None, pareto=False, out=None,
                 log="auto", ylim=None, where=None):
    """``netsim plot``: overlay runs, or a sensitivity / Pareto view across runs.

    Overlays show the median over seeds with a min-max band.

    Args:
        results: run folders, sweep folders or runs.csv files (exactly the runs they list).
        x: ``time``, ``bits``, ``rounds`` or ``gradients`` (overlay).
        y: a trace column (overlay; default the stop metric) or a runs.csv metric
            (``target_time`` ..., ``final_<column>``; sensitivity, default ``target_time``).
        sensitivity: a swept scenario key for the x axis.
        pareto: bits against time to target.
        out: the figure file; its suffix picks the format (png, pdf, svg).
        log: ``auto`` (by the quantities, :func:`netsim.labels.log_scale_suits`), ``x``,
            ``y``, ``xy`` or ``none``.
        ylim: ``(low, high)`` for the y axis (default: fitted to the runs that did not
            diverge).
        where: ``KEY=VALUE`` conditions; only matching runs are drawn.

    Returns:
        The figure's path.

    Raises:
        ScenarioError: a bad option value or result path (one line).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netsim.errors import must
    from netsim.labels import label, log_scale_suits, numeric, short

    if log not in ("auto", "x", "y", "xy", "none"):
        raise must("--log", "auto, x, y, xy or none", log)
    folders = _collect(results)
    loaded = [(f, *_load_run(f)) for f in folders]
    flats = [_flat(sc) for _, _, _, sc in loaded]
    loaded, flats = _where(loaded, flats, where)
    default_out = (pathlib.Path(results[0]).parent if pathlib.Path(results[0]).name == "runs.csv"
                   else pathlib.Path(results[0]))
    bad = [s.get("end") in BAD_ENDS for _, s, _, _ in loaded]
    n_bad = sum(bad)
    note = (f"{n_bad} diverged run{'s' * (n_bad > 1)} "
            + ("excluded" if sensitivity is not None else "drawn dashed; axes fit the others")
            if n_bad else "")
    fig, ax = plt.subplots(figsize=(7.0, 4.4), layout="constrained")

    if pareto:
        groups = {}
        legends, _ = _legends(loaded, flats)
        for (_, s, _, _), lab, b in zip(loaded, legends, bad):
            t = s["target"]
            if t["reached"] and not b:
                groups.setdefault(lab, []).append((t["bits"], t["time"]))
        if not groups:
            raise must("--pareto", "runs that reached their target", "none did")
        markers = "osD^v<>ph*"                   # colour x marker: 100 distinct groups
        for g, (lab, pts) in enumerate(groups.items()):
            a = np.array(pts)
            n = len(pts)
            ax.scatter(a[:, 0], a[:, 1], s=30, marker=markers[(g // 10) % len(markers)],
                       color=f"C{g % 10}", edgecolors="white", linewidths=0.5, zorder=3,
                       label=_plain(f"{lab} ({n} run{'s' * (n > 1)})" if lab else
                                    f"{n} run{'s' * (n > 1)}"))
        front = pareto_front([p for pts in groups.values() for p in pts])
        fx, fy = zip(*front)
        if len(front) > 1:
            ax.step(fx, fy, where="post", color="0.25", lw=1.0, zorder=2)
        ax.scatter(fx, fy, s=110, facecolors="none", edgecolors="0.1", linewidths=1.0,
                   zorder=4, label="Pareto front (no run reached the target faster with "
                                   "fewer bits)")
        every = [p for pts in groups.values() for p in pts]
        if log in ("x", "xy") or (log == "auto" and log_scale_suits(
                "target_bits", [b for b, _ in every])):
            ax.set_xscale("log")
        if log in ("y", "xy") or (log == "auto" and log_scale_suits(
                "target_time", [t for _, t in every])):
            ax.set_yscale("log")
        ax.set_xlabel(label("target_bits"))
        ax.set_ylabel(label("target_time"))
        ax.set_title("time vs bits to target, a point per run (lower left is better)",
                     fontsize=10, loc="left")
        name = "pareto"
    elif sensitivity is not None:
        metric = y or "target_time"
        keys = sorted({k for fl in flats for k in fl})
        if sensitivity not in keys:
            _, varying = _legends(loaded, flats)
            raise must("--sensitivity", "a scenario key that differs between the runs "
                       f"(e.g. {', '.join(varying[:4]) or 'none differ'})", sensitivity)
        legends, _ = _legends(loaded, flats, exclude=(sensitivity,))
        groups = {}
        for (_, s, _, _), fl, lab, b in zip(loaded, flats, legends, bad):
            val = np.nan if b else _metric(s, metric)
            xv = numeric(sensitivity, fl.get(sensitivity))
            if not isinstance(xv, (int, float, str, bool, type(None))):
                xv = str(xv)                     # a list or table value: one category each
            groups.setdefault(lab, {}).setdefault(xv, []).append(val)
        xs_all = [v for g in groups.values() for v in g]
        is_num = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xs_all)
        cats = sorted({str(v) for v in xs_all})          # one shared axis for categories
        good = []
        for lab, g in groups.items():
            xs = sorted(g, key=lambda v: (v if is_num else cats.index(str(v))))
            with warnings.catch_warnings():          # a point where no seed reached
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.array([np.nanmedian(g[v]) for v in xs])
                lo = np.array([np.nanmin(g[v]) for v in xs])
                hi = np.array([np.nanmax(g[v]) for v in xs])
            pos = xs if is_num else [cats.index(str(v)) for v in xs]
            seeds = max(len(g[v]) for v in xs)
            line, = ax.plot(pos, med, marker="o",
                            label=_plain(f"{lab} ({seeds} seed{'s' * (seeds > 1)})")
                            if lab else None)
            if seeds > 1:
                ax.fill_between(pos, lo, hi, color=line.get_color(), alpha=0.2)
            if not is_num:
                ax.set_xticks(range(len(cats)), cats)
            good += [lo, hi]
        logx = log in ("x", "xy") or (log == "auto" and is_num
                                      and log_scale_suits(sensitivity, xs_all))
        logy = log in ("y", "xy") or (log == "auto" and log_scale_suits(
            metric, [v for g in good for v in g]))
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        _fit_ylim(ax, good, logy, ylim)
        ax.set_xlabel(label(sensitivity))
        ax.set_ylabel(label(metric))
        ax.set_title(f"{short(metric)} against {short(sensitivity)}: median over seeds, "
                     "band min to max", fontsize=10)
        name = f"sensitivity_{sensitivity.replace('.', '_')}_{metric}"
    else:
        if x not in _X:
            raise must("--x", "time, bits, rounds or gradients", x)
        xcol = _X[x]
        legends, _ = _legends(loaded, flats)
        groups, metric = {}, y
        if y is None:          # the runs' common stop metric; runs that differ: rel_err for all
            stops = {sc.get("stop", {}).get("metric", "rel_err") for (*_, sc) in loaded}
            y = stops.pop() if len(stops) == 1 else "rel_err"
        for (_, s, tr, sc), lab, b in zip(loaded, legends, bad):
            m = y
            if m not in tr:
                raise must("--y", "a trace column (" + ", ".join(tr) + ")", m)
            metric = metric or m
            groups.setdefault((lab, b), []).append((tr[xcol], tr[m]))
        logy = log in ("y", "xy") or (log == "auto" and metric != "accuracy"
                                      and _log_by_nature(metric))
        good = []
        for (lab, b), curves in groups.items():
            grid, med, lo, hi = _band(curves, logy)
            n = len(curves)
            text = f"{lab} ({n} seed{'s' * (n > 1)})" + (" — diverged" if b else "")
            line, = ax.plot(grid, med, label=_plain(text), ls="--" if b else "-")
            if n > 1:
                ax.fill_between(grid, lo, hi, color=line.get_color(), alpha=0.2)
            if not b:
                good += [lo, hi]
        if logy:
            ax.set_yscale("log")
        if log in ("x", "xy") or (log == "auto" and x in ("bits", "gradients")):
            ax.set_xscale("log")
        _fit_ylim(ax, good, logy, ylim)
        ax.set_xlabel(label(xcol) if xcol != "round" else "round")
        ax.set_ylabel(label(metric))
        ax.set_title(f"{short(metric)} against {short(xcol)}: median over seeds, band min to "
                     "max", fontsize=10)
        name = f"{metric}_vs_{x}"
    if note:
        fig.text(0.01, 0.005, note, fontsize=7, color="0.35", ha="left", va="bottom")
    ax.grid(alpha=0.3, which="both")
    _readable_log_ticks(ax)
    entries = len(ax.get_legend_handles_labels()[0])
    if entries > 12:                         # beside the axes, in columns, not over the data
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  ncols=1 + entries // 25, frameon=False)
    elif entries:
        ax.legend(fontsize=7)
    path, fmt = _fmt_path(out, default_out, name)
    try:
        fig.savefig(path, dpi=150, format=fmt)
    except OSError as e:
        raise must("--out", "a writable file", f"{path} ({e.strerror})") from None
    finally:
        plt.close(fig)
    return path


def _readable_log_ticks(ax) -> None:
    """Label a log axis spanning less than two decades at 1, 2 and 5 x 10^k.

    The major ticks get the labels and the minor ones none (matplotlib labels minor ticks on
    such short axes, and their labels collide).
    """
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() == "log" and lo > 0 and hi / lo < 100:
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(LogFormatterSciNotation(
                labelOnlyBase=False, minor_thresholds=(math.inf, math.inf)))
            axis.set_minor_formatter(NullFormatter())


def pareto_front(points) -> list[tuple[float, float]]:
    """The non-dominated (bits, time) points, by increasing bits (decreasing time).

    A point is dominated when another has no more bits and no more time, and less of one.

    Args:
        points: (bits, time) pairs.

    Returns:
        The front, sorted by bits; equal points appear once.
    """
    front: list[tuple[float, float]] = []
    for b, t in sorted(set(points)):
        if not front or t < front[-1][1]:
            front.append((b, t))
    return front


def _log_by_nature(metric) -> bool:
    """Whether a trace column is log-scaled by nature (errors, gaps, bits)."""
    from netsim.labels import QUANTITIES
    q = QUANTITIES.get(metric)
    return True if q is None else bool(q[3])


def _band(curves, log):
    """Median and min/max of several (x, y) curves on a common x grid (log-y interpolation)."""
    xs = np.unique(np.concatenate([c[0][np.isfinite(c[0])] for c in curves]))
    if len(xs) > 2000:
        xs = np.linspace(xs[0], xs[-1], 2000)
    ys = []
    for x, y in curves:
        ok = np.isfinite(x) & np.isfinite(y) & ((y > 0) if log else True)
        if ok.sum() == 0:
            ys.append(np.full(len(xs), np.nan))
            continue
        yy = np.log10(y[ok]) if log else y[ok]
        v = np.interp(xs, x[ok], yy, left=np.nan, right=np.nan)
        ys.append(10 ** v if log else v)
    Y = np.vstack(ys)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return xs, np.nanmedian(Y, 0), np.nanmin(Y, 0), np.nanmax(Y, 0)
