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
import os
import pathlib
import re
import shutil
import tempfile

import numpy as np

from netsim.errors import ScenarioError
from netsim.provenance import provenance
from netsim.scenario import dump_toml

__all__ = ["run_id", "write_result", "format_number", "write_csv"]


def run_id(scenario) -> str:
    """``<label-slug>-<hash10>`` (or ``run-<hash10>``) of the resolved scenario."""
    data = dict(scenario.data)
    data.pop("output", None)           # where results go does not change the run
    digest = hashlib.sha256(dump_toml(data).encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", scenario.label).strip("-").lower() or "run"
    return f"{slug}-{digest}"


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


def write_result(result, out_dir=None) -> pathlib.Path:
    """Write ``result`` under ``out_dir`` (default: the scenario's ``output.dir``).

    Returns:
        The run folder.
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
        summary = dict(result.summary, run_id=final.name, provenance=provenance())
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True) + "\n",
                                          encoding="utf-8")
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
        if sc.data["output"]["plots"]:
            from netsim.plots import plot_run
            plot_run(result.trace, tmp, title=sc.name + (f" — {sc.label}" if sc.label else ""),
                     metric=_plot_metric(result))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _plot_metric(result) -> str:
    m = result.scenario.data["stop"]["metric"]
    if result.scenario.data["problem"]["kind"] == "mlp" and m not in ("accuracy",
                                                                      "objective_gap"):
        return "accuracy"                     # no x*: the error columns are empty
    return m if m in result.trace else "rel_err"
