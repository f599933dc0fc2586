"""BP003 labels, BP004 selectors, BP005 annotations, BP006 names, BP043 namespaces."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from blueprints.core.labels import LABEL_KEYS
from blueprints.core.names import name_problem
from blueprints.rules._objects import CLUSTER_SCOPED, containers, labels_of
from blueprints.rules._registry import Context, Violation, object_rule

__all__ = [
    "annotations_present",
    "names_are_valid",
    "namespace_is_explicit",
    "recommended_labels_present",
    "selectors_are_stable",
]

_VERSION = "app.kubernetes.io/version"
_SELECTOR_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "selector", "matchLabels"),
    "StatefulSet": ("spec", "selector", "matchLabels"),
    "DaemonSet": ("spec", "selector", "matchLabels"),
    "ReplicaSet": ("spec", "selector", "matchLabels"),
    "Job": ("spec", "selector", "matchLabels"),
    "PodDisruptionBudget": ("spec", "selector", "matchLabels"),
    "NetworkPolicy": ("spec", "podSelector", "matchLabels"),
    "Service": ("spec", "selector"),
    "ReplicationController": ("spec", "selector"),
}
# How the API server validates each kind's metadata.name (kubernetes/kubernetes
# pkg/apis/core/validation/validation.go: ValidateServiceName = NameIsDNS1035Label,
# ValidateNamespaceName = NameIsDNSLabel, Pod/ReplicationController/Secret/ServiceAccount/... =
# NameIsDNSSubdomain; pkg/apis/apps/validation: Deployment, DaemonSet, ReplicaSet =
# NameIsDNSSubdomain, ValidateStatefulSetName = NameIsDNSLabel; pkg/apis/batch/validation: Job and
# CronJob "have the same name validation" as ReplicationController, CronJob at most 52 characters;
# pkg/apis/rbac/validation: Role, ClusterRole and their bindings = path.IsValidPathSegmentName).
# Any other kind: a DNS-1123 subdomain, the generic rule. StatefulSet keeps PRACTICES BP006's 52.
_NAME_KIND = {"Service": ("service", None), "Namespace": ("label", None),
              "StatefulSet": ("label", 52), "CronJob": ("subdomain", 52)}
_PATH_SEGMENT_NAMED = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})


def _path_segment_problem(name: object) -> str | None:
    """What apimachinery's ``path.IsValidPathSegmentName`` refuses: '.', '..', '/' and '%'."""
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if name in (".", ".."):
        return f"may not be {name!r}"
    for bad in ("/", "%"):
        if bad in name:
            return f"may not contain {bad!r}"
    return None


@object_rule("BP003")
def recommended_labels_present(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """All six ``app.kubernetes.io`` labels on every object."""
    labels = labels_of(manifest)
    missing = [key for key in LABEL_KEYS if not labels.get(key)]
    if missing:
        short = ", ".join(key.removeprefix("app.kubernetes.io/") for key in missing)
        yield Violation("metadata.labels", None if not labels else f"missing {short}",
                        f"missing recommended labels: {short}",
                        "add all six app.kubernetes.io labels")


@object_rule("BP004")
def selectors_are_stable(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Selectors never use the version label: selectors are immutable."""
    path = _SELECTOR_PATHS.get(str(manifest.get("kind")))
    selector: object = manifest
    for key in path or ():
        selector = selector.get(key) if isinstance(selector, dict) else None
    if isinstance(selector, dict) and _VERSION in selector:
        yield Violation(".".join(path or ()) + f"[{_VERSION!r}]", selector[_VERSION],
                        "a version in a selector breaks every upgrade (selectors are immutable)",
                        "select on name, instance and component only")


@object_rule("BP005")
def annotations_present(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Objects carry annotations that describe them (description, owner, source, revision)."""
    metadata = manifest.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not annotations:
        yield Violation("metadata.annotations", None, "no annotations describe the object",
                        "add description, owner or source annotations")


@object_rule("BP006")
def names_are_valid(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Object, container and port names are valid DNS names within Kubernetes' limits."""
    kind = str(manifest.get("kind"))
    metadata = manifest.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if name is None and not (isinstance(metadata, dict) and metadata.get("generateName")):
        yield Violation("metadata.name", None, "no name", "set metadata.name")
    elif name is not None and (what := _name_problem(kind, name)) is not None:
        yield Violation("metadata.name", name, f"{kind} name {what}", "rename it")
    for path, container, _ in containers(manifest):
        what = name_problem(container.get("name"))
        if what is not None:
            yield Violation(f"{path}.name", container.get("name"), f"container name {what}",
                            "rename it")
        for i, port in enumerate(container.get("ports") or ()):
            if isinstance(port, dict) and "name" in port:
                what = name_problem(port["name"], kind="port")
                if what is not None:
                    yield Violation(f"{path}.ports[{i}].name", port["name"],
                                    f"port name {what}", "rename it")


def _name_problem(kind: str, name: object) -> str | None:
    if kind in _PATH_SEGMENT_NAMED:
        return _path_segment_problem(name)
    name_kind, limit = _NAME_KIND.get(kind, ("subdomain", None))
    return name_problem(name, kind=name_kind, max_length=limit)


@object_rule("BP043")
def namespace_is_explicit(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """Every namespaced object names its namespace, so nothing lands in ``default`` by accident."""
    kind = manifest.get("kind")
    if kind in CLUSTER_SCOPED or kind is None:
        return
    metadata = manifest.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not namespace:
        yield Violation("metadata.namespace", None, "no namespace: it lands wherever kubectl "
                        "points", "set metadata.namespace")
