"""Write files atomically: a crash or Ctrl-C never leaves half a file behind.

Every output buurtgeo writes (tables, GeoPackage, HTML map, fact sheets, downloads) goes
to a temporary file in the target's own folder first and is then renamed over the
target with :func:`os.replace`, which is atomic on one file system. If anything fails
before the rename, the temporary file is removed and the old target is untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

__all__ = ["replacing", "write_bytes", "write_text", "write_with"]


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
