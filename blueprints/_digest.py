"""SHA-256 without loading OpenSSL: ``hashlib`` binds libcrypto on import (2 to 3 ms of every
synth), while CPython's own SHA-256 module loads in a tenth of that. Same digests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["sha256"]


def _constructor() -> Callable[[bytes], Any]:
    try:
        from _sha256 import sha256 as builtin  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from _sha2 import sha256 as builtin  # type: ignore[import-not-found,unused-ignore]
        except ImportError:  # another Python: the usual module
            from hashlib import sha256 as builtin
    return builtin  # type: ignore[no-any-return,unused-ignore]


_SHA256: Callable[[bytes], Any] | None = None


def sha256(data: bytes) -> bytes:
    """The SHA-256 digest of ``data``."""
    global _SHA256  # noqa: PLW0603 - found once, on first use
    if _SHA256 is None:
        _SHA256 = _constructor()
    return bytes(_SHA256(data).digest())
