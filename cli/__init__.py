"""The ``blueprint`` command line (installed as ``blueprints.cli``)."""

import gc
import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``blueprint`` script: set up the process for one command, then load
    and run the command line."""
    # One command, then exit: the objects of a run (and of cdk8s's bindings) form no garbage
    # cycles worth collecting, yet Python's collector keeps walking them, from the first import
    # on. Measured with bench/gc_cost.py: 765 collections and 0.59 s of a 5,000-app synth, with
    # the same peak memory without them. The high threshold still bounds cyclic garbage.
    gc.set_threshold(1_000_000, 10, 10)
    try:
        from blueprints.cli.main import run
    except KeyboardInterrupt:  # Ctrl-C while loading: no traceback either
        sys.stderr.write("error: blueprint: signal=SIGINT: interrupted; run the command again\n")
        sys.exit(130)
    run()
