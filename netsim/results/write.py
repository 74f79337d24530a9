"""Writing one run's folder (:func:`write_result`): the files into a temporary folder,
renamed into place under the folder lock, then the figures.
"""

from __future__ import annotations

import errno
import os
import pathlib
import shutil

import numpy as np

from netsim.errors import ScenarioError
from netsim.provenance import provenance
from netsim.results.encoding import strict_json, write_csv
from netsim.results.files import ResultsError, folder_lock, is_complete, os_error, tmp_name
from netsim.results.runid import run_id
from netsim.scenario import dump_toml

__all__ = ["write_result", "PlotWarning"]


class PlotWarning(UserWarning):
    """A run's figures could not be drawn (the run's files are written all the same)."""


def write_result(result, out_dir=None, rid: str | None = None) -> pathlib.Path:
    """Write ``result`` under ``out_dir`` (default: the scenario's ``output.dir``).

    The files go to a temporary folder, renamed to ``<out_dir>/<name>/<run id>`` under the
    folder lock. An existing folder of that id is replaced (``netsim run``: the last writer
    wins); with ``rid`` given (sweeps) a complete one is kept and the new copy dropped, so
    a finished run folder never disappears under a concurrent sweep's reader.

    Args:
        result: a :class:`netsim.simulate.Result`.
        out_dir: the results folder.
        rid: the run id, if the caller computed it before the run (a sweep: the id then
            covers the input files as they were when the run read them).

    The figures (``output.plots``) are drawn after the run folder is in place, so a plotting
    failure never loses a run: it is reported as a :class:`PlotWarning`.

    Returns:
        The run folder.

    Raises:
        ScenarioError: the results folder cannot be created.
        ResultsError: writing failed (a full disk, a file or link where the run folder
            goes...); nothing half-written is left.
    """
    sc = result.scenario
    root = pathlib.Path(out_dir if out_dir is not None else sc.data["output"]["dir"])
    if not root.is_absolute() and out_dir is None and sc.source:
        root = pathlib.Path.cwd() / root
    parent = root / sc.name
    final = parent / (rid or run_id(sc))     # before the temporary folder: nothing to clean
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / tmp_name()
        os.mkdir(tmp)                    # 0o777 & ~umask, unlike tempfile.mkdtemp's 0o700
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise os_error(e, parent) from None
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                            f"({e.strerror})") from None
    try:
        _write_files(result, tmp, final.name)
        with folder_lock(parent):
            if final.is_symlink() or (final.exists() and not final.is_dir()):
                raise ResultsError(f"cannot write {str(final)!r}: a file or link is where "
                                   "the run folder goes; remove it")
            if rid is not None and is_complete(final):
                shutil.rmtree(tmp, ignore_errors=True)   # a concurrent sweep wrote this
                return final                             # run (same id, same results)
            if final.exists():
                old = parent / tmp_name()
                os.rename(final, old)        # aside, then in: never a mix of two runs
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            if not final.exists():
                os.rename(tmp, final)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise os_error(e, final) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if sc.data["output"]["plots"]:
        _write_plots(result, final)
    return final


def _write_files(result, tmp: pathlib.Path, rid: str) -> None:
    sc = result.scenario
    (tmp / "scenario.toml").write_text(dump_toml(sc.data), encoding="utf-8")
    cols = list(result.trace)
    write_csv(tmp / "trace.csv", cols, zip(*(result.trace[c] for c in cols)))
    write_csv(tmp / "links.csv", ["src", "dst", "bits", "messages", "drops"], result.links)
    if result.iterates is not None:
        np.savez_compressed(tmp / "iterates.npz", x=result.iterates,
                            round=result.trace["round"], time=result.trace["time"])
    if result.messages is not None:
        write_csv(tmp / "messages.csv",
                  ["src", "dst", "bits", "t_send", "t_arrive", "dropped", "round"],
                  result.messages)
    if result.updates is not None:
        write_csv(tmp / "updates.csv", list(result.update_columns), result.updates)
    if result.agents is not None:
        write_csv(tmp / "agents.csv", ["agent", "round", "t_done"], result.agents)
    summary = dict(result.summary, run_id=rid, provenance=provenance())
    from netsim.plugins_used import used_by
    plugins = used_by(sc.data)
    if plugins:
        summary["provenance"]["plugins"] = plugins
    (tmp / "summary.json").write_text(strict_json(summary), encoding="utf-8")   # last


def _write_plots(result, final: pathlib.Path) -> None:
    """Draw the run's figures into a temporary folder, then move each into ``final``; any
    failure becomes a :class:`PlotWarning` (the run stays as written).
    """
    import warnings

    from netsim.run_plots import plot_run

    sc = result.scenario
    tmp = None
    try:
        tmp = final.parent / tmp_name()         # a live writer's name: never cleaned
        os.mkdir(tmp)
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
