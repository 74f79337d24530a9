"""Command line: ``netsim run | validate | list``.

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
    from netsim.scenario import load
    from netsim.simulate import run

    sc = load(args.file, _overrides(args.set))
    if "sweep" in sc.data:
        print("netsim: note: [sweep] is ignored by `netsim run` (one point is run)",
              file=sys.stderr)
    for variant in sc.variants():
        res = run(variant, progress=not args.quiet)
        folder = res.write(args.out)
        s = res.summary
        tgt = s["target"]
        extra = ""
        if tgt["value"] is not None:
            op = ">=" if tgt["metric"] == "accuracy" else "<="
            extra = (f", target {tgt['metric']} {op} {tgt['value']:g} "
                     + (f"at round {tgt['round']}" if tgt["reached"] else "not reached"))
        label = f" [{variant.label}]" if variant.label else ""
        shown = "accuracy" if variant.data["problem"]["kind"] == "mlp" else (
            tgt["metric"] if tgt["value"] is not None else "rel_err")
        print(f"{sc.name}{label}: ended by {s['end']} after {s['rounds']} rounds, "
              f"{s['time']:.6g} s simulated, {s['bits']:.4g} bits, "
              f"{shown} {s['final'][shown]:.4g}{extra} -> {folder}")
    return 0


def _cmd_validate(args) -> int:
    from netsim.scenario import load
    from netsim.simulate import build

    sc = load(args.file, _overrides(args.set))
    for variant in sc.variants():
        sim = build(variant)
        label = f" [{variant.label}]" if variant.label else ""
        d = variant.data
        where = (f"a server and {sim.problem.n_agents} agents (star)"
                 if hasattr(sim.runner, "server") else
                 f"{d['network']['topology']} ({sim.problem.n_agents} agents, "
                 f"{sim.graph.number_of_edges()} edges)")
        print(f"{args.file}{label}: ok — {d['algorithm']['name']} on {where}, "
              f"{d['problem']['kind']} dim {sim.problem.dim}")
    if sc.data.get("description"):
        print(sc.data["description"])
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
    r.set_defaults(func=_cmd_run)
    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("file")
    v.add_argument("--set", action="append", metavar="KEY=VALUE")
    v.set_defaults(func=_cmd_validate)
    li = sub.add_parser("list", help="list algorithms, compressors, topologies or problems")
    li.add_argument("what", nargs="?", default="all",
                    choices=["algorithms", "compressors", "topologies", "problems", "all"])
    li.set_defaults(func=_cmd_list)
    return p


def main(argv=None) -> int:
    """Entry point of the ``netsim`` console script."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as e:
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
