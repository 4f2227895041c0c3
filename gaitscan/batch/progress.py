"""One overall progress bar for a batch, with a live count of done / failed / remaining."""
from __future__ import annotations

from typing import Optional

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    """A rich progress bar on stderr (silent when ``enabled`` is False); use as a context manager."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self._bar: Optional[Progress] = None
        if enabled:
            self._bar = Progress(TextColumn("[bold]analysing"), BarColumn(),
                                 TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True))
            self._task = self._bar.add_task("batch", total=total, counts=self._counts())

    def __enter__(self) -> "BatchProgress":
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, ok: bool) -> None:
        """Count one finished video."""
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, counts=self._counts())

    def _counts(self) -> str:
        remaining = self.total - self.done - self.failed
        return f"done {self.done} · failed {self.failed} · remaining {remaining}"
