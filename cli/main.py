"""The ``blueprint`` application: commands are composed here, each in its own module."""

import atexit
import gc
import os
import signal
import sys
import threading
from contextlib import suppress
from types import FrameType
from typing import Annotated

import typer

from blueprints import __version__
from blueprints.cli._errors import INTERRUPTED
from blueprints.cli.explain import explain
from blueprints.cli.graph import graph
from blueprints.cli.init import init
from blueprints.cli.lint import lint
from blueprints.cli.schema import schema
from blueprints.cli.synth import synth
from blueprints.errors import Problem

__all__ = ["app", "run"]

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
    """Run the command line on ``sys.argv`` (the ``blueprint`` script, after its set-up).

    The process ends when the command is done: threads a blueprint left running do not keep
    it alive, and a Ctrl-C during the interpreter's teardown still exits 130 with one line.
    """
    code: int | str | None = 0
    try:
        app()
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        typer.echo(_INTERRUPTED.line(), err=True)
        code = INTERRUPTED
    finally:
        # The command is done and its files are written and closed; the interpreter's
        # teardown would still run a full collection over everything. Freeze it instead.
        gc.freeze()
    signal.signal(signal.SIGINT, _interrupted_at_exit)
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon and t is not main for t in threading.enumerate()):
        # A blueprint started a thread that never ends: exit anyway, as the command is done.
        # The exit handlers still run (jsii stops Node and removes its temporary folder), in a
        # thread of their own so that none of them can hold the exit up for more than 5 s.
        cleanup = threading.Thread(target=atexit._run_exitfuncs, daemon=True)
        cleanup.start()
        cleanup.join(timeout=5)
        _flush()
        os._exit(code if isinstance(code, int) else 0 if code is None else 1)
    sys.exit(code)


_INTERRUPTED = Problem("blueprint", "signal", "SIGINT", "interrupted", "run the command again")


def _interrupted_at_exit(number: int, frame: FrameType | None) -> None:
    _flush()
    os.write(2, f"{_INTERRUPTED.line()}\n".encode())
    os._exit(INTERRUPTED)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
