"""``netsim run | validate | sweep``: the commands that build and simulate scenarios.

Their argument parser and error handling are in :mod:`netsim.cli`.
"""

from __future__ import annotations

import sys

from netsim.errors import ScenarioError
from netsim.errors import shown as shown_value


def _overrides(items) -> dict:
    from netsim.scenario import parse_override
    return dict(parse_override(s) for s in items or [])


def _cmd_run(args) -> int:
    from netsim.results import clean_stale_tmp
    from netsim.scenario import load
    from netsim.simulate import run

    sc = load(args.file, _overrides(args.set))
    if "sweep" in sc.data:
        print("netsim: note: [sweep] is ignored by `netsim run` (one point is run)",
              file=sys.stderr)
    for variant in sc.variants():
        res = run(variant, progress=_progress(args))
        folder = res.write(args.out)
        clean_stale_tmp(folder.parent)      # temporary folders of killed writers
        s = res.summary
        tgt = s["target"]
        extra = ""
        if tgt["value"] is not None:
            op = ">=" if tgt["metric"] == "accuracy" else "<="
            extra = (f", target {tgt['metric']} {op} {tgt['value']:g} "
                     + (f"at round {tgt['round']}" if tgt["reached"] else "not reached"))
        label = f" [{_printable(variant.label)}]" if variant.label else ""
        shown = "accuracy" if variant.data["problem"]["kind"] == "mlp" else (
            tgt["metric"] if tgt["value"] is not None else "rel_err")
        a = s.get("async") or {}
        if a and (a["time_end"] > s["time"] or a["bits_end"] > s["bits"]):
            extra += (f" (asynchronous rounds: the slowest agent's last round; agents went on "
                      f"to round {a['rounds_max']}, {a['time_end']:.6g} s, "
                      f"{a['bits_end']:.4g} bits)")
        print(f"{sc.name}{label}: ended by {s['end']} after {s['rounds']} rounds, "
              f"{s['time']:.6g} s simulated, {s['bits']:.4g} bits, "
              f"{shown} {s['final'][shown]:.4g}{extra} -> {folder}")
    return 0


def _cmd_validate(args) -> int:
    """Check everything ``netsim run`` and ``netsim sweep`` would, simulating nothing.

    Every variant and every sweep point is resolved and built (topology, data, edge lists,
    profiles, x0 files, the memory budget); the reference optimum is not solved. Warnings
    are shown once each.
    """
    import warnings

    from netsim.problems.problem import without_optimum
    from netsim.scenario import load
    from netsim.simulate import build, memory_from_env
    from netsim.sweeps.grid import count_points, iter_points

    sc = load(args.file, _overrides(args.set))
    limit = None if getattr(args, "all", False) else VALIDATE_POINTS
    if "sweep" in sc.data:
        total = count_points(sc)
        points = ((p.scenario, ", ".join(f"{k}={shown_value(v)}" for k, v in p.values.items()))
                  for p in iter_points(sc))   # lazily: a huge grid is not expanded at once
    else:
        points = ((v, "") for v in sc.variants())
    seen, shown, lines = set(), set(), []
    memory = memory_from_env()
    checked = 0
    for variant, where_ in points:
        if limit is not None and checked >= limit:
            break
        checked += 1
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with without_optimum():      # checks only: x* is not solved
                    sim = build(variant, memory=memory)
            except ScenarioError as e:
                if not where_:
                    raise
                raise ScenarioError("sweep", f"point {where_} [{variant.label or 'base'}]: "
                                             f"{e}") from None
        for w in caught:
            if str(w.message) not in shown:
                shown.add(str(w.message))
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
        label = f" [{_printable(variant.label)}]" if variant.label else ""
        if label in seen:
            continue                         # one line per variant; every point was built
        seen.add(label)
        d = variant.data
        where = (f"a server and {sim.problem.n_agents} agents (star)"
                 if hasattr(sim.runner, "server") else
                 f"{d['network']['topology']} ({sim.problem.n_agents} agents, "
                 f"{sim.graph.number_of_edges()} edges)")
        lines.append(f"{args.file}{label}: ok — {d['algorithm']['name']} on {where}, "
                     f"{d['problem']['kind']} dim {sim.problem.dim}")
    print("\n".join(lines))               # only once every point is known to be good
    if "sweep" in sc.data and limit is not None and checked >= limit and total > checked:
        print(f"{args.file}: the first {checked} sweep points ok, of {total}; the others are "
              f"checked when the sweep runs (an invalid point becomes an error row); "
              f"`netsim validate --all` builds every one")
    elif "sweep" in sc.data:
        print(f"{args.file}: all {checked} sweep points ok")
    if sc.data.get("description"):
        print(sc.data["description"])
    return 0


