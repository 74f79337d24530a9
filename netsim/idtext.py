"""The canonical text of a scenario that run ids hash (frozen; never written to a file).

Run ids (:func:`netsim.results.run_id`) hash a text form of the resolved scenario. That form is
part of the id rule, not an output format: it is the TOML that netsim 0.1 wrote by hand, kept
here byte for byte so that changing the library that *writes* ``scenario.toml`` files
(:mod:`netsim.tomlio`, tomli-w) can never move a run folder. Do not change this module; a new
text form needs a new id rule version (``netsim run id v3``) and a migration.

The form, for nested dicts: the scalars of a table as ``key = value`` lines, then each
sub-table under a ``[dotted.path]`` header (a table with only sub-tables gets no header), then
the top-level ``variant`` list as ``[[variant]]`` blocks. Values: ``true``/``false``; integers
as ``str(int)``; floats as ``repr`` (``inf``, ``-inf``, ``nan``); strings in double quotes with
backslash, quote and newline escaped; lists as ``[a, b]``; dicts inside lists as
``{ k = v, ... }``. Bare keys match ``[A-Za-z0-9_-]+``, other keys are quoted like strings.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re

__all__ = ["canonical_text"]


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if math.isnan(v):
            return "nan"
        return repr(float(v))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (datetime.date, datetime.time)):    # TOML dates, times (in [sweep])
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} in a run id's canonical text")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else _value(k)


def canonical_text(data: dict) -> str:
    """The canonical text of ``data`` (see the module docstring), the input of run-id hashes.

    Args:
        data: nested dicts of bools, numbers, strings and lists; key order is kept (callers
            sort keys first when the id must not depend on it).

    Returns:
        The text, ending in one newline.

    Raises:
        TypeError: a value of another type (e.g. None).
    """
    lines: list[str] = []

    def table(d, path):
        scalars = {k: v for k, v in d.items()
                   if not isinstance(v, dict) and not (k == "variant" and not path)}
        subs = {k: v for k, v in d.items() if isinstance(v, dict)}
        if path and (scalars or not subs):
            lines.append(f"\n[{'.'.join(_key(p) for p in path)}]")
        for k, v in scalars.items():
            lines.append(f"{_key(k)} = {_value(v)}")
        for k, v in subs.items():
            table(v, path + [k])

    table(data, [])
    for v in data.get("variant", []) or []:
        lines.append("\n[[variant]]")
        for k, x in v.items():
            lines.append(f"{_key(k)} = {_value(x)}")
    return "\n".join(lines).lstrip("\n") + "\n"
