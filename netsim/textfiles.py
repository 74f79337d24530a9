"""Reading the text files a scenario names (scenario TOML, edge lists, profiles), one way.

Files saved by real editors are read as the files they are: a UTF-8 byte-order mark
(Notepad, PowerShell, Excel's "CSV UTF-8") is dropped, CRLF and CR line ends count as line
ends. What cannot be read becomes one :class:`~netsim.errors.ScenarioError` line naming the
scenario key and the file's path (and the line, for errors inside the file), never the
file's content: a path mistyped as ``/etc/passwd`` must not echo a password line.

Only regular files are read (a FIFO or ``/dev/zero`` would block or never end), and at most
:data:`MAX_TEXT_BYTES` of them: a longer file is refused before it is read.
"""

from __future__ import annotations

import os
import pathlib
import re
import stat

from netsim.errors import ScenarioError

__all__ = ["read_text", "read_lines", "where", "cell", "MAX_TEXT_BYTES"]

#: the largest text file netsim reads (bytes); scenario, edge list and profile files are far
#: smaller (a million-edge list is ~15 MB)
MAX_TEXT_BYTES = 256 * 2 ** 20


def read_text(path, key: str, what: str = "file") -> str:
    """The text of ``path`` (UTF-8, an optional byte-order mark removed, line ends as read).

    Args:
        path: the file.
        key: the scenario key that named it ("" for the scenario file itself).
        what: what the file is, for messages ("scenario file", "edge-list file", ...).

    Raises:
        ScenarioError: the file is missing, not a regular file, larger than
            :data:`MAX_TEXT_BYTES`, unreadable or not UTF-8 (the message gives the path and,
            for bad bytes, the line).
    """
    path = pathlib.Path(path)
    shown = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(key, f"must name an existing {what}; got {shown!r} (not found)") \
            from None
    except OSError as e:
        raise ScenarioError(key, f"cannot read {what} {shown!r} ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(key, f"must name a regular {what}; got {shown!r} (a directory, "
                                 f"device or pipe)")
    if st.st_size > MAX_TEXT_BYTES:
        raise ScenarioError(key, f"must name a {what} of at most {MAX_TEXT_BYTES >> 20} MiB; "
                                 f"got {shown!r} ({st.st_size / 2 ** 20:.0f} MiB)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_TEXT_BYTES + 1)
    except OSError as e:
        raise ScenarioError(key, f"cannot read {what} {shown!r} ({e.strerror})") from None
    if len(data) > MAX_TEXT_BYTES:          # grew while we looked
        raise ScenarioError(key, f"must name a {what} of at most {MAX_TEXT_BYTES >> 20} MiB; "
                                 f"got {shown!r}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ScenarioError(key, f"must name a UTF-8 text {what}; {shown!r} line {line} has "
                                 f"a byte that is not UTF-8") from None


def read_lines(path, key: str, what: str = "file") -> list[str]:
    """The lines of ``path`` (as :func:`read_text`), without their line ends (LF, CRLF, CR).

    Line numbers are the list index + 1, as an editor shows them.
    """
    text = read_text(path, key, what)
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def where(path, line: int) -> str:
    """``"<path> line <n>"`` for messages about a line of a file (never its content)."""
    return f"{str(path)!r} line {line}"


#: a cell shown in an error message: a number, optionally with a short unit ("10Mbit/s")
_SHOWN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[A-Za-z/%]{0,8}|[+-]?(inf|nan)",
                    re.IGNORECASE)


def cell(text: str, limit: int = 24) -> str:
    """One cell of a file for an error message.

    A number (with a short unit) is quoted; any other text is described, never shown ("a
    27-character text"): a file named by mistake may hold secrets, and the path and line in the
    message already say where to look.
    """
    text = str(text)
    if len(text) <= limit and _SHOWN.fullmatch(text):
        return repr(text)
    return f"a {len(text)}-character text (not shown)"
