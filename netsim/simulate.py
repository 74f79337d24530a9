"""The public entry point of one run: ``run(scenario) -> Result`` (``netsim.run``).

It resolves the scenario (overrides, the variant), checks the engine (the parameter, else
the ``NETSIM_ENGINE`` environment variable; "auto" and "batched" name the one engine) and
decides the memory budget (``NETSIM_MEMORY_GB``): the one place that reads them, then builds
(:mod:`netsim.simulation.build`), simulates (:mod:`netsim.simulation.loop`) and summarises
(:mod:`netsim.simulation.summary`).
"""

from __future__ import annotations

import os
import time as _time

from netsim.errors import ScenarioError, shown
from netsim.scenario import Scenario, load
from netsim.simulation.build import ENGINES, Simulation
from netsim.simulation.build import build as _build_simulation
from netsim.simulation.loop import run_loop, single_threaded_blas
from netsim.simulation.summary import Result, make_result

__all__ = ["Result", "Simulation", "ENGINES", "build", "run", "run_variants",
           "scenario_with", "engine_from_env", "memory_from_env"]

#: environment variable naming the engine when ``engine`` is not given (kept for scripts that
#: set it: "auto" or "batched"; "reference" is an error saying where that engine went)
ENGINE_ENV = "NETSIM_ENGINE"


def engine_from_env() -> str:
    """The engine asked for by ``NETSIM_ENGINE`` ("auto" when unset); checked by
    :func:`build`. The only place netsim reads this variable.
    """
    return os.environ.get(ENGINE_ENV, "auto")


def build(scenario, *args, **kw) -> Simulation:
    """:func:`netsim.simulation.build.build` (same arguments), with an error about a scenario
    key naming the file the key came from (an included file and its line, see
    :meth:`netsim.scenario.Scenario.attribute`).

    Raises:
        ScenarioError: as ``build`` does, attributed to the key's file.
    """
    try:
        return _build_simulation(scenario, *args, **kw)
    except ScenarioError as e:
        raise scenario.attribute(e) from None


def memory_from_env() -> float | None:
    """The memory budget in bytes that ``NETSIM_MEMORY_GB`` sets (None when unset: the default).

    Passed to :func:`build` by :func:`run` and ``netsim validate``; the only place netsim reads
    this variable.

    Raises:
        ScenarioError: ``NETSIM_MEMORY_GB`` is not a number of gigabytes > 0.
    """
    from netsim.budget import ENV, parse_budget

    return parse_budget(os.environ.get(ENV))


def run(scenario, *, variant: str | None = None, progress: bool = False,
        engine: str | None = None, cache=None, **overrides) -> Result:
    """Run one scenario (a :class:`Scenario` or a path) and return its :class:`Result`.

    Args:
        scenario: a Scenario or a path to a TOML file.
        variant: the label of the ``[[variant]]`` to run, for a file that has some
            (:func:`run_variants` runs them all, as ``netsim run`` does).
        progress: show a tqdm bar (after 2 s) on stderr.
        engine: the peer-round engine, one of :data:`ENGINES` (both the batched engine);
            None: ``NETSIM_ENGINE`` or "auto".
        cache: a :class:`netsim.simulation.reuse.ProblemCache` whose problems this run may
            reuse (sweep workers; the results are the same).
        **overrides: dotted keys given as ``algorithm__tau=5`` or ``**{"algorithm.tau": 5}``.

    Raises:
        ScenarioError: a bad scenario or engine, or ``variant`` missing (the file has
            variants) or not one of its labels.
    """
    from tqdm.auto import tqdm

    from netsim.units import parse_quantity

    scenario = _one_variant(scenario_with(scenario, overrides), variant)
    engine = engine_from_env() if engine is None else engine
    memory = memory_from_env()
    budget = {} if memory is None else {"memory": memory}   # unset: build's default budget
    stall = scenario.data["stop"]["stall"]
    stall = None if stall == "auto" else parse_quantity(stall, "time", "stop.stall")
    bar = tqdm(total=scenario.data["stop"]["rounds"], delay=2.0, unit="round",
               desc=scenario.name + (f" [{scenario.label}]" if scenario.label else ""),
               disable=not progress, leave=False)
    wall = _time.perf_counter()
    blas = None
    try:
        blas = single_threaded_blas()
        sim = build(scenario, progress=bar if progress else None, engine=engine, cache=cache,
                    **budget)
        run_loop(sim, stall)
        runtime = _time.perf_counter() - wall
    except ScenarioError as e:     # a model's duration beyond the clock...: its file, variant
        raise scenario.attribute(e) from None
    except Exception as e:
        from netsim.plugin_errors import blame
        err = blame(e, scenario.data)       # a plugin's bug: one line naming the plugin
        if err is None:
            raise
        raise err from e
    finally:
        bar.close()
        if blas is not None:
            blas.restore_original_limits()
    return make_result(scenario, sim, runtime)


def run_variants(scenario, *, progress: bool = False, engine: str | None = None,
                 **overrides) -> list[Result]:
    """Run every ``[[variant]]`` of a scenario (or the scenario itself if it has none), as
    ``netsim run`` does; one :class:`Result` per variant, in file order.
    """
    return [run(v, progress=progress, engine=engine)
            for v in scenario_with(scenario, overrides).variants()]


def scenario_with(scenario, overrides: dict) -> Scenario:
    """``scenario`` (a :class:`Scenario` or a path) with dotted-key ``overrides`` applied;
    keys may be written ``algorithm__tau`` (keyword arguments) or ``algorithm.tau``.
    """
    over = {k.replace("__", "."): v for k, v in overrides.items()}
    if not isinstance(scenario, Scenario):
        return load(scenario, over)
    return scenario.with_overrides(over) if over else scenario


def _one_variant(scenario: Scenario, variant: str | None) -> Scenario:
    """The scenario to run: itself, or its ``[[variant]]`` labelled ``variant``."""
    labels = [v.get("label") for v in scenario.data.get("variant") or []]
    if not labels:
        if variant is not None:
            raise ScenarioError("variant", f"must be None: {scenario.name!r} has no "
                                           f"[[variant]]; got {shown(variant)}")
        return scenario
    if variant is None:
        raise ScenarioError("variant", f"must name one of the {len(labels)} [[variant]]s of "
                            f"{scenario.name!r} ({', '.join(map(repr, labels))}): netsim.run "
                            "runs one run; netsim.run_variants runs them all, as `netsim run` "
                            "does")
    for v in scenario.variants():
        if v.label == variant:
            return v
    raise ScenarioError("variant", f"must be one of {', '.join(map(repr, labels))}; "
                                   f"got {shown(variant)}")
