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
    # One command, then exit: the objects of a synth (and of cdk8s's bindings) form no garbage
    # cycles worth collecting, yet Python's collector keeps walking them. Measured with
    # bench/gc_cost.py: 765 collections and 0.59 s of a 5,000-app synth, with the same peak
    # memory without them. The high threshold still bounds a blueprint that makes cyclic garbage.
    gc.set_threshold(1_000_000, 10, 10)
    try:
        app()
    finally:
        # The command is done and its files are written and closed; the interpreter's
        # teardown would still run a full collection over everything. Freeze it instead.
        gc.freeze()
