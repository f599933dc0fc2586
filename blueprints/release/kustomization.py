"""``synth --kustomization``: a ``kustomization.yaml`` listing the release files, so that the
output folder works with ``kubectl apply -k`` and as a kustomize base for overlays."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["KUSTOMIZATION", "is_current", "kustomization_text", "write_kustomization"]

KUSTOMIZATION = "kustomization.yaml"


def kustomization_text(names: Sequence[str]) -> str:
    """The ``kustomization.yaml`` that lists the release files ``names``, in release order."""
    listed = "".join(f"  - {name}\n" for name in names)
    return ("# Written by blueprint synth --kustomization: kubectl apply -k <this folder>\n"
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            f"resources:\n{listed}")


def is_current(directory: Path, names: Sequence[str]) -> bool:
    """Whether ``directory`` already holds the ``kustomization.yaml`` for ``names``."""
    target = directory / KUSTOMIZATION
    return target.is_file() and target.read_text(encoding="utf-8") == kustomization_text(names)


def write_kustomization(directory: Path, names: Sequence[str]) -> None:
    """Write (or leave, when equal) ``directory/kustomization.yaml``, staged then renamed."""
    if is_current(directory, names):
        return
    handle, staged = tempfile.mkstemp(prefix=".blueprint-", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(kustomization_text(names))
    os.replace(staged, directory / KUSTOMIZATION)
