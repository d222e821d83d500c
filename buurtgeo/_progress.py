"""Progress bars for long steps, quiet when nobody watches.

The ``progress`` option decides: ``True`` always shows bars, ``False`` never, ``None``
(default) only when standard error is a terminal (so logs, CI and notebooks executed
by the tests stay clean). Bars are tqdm's, written to standard error.

    with steps(total=5, desc="buurtgeo") as bar:
        bar.step("netwerk inlezen")
        ...
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from buurtgeo.options import get_option

__all__ = ["progress_enabled", "track", "steps", "callback"]

T = TypeVar("T")


def progress_enabled() -> bool:
    """True when progress bars should be drawn (see the module docstring)."""
    setting = get_option("progress")
    if setting is not None:
        return bool(setting)
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def track(iterable: Iterable[T], *, desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar (or silently)."""
    if not progress_enabled():
        yield from iterable
        return
    from tqdm.auto import tqdm

    with tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr) as bar:
        yield from bar


class _Steps:
    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._started = False

    def step(self, description: str) -> None:
        """Mark the previous step done and name the next one."""
        if self._bar is None:
            return
        if self._started:
            self._bar.update(1)
        self._started = True
        self._bar.set_postfix_str(description, refresh=True)


@contextmanager
def steps(*, total: int, desc: str) -> Iterator[_Steps]:
    """A bar over the named steps of a job (no output when progress is off)."""
    if not progress_enabled():
        yield _Steps(None)
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, leave=False, file=sys.stderr) as bar:
        handle = _Steps(bar)
        yield handle
        if handle._started:
            bar.update(1)


def callback(desc: str):
    """A ``progress(done, total, message)`` hook for stages that accept one, or None."""
    if not progress_enabled():
        return None
    from tqdm.auto import tqdm

    state: dict[str, Any] = {}

    def hook(done: int, total: int, message: str = "") -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, desc=desc, leave=False, file=sys.stderr)
        bar.n = done
        if message:
            bar.set_postfix_str(str(message), refresh=False)
        bar.refresh()
        if done >= total:
            bar.close()
            state.pop("bar")

    return hook
