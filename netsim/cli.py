"""Command line: ``netsim run | sweep | plot | animate | view | validate | list | schema``.

User mistakes (bad scenario keys, values, files) end with exit code 2 and one line on
stderr naming the key, the value and what is allowed; never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from netsim.cli_output import _cmd_animate, _cmd_list, _cmd_plot, _cmd_schema, _cmd_view
from netsim.cli_run import _cmd_run, _cmd_sweep, _cmd_validate
from netsim.errors import NetsimError, ScenarioError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from netsim.version import __version__

    p = argparse.ArgumentParser(prog="netsim", description=(
        "Discrete-event network simulator for communication-efficient distributed "
        "optimization."))
    p.add_argument("--version", action="version", version=f"netsim {__version__}")
    p.add_argument("--traceback", action="store_true",
                   help="on an error, also print Python's traceback (for plugin authors)")
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
    v.add_argument("--all", action="store_true",
                   help="build every sweep point (default: the first 1000)")
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
        if args.traceback:
            import traceback
            traceback.print_exception(e)
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
