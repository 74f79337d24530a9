"""Provenance of a run: what software, BLAS kernel, machine and command produced it.

Written to ``summary.json`` under the one key ``"provenance"`` (docs/faults.md
"Determinism"), so that a user can tell why two machines' results differ in the last bits.
It describes the process that ran and wrote the run, not the results: determinism
comparisons leave it out.
"""

from __future__ import annotations

import pathlib
import platform
import sys
from importlib import metadata

__all__ = ["TIME_RESOLUTION", "blas", "provenance"]

from netsim.simtime import TICK_S

#: simulated-time resolution in seconds: the engine's tick (:mod:`netsim.simtime`)
TIME_RESOLUTION = TICK_S

#: distributions whose versions are recorded (their arithmetic or event order shapes results)
PACKAGES = ("numpy", "scipy", "simpy", "networkx")

#: threadpoolctl fields recorded per BLAS library
BLAS_FIELDS = ("internal_api", "version", "architecture", "num_threads")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def blas() -> list[dict]:
    """The BLAS libraries loaded by numpy and scipy, as threadpoolctl reports them.

    Returns:
        One dict per library: ``file`` (its folder and file name, e.g.
        ``"numpy.libs/libscipy_openblas64_-….so"``, telling numpy's copy from scipy's) and
        :data:`BLAS_FIELDS` (``internal_api`` e.g. ``"openblas"``, ``architecture`` the kernel
        in use, e.g. ``"Haswell"``, ``num_threads`` the library's thread count in this
        process; every run itself limits BLAS to one thread). Empty when threadpoolctl is
        missing.
    """
    import numpy  # noqa: F401  (loads numpy's BLAS)
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS)

    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    libs = [{"file": "/".join(pathlib.Path(lib.get("filepath") or "").parts[-2:]),
             **{k: lib.get(k) for k in BLAS_FIELDS}}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return sorted(libs, key=lambda lib: lib["file"])


def provenance() -> dict:
    """The provenance block of ``summary.json``.

    Returns:
        ``netsim``, ``python`` and :data:`PACKAGES` versions (None when not installed),
        ``blas`` (see :func:`blas`), ``platform``, ``machine``, ``processor`` (the
        :mod:`platform` module's strings), ``command`` (``sys.argv`` of the process that ran
        the run) and ``time_resolution_s`` (:data:`TIME_RESOLUTION`, seconds).
    """
    from netsim.version import __version__

    return {
        "netsim": __version__,
        "python": platform.python_version(),
        **{p: _version(p) for p in PACKAGES},
        "blas": blas(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "command": list(sys.argv),
        "time_resolution_s": TIME_RESOLUTION,
    }
