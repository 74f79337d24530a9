"""The same platform and transfers in netsim and in SimGrid, and their completion times.

A :class:`Platform` is plain data: directed links (bandwidth in bit/s, latency in s), optional
per-node uplink / downlink capacities, and transfers ``(src, dst, bits, start)``. netsim runs
it on :class:`~netsim.network.fair.FairNetwork` (``fair`` or ``tcp``); SimGrid runs it with
the CM02 or LV08 model in a subprocess (SimGrid's engine exists once per process), each netsim
link becoming a SimGrid link of bandwidth/8 B/s, each uplink / downlink a zero-latency link
on the node's routes. :data:`PLATFORMS` are the cases of ``docs/validation.md``.
"""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys
from dataclasses import dataclass, field

__all__ = ["Platform", "PLATFORMS", "run_netsim", "run_simgrid", "simgrid_available"]

_RUNNER = pathlib.Path(__file__).with_name("simgrid_run.py")


@dataclass
class Platform:
    """A platform: links, capacities, transfers and bandwidth profiles.

    Links ``{(u, v): (bit/s, s)}``, capacities ``{node: bit/s}``, transfers ``[(src, dst, bits,
    start s)]``, bandwidth profiles ``{(u, v): [(date, bit/s)]}``.
    """

    name: str
    links: dict
    flows: list
    uplink: dict = field(default_factory=dict)
    downlink: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)     # {(u, v): [(date, bit/s)]} bandwidth


def _duplex(pairs):
    out = {}
    for (u, v), spec in pairs.items():
        out[(u, v)] = spec
        out[(v, u)] = spec
    return out


MB = 8e6      # bits in a megabyte
PLATFORMS = [
    Platform("one flow", _duplex({(0, 1): (1e6, 0.01)}), [(0, 1, 0.1 * MB, 0.0)]),
    Platform("5 concurrent flows", _duplex({(0, 1): (10e6, 0.005)}),
             [(0, 1, 0.2 * MB, 0.0)] * 5),
    Platform("staggered sizes", _duplex({(0, 1): (2e6, 0.002)}),
             [(0, 1, 0.01 * MB, 0.0), (0, 1, 0.05 * MB, 0.1), (0, 1, 0.1 * MB, 0.2),
              (0, 1, 0.2 * MB, 0.35), (0, 1, 0.02 * MB, 0.36)]),
    Platform("star, shared server uplink",
             _duplex({(4, i): (10e6, 0.001 * (i + 1)) for i in range(4)}),
             [(4, i, (0.05 + 0.05 * i) * MB, 0.01 * i) for i in range(4)]
             + [(i, 4, 0.08 * MB, 0.0) for i in range(4)],
             uplink={4: 8e6}),
    Platform("bandwidth profile", _duplex({(0, 1): (4e6, 0.002)}),
             [(0, 1, 0.2 * MB, 0.0), (0, 1, 0.1 * MB, 0.1), (0, 1, 0.05 * MB, 0.5)],
             profiles={(0, 1): [(0.0, 4e6), (0.15, 1e6), (0.4, 8e6), (0.7, 2e6)]}),
    Platform("dumbbell, two RTTs",
             _duplex({(0, 2): (100e6, 0.005), (1, 2): (100e6, 0.05)}),
             [(0, 2, 0.5 * MB, 0.0), (1, 2, 0.5 * MB, 0.0), (0, 2, 0.2 * MB, 0.3)],
             downlink={2: 10e6}),
]


def run_netsim(p: Platform, model: str) -> list[float]:
    """Completion times of ``p``'s transfers under ``fair`` or ``tcp``."""
    import simpy

    from netsim.network.fair import FairNetwork, TcpParams
    from netsim.network.links import LinkSpec
    from netsim.rng import Streams

    env = simpy.Environment()
    links = {e: LinkSpec(bandwidth=bw, latency=lat) for e, (bw, lat) in p.links.items()}
    net = FairNetwork(env, links, Streams(0), uplink=p.uplink, downlink=p.downlink,
                      tcp=TcpParams() if model == "tcp" else None)
    from netsim.simtime import STEP, Alarm, seconds, ticks

    done = [math.nan] * len(p.flows)
    for node in {n for e in p.links for n in e}:
        net.attach(node, lambda src, tag, k: done.__setitem__(k, seconds(env.now)))
    from netsim.network.profiles import Profile, drive
    for link, events in p.profiles.items():
        env.process(drive(env, Profile(tuple(events)),
                          lambda v, ln=link: net.set_bandwidth(ln, v)))
    for k, (src, dst, bits, start) in enumerate(p.flows):
        ev = Alarm(env, ticks(start), STEP)
        ev.callbacks.append(lambda _e, a=(src, dst, k, bits): net.send(a[0], a[1], a[2], a[3]))
    env.run()
    return done


def _spec(p: Platform, model: str) -> dict:
    nodes = sorted({n for e in p.links for n in e})
    links = {f"l{u}_{v}": [bw / 8, lat] for (u, v), (bw, lat) in p.links.items()}
    links.update({f"up{n}": [c / 8, 0.0] for n, c in p.uplink.items()})
    links.update({f"down{n}": [c / 8, 0.0] for n, c in p.downlink.items()})
    routes = {}
    for (u, v) in p.links:
        r = ([f"up{u}"] if u in p.uplink else []) + [f"l{u}_{v}"] \
            + ([f"down{v}"] if v in p.downlink else [])
        routes[f"h{u}->h{v}"] = r
    return {"model": "CM02" if model == "fair" else "LV08",
            "crosstraffic": 0 if model == "fair" else 1,
            "gamma": 1e30 if model == "fair" else 4194304.0,
            "hosts": [f"h{n}" for n in nodes], "links": links, "routes": routes,
            "flows": [[f"h{s}", f"h{d}", bits / 8, start] for s, d, bits, start in p.flows],
            "profiles": {f"l{u}_{v}": [[t, bw / 8] for t, bw in ev]
                         for (u, v), ev in p.profiles.items()}}


def run_simgrid(p: Platform, model: str, timeout: float = 120) -> list[float]:
    """Completion times of ``p``'s transfers in SimGrid (CM02 for ``fair``, LV08 for ``tcp``)."""
    out = subprocess.run([sys.executable, str(_RUNNER)], input=json.dumps(_spec(p, model)),
                         capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def simgrid_available() -> tuple[bool, str]:
    """(True, version) if SimGrid's Python bindings import, else (False, why)."""
    try:
        code = "import simgrid; print(simgrid.simgrid_version)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["unknown error"])[-1]
        return False, last
    return True, out.stdout.strip()
