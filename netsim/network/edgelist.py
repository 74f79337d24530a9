"""Edge-list CSV files (``network.topology = "edges"``): the graph and its per-edge link values.

Used by :mod:`netsim.network.topology` (the ``edges`` family), which re-exports
:func:`read_edge_list` and :data:`EDGE_COLUMNS`.
"""

from __future__ import annotations

import csv
import math
import pathlib

import networkx as nx

from netsim.errors import ScenarioError

__all__ = ["EDGE_COLUMNS", "read_edge_list"]

#: extra per-edge columns an edge file may carry (applied to both directions)
EDGE_COLUMNS = ("bandwidth", "latency", "jitter", "loss")


def read_edge_list(path, n: int, key: str) -> nx.Graph:
    """Read an edge-list CSV file into a graph on nodes ``0..n-1``.

    ``u,v`` per line, an optional header line naming the columns
    (``u,v`` then any of :data:`EDGE_COLUMNS`), ``#`` comment lines, blank lines. Read with
    :mod:`netsim.textfiles` (byte-order mark, CRLF) and the standard :mod:`csv` module; empty
    cells at the end of a line (a trailing comma) are ignored. Per-edge values are checked
    here: bandwidth a rate > 0, latency and jitter finite times, loss in [0, 1).

    Args:
        path: the CSV file.
        n: number of agents (node ids must be in [0, n - 1]).
        key: the scenario key named by errors (``network.file``).

    Returns:
        The undirected graph; per-edge values as edge attributes in SI units.

    Raises:
        ScenarioError: naming ``key``, the file's path, the line and the bad cell; or a file
            with no edge.
    """
    from netsim.textfiles import cell, read_lines, where

    path = pathlib.Path(path)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    header = None
    for lineno, row in enumerate(csv.reader(read_lines(path, key, "edge-list file")), 1):
        row = [c.strip() for c in row]
        while row and row[-1] == "":
            row.pop()                            # trailing comma(s)
        at = where(path, lineno)
        if not row or row[0].startswith("#"):
            continue
        if header is None and not G.number_of_edges() and not row[0].lstrip("-").isdigit():
            header = row
            if len(header) < 2:
                raise ScenarioError(key, f"{at}: a header needs at least 'u,v'")
            for col in header[2:]:
                if col not in EDGE_COLUMNS:
                    raise ScenarioError(key, f"{at}: unknown column {col[:24]!r} "
                                             f"(allowed: {', '.join(EDGE_COLUMNS)})")
            continue
        if len(row) < 2:
            raise ScenarioError(key, f"{at}: must be 'u,v'; got {len(row)} field")
        try:
            u, v = int(row[0]), int(row[1])
        except ValueError:
            raise ScenarioError(key, f"{at}: node ids must be integers in [0, {n - 1}]; got "
                                     f"{cell(row[0])}, {cell(row[1])}") from None
        if not (0 <= u < n and 0 <= v < n):
            raise ScenarioError(key, f"{at}: node ids must be in [0, {n - 1}] "
                                     f"(network.agents = {n}); got {u}, {v}")
        if u == v:
            raise ScenarioError(key, f"{at}: self-loop {u},{v} not allowed")
        attrs = {}
        if header is not None:
            if len(row) > len(header):
                raise ScenarioError(key, f"{at}: must have at most {len(header)} columns "
                                         f"(the header's); got {len(row)}")
            for col, val in zip(header[2:], row[2:]):
                if val != "":
                    attrs[col] = _edge_value(col, val, f"{at} column {col}", key)
        elif len(row) > 2:
            raise ScenarioError(key, f"{at}: extra columns need a header line naming them "
                                     f"(u,v,{','.join(EDGE_COLUMNS)})")
        if G.has_edge(u, v):
            raise ScenarioError(key, f"{at}: duplicate edge {u},{v}")
        G.add_edge(u, v, **attrs)
    if not G.number_of_edges():
        raise ScenarioError(key, f"{str(path)!r}: must list at least one edge 'u,v'; got none")
    return G


def _edge_value(col: str, val: str, at: str, key: str) -> float:
    """One per-edge cell as an SI number (bit/s, s, probability), checked."""
    from netsim.textfiles import cell
    from netsim.units import parse_quantity

    allowed = {"bandwidth": "a rate > 0 like 10e6, '10 Mbit/s' or 'inf'",
               "latency": "a finite time >= 0 like 0.005 or '5 ms'",
               "jitter": "a finite time >= 0 like 0.001 or '1 ms'",
               "loss": "a probability in [0, 1)"}[col]
    try:
        if col == "loss":
            x = float(val)
            ok = 0.0 <= x < 1.0
        else:
            x = parse_quantity(val, "rate" if col == "bandwidth" else "time", key)
            ok = x > 0 if col == "bandwidth" else math.isfinite(x)
    except (ValueError, ScenarioError):
        ok = False
    if not ok:
        raise ScenarioError(key, f"{at}: must be {allowed}; got {cell(val)}")
    return x
