"""``include``: a scenario's ``[network]`` or ``[compute]`` table taken from another file, so
one platform file serves many studies (SimGrid separates the platform from the experiment).

::

    # study.toml                          # platform.toml
    [network]                             [network]
    include = "platform.toml"             topology = "torus"
    agents = 16          # overrides      agents = 64
                                          [network.links]
                                          bandwidth = "100 Mbit/s"
                                          [compute]
                                          gradient_time = "20 us"

The included file is TOML holding the table of the same name (it may hold both tables; each
scenario table takes only its own). Keys written next to ``include`` override the included
ones (tables merge key by key, lists are replaced). The path is relative to the scenario's
folder; file paths inside the included table (an edge list, profile files) are relative to
the included file's folder. An included table cannot include again. The included file is one
of the run's inputs (:func:`netsim.results.inputs_read`): editing it changes the run id. An
error about an included value names the included file and the line of the key.
"""

from __future__ import annotations

import copy
import os
import pathlib
import re

from netsim.errors import ScenarioError, must

__all__ = ["INCLUDABLE", "Included", "apply_includes", "attribute"]

#: the tables that may be taken from another file
INCLUDABLE = ("network", "compute")


class Included:
    """One included table: its file, text and the keys the scenario did not override."""

    def __init__(self, table: str, path: pathlib.Path, text: str, own: dict, shown: str):
        self.table, self.path, self.text, self.own, self.shown = table, path, text, own, shown


def _rebase(table: str, data: dict, src_dir: pathlib.Path, base: pathlib.Path) -> None:
    """Make the file paths of an included table relative to the scenario's folder."""
    def fix(v):
        if not isinstance(v, str) or os.path.isabs(v):
            return v
        return os.path.relpath(src_dir / v, base)
    if table == "network" and data.get("topology") == "edges" and "file" in data:
        data["file"] = fix(data["file"])
    skip = ("links",) if table == "network" else ("agents",)
    for entry in data.get("profile", []) if isinstance(data.get("profile"), list) else []:
        if isinstance(entry, dict):
            for k, v in entry.items():
                if k not in skip:
                    entry[k] = fix(v)


def apply_includes(data: dict, base: pathlib.Path, src: str) -> list[Included]:
    """Replace each ``include`` of :data:`INCLUDABLE` tables by the included table merged
    with the scenario's own keys (``data`` is changed in place; ``include`` is removed: the
    resolved scenario holds the values, so its ``scenario.toml`` runs again as it is).

    Args:
        data: the parsed scenario.
        base: the scenario's folder (relative paths start there).
        src: the scenario file (for messages).

    Returns:
        the included tables.

    Raises:
        ScenarioError: ``include`` is not a path, the file is missing, unreadable or not TOML
            (its line named), has no such table, or includes again.
    """
    from netsim.schema.merge import deep_merge
    from netsim.schema.tomltext import parse_toml
    from netsim.textfiles import read_text

    out = []
    for table in INCLUDABLE:
        own = data.get(table)
        if not isinstance(own, dict) or "include" not in own:
            continue
        key = f"{table}.include"
        inc = own["include"]
        if not isinstance(inc, str) or not inc.strip():
            raise must(key, f"a path to a TOML file with a [{table}] table", inc).with_source(src)
        path = base / inc
        try:
            text = read_text(path, key, "included file")
        except ScenarioError as e:
            raise e.with_source(src) from None
        idata = parse_toml(text, str(pathlib.Path(src).parent / inc))
        got = idata.get(table)
        if not isinstance(got, dict):
            raise ScenarioError(key, f"must name a TOML file with a [{table}] table; "
                                     f"{inc!r} has none", src)
        if "include" in got:
            raise ScenarioError(key, f"names {inc!r}, whose [{table}] table includes again "
                                     f"(one level of include only)", src)
        merged = copy.deepcopy(got)
        _rebase(table, merged, path.resolve().parent, base)
        deep_merge(merged, {k: v for k, v in own.items() if k != "include"})
        data[table] = merged               # the merged values; ``include`` itself is used up
        data[table] = merged
        shown = str(pathlib.Path(src).parent / inc)
        out.append(Included(table, path, text, copy.deepcopy(own), shown))
    return out


def _has(tree, parts) -> bool:
    for p in parts:
        if not isinstance(tree, dict) or p not in tree:
            return False
        tree = tree[p]
    return True


def _line_of(text: str, parts: list[str]) -> int | None:
    """The line (1-based) that sets the dotted key ``parts`` in TOML ``text``: its
    ``key = `` line under the right table header, else the deepest table header found.
    """
    header: list[str] = []
    best = None
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        s = line.strip()
        h = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?(\s*#.*)?", s)
        if h:
            header = [p.strip().strip('"') for p in h.group(1).split(".")]
            if parts[:len(header)] == header:
                best = n
            continue
        m = re.match(r"([A-Za-z0-9_\-.\"' ]+?)\s*=", s)
        if m:
            k = [p.strip().strip('"') for p in m.group(1).split(".")]
            full = header + k
            if parts[:len(full)] == full:
                return n
    return best


def attribute(err: ScenarioError, includes: list[Included], src: str) -> ScenarioError:
    """``err`` pointing at the included file and line when its key came from there."""
    parts = re.sub(r"\[\d+\]", "", err.key).split(".") if err.key else []
    for inc in includes:
        if not parts or parts[0] != inc.table or _has(inc.own, parts[1:]):
            continue
        line = _line_of(inc.text, parts)
        at = f"{inc.shown} line {line}" if line else inc.shown
        return ScenarioError(err.key, err.message, f"{at} (included by {src})")
    return err
