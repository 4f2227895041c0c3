"""Errors that reach the user as one clear line and a documented exit code.

Every failure a user can cause (a bad file, a bad option, an unwritable folder) is raised as a
:class:`GaitscanError` subclass. The CLI prints ``gaitscan: <message>`` and exits with the class's
``exit_code``; it never shows a traceback for these. Anything else is a bug.

Exit codes (documented in the README):

====  ==========================================================
0     success
1     finished, but some inputs failed (batch) — see the index
2     usage error (bad option or argument; click's own code too)
3     input file unreadable, corrupt, or not a video
4     nothing measurable (no runner found, too few frames/steps)
5     output location not writable
6     pose model missing or invalid
7     knowledge-base or symptoms file invalid
130   interrupted (Ctrl-C)
====  ==========================================================
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, Path]


class GaitscanError(Exception):
    """Base class: a user-facing error with a message naming the file and the problem."""

    exit_code = 1

    def __init__(self, message: str, path: Optional[PathLike] = None) -> None:
        self.path = None if path is None else Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path is not None else message)


class UsageError(GaitscanError):
    exit_code = 2


class InputError(GaitscanError):
    """The input file cannot be read as a video (missing, empty, truncated, not a video)."""

    exit_code = 3


class NotMeasurableError(GaitscanError):
    """The input was read but the runner or enough steps could not be found."""

    exit_code = 4


class OutputError(GaitscanError):
    exit_code = 5


class ModelError(GaitscanError):
    exit_code = 6


class KnowledgeError(GaitscanError):
    """A knowledge-base or symptoms file does not validate."""

    exit_code = 7
