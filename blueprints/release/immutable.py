"""The immutable-field guard: changes that the API server refuses on apply, or that lose data.

Each check names the Kubernetes validation it mirrors (kubernetes/kubernetes, read for this
module):

- ``pkg/registry/apps/{deployment,replicaset,daemonset}/strategy.go`` ``ValidateUpdate``:
  ``ValidateImmutableField(new.Spec.Selector, old.Spec.Selector, "spec.selector")`` for
  ``apps/v1``.
- ``pkg/apis/apps/validation/validation.go`` ``ValidateStatefulSetUpdate``: "updates to
  statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',
  'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" (newer releases
  also allow 'revisionHistoryLimit').
- ``pkg/apis/batch/validation/validation.go`` ``ValidateJobSpecUpdate``: ``selector``,
  ``completionMode``, ``podFailurePolicy`` and ``backoffLimitPerIndex`` are immutable, and
  ``validatePodTemplateUpdate`` keeps ``template`` immutable (outside scheduling directives of
  a suspended Job).
- ``pkg/apis/core/validation/validation.go``:
  ``ValidateServiceUpdate`` (``spec.clusterIP`` is immutable unless either side is
  ``ExternalName``), ``ValidateService`` (an ``ExternalName`` Service must have no cluster IP,
  which a Service that had one keeps through ``kubectl apply``: a change *to* ExternalName is
  refused; a change *from* it is accepted and is not flagged);
  ``ValidatePersistentVolumeClaimUpdate`` ("spec is immutable after creation except
  resources.requests and volumeAttributesClassName for bound claims"; "field can not be less
  than previous value" for ``spec.resources.requests.storage``);
  ``ValidateConfigMapUpdate`` and ``ValidateSecretUpdate`` ("field is immutable when
  `immutable` is set" for ``immutable``, ``data`` and ``binaryData``).
- Data: a PersistentVolumeClaim that disappears is deleted by pruning, and a StatefulSet that is
  renamed is a delete and a create whose new claims start empty.
- A Namespace that disappears from a release (``create_namespace=False``) is pruned, and
  deleting a Namespace deletes every object in it (``pkg/controller/namespace``), other
  releases' included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from blueprints.errors import Problem

__all__ = ["check_change", "check_removals", "parse_quantity"]

Manifest = Mapping[str, Any]

_SELECTOR_KINDS = frozenset({"Deployment", "ReplicaSet", "DaemonSet"})
_STATEFULSET_MUTABLE = frozenset({"replicas", "ordinals", "template", "updateStrategy",
                                  "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
                                  "revisionHistoryLimit"})
_JOB_IMMUTABLE = ("selector", "template", "completionMode", "podFailurePolicy",
                  "backoffLimitPerIndex")
_PVC_MUTABLE = frozenset({"resources", "volumeAttributesClassName"})
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?")
_SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
           "P": 1e15, "E": 1e18, "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40,
           "Pi": 2.0**50, "Ei": 2.0**60}


def check_change(old: Manifest, new: Manifest) -> list[Problem]:
    """What the API server refuses (or what loses data) when ``old`` is applied over by ``new``.

    Both are the same object (kind, namespace and name); the result is empty when the update
    is allowed.
    """
    kind = str(new.get("kind"))
    check = _CHECKS.get(kind)
    return check(old, new, _where(new)) if check is not None else []


def check_removals(removed: Iterable[Manifest], added: Iterable[Manifest]) -> list[Problem]:
    """Objects that hold data and go away: a pruned claim, a renamed StatefulSet with claims."""
    added_by = {(str(m.get("kind")), _namespace(m)) for m in added}
    problems = []
    for old in removed:
        kind, where = str(old.get("kind")), _where(old)
        renamed = (kind, _namespace(old)) in added_by
        if kind == "Namespace":
            problems.append(Problem(
                where, "metadata.name", _name(old),
                "removed from the release: pruning deletes the Namespace and every object in it",
                f"detach it first (kubectl label namespace {_name(old)} "
                "applyset.kubernetes.io/part-of-), or keep create_namespace", "BP043"))
        elif kind == "PersistentVolumeClaim":
            what = ("renamed or removed: pruning deletes the claim, and with the usual reclaim "
                    "policy Delete its volume and data")
            problems.append(Problem(where, "metadata.name", _name(old), what,
                                    "keep the claim's name, or copy the data first and remove "
                                    "it on purpose (BP026 DataMigration)", "BP012"))
        elif kind == "StatefulSet" and _spec(old).get("volumeClaimTemplates") and renamed:
            templates = _spec(old)["volumeClaimTemplates"]
            claims = ", ".join(str(_get(t, "metadata", "name")) for t in (
                templates if isinstance(templates, list) else [templates]))
            problems.append(Problem(
                where, "metadata.name", _name(old),
                f"renamed: a delete and a create; the new StatefulSet's claims ({claims}-<new "
                "name>-N) start empty and the old ones stay behind",
                "keep the StatefulSet's name, or migrate the data (BP026 DataMigration)", "BP026"))
    return problems


def parse_quantity(text: object) -> float | None:
    """A Kubernetes quantity (``1Gi``, ``500M``, ``1.5``, ``2e3``) as a number, or ``None``."""
    match = _QUANTITY.fullmatch(str(text).strip())
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    value = float(number)
    return value * 10 ** int(exponent[1:]) if exponent else value * _SUFFIX[suffix or ""]


def _selector(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    return _immutable(old, new, where, ("selector",),
                      "give the workload a new name (a delete and a create), or keep the old "
                      "selector labels")


def _stateful_set(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    keys = sorted((set(_spec(old)) | set(_spec(new))) - _STATEFULSET_MUTABLE)
    problems = []
    for key in keys:
        if _spec(old).get(key) != _spec(new).get(key):
            fix = ("delete the StatefulSet with --cascade=orphan (pods and claims stay) and "
                   "apply again; resize claims one by one with kubectl patch"
                   if key == "volumeClaimTemplates" else
                   "delete the StatefulSet with --cascade=orphan and apply again, or keep the "
                   "old value")
            problems.append(_problem(where, f"spec.{key}", _spec(new).get(key),
                                     "StatefulSet spec allows updates to replicas, template, "
                                     "updateStrategy, ordinals, minReadySeconds and "
                                     "persistentVolumeClaimRetentionPolicy only", fix))
    return problems


def _job(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    return _immutable(old, new, where, _JOB_IMMUTABLE,
                      "give the Job a new name (for example with the release version), or "
                      "delete the finished Job first")


def _service(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    old_type = _spec(old).get("type", "ClusterIP")
    new_type = _spec(new).get("type", "ClusterIP")
    if new_type == "ExternalName" and old_type != "ExternalName":
        return [_problem(where, "spec.type", new_type,
                         "an ExternalName Service must have no cluster IP, and the running "
                         "Service keeps the one it was given",
                         "create the ExternalName Service under a new name, or delete the old "
                         "one first")]
    if "ExternalName" in (old_type, new_type):
        return []
    return _immutable(old, new, where, ("clusterIP",),
                      "delete and recreate the Service (its address changes), or keep the old "
                      "clusterIP")


def _claim(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    problems = []
    for key in sorted((set(_spec(old)) | set(_spec(new))) - _PVC_MUTABLE):
        if _spec(old).get(key) != _spec(new).get(key):
            problems.append(_problem(where, f"spec.{key}", _spec(new).get(key),
                                     "a claim's spec is immutable except its storage request "
                                     "and volumeAttributesClassName",
                                     "create a new claim and copy the data (BP026), or keep "
                                     "the old value"))
    old_size, new_size = (_get(m, "spec", "resources", "requests", "storage") for m in (old, new))
    before, after = parse_quantity(old_size), parse_quantity(new_size)
    if before is not None and after is not None and after < before:
        problems.append(_problem(where, "spec.resources.requests.storage", new_size,
                                 f"smaller than before ({old_size}): volumes only grow",
                                 "keep the old size, or move the data to a new claim (BP026)"))
    return problems


def _immutable_data(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    if old.get("immutable") is not True:
        return []
    problems = []
    if new.get("immutable") is not True:
        problems.append(_problem(where, "immutable", new.get("immutable"),
                                 "an immutable object cannot become mutable again",
                                 "create the object under a new name and point the pods at it"))
    for key in ("data", "binaryData", "stringData"):
        if old.get(key) != new.get(key):
            problems.append(_problem(where, key, "<changed>",
                                     "an object with immutable: true cannot change its data",
                                     "give it a new name (a content hash, as ConfigFiles does) "
                                     "and point the pods at it"))
    return problems


def _immutable(old: Manifest, new: Manifest, where: str, keys: Iterable[str],
               fix: str) -> list[Problem]:
    return [_problem(where, f"spec.{key}", _spec(new).get(key),
                     "the field is immutable: the API server refuses the update", fix)
            for key in keys if _spec(old).get(key) != _spec(new).get(key)]


def _problem(where: str, field: str, value: object, what: str, fix: str) -> Problem:
    shown = value if isinstance(value, str | int | float | type(None)) else json.dumps(
        value, sort_keys=True, separators=(",", ":"))
    # Selectors are immutable: that is why they hold only the stable labels (BP004).
    return Problem(where, field, shown, what, fix, "BP004" if field.endswith(".selector") else None)


def _get(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or ``None`` where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _spec(manifest: Manifest) -> Mapping[str, Any]:
    spec = manifest.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _name(manifest: Manifest) -> str:
    return str((manifest.get("metadata") or {}).get("name"))


def _namespace(manifest: Manifest) -> str:
    return str((manifest.get("metadata") or {}).get("namespace") or "")


def _where(manifest: Manifest) -> str:
    return f"{manifest.get('kind')}/{_name(manifest)}"


_CHECKS: dict[str, Callable[[Manifest, Manifest, str], list[Problem]]] = {
    **dict.fromkeys(_SELECTOR_KINDS, _selector),
    "StatefulSet": _stateful_set,
    "Job": _job,
    "Service": _service,
    "PersistentVolumeClaim": _claim,
    "ConfigMap": _immutable_data,
    "Secret": _immutable_data,
}
