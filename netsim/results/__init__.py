"""Writing a run's files, atomically (SCENARIO.md "Results"); the run-id rule; the CSV writer.

``DIR/<name>/<run-id>/`` holds ``scenario.toml`` (fully resolved), ``trace.csv``,
``summary.json``, ``links.csv`` and, when asked, ``iterates.npz``, ``messages.csv`` (with
``agents.csv`` for peer runs) and the plots.

**The run-id rule** (version 2). A run id is ``<label-slug>-<hash10>`` (``run-<hash10>``
without a variant label), where ``hash10`` is the first 10 hex digits of the SHA-256 of

1. the line ``netsim run id v2``;
2. the canonical resolved scenario: :func:`netsim.idtext.canonical_text` (a frozen text
   form, independent of the TOML writer) of the resolved scenario (every default filled
   in) with the keys of every table sorted (lists keep their order), without
   ``output.dir`` (where results go does not change a run; every other ``output`` key
   does: ``every`` changes the trace, ``messages`` / ``iterates`` / ``plots`` the files);
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

Modules: :mod:`~netsim.results.runid` (the rule, migration), :mod:`~netsim.results.write`
(one run's folder), :mod:`~netsim.results.files` (atomic files, locks, temporary folders)
and :mod:`~netsim.results.encoding` (CSV cells, strict JSON).
"""

from __future__ import annotations

from netsim.results.encoding import decode_cell, encode_cell, format_number, strict_json, write_csv
from netsim.results.files import (
                                     TMP_PREFIX,
                                     ResultsError,
                                     atomic_file,
                                     clean_stale_tmp,
                                     folder_lock,
                                     is_complete,
)
from netsim.results.runid import MAX_SLUG, inputs_read, migrate_v1, run_id, run_id_v1
from netsim.results.write import PlotWarning, write_result

__all__ = ["run_id", "run_id_v1", "migrate_v1", "inputs_read", "write_result", "format_number",
           "write_csv", "encode_cell", "decode_cell", "atomic_file", "folder_lock",
           "clean_stale_tmp", "is_complete", "ResultsError", "TMP_PREFIX", "strict_json",
           "PlotWarning", "MAX_SLUG"]
