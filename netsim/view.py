"""``netsim view``: one self-contained HTML file that plays a run on its graph, for teaching.

The page needs no server and makes no network request: the run's data (see
:mod:`netsim.viewdata`) is embedded as JSON, and the player (``view_assets/view.js``, plain
JavaScript drawing SVG) and its style sheet are inlined. Controls: play / pause, step one
event or one round (back and forth), a time slider, speed; the error curve below the graph
has a cursor that follows the clock (click it to jump).
"""

from __future__ import annotations

import html
import json
import math
import os
import pathlib
import tempfile
from importlib import resources

from netsim.errors import ScenarioError, shown

__all__ = ["write_view", "view_command", "render", "check_out"]

#: the page may run its own inline script and style, and load nothing at all
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def _asset(name: str) -> str:
    return resources.files("netsim").joinpath("view_assets", name).read_text(encoding="utf-8")


def render(data: dict) -> str:
    """The HTML page of ``data`` (a :func:`netsim.viewdata.load_run` dict)."""
    title = data["name"] + (f" [{data['label']}]" if data.get("label") else "")
    blob = json.dumps(data, separators=(",", ":"), allow_nan=False, default=_nan_free)
    blob = blob.replace("<", "\\u003c")       # no "</script>" or "<!--" inside the element
    rows = "\n".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                     for k, v in data["settings"])
    notes = "\n".join(f'<div class="note">{html.escape(s)}</div>' for s in data["notes"])
    server = '<div id="server-info"></div>' if data.get("server") else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>netsim view: {html.escape(title)}</title>
<style>
{_asset("view.css")}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="desc">{html.escape(data.get("description", ""))}</p>
{notes}
<div class="wrap">
<div class="left">
<div class="controls">
<button id="play" type="button" title="space">Play</button>
<button id="back-round" type="button" title="shift + left arrow">&#9664;&#9664; round</button>
<button id="back-event" type="button" title="left arrow">&#9664; event</button>
<button id="step-event" type="button" title="right arrow">event &#9654;</button>
<button id="step-round" type="button" title="shift + right arrow">round &#9654;&#9654;</button>
<label>speed <select id="speed">
<option value="0.05">0.05x</option><option value="0.1">0.1x</option>
<option value="0.25">0.25x</option><option value="0.5">0.5x</option>
<option value="1" selected>1x (run in 40 s)</option><option value="2">2x</option>
<option value="5">5x</option></select></label>
</div>
<input id="slider" type="range" min="0" max="10000" value="0" aria-label="simulated time">
<svg id="graph" viewBox="-1.3 -1.3 2.6 2.6" xmlns="http://www.w3.org/2000/svg"></svg>
<svg id="plot" viewBox="0 0 600 190" xmlns="http://www.w3.org/2000/svg"></svg>
</div>
<div class="right">
<div id="clock"></div>
{server}
<div class="legend" id="legend"><b>Legend</b></div>
<table class="settings">
{rows}
</table>
<p class="desc">Made by <code>netsim view</code>. Times are simulated seconds.</p>
</div>
</div>
<script type="application/json" id="netsim-data">{blob}</script>
<script>
{_asset("view.js")}
</script>
</body>
</html>
"""


def _nan_free(o):
    raise TypeError(f"not JSON: {o!r}")


def _clean_json(o):
    """NaN / inf -> None, recursively (JSON has neither)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean_json(v) for v in o]
    return o


def check_out(out) -> pathlib.Path:
    """Check ``--out`` before anything runs: a path ending in .html in an existing folder.

    Raises:
        ScenarioError: otherwise (naming ``--out``, the value and what is allowed).
    """
    p = pathlib.Path(out)
    if p.suffix.lower() not in (".html", ".htm"):
        raise ScenarioError("--out", f"must be a file name ending in .html; got {str(out)!r}")
    if p.is_dir():
        raise ScenarioError("--out", f"must be a file, not a folder; got {str(out)!r}")
    parent = p.parent if str(p.parent) else pathlib.Path(".")
    if not parent.is_dir():
        raise ScenarioError("--out", f"must be in an existing folder; got {str(out)!r} "
                                     f"({str(parent)!r} does not exist)")
    if not os.access(parent, os.W_OK):
        raise ScenarioError("--out", f"must be in a writable folder; got {str(out)!r}")
    return p


def write_view(data: dict, out) -> pathlib.Path:
    """Write the page of ``data`` to ``out`` atomically (a temporary file, then renamed)."""
    p = check_out(out)
    text = render(_clean_json(data))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".html", dir=p.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)                   # mkstemp's 0600 would hide the page from others
        os.replace(tmp, p)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
    return p


def view_command(source, out=None, overrides=None, variant=None) -> tuple[pathlib.Path, str]:
    """``netsim view``: a run folder, or a scenario file, to an HTML page.

    A scenario file is run first, with messages and iterates recorded (in a temporary folder).

    Args:
        source: a run folder or a scenario file.
        out: the HTML path (default ``<name>.html`` in the working directory).
        overrides: scenario key overrides (``--set``), for a scenario file.
        variant: the label of the ``[[variant]]`` to show (default: the first).

    Returns:
        (the page's path, a one-line description of what it shows).

    Raises:
        ScenarioError: bad source, scenario, variant or ``--out``.
    """
    from netsim.viewdata import load_run

    src = pathlib.Path(source)
    if out is not None:
        check_out(out)
    if src.is_dir():
        if overrides or variant:
            raise ScenarioError("--set" if overrides else "--variant",
                                "only applies to a scenario file, not to a run folder")
        data = load_run(src)
    elif src.is_file():
        from netsim.scenario import load
        from netsim.simulate import run

        sc = load(src, overrides or {})
        variants = sc.variants()
        if variant is not None:
            pick = [v for v in variants if v.label == variant]
            if not pick:
                raise ScenarioError("--variant", f"must be one of {[v.label for v in variants]}"
                                                 f"; got {shown(variant)}")
            v = pick[0]
        else:
            v = variants[0]
        v = v.with_overrides({"output.messages": True, "output.iterates": True,
                              "output.plots": False})
        res = run(v)
        with tempfile.TemporaryDirectory(prefix="netsim-view-") as tmp:
            data = load_run(res.write(tmp), base_dir=sc.base_dir)
    else:
        raise ScenarioError("SCENARIO_OR_RUN", f"must be a run folder or a scenario file; "
                                               f"got {str(source)!r} (no such file or folder)")
    if out is None:
        out = f"{data['name']}.html"
    path = write_view(data, out)
    what = (f"{data['name']}" + (f" [{data['label']}]" if data.get("label") else "")
            + f": {data['n']} agents, {len(data['messages']['ts'])} messages, "
            f"{data['t_end']:.6g} s simulated")
    return path, what
