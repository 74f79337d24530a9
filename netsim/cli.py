"""Command line: ``netsim run | sweep | plot | animate | view | validate | list | schema``.

User mistakes (bad scenario keys, values, files) end with exit code 2 and one line on
stderr naming the key, the value and what is allowed; never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from netsim.errors import NetsimError, ScenarioError

__all__ = ["main"]


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
    """Check everything ``netsim run`` and ``netsim sweep`` would: every variant and every
    sweep point is resolved and built (topology, data, edge lists, profiles, x0 files, the
    memory budget), nothing is simulated and the reference optimum is not solved. Warnings
    are shown once each.
    """
    import warnings

    from netsim.problems.problem import without_optimum
    from netsim.scenario import load
    from netsim.simulate import build
    from netsim.sweeps import expand

    sc = load(args.file, _overrides(args.set))
    if "sweep" in sc.data:
        points = [(p.scenario, ", ".join(f"{k}={v!r}" for k, v in p.values.items()))
                  for p in expand(sc)[0]]
    else:
        points = [(v, "") for v in sc.variants()]
    seen, shown, lines = set(), set(), []
    for variant, where_ in points:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with without_optimum():      # checks only: x* is not solved
                    sim = build(variant)
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
    if "sweep" in sc.data:
        print(f"{args.file}: all {len(points)} sweep points ok")
    if sc.data.get("description"):
        print(sc.data["description"])
    return 0


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


def _cmd_plot(args) -> int:
    from netsim.plots import plot_command
    out = plot_command(args.results, x=args.x, y=args.y, sensitivity=args.sensitivity,
                       pareto=args.pareto, out=args.out, log=args.log, ylim=args.ylim,
                       where=args.where)
    print(f"wrote {out}")
    return 0


def _cmd_animate(args) -> int:
    from netsim.animate import animate
    from netsim.scenario import load

    sc = load(args.file, _overrides(args.set))
    out = animate(sc, args.out, rounds=args.rounds, fps=args.fps)
    print(f"wrote {out}")
    return 0


def _cmd_view(args) -> int:
    from netsim.view import view_command

    out, what = view_command(args.source, args.out, _overrides(args.set), args.variant)
    print(f"wrote {out} ({what})")
    return 0


def _cmd_list(args) -> int:
    what = args.what
    rows = []
    if what in ("algorithms", "all"):
        from netsim.algorithms.registry import list_algorithms
        rows.append(("algorithms", list_algorithms()))
    if what in ("compressors", "all"):
        from netsim.compression.registry import list_compressors
        rows.append(("compressors", list_compressors()))
    if what in ("topologies", "all"):
        from netsim.network.topology import list_topologies
        rows.append(("topologies", list_topologies()))
    if what in ("problems", "all"):
        from netsim.problems import list_problems
        rows.append(("problems", list_problems()))
    for title, items in rows:
        print(f"{title}:")
        width = max(len(n) for n, _ in items)
        for name, doc in items:
            print(f"  {name:<{width}}  {doc}")
    return 0


def _cmd_schema(args) -> int:
    """Print the scenario JSON Schema (or, with --markdown, docs/scenario.md's key tables)."""
    import json
    import pathlib

    if args.update and not args.markdown:
        raise ScenarioError("--update", "needs --markdown (it rewrites the key tables of a "
                                        f"documentation file); got {args.update!r}")
    if args.out and not pathlib.Path(args.out).parent.is_dir():
        raise ScenarioError("--out", "must be a file in an existing folder; got "
                                     f"{args.out!r}")
    if args.markdown:
        from netsim.schema.markdown import key_reference, update_doc
        if args.update:
            from netsim.textfiles import read_text
            text = update_doc(read_text(args.update, "", "documentation file"))
            args.out = args.out or args.update
        else:
            text = key_reference()
    else:
        from netsim.schema.jsonschema import scenario_schema
        text = json.dumps(scenario_schema(plugins=not args.builtin), indent=2,
                          ensure_ascii=False) + "\n"
    if args.out:
        from netsim.results import atomic_file
        with atomic_file(args.out) as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _parser() -> argparse.ArgumentParser:
    from netsim import __version__

    p = argparse.ArgumentParser(prog="netsim", description=(
        "Discrete-event network simulator for communication-efficient distributed "
        "optimization."))
    p.add_argument("--version", action="version", version=f"netsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario file and write its results")
    r.add_argument("file")
    r.add_argument("--out", help="results folder (default: output.dir of the scenario)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set algorithm.tau=10 (repeatable)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.add_argument("--progress", action="store_true",
                    help="show the progress bar even when stderr is not a terminal")
    r.set_defaults(func=_cmd_run)
    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("file")
    v.add_argument("--set", action="append", metavar="KEY=VALUE")
    v.set_defaults(func=_cmd_validate)
    sw = sub.add_parser("sweep", help="run every point of a scenario's [sweep] x [[variant]]s")
    sw.add_argument("file")
    sw.add_argument("--out", help="results folder (default: output.dir of the scenario)")
    sw.add_argument("--set", action="append", metavar="KEY=VALUE")
    sw.add_argument("--executor", default="processes", choices=["processes", "serial", "dask"])
    sw.add_argument("--workers", type=int, default=None,
                    help="parallel runs (default: all cores)")
    sw.add_argument("--scheduler", default=None, metavar="tcp://host:port",
                    help="with --executor dask: join this cluster instead of a LocalCluster")
    sw.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sw.add_argument("--progress", action="store_true",
                    help="show the progress bar even when stderr is not a terminal")
    sw.set_defaults(func=_cmd_sweep)
    pl = sub.add_parser("plot", help="overlay runs / sweeps, sensitivity or Pareto views")
    pl.add_argument("results", nargs="+", help="run folders, sweep folders or runs.csv files")
    pl.add_argument("--x", default="time", choices=["time", "bits", "rounds", "gradients"])
    pl.add_argument("--y", default=None, help="trace column (default: the stop metric)")
    pl.add_argument("--sensitivity", metavar="KEY", default=None,
                    help="plot a runs.csv metric (--y, default target_time) against a swept key")
    pl.add_argument("--pareto", action="store_true",
                    help="time to target vs bits to target, one point per run")
    pl.add_argument("--out", default=None,
                    help="the figure: .png, .pdf or .svg (default: PNG next to the results)")
    pl.add_argument("--log", default="auto", choices=["auto", "x", "y", "xy", "none"],
                    help="log axes (auto: by the quantities)")
    pl.add_argument("--ylim", nargs=2, type=float, metavar=("LOW", "HIGH"), default=None,
                    help="y-axis limits (default: fitted to the runs that did not diverge)")
    pl.add_argument("--where", action="append", metavar="KEY=VALUE", default=None,
                    help="only runs whose scenario has KEY=VALUE (repeatable)")
    pl.set_defaults(func=_cmd_plot)
    an = sub.add_parser("animate", help="write a GIF of a small run")
    an.add_argument("file")
    an.add_argument("--out", default=None, help="GIF path (default: <name>.gif)")
    an.add_argument("--set", action="append", metavar="KEY=VALUE")
    an.add_argument("--rounds", type=int, default=20, help="rounds to animate")
    an.add_argument("--fps", type=int, default=8)
    an.set_defaults(func=_cmd_animate)
    vw = sub.add_parser("view", help="write a self-contained HTML page that plays a run "
                                     "(teaching view)")
    vw.add_argument("source", metavar="SCENARIO_OR_RUN",
                    help="a scenario file (run first, messages recorded) or a run folder "
                         "written with output.messages = true")
    vw.add_argument("--out", default=None, help="HTML path (default: <name>.html)")
    vw.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a scenario key (scenario files only; repeatable)")
    vw.add_argument("--variant", default=None, metavar="LABEL",
                    help="the [[variant]] to show (default: the first)")
    vw.set_defaults(func=_cmd_view)
    sc = sub.add_parser("schema", help="print the scenario files' JSON Schema (draft 2020-12) "
                                       "for editors (Taplo / Even Better TOML)")
    sc.add_argument("--builtin", action="store_true",
                    help="only built-in algorithms and compressors (no installed plugins)")
    sc.add_argument("--markdown", action="store_true",
                    help="print docs/scenario.md's key tables instead (built-ins only)")
    sc.add_argument("--update", default=None, metavar="FILE",
                    help="with --markdown: rewrite the generated blocks of FILE "
                         "(docs/scenario.md) in place")
    sc.add_argument("--out", default=None, help="write to this file instead of stdout")
    sc.set_defaults(func=_cmd_schema)
    li = sub.add_parser("list", help="list algorithms, compressors, topologies or problems")
    li.add_argument("what", nargs="?", default="all",
                    choices=["algorithms", "compressors", "topologies", "problems", "all"])
    li.set_defaults(func=_cmd_list)
    return p


def main(argv=None) -> int:
    """Entry point of the ``netsim`` console script."""
    args = _parser().parse_args(argv)
    import warnings

    from netsim.guards import StabilityWarning

    def show(message, category, *rest, **kw):
        prefix = "warning" if issubclass(category, StabilityWarning) else category.__name__
        print(f"netsim: {prefix}: {message}", file=sys.stderr)
    warnings.showwarning = show
    warnings.simplefilter("always", StabilityWarning)      # every run's warnings, every time
    try:
        return args.func(args)
    except ScenarioError as e:
        f = getattr(args, "file", None)
        if f and not e.source and e.key[:1].islower():   # a scenario key: name its file
            e = e.with_source(str(f))
        print(f"netsim: error: {e}", file=sys.stderr)
        return 2
    except NetsimError as e:
        print(f"netsim: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:                 # `netsim list | head`: the reader left, not an error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def console() -> int:
    """Entry point of the ``netsim`` console script and ``python -m netsim``.

    SIGTERM (``kill PID``) stops a command the way Ctrl-C does (a sweep writes ``runs.csv``;
    exit status 130). Once the command has ended, SIGINT and SIGTERM are ignored: a signal
    that arrives while the process exits (pools and clusters shutting down, the interpreter
    finalizing, when Python handlers no longer run and a thread started earlier would take
    the default action) does not change a status that the command's output already reported.
    SIGKILL still ends a process that hangs there.
    """
    import signal
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = main()
    except KeyboardInterrupt:               # arrived between main's own handlers
        code = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # process-wide, kept through finalization
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console())
