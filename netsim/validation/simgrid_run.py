"""Run a set of transfers in SimGrid and print their completion times (JSON on stdout).

Used by :mod:`netsim.validation.platforms` in a subprocess (SimGrid's engine can be created
once per process). Input (JSON on stdin)::

    {"model": "CM02" | "LV08", "crosstraffic": 0 | 1, "gamma": bytes,
     "hosts": [names], "links": {name: [bandwidth B/s, latency s]},
     "routes": {"src->dst": [link names]},
     "flows": [[src, dst, bytes, start time]]}
"""

import json
import os
import sys
import tempfile


def _platform(spec) -> str:
    out = ["<?xml version='1.0'?>",
           '<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">',
           '<platform version="4.1">', '<zone id="z" routing="Full">']
    out += [f'<host id="{h}" speed="1Gf"/>' for h in spec["hosts"]]
    for name, (bw, lat) in spec["links"].items():
        prof = spec.get("profiles", {}).get(name)
        extra = ""
        if prof:
            f = tempfile.NamedTemporaryFile("w", suffix=".profile", delete=False)
            f.write("\n".join(f"{t!r} {v!r}" for t, v in prof) + "\n")
            f.close()
            extra = f' bandwidth_file="{os.path.basename(f.name)}"'  # beside the platform
        out.append(f'<link id="{name}" bandwidth="{bw!r}Bps" latency="{lat!r}s"{extra}/>')
    for key, route in spec["routes"].items():
        src, dst = key.split("->")
        out.append(f'<route src="{src}" dst="{dst}" symmetrical="NO">'
                   + "".join(f'<link_ctn id="{lk}"/>' for lk in route) + "</route>")
    out += ["</zone>", "</platform>"]
    return "\n".join(out)


def main():
    """Read the JSON spec on stdin, run the transfers in SimGrid, print completion times."""
    spec = json.load(sys.stdin)
    from simgrid import Actor, Engine, Host, Mailbox, this_actor

    args = ["validation", f"--cfg=network/model:{spec['model']}",
            f"--cfg=network/crosstraffic:{spec['crosstraffic']}",
            f"--cfg=network/TCP-gamma:{spec['gamma']!r}",
            "--cfg=maxmin/precision:1e-13", "--cfg=surf/precision:1e-13",
            "--log=root.thres:critical"]
    e = Engine(args)
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(_platform(spec))
    e.load_platform(f.name)
    done = {}

    def sender(k, dst_mb, size, start):
        if start > 0:
            this_actor.sleep_for(start)
        Mailbox.by_name(dst_mb).put(k, int(size))

    def receiver(k, mb):
        Mailbox.by_name(mb).get()
        done[k] = Engine.clock

    for k, (src, dst, size, start) in enumerate(spec["flows"]):
        Actor.create(f"s{k}", Host.by_name(src), sender, k, f"mb{k}", size, start)
        Actor.create(f"r{k}", Host.by_name(dst), receiver, k, f"mb{k}")
    e.run()
    print(json.dumps([done[k] for k in range(len(spec["flows"]))]))


if __name__ == "__main__":
    main()
