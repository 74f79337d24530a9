"""Files and folders of results: atomic files, the folder lock, temporary folders of dead
writers, complete run folders, and the one-line :class:`ResultsError`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import pathlib
import re
import secrets
import shutil
import socket

from netsim.errors import NetsimError

__all__ = ["ResultsError", "TMP_PREFIX", "tmp_name", "os_error", "atomic_file",
           "folder_lock", "clean_stale_tmp", "is_complete"]

#: prefix of every temporary file or folder netsim writes in a results folder
TMP_PREFIX = ".tmp-"


class ResultsError(NetsimError):
    """Results could not be written (full disk, permissions, ...): one line, no traceback."""



def tmp_name(prefix: str = TMP_PREFIX) -> str:
    """A temporary name owned by this process on this host (``clean_stale_tmp`` spares it
    while the process lives).
    """
    return f"{prefix}{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def os_error(e: OSError, what) -> ResultsError:
    """The one-line :class:`ResultsError` for an OS error while writing ``what``."""
    reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else e.strerror
    code = errno.errorcode.get(e.errno, e.errno)
    return ResultsError(f"cannot write {str(what)!r}: {reason} ({code}); "
                        "finished runs are kept, nothing half-written is left")


@contextlib.contextmanager
def atomic_file(path):
    """Open ``path`` for writing text through a temporary file in the same folder, renamed
    over ``path`` on success and removed on any failure (readers see the old or the new file,
    never a part). The file follows the umask. An OS error is a :class:`ResultsError`.
    """
    path = pathlib.Path(path)
    tmp = path.parent / (tmp_name() + "-" + path.name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as e:
        _unlink(tmp)
        raise os_error(e, path) from None
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(p) -> None:
    with contextlib.suppress(OSError):
        os.unlink(p)


@contextlib.contextmanager
def folder_lock(folder):
    """Hold an exclusive ``fcntl.flock`` on the folder itself for the block: serializes the
    writers (processes, threads with their own open) of one results folder, and leaves no
    file behind.
    """
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                     # closing releases the lock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_tmp(folder) -> int:
    """Remove the temporary files and folders in ``folder`` left by dead writers on this
    host (a killed run); those of live writers (another sweep at work) are kept.

    Returns:
        The number removed.
    """
    host = socket.gethostname()
    removed = 0
    legacy = list(pathlib.Path(folder).glob(".runs-*.csv"))     # mkstemp names of old versions
    for p in legacy + list(pathlib.Path(folder).glob(TMP_PREFIX + "*")):
        m = re.match(re.escape(TMP_PREFIX) + r"(.*)-(\d+)-[0-9a-f]{8}(-|$)", p.name)
        if m and (m.group(1) != host or _pid_alive(int(m.group(2)))):
            continue                     # a live writer, or another host's: not ours to judge
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            _unlink(p)
        removed += 1
    return removed


def is_complete(folder) -> bool:
    """Whether ``folder`` holds a finished run: a readable, strict-JSON summary.json that is
    a table with an ``end`` (a damaged or truncated one is not, so the run is redone).
    """
    try:
        s = json.loads((pathlib.Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(s, dict) and "end" in s


