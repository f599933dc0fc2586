"""The ``blueprint`` application: commands are composed here, each in its own module."""

import gc
from typing import Annotated

import typer

from blueprints import __version__
from blueprints.cli.explain import explain
from blueprints.cli.init import init
from blueprints.cli.lint import lint
from blueprints.cli.schema import schema
from blueprints.cli.synth import synth

__all__ = ["app", "main"]

app = typer.Typer(
    name="blueprint",
    help="Kubernetes practices as code: synthesize release-ready manifests without Helm.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(synth)
app.command()(lint)
app.command()(explain)
app.command()(schema)
app.command()(init)


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


def main() -> None:
    """Entry point of the ``blueprint`` script."""
    try:
        app()
    finally:
        # The command is done and its files are written and closed; what is left is the
        # interpreter's teardown, whose garbage collections walk every object of cdk8s's
        # bindings. Nothing needs collecting in a process about to end: freezing the heap
        # takes ~11% off a 100-app synth (bench/exit_cost.py).
        gc.freeze()
