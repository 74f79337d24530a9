"""Memory budget: estimate what a run will hold *before* allocating it.

A run that cannot fit is refused with one line naming the key, the size and the budget.

The budget is a parameter (``limit``, bytes) decided by the caller: ``NETSIM_MEMORY_GB``
(gigabytes, 1 GB = 1e9 bytes) if set, read at the edges (``netsim.run``, the CLI, sweep
workers: :func:`netsim.simulate.memory_from_env`, parsed by :func:`parse_budget`); without
one, :data:`DEFAULT_SHARE` of the memory this process may use (physical memory, or the cgroup
limit of a container if lower). Nothing here reads the environment.

The estimate is coarse by design (within a factor of about 2 of what the run holds, measured
in docs/scenario.md "Memory budget"); it exists to turn a ``MemoryError`` after minutes (or an
out-of-memory kill) into an immediate, explained refusal.

Parts of the estimate (bytes; N agents, d dimension, m rows per agent, E edges):

* data: 2 x N m (d + 1) x 8 (the rows, and a per-row table such as SAGA's);
* agents: N x (:data:`AGENT_BYTES` + 24 d x 8) (Python objects, SimPy processes, vectors);
* d x d matrices: exact local solves of least squares / lasso cache one per agent
  (N d^2 x 8), every run holds two for the reference solution;
* mixing matrix: gossip algorithms build the sparse Metropolis matrix ((N + 2E) x 12);
* links: E x :data:`EDGE_BYTES`;
* iterates (``output.iterates``): 2 x (rounds / every + 2) N d x 8 (kept, then stacked);
* messages (``output.messages``): rounds x 2E x :data:`MESSAGE_BYTES`.
"""

from __future__ import annotations

import math
import os

from netsim.errors import ScenarioError

__all__ = ["budget_bytes", "parse_budget", "estimate", "check", "check_bytes",
           "DEFAULT_SHARE", "ENV"]

#: environment variable giving the budget in GB (read by netsim.simulate.memory_from_env)
ENV = "NETSIM_MEMORY_GB"
#: share of the usable memory a run may plan to use when ``NETSIM_MEMORY_GB`` is not set
DEFAULT_SHARE = 0.5
#: measured bytes per agent besides its vectors (8-10 kB at d = 2 for admm, lt-admm-vr,
#: admm-server with 20 000 agents), rounded up
AGENT_BYTES = 12_000
#: measured bytes per undirected edge (graph, two link specs, counters): 3.1 kB on a
#: complete graph of 2000 agents
EDGE_BYTES = 3_300
#: bytes per logged message (a MessageRecord tuple and its floats)
MESSAGE_BYTES = 200

_EXACT_SOLVE = ("admm", "admm-server", "async-admm", "qadmm")
_GOSSIP = ("lead", "cedas", "cold", "dpdc", "choco-sgd", "dgd")
GB = 1e9


def _usable_memory() -> float:
    """Bytes this process may use: physical memory, or a lower cgroup (v2 / v1) limit."""
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):     # pragma: no cover - not POSIX
        phys = 8 * GB
    for f in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(f, encoding="ascii") as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < phys:
            phys = int(text)
    return float(phys)


def budget_bytes(limit: float | None = None) -> float:
    """The memory budget in bytes: ``limit`` if given, else DEFAULT_SHARE of the usable memory."""
    return DEFAULT_SHARE * _usable_memory() if limit is None else float(limit)


def parse_budget(raw: str | None) -> float | None:
    """The budget in bytes that ``NETSIM_MEMORY_GB``'s text ``raw`` (gigabytes) sets.

    Returns:
        Bytes, or None when ``raw`` is None or blank (the default budget).

    Raises:
        ScenarioError: ``raw`` is not a number > 0 (named ``NETSIM_MEMORY_GB``).
    """
    if raw is None or raw.strip() == "":
        return None
    try:
        gb = float(raw)
    except ValueError:
        gb = math.nan
    if not gb > 0 or not math.isfinite(gb):
        raise ScenarioError(ENV, f"must be a number of gigabytes > 0; got {raw!r}")
    return gb * GB


def _edges(net: dict, n: int, server: bool) -> float:
    """Expected number of undirected links of the resolved ``[network]`` table."""
    if server:
        return float(n)
    topo = net["topology"]
    if topo == "complete":
        return n * (n - 1) / 2
    if topo == "erdos_renyi":
        return float(net.get("p", 0.3)) * n * (n - 1) / 2 + n
    if topo == "random_geometric":
        r = float(net.get("radius", 0.4))
        return min(1.0, math.pi * r * r) * n * (n - 1) / 2 + n
    if topo == "small_world":
        return n * int(net.get("k", 4)) / 2
    if topo == "scale_free":
        return n * int(net.get("m", 2))
    return 2.0 * n          # ring, path, star, grid, torus; edges: bounded by its file's size


