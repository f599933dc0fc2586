"""BP007: every object uses an API version that the target Kubernetes serves.

The table is the upstream Deprecated API Migration Guide (``kubernetes/website``,
``content/en/docs/reference/using-api/deprecation-guide.md``, "Removed APIs by release", read
up to its v1.32 section), completed for 1.33 to 1.37 from the Kubernetes OpenAPI schemas of
each release (see :data:`REMOVED_APIS`): each entry is an ``apiVersion`` and the kinds it stopped serving, the
release that stopped serving them, and the replacement. An entry is keyed by kind as well as by
version, because a group version may stop serving one kind and keep another
(``storage.k8s.io/v1beta1`` lost CSIStorageCapacity in 1.27 but serves VolumeAttributesClass).

On a target at or after the removal the object cannot be applied: an error. Before it, the
version is deprecated but still served: a warning, so the move happens before the upgrade.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from blueprints.kube import KubeVersion
from blueprints.practices import Severity
from blueprints.rules._registry import Context, Violation, object_rule
from blueprints.rules._served import SERVED

__all__ = [
    "BUILTIN_GROUPS",
    "REMOVED_APIS",
    "REMOVED_KINDS",
    "SERVED",
    "RemovedAPI",
    "generate_served",
    "is_builtin_api",
    "removed_api",
    "served_api",
]


@dataclass(frozen=True, slots=True)
class RemovedAPI:
    """An API version of some kinds that Kubernetes stopped serving.

    Attributes:
        api_version: e.g. ``extensions/v1beta1``. kinds: the kinds it no longer serves.
        removed_in: The minor release that stopped serving them, e.g. ``22`` for 1.22.
        replacement: The ``apiVersion`` to use instead, or what replaces the API.
        changes: What changes on the way, from the guide's "Notable changes" (may be empty).
        replacement_since: The minor release that first serves the replacement: before it, the
            old version is not yet deprecated (there is nothing to move to).
    """

    api_version: str
    kinds: tuple[str, ...]
    removed_in: int
    replacement: str
    changes: str = ""
    replacement_since: int = 0


_FLOWCONTROL = ("FlowSchema", "PriorityLevelConfiguration")
_RBAC = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
_PSA = "Pod Security Admission (pod-security.kubernetes.io/* labels on the Namespace)"

#: The removals of the deprecation guide, newest first; then the beta versions that the
#: Kubernetes OpenAPI schemas of 1.33 to 1.37 no longer hold (the guide as read stops at v1.32;
#: kubernetes-validate ships those schemas, generated from kubernetes/kubernetes
#: api/openapi-spec, and tests/test_apis.py checks the table against them release by release).
REMOVED_APIS: tuple[RemovedAPI, ...] = (
    # from the schemas: betas gone after the guide's last section
    RemovedAPI("networking.k8s.io/v1beta1", ("IPAddress", "ServiceCIDR"), 37,
               "networking.k8s.io/v1", replacement_since=33),
    RemovedAPI("storage.k8s.io/v1beta1", ("VolumeAttributesClass",), 37, "storage.k8s.io/v1",
               replacement_since=34),
    RemovedAPI("admissionregistration.k8s.io/v1beta1",
               ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"), 34,
               "admissionregistration.k8s.io/v1", replacement_since=30),
    RemovedAPI("authentication.k8s.io/v1beta1", ("SelfSubjectReview",), 33,
               "authentication.k8s.io/v1", replacement_since=28),
    # v1.32
    RemovedAPI("flowcontrol.apiserver.k8s.io/v1beta3", _FLOWCONTROL, 32,
               "flowcontrol.apiserver.k8s.io/v1",
               "spec.limited.nominalConcurrencyShares defaults to 30 only when unset",
               replacement_since=29),
    # v1.29
    RemovedAPI("flowcontrol.apiserver.k8s.io/v1beta2", _FLOWCONTROL, 29,
               "flowcontrol.apiserver.k8s.io/v1",
               "spec.limited.assuredConcurrencyShares is renamed nominalConcurrencyShares"),
    # v1.27
    RemovedAPI("storage.k8s.io/v1beta1", ("CSIStorageCapacity",), 27, "storage.k8s.io/v1"),
    # v1.26
    RemovedAPI("flowcontrol.apiserver.k8s.io/v1beta1", _FLOWCONTROL, 26,
               "flowcontrol.apiserver.k8s.io/v1"),
    RemovedAPI("autoscaling/v2beta2", ("HorizontalPodAutoscaler",), 26, "autoscaling/v2",
               "targetAverageUtilization becomes target.averageUtilization with "
               "target.type: Utilization"),
    # v1.25
    RemovedAPI("batch/v1beta1", ("CronJob",), 25, "batch/v1"),
    RemovedAPI("discovery.k8s.io/v1beta1", ("EndpointSlice",), 25, "discovery.k8s.io/v1",
               "topology becomes the per-endpoint nodeName and zone"),
    RemovedAPI("events.k8s.io/v1beta1", ("Event",), 25, "events.k8s.io/v1",
               "involvedObject is renamed regarding; type is Normal or Warning"),
    RemovedAPI("autoscaling/v2beta1", ("HorizontalPodAutoscaler",), 25, "autoscaling/v2",
               "targetAverageUtilization becomes target.averageUtilization with "
               "target.type: Utilization"),
    RemovedAPI("policy/v1beta1", ("PodDisruptionBudget",), 25, "policy/v1",
               "an empty spec.selector ({}) now selects every pod of the namespace"),
    RemovedAPI("policy/v1beta1", ("PodSecurityPolicy",), 25, _PSA),
    RemovedAPI("node.k8s.io/v1beta1", ("RuntimeClass",), 25, "node.k8s.io/v1"),
    # v1.22
    RemovedAPI("admissionregistration.k8s.io/v1beta1",
               ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"), 22,
               "admissionregistration.k8s.io/v1",
               "webhooks[*].sideEffects and admissionReviewVersions are required; "
               "failurePolicy defaults to Fail"),
    RemovedAPI("apiextensions.k8s.io/v1beta1", ("CustomResourceDefinition",), 22,
               "apiextensions.k8s.io/v1",
               "spec.scope is required; schemas move to spec.versions[*].schema and must be "
               "structural"),
    RemovedAPI("apiregistration.k8s.io/v1beta1", ("APIService",), 22, "apiregistration.k8s.io/v1"),
    RemovedAPI("authentication.k8s.io/v1beta1", ("TokenReview",), 22, "authentication.k8s.io/v1"),
    RemovedAPI("authorization.k8s.io/v1beta1",
               ("LocalSubjectAccessReview", "SelfSubjectAccessReview", "SubjectAccessReview",
                "SelfSubjectRulesReview"), 22, "authorization.k8s.io/v1",
               "spec.group is renamed spec.groups"),
    RemovedAPI("certificates.k8s.io/v1beta1", ("CertificateSigningRequest",), 22,
               "certificates.k8s.io/v1", "spec.signerName and spec.usages are required"),
    RemovedAPI("coordination.k8s.io/v1beta1", ("Lease",), 22, "coordination.k8s.io/v1"),
    RemovedAPI("extensions/v1beta1", ("Ingress",), 22, "networking.k8s.io/v1",
               "spec.backend becomes spec.defaultBackend; serviceName/servicePort become "
               "service.name and service.port.number or .name; pathType is required"),
    RemovedAPI("networking.k8s.io/v1beta1", ("Ingress",), 22, "networking.k8s.io/v1",
               "spec.backend becomes spec.defaultBackend; serviceName/servicePort become "
               "service.name and service.port.number or .name; pathType is required"),
    RemovedAPI("networking.k8s.io/v1beta1", ("IngressClass",), 22, "networking.k8s.io/v1"),
    RemovedAPI("rbac.authorization.k8s.io/v1beta1", _RBAC, 22, "rbac.authorization.k8s.io/v1"),
    RemovedAPI("scheduling.k8s.io/v1beta1", ("PriorityClass",), 22, "scheduling.k8s.io/v1"),
    RemovedAPI("storage.k8s.io/v1beta1",
               ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"), 22,
               "storage.k8s.io/v1"),
    # v1.16
    RemovedAPI("extensions/v1beta1", ("NetworkPolicy",), 16, "networking.k8s.io/v1"),
    RemovedAPI("extensions/v1beta1", ("DaemonSet",), 16, "apps/v1",
               "spec.selector is required; updateStrategy defaults to RollingUpdate"),
    RemovedAPI("apps/v1beta2", ("DaemonSet",), 16, "apps/v1",
               "spec.selector is required; updateStrategy defaults to RollingUpdate"),
    RemovedAPI("extensions/v1beta1", ("Deployment",), 16, "apps/v1",
               "spec.selector is required; spec.rollbackTo is gone"),
    RemovedAPI("apps/v1beta1", ("Deployment",), 16, "apps/v1",
               "spec.selector is required; spec.rollbackTo is gone"),
    RemovedAPI("apps/v1beta2", ("Deployment",), 16, "apps/v1",
               "spec.selector is required; spec.rollbackTo is gone"),
    RemovedAPI("apps/v1beta1", ("StatefulSet",), 16, "apps/v1",
               "spec.selector is required; updateStrategy defaults to RollingUpdate"),
    RemovedAPI("apps/v1beta2", ("StatefulSet",), 16, "apps/v1",
               "spec.selector is required; updateStrategy defaults to RollingUpdate"),
    RemovedAPI("extensions/v1beta1", ("ReplicaSet",), 16, "apps/v1", "spec.selector is required"),
    RemovedAPI("apps/v1beta1", ("ReplicaSet",), 16, "apps/v1", "spec.selector is required"),
    RemovedAPI("apps/v1beta2", ("ReplicaSet",), 16, "apps/v1", "spec.selector is required"),
    # extensions/v1beta1 PodSecurityPolicy went in 1.16 (to policy/v1beta1, itself gone in 1.25).
    RemovedAPI("extensions/v1beta1", ("PodSecurityPolicy",), 16, _PSA),
)

#: Every kind of the table: built-in kinds, some no longer served at all (PodSecurityPolicy).
REMOVED_KINDS = frozenset(kind for entry in REMOVED_APIS for kind in entry.kinds)

_BY_KEY: dict[tuple[str, str], RemovedAPI] = {
    (entry.api_version, kind): entry for entry in REMOVED_APIS for kind in entry.kinds}


def removed_api(api_version: object, kind: object) -> RemovedAPI | None:
    """The guide's entry for ``apiVersion`` and ``kind``, or ``None`` when it was never removed."""
    return _BY_KEY.get((str(api_version), str(kind)))


