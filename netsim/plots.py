"""Figures: a run's error against simulated time, bits and rounds (PNG); ``netsim plot``
overlays of runs with seed bands, sensitivity curves over a swept key, a Pareto view."""

from __future__ import annotations

import functools
import pathlib
import warnings

import numpy as np

__all__ = ["plot_run", "plot_command", "AXES"]

#: x-axis column -> label
AXES = {"time": "simulated time [s]", "bits": "bits sent (all links)", "round": "round"}


def _labels_as_text(fn):
    """Draw with every label taken as plain text: no mathtext (``$...$`` in a variant label
    is shown as written, never parsed, so it cannot fail), no LaTeX."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib
        with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
            return fn(*args, **kwargs)
    return wrapper


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


# --------------------------------------------------------------------------- netsim plot
_X = {"time": "time", "bits": "bits", "rounds": "round", "gradients": "gradients"}
_XLABEL = {"time": "simulated time [s]", "bits": "bits sent (all links)", "rounds": "round",
           "gradients": "component gradients (all agents)"}


def _collect(paths):
    """Run folders (with summary.json) from run folders, sweep folders or runs.csv files.

    A runs.csv (or a sweep folder holding one) gives the runs it lists as finished; a folder
    without one gives its complete, non-hidden run folders: temporary folders (``.tmp-*``)
    and damaged runs are never read."""
    from netsim.errors import must
    from netsim.results import is_complete
    from netsim.sweep import read_runs

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


@_labels_as_text
def plot_command(results, x="time", y=None, sensitivity=None, pareto=False, out=None):
    """``netsim plot``: overlay runs (median over seeds with a min-max band), or a
    sensitivity / Pareto view across runs. Returns the PNG path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netsim.errors import must

    folders = _collect(results)
    loaded = [(f, *_load_run(f)) for f in folders]
    flats = [_flat(sc) for _, _, _, sc in loaded]
    keys = sorted({k for fl in flats for k in fl})
    varying = [k for k in keys if k not in ("seed", "name", "description")
               and len({str(fl.get(k)) for fl in flats}) > 1]
    label_of = []
    for (f, s, tr, sc), fl in zip(loaded, flats):
        parts = [s.get("label") or ""] + [f"{k.split('.')[-1]}={fl.get(k)}" for k in varying
                                         if k not in ("algorithm.name",)]
        label_of.append(" ".join(p for p in parts if p) or s["name"])
    default_out = (pathlib.Path(results[0]).parent if pathlib.Path(results[0]).name == "runs.csv"
                   else pathlib.Path(results[0]))
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")

    if sensitivity is not None or pareto:
        metric = y or "target_time"
        summaries = [s for _, s, _, _ in loaded]
        if pareto:
            groups = {}
            for s, lab in zip(summaries, [s.get("label") or s["algorithm"] for s in summaries]):
                t = s["target"]
                if t["reached"]:
                    groups.setdefault(lab, []).append((t["bits"], t["time"]))
            if not groups:
                raise must("--pareto", "runs that reached their target", "none did")
            for lab, pts in groups.items():
                a = np.array(pts)
                ax.scatter(a[:, 0], a[:, 1], label=lab, s=28)
            ax.set_xscale("log")
            ax.set_xlabel("bits to target")
            ax.set_ylabel("simulated time to target [s]")
            ax.set_title("Pareto view: time vs bits to target (lower left is better)")
            name = "pareto.png"
        else:
            if sensitivity not in keys:
                raise must("--sensitivity", "a scenario key that differs between the runs "
                           f"(e.g. {', '.join(varying[:4]) or 'none differ'})", sensitivity)
            others = [k for k in varying if k != sensitivity]
            groups = {}
            for (f, s, tr, sc), fl in zip(loaded, flats):
                val = _metric(s, metric)
                gk = " ".join(f"{k.split('.')[-1]}={fl.get(k)}" for k in others) \
                    or (s.get("label") or s["algorithm"])
                if s.get("label") and s.get("label") not in gk:
                    gk = f"{s['label']} {gk}".strip()
                groups.setdefault(gk, {}).setdefault(fl.get(sensitivity), []).append(val)
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for g in groups.values() for v in g)
            for lab, g in groups.items():
                xs = sorted(g, key=lambda v: (v if numeric else str(v)))
                with warnings.catch_warnings():          # a point where no seed reached
                    warnings.simplefilter("ignore", RuntimeWarning)
                    med = [np.nanmedian(g[v]) for v in xs]
                    lo = [np.nanmin(g[v]) for v in xs]
                    hi = [np.nanmax(g[v]) for v in xs]
                pos = xs if numeric else list(range(len(xs)))
                ax.plot(pos, med, marker="o", label=lab)
                ax.fill_between(pos, lo, hi, alpha=0.2)
                if not numeric:
                    ax.set_xticks(pos, [str(v) for v in xs])
            if numeric:
                allx = [v for g in groups.values() for v in g if v and v > 0]
                if allx and min(allx) > 0 and max(allx) / min(allx) >= 100:
                    ax.set_xscale("log")
            ax.set_xlabel(sensitivity)
            ax.set_ylabel(metric)
            ax.set_title(f"{metric} against {sensitivity} (median, min-max over seeds)")
            name = f"sensitivity_{sensitivity.replace('.', '_')}_{metric}.png"
    else:
        xcol = _X[x]
        groups = {}
        for (f, s, tr, sc), lab in zip(loaded, label_of):
            metric = y or sc.get("stop", {}).get("metric", "rel_err")
            if metric not in tr:
                raise must("--y", "a trace column (" + ", ".join(tr) + ")", metric)
            groups.setdefault(lab, []).append((tr[xcol], tr[metric]))
        log = (y or "rel_err") != "accuracy"
        for lab, curves in groups.items():
            grid, med, lo, hi = _band(curves, log)
            line, = ax.plot(grid, med, label=f"{lab} ({len(curves)} seed{'s' * (len(curves) > 1)})")
            if len(curves) > 1:
                ax.fill_between(grid, lo, hi, color=line.get_color(), alpha=0.2)
        if log:
            ax.set_yscale("log")
        if x in ("bits", "gradients"):
            ax.set_xscale("log")
        ax.set_xlabel(_XLABEL[x])
        ax.set_ylabel(y or metric)
        ax.set_title("median over seeds, band = min to max")
        name = f"{(y or 'metric')}_vs_{x}.png"
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    path = pathlib.Path(out) if out else default_out / name
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
