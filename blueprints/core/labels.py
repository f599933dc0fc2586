"""Recommended labels, stable selectors (BP003, BP004) and label value checks."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "LABEL_KEYS",
    "MANAGED_BY",
    "SELECTOR_KEYS",
    "label_value_problem",
    "recommended_labels",
    "selector_labels",
]

_PREFIX = "app.kubernetes.io/"
#: The six recommended labels, in the order blueprint writes them.
LABEL_KEYS = tuple(
    _PREFIX + key for key in ("name", "instance", "version", "component", "part-of", "managed-by")
)
#: The stable subset that selectors may use: never the version (BP004).
SELECTOR_KEYS = tuple(_PREFIX + key for key in ("name", "instance", "component"))
MANAGED_BY = "blueprint"

_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def recommended_labels(
    *, name: str, instance: str, version: str, component: str, part_of: str
) -> dict[str, str]:
    """The six ``app.kubernetes.io`` labels of a component (BP003)."""
    values = (name, instance, version, component, part_of, MANAGED_BY)
    return dict(zip(LABEL_KEYS, values, strict=True))


def selector_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """The stable subset of ``labels`` that a selector may use (BP004)."""
    return {key: labels[key] for key in SELECTOR_KEYS if key in labels}


def label_value_problem(value: object) -> str | None:
    """Say what is wrong with ``value`` as a label value, or ``None`` when it is valid."""
    if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
        return ("must be empty or letters, digits, '-', '_' and '.', starting and ending with "
                "a letter or digit")
    if len(value) > 63:
        return f"is {len(value)} characters; label values hold at most 63"
    return None
