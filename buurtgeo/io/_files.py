"""What can be a data file: regular files only, and zips that expand to a bounded size.

Every loader asks :func:`input_problem` before it opens a file, and the configuration's
check step (``buurtgeo run --check``) asks it for every input, so that a path that is a
device (``/dev/zero`` never ends), a named pipe (reading it waits for a writer forever)
or a socket is refused at once, with its name, and a small zip whose member would expand
to gigabytes is refused before a byte is inflated.
"""

from __future__ import annotations

import os
import stat
import zipfile
from os import PathLike
from pathlib import Path

__all__ = ["MAX_ZIP_MEMBER_BYTES", "MAX_ZIP_RATIO", "input_problem", "check_input"]

#: The most a member of a zipped input may expand to (bytes): 4 GiB.
MAX_ZIP_MEMBER_BYTES = 4 * 1024**3
#: A member expanding more than this many times its compressed size, beyond 100 MB, is
#: refused as a zip bomb (real tables and vector files compress 3-30 times).
MAX_ZIP_RATIO = 1000
_RATIO_FROM = 100 * 1024**2


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def input_problem(path: str | PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a data file, or None when it can be tried.

    Refused: anything that is not a regular file or a folder (a character or block
    device such as ``/dev/zero``, a named pipe, a socket); a zip that holds a member
    expanding to more than :data:`MAX_ZIP_MEMBER_BYTES`, or more than
    :data:`MAX_ZIP_RATIO` times its compressed size (beyond 100 MB). A path that does
    not exist is not judged here (the loaders say "file not found").
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        what = (
            "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        return f"this is {what}, not a data file"
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the loader says what is wrong with it
    for info in members:
        if info.file_size > MAX_ZIP_MEMBER_BYTES:
            return (
                f"the zip member {info.filename!r} would expand to {_size(info.file_size)},"
                f" more than the {_size(MAX_ZIP_MEMBER_BYTES)} buurtgeo reads"
            )
        compressed = max(info.compress_size, 1)
        if info.file_size > _RATIO_FROM and info.file_size > MAX_ZIP_RATIO * compressed:
            return (
                f"the zip member {info.filename!r} would expand {info.file_size // compressed}"
                f" times (to {_size(info.file_size)}): a zip bomb, not a data file"
            )
    return None


def check_input(path: str | PathLike[str]) -> None:
    """Raise :class:`~buurtgeo.errors.InputError` naming ``path`` when
    :func:`input_problem` finds a problem."""
    from buurtgeo.errors import InputError

    problem = input_problem(path)
    if problem:
        raise InputError(problem, path=Path(path), expected="a data file")
