"""Code structure: small modules (STYLE: no module over ~400 lines)."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAX_LINES = 400


def _line_counts():
    return {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in sorted((ROOT / "netsim").rglob("*.py"))}


def test_no_netsim_module_over_400_lines():
    counts = _line_counts()
    assert len(counts) > 50                     # the walk found the package
    over = {p: n for p, n in counts.items() if n > MAX_LINES}
    assert over == {}
