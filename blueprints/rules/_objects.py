"""Reading manifests: pod specs of every pod-template kind, containers, labels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = [
    "CLUSTER_SCOPED",
    "LONG_RUNNING",
    "POD_SPEC_PATHS",
    "TEMPLATE_PATHS",
    "SelectorIndex",
    "containers",
    "is_long_running",
    "labels_of",
    "memo",
    "name_of",
    "namespace_of",
    "pod_labels",
    "pod_spec",
    "readable",
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
#: Where any other kind (Argo Rollouts, OpenKruise, ...) may keep a pod template's spec: such a
#: kind is checked as a workload when a mapping with ``containers`` is found there.
TEMPLATE_PATHS: tuple[tuple[str, ...], ...] = (
    ("spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "spec"),
)
#: Kinds whose pods run until stopped, so serving containers need readiness and a preStop pause.
LONG_RUNNING = frozenset(
    {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})

#: Built-in kinds served without a namespace (their paths in kubernetes/kubernetes
#: api/openapi-spec have no ``namespaces/{namespace}`` segment, e.g.
#: ``/apis/policy/v1beta1/podsecuritypolicies/{name}``).
CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
    "ClusterTrustBundle", "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition",
    "FlowSchema", "IngressClass", "IPAddress", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "MutatingWebhookConfiguration", "Namespace", "Node",
    "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
    "ResourceSlice", "RuntimeClass", "SelfSubjectAccessReview", "SelfSubjectReview",
    "SelfSubjectRulesReview", "ServiceCIDR", "StorageClass", "StorageVersion",
    "StorageVersionMigration", "SubjectAccessReview", "TokenReview", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
    "VolumeAttributesClass", "DeviceClass", "ClusterCIDR",
})


def _get(obj: object, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


_MEMO: dict[object, Any] | None = None


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
        found: tuple[str, Mapping[str, Any]] | None = _MEMO[key]
        return found
    return _pod_spec(manifest)


def _pod_spec(manifest: Manifest) -> tuple[str, Mapping[str, Any]] | None:
    kind = manifest.get("kind")
    path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        path = _template_path(manifest)
        if path is None:
            return None
    spec = _get(manifest, path)
    if not isinstance(spec, dict):
        return None
    return ".".join(path), _typed(spec, _SPEC_LISTS, _SPEC_MAPS)


def _template_path(manifest: Manifest) -> tuple[str, ...] | None:
    """Where a kind that is not a built-in workload keeps its pod template, if it has one."""
    kind = manifest.get("kind")
    if isinstance(kind, str) and kind in _BUILT_IN_OTHERS:
        return None
    for path in TEMPLATE_PATHS:
        spec = _get(manifest, path)
        if isinstance(spec, dict) and "containers" in spec:
            return path
    return None


# What rules iterate or index in a pod spec and a container: a value of another type (a typo,
# a generator's bug: ``command: 5``) is hidden from the rules, which then never see it; lint
# reports the type itself, at its line.
_SPEC_LISTS = ("containers", "initContainers", "ephemeralContainers", "volumes",
               "imagePullSecrets", "tolerations", "hostAliases")
_SPEC_MAPS = ("securityContext", "nodeSelector", "affinity")
_CONTAINER_LISTS = ("command", "args", "env", "envFrom", "ports", "volumeMounts",
                    "volumeDevices")
_CONTAINER_MAPS = ("lifecycle", "resources", "securityContext", "livenessProbe",
                   "readinessProbe", "startupProbe")
# Built-in kinds that are not workloads, so never read as one by the shape of their spec.
_BUILT_IN_OTHERS = frozenset({"PodTemplate", "Service", "ConfigMap", "Secret"})


def _typed(
    obj: Mapping[str, Any], lists: tuple[str, ...], maps: tuple[str, ...]
) -> Mapping[str, Any]:
    """``obj``, or a copy without the fields of ``lists`` and ``maps`` of another type."""
    wrong = [key for key in lists if key in obj and not isinstance(obj[key], list | None)]
    wrong += [key for key in maps if key in obj and not isinstance(obj[key], dict | None)]
    if not wrong:
        return obj
    return {key: value for key, value in obj.items() if key not in wrong}


def readable(manifest: object) -> Manifest:
    """The manifest as rules see it: ``{}`` for what is not a mapping, and without a
    ``metadata`` or ``spec`` (or labels, annotations) that is not a mapping; lint reports each
    of those at its line."""
    if not isinstance(manifest, dict):
        return {}
    typed = _typed(manifest, (), ("metadata", "spec"))
    metadata = typed.get("metadata")
    if isinstance(metadata, dict):
        clean = _typed(metadata, (), ("labels", "annotations"))
        if clean is not metadata:
            typed = {**typed, "metadata": clean}
    return typed


def is_long_running(manifest: Manifest) -> bool:
    """Whether the object's pods run until stopped: the built-in kinds of :data:`LONG_RUNNING`,
    and other kinds with a pod template at ``spec.template`` (a Rollout, a CloneSet)."""
    kind = manifest.get("kind")
    if isinstance(kind, str) and kind in POD_SPEC_PATHS:
        return kind in LONG_RUNNING
    return _template_path(manifest) == TEMPLATE_PATHS[0]


def namespace_of(manifest: Manifest) -> str | None:
    """``metadata.namespace`` when it is a string, else ``None``."""
    metadata = manifest.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return namespace if isinstance(namespace, str) else None


def name_of(manifest: Manifest) -> str | None:
    """``metadata.name`` when it is a string, else ``None``."""
    metadata = manifest.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


def pod_labels(manifest: Manifest) -> Mapping[str, Any]:
    """The labels the object's pods carry (the template's, or a Pod's own)."""
    kind = manifest.get("kind")
    if kind == "Pod":
        return labels_of(manifest)
    path = POD_SPEC_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        path = _template_path(manifest)
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
    ``ephemeralContainers``). Fields of a wrong type that rules would iterate are left out."""
    if _MEMO is not None:
        key = (id(manifest), "containers")
        found = _MEMO.get(key)
        if found is None:
            found = _MEMO[key] = list(_containers(manifest))
    else:
        found = list(_containers(manifest))
    for item in found:
        if init or item[2] == "containers":
            yield item


def _containers(manifest: Manifest) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    found = pod_spec(manifest)
    if found is None:
        return
    prefix, spec = found
    for key in ("containers", "initContainers", "ephemeralContainers"):
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for i, container in enumerate(items):
            if isinstance(container, dict):
                yield (f"{prefix}.{key}[{i}]", _typed(container, _CONTAINER_LISTS,
                                                      _CONTAINER_MAPS), key)


class SelectorIndex:
    """Label selectors by namespace, answering "which selectors match these labels?" without
    comparing every pod with every selector.

    Each selector is filed under the one of its label pairs that the fewest selectors share, so
    a pod looks only at selectors that share a rare pair with it: 20,000 Services and 20,000
    Deployments in one namespace cost linear time, though every selector carries the same
    ``instance`` label.
    """

    def __init__(self) -> None:
        self._selectors: list[tuple[object, Mapping[str, Any], object]] = []
        self._by_pair: dict[tuple[object, str, str], list[tuple[Mapping[str, Any], object]]] = {}
        self._match_all: dict[object, list[object]] = {}
        self._built = True

    def add(self, namespace: object, selector: Mapping[str, Any], item: object = None) -> None:
        """Add ``selector`` (matchLabels form) with ``item`` (what :meth:`matching` gives back);
        an empty selector matches every pod of the namespace."""
        namespace = _hashable(namespace)
        if not selector:
            self._match_all.setdefault(namespace, []).append(item)
            return
        self._selectors.append((namespace, selector, item))
        self._built = False

    def matches(self, namespace: object, labels: Mapping[str, Any]) -> bool:
        """True when some selector of ``namespace`` selects ``labels``."""
        return next(self._matching(namespace, labels), _NONE) is not _NONE

    def matching(self, namespace: object, labels: Mapping[str, Any]) -> list[object]:
        """The items of every selector of ``namespace`` that selects ``labels``."""
        return list(self._matching(namespace, labels))

    def _matching(self, namespace: object, labels: Mapping[str, Any]) -> Iterator[object]:
        namespace = _hashable(namespace)
        yield from self._match_all.get(namespace, ())
        if not self._built:
            self._build()
        if not isinstance(labels, Mapping):
            return
        by_pair = self._by_pair
        for key, value in labels.items():
            for selector, item in by_pair.get((namespace, str(key), str(value)), ()):
                if all(labels.get(k) == v for k, v in selector.items()):
                    yield item

    def _build(self) -> None:
        counts: dict[tuple[object, str, str], int] = {}
        for namespace, selector, _ in self._selectors:
            for key, value in selector.items():
                pair = (namespace, str(key), str(value))
                counts[pair] = counts.get(pair, 0) + 1
        self._by_pair = {}
        for namespace, selector, item in self._selectors:
            rarest = min(((namespace, str(k), str(v)) for k, v in selector.items()),
                         key=counts.__getitem__)
            self._by_pair.setdefault(rarest, []).append((selector, item))
        self._built = True


_NONE = object()


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:  # a list where a namespace belongs: a key all the same
        return repr(value)
    return value
