"""docs/scenario.md's key tables, generated from the models (``netsim schema --markdown``).

Each table sits between ``<!-- BEGIN generated: <section> -->`` and ``<!-- END generated -->``
in docs/scenario.md; :func:`update_doc` rewrites those blocks and leaves the prose around
them alone (``netsim schema --markdown --update docs/scenario.md``). The defaults and the
"allowed" column come from the models and their JSON Schema, the meanings from
:mod:`netsim.schema.descriptions`; only built-in algorithms and compressors are listed (the
same text with or without plugins installed), so a test can regenerate and diff.
"""

from __future__ import annotations

import re

__all__ = ["SECTIONS", "section", "key_reference", "update_doc"]

_BEGIN = re.compile(r"<!-- BEGIN generated: ([a-z.]+) -->\n.*?<!-- END generated -->", re.S)


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def allowed(schema: dict) -> str:
    """A short text of what a JSON Schema accepts ("integer >= 1", "time, `inf`")."""
    if not schema:
        return "see meaning"
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    if "anyOf" in schema:
        parts, dist, quantity, auto = [], False, "", False
        for s in schema["anyOf"]:
            title = s.get("title", "")
            if s.get("properties", {}).get("dist"):
                dist = True
            elif s.get("const") == "auto":
                auto = True
            elif title.endswith(" with a unit"):
                quantity += ", `inf`" if "inf" in s["pattern"] else ""
            elif title.endswith((" in s", " in bit/s", " in bit")):
                quantity = title.split()[0] + quantity
                if "exclusiveMinimum" in s:
                    quantity += " > 0"
                if s.get("maximum", 1e308) < 1e300:
                    quantity += f" <= {_num(s['maximum'])} {title.rsplit(' ', 1)[1]}"
            else:
                parts.append(allowed(s))
        text = ", ".join(p for p in (quantity, *parts) if p) + (", `auto`" if auto else "")
        return text + (", or a distribution table" if dist else "")
    t = schema.get("type")
    if t == "boolean":
        return "`true` \\| `false`"
    if t == "string":
        return "text" + (f" ({schema['pattern']})" if "pattern" in schema else "")
    if t in ("integer", "number"):
        lo = schema.get("minimum", schema.get("exclusiveMinimum"))
        hi = schema.get("maximum", schema.get("exclusiveMaximum"))
        what = "even integer" if schema.get("multipleOf") == 2 else \
            ("integer" if t == "integer" else "number")
        if hi is not None and hi > 1e300:
            hi = None
        if lo is not None and lo < -1e300:
            lo = None
        if lo is None and hi is None:
            return what
        if hi is None:
            return f"{what} {'>' if 'exclusiveMinimum' in schema else '>='} {_num(lo)}"
        lb = "(" if "exclusiveMinimum" in schema else "["
        rb = ")" if "exclusiveMaximum" in schema else "]"
        return f"{what} in {lb}{_num('-inf' if lo is None else lo)}, {_num(hi)}{rb}"
    if t == "array":
        return "array"
    if t == "object":
        return "table"
    return "see meaning"


