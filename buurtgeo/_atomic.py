"""Write files atomically: a crash or Ctrl-C never leaves half a file behind.

Every output buurtgeo writes (tables, GeoPackage, HTML map, fact sheets, downloads) goes
to a temporary file in the target's own folder first and is then renamed over the
target with :func:`os.replace`, which is atomic on one file system. If anything fails
before the rename, the temporary file is removed and the old target is untouched. A
process killed outright (``SIGKILL``, a power cut) cannot clean up: the next run removes
what it left (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = [
    "remove_stale_temporaries",
    "replacing",
    "write_bytes",
    "write_text",
    "write_with",
]

#: The names :func:`replacing` gives its temporary files (``.<stem>.<8 random>.tmp<suffix>``),
#: and the journals SQLite (GeoPackage) keeps beside them.
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?(-journal|-wal|-shm)?$")


@contextmanager
def replacing(path: str | PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` when the block succeeds.

    The temporary path does not exist yet (writers such as GDAL refuse an existing empty
    file) and keeps the target's suffix (writers pick their format from it). Folders are
    created. On any exception, ``KeyboardInterrupt`` included, the temporary file is
    removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        The file to (re)place.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_with(path: str | PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` for a temporary path, then rename it to ``path``; return ``path``."""
    with replacing(path) as tmp:
        write(tmp)
    return Path(path)


def write_bytes(path: str | PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    return write_with(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` (``\\n`` line ends kept as written) to ``path`` atomically; return ``path``."""
    return write_with(path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""))


def remove_stale_temporaries(folder: str | PathLike[str]) -> list[Path]:
    """Remove the temporary files a killed run left in ``folder`` and its sub-folders.

    Only names :func:`replacing` makes (``.<stem>.<8 characters>.tmp<suffix>``, and
    their ``-journal``/``-wal``/``-shm`` companions) are touched; returns what was removed.
    """
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for place in (folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())):
        for entry in place.iterdir():
            if _TEMPORARY.match(entry.name) and entry.is_file() and not entry.is_symlink():
                entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed
