"""Third-party algorithms, compressors and problems, through installed entry points.

A package registers objects under the entry-point groups of :data:`GROUPS`, e.g. in its
``pyproject.toml``::

    [project.entry-points."netsim.algorithms"]
    extra = "netsim_extra:EXTRA"          # an AlgorithmInfo

    [project.entry-points."netsim.compressors"]
    sign = "my_pkg:make_sign"             # make(spec: dict, dim: int, key: str) -> Compressor

    [project.entry-points."netsim.problems"]
    huber = "my_pkg:make_huber"           # make(spec, n_agents, streams, base_dir, key) -> Problem

An entry point is loaded lazily, only when a scenario names it (``algorithm.name``,
``algorithm.compressor.name``, ``problem.kind``), and only from the installed distributions'
metadata: a scenario can never name a path or carry code. Built-in names take precedence. A
plugin that fails to import, or loads something of the wrong type, is a one-line
:class:`~netsim.errors.ScenarioError` naming the key, the entry point and the cause.
``netsim list`` shows the installed entry points without loading them.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from netsim.errors import ScenarioError

__all__ = ["GROUPS", "available", "load"]

#: kind -> entry-point group
GROUPS = {"algorithms": "netsim.algorithms", "compressors": "netsim.compressors",
          "problems": "netsim.problems"}


def available(kind: str) -> dict[str, str]:
    """Installed entry points of ``kind`` (a key of :data:`GROUPS`): name -> "module:attr"
    (metadata only: nothing is imported).
    """
    return {ep.name: ep.value for ep in entry_points(group=GROUPS[kind])}


def load(kind: str, name: str, key: str, check=None):
    """The object the installed entry point ``name`` of ``kind`` refers to, or None if there
    is none.

    Args:
        kind: "algorithms", "compressors" or "problems".
        name: the entry point's name (as the scenario gives it).
        key: the scenario key, for error messages.
        check: ``check(obj) -> str | None``: what is wrong with the loaded object.

    Raises:
        ScenarioError: the plugin failed to load, or ``check`` rejected it.
    """
    eps = [ep for ep in entry_points(group=GROUPS[kind]) if ep.name == name]
    if not eps:
        return None
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