def _cell(text: str) -> str:
    """Text safe in a markdown table cell (a "|" would end the cell)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def _default(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return f"`{'true' if v else 'false'}`"
    if isinstance(v, str):
        return f'`"{v}"`'
    if isinstance(v, float):
        return f"`{v!r}`"
    return f"`{v}`"


def _rows(model, table: str, keys=None, prefix: str = "") -> list[str]:
    from netsim.schema.descriptions import DEFAULT_TEXT, KEYS

    props = model.model_json_schema()["properties"]
    rows = []
    for name, field in model.model_fields.items():
        if keys is not None and name not in keys:
            continue
        meaning, ext = KEYS[table][prefix + name]
        default = DEFAULT_TEXT.get(table, {}).get(prefix + name)
        if default is None:
            d = field.get_default(call_default_factory=True)
            default = _default(d if not hasattr(d, "model_dump") else None)
        key = f"`{prefix}{name}`" + (" *(ext)*" if ext else "")
        rows.append(f"| {key} | {default} | {allowed(_strip(props[name]))} | {meaning} |")
    return rows


def _strip(s: dict) -> dict:
    s = {k: v for k, v in s.items() if k not in ("default", "title", "description")}
    if "$ref" in s or "allOf" in s:
        return {"type": "object"}
    if "anyOf" in s and any(x.get("type") == "null" for x in s["anyOf"]):
        rest = [x for x in s["anyOf"] if x.get("type") != "null"]
        s = rest[0] if len(rest) == 1 else {"anyOf": rest}
    return s


_HEAD = "| key | default | allowed | meaning |\n|---|---|---|---|\n"


def _top():
    from netsim.schema.root import json_schema_model
    return _HEAD + "\n".join(_rows(json_schema_model(False), "top",
                                   ("name", "description", "seed")))


def _network():
    from netsim.network.topology import TOPOLOGIES
    from netsim.schema.descriptions import DEFAULT_TEXT, KEYS
    from netsim.schema.registry_models import _TOPOLOGY_PARAM, _TOPOLOGY_SCHEMAS, network_model

    rows = _rows(network_model("ring", False), "network", ("agents", "include"))
    names = " \\| ".join(f"`{t}`" for t in TOPOLOGIES)
    meaning, ext = KEYS["network"]["topology"]
    rows.insert(0, f"| `topology` | `\"ring\"` | {names} | {meaning} |")
    seen = {}
    for t, topo in TOPOLOGIES.items():
        for p, d in topo.params.items():
            seen.setdefault(p, []).append((t, d))
    for p, uses in seen.items():
        meaning, ext = KEYS["network"][p]
        default = DEFAULT_TEXT["network"].get(p) or ", ".join(
            f"{_default(d)} ({t})" if len(uses) > 1 else _default(d) for t, d in uses)
        def schema(t, p=p):
            return _TOPOLOGY_PARAM.get(t, {}).get(p) or _TOPOLOGY_SCHEMAS.get(p, {})
        if len(uses) > 1:
            what = "; ".join(f"{t}: {allowed(schema(t))}" for t, _ in uses)
        else:
            what = allowed(schema(uses[0][0]))
        key = f"`{p}`" + (" *(ext)*" if ext else "")
        rows.append(f"| {key} | {default} | {what} | {meaning} |")
    return _HEAD + "\n".join(rows)


def _model_table(model_name: str, table: str):
    def make():
        from netsim.schema import tables
        return _HEAD + "\n".join(_rows(getattr(tables, model_name), table))
    return make


def _compute():
    from netsim.schema.tables import Compute, Stragglers
    rows = _rows(Compute, "compute", ("gradient_time", "solve_time", "heterogeneity", "noise",
                                      "server_time", "include"))
    rows += _rows(Stragglers, "compute", None, "stragglers.")
    return _HEAD + "\n".join(rows)


def _problem():
    from netsim.schema.registry_models import problem_model
    return _HEAD + "\n".join(_rows(problem_model(), "problem"))


def _algorithm():
    from netsim.algorithms.registry import ALGORITHMS
    from netsim.schema.registry_models import algorithm_model
    model = algorithm_model(ALGORITHMS["lt-admm-vr"], ("none",))
    rows = _rows(model, "algorithm", ("x0", "batch", "wait"))
    names = " \\| ".join(f"`{a}`" for a in ALGORITHMS)
    meaning, _ = __import__("netsim.schema.descriptions", fromlist=["KEYS"]).KEYS[
        "algorithm"]["name"]
    rows.insert(0, f"| `name` | `\"lt-admm-vr\"` | {names} | {meaning} |")
    return _HEAD + "\n".join(rows)


def _algorithm_params():
    from netsim.algorithms.registry import ALGORITHMS
    from netsim.schema.registry_models import param_schema

    out = ["| algorithm | parameter | default | allowed | meaning |",
           "|---|---|---|---|---|"]
    for name, info in ALGORITHMS.items():
        for p, par in info.params.items():
            out.append(f"| `{name}` | `{p}` | {_default(par.default)} | "
                       f"{allowed(param_schema(par.check))} | {_cell(par.doc)} |")
        if not info.params:
            out.append(f"| `{name}` | — | | | |")
    return "\n".join(out)


def _compressors():
    from netsim.compression.registry import COMPRESSORS
    from netsim.schema.registry_models import _COMPRESSOR_FIELDS

    out = ["| name | parameters (default) | bits per message, meaning |", "|---|---|---|"]
    for name, (defaults, doc) in COMPRESSORS.items():
        ps = ", ".join(f"`{k}` ({'—' if v is None else v}; {allowed(_COMPRESSOR_FIELDS[k])})"
                       for k, v in defaults.items())
        out.append(f"| `{name}` | {ps} | {_cell(doc)} |")
    return "\n".join(out)


#: section id -> generator of its table
SECTIONS = {
    "top": _top, "network": _network, "network.links": _model_table("Links", "network.links"),
    "network.links.tcp": _model_table("Tcp", "network.links.tcp"),
    "network.links.burst": _model_table("Burst", "network.links.burst"),
    "compute": _compute, "problem": _problem, "algorithm": _algorithm,
    "algorithm.params": _algorithm_params, "algorithm.compressor": _compressors,
    "stop": _model_table("Stop", "stop"), "output": _model_table("Output", "output"),
}


def section(name: str) -> str:
    """The generated table of one section (see :data:`SECTIONS`)."""
    return SECTIONS[name]()


def key_reference() -> str:
    """Every generated table, each under a ``### <section>`` heading (markdown)."""
    return "\n\n".join(f"### {name}\n\n{section(name)}" for name in SECTIONS) + "\n"


def update_doc(text: str) -> str:
    """``text`` (docs/scenario.md) with every generated block rewritten.

    A block is ``<!-- BEGIN generated: SECTION -->`` ... ``<!-- END generated -->``, SECTION
    one of :data:`SECTIONS`.

    Raises:
        ScenarioError: (key ``--update``) the text has no block, a BEGIN line without its END,
            or a block names an unknown section.
    """
    from netsim.errors import ScenarioError

    how = ("a documentation file with generated key tables ('<!-- BEGIN generated: SECTION "
           "-->' ... '<!-- END generated -->')")
    begins = re.findall(r"<!-- BEGIN generated: ([^ ]*) -->", text)
    blocks = _BEGIN.findall(text)
    if not begins:
        raise ScenarioError("--update", f"must name {how}; the file has none (nothing to "
                                        "update)")
    if len(blocks) != len(begins):
        raise ScenarioError("--update", f"must name {how}; a BEGIN line has no END line after "
                                        "it")
    for name in blocks:
        if name not in SECTIONS:
            raise ScenarioError("--update", f"must name generated sections among "
                                            f"{', '.join(SECTIONS)}; got {name!r}")

    def repl(m):
        return (f"<!-- BEGIN generated: {m.group(1)} -->\n{section(m.group(1))}\n"
                f"<!-- END generated -->")
    return _BEGIN.sub(repl, text)
