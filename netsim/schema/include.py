"""``include``: a scenario table taken from another file (placeholder, see apply_includes)."""

from __future__ import annotations

__all__ = ["apply_includes"]


def apply_includes(data: dict, base, src: str) -> list:
    """Replace included tables in ``data`` (in place); returns the included files."""
    return []
