"""Reading manifests: pod specs of every pod-template kind, containers, labels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = [
    "CLUSTER_SCOPED",
    "LONG_RUNNING",
    "POD_SPEC_PATHS",
    "SelectorIndex",
    "containers",
    "labels_of",
    "memo",
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
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


_MEMO: dict[int, tuple[str, Mapping[str, Any]] | None] | None = None


@contextmanager
def memo() -> Iterator[None]:
    """Find each manifest's pod spec once for all rules of a check, not once per rule."""
    global _MEMO  # noqa: PLW0603 - a cache that lives exactly as long as one check
    _MEMO = {}
    try:
        yield
    finally:
        _MEMO = None


def pod_spec(manifest: Manifest) -> tuple[str, Mapping[str, Any]] | None:
    """The pod spec of a pod-template kind, with its field path, or ``None``."""
    if _MEMO is not None:
        key = id(manifest)
        if key not in _MEMO:
            _MEMO[key] = _pod_spec(manifest)
        return _MEMO[key]
    return _pod_spec(manifest)


def _pod_spec(manifest: Manifest) -> tuple[str, Mapping[str, Any]] | None:
    path = POD_SPEC_PATHS.get(str(manifest.get("kind")))
    spec = _get(manifest, path) if path else None
    if path is None or not isinstance(spec, dict):
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
    return template if isinstance(template, dict) else {}


def labels_of(manifest: Manifest) -> Mapping[str, Any]:
    """``metadata.labels``, or an empty mapping."""
    labels = _get(manifest, ("metadata", "labels"))
    return labels if isinstance(labels, dict) else {}


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
            if isinstance(container, dict):
                yield f"{prefix}.{key}[{i}]", container, key


class SelectorIndex:
    """Label selectors by namespace, answering "is any selector matching these labels?" without
    comparing every pod with every selector (a release of 1,000 apps has 1,000 of each)."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[object, str, str], list[Mapping[str, Any]]] = {}
        self._match_all: set[object] = set()

    def add(self, namespace: object, selector: Mapping[str, Any]) -> None:
        """Add ``selector`` (matchLabels form); an empty one matches every pod of the namespace."""
        if not selector:
            self._match_all.add(namespace)
            return
        key, value = next(iter(selector.items()))
        self._by_pair.setdefault((namespace, str(key), str(value)), []).append(selector)

    def matches(self, namespace: object, labels: Mapping[str, Any]) -> bool:
        """True when some selector of ``namespace`` selects ``labels``."""
        if namespace in self._match_all:
            return True
        for key, value in labels.items():
            for selector in self._by_pair.get((namespace, str(key), str(value)), ()):
                if all(labels.get(k) == v for k, v in selector.items()):
                    return True
        return False
