"""Writing TOML: every TOML file netsim writes goes through :func:`dump_toml` (tomli-w).

Reading is the standard ``tomllib`` (``tomli`` before Python 3.11). Run ids do not depend on
this writer: they hash :func:`netsim.idtext.canonical_text`.
"""

from __future__ import annotations

import numpy as np
import tomli_w

__all__ = ["dump_toml"]


def _plain(v):
    """``v`` with numpy scalars as Python numbers and tuples as lists (what tomli-w takes)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def dump_toml(data: dict) -> str:
    """Serialize nested dicts to a TOML document that ``tomllib.loads`` reads back to ``data``.

    Tables become ``[sections]``, lists of tables (``variant``) ``[[arrays of tables]]``;
    floats keep their shortest exact text (``inf`` and ``nan`` included), integers stay
    integers.

    Args:
        data: nested dicts of bools, numbers (Python or numpy scalars), strings and lists.

    Returns:
        The TOML text.

    Raises:
        TypeError: a value TOML cannot hold (e.g. None).
    """
    return tomli_w.dumps(_plain(data))
