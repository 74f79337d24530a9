"""Links and transports from a resolved scenario's link tables.

The tables are ``[network.links]``, ``[network.up]`` and ``[network.down]``; scenario validation
itself is in :mod:`netsim.scenario`.

* :func:`link_spec` - one table (values as the user wrote them) -> :class:`LinkSpec`;
* :func:`peer_link_specs` - every directed link of a peer graph, with per-edge draws of
  distribution-valued keys and the edge file's columns;
* :func:`server_link_specs` - the star between N workers and the server N;
* :func:`make_network` - the FIFO :class:`Network` or the :class:`FairNetwork` (tcp: LV08).
"""

from __future__ import annotations

import math

from netsim.errors import ScenarioError, must

__all__ = ["HETERO_KEYS", "draw_link_values", "link_spec", "peer_link_specs",
           "server_link_specs", "make_network", "server_capacities", "peer_capacities"]

#: link keys that may be a distribution table, drawn once per undirected edge
HETERO_KEYS = ("bandwidth", "latency", "loss")


def draw_link_values(links, keys, streams, stream_name, where) -> dict:
    """One draw per key of ``keys`` from the named stream, as SI numbers.

    ``keys`` are distribution tables of ``links``; values in bit/s, s or probability.
    """
    from netsim.distributions import make_distribution

    if not keys:
        return {}
    rng = streams.generator(*stream_name)
    kinds = {"bandwidth": "rate", "latency": "time", "loss": None}
    out = {}
    for k in keys:
        dist = make_distribution(links[k], f"{where}.{k}", kind=kinds[k])
        x = float(dist.sample(rng))
        if k == "bandwidth" and not x > 0:
            raise must(f"{where}.bandwidth", "a distribution of rates > 0 (use min = ...)", x)
        if k == "loss" and not 0 <= x < 1:
            raise must(f"{where}.loss", "a distribution in [0, 1) (use max = ...)", x)
        out[k] = x
    return out


def link_spec(r: dict, where: str):
    """A :class:`~netsim.network.links.LinkSpec` from one resolved link table ``r``."""
    from netsim.distributions import make_distribution
    from netsim.network.links import LinkSpec
    from netsim.units import parse_quantity

    jitter = make_distribution(r["jitter"], f"{where}.jitter", kind="time")
    if jitter.is_constant and jitter.mean == 0:
        jitter = None
    b = r.get("burst")
    return LinkSpec(
        bandwidth=parse_quantity(r["bandwidth"], "rate", f"{where}.bandwidth"),
        latency=parse_quantity(r["latency"], "time", f"{where}.latency"),
        jitter=jitter, loss=float(r["loss"]), on_loss=r["on_loss"],
        timeout=None if r["timeout"] == "auto" else
        parse_quantity(r["timeout"], "time", f"{where}.timeout"),
        header_bits=int(r["header_bits"]),
        in_order=bool(r.get("in_order", False)),
        segment_loss=float(r.get("segment_loss", 0.0)),
        mss=parse_quantity(r.get("mss", "1460 B"), "size", f"{where}.mss"),
        burst=None if b is None else (float(b["p_gb"]), float(b["p_bg"]),
                                      float(b["loss_good"]), float(b["loss_bad"])),
        on_down=r.get("on_down", "hold"))


def _drawn(raw, streams, edge, where) -> dict:
    """``raw`` with its distribution-valued keys drawn for ``edge``."""
    hetero = [k for k in HETERO_KEYS if isinstance(raw[k], dict)]
    return {**raw, **draw_link_values(raw, hetero, streams, ("link-values", *edge), where)}


def peer_link_specs(graph, links: dict, streams) -> dict:
    """``{(u, v): LinkSpec}`` for both directions of every edge (one draw per edge)."""
    hetero = any(isinstance(links[k], dict) for k in HETERO_KEYS)
    default = None if hetero else link_spec(links, "network.links")
    specs = {}
    per_edge_keys = ("bandwidth", "latency", "jitter", "loss")
    for u, v, attrs in graph.edges(data=True):
        own = {k: attrs[k] for k in per_edge_keys if k in attrs and attrs[k] not in ("", None)}
        s = default
        if own or hetero:
            r = {**_drawn(links, streams, (u, v), "network.links"), **own}
            where = f"network.file (edge {u},{v})" if own else "network.links"
            s = link_spec(r, where)
            if not 0 <= s.loss < 1:
                raise must(f"{where} loss", "in [0, 1)", s.loss)
        specs[(u, v)] = s
        specs[(v, u)] = s
    return specs


def server_link_specs(net: dict, n: int, streams) -> dict:
    """``{(i, n): up, (n, i): down}`` for the workers 0..n-1 and the server n."""
    specs = {}
    for i in range(n):
        for side, e in (("up", (i, n)), ("down", (n, i))):
            specs[e] = link_spec(_drawn(net[side], streams, e, f"network.{side}"),
                                 f"network.{side}")
    return specs


def make_network(env, links_spec, streams, raw_links, uplink, downlink, record, where):
    """FIFO :class:`Network`, or :class:`FairNetwork` for sharing = "fair" (tcp: LV08)."""
    from netsim.network.transport import Network
    from netsim.units import parse_quantity

    if raw_links["sharing"] != "fair":
        return Network(env, links_spec, streams, uplink=uplink, record_messages=record)
    from netsim.network.fair import FairNetwork, TcpParams
    tcp = None
    if raw_links["model"] == "tcp":
        t = raw_links["tcp"]
        tcp = TcpParams(latency_factor=float(t["latency_factor"]),
                        bandwidth_factor=float(t["bandwidth_factor"]),
                        weight_s=parse_quantity(t["weight_s"], "size", f"{where}.tcp.weight_s"),
                        cross_traffic=float(t["cross_traffic"]),
                        gamma=parse_quantity(t["gamma"], "size", f"{where}.tcp.gamma"))
    return FairNetwork(env, links_spec, streams, uplink=uplink, record_messages=record,
                       downlink=downlink, tcp=tcp)


def server_capacities(net: dict, n: int) -> tuple[dict, dict]:
    """(sending, receiving) capacities of the workers and the server.

    Also checks that both directions use one sharing model.
    """
    from netsim.units import parse_quantity

    ru, rd = net["up"], net["down"]
    if (ru["sharing"], ru["model"]) != (rd["sharing"], rd["model"]):
        raise ScenarioError("network.down.sharing", "must match network.up (one sharing model "
                                                    f"per network); got {rd['sharing']!r}/"
                                                    f"{rd['model']!r} vs {ru['sharing']!r}/"
                                                    f"{ru['model']!r}")
    cap_up = parse_quantity(ru["uplink"], "rate", "network.up.uplink")
    cap_down = parse_quantity(rd["uplink"], "rate", "network.down.uplink")
    send = {**{i: cap_up for i in range(n)}, n: cap_down}
    recv_w = parse_quantity(rd["downlink"], "rate", "network.down.downlink")
    recv = {**{i: recv_w for i in range(n)},
            n: parse_quantity(ru["downlink"], "rate", "network.up.downlink")}
    return send, recv


def peer_capacities(links: dict, n: int) -> tuple[dict | None, dict | None]:
    """Per-node sending / receiving capacities of a peer network (None when unlimited)."""
    from netsim.units import parse_quantity

    up = parse_quantity(links["uplink"], "rate", "network.links.uplink")
    down = parse_quantity(links["downlink"], "rate", "network.links.downlink")
    return ({i: up for i in range(n)} if up != math.inf else None,
            {i: down for i in range(n)} if down != math.inf else None)
