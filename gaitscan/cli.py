"""The ``gaitscan`` command: a thin click layer over the package's typed functions.

Each sub-command lives next to the code it drives and is imported only when used, so
``gaitscan --help`` is instant and one broken optional part cannot break the others.
User errors (:class:`gaitscan.errors.GaitscanError`) become one line on stderr and the exit code
documented in :mod:`gaitscan.errors`; Ctrl-C exits 130 after saying so.
"""
from __future__ import annotations

import importlib
import importlib.util
import signal
import sys
from typing import Optional, Sequence

import click

from . import __version__
from .errors import GaitscanError

#: sub-command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "pose": "gaitscan.pose.command:command",
    "synth": "gaitscan.synth.command:command",
    "analyze": "gaitscan.analyze_command:command",
    "report": "gaitscan.report.command:report_command",
    "compare": "gaitscan.report.command:compare_command",
    "live": "gaitscan.live.command:command",
    "batch": "gaitscan.batch.command:command",
    "agreement": "gaitscan.markers.command:command",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _importable(target))

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


def _importable(target: str) -> bool:
    module = target.split(":")[0]
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gaitscan")
def cli() -> None:
    """gaitscan — offline running-gait analysis from video (pelvic drop, crossover, cadence).

    It screens; it does not diagnose.
    """


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point of the ``gaitscan`` console script."""
    from .memory import steady_large_allocations

    steady_large_allocations()  # decoded frames must not pile up in malloc's heaps (issue 8)
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="gaitscan", standalone_mode=False)
    except GaitscanError as exc:
        click.echo(f"gaitscan: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # we are leaving: a second Ctrl-C during clean-up must not turn exit 130 into death by SIGINT
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # click turns Ctrl-C into Abort; a command's KeyboardInterrupt may say what it finished
        said = str((exc.__cause__ or "") if isinstance(exc, click.exceptions.Abort) else exc).strip()
        click.echo(f"gaitscan: interrupted: {said}" if said else "gaitscan: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    # with standalone_mode=False, click returns ctx.exit(n)'s code instead of exiting
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
