"""The points of a sweep: the grid of ``[sweep]`` x ``[[variant]]`` x seeds, expanded lazily.

``[sweep]`` maps dotted keys to lists of values (their Cartesian product) and may hold
``seeds = [...]``; every ``[[variant]]`` is crossed with the grid. Each point is a complete
scenario (the base with the variant and the point's values applied, re-validated) named by
its run id (:func:`netsim.results.run_id`).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from netsim.errors import ScenarioError, must, shown
from netsim.scenario import Scenario, apply_overrides, from_dict

__all__ = ["Point", "grid", "count_points", "iter_points", "expand"]


@dataclass(frozen=True)
class Point:
    """One run of a sweep.

    Attributes:
        run_id: folder name (label slug + hash of the resolved scenario and its input files).
        label: the variant label ("" without variants).
        values: ``{dotted key: value}`` of the grid point, ``seed`` included.
        scenario: the resolved scenario of this point (None if it is invalid).
        index: position in sweep order (variants, then grid, then seeds).
        error: the one-line error of an invalid point, else None.
    """

    run_id: str
    label: str
    values: dict
    scenario: Scenario | None
    index: int = 0
    error: str | None = None


def grid(scenario: Scenario):
    """(keys, seeds, variants) of ``scenario``'s sweep, checked."""
    sweep = dict(scenario.data.get("sweep") or {})
    for k in sweep:
        if k == "name" or k.startswith("output.") or k.startswith("sweep."):
            raise must(f'sweep."{k}"' if "." in k else f"sweep.{k}",
                       "a scenario key that changes a run (name, output.* and sweep.* name "
                       "where the runs go or how they are swept: one value per sweep)", k)
    seeds = sweep.pop("seeds", [scenario.data["seed"]])
    if not isinstance(seeds, list) or not seeds:
        raise must("sweep.seeds", "a non-empty list of integers >= 0", seeds)
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise must("sweep.seeds", "a list of integers >= 0", s)
    return list(sweep), sweep, seeds, scenario.variants()


def count_points(scenario: Scenario) -> int:
    """Number of points of the sweep (variants x grid x seeds), without expanding it
    (points that resolve to the same run are counted each time).
    """
    keys, sweep, seeds, variants = grid(scenario)
    return len(variants) * math.prod(len(sweep[k]) for k in keys) * len(seeds)


def iter_points(scenario: Scenario, strict: bool = True,
                cache: dict | None = None) -> Iterator[Point]:
    """The points of ``scenario``'s sweep, one at a time, in sweep order, each run id once.

    Args:
        scenario: the scenario holding ``[sweep]`` / ``[[variant]]``.
        strict: raise on an invalid point (else yield it with ``error`` set and
            ``scenario`` None).
        cache: file-digest cache for :func:`netsim.results.run_id`.

    Raises:
        ScenarioError: the sweep itself is malformed; with ``strict``, an invalid point
            (naming its values).
    """
    from netsim.results import run_id

    keys, sweep, seeds, variants = grid(scenario)
    cache = {} if cache is None else cache
    seen = set()
    index = 0
    for variant in variants:
        base = variant.raw if variant.raw is not None else variant.data
        for combo in itertools.product(*(sweep[k] for k in keys)):
            for seed in seeds:
                raw = copy.deepcopy(base)
                raw.pop("sweep", None)
                raw.pop("variant", None)
                values = dict(zip(keys, combo))
                try:
                    apply_overrides(raw, {**values, "seed": seed})
                    sc = from_dict(raw, scenario.source, scenario.base_dir)
                except ScenarioError as e:
                    where = ", ".join(f"{k}={shown(v)}" for k, v in values.items())
                    err = ScenarioError("sweep", f"point {where} "
                                        f"[{variant.label or 'base'}]: {e}")
                    if strict:
                        raise err from None
                    tag = hashlib.sha256(f"{variant.label}|{where}|{seed}".encode())
                    rid = f"invalid-{tag.hexdigest()[:10]}"
                    if rid not in seen:
                        seen.add(rid)
                        yield Point(rid, variant.label, {**values, "seed": seed}, None,
                                    index, str(err))
                        index += 1
                    continue
                sc = Scenario(sc.data, sc.source, sc.base_dir, variant.label, sc.raw,
                              includes=scenario.includes)
                rid = run_id(sc, cache)
                if rid in seen:
                    continue                     # the same run twice (e.g. a no-op key)
                seen.add(rid)
                yield Point(rid, variant.label, {**values, "seed": seed}, sc, index)
                index += 1


def expand(scenario: Scenario) -> tuple[list[Point], list[str]]:
    """All points of ``scenario``'s sweep (variants x grid x seeds) and the swept keys
    (a list: for small sweeps and tests; :func:`run_sweep` iterates lazily).

    Raises:
        ScenarioError: the sweep is malformed or a point is invalid (naming it).
    """
    keys = grid(scenario)[0]
    return list(iter_points(scenario)), keys


