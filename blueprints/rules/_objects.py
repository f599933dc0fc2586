"""Reading manifests: pod specs of every pod-template kind, containers, labels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "CLUSTER_SCOPED",
    "LONG_RUNNING",
    "POD_SPEC_PATHS",
    "containers",
    "labels_of",
    "pod_labels",
    "pod_spec",
]

Manifest = Mapping[str, Any]

#: Where each pod-template kind keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
#: Kinds whose pods run until stopped, so serving containers need readiness and a preStop pause.
LONG_RUNNING = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})

CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
    "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition", "FlowSchema",
    "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
    "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass", "StorageClass",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration", "VolumeAttachment", "DeviceClass",
})


def _get(obj: object, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def pod_spec(manifest: Manifest) -> tuple[str, Mapping[str, Any]] | None:
    """The pod spec of a pod-template kind, with its field path, or ``None``."""
    path = POD_SPEC_PATHS.get(str(manifest.get("kind")))
    spec = _get(manifest, path) if path else None
    if path is None or not isinstance(spec, Mapping):
        return None
    return ".".join(path), spec


def pod_labels(manifest: Manifest) -> Mapping[str, Any]:
    """The labels the object's pods carry (the template's, or a Pod's own)."""
    kind = manifest.get("kind")
    if kind == "Pod":
        return labels_of(manifest)
    path = POD_SPEC_PATHS.get(str(kind))
    if path is None:
        return {}
    template = _get(manifest, (*path[:-1], "metadata", "labels"))
    return template if isinstance(template, Mapping) else {}


def labels_of(manifest: Manifest) -> Mapping[str, Any]:
    """``metadata.labels``, or an empty mapping."""
    labels = _get(manifest, ("metadata", "labels"))
    return labels if isinstance(labels, Mapping) else {}


def containers(
    manifest: Manifest, *, init: bool = True
) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """Each container with its field path and its list (``containers``, ``initContainers``,
    ``ephemeralContainers``)."""
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    lists = ("containers", "initContainers", "ephemeralContainers") if init else ("containers",)
    for key in lists:
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for i, container in enumerate(items):
            if isinstance(container, Mapping):
                yield f"{prefix}.{key}[{i}]", container, key
