"""The ``blueprint`` application: commands are composed here, each in its own module."""

import gc
from typing import Annotated

import typer

from blueprints import __version__
from blueprints.cli.diff import diff
from blueprints.cli.explain import explain
from blueprints.cli.graph import graph
from blueprints.cli.init import init
from blueprints.cli.lint import lint
from blueprints.cli.schema import schema
from blueprints.cli.synth import synth

__all__ = ["app", "run"]

app = typer.Typer(
    name="blueprint",
    help="Kubernetes practices as code: synthesize release-ready manifests without Helm.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(synth)
app.command()(diff)
app.command()(lint)
app.command()(explain)
app.command()(schema)
app.command()(init)
app.command()(graph)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"blueprint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Kubernetes practices as code: synthesize release-ready manifests without Helm."""


def run() -> None:
    """Run the command line on ``sys.argv`` (the ``blueprint`` script, after its set-up)."""
    try:
        app()
    finally:
        # The command is done and its files are written and closed; the interpreter's
        # teardown would still run a full collection over everything. Freeze it instead.
        gc.freeze()
