"""Turning user errors into one line each on stderr, exit code 1; tracebacks only with --debug."""

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import typer

from blueprints.errors import BlueprintError, Problem

__all__ = ["INTERRUPTED", "time_limit", "user_errors"]

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


@contextmanager
def user_errors(debug: bool, exit_code: int = 1, *,
                interrupted: Problem | None = None) -> Iterator[None]:
    """Report a :class:`BlueprintError` as its lines on stderr and exit ``exit_code``; Ctrl-C
    as one line (``interrupted``, or a generic one) and exit 130."""
    try:
        yield
    except BlueprintError as error:
        if debug:
            raise
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(exit_code) from None
    except KeyboardInterrupt:
        if debug:
            raise
        problem = interrupted or Problem("blueprint", "signal", "SIGINT", "interrupted",
                                         "run the command again")
        typer.echo(problem.line(), err=True)
        raise typer.Exit(INTERRUPTED) from None


@contextmanager
def time_limit(seconds: float, problem: Problem) -> Iterator[None]:
    """End the process with ``problem`` as one line and exit 1 if the block runs longer than
    ``seconds`` (0: no limit).

    A watchdog thread, not an exception in the main thread: the user code it stops may catch
    any exception, and it may be blocked in a call to Node. Nothing is written before the
    block ends, so there is nothing to clean up; the output is committed after it.
    """
    if seconds <= 0:
        yield
        return
    lock = threading.Lock()
    armed = [True]

    def expire() -> None:
        with lock:
            if not armed[0]:
                return
            for stream in (sys.stdout, sys.stderr):
                with suppress(Exception):
                    stream.flush()
            os.write(2, f"{problem.line()}\n".encode())
            os._exit(1)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            armed[0] = False
        timer.cancel()
