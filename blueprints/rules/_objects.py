"""Reading manifests: pod specs of every pod-template kind, containers, labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, TypeVar

__all__ = [
    "CLUSTER_SCOPED",
    "LONG_RUNNING",
    "POD_SPEC_PATHS",
    "TEMPLATE_PATHS",
    "SelectorIndex",
    "containers",
    "is_long_running",
    "kind_index",
    "labels_of",
    "memo",
    "name_of",
    "namespace_of",
    "of_kinds",
    "pod_labels",
    "pod_spec",
    "provide",
    "readable",
    "shared",
    "with_pod_spec",
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
_CONTAINERS: dict[int, list[tuple[str, Mapping[str, Any], str]]] | None = None
_SHARED: dict[object, Any] | None = None
T = TypeVar("T")


@contextmanager
def memo() -> Iterator[None]:
    """Find each manifest's pod spec once for all rules of a check, not once per rule."""
    global _MEMO, _CONTAINERS, _SHARED  # noqa: PLW0603 - caches that live exactly as long as one check
    _MEMO, _CONTAINERS, _SHARED = {}, {}, {}
    try:
        yield
    finally:
        _MEMO = _CONTAINERS = _SHARED = None


def provide(name: str, of: object, value: object) -> None:
    """Give :func:`shared` the answer for ``name`` over ``of``, already found (by ``check``)."""
    if _SHARED is not None:
        _SHARED[(name, id(of))] = (of, value)


def shared(name: str, of: object, compute: Callable[[], T]) -> T:
    """``compute()``, found once per check for all rules that ask for ``name`` over the same
    object ``of`` (an index over the manifests that several rules use); without a check, every
    time. The entry holds ``of``, so a later object cannot take its id."""
    if _SHARED is None:
        return compute()
    key = (name, id(of))
    entry = _SHARED.get(key)
    if entry is None or entry[0] is not of:
        entry = _SHARED[key] = (of, compute())
    found: T = entry[1]
    return found


def of_kinds(manifests: Sequence[Manifest], kinds: Iterable[str]) -> list[int]:
    """The indices of the objects whose ``kind`` is one of ``kinds``, in order (a set rule
    that looks at some kinds reads only those; the index is found once per check)."""
    index = shared("kinds", manifests, lambda: kind_index(manifests))
    found = [i for kind in kinds for i in index.get(kind, ())]
    found.sort()
    return found


def with_pod_spec(manifests: Sequence[Manifest]) -> list[int]:
    """The indices of the objects that have a pod spec, in order (found once per check)."""
    return shared("pods", manifests,
                  lambda: [i for i, m in enumerate(manifests) if pod_spec(m) is not None])


def kind_index(manifests: Sequence[Manifest]) -> dict[str, list[int]]:
    """The indices of the objects of each kind (a ``kind`` that is not text is in none)."""
    index: dict[str, list[int]] = {}
    for i, m in enumerate(manifests):
        kind = m.get("kind")
        if isinstance(kind, str):
            index.setdefault(kind, []).append(i)
    return index


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
    # The common case (every field of the right type, or absent) allocates nothing.
    get = obj.get
    for key in lists:
        if not isinstance(get(key), _LIST_OR_NONE):
            break
    else:
        for key in maps:
            if not isinstance(get(key), _DICT_OR_NONE):
                break
        else:
            return obj
    wrong = [key for key in lists if key in obj and not isinstance(obj[key], _LIST_OR_NONE)]
    wrong += [key for key in maps if key in obj and not isinstance(obj[key], _DICT_OR_NONE)]
    return {key: value for key, value in obj.items() if key not in wrong}


_LIST_OR_NONE = (list, type(None))
_DICT_OR_NONE = (dict, type(None))


