"""The release's Namespace, labelled for Pod Security Admission by the pods it will hold.

The levels come from the same evaluation as BP041 (:mod:`blueprints.rules.pod_security`), so the
label and the pods cannot disagree: ``restricted`` unless a pod of the release breaks it, then
``baseline`` or ``privileged``, only as far as the pods require, with the reason recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from blueprints.core.labels import label_value_problem, recommended_labels
from blueprints.kube import KubeVersion

if TYPE_CHECKING:
    from blueprints.core.release import ReleaseContext

__all__ = [
    "POD_SECURITY_LABEL_PREFIX",
    "POD_SECURITY_REASON_ANNOTATION",
    "RESERVED_NAMESPACES",
    "namespace_manifest",
    "pod_security_level",
]

#: The Pod Security Admission labels (kubernetes ``staging/src/k8s.io/pod-security-admission/
#: api/constants.go``): ``<prefix>enforce``, ``audit``, ``warn`` and their ``-version`` labels.
POD_SECURITY_LABEL_PREFIX = "pod-security.kubernetes.io/"
#: Why the Namespace is below ``restricted``: each object that needs it, the Pod Security
#: controls it breaks (the evaluator's names, only those: a writable root filesystem, for one,
#: is no control; upstream's checks are ``staging/src/k8s.io/pod-security-admission/policy/
#: check_*.go`` in kubernetes/kubernetes) and whether it records a BP041 opt-out. The opt-out's
#: own text stays on the object: it may name more than Pod Security, in a blueprint's words.
POD_SECURITY_REASON_ANNOTATION = "blueprint.dev/pod-security"
#: Namespaces that every cluster has: a release there does not create or relabel them.
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})

_MODES = ("audit", "enforce", "warn")


def pod_security_level(
    manifests: Sequence[Mapping[str, Any]], kube_version: KubeVersion
) -> tuple[str, list[str]]:
    """The strictest Pod Security level that admits every pod of ``manifests``, and why.

    Returns:
        The level (``restricted``, ``baseline`` or ``privileged``) and, when it is below
        ``restricted``, one reason per object that lowers it: ``<Kind>/<name>: <controls>``
        with the opt-out the object records.
    """
    from blueprints.practices import IGNORE_ANNOTATION
    from blueprints.rules import suppressions
    from blueprints.rules._objects import POD_SPEC_PATHS
    from blueprints.rules.pod_security import evaluate, strictest_level

    pods = list(_pods(manifests, POD_SPEC_PATHS))
    level = strictest_level(((spec, meta) for _, spec, meta in pods), kube_version)
    reasons = []
    if level != "restricted":
        for manifest, spec, meta in pods:
            violations = evaluate(spec, meta, kube_version)
            if not violations:
                continue
            controls = ", ".join(dict.fromkeys(v.control for v in violations))
            metadata = manifest.get("metadata") or {}
            recorded = "BP041" in suppressions(manifest)
            opt_out = (f"opt-out: BP041 in its {IGNORE_ANNOTATION} annotation" if recorded
                       else "no recorded opt-out")
            reasons.append(f"{manifest.get('kind')}/{metadata.get('name')}: {controls} "
                           f"({opt_out})")
    return level, reasons


def namespace_manifest(
    context: ReleaseContext, level: str, reasons: Sequence[str]
) -> dict[str, Any]:
    """The release's Namespace: the six labels, and Pod Security Admission at ``level`` for
    the target version (``v1.<minor>``, the form pod-security-admission's ``ParseVersion``
    accepts)."""
    version = context.version
    if version is None or label_value_problem(version) is not None:
        version = "unversioned"
    labels: dict[str, str] = recommended_labels(
        name=context.namespace, instance=context.name, version=version, component="namespace",
        part_of=context.part_of)
    target = f"v{context.kube_version[0]}.{context.kube_version[1]}"
    for mode in _MODES:
        labels[f"{POD_SECURITY_LABEL_PREFIX}{mode}"] = level
        labels[f"{POD_SECURITY_LABEL_PREFIX}{mode}-version"] = target
    metadata: dict[str, Any] = {"name": context.namespace, "labels": labels}
    annotations = context.object_annotations()
    if reasons:
        annotations[POD_SECURITY_REASON_ANNOTATION] = f"{level}: " + "; ".join(reasons)
    if annotations:
        metadata["annotations"] = dict(sorted(annotations.items()))
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}


def _pods(
    manifests: Sequence[Mapping[str, Any]], paths: Mapping[str, tuple[str, ...]],
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]]:
    """Each object that makes pods, with its pod spec and pod metadata."""
    for manifest in manifests:
        path = paths.get(str(manifest.get("kind")))
        if path is None:
            continue
        spec: object = manifest
        meta: object = manifest
        for depth, key in enumerate(path):
            spec = spec.get(key) if isinstance(spec, dict) else None
            if depth < len(path) - 1:
                meta = spec
        pod_meta = meta.get("metadata") if isinstance(meta, dict) else None
        if isinstance(spec, dict):
            yield manifest, spec, pod_meta if isinstance(pod_meta, dict) else {}
