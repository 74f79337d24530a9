"""The plugins a scenario uses: their fingerprints for ``summary.json`` and the run id.

Apart from :mod:`netsim.plugins` because it reads every built-in registry (algorithms,
compressors, problems, topologies), which themselves load plugins through that module.
"""

from __future__ import annotations

from netsim.plugins import fingerprint

__all__ = ["used_by"]


def used_by(data: dict) -> dict[str, str]:
    """The plugins a resolved scenario names: dotted key -> :func:`~netsim.plugins.fingerprint`.

    Only names that are not built-ins and are installed as entry points; empty for built-in
    runs.
    """
    from netsim.algorithms.registry import ALGORITHMS
    from netsim.compression.registry import COMPRESSORS
    from netsim.network.topology import TOPOLOGIES
    from netsim.problems import KINDS

    alg = data.get("algorithm") or {}
    comp = alg.get("compressor") if isinstance(alg.get("compressor"), dict) else {}
    named = [("algorithms", "algorithm.name", alg.get("name"), ALGORITHMS),
             ("compressors", "algorithm.compressor.name", comp.get("name"), COMPRESSORS),
             ("problems", "problem.kind", (data.get("problem") or {}).get("kind"),
              {*KINDS, "mlp"}),
             ("topologies", "network.topology", (data.get("network") or {}).get("topology"),
              TOPOLOGIES)]
    out = {}
    for kind, key, name, builtins in named:
        if isinstance(name, str) and name not in builtins:
            fp = fingerprint(kind, name)
            if fp is not None:
                out[key] = fp
    return out