def served_api(api_version: object, kind: object, minor: int) -> bool:
    """Whether Kubernetes ``1.<minor>`` serves ``kind`` at ``api_version`` (as far as the guide
    knows: versions it does not list count as served)."""
    entry = removed_api(api_version, kind)
    return entry is None or minor < entry.removed_in


@object_rule("BP007")
def api_is_served(manifest: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    """An ``apiVersion`` the target no longer serves (error) or that it will stop serving
    (warning), with the replacement."""
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if type(api_version) is str and type(kind) is str and type(context.kube_version) is tuple:
        # The answer depends on the pair and the target only, and objects repeat their pairs.
        yield from _served_pair(api_version, kind, context.kube_version)
    else:
        yield from _api_is_served(api_version, kind, context.kube_version)


@functools.lru_cache(maxsize=1024)
def _served_pair(api_version: str, kind: str, kube_version: KubeVersion) -> tuple[Violation, ...]:
    return tuple(_api_is_served(api_version, kind, kube_version))


def _api_is_served(api_version: object, kind: object, kube_version: KubeVersion
                   ) -> Iterator[Violation]:
    entry = removed_api(api_version, kind)
    if entry is None:
        if kube_version[0] == 1 and (
                unserved := _unserved(api_version, kind, kube_version[1])) is not None:
            yield unserved
        return
    major, minor = kube_version
    target = f"{major}.{minor}"
    replacement = (f"use apiVersion: {entry.replacement}" if "/" in entry.replacement
                   and " " not in entry.replacement else f"move to {entry.replacement}")
    if entry.changes:
        replacement += f" ({entry.changes})"
    if major == 1 and minor < entry.replacement_since:
        return  # nothing to move to yet on this target
    if major > 1 or minor >= entry.removed_in:
        yield Violation("apiVersion", api_version,
                        f"{kind} {api_version} is not served from Kubernetes 1.{entry.removed_in} "
                        f"(target {target}): the API server refuses the object", replacement,
                        Severity.ERROR)
    else:
        yield Violation("apiVersion", api_version,
                        f"{kind} {api_version} is deprecated and no longer served from "
                        f"Kubernetes 1.{entry.removed_in} (target {target})", replacement,
                        Severity.WARNING)


# -- every built-in apiVersion and kind, release by release -------------------------------------
# SERVED (blueprints/rules/_served.py, generated from kubernetes-validate's schemas, which are
# generated from kubernetes/kubernetes api/openapi-spec) maps each built-in apiVersion to its
# kinds, each with the first and last minor release whose schemas hold it. A group that appears
# there, or in REMOVED_APIS, is built in: an apiVersion of it that the target does not serve is
# refused by the API server, whether or not the deprecation guide lists it (batch/v2alpha1,
# resource.k8s.io/v1alpha2, networking.k8s.io/v1alpha1 ClusterCIDR).

BUILTIN_GROUPS = frozenset(
    {api.rpartition("/")[0] for api in SERVED}
    | {entry.api_version.rpartition("/")[0] for entry in REMOVED_APIS})


#: The oldest release whose schemas SERVED holds.
_FIRST_KNOWN = min(span[0] for kinds in SERVED.values() for span in kinds.values())


def is_builtin_api(api_version: object) -> bool:
    """Whether ``api_version`` belongs to a group Kubernetes serves itself (``v1``, ``apps/…``,
    ``resource.k8s.io/…``), rather than to a custom resource's group."""
    return isinstance(api_version, str) and api_version.rpartition("/")[0] in BUILTIN_GROUPS


def _unserved(api_version: object, kind: object, minor: int) -> Violation | None:
    """An error for a built-in ``apiVersion`` and ``kind`` that Kubernetes ``1.<minor>`` does
    not serve, per :data:`SERVED`; ``None`` when it does, or when the group is not built in."""
    if not (isinstance(api_version, str) and isinstance(kind, str)) or kind.endswith("List") \
            or not is_builtin_api(api_version):
        return None
    span = SERVED.get(api_version, {}).get(kind)
    if span is not None and span[0] <= minor <= span[1]:
        return None
    if span is None:
        what = f"no Kubernetes release since 1.{_FIRST_KNOWN} serves {kind} at {api_version}"
    elif minor > span[1]:
        what = f"{kind} {api_version} is not served from Kubernetes 1.{span[1] + 1}"
    else:
        what = f"{kind} {api_version} is served only from Kubernetes 1.{span[0]}"
    group = api_version.rpartition("/")[0]
    served = sorted(api for api, kinds in SERVED.items()
                    if api.rpartition("/")[0] == group and api != api_version
                    and kind in kinds and kinds[kind][0] <= minor <= kinds[kind][1])
    # Prefer a GA version, then beta, then alpha (an alpha API is off by default).
    served.sort(key=lambda api: ("alpha" in api, "beta" in api))
    fix = (f"use apiVersion: {served[0]}" if served
           else f"use an API that Kubernetes 1.{minor} serves, or target the release that "
           "serves this one")
    return Violation("apiVersion", api_version,
                     f"{what} (target 1.{minor}): the API server refuses the object", fix,
                     Severity.ERROR)


def generate_served() -> dict[str, dict[str, tuple[int, int]]]:
    """The SERVED table from kubernetes-validate's schemas (development only)."""
    import importlib.resources
    import json
    import re

    base = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    minors = sorted(int(m[1]) for entry in base.iterdir()
                    if (m := re.fullmatch(r"v1\.(\d+)\.0-local", entry.name)))
    seen: dict[tuple[str, str], list[int]] = {}
    for minor in minors:
        for path in (base / f"v1.{minor}.0-local").iterdir():
            if path.name.startswith("_") or path.name == "all.json":
                continue
            props = json.loads(path.read_text(encoding="utf-8")).get("properties", {})
            apis = props.get("apiVersion", {}).get("enum") or []
            kinds = props.get("kind", {}).get("enum") or []
            if len(apis) == 1 and len(kinds) == 1 and not kinds[0].endswith("List"):
                seen.setdefault((apis[0], kinds[0]), []).append(minor)
    table: dict[str, dict[str, tuple[int, int]]] = {}
    for (api, kind), found in sorted(seen.items()):
        # One span each; v1 Status, a response rather than an object, skips some releases.
        first, last = min(found), max(found)
        table.setdefault(api, {})[kind] = (first, last)
    return table


def _main() -> None:
    from pathlib import Path

    lines = ['"""Generated by ``python -m blueprints.rules.apis`` from the schemas of '
             'kubernetes-validate: do not edit.',
             "",
             "Each built-in apiVersion, its kinds, and the first and last Kubernetes minor "
             "release",
             'whose schemas hold each kind."""',
             "",
             "SERVED: dict[str, dict[str, tuple[int, int]]] = {"]
    for api, kinds in generate_served().items():
        lines.append(f"    {api!r}: {{")
        lines.extend(f"        {kind!r}: {span!r}," for kind, span in kinds.items())
        lines.append("    },")
    lines.append("}")
    target = Path(__file__).with_name("_served.py")
    target.write_text("\n".join(lines).replace("'", '"') + "\n", encoding="utf-8")


if __name__ == "__main__":
    _main()
