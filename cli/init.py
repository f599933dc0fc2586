"""``blueprint init``."""

from pathlib import Path
from typing import Annotated

import typer

from blueprints.cli._errors import user_errors

__all__ = ["init"]


def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the blueprint.")] = Path("."),
    kind: Annotated[str, typer.Option(
        "--kind", help="WebApp, StatefulWebApp, WorkerWithInit, DaemonApp or CronJobApp.")] = (
        "WebApp"),
    output_format: Annotated[str, typer.Option("--format", help="yaml or python.")] = "yaml",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Scaffold a commented blueprint, values/dev.yaml and values/prod.yaml, and a .gitignore.

    Existing files are never overwritten without --force.
    """
    with user_errors(False):
        from blueprints.init import init as run_init

        for path in run_init(directory, kind=kind, format=output_format, force=force):
            typer.echo(f"wrote {path}")
