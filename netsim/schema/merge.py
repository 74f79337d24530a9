"""Editing scenarios as data: ``--set`` overrides, ``[[variant]]`` merges (a table whose
``name`` changes starts afresh), and the TOML writer of resolved scenarios (files written
with a run and the run id's canonical text).
"""

from __future__ import annotations

import copy
import re

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

from netsim.errors import ScenarioError
from netsim.tomlio import dump_toml  # noqa: F401 - re-exported: the one TOML writer (tomli-w)

__all__ = ["parse_override", "apply_overrides", "deep_merge", "dump_toml"]


#: keys an [algorithm] table keeps when a variant switches to another algorithm
_KEEP_ON_SWITCH = {"algorithm": ("compressor", "batch", "x0")}


def _kept_on_switch(section: str, old: dict, new_name) -> dict:
    """What a table keeps when its ``name`` changes: an algorithm keeps its compressor, batch
    and x0, and every parameter whose definition the two algorithms share (same default,
    range and meaning, e.g. rho of the ADMM family, P and tau of async-admm and qadmm); a
    parameter that only shares its name (gamma of LT-ADMM-CC vs LEAD) is dropped.
    """
    kept = {c: old[c] for c in _KEEP_ON_SWITCH.get(section, ()) if c in old}
    if section == "algorithm":
        from netsim.algorithms.registry import ALGORITHMS
        a, b = ALGORITHMS.get(old.get("name")), ALGORITHMS.get(new_name)
        if a is not None and b is not None:
            kept.update({k: v for k, v in old.items()
                         if k in a.params and a.params[k] is b.params.get(k)})
    return copy.deepcopy(kept)


def deep_merge(dst, src):
    """Merge ``src`` into ``dst``. A table whose ``name`` changes (a variant switching the
    algorithm or the compressor) is replaced, not merged, because its other keys belong to
    the old name; it keeps only what :func:`_kept_on_switch` says.
    """
    for k, v in src.items():
        old = dst.get(k)
        if isinstance(v, dict) and isinstance(old, dict):
            if "name" in v and "name" in old and v["name"] != old["name"]:
                dst[k] = {**_kept_on_switch(k, old, v["name"]), **copy.deepcopy(v)}
            else:
                deep_merge(old, v)
        else:
            dst[k] = copy.deepcopy(v)


def parse_override(text: str) -> tuple[str, object]:
    """``"algorithm.tau=5"`` -> ("algorithm.tau", 5); the value is read as TOML, else a string."""
    if "=" not in text:
        raise ScenarioError("--set", f"must look like key=value; got {text!r}")
    key, val = text.split("=", 1)
    key, val = key.strip(), val.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", key):
        raise ScenarioError("--set", f"key must be dotted names like algorithm.tau; got {key!r}")
    try:
        return key, tomllib.loads(f"v = {val}")["v"]
    except tomllib.TOMLDecodeError:
        return key, val


def apply_overrides(data: dict, overrides: dict) -> None:
    """Set each dotted key of ``overrides`` in the nested dict ``data`` (in place).

    As for variants, setting a table's ``name`` to a different value (``algorithm.name=lead``)
    starts that table afresh (keeping an algorithm's compressor, batch and x0); ``*.name``
    keys are applied first so that the other overrides land in the new table.
    """
    order = sorted(overrides, key=lambda k: (not k.endswith(".name"), k.count(".")))
    for key in order:
        val = overrides[key]
        parts = key.split(".")
        node = data
        for p in parts[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = node[p] = {}
            if not isinstance(nxt, dict):
                raise ScenarioError(key, f"cannot be set: '{p}' is not a table")
            node = nxt
        if parts[-1] == "name" and len(parts) >= 2 and "name" in node and node["name"] != val:
            kept = _kept_on_switch(parts[-2], node, val)
            node.clear()
            node.update(kept)
        node[parts[-1]] = val
