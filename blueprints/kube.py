"""Kubernetes target versions: which minors blueprint renders for, and the default."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from blueprints.errors import ConfigError, Problem

__all__ = [
    "DEFAULT",
    "ENV_VAR",
    "SUPPORTED",
    "KubeVersion",
    "current_kube_version",
    "parse_kube_version",
    "targeting",
]

KubeVersion = tuple[int, int]

#: The oldest Kubernetes minor still supported upstream; bumped with each release.
DEFAULT: KubeVersion = (1, 35)
SUPPORTED: tuple[KubeVersion, ...] = tuple((1, minor) for minor in range(30, 38))

_PATTERN = re.compile(r"v?(\d+)\.(\d+)")


def parse_kube_version(text: str) -> KubeVersion:
    """Parse ``1.35`` (or ``v1.35``) into ``(1, 35)``; refuse minors outside :data:`SUPPORTED`.

    Raises:
        ConfigError: The text is not ``X.Y`` or names an unsupported minor.
    """
    match = _PATTERN.fullmatch(text.strip())
    version = (int(match[1]), int(match[2])) if match else (0, 0)
    if version not in SUPPORTED:
        first, last = SUPPORTED[0], SUPPORTED[-1]
        raise ConfigError(
            Problem(
                "synth",
                "--kube-version",
                text,
                f"blueprint targets Kubernetes {first[0]}.{first[1]} to {last[0]}.{last[1]}",
                f"pass one of those, or leave it out for {DEFAULT[0]}.{DEFAULT[1]}",
            )
        )
    return version


_current: ContextVar[KubeVersion | None] = ContextVar("blueprint_kube_version", default=None)
ENV_VAR = "BLUEPRINT_KUBE_VERSION"


def current_kube_version() -> KubeVersion:
    """The target in force: set by ``blueprint synth --kube-version``, else ``$BLUEPRINT_KUBE_VERSION``
    (so ``cdk8s synth`` can choose one too), else :data:`DEFAULT`.

    Raises:
        ConfigError: ``$BLUEPRINT_KUBE_VERSION`` names an unsupported version.
    """
    chosen = _current.get()
    if chosen is not None:
        return chosen
    text = os.environ.get(ENV_VAR)
    return parse_kube_version(text) if text else DEFAULT


@contextmanager
def targeting(version: KubeVersion) -> Iterator[None]:
    """Make ``version`` the target for the ``with`` block."""
    token = _current.set(version)
    try:
        yield
    finally:
        _current.reset(token)
