"""The docs: every relative link points to a file of the repository, and the metrics page
defines every trace column."""

import pathlib
import re

import pytest

from netsim.monitor import TRACE_COLUMNS

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
#: a Markdown link or image: ](target) or ](target "title")
LINK = re.compile(r"\]\(\s*(?:<([^>]+)>|([^)\s]+))(?:\s+\"[^\"]*\")?\s*\)")
#: the server runner's extra trace columns (netsim/runners/server.py); a server run's trace
#: is checked to have them, and every column it has is checked to be on the metrics page
SERVER_COLUMNS = ("active", "staleness_mean", "staleness_max", "bits_without_scale",
                  "est_drift")
#: columns a Monitor adds for classifiers and for shared references
OPTIONAL_COLUMNS = ("accuracy", "ref_drift")


def relative_links(page: pathlib.Path):
    """The relative link targets of ``page`` (no URL, no pure #anchor), anchors removed."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for bracketed, plain in LINK.findall(text):
        target = bracketed or plain
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


def test_pages_found():
    assert ROOT / "docs" / "metrics.md" in PAGES
    assert ROOT / "docs" / "figures.md" in PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_into_the_repository(page):
    missing = []
    for target in relative_links(page):
        path = (page.parent / target).resolve()
        if not path.exists() or ROOT not in path.parents:
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_link_pattern_finds_images_and_pages(tmp_path):
    page = tmp_path / "p.md"
    page.write_text('![a](results/a.png) [b](b.md#x) [c](https://x.org/c.md) [d](#top)\n'
                    '[e](<f g.md> "t")\n```\n[h](not/a/link.md)\n```\n', encoding="utf-8")
    assert list(relative_links(page)) == ["results/a.png", "b.md", "f g.md"]


def server_trace_columns():
    """The columns of a (two-round, three-worker) QADMM run's trace."""
    import netsim
    from netsim.scenario import from_dict

    sc = from_dict({"name": "cols", "network": {"agents": 3},
                    "algorithm": {"name": "qadmm", "P": 2, "tau": 2},
                    "problem": {"kind": "lasso", "samples_per_agent": 5, "features": 3},
                    "stop": {"rounds": 2}})
    return list(netsim.run(sc).trace)


def test_metrics_page_defines_every_column():
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))
    server = server_trace_columns()
    assert set(SERVER_COLUMNS) <= set(server) and set(TRACE_COLUMNS) <= set(server)
    columns = (*TRACE_COLUMNS, *OPTIONAL_COLUMNS, *server)
    assert [c for c in columns if c not in defined] == []
