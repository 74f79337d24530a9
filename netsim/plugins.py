"""Third-party algorithms, compressors, problems and topologies, through installed entry
points.

A package registers objects under the entry-point groups of :data:`GROUPS`, e.g. in its
``pyproject.toml``::

    [project.entry-points."netsim.algorithms"]
    extra = "netsim_extra:EXTRA"          # an AlgorithmInfo

    [project.entry-points."netsim.compressors"]
    sign = "my_pkg:make_sign"             # make(spec: dict, dim: int, key: str) -> Compressor

    [project.entry-points."netsim.problems"]
    huber = "my_pkg:make_huber"           # make(spec, n_agents, streams, base_dir, key) -> Problem

    [project.entry-points."netsim.topologies"]
    cliques = "my_pkg:RING_OF_CLIQUES"    # a netsim.network.topology.Topology

An entry point is loaded lazily, only when a scenario names it (``algorithm.name``,
``algorithm.compressor.name``, ``problem.kind``, ``network.topology``), and only from the
installed distributions' metadata: a scenario can never name a path or carry code. Built-in
names take precedence (``netsim list`` marks a plugin a built-in shadows); two installed
packages registering one name is an error when a scenario names it (``netsim list`` shows
the conflict). A plugin that fails to import, or loads something of the wrong type, is a
one-line :class:`~netsim.errors.ScenarioError` naming the key, the entry point and the cause.
``netsim list`` shows the installed entry points without loading them.

A run that uses a plugin records its :func:`fingerprint` (distribution, version and the
SHA-256 of the entry point's module source; :mod:`netsim.plugins_used` finds the plugins a
scenario names) in ``summary.json`` and in its run id, so a new
plugin version or an edited plugin module never returns a stale result from a sweep folder.
(Edits to *other* modules of a plugin package that keep its version are not seen: bump the
version.)
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import traceback
from importlib.metadata import entry_points

from netsim.errors import NetsimError, ScenarioError

__all__ = ["GROUPS", "available", "load", "listing", "fingerprint", "unknown",
           "call_factory"]

#: kind -> entry-point group
GROUPS = {"algorithms": "netsim.algorithms", "compressors": "netsim.compressors",
          "problems": "netsim.problems", "topologies": "netsim.topologies"}


def _entry_points(kind: str) -> dict:
    """Name -> the distinct installed entry points of that name (by value), in metadata order."""
    out: dict = {}
    for ep in entry_points(group=GROUPS[kind]):
        same = out.setdefault(ep.name, [])
        if all(e.value != ep.value for e in same):
            same.append(ep)
    return out


def _dist(ep) -> str:
    d = getattr(ep, "dist", None)
    return f"{d.name} {d.version}" if d is not None else "unknown distribution"


def available(kind: str) -> dict[str, str]:
    """Installed entry points of ``kind`` (a key of :data:`GROUPS`): name -> "module:attr"
    (metadata only: nothing is imported); a name two packages register lists both values.
    """
    return {name: " | ".join(ep.value for ep in eps)
            for name, eps in _entry_points(kind).items()}


def listing(kind: str, builtins) -> list[tuple[str, str]]:
    """(name, note) for ``netsim list``: each installed plugin of ``kind``, with a note when
    a built-in of the same name shadows it or two packages register the name.
    """
    out = []
    for name, eps in sorted(_entry_points(kind).items()):
        where = ", ".join(f"{ep.value} from {_dist(ep)}" for ep in eps)
        if name in builtins:
            out.append((f"{name} (plugin)", f"[plugin {where}: not used, the built-in "
                                            f"{name!r} takes precedence]"))
        elif len(eps) > 1:
            out.append((name, f"[CONFLICT: {where} all register it; uninstall all but one]"))
        else:
            out.append((name, f"[plugin {where}]"))
    return out


def load(kind: str, name: str, key: str, check=None):
    """The object the installed entry point ``name`` of ``kind`` refers to, or None if there
    is none.

    Args:
        kind: "algorithms", "compressors", "problems" or "topologies".
        name: the entry point's name (as the scenario gives it).
        key: the scenario key, for error messages.
        check: ``check(obj) -> str | None``: what is wrong with the loaded object.

    Raises:
        ScenarioError: the plugin failed to load, or ``check`` rejected it.
    """
    eps = _entry_points(kind).get(name)
    if not eps:
        return None
    if len(eps) > 1:
        raise ScenarioError(key, "names plugin " + repr(name) + ", which several installed "
                            "packages register (" + "; ".join(f"{ep.value} from {_dist(ep)}"
                                                              for ep in eps)
                            + "): uninstall all but one")
    ep = eps[0]
    where = f"plugin {name!r} ({GROUPS[kind]} entry point {ep.value!r})"
    try:
        obj = ep.load()
    except Exception as e:     # noqa: BLE001 - any import-time failure of third-party code
        raise ScenarioError(key, f"names {where}, which failed to load: "
                                 f"{type(e).__name__}: {e}".replace("\n", " ")) from None
    problem = check(obj) if check is not None else None
    if problem:
        raise ScenarioError(key, f"names {where}, which {problem}")
    return obj


def fingerprint(kind: str, name: str) -> str | None:
    """"<distribution> <version> sha256:<hex16>" of the plugin ``name`` of ``kind``: the
    package's version and the SHA-256 of the source of the module its entry point names
    (None when no single plugin of that name is installed). Finding the module's file may
    import its parent package, never the module itself.
    """
    eps = _entry_points(kind).get(name)
    if not eps or len(eps) != 1:
        return None
    ep = eps[0]
    digest = "unreadable"
    try:
        spec = importlib.util.find_spec(ep.module)
        if spec is not None and spec.origin and spec.has_location:
            with open(spec.origin, "rb") as fh:
                digest = "sha256:" + hashlib.sha256(fh.read()).hexdigest()[:16]
    except (ImportError, OSError, ValueError):
        pass
    return f"{_dist(ep)} {digest}"


def unknown(kind: str, builtins, name, key: str) -> ScenarioError:
    """The one-line error for a ``name`` that is neither a built-in nor an installed plugin.

    The message lists every built-in and installed name of ``kind`` and the nearest one
    ("did you mean").
    """
    import difflib

    from netsim.errors import must

    names = [*builtins, *sorted(n for n in _entry_points(kind) if n not in builtins)]
    near = difflib.get_close_matches(str(name), names, n=1)
    hint = f" — did you mean '{near[0]}'?" if near else ""
    return must(key, "one of " + ", ".join(repr(o) for o in names) + hint, name)


def call_factory(factory, name: str, key: str, *args):
    """Call an installed plugin's factory (a compressor's or a problem's ``make``).

    A :class:`~netsim.errors.NetsimError` it raises (its own one-line refusal of a bad
    table) passes through; any other exception is a bug of the plugin, reported as one
    line naming the plugin, the exception (first 200 characters, one line) and the
    innermost line of the plugin's code.

    Raises:
        ScenarioError: (key ``key``) the factory raised something else than a NetsimError.
    """
    try:
        return factory(*args)
    except NetsimError:
        raise
    except Exception as e:           # noqa: BLE001 - third-party code: any bug, one line
        tb = traceback.extract_tb(e.__traceback__)
        at = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name}" \
            if len(tb) > 1 else ""
        what = " ".join(f"{type(e).__name__}: {e}".split())
        what = what if len(what) <= 200 else what[:197] + "..."
        raise ScenarioError(key, f"names plugin {name!r}, whose factory raised {what}{at} "
                                 "(a bug of the plugin; run it in Python for the traceback)"
                            ) from None

