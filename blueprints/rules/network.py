"""BP042: network access is declared. Every pod is selected by a NetworkPolicy, and no ingress
rule admits every source unless the object records that decision."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from blueprints.core.labels import MANAGED_BY
from blueprints.practices import Severity
from blueprints.rules._objects import SelectorIndex, of_kinds, pod_labels, pod_spec, with_pod_spec
from blueprints.rules._registry import Context, Violation, object_rule, set_rule

__all__ = ["ingress_admits_every_source", "ingress_routes_are_unique",
           "network_policy_selects_pods"]

#: Peers that stand for every source: the whole IPv4 or IPv6 space.
_EVERYWHERE = frozenset({"0.0.0.0/0", "::/0"})


@set_rule("BP042")
def network_policy_selects_pods(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """Pods are selected by some NetworkPolicy of their namespace that isolates ingress; the
    finding points at the labels the pods carry (the pod template's), which a policy's
    podSelector must match.

    A policy isolates ingress when its ``policyTypes`` include ``Ingress``, or when it has no
    ``policyTypes`` ("Any policy that does not specify policyTypes implies at least Ingress",
    SetDefaults_NetworkPolicy in kubernetes/kubernetes pkg/apis/networking/v1/defaults.go): an
    egress-only policy leaves every source free to reach the pods.
    """
    policies = SelectorIndex()
    for m in (manifests[i] for i in of_kinds(manifests, ("NetworkPolicy",))):
        spec, metadata = m.get("spec"), m.get("metadata")
        if not isinstance(spec, dict):
            continue
        types = spec.get("policyTypes")
        if isinstance(types, list) and types and "Ingress" not in types:
            continue
        selector = spec.get("podSelector")
        labels = selector.get("matchLabels") if isinstance(selector, dict) else None
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if isinstance(selector, dict) and not selector.get("matchExpressions"):
            policies.add(namespace, labels if isinstance(labels, dict) else {})
    for index in with_pod_spec(manifests):
        manifest = manifests[index]
        metadata = manifest.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        labels = pod_labels(manifest)
        if not policies.matches(namespace, labels):
            yield index, Violation(_labels_field(manifest), dict(labels) or None,
                                   "no NetworkPolicy selects these pods: anything may reach them",
                                   "add a NetworkPolicy that admits only the declared clients")


@object_rule("BP042", kinds=["NetworkPolicy"])
def ingress_admits_every_source(
    manifest: Mapping[str, Any], context: Context
) -> Iterator[Violation]:
    """An ingress rule without ``from``, with an empty ``from``, or from ``0.0.0.0/0`` or
    ``::/0`` admits every source; it must be a recorded decision (``blueprint.dev/ignore``)."""
    if manifest.get("kind") != "NetworkPolicy":
        return
    spec = manifest.get("spec")
    rules = spec.get("ingress") if isinstance(spec, dict) else None
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        peers = rule.get("from")
        if not peers:
            yield Violation(f"spec.ingress[{i}].from", peers,
                            "admits every source, inside and outside the cluster",
                            "list the callers in from:, or record the decision with "
                            'blueprint.dev/ignore: "BP042: <reason>"', _open(manifest, context))
            continue
        if not isinstance(peers, list):
            continue
        for j, peer in enumerate(peers):
            block = peer.get("ipBlock") if type(peer) is dict else None
            if block is None:
                continue  # a pod or namespace selector: the common peer
            cidr = block.get("cidr") if isinstance(block, dict) else None
            if isinstance(block, dict) and cidr in _EVERYWHERE and not block.get("except"):
                yield Violation(f"spec.ingress[{i}].from[{j}].ipBlock.cidr", cidr,
                                "admits every address", "narrow the block, or record the "
                                'decision with blueprint.dev/ignore: "BP042: <reason>"',
                                _open(manifest, context))


@set_rule("BP042", kinds=["Ingress"])
def ingress_routes_are_unique(
    manifests: Sequence[Mapping[str, Any]], context: Context
) -> Iterator[tuple[int, Violation]]:
    """No two Ingresses of one class route the same host, path and path type: a controller
    sends that traffic to one of them (which one is its own choice), or refuses the second
    object outright (ingress-nginx's admission webhook: "host ... and path ... is already
    defined in ingress <namespace>/<name>", across namespaces). An ingress-nginx canary
    (``nginx.ingress.kubernetes.io/canary: "true"``) shares its route on purpose; the same
    object given twice is one object."""
    seen: dict[tuple[object, ...], tuple[object, object]] = {}
    for index in of_kinds(manifests, ("Ingress",)):
        manifest = manifests[index]
        spec, metadata = manifest.get("spec"), manifest.get("metadata")
        if not isinstance(spec, dict) or not isinstance(metadata, dict):
            continue
        annotations = metadata.get("annotations")
        annotations = annotations if isinstance(annotations, dict) else {}
        if str(annotations.get(_CANARY, "")).lower() == "true":
            continue
        kind_class = spec.get("ingressClassName") or annotations.get(_INGRESS_CLASS)
        rules = spec.get("rules")
        this = (metadata.get("namespace"), metadata.get("name"))
        for i, rule in enumerate(rules if isinstance(rules, list) else ()):
            http = rule.get("http") if isinstance(rule, dict) else None
            paths = http.get("paths") if isinstance(http, dict) else None
            host = rule.get("host") or "*"
            for j, entry in enumerate(paths if isinstance(paths, list) else ()):
                if not isinstance(entry, dict):
                    continue
                path, path_type = entry.get("path") or "/", entry.get("pathType")
                key = (kind_class, host, path, path_type)
                if not all(isinstance(k, str | None) for k in key):
                    continue
                first = seen.setdefault(key, this)
                if first != this:
                    namespace, name = first
                    where = f"{namespace}/{name}" if namespace else str(name)
                    yield index, Violation(
                        f"spec.rules[{i}].http.paths[{j}].path", path,
                        f"Ingress {where} routes {host}{path} too: the controller picks one "
                        "of them or refuses this one", "give one of them another host or path",
                        _open(manifest, context))


_CANARY = "nginx.ingress.kubernetes.io/canary"
_INGRESS_CLASS = "kubernetes.io/ingress.class"


def _open(manifest: Mapping[str, Any], context: Context) -> Severity:
    """An open rule's severity: constructs never emit one without the record, so in a synth
    of theirs it is an error; anywhere else a warning."""
    labels = (manifest.get("metadata") or {}).get("labels")
    managed = isinstance(labels, dict) and labels.get("app.kubernetes.io/managed-by") == MANAGED_BY
    return Severity.ERROR if context.mode == "build" and managed else Severity.WARNING


def _labels_field(manifest: Mapping[str, Any]) -> str:
    """Where the pods' labels are: beside the pod spec, for every kind that has one (an Argo
    Rollout's ``spec.template.metadata.labels`` as a Deployment's)."""
    found = pod_spec(manifest)
    prefix = found[0] if found is not None else "spec"
    return prefix[: -len("spec")] + "metadata.labels"
