"""The runs ``netsim plot`` draws: collecting run folders, loading them, selecting and labelling.

Split out of :mod:`netsim.plots` (which draws them); no matplotlib here.
"""

from __future__ import annotations

import pathlib

import numpy as np


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
    from netsim.labels import short, value_text

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
        parts = [lab] + [f"{short(k)}={value_text(k, fl.get(k))}" for k in shown]
        out.append(", ".join(p for p in parts if p) or fl.get("name", "run"))
    return out, varying


def _metric(summary, metric):
    t = summary["target"]
    if metric.startswith("target_"):
        v = t.get(metric[len("target_"):]) if t["reached"] else None
        return np.nan if v is None else float(v)
    if metric.startswith("final_"):
        return float(summary["final"].get(metric[len("final_"):], np.nan))
    v = summary.get(metric)
    return float(v) if isinstance(v, (int, float)) else np.nan
