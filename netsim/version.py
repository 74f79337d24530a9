"""The package's version (pyproject.toml): ``netsim.__version__`` and the files netsim writes."""

from __future__ import annotations

from importlib import metadata as _metadata

__all__ = ["__version__"]

try:  # the one version is the package's (pyproject.toml)
    __version__ = _metadata.version("netsim")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"