#: sweep points ``netsim validate`` builds without ``--all`` (a 10^6-point grid would take
#: hours: each point is resolved and built)
VALIDATE_POINTS = 1000


def _cmd_sweep(args) -> int:
    from netsim.scenario import load
    from netsim.sweeps import SweepInterrupted, run_sweep

    sc = load(args.file, _overrides(args.set))
    _check_workers(args.workers)
    _check_scheduler(args.scheduler, args.executor)
    out = args.out if args.out is not None else sc.data["output"]["dir"]
    try:
        root, counts = run_sweep(sc, out, executor=args.executor, workers=args.workers,
                                 scheduler=args.scheduler, progress=_progress(args))
    except SweepInterrupted as e:
        c = e.counts
        print(f"netsim: interrupted: {c['skipped'] + c['ran']} finished runs listed in "
              f"{e.root / 'runs.csv'}; run the same command again to resume",
              file=sys.stderr)
        return 130
    except OSError as e:
        if args.scheduler is None:
            raise
        why = str(e).splitlines()[0] if str(e) else repr(e)
        raise ScenarioError("--scheduler", f"must be the address of a running Dask scheduler; "
                                           f"got {args.scheduler!r} ({why})") from None
    print(f"{sc.name}: {counts['points']} runs ({counts['skipped']} already done, "
          f"{counts['ran']} run now, {counts['errors']} failed) -> {root / 'runs.csv'}")
    ends = counts.get("ends", {})
    order = ("target", "rounds", "time", "bits", "diverged", "stalled", "error")
    print("ended by: " + ", ".join(f"{k} {ends[k]}" for k in order if ends.get(k))
          + "".join(f", {k} {v}" for k, v in ends.items() if k not in order))
    for w, n in counts.get("warnings", {}).items():
        print(f"warning ({n} run{'s' * (n > 1)}): {w}")
    if counts["errors"]:
        print(f"netsim: {counts['errors']} runs failed: see the end and error columns of "
              f"{root / 'runs.csv'}", file=sys.stderr)
    return 1 if counts["errors"] else 0


def _printable(text: str) -> str:
    """``text`` for a terminal line: control characters (NUL, BEL, ESC, newlines) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _progress(args) -> bool:
    """A progress bar on a terminal (never in a log file or pipe, unless --progress)."""
    return args.progress or (not args.quiet and sys.stderr.isatty())


#: at most this many parallel runs per CPU (more only adds processes that wait)
WORKERS_PER_CPU = 4


def _check_workers(workers) -> None:
    """``--workers``: an integer in [1, WORKERS_PER_CPU x CPUs]."""
    import os

    most = WORKERS_PER_CPU * (os.cpu_count() or 1)
    if workers is not None and not 1 <= workers <= most:
        raise ScenarioError("--workers", f"must be an integer in [1, {most}] ({WORKERS_PER_CPU} "
                                         f"x the {os.cpu_count() or 1} CPUs of this machine); "
                                         f"got {workers}")


def _check_scheduler(address, executor) -> None:
    """``--scheduler``: ``<protocol>://<host>:<port>``, with ``--executor dask``."""
    import re

    if address is None:
        return
    if executor != "dask":
        raise ScenarioError("--scheduler", f"needs --executor dask; got --executor {executor}")
    m = re.fullmatch(r"(tcp|tls|ws|wss|ucx)://([^\s/:]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})", address)
    if not m or not 1 <= int(m.group(3)) <= 65535:
        raise ScenarioError("--scheduler", f"must be a Dask scheduler address like "
                                           f"tcp://host:8786; got {address!r}")
