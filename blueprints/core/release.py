"""What a component inherits from its release (instance, namespace, part-of, annotations, target),
and how the release's objects are assembled: its Namespace first, then Helm's install order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from blueprints.core.names import check_name
from blueprints.core.namespace import RESERVED_NAMESPACES, namespace_manifest, pod_security_level
from blueprints.core.prop_types import mismatch
from blueprints.errors import ConfigError, Problem
from blueprints.kube import DEFAULT, KubeVersion

__all__ = [
    "INSTALL_ORDER",
    "RELEASE_VERSION_ANNOTATION",
    "ReleaseContext",
    "assemble_release",
    "install_order",
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
        create_namespace: Emit the Namespace, labelled for Pod Security Admission. Default
            True, except for the namespaces every cluster has (``default``, ``kube-*``).
    """

    name: str
    namespace: str
    part_of: str
    version: str | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    kube_version: KubeVersion = DEFAULT
    egress: str = "open"
    create_namespace: bool = True

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
    create_namespace: bool | None = None,
) -> ReleaseContext:
    """Validate a release's props and resolve their defaults.

    Raises:
        ConfigError: A name is not DNS-1123 (BP006), an annotation is not a string, or
            ``create_namespace`` is not a boolean.
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
    if create_namespace is None:
        create_namespace = namespace not in RESERVED_NAMESPACES
    elif not isinstance(create_namespace, bool):
        raise ConfigError(Problem(name, "create_namespace", create_namespace,
                                  "must be True or False", "pass create_namespace=False to leave "
                                  "the Namespace to someone else", "BP043"))
    return ReleaseContext(name=name, namespace=namespace, part_of=part_of, version=version,
                          annotations=annotations, kube_version=kube_version, egress=egress,
                          create_namespace=create_namespace)


#: Helm's install order by kind (helm ``pkg/release/v1/util/kind_sorter.go``, ``InstallOrder``):
#: every object after what it needs, so that one ``kubectl apply -f`` works on an empty cluster.
#: NetworkPolicies and PodDisruptionBudgets come before the pods they guard, so no pod runs
#: unguarded; kinds it does not name come last, by kind name.
INSTALL_ORDER: tuple[str, ...] = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
    "PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
    "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
    "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
    "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
)
_RANK = {kind: rank for rank, kind in enumerate(INSTALL_ORDER)}
_M = TypeVar("_M", bound=Mapping[str, Any])


def install_order(manifests: Sequence[_M]) -> list[_M]:
    """``manifests`` sorted as Helm installs them: by kind in :data:`INSTALL_ORDER`, unknown
    kinds last in the order of their names, and objects of one kind in their given order."""
    unknown = len(INSTALL_ORDER)
    by_kind: dict[str, list[_M]] = {}  # a bucket per kind, in the given order
    for manifest in manifests:
        kind = manifest.get("kind")
        key = kind if type(kind) is str else str(kind)
        bucket = by_kind.get(key)
        if bucket is None:
            by_kind[key] = [manifest]
        else:
            bucket.append(manifest)

    def rank(kind: str) -> tuple[int, str]:
        known = _RANK.get(kind)
        return (unknown, kind) if known is None else (known, "")

    return [m for kind in sorted(by_kind, key=rank) for m in by_kind[kind]]


def assemble_release(
    context: ReleaseContext, manifests: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The release's objects as they are written: its Namespace (unless opted out) labelled
    for Pod Security Admission by the pods of ``manifests``, then everything in install order.

    Every path that renders a release (``Release``, the YAML blueprint) goes through here, so
    that what comes out of a release can be post-processed in one place.

    Raises:
        ConfigError: The release creates its Namespace and ``manifests`` hold one of that name.
    """
    objects = list(manifests)
    if context.create_namespace:
        for manifest in objects:
            if manifest.get("kind") == "Namespace" and (
                    manifest.get("metadata") or {}).get("name") == context.namespace:
                raise ConfigError(Problem(
                    context.name, "Namespace", context.namespace,
                    "the release emits its Namespace already, labelled for Pod Security",
                    "remove this one, or pass create_namespace=False to bring your own", "BP043"))
        level, reasons = pod_security_level(objects, context.kube_version)
        objects.insert(0, namespace_manifest(context, level, reasons))
    return install_order(objects)


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
