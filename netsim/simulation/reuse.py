"""Problem set-up reused across the runs of one process (sweep workers).

Building a problem generates or loads its data, partitions it and computes the reference
optimum; the local factorizations the algorithms need are cached on the problem's agents as
they are first used. A sweep over algorithm or network keys repeats all of that for every
point although the problem is the same, so a sweep worker keeps the last few problems it
built (:class:`ProblemCache`) and hands the same object to every run with the same data.

Reuse never changes a result: a problem is a function of the ``[problem]`` table, the number
of agents, the seed (its streams) and the content of its data file, which form the key, and
what runs leave on it are caches of values computed from its data (factorizations, the
stacked data, the last scores), the same whether computed now or by an earlier run. Problems
of third-party kinds (``netsim.problems`` entry points) are never reused: their factories
are not known to be pure.
"""

from __future__ import annotations

import collections
import hashlib
import json
import pathlib

__all__ = ["ProblemCache"]


class ProblemCache:
    """The last problems built in this process, by key (least recently used first out).

    Args:
        max_entries: problems kept at most.
        max_bytes: data bytes kept at most (a larger problem is built and not kept).
    """

    def __init__(self, max_entries: int = 4, max_bytes: int = 256 * 2 ** 20):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._kept: collections.OrderedDict = collections.OrderedDict()
        self.hits = self.misses = 0

    def problem(self, scenario, make):
        """The problem of ``scenario`` (a resolved Scenario): the kept one with its key, else
        ``make()`` (kept when its data file did not change while it was built).
        """
        key = _key(scenario)
        if key is not None and key in self._kept:
            self._kept.move_to_end(key)
            self.hits += 1
            return self._kept[key][0]
        self.misses += 1
        problem = make()
        size = _nbytes(problem)
        if key is None or size > self.max_bytes or key != _key(scenario):
            return problem                       # not reusable, too large, or edited
        self._kept[key] = (problem, size)
        while (len(self._kept) > self.max_entries
               or sum(n for _, n in self._kept.values()) > self.max_bytes):
            self._kept.popitem(last=False)
        return problem

    def clear(self) -> None:
        """Forget every kept problem (their memory is freed once no run holds them)."""
        self._kept.clear()


def _key(scenario):
    """What a problem is a function of, as one hashable value; None: not reusable."""
    from netsim.problems import KINDS

    d = scenario.data
    spec = d["problem"]
    if spec.get("kind") not in KINDS and spec.get("kind") != "mlp":
        return None                              # a plugin problem kind
    files = []
    data = spec.get("data")
    if isinstance(data, str) and data.endswith(".npz"):
        path = (pathlib.Path(scenario.base_dir) / data).resolve()
        try:
            files.append(hashlib.sha256(path.read_bytes()).hexdigest())
        except OSError:
            return None                          # the build reports the error
    return (json.dumps(spec, sort_keys=True, default=repr), d["network"]["agents"],
            d["seed"], str(pathlib.Path(scenario.base_dir).resolve()), tuple(files))


def _nbytes(problem) -> int:
    """Bytes of the problem's data arrays (what keeping it costs, roughly)."""
    return sum(getattr(getattr(a, k, None), "nbytes", 0)
               for a in problem.agents for k in ("A", "b", "X", "y"))
