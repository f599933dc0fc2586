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
- Each case of a StatefulSet's ``volumeClaimTemplates`` gets its own fix, from kubernetes/website
  ``content/en/docs/concepts/storage/persistent-volumes.md`` ("Expanding Persistent Volumes
  Claims": a claim grows when its StorageClass has ``allowVolumeExpansion: true``, by editing
  the claim; a new PersistentVolume is never created) and
  ``content/en/docs/tasks/run-application/delete-stateful-set.md`` (``--cascade=orphan`` deletes
  the StatefulSet and leaves its pods; claims are never deleted with it). A larger size: expand
  each claim, then delete the StatefulSet with ``--cascade=orphan`` and apply again, so that its
  template matches. A smaller size: volumes never shrink. Another storage class: the class of
  a bound claim is immutable, so the data must move to new claims.
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

__all__ = ["check_change", "check_removals", "parse_quantity", "shown"]

Manifest = Mapping[str, Any]

_SELECTOR_KINDS = frozenset({"Deployment", "ReplicaSet", "DaemonSet"})
_STATEFULSET_MUTABLE = frozenset({"replicas", "ordinals", "template", "updateStrategy",
                                  "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
                                  "revisionHistoryLimit"})
_JOB_IMMUTABLE = ("selector", "template", "completionMode", "podFailurePolicy",
                  "backoffLimitPerIndex")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
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
        if _spec(old).get(key) == _spec(new).get(key):
            continue
        if key == "volumeClaimTemplates":
            problems += _claim_templates(old, new, where)
        elif key == "selector":
            problems += _immutable(old, new, where, (key,),
                                   "give the StatefulSet a new name and migrate the data "
                                   "(BP026 DataMigration), or keep the old selector labels")
        else:
            problems += _changed(old, new, where, f"spec.{key}",
                                 "a StatefulSet's spec is immutable but for replicas, template, "
                                 "updateStrategy and a few others",
                                 f"{_kubectl(new)} delete statefulset {_name(new)} "
                                 "--cascade=orphan (pods and claims stay) and apply again, or "
                                 "keep the old value")
    return problems


