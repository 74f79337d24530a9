"""Run ids (rule version 2, see :mod:`netsim.results`) and the migration of version-1
folders.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re

from netsim.idtext import canonical_text
from netsim.results.encoding import strict_json
from netsim.results.files import atomic_file, folder_lock, is_complete

__all__ = ["inputs_read", "run_id", "run_id_v1", "migrate_v1", "MAX_SLUG"]

#: longest label part of a run id (a 300-character label must not make a 300-character
#: folder name: most file systems allow 255 bytes)
MAX_SLUG = 48


def inputs_read(scenario) -> list[tuple[str, pathlib.Path]]:
    """Every file a run of ``scenario`` reads, as (dotted key, absolute path).

    This is the one place that knows which scenario keys name files: ``problem.data`` (unless
    ``synthetic`` or a bundled data set), ``network.file`` (``topology = "edges"``), every
    file of ``[[network.profile]]`` and ``[[compute.profile]]`` (all keys but ``links`` /
    ``agents``) and ``algorithm.x0`` (unless ``zeros`` / ``random``). A new file-valued key
    must be added here, or its edits would not change the run id. (An ``include``d table is
    not listed: its values are in the resolved scenario itself.)

    Args:
        scenario: a resolved :class:`netsim.scenario.Scenario`.

    Returns:
        (key, path) pairs, paths resolved against the scenario's folder.
    """
    from netsim.problems.data import BUNDLED

    d = scenario.data
    base = pathlib.Path(scenario.base_dir)
    out = []

    def add(key, raw):
        if isinstance(raw, str):
            out.append((key, (base / raw).resolve()))

    data = d.get("problem", {}).get("data")
    if isinstance(data, str) and data != "synthetic" and data not in BUNDLED:
        add("problem.data", data)
    net = d.get("network", {})
    if net.get("topology") == "edges":
        add("network.file", net.get("file"))
    for table, skip in (("network", ("links",)), ("compute", ("agents",))):
        for k, e in enumerate(d.get(table, {}).get("profile", []) or []):
            for what, raw in e.items():
                if what not in skip:
                    add(f"{table}.profile[{k}].{what}", raw)
    x0 = d.get("algorithm", {}).get("x0")
    if isinstance(x0, str) and x0 not in ("zeros", "random"):
        add("algorithm.x0", x0)
    return out


def _file_digest(path: pathlib.Path, cache: dict | None) -> str:
    """``sha256:<hex>`` of the file's content (``missing`` if unreadable); ``cache`` maps
    (path, size, mtime_ns, inode) to digests so a sweep hashes each file once.
    """
    try:
        st = path.stat()
        ident = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
        if cache is not None and ident in cache:
            return cache[ident]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "missing"
    digest = "sha256:" + h.hexdigest()
    if cache is not None:
        cache[ident] = digest
    return digest


def _canonical(v):
    if isinstance(v, dict):
        return {k: _canonical(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_canonical(x) for x in v]
    return v


def _id_data(scenario) -> dict:
    """The resolved scenario without ``output.dir``."""
    data = dict(scenario.data)
    out = dict(data.get("output") or {})
    out.pop("dir", None)
    data["output"] = out
    return data


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", label).lower()[:MAX_SLUG].strip("-") or "run"



def run_id(scenario, cache: dict | None = None) -> str:
    """The run id of ``scenario`` (see the module docstring for the rule).

    Args:
        scenario: a resolved scenario.
        cache: optional dict reused across calls so that each input file is hashed once.

    Returns:
        ``<label-slug>-<hash10>`` or ``run-<hash10>``.
    """
    text = "netsim run id v2\n" + canonical_text(_canonical(_id_data(scenario)))
    text += "".join(f"\n{key} {_file_digest(path, cache)}"
                    for key, path in inputs_read(scenario))
    from netsim.plugins_used import used_by
    text += "".join(f"\nplugin {key} {fp}" for key, fp in used_by(scenario.data).items())
    return f"{_slug(scenario.label)}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def run_id_v1(scenario) -> str | None:
    """The version-1 id of ``scenario`` (netsim before the file-content rule), or None if
    it reads files (a version-1 folder of such a run cannot be trusted).
    """
    if inputs_read(scenario):
        return None
    data = dict(scenario.data)
    data.pop("output", None)
    digest = hashlib.sha256(canonical_text(data).encode()).hexdigest()
    return f"{_slug(scenario.label)}-{digest[:10]}"


def migrate_v1(parent, scenario, rid: str) -> bool:
    """Rename a complete version-1 run folder of ``scenario`` in ``parent`` to ``rid``
    (its version-2 id) if its ``scenario.toml`` is the same resolved scenario (except
    ``output.dir``); update its ``summary.json`` ``run_id``. Under the folder lock.

    Returns:
        Whether a folder was migrated (the run is then done).
    """
    import tomllib

    old_id = run_id_v1(scenario)
    parent = pathlib.Path(parent)
    if old_id is None or old_id == rid or not is_complete(parent / old_id):
        return False
    with folder_lock(parent):
        old, new = parent / old_id, parent / rid
        if not is_complete(old) or new.exists():
            return False
        try:
            written = tomllib.loads((old / "scenario.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        written.get("output", {}).pop("dir", None)
        if canonical_text(_canonical(written)) != canonical_text(_canonical(_id_data(scenario))):
            return False
        summary = json.loads((old / "summary.json").read_text(encoding="utf-8"))
        summary["run_id"] = rid
        with atomic_file(old / "summary.json") as f:
            f.write(strict_json(summary))
        os.rename(old, new)
    return True


