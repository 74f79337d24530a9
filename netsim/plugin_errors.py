"""Exceptions raised by an installed plugin's code while netsim runs it.

A bug in a third-party algorithm, compressor, problem or topology (a ``ZeroDivisionError`` in
its ``local_steps``, a wrong shape returned) is not bad input, but the user who runs a
scenario naming the plugin should still get one line saying *which plugin* failed, *where*
(its file, line and function) and *what* was raised, not a netsim traceback.
:func:`blame` finds the plugin in the exception's traceback; ``netsim --traceback`` prints the
whole traceback for the plugin's author.
"""

from __future__ import annotations

import importlib.util
import os
import traceback

from netsim.errors import NetsimError

__all__ = ["PluginError", "blame"]


class PluginError(NetsimError):
    """Code of an installed plugin raised while netsim ran it (the cause is chained)."""


def _package_dir(module: str) -> str | None:
    """The folder of ``module``'s top-level package (the plugin's code), or None."""
    top = module.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return os.path.realpath(list(spec.submodule_search_locations)[0])
    return os.path.realpath(spec.origin) if spec.origin and spec.has_location else None


def blame(exc: BaseException, data: dict) -> PluginError | None:
    """The :class:`PluginError` to raise for ``exc``, or None.

    One is returned if the traceback passes through the code of a plugin the scenario
    ``data`` uses; otherwise None (a netsim bug keeps its own traceback). The innermost
    frame inside the plugin's package is named: ``file:line in function``.

    Args:
        exc: the exception raised while building or running.
        data: the resolved scenario (which plugins it names).
    """
    if isinstance(exc, NetsimError):
        return None
    from netsim.plugins import _entry_points
    from netsim.plugins_used import used_by

    used = used_by(data)
    if not used:
        return None
    owners = []                         # (folder, key, fingerprint)
    for key, fp in used.items():
        kind = {"algorithm.name": "algorithms", "algorithm.compressor.name": "compressors",
                "problem.kind": "problems", "network.topology": "topologies"}[key]
        name = _name_at(data, key)
        eps = _entry_points(kind).get(name) or []
        folder = _package_dir(eps[0].module) if len(eps) == 1 else None
        if folder:
            owners.append((folder, key, name, fp))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = os.path.realpath(frame.filename)
        for folder, key, name, fp in owners:
            if path == folder or path.startswith(folder + os.sep):
                where = os.path.relpath(path, os.path.dirname(folder))
                what = f"{type(exc).__name__}: {exc}".replace("\n", " ")
                return PluginError(f"plugin {name!r} ({key}; {fp.split(' sha256')[0]}) raised "
                                   f"{what[:300]} at {where}:{frame.lineno} in {frame.name} "
                                   "(netsim --traceback shows the whole traceback)")
    return None


def _name_at(data: dict, key: str):
    node = data
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node
