"""The rule registry, keyed by practice ID. Synth validates through it; lint reports with it.

Importing this package registers every rule.
"""

from __future__ import annotations

from blueprints.rules import (
    apis,
    identity,
    images,
    lifecycle,
    network,
    secrets,
    security,
    volumes,
)
from blueprints.rules._registry import (
    IGNORE_ANNOTATION,
    RULES,
    Context,
    Finding,
    Rule,
    Violation,
    check,
    malformed_suppressions,
    raise_errors,
    suppressions,
)

__all__ = [
    "IGNORE_ANNOTATION",
    "RULES",
    "Context",
    "Finding",
    "Rule",
    "Violation",
    "check",
    "malformed_suppressions",
    "raise_errors",
    "suppressions",
]

# imported for their registrations
_ = (apis, identity, images, lifecycle, network, secrets, security, volumes)
