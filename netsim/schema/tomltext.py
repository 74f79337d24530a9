"""Scenario TOML text -> plain data: line ends, TOML errors and nesting depth, named by file.

Used by :mod:`netsim.schema.loader` (which re-exports :func:`parse_toml` and
:data:`MAX_DEPTH`) and :mod:`netsim.schema.include` (included files).
"""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

from netsim.errors import ScenarioError

__all__ = ["MAX_DEPTH", "parse_toml"]

#: deepest nesting of tables and arrays a scenario may use (real ones use 4)
MAX_DEPTH = 32


def parse_toml(text: str, src: str) -> dict:
    """Parse scenario text (any line ends) and refuse too deep nesting.

    Raises:
        ScenarioError: invalid TOML (with its line and column) or nesting deeper than
            :data:`MAX_DEPTH`, naming ``src``.
    """
    if "\r" in text:           # CR-only line ends (old Mac editors): TOML knows LF and CRLF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError("", f"is not valid TOML: {e}", src) from None
    except RecursionError:
        raise ScenarioError("", f"is not a usable scenario: values nested deeper than Python "
                                f"can parse (at most {MAX_DEPTH} levels are used)", src) from None
    _check_depth(data, src)
    return data


def _check_depth(data, src) -> None:
    """Refuse values nested deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError("", f"must nest tables and arrays at most {MAX_DEPTH} levels "
                                    f"deep; got deeper", src)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
