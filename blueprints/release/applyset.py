"""Pruning with ApplySets (KEP-3659): one parent ConfigMap per release, for ``kubectl apply
--prune --applyset=configmap/<release>-applyset -n <namespace>``.

What kubectl does and checks decides what the release carries (kubectl's own code,
``staging/src/k8s.io/kubectl/pkg/cmd/apply/applyset.go`` and ``apply.go`` in
kubernetes/kubernetes):

- ``ApplySet.AddLabels`` stamps ``applyset.kubernetes.io/part-of`` on every object it applies
  and *refuses* input that already carries it ("ApplySet label ... already set in input data").
  So the members are written without that label: kubectl adds it, with the value that
  :func:`applyset_id` computes.
- ``fetchParent`` accepts an existing parent only with the ``applyset.kubernetes.io/id`` label
  equal to the id, a ``contains-group-kinds`` annotation, and a ``tooling`` annotation naming
  ``kubectl``. kubectl writes ``tooling``, ``contains-group-kinds`` and ``additional-namespaces``
  itself with server-side apply on every run (field manager ``kubectl-applyset``).
- The parent here carries the id label, and the group-kinds and additional namespaces exactly
  as ``generateKindsAnnotation``/``generateNamespacesAnnotation`` compute them from the same
  objects (the parent included: it is in the input, so kubectl counts it). Equal values are
  co-owned without conflict. ``tooling`` is left to kubectl: its value carries kubectl's own
  patch version, which a file cannot know, and a different value would make the two field
  managers overwrite each other on every apply.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from blueprints._digest import sha256
from blueprints.core.labels import recommended_labels
from blueprints.core.release import ReleaseContext

__all__ = [
    "ADDITIONAL_NAMESPACES",
    "CONTAINS_GROUP_KINDS",
    "ID_LABEL",
    "PART_OF_LABEL",
    "applyset_id",
    "group_kind",
    "parent_name",
    "with_parent",
]

ID_LABEL = "applyset.kubernetes.io/id"
PART_OF_LABEL = "applyset.kubernetes.io/part-of"
CONTAINS_GROUP_KINDS = "applyset.kubernetes.io/contains-group-kinds"
ADDITIONAL_NAMESPACES = "applyset.kubernetes.io/additional-namespaces"


def applyset_id(name: str, namespace: str, kind: str = "ConfigMap", group: str = "") -> str:
    """The ApplySet id of a parent: ``applyset-<base64url(sha256(name.namespace.kind.group))>-v1``.

    Unpadded URL-safe base64 (``base64.RawURLEncoding`` in kubectl's ``ApplySet.ID``).
    """
    digest = sha256(".".join((name, namespace, kind, group)).encode())
    return f"applyset-{base64.urlsafe_b64encode(digest).decode().rstrip('=')}-v1"


def parent_name(release: str) -> str:
    """The name of a release's parent ConfigMap."""
    return f"{release}-applyset"


def group_kind(manifest: Mapping[str, Any]) -> str:
    """``Kind.group``, or ``Kind`` for the core group: ``GroupKind.String`` in apimachinery's
    ``pkg/runtime/schema/group_version.go``, which kubectl's ``generateKindsAnnotation`` uses."""
    api_version = str(manifest.get("apiVersion", ""))
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    kind = str(manifest.get("kind", ""))
    return f"{kind}.{group}" if group else kind


def with_parent(context: ReleaseContext, manifests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``manifests`` followed by the release's ApplySet parent, a ConfigMap in its namespace.

    Both paths call it on a release's finished object list (``Release.manifests`` and the YAML
    blueprint), so both give the same bytes and ``cdk8s synth`` sees the parent too.
    """
    release, namespace = context.name, context.namespace
    name = parent_name(release)
    parent: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap"}
    # Objects of a kind share their apiVersion and kind: each pair is read once.
    pairs, spaces = set(), set()
    for m in manifests:
        pairs.add((str(m.get("apiVersion", "")), str(m.get("kind", ""))))
        space = (m.get("metadata") or {}).get("namespace")
        if space:
            spaces.add(str(space))
    kinds = sorted({group_kind({"apiVersion": a, "kind": k}) for a, k in pairs} | {"ConfigMap"})
    others = sorted(spaces - {namespace})
    parent_annotations = {**context.object_annotations(), CONTAINS_GROUP_KINDS: ",".join(kinds)}
    if others:
        parent_annotations[ADDITIONAL_NAMESPACES] = ",".join(others)
    labels = recommended_labels(name=name, instance=release, version="v1", component="applyset",
                                part_of=context.part_of)
    labels[ID_LABEL] = applyset_id(name, namespace)
    parent["metadata"] = {"name": name, "namespace": namespace, "labels": labels,
                          "annotations": parent_annotations}
    return [*manifests, parent]