def _claim_templates(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    """One problem per case, each with the fix for that case."""
    before, after = (_templates(m) for m in (old, new))
    name, kubectl = _name(new), _kubectl(new)
    orphan = f"{kubectl} delete statefulset {name} --cascade=orphan (pods and claims stay)"
    if list(before) != list(after):
        return [_problem(where, "spec.volumeClaimTemplates",
                         f"{_names(before)} -> {_names(after)}",
                         "a StatefulSet's volumeClaimTemplates are immutable",
                         f"{orphan} and apply again, then restart its pods one by one; claims "
                         "that exist keep their data and spec")]
    problems = []
    for index, (claim, template) in enumerate(after.items()):
        path = f"spec.volumeClaimTemplates[{index}]"
        was = before[claim]
        if was == template:
            continue
        old_size = _get(was, "spec", "resources", "requests", "storage")
        new_size = _get(template, "spec", "resources", "requests", "storage")
        old_class = _get(was, "spec", "storageClassName")
        new_class = _get(template, "spec", "storageClassName")
        size_path = f"{path}.spec.resources.requests.storage"
        if old_class != new_class:
            problems.append(_problem(
                where, f"{path}.spec.storageClassName", _arrow(old_class, new_class),
                "a claim's storage class is fixed when it is created: the data must move",
                f"{_keep_class(old_class)}, or copy the data to a StatefulSet with a new name "
                "and the new class (BP026 DataMigration); the template alone never moves a "
                "claim"))
        size_before, size_after = parse_quantity(old_size), parse_quantity(new_size)
        if old_size != new_size and size_before is not None and size_after is not None and (
                size_after < size_before):
            problems.append(_problem(
                where, size_path, _arrow(old_size, new_size),
                "volumes never shrink: the API server refuses a smaller claim",
                f"keep {old_size}, or copy the data to a StatefulSet with a new name and "
                "smaller claims (BP026 DataMigration)"))
        elif old_size != new_size:
            claims = _claim_names(new, claim)
            patch = ('{"spec":{"resources":{"requests":{"storage":"' + str(new_size) + '"}}}}')
            problems.append(_problem(
                where, size_path, _arrow(old_size, new_size),
                "a StatefulSet's volumeClaimTemplates are immutable: grow the claims themselves",
                f"expand each claim ({claims}) with {kubectl} patch pvc <claim> -p '{patch}' "
                "(its StorageClass needs allowVolumeExpansion: true), then "
                f"{orphan} and apply again"))
        rest = [c for c in _leaf_changes(was, template, path)
                if c[0] not in (size_path, f"{path}.spec.storageClassName")]
        if rest:
            field, previous, current = rest[0]
            more = f" ({len(rest) - 1} more changes under {path})" if len(rest) > 1 else ""
            problems.append(_problem(
                where, field, _arrow(previous, current),
                f"a StatefulSet's volumeClaimTemplates are immutable{more}",
                f"{orphan} and apply again; claims that exist keep their old spec, only new "
                "ones follow the template"))
    return problems


def _job(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    return _immutable(old, new, where, _JOB_IMMUTABLE,
                      "give the Job a new name (for example with the release version), or "
                      "delete the finished Job first")


def _service(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    old_type = _spec(old).get("type", "ClusterIP")
    new_type = _spec(new).get("type", "ClusterIP")
    if new_type == "ExternalName" and old_type != "ExternalName":
        return [_problem(where, "spec.type", _arrow(old_type, new_type),
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
            problems += _changed(old, new, where, f"spec.{key}",
                                 "a claim's spec is immutable except its storage request "
                                 "and volumeAttributesClassName",
                                 "keep the old value, or create a new claim and copy the data "
                                 "(BP026)")
    old_size, new_size = (_get(m, "spec", "resources", "requests", "storage") for m in (old, new))
    before, after = parse_quantity(old_size), parse_quantity(new_size)
    if before is not None and after is not None and after < before:
        problems.append(_problem(where, "spec.resources.requests.storage",
                                 _arrow(old_size, new_size),
                                 "volumes never shrink: the API server refuses a smaller claim",
                                 f"keep {old_size}, or move the data to a new claim (BP026)"))
    return problems


def _immutable_data(old: Manifest, new: Manifest, where: str) -> list[Problem]:
    if old.get("immutable") is not True:
        return []
    problems = []
    if new.get("immutable") is not True:
        problems.append(_problem(where, "immutable", _arrow(True, new.get("immutable")),
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
    problems = []
    for key in keys:
        if _spec(old).get(key) != _spec(new).get(key):
            problems += _changed(old, new, where, f"spec.{key}",
                                 "the field is immutable: the API server refuses the update", fix)
    return problems


def _changed(old: Manifest, new: Manifest, where: str, field: str, what: str,
             fix: str) -> list[Problem]:
    """One problem for ``field`` (``spec.key``), naming its first changed leaf, old -> new."""
    key = field.split(".", 1)[1]
    changes = _leaf_changes(_spec(old).get(key), _spec(new).get(key), field)
    if not changes:
        return []
    path, previous, current = changes[0]
    more = f" ({len(changes) - 1} more changes under {field})" if len(changes) > 1 else ""
    problem = _problem(where, path, _arrow(previous, current), what + more, fix)
    if field.endswith(".selector"):
        # Selectors are immutable: that is why they hold only the stable labels (BP004).
        problem = Problem(problem.component, problem.field, problem.value, problem.what,
                          problem.fix, "BP004")
    return [problem]


def _problem(where: str, field: str, value: str, what: str, fix: str) -> Problem:
    return Problem(where, field, value, what, fix)


def shown(value: object) -> str:
    """A short, whole rendering of a field's value for a message: never cut mid-word."""
    if value is None:
        return "<unset>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        text = str(value)
        return text if len(text) <= 40 and text.isprintable() else f"<text of {len(text)} chars>"
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if len(text) <= 40:
        return text
    return "{...}" if isinstance(value, Mapping) else f"[{len(value)} items]" if isinstance(
        value, list) else "<changed>"


def _keep_class(name: object) -> str:
    return f"keep storageClassName {name}" if name else "leave storageClassName unset"


def _arrow(old: object, new: object) -> str:
    return f"{shown(old)} -> {shown(new)}"


def _leaf_changes(old: Any, new: Any, prefix: str) -> list[tuple[str, Any, Any]]:
    """The changed leaves under ``prefix``: (path, old, new), in document order."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[tuple[str, Any, Any]] = []
        for key in [*old, *(k for k in new if k not in old)]:
            if old.get(key) != new.get(key):
                out += _leaf_changes(old.get(key), new.get(key), _join(prefix, str(key)))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                out += _leaf_changes(a, b, f"{prefix}[{index}]")
        return out
    return [] if old == new else [(prefix, old, new)]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if _PLAIN_KEY.fullmatch(key) else f"{prefix}[{json.dumps(key)}]"


def _templates(manifest: Manifest) -> dict[str, Any]:
    """A StatefulSet's claim templates by name, in order."""
    templates = _spec(manifest).get("volumeClaimTemplates")
    items = templates if isinstance(templates, list) else [templates] if templates else []
    return {str(_get(t, "metadata", "name")): t for t in items}


def _names(templates: Mapping[str, Any]) -> str:
    return "[" + ", ".join(templates) + "]" if len(templates) <= 4 else f"[{len(templates)} claims]"


def _claim_names(statefulset: Manifest, template: str) -> str:
    """``www-db-0 and www-db-1``: the claims the controller made from ``template``."""
    replicas = _spec(statefulset).get("replicas", 1)
    start = _get(statefulset, "spec", "ordinals", "start") or 0
    count = replicas if isinstance(replicas, int) and replicas > 0 else 1
    first = start if isinstance(start, int) else 0
    names = [f"{template}-{_name(statefulset)}-{i}" for i in range(first, first + count)]
    if len(names) <= 3:
        return " and ".join(names) if len(names) <= 2 else f"{names[0]}, {names[1]} and {names[2]}"
    return f"{names[0]} to {names[-1]}"


def _kubectl(manifest: Manifest) -> str:
    namespace = _namespace(manifest)
    return f"kubectl -n {namespace}" if namespace else "kubectl"


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
