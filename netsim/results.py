"""Writing a run's files, atomically (SCENARIO.md "Results").

``DIR/<name>/<run-id>/`` holds ``scenario.toml`` (fully resolved), ``trace.csv``,
``summary.json``, ``links.csv`` and, when asked, ``iterates.npz``, ``messages.csv`` and the
plots. The run id is derived from the resolved scenario (variant label + hash), so the same
scenario always lands in the same folder. Everything is written into a hidden temporary
folder first and renamed into place at the end: a crash never leaves a half-written run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pathlib
import re
import shutil
import tempfile

import numpy as np

from netsim.errors import NetsimError, ScenarioError
from netsim.scenario import dump_toml

__all__ = ["run_id", "write_result", "format_number", "write_csv", "strict_json", "PlotWarning"]


def run_id(scenario) -> str:
    """``<label-slug>-<hash10>`` (or ``run-<hash10>``) of the resolved scenario."""
    data = dict(scenario.data)
    data.pop("output", None)           # where results go does not change the run
    digest = hashlib.sha256(dump_toml(data).encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", scenario.label).lower()[:MAX_SLUG].strip("-") or "run"
    return f"{slug}-{digest}"


#: longest label part of a run id (a 300-character label must not make a 300-character
#: folder name: most file systems allow 255 bytes)
MAX_SLUG = 48


def strict_json(obj) -> str:
    """``obj`` as strict JSON (RFC 8259: no NaN or Infinity tokens, which most JSON readers
    refuse): a float that is not finite is written as the string ``"nan"``, ``"inf"`` or
    ``"-inf"``, which Python's ``float()`` reads back."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, (float, np.floating)) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if isinstance(v, np.generic):
            return v.item()
        return v
    return json.dumps(clean(obj), indent=2, allow_nan=False) + "\n"


def format_number(v) -> str:
    """Shortest exact text of a number (``repr`` of floats), ints unchanged."""
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def write_csv(path: pathlib.Path, header, rows) -> None:
    """Write a plain CSV with exact number formatting (no pandas, no locale)."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(format_number(v) for v in row) + "\n")


class PlotWarning(UserWarning):
    """A run's figures could not be drawn (the run's files are written all the same)."""


def write_result(result, out_dir=None) -> pathlib.Path:
    """Write ``result`` under ``out_dir`` (default: the scenario's ``output.dir``).

    The data files are written into a hidden temporary folder renamed into place; the
    figures (``output.plots``) are drawn afterwards, so a plotting failure never loses a run:
    it is reported as a :class:`PlotWarning`.

    Returns:
        The run folder.

    Raises:
        ScenarioError: ``output.dir`` is not a writable folder, or a file or link stands
            where the run folder goes.
        NetsimError: writing failed (a full disk, ...); nothing half-written is left.
    """
    sc = result.scenario
    root = pathlib.Path(out_dir if out_dir is not None else sc.data["output"]["dir"])
    if not root.is_absolute() and out_dir is None and sc.source:
        root = pathlib.Path.cwd() / root
    parent = root / sc.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
    except OSError as e:
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                            f"({e.strerror})") from None
    final = parent / run_id(sc)
    try:
        (tmp / "scenario.toml").write_text(dump_toml(sc.data), encoding="utf-8")
        cols = list(result.trace)
        write_csv(tmp / "trace.csv", cols, zip(*(result.trace[c] for c in cols)))
        summary = dict(result.summary, run_id=final.name)
        (tmp / "summary.json").write_text(strict_json(summary), encoding="utf-8")
        write_csv(tmp / "links.csv", ["src", "dst", "bits", "messages", "drops"], result.links)
        if result.iterates is not None:
            np.savez_compressed(tmp / "iterates.npz", x=result.iterates,
                                round=result.trace["round"], time=result.trace["time"])
        if result.messages is not None:
            write_csv(tmp / "messages.csv",
                      ["src", "dst", "bits", "t_send", "t_arrive", "dropped", "round"],
                      result.messages)
        if result.updates is not None:
            write_csv(tmp / "updates.csv", ["round", "time", "worker", "staleness"],
                      result.updates)
        if final.is_symlink() or (final.exists() and not final.is_dir()):
            raise ScenarioError("output.dir", f"must not hold a file or link where the run "
                                              f"folder goes; got {str(final)!r} (move it away)")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise NetsimError(f"cannot write the run folder {str(final)!r}: "
                          f"{e.strerror or e}; nothing was kept") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if sc.data["output"]["plots"]:
        _write_plots(result, final)
    return final


def _write_plots(result, final: pathlib.Path) -> None:
    """Draw the run's figures into a temporary folder, then move each into ``final``; any
    failure becomes a :class:`PlotWarning` (the run stays as written)."""
    import warnings

    from netsim.plots import plot_run

    sc = result.scenario
    tmp = None
    try:
        tmp = pathlib.Path(tempfile.mkdtemp(prefix=".tmp-plots-", dir=final.parent))
        paths = plot_run(result.trace, tmp, title=sc.name + (f" — {sc.label}" if sc.label
                                                               else ""),
                         metric=_plot_metric(result))
        for p in paths:
            os.replace(p, final / p.name)
    except Exception as e:      # noqa: BLE001 - a figure must never cost the run
        warnings.warn(f"{final}: figures not written ({type(e).__name__}: "
                      f"{str(e).splitlines()[0] if str(e) else ''}); the run's files are "
                      f"complete", PlotWarning, stacklevel=3)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _plot_metric(result) -> str:
    m = result.scenario.data["stop"]["metric"]
    if result.scenario.data["problem"]["kind"] == "mlp" and m not in ("accuracy",
                                                                      "objective_gap"):
        return "accuracy"                     # no x*: the error columns are empty
    return m if m in result.trace else "rel_err"
