"""pydantic's ValidationError -> netsim's one-line :class:`~netsim.errors.ScenarioError`.

An error raised by netsim's own checks (type ``netsim``, see :func:`netsim.schema.fields.fail`)
keeps its message; its key is the error's location as a dotted key (``network.links.loss``,
``variant[1].label``) plus the sub-key the check named. pydantic's own errors (a table that is
not a table, a missing tag) are phrased the same way: ``<key> must be <constraint>; got
<value>``. Of several errors the first in file order is reported, an unknown key first (the
order the hand-written checks used).
"""

from __future__ import annotations

from pydantic import ValidationError

from netsim.errors import ScenarioError

__all__ = ["dotted", "to_scenario_error"]


def dotted(loc) -> str:
    """``("variant", 1, "label")`` -> ``"variant[1].label"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _join(key: str, sub: str) -> str:
    if not sub:
        return key
    if sub[0] in ".[":
        return (key + sub).lstrip(".")
    return f"{key}.{sub}" if key else sub


_WHAT = {"model_type": "a table", "model_attributes_type": "a table", "dict_type": "a table",
         "list_type": "a list", "missing": "given", "literal_error": "the table's name"}


def to_scenario_error(err: ValidationError, prefix: str = "") -> ScenarioError:
    """The one-line error of the first problem in ``err``.

    Args:
        err: what pydantic raised.
        prefix: dotted key of the model that was validated ("" for the whole scenario).
    """
    errors = err.errors(include_url=False)
    first = errors[0]
    for e in errors:
        if e["type"] == "netsim" and e["ctx"]["message"].startswith("is not a known key"):
            first = e
            break
    key = _join(prefix, dotted(first["loc"]))
    if first["type"] == "netsim":
        ctx = first["ctx"]
        full = ctx["sub"] if ctx["absolute"] else _join(key, ctx["sub"])
        return ScenarioError(full, ctx["message"])
    if first["type"] == "extra_forbidden":
        return ScenarioError(key, "is not a known key")
    what = _WHAT.get(first["type"], first["msg"].lower())
    return ScenarioError(key, f"must be {what}; got {first.get('input')!r}")