def estimate(d: dict, n: int, dim: int, rows: int, data_key: str | None = None,
             data_bytes: float | None = None) -> list:
    """The parts of a run's memory, largest first.

    Args:
        d: the resolved scenario data.
        n: agents.
        dim: model dimension (entries of x).
        rows: data rows per agent (the largest).
        data_key: the key to blame for the data part (default: the largest of agents,
            samples_per_agent and features).
        data_bytes: the data's size when it is known (loaded); else estimated.

    Returns:
        ``[(bytes, part, key, value)]`` sorted by decreasing bytes.
    """
    alg = d["algorithm"]["name"]
    kind = d["problem"]["kind"]
    server = alg in ("admm-server", "async-admm", "qadmm")
    if data_key is not None:                 # the largest factor is blamed
        big_key, big_val = data_key, d["problem"].get("data")
    else:
        big_val, big_key = max((n, "network.agents"), (rows, "problem.samples_per_agent"),
                               (dim, "problem.features"))
    data = 2.0 * n * rows * (dim + 1) * 8 if data_bytes is None else 2.0 * data_bytes
    dim_key = "problem.hidden" if kind == "mlp" else "problem.features"
    dim_val = d["problem"].get(dim_key.split(".")[-1])
    vectors = 24.0 * dim * 8                 # per agent: its vectors, or its fixed cost
    who = ("network.agents", n) if AGENT_BYTES >= vectors else (dim_key, dim_val)
    parts = [(data, "data", big_key, big_val),
             (n * (AGENT_BYTES + vectors), "agents' state", *who)]
    if kind != "mlp":                        # an mlp has no exact solve, no reference x*
        per_agent = n if (alg in _EXACT_SOLVE and kind in ("least_squares", "lasso")) else 0
        parts.append(((per_agent + 2.0) * dim * dim * 8, "dim x dim matrices",
                      "problem.features", d["problem"].get("features")))
    edges = _edges(d["network"], n, server)
    if alg in _GOSSIP:                       # CSR: value + column index per entry
        parts.append((12.0 * (n + 2 * edges), "mixing matrix", "network.agents", n))
    parts.append((edges * EDGE_BYTES, f"{edges:.3g} links", "network.topology",
                  d["network"]["topology"]))
    rounds, out = d["stop"]["rounds"], d["output"]
    if out["iterates"]:
        records = rounds // out["every"] + 2
        parts.append((2.0 * records * n * dim * 8, "iterates", "output.iterates", True))
    if out["messages"]:
        parts.append((rounds * 2.0 * edges * MESSAGE_BYTES, "message log", "output.messages",
                      True))
    return sorted(parts, key=lambda p: -p[0])


def check_bytes(need: float, key: str, value, what: str, limit: float | None = None) -> None:
    """Refuse an allocation of ``need`` bytes (``what``) above the budget, naming ``key``.

    ``limit``: the budget in bytes (None: the default, :func:`budget_bytes`).
    """
    budget = budget_bytes(limit)
    if need > budget:
        raise ScenarioError(key, f"= {_short(value)} needs about {need / GB:.3g} GB for {what}, "
                                 f"over the memory budget of {budget / GB:.3g} GB ({ENV}; "
                                 f"default {DEFAULT_SHARE:g} of this machine's memory)")


def check(d: dict, n: int, dim: int, rows: int, data_key: str | None = None,
          data_bytes: float | None = None, limit: float | None = None) -> None:
    """Refuse a run whose :func:`estimate` exceeds the budget (``limit`` bytes, None: default).

    The error names the key of the largest part, that part's size and the total.

    Raises:
        ScenarioError: ``<key> = <value> needs about X GB (...) over the memory budget``.
    """
    parts = estimate(d, n, dim, rows, data_key, data_bytes)
    total = sum(p[0] for p in parts)
    budget = budget_bytes(limit)
    if total > budget:
        size, part, key, value = parts[0]
        raise ScenarioError(key, f"= {_short(value)} needs about {total / GB:.3g} GB ({part}: "
                                 f"{size / GB:.3g} GB), over the memory budget of "
                                 f"{budget / GB:.3g} GB ({ENV}; default {DEFAULT_SHARE:g} of "
                                 f"this machine's memory)")


def _short(value) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"
