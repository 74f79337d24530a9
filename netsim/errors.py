"""Exceptions raised by netsim.

Every error caused by user input is a :class:`ScenarioError` (or a subclass) whose
message is one line: ``<where>: <key> must be <constraint>; got <value!r>``.
The CLI prints that line and exits with code 2; it never shows a traceback for it.
"""

from __future__ import annotations

__all__ = ["NetsimError", "ScenarioError", "must", "shown"]


class NetsimError(Exception):
    """Base class of every exception netsim raises on purpose."""


class ScenarioError(NetsimError, ValueError):
    """Bad user input: a scenario key, a value, a data file.

    Args:
        key: dotted scenario key (``"network.links.bandwidth"``), or "" if none applies.
        message: what is wrong, phrased as ``must be <constraint>; got <value!r>``.
        source: the scenario file (or data file) the value came from, if known.
    """

    def __init__(self, key: str, message: str | None = None, source: str | None = None):
        if message is None:          # re-created from its one line (SimPy, pickling)
            key, message = "", key
        self.key = key
        self.message = message
        self.source = source
        super().__init__(self._line())

    def _line(self) -> str:
        where = f"{self.source}: " if self.source else ""
        what = f"{self.key} " if self.key else ""
        return f"{where}{what}{self.message}".replace("\n", " ")

    def with_source(self, source: str) -> "ScenarioError":
        """Return the same error, attributed to ``source`` (a file name)."""
        return ScenarioError(self.key, self.message, self.source or source)


def shown(value: object) -> str:
    """A value as an error message shows it.

    ``repr``, except TOML dates and times, shown as written in TOML (``2024-01-01``, not
    ``datetime.date(2024, 1, 1)``), also inside lists and tables.
    """
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):     # datetime is a date
        kind = ("date-time" if isinstance(value, datetime.datetime) else
                "date" if isinstance(value, datetime.date) else "time")
        return f"{value.isoformat()} (a TOML {kind})"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {shown(v)}" for k, v in value.items()) + "}"
    return repr(value)


def must(key: str, constraint: str, value: object) -> ScenarioError:
    """Build the standard error ``<key> must be <constraint>; got <value>``.

    The value is written as :func:`shown` writes it.
    """
    return ScenarioError(key, f"must be {constraint}; got {shown(value)}")