def readable(manifest: object) -> Manifest:
    """The manifest as rules see it: ``{}`` for what is not a mapping, and without a
    ``metadata`` or ``spec`` (or labels, annotations) that is not a mapping; lint reports each
    of those at its line."""
    if not isinstance(manifest, dict):
        return {}
    metadata = manifest.get("metadata")
    if type(metadata) is dict and isinstance(manifest.get("spec"), _DICT_OR_NONE) and isinstance(
        metadata.get("labels"), _DICT_OR_NONE
    ) and isinstance(metadata.get("annotations"), _DICT_OR_NONE):
        return manifest  # well typed, as every rendered manifest is: nothing to copy
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
    # Another kind has a pod spec exactly where it has a pod template (the memo holds it).
    found = pod_spec(manifest)
    return found is not None and found[0] == _TEMPLATE_SPEC


_TEMPLATE_SPEC = ".".join(TEMPLATE_PATHS[0])


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
    path = _LABEL_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        found = _template_path(manifest)
        if found is None:
            return {}
        path = (*found[:-1], "metadata", "labels")
    template = _get(manifest, path)
    return template if isinstance(template, dict) else {}


# Where each pod-template kind keeps its pods' labels.
_LABEL_PATHS = {kind: (*path[:-1], "metadata", "labels") for kind, path in POD_SPEC_PATHS.items()}


def labels_of(manifest: Manifest) -> Mapping[str, Any]:
    """``metadata.labels``, or an empty mapping."""
    labels = _get(manifest, ("metadata", "labels"))
    return labels if isinstance(labels, dict) else {}


def containers(
    manifest: Manifest, *, init: bool = True
) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """Each container with its field path and its list (``containers``, ``initContainers``,
    ``ephemeralContainers``). Fields of a wrong type that rules would iterate are left out."""
    if _CONTAINERS is not None:
        key = id(manifest)
        found = _CONTAINERS.get(key)
        if found is None:
            found = _CONTAINERS[key] = list(_containers(manifest))
    else:
        found = list(_containers(manifest))
    if init:
        yield from found
    else:
        for item in found:
            if item[2] == "containers":
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
        self._selectors: list[tuple[list[tuple[object, str, str]], Mapping[str, Any], object]] = []
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
        pairs = [(namespace, key, value) if type(key) is str and type(value) is str
                 else (namespace, str(key), str(value)) for key, value in selector.items()]
        self._selectors.append((pairs, selector, item))
        self._built = False

    def matches(self, namespace: object, labels: Mapping[str, Any]) -> bool:
        """True when some selector of ``namespace`` selects ``labels``."""
        namespace = _hashable(namespace)
        if self._match_all.get(namespace):
            return True
        return any(True for _ in self._selected(namespace, labels))

    def matching(self, namespace: object, labels: Mapping[str, Any]) -> list[object]:
        """The items of every selector of ``namespace`` that selects ``labels``."""
        namespace = _hashable(namespace)
        return [*self._match_all.get(namespace, ()), *self._selected(namespace, labels)]

    def _selected(self, namespace: object, labels: Mapping[str, Any]) -> Iterator[object]:
        """The items of the selectors (not the empty ones) of ``namespace`` that select
        ``labels``, found through the rare pair each is filed under."""
        if not self._built:
            self._build()
        if type(labels) is not dict and not isinstance(labels, Mapping):
            return
        by_pair = self._by_pair
        for key, value in labels.items():
            pair = ((namespace, key, value) if type(key) is str and type(value) is str
                    else (namespace, str(key), str(value)))
            candidates = by_pair.get(pair)
            if candidates is None:
                continue
            for selector, item in candidates:
                for k, v in selector.items():
                    if labels.get(k) != v:
                        break
                else:
                    yield item

    def _build(self) -> None:
        counts = Counter(chain.from_iterable(pairs for pairs, _, _ in self._selectors))
        rank = counts.__getitem__
        by_pair: dict[tuple[object, str, str], list[tuple[Mapping[str, Any], object]]] = {}
        for pairs, selector, item in self._selectors:
            rarest = pairs[0] if len(pairs) == 1 else min(pairs, key=rank)
            entries = by_pair.get(rarest)
            if entries is None:
                by_pair[rarest] = [(selector, item)]
            else:
                entries.append((selector, item))
        self._by_pair = by_pair
        self._built = True


def _hashable(value: object) -> object:
    if value is None or type(value) is str:
        return value
    try:
        hash(value)
    except TypeError:  # a list where a namespace belongs: a key all the same
        return repr(value)
    return value
