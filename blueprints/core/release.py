"""What a component inherits from its release: instance, namespace, part-of, annotations, target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from blueprints.core.names import check_name
from blueprints.core.prop_types import mismatch
from blueprints.errors import ConfigError, Problem
from blueprints.kube import DEFAULT, KubeVersion

__all__ = [
    "RELEASE_VERSION_ANNOTATION",
    "ReleaseContext",
    "make_release_context",
    "resolve_clients",
]

#: Where the release version goes: object metadata only, never pod templates (it would restart pods).
RELEASE_VERSION_ANNOTATION = "blueprint.dev/release-version"


@dataclass(frozen=True, kw_only=True, slots=True)
class ReleaseContext:
    """The release-wide settings stamped on every object of a release.

    Attributes:
        name: The release's id; the ``app.kubernetes.io/instance`` label.
        namespace: The namespace of every namespaced object (BP043).
        part_of: The ``app.kubernetes.io/part-of`` label.
        version: The release version, written to the release-version annotation, or ``None``.
        annotations: Annotations on every object's metadata (BP005).
        kube_version: The Kubernetes target.
        egress: The components' egress default: ``open``, or ``declared`` (exactly their
            callees and the cluster DNS, BP042).
    """

    name: str
    namespace: str
    part_of: str
    version: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    kube_version: KubeVersion = DEFAULT
    egress: str = "open"

    def object_annotations(self) -> dict[str, str]:
        """Release annotations for object metadata, the release version included."""
        annotations = dict(self.annotations)
        if self.version is not None:
            annotations[RELEASE_VERSION_ANNOTATION] = self.version
        return annotations


def make_release_context(
    name: str,
    *,
    version: str | None,
    part_of: str | None,
    namespace: str | None,
    annotations: Mapping[str, str] | None,
    kube_version: KubeVersion,
    egress: str = "open",
) -> ReleaseContext:
    """Validate a release's props and resolve their defaults.

    Raises:
        ConfigError: A name is not DNS-1123 (BP006), or an annotation is not a string.
    """
    check_name(name, component=name, field="id")
    namespace = check_name(namespace or name, component=name, field="namespace")
    part_of = check_name(part_of or name, component=name, field="part_of")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise ConfigError(Problem(name, "version", version, "must be a non-empty string",
                                  'pass version="1.4.2"'))
    if annotations is not None and not isinstance(annotations, Mapping):
        raise ConfigError(Problem(name, "annotations", annotations,
                                  *(mismatch(annotations, Mapping[str, str], "annotations")
                                    or ("must be a mapping", "pass {...}")), "BP005"))
    annotations = dict(annotations or {})
    for key, value in annotations.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ConfigError(Problem(name, f"annotations[{key!r}]", value,
                                      "annotation keys and values are strings",
                                      "quote the value", "BP005"))
    if egress not in ("open", "declared"):
        raise ConfigError(Problem(name, "egress", egress, "not an egress mode",
                                  "use open or declared", "BP042"))
    return ReleaseContext(name=name, namespace=namespace, part_of=part_of, version=version,
                          annotations=annotations, kube_version=kube_version, egress=egress)


def resolve_clients(workloads: Mapping[str, Any], app: Sequence[Any] | None = None) -> None:
    """Resolve every component's ``allow_from`` against the release's components, and every
    component's ``calls`` against the whole app (BP042), when the whole app is known.

    Args:
        workloads: The release's components by id.
        app: Every workload of the app, other releases included. Default: the release's.

    Raises:
        ConfigError: Every entry that names nothing, all at once.
    """
    from blueprints.core.connections import resolve_connections
    from blueprints.core.workload import Workload

    problems: list[Problem] = []
    for core in workloads.values():
        try:
            core.resolve_allow_from(workloads)
        except ConfigError as error:
            problems.extend(error.problems)
    everything = list(app) if app is not None else list(workloads.values())
    try:
        resolve_connections([w for w in everything if isinstance(w, Workload)])
    except ConfigError as error:
        problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
