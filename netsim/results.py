"""Writing a run's files, atomically (SCENARIO.md "Results"); the run-id rule; the CSV writer.

``DIR/<name>/<run-id>/`` holds ``scenario.toml`` (fully resolved), ``trace.csv``,
``summary.json``, ``links.csv`` and, when asked, ``iterates.npz``, ``messages.csv`` (with
``agents.csv`` for peer runs) and the plots.

**The run-id rule** (version 2). A run id is ``<label-slug>-<hash10>`` (``run-<hash10>``
without a variant label), where ``hash10`` is the first 10 hex digits of the SHA-256 of

1. the line ``netsim run id v2``;
2. the canonical resolved scenario: :func:`netsim.idtext.canonical_text` (a frozen text
   form, independent of the TOML writer) of the resolved scenario (every default filled in)
   with the keys of every table sorted (lists keep their order), without ``output.dir``
   (where results go does not change a run; every other ``output`` key does: ``every``
   changes the trace, ``messages`` / ``iterates`` / ``plots`` the files);
3. one line ``<key> sha256:<hex>`` per file the run reads, in the order of
   :func:`inputs_read` (``problem.data``, ``network.file``, ``network.profile[k].*``,
   ``compute.profile[k].*``, ``algorithm.x0``): the SHA-256 of the file's *content*, so
   editing a data file, an edge list, a profile or an x0 file gives a new id and never
   returns a stale result; moving the files along with the scenario keeps the id. A file
   that cannot be read hashes as ``missing`` (the run then fails with its own error).

Numbers keep their type (``rho = 1`` and ``rho = 1.0`` are different ids).

**Migration from version 1** (netsim before this rule: the hash of ``canonical_text`` of the
resolved scenario without ``[output]``, no file content). ``netsim sweep`` migrates a
version-1 folder once, when a point needs it (:func:`migrate_v1`): if the point reads no
file and the folder's ``scenario.toml`` equals the point's resolved scenario (except
``output.dir``), the folder is renamed to the version-2 id and its ``summary.json``
``run_id`` updated; the point counts as already done. Version-1 folders of runs that read
files (their input content is unknown) or whose output keys differ are not reused and
``runs.csv`` never lists them; delete them at will.

**Writing.** Everything is written into a hidden temporary folder
``.tmp-<host>-<pid>-<random>`` next to the run folder and renamed into place under a lock
(``fcntl.flock`` on the ``<name>`` folder): a crash never leaves a half-written run, two writers
of one run id never fail, and temporary folders are never results
(:func:`clean_stale_tmp` removes those whose writer is dead). Files and folders follow the
umask. A full disk or another OS error while writing is a one-line :class:`ResultsError`
(the temporary folder is removed).

**CSV.** Every CSV netsim writes goes through :func:`write_csv` (the standard ``csv``
module): numbers as :func:`format_number` (shortest exact text), other cells through
:func:`encode_cell` (lists and tables as JSON, so they are quoted and never shift columns);
:func:`decode_cell` reads a cell back to the value that was written.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import hashlib
import json
import math
import os
import pathlib
import re
import secrets
import shutil
import socket

import numpy as np

from netsim.errors import NetsimError, ScenarioError
from netsim.idtext import canonical_text
from netsim.provenance import provenance
from netsim.tomlio import dump_toml

__all__ = ["run_id", "run_id_v1", "migrate_v1", "inputs_read", "write_result", "format_number",
           "write_csv", "encode_cell", "decode_cell", "atomic_file", "folder_lock",
           "clean_stale_tmp", "is_complete", "ResultsError", "TMP_PREFIX", "strict_json",
           "PlotWarning", "MAX_SLUG"]

#: prefix of every temporary file or folder netsim writes in a results folder
TMP_PREFIX = ".tmp-"


class ResultsError(NetsimError):
    """Results could not be written (full disk, permissions, ...): one line, no traceback."""


# --------------------------------------------------------------------------- run ids
def inputs_read(scenario) -> list[tuple[str, pathlib.Path]]:
    """Every file a run of ``scenario`` reads, as (dotted key, absolute path).

    This is the one place that knows which scenario keys name files: ``problem.data`` (unless
    ``synthetic`` or a bundled data set), ``network.file`` (``topology = "edges"``), every
    file of ``[[network.profile]]`` and ``[[compute.profile]]`` (all keys but ``links`` /
    ``agents``) and ``algorithm.x0`` (unless ``zeros`` / ``random``). A new file-valued key
    must be added here, or its edits would not change the run id.

    Args:
        scenario: a resolved :class:`netsim.scenario.Scenario`.

    Returns:
        (key, path) pairs, paths resolved against the scenario's folder.
    """
    from netsim.problems.data import BUNDLED

    d = scenario.data
    base = pathlib.Path(scenario.base_dir)
    out = []

    def add(key, raw):
        if isinstance(raw, str):
            out.append((key, (base / raw).resolve()))

    data = d.get("problem", {}).get("data")
    if isinstance(data, str) and data != "synthetic" and data not in BUNDLED:
        add("problem.data", data)
    net = d.get("network", {})
    if net.get("topology") == "edges":
        add("network.file", net.get("file"))
    for table, skip in (("network", ("links",)), ("compute", ("agents",))):
        for k, e in enumerate(d.get(table, {}).get("profile", []) or []):
            for what, raw in e.items():
                if what not in skip:
                    add(f"{table}.profile[{k}].{what}", raw)
    x0 = d.get("algorithm", {}).get("x0")
    if isinstance(x0, str) and x0 not in ("zeros", "random"):
        add("algorithm.x0", x0)
    return out


def _file_digest(path: pathlib.Path, cache: dict | None) -> str:
    """``sha256:<hex>`` of the file's content (``missing`` if unreadable).

    ``cache`` maps (path, size, mtime_ns, inode) to digests so a sweep hashes each file once.
    """
    try:
        st = path.stat()
        ident = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
        if cache is not None and ident in cache:
            return cache[ident]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "missing"
    digest = "sha256:" + h.hexdigest()
    if cache is not None:
        cache[ident] = digest
    return digest


def _canonical(v):
    if isinstance(v, dict):
        return {k: _canonical(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_canonical(x) for x in v]
    return v


def _id_data(scenario) -> dict:
    """The resolved scenario without ``output.dir``."""
    data = dict(scenario.data)
    out = dict(data.get("output") or {})
    out.pop("dir", None)
    data["output"] = out
    return data


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", label).lower()[:MAX_SLUG].strip("-") or "run"


#: longest label part of a run id (a 300-character label must not make a 300-character
#: folder name: most file systems allow 255 bytes)
MAX_SLUG = 48


def strict_json(obj) -> str:
    """``obj`` as strict JSON (RFC 8259: no NaN or Infinity tokens).

    Most JSON readers refuse those tokens: a float that is not finite is written as the string
    ``"nan"``, ``"inf"`` or ``"-inf"``, which Python's ``float()`` reads back.
    """
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if isinstance(v, (float, np.floating)) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if isinstance(v, np.generic):
            return v.item()
        return v
    return json.dumps(clean(obj), indent=2, allow_nan=False) + "\n"


def run_id(scenario, cache: dict | None = None) -> str:
    """The run id of ``scenario`` (see the module docstring for the rule).

    Args:
        scenario: a resolved scenario.
        cache: optional dict reused across calls so that each input file is hashed once.

    Returns:
        ``<label-slug>-<hash10>`` or ``run-<hash10>``.
    """
    text = "netsim run id v2\n" + canonical_text(_canonical(_id_data(scenario)))
    text += "".join(f"\n{key} {_file_digest(path, cache)}"
                    for key, path in inputs_read(scenario))
    return f"{_slug(scenario.label)}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def run_id_v1(scenario) -> str | None:
    """The version-1 id of ``scenario`` (netsim before the file-content rule), or None.

    None if the run reads files: a version-1 folder of such a run cannot be trusted.
    """
    if inputs_read(scenario):
        return None
    data = dict(scenario.data)
    data.pop("output", None)
    digest = hashlib.sha256(canonical_text(data).encode()).hexdigest()
    return f"{_slug(scenario.label)}-{digest[:10]}"


def migrate_v1(parent, scenario, rid: str) -> bool:
    """Rename a complete version-1 run folder of ``scenario`` to its version-2 id.

    The folder in ``parent`` is renamed to ``rid`` if its ``scenario.toml`` is the same resolved
    scenario (except ``output.dir``), and its ``summary.json`` ``run_id`` updated. Under the folder
    lock.

    Returns:
        Whether a folder was migrated (the run is then done).
    """
    import tomllib

    old_id = run_id_v1(scenario)
    parent = pathlib.Path(parent)
    if old_id is None or old_id == rid or not is_complete(parent / old_id):
        return False
    with folder_lock(parent):
        old, new = parent / old_id, parent / rid
        if not is_complete(old) or new.exists():
            return False
        try:
            written = tomllib.loads((old / "scenario.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        written.get("output", {}).pop("dir", None)
        if canonical_text(_canonical(written)) != canonical_text(_canonical(_id_data(scenario))):
            return False
        summary = json.loads((old / "summary.json").read_text(encoding="utf-8"))
        summary["run_id"] = rid
        with atomic_file(old / "summary.json") as f:
            f.write(strict_json(summary))
        os.rename(old, new)
    return True


# --------------------------------------------------------------------------- CSV
def format_number(v) -> str:
    """Shortest exact text of a number (``repr`` of floats), ints unchanged."""
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def encode_cell(v) -> str:
    """Text of one CSV cell that :func:`decode_cell` reads back to ``v``.

    None -> empty; bools -> ``true`` / ``false``; numbers -> :func:`format_number`; lists and
    tables -> compact JSON; strings as they are, unless they would read back as something
    else (``"1"``, ``"true"``, ``"nan"``, ``"[1]"``, ``""``...): then as a JSON string.
    """
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return format_number(v)
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, separators=(",", ":"), allow_nan=True, default=str)
    text = str(v)
    back = decode_cell(text)
    if not (isinstance(back, str) and back == text) or text == "":
        return json.dumps(text)
    return text


_INT = re.compile(r"[+-]?\d+")


def decode_cell(text: str):
    """The value of a cell written by :func:`encode_cell` (inverse of it)."""
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    if text[0] in '["{':
        try:
            return json.loads(text)
        except ValueError:
            return text
    try:
        return float(text)
    except ValueError:
        return text


def write_csv(path, header, rows, cell=format_number) -> None:
    r"""Write a CSV file with the standard ``csv`` module (``\n`` line ends, UTF-8).

    Args:
        path: the file (written in place: callers write inside a temporary folder or use
            :func:`atomic_file`), or an open text file.
        header: column names.
        rows: iterables of cell values.
        cell: value -> text; :func:`format_number` (numeric tables: trace, links, messages)
            or :func:`encode_cell` (mixed tables: runs.csv).
    """
    if isinstance(path, (str, os.PathLike)):
        with open(path, "w", encoding="utf-8", newline="") as f:
            write_csv(f, header, rows, cell)
        return
    w = csv.writer(path, lineterminator="\n")
    w.writerow(header)
    w.writerows([cell(v) for v in row] for row in rows)


# --------------------------------------------------------------------------- files
def _tmp_name(prefix: str = TMP_PREFIX) -> str:
    return f"{prefix}{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def _oserror(e: OSError, what) -> ResultsError:
    reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else e.strerror
    code = errno.errorcode.get(e.errno, e.errno)
    return ResultsError(f"cannot write {str(what)!r}: {reason} ({code}); "
                        "finished runs are kept, nothing half-written is left")


@contextlib.contextmanager
def atomic_file(path):
    """Open ``path`` for writing text through a temporary file in the same folder.

    The file is renamed over ``path`` on success and removed on any failure (readers see the old or
    the new file, never a part). The file follows the umask. An OS error is a :class:`ResultsError`.
    """
    path = pathlib.Path(path)
    tmp = path.parent / (_tmp_name() + "-" + path.name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as e:
        _unlink(tmp)
        raise _oserror(e, path) from None
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(p) -> None:
    with contextlib.suppress(OSError):
        os.unlink(p)


@contextlib.contextmanager
def folder_lock(folder):
    """Hold an exclusive ``fcntl.flock`` on the folder itself for the block.

    It serializes the writers (processes, threads with their own open) of one results folder, and
    leaves no file behind.
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
    """Remove the temporary files and folders in ``folder`` left by dead writers.

    Only those of writers on this host (a killed run); those of live writers (another sweep at work)
    are kept.

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
    """Whether ``folder`` holds a finished run.

    A readable, strict-JSON summary.json that is a table with an ``end`` (a damaged or truncated one
    is not, so the run is redone).
    """
    try:
        s = json.loads((pathlib.Path(folder) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(s, dict) and "end" in s


class PlotWarning(UserWarning):
    """A run's figures could not be drawn (the run's files are written all the same)."""


def write_result(result, out_dir=None, rid: str | None = None) -> pathlib.Path:
    """Write ``result`` under ``out_dir`` (default: the scenario's ``output.dir``).

    The files go to a temporary folder, renamed to ``<out_dir>/<name>/<run id>`` under the
    folder lock. An existing folder of that id is replaced (``netsim run``: the last writer
    wins); with ``rid`` given (sweeps) a complete one is kept and the new copy dropped, so
    a finished run folder never disappears under a concurrent sweep's reader.

    Args:
        result: a :class:`netsim.simulate.Result`.
        out_dir: the results folder.
        rid: the run id, if the caller computed it before the run (a sweep: the id then
            covers the input files as they were when the run read them).

    The figures (``output.plots``) are drawn after the run folder is in place, so a plotting
    failure never loses a run: it is reported as a :class:`PlotWarning`.

    Returns:
        The run folder.

    Raises:
        ScenarioError: the results folder cannot be created.
        ResultsError: writing failed (a full disk, a file or link where the run folder
            goes...); nothing half-written is left.
    """
    sc = result.scenario
    root = pathlib.Path(out_dir if out_dir is not None else sc.data["output"]["dir"])
    if not root.is_absolute() and out_dir is None and sc.source:
        root = pathlib.Path.cwd() / root
    parent = root / sc.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / _tmp_name()
        os.mkdir(tmp)                    # 0o777 & ~umask, unlike tempfile.mkdtemp's 0o700
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _oserror(e, parent) from None
        raise ScenarioError("output.dir", f"must be a writable folder; got {str(root)!r} "
                            f"({e.strerror})") from None
    final = parent / (rid or run_id(sc))
    try:
        _write_files(result, tmp, final.name)
        with folder_lock(parent):
            if final.is_symlink() or (final.exists() and not final.is_dir()):
                raise ResultsError(f"cannot write {str(final)!r}: a file or link is where "
                                   "the run folder goes; remove it")
            if rid is not None and is_complete(final):
                shutil.rmtree(tmp, ignore_errors=True)   # a concurrent sweep wrote this
                return final                             # run (same id, same results)
            if final.exists():
                old = parent / _tmp_name()
                os.rename(final, old)        # aside, then in: never a mix of two runs
                os.rename(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            if not final.exists():
                os.rename(tmp, final)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _oserror(e, final) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if sc.data["output"]["plots"]:
        _write_plots(result, final)
    return final


def _write_files(result, tmp: pathlib.Path, rid: str) -> None:
    sc = result.scenario
    (tmp / "scenario.toml").write_text(dump_toml(sc.data), encoding="utf-8")
    cols = list(result.trace)
    write_csv(tmp / "trace.csv", cols, zip(*(result.trace[c] for c in cols)))
    write_csv(tmp / "links.csv", ["src", "dst", "bits", "messages", "drops"], result.links)
    if result.iterates is not None:
        np.savez_compressed(tmp / "iterates.npz", x=result.iterates,
                            round=result.trace["round"], time=result.trace["time"])
    if result.messages is not None:
        write_csv(tmp / "messages.csv",
                  ["src", "dst", "bits", "t_send", "t_arrive", "dropped", "round"],
                  result.messages)
    if result.updates is not None:
        write_csv(tmp / "updates.csv", ["round", "time", "worker", "staleness"],
                  result.updates)
    if result.agents is not None:
        write_csv(tmp / "agents.csv", ["agent", "round", "t_done"], result.agents)
    summary = dict(result.summary, run_id=rid, provenance=provenance())
    (tmp / "summary.json").write_text(strict_json(summary), encoding="utf-8")   # last


def _write_plots(result, final: pathlib.Path) -> None:
    """Draw the run's figures into a temporary folder, then move each into ``final``.

    Any failure becomes a :class:`PlotWarning` (the run stays as written).
    """
    import warnings

    from netsim.plots import plot_run

    sc = result.scenario
    tmp = None
    try:
        tmp = final.parent / _tmp_name()         # a live writer's name: never cleaned
        os.mkdir(tmp)
        paths = plot_run(result.trace, tmp, title=sc.name + (f" — {sc.label}" if sc.label
                                                               else ""),
                         metric=_plot_metric(result))
        for p in paths:
            os.replace(p, final / p.name)
    except Exception as e:      # noqa: BLE001 - a figure must never cost the run
        warnings.warn(f"{final}: figures not written ({type(e).__name__}: "
                      f"{str(e).splitlines()[0] if str(e) else ''}); the run's files are "
                      f"complete", PlotWarning, stacklevel=3)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _plot_metric(result) -> str:
    m = result.scenario.data["stop"]["metric"]
    if result.scenario.data["problem"]["kind"] == "mlp" and m not in ("accuracy",
                                                                      "objective_gap"):
        return "accuracy"                     # no x*: the error columns are empty
    return m if m in result.trace else "rel_err"
