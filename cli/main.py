"""The ``blueprint`` application: commands are composed here, each in its own module."""

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
from blueprints._node import one_shot
from blueprints.cli._errors import (
    GENERIC_INTERRUPT,
    INTERRUPTED,
    exit_now,
    was_interrupted,
    watch_interrupts,
)
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
    """Run the command line on ``sys.argv`` (the ``blueprint`` script, after its set-up).

    The process ends when the command is done: threads a blueprint left running do not keep
    it alive, and a Ctrl-C during the interpreter's teardown still exits 130 with one line.
    """
    code: int | str | None = 0
    one_shot()  # one command, then the process ends: synth may let Node go early
    watch_interrupts()
    try:
        app()
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        code = None
    finally:
        # The command is done and its files are written and closed; the interpreter's
        # teardown would still run a full collection over everything. Freeze it instead.
        gc.freeze()
    signal.signal(signal.SIGINT, _interrupted_at_exit)
    if was_interrupted() and code != INTERRUPTED:  # a Ctrl-C the command did not see as one
        typer.echo(GENERIC_INTERRUPT.line(), err=True)
        code = INTERRUPTED
    if code == INTERRUPTED:
        # The one line is out. Ctrl-C also reached Node, and jsii would relay what Node says
        # about the broken channel while it shuts down: that is not for the user.
        _flush()
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon and t is not main for t in threading.enumerate()):
        # A blueprint started a thread that never ends: exit anyway, as the command is done.
        exit_now(code if isinstance(code, int) else 0 if code is None else 1)
    sys.exit(code)


def _interrupted_at_exit(number: int, frame: FrameType | None) -> None:
    _flush()
    os.write(2, f"{GENERIC_INTERRUPT.line()}\n".encode())
    os._exit(INTERRUPTED)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
