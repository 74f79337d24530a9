"""``netsim plot | animate | view | list | schema``: figures, views and listings.

Their argument parser and error handling are in :mod:`netsim.cli`.
"""

from __future__ import annotations

import sys

from netsim.cli_run import _overrides
from netsim.errors import ScenarioError


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
