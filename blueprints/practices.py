"""The practices catalogue (``PRACTICES.md``) in code: one entry per ID.

Constructs apply a practice, the rule registry (``blueprints.rules``) checks it, and both refer
to it by ID. Severities here are the catalogue's: ``build`` is what synth does with a violation in
objects that blueprint's constructs made, ``lint`` what lint (and synth, for foreign objects) does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["IGNORE_ANNOTATION", "PRACTICES", "Practice", "Severity", "practice", "text"]

#: Where an object records the practices it opts out of: ``"BP041: runs as root; BP001: ..."``.
IGNORE_ANNOTATION = "blueprint.dev/ignore"


class Severity(StrEnum):
    """How a finding is treated: *error* fails synth and lint, *warning* is reported, *info* advises."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Practice:
    """One practice: its ID, a one-line title, and its severity at build time and in lint."""

    id: str
    title: str
    build: Severity
    lint: Severity

    @property
    def description(self) -> str:
        """The practice as the catalogue states it."""
        return text(self.id)["practice"]


def text(practice_id: str) -> dict[str, str]:
    """The catalogue's columns for a practice: practice, construct, build, lint."""
    from blueprints._catalogue import CATALOGUE

    return CATALOGUE[practice_id]


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

PRACTICES: dict[str, Practice] = {
    p.id: p
    for p in (
        Practice("BP001", "every image names a version (a version tag, or a digest)", _E, _E),
        Practice("BP002", "the pull policy follows the tag", _W, _W),
        Practice("BP003", "all six recommended app.kubernetes.io labels on every object", _E, _W),
        Practice("BP004", "selectors use only the stable labels (name, instance, component)", _E, _W),
        Practice("BP005", "annotations carry resource information", _I, _I),
        Practice("BP006", "names are valid DNS names within Kubernetes' limits", _E, _E),
        Practice("BP007", "every object uses an API version the target serves", _E, _E),
        Practice("BP010", "talk to other apps by Service hostname, never by IP", _E, _W),
        Practice("BP011", "a StatefulSet has a headless Service named by its serviceName", _E, _W),
        Practice("BP012", "data that must outlive the container lives in the right volume", _E, _W),
        Practice("BP013", "hostPath only read-only, typed and scoped", _E, _W),
        Practice("BP014", "the gitRepo volume is gone", _E, _E),
        Practice("BP015", "init containers wait for dependencies in a bounded, visible loop", _E, _I),
        Practice("BP016", "readiness probes on every container that serves traffic", _E, _W),
        Practice("BP017", "liveness differs from readiness", _E, _W),
        Practice("BP020", "postStart hooks run in parallel and their output is invisible", _I, _I),
        Practice("BP021", "preStop cannot be trusted for critical work; no host in HTTP hooks", _W, _W),
        Practice("BP022", "a preStop pause lets endpoints drain", _W, _W),
        Practice("BP023", "the grace period covers the preStop pause plus the shutdown", _E, _W),
        Practice("BP024", "terminationMessagePolicy FallbackToLogsOnError", _W, _W),
        Practice("BP025", "replicated stateful sets are guarded by a PodDisruptionBudget", _I, _I),
        Practice("BP026", "scale-down of a data store moves the departing pod's data", _I, _I),
        Practice("BP027", "the app itself gets the stop signal", _W, _W),
        Practice("BP030", "small images from live registries", _I, _I),
        Practice("BP031", "centralized logging", _I, _I),
        Practice("BP040", "resource requests on every container, a memory limit", _E, _W),
        Practice("BP041", "restricted pod security", _E, _W),
        Practice("BP042", "network access is declared by a NetworkPolicy", _E, _I),
        Practice("BP043", "every namespaced object names its namespace", _E, _W),
        Practice("BP044", "no secret values in manifests", _E, _W),
    )
}


def practice(practice_id: str) -> Practice:
    """Look up a practice by ID (``KeyError`` for an unknown ID: that is a bug, not user input)."""
    return PRACTICES[practice_id]
