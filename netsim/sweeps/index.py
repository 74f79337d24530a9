"""``runs.csv``: the index of a sweep, one row per finished or failed point, written
atomically and read back typed.
"""

from __future__ import annotations

import json
import pathlib
import time

__all__ = ["RUNS_COLUMNS", "TEXT_COLUMNS", "INDEX_EVERY", "Index", "write_index",
           "read_runs"]

#: fixed columns of runs.csv (then one per swept key, then final metrics)
RUNS_COLUMNS = ("run_id", "label", "seed", "end", "end_round", "rounds", "time", "bits",
                "messages", "gradients", "target_reached", "target_round", "target_time",
                "target_bits", "target_gradients")
#: runs.csv columns that are always text, written and read as they are ("" for no label)
TEXT_COLUMNS = ("run_id", "label", "end", "error", "warnings")
#: seconds between two rewrites of runs.csv while a sweep runs (it is also written at the end)
INDEX_EVERY = 1.0


class Index:
    """The rows of runs.csv (finished or failed points, by sweep index), written at most
    every :data:`INDEX_EVERY` s (longer if writing takes long) and at the end.
    """

    def __init__(self, root: pathlib.Path, keys):
        self.root, self.keys = root, list(keys)
        self.rows = {}
        self.last = time.monotonic()
        self.cost = 0.0

    def add(self, point, error: str | None) -> None:
        """Record ``point``'s row (``error``: its one-line error, None if it ran)."""
        self.rows[point.index] = _row(point, self.root, self.keys, error)

    def maybe_write(self) -> None:
        """Write runs.csv if :data:`INDEX_EVERY` s (or 20 writes' time) have passed."""
        if time.monotonic() - self.last >= max(INDEX_EVERY, 20 * self.cost):
            self.write()

    def write(self) -> None:
        """Write runs.csv now (atomically), every recorded row in sweep order."""
        t = time.monotonic()
        write_index(self.root, [self.rows[i] for i in sorted(self.rows)], self.keys)
        self.last = time.monotonic()
        self.cost = self.last - t


def _row(point, root: pathlib.Path, keys, error: str | None) -> dict:
    row = {"run_id": point.run_id, "label": point.label, "seed": point.values["seed"]}
    row.update({k: point.values[k] for k in keys})
    if error is not None:
        row["end"] = "error"
        row["error"] = error
        return row
    from netsim.results import folder_lock
    path = root / point.run_id / "summary.json"
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):                # being replaced by a `netsim run` writer
        with folder_lock(root):
            s = json.loads(path.read_text(encoding="utf-8"))
    t = s.get("target") or {}
    row.update({"end": s["end"], "end_round": s.get("end_round"), "rounds": s.get("rounds"),
                "time": s.get("time"), "bits": s.get("bits"), "messages": s.get("messages"),
                "gradients": s.get("gradients"), "target_reached": t.get("reached"),
                "target_round": t.get("round"), "target_time": t.get("time"),
                "target_bits": t.get("bits"), "target_gradients": t.get("gradients")})
    row.update({f"final_{k}": v for k, v in (s.get("final") or {}).items()})
    row["warnings"] = " | ".join(s.get("warnings") or [])
    return row


def write_index(root: pathlib.Path, rows, keys) -> pathlib.Path:
    """Write ``root/runs.csv`` atomically: one row per run (dicts from the sweep), columns
    run_id, label, seed, the swept keys, the fixed metrics, the final metrics, ``error``.
    Cells as :func:`netsim.results.encode_cell` (lists and tables quoted JSON).
    """
    from netsim.results import atomic_file, encode_cell, write_csv

    cols = list(RUNS_COLUMNS[:3]) + list(keys) + list(RUNS_COLUMNS[3:])
    extra = sorted({k for r in rows for k in r} - set(cols) - {"error"})
    cols += extra + (["error"] if any("error" in r for r in rows) else [])
    def cell(c, v):
        return ("" if v is None else str(v)) if c in TEXT_COLUMNS else encode_cell(v)
    with atomic_file(root / "runs.csv") as f:
        write_csv(f, cols, ([cell(c, r.get(c)) for c in cols] for r in rows), cell=str)
    return root / "runs.csv"


def read_runs(path) -> list[dict]:
    """Rows of a runs.csv as dicts of the values that were written: the text columns
    (:data:`TEXT_COLUMNS`) as strings, every other cell through
    :func:`netsim.results.decode_cell` (numbers, bools, None for an empty cell, lists and
    tables, strings).
    """
    import csv

    from netsim.results import decode_cell
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: v if k in TEXT_COLUMNS else decode_cell(v) for k, v in r.items()}
                for r in csv.DictReader(f)]
