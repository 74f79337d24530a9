"""Text encodings of results: CSV cells (:func:`encode_cell` / :func:`decode_cell`, exact
numbers), the CSV writer and strict JSON.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re

import numpy as np

__all__ = ["format_number", "encode_cell", "decode_cell", "write_csv", "strict_json"]


def strict_json(obj) -> str:
    """``obj`` as strict JSON (RFC 8259: no NaN or Infinity tokens, which most JSON readers
    refuse): a float that is not finite is written as the string ``"nan"``, ``"inf"`` or
    ``"-inf"``, which Python's ``float()`` reads back.
    """
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


def encode_cell(v) -> str:
    """Text of one CSV cell that :func:`decode_cell` reads back to ``v``.

    None -> empty; bools -> ``true`` / ``false``; numbers -> :func:`format_number`; lists and
    tables -> compact JSON; strings as they are, unless they would read back as something
    else (``"1"``, ``"true"``, ``"nan"``, ``"[1]"``, ``""``...): then as a JSON string.
    """
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return format_number(v)
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, separators=(",", ":"), allow_nan=True, default=str)
    text = str(v)
    back = decode_cell(text)
    if not (isinstance(back, str) and back == text) or text == "":
        return json.dumps(text)
    return text


_INT = re.compile(r"[+-]?\d+")


def decode_cell(text: str):
    """The value of a cell written by :func:`encode_cell` (inverse of it)."""
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    if text[0] in '["{':
        try:
            return json.loads(text)
        except ValueError:
            return text
    try:
        return float(text)
    except ValueError:
        return text


def write_csv(path, header, rows, cell=format_number) -> None:
    """Write a CSV file with the standard ``csv`` module (LF line ends, UTF-8).

    Args:
        path: the file (written in place: callers write inside a temporary folder or use
            :func:`atomic_file`), or an open text file.
        header: column names.
        rows: iterables of cell values.
        cell: value -> text; :func:`format_number` (numeric tables: trace, links, messages)
            or :func:`encode_cell` (mixed tables: runs.csv).
    """
    if isinstance(path, (str, os.PathLike)):
        with open(path, "w", encoding="utf-8", newline="") as f:
            write_csv(f, header, rows, cell)
        return
    w = csv.writer(path, lineterminator="\n")
    w.writerow(header)
    w.writerows([cell(v) for v in row] for row in rows)


