"""pandas DataFrames of netsim's tables (pandas imported only when asked; netsim does not need it).

:func:`to_pandas` is ``netsim.to_pandas`` (re-exported by :mod:`netsim.tables`) and what
:meth:`netsim.simulate.Result.to_pandas` returns.
"""

from __future__ import annotations

__all__ = ["to_pandas"]


def to_pandas(table):
    """A pandas DataFrame of tidy rows or of columns.

    Rows: a list of dicts, e.g. :func:`netsim.tables.sweep`'s; columns: a dict of equal-length
    arrays, e.g. a trace.

    Raises:
        ImportError: pandas is not installed (``pip install pandas``; netsim itself does not
            need it).
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_pandas needs pandas: pip install pandas") from None
    return pd.DataFrame(table)
