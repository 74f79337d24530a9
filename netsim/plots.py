"""Figures: a run's error against simulated time, bits and rounds (PNG).

``netsim plot``: overlays of runs with seed bands, sensitivity curves over a swept key, a Pareto
view.
"""

from __future__ import annotations

import functools
import pathlib
import warnings

import numpy as np

from netsim.labels import label as _label

__all__ = ["plot_run", "plot_command", "AXES", "FORMATS"]

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


# --------------------------------------------------------------------------- netsim plot
_X = {"time": "time", "bits": "bits", "rounds": "round", "gradients": "gradients"}


def _collect(paths):
    """Run folders (with summary.json) from run folders, sweep folders or runs.csv files.

    A runs.csv (or a sweep folder holding one) gives the runs it lists as finished; a folder
    without one gives its complete, non-hidden run folders: temporary folders (``.tmp-*``)
    and damaged runs are never read.
    """
    from netsim.errors import must
    from netsim.results import is_complete
    from netsim.sweeps import read_runs

    runs = []
    for raw in paths:
        p = pathlib.Path(raw)
        if p.is_dir() and (p / "runs.csv").is_file():
            p = p / "runs.csv"                   # a sweep folder: the runs of its index
        if p.name == "runs.csv" and p.is_file():
            # the runs the index lists as finished: never a temporary or unlisted folder
            listed = [p.parent / str(r.get("run_id")) for r in read_runs(p)
                      if r.get("end") not in ("error", None)]
            found = [q for q in listed if is_complete(q)]
            if not found:
                raise must("RESULTS", "a runs.csv listing finished runs", str(raw))
            runs.extend(found)
            continue
        if (p / "summary.json").is_file():
            runs.append(p)
        elif p.is_dir():
            # run folders only: hidden ones (.tmp-* of a killed or running writer) and
            # damaged ones are not results
            found = sorted(q.parent for q in p.glob("*/summary.json")
                           if not q.parent.name.startswith(".") and is_complete(q.parent))
            if not found:
                raise must("RESULTS", "run folders, sweep folders or runs.csv files", str(raw))
            runs.extend(found)
        else:
            raise must("RESULTS", "an existing run folder, sweep folder or runs.csv", str(raw))
    return runs


def _load_run(folder):
    import csv
    import json
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    from netsim.errors import ScenarioError
    from netsim.textfiles import read_lines, read_text

    try:
        s = json.loads(read_text(folder / "summary.json", "RESULTS", "summary file"))
        rows = list(csv.reader(read_lines(folder / "trace.csv", "RESULTS", "trace file")))
        rows = [r for r in rows if r]
        cols = rows[0]
        data = np.array([[float(v) if v else np.nan for v in r] for r in rows[1:]],
                        dtype=float).reshape(len(rows) - 1, len(cols))
        trace = {c: data[:, k] for k, c in enumerate(cols)}
        sc = tomllib.loads(read_text(folder / "scenario.toml", "RESULTS", "scenario file"))
        if not isinstance(s, dict) or "target" not in s or "name" not in s:
            raise ValueError("summary.json lacks 'name' or 'target'")
    except ScenarioError:
        raise
    except (ValueError, IndexError, tomllib.TOMLDecodeError) as e:
        raise ScenarioError("RESULTS", f"must be complete run folders; {str(folder)!r} is "
                                       f"damaged ({type(e).__name__})") from None
    return s, trace, sc


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


def _group_key(sc, varying):
    flat = _flat(sc)
    return tuple((k, str(flat.get(k))) for k in varying)


#: figure formats ``netsim plot --out`` writes (by the file's suffix)
FORMATS = ("png", "pdf", "svg")
#: ends drawn distinctly: excluded from the axis limits (diverged) or marked (stalled)
BAD_ENDS = ("diverged",)


def _where(loaded, flats, where):
    """Keep the runs whose scenario matches every ``key=value`` of ``where``."""
    from netsim.errors import must
    from netsim.labels import numeric

    keep = list(range(len(loaded)))
    for cond in where or ():
        key, sep, want = cond.partition("=")
        key, want = key.strip(), want.strip()
        if not sep or not key:
            raise must("--where", "KEY=VALUE (a scenario key, e.g. network.agents=16)", cond)
        if not any(key in fl for fl in flats):
            keys = sorted({k for fl in flats for k in fl})
            raise must("--where", "a scenario key of these runs (" + ", ".join(keys[:8])
                       + ", ...)", key)

        def match(v):
            if str(v) == want:
                return True
            a, b = numeric(key, v), numeric(key, want)
            try:
                return float(a) == float(b)
            except (TypeError, ValueError):
                return False
        keep = [i for i in keep if match(flats[i].get(key))]
    if not keep:
        raise must("--where", "conditions that some runs meet", " ".join(where))
    return [loaded[i] for i in keep], [flats[i] for i in keep]


def _legends(loaded, flats, exclude=()):
    """One legend entry per group of runs that differ only in the seed.

    The variant label, plus ``name=value`` for each varying key the label does not already
    determine.
    """
    from netsim.labels import short

    keys = sorted({k for fl in flats for k in fl})
    varying = [k for k in keys if k not in ("seed", "name", "description", *exclude)
               and len({str(fl.get(k)) for fl in flats}) > 1]
    labels = [s.get("label") or "" for _, s, _, _ in loaded]
    shown = []
    # keys with more distinct values first: a key that only follows another one (network.k
    # is set for small_world and None elsewhere) is then explained by it and left out
    # (ties: keys that are set in more runs first)
    for k in sorted(varying, key=lambda k: (-len({str(fl.get(k)) for fl in flats}),
                                            sum(fl.get(k) is None for fl in flats))):
        groups = {}
        for lab, fl in zip(labels, flats):     # the excluded (x-axis) key explains too
            key = (lab, *(str(fl.get(j)) for j in (*exclude, *shown)))
            groups.setdefault(key, set()).add(str(fl.get(k)))
        if any(len(v) > 1 for v in groups.values()):
            shown.append(k)                      # not explained by the label or shown keys
    shown.sort(key=varying.index)
    out = []
    for lab, fl in zip(labels, flats):
        parts = [lab] + [f"{short(k)}={fl.get(k)}" for k in shown]
        out.append(", ".join(p for p in parts if p) or fl.get("name", "run"))
    return out, varying


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
        for lab, pts in groups.items():
            a = np.array(pts)
            ax.scatter(a[:, 0], a[:, 1], label=_plain(lab), s=28)
        ax.set_xscale("log")
        ax.set_xlabel(label("target_bits"))
        ax.set_ylabel(label("target_time"))
        ax.set_title("time against bits to target (lower left is better)", fontsize=10)
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
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    path, fmt = _fmt_path(out, default_out, name)
    try:
        fig.savefig(path, dpi=150, format=fmt)
    except OSError as e:
        raise must("--out", "a writable file", f"{path} ({e.strerror})") from None
    finally:
        plt.close(fig)
    return path


def _log_by_nature(metric) -> bool:
    """Whether a trace column is log-scaled by nature (errors, gaps, bits)."""
    from netsim.labels import QUANTITIES
    q = QUANTITIES.get(metric)
    return True if q is None else bool(q[3])


def _metric(summary, metric):
    t = summary["target"]
    if metric.startswith("target_"):
        v = t.get(metric[len("target_"):]) if t["reached"] else None
        return np.nan if v is None else float(v)
    if metric.startswith("final_"):
        return float(summary["final"].get(metric[len("final_"):], np.nan))
    v = summary.get(metric)
    return float(v) if isinstance(v, (int, float)) else np.nan


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
