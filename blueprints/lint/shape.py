"""The types of the fields that rules read, checked before the rules run.

A manifest can hold anything: ``command: 5`` (a typo), a namespace that is a list (a
generator's bug), a quantity no decimal holds. The API server refuses each of them, and lint is
where the user finds out, so each is a finding at its line. The rules themselves never see such
a value (``rules._objects`` hides it from them), so they neither crash nor report nonsense.

Only the fields that rules read, and their parents, are described here: this is not a schema
validator (``blueprint synth --validate-schema`` is).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from blueprints.core.quantity import parse_quantity
from blueprints.rules._objects import POD_SPEC_PATHS, TEMPLATE_PATHS

__all__ = ["REQUIRED", "shape_problems"]

Check = Callable[[object], str | None]
_INT64 = 2**63
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# A number with a decimal exponent: when parse_quantity refuses one, it is out of range.
_QUANTITY_SHAPE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")


def _string(value: object) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _integer(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    if not -_INT64 <= value < _INT64:
        return "out of range: beyond a 64-bit integer"
    return None


def _boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _int_or_string(value: object) -> str | None:
    return None if isinstance(value, str) else _integer(value)


def _quantity(value: object) -> str | None:
    if isinstance(value, float) and math.isfinite(value):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return "must be a quantity such as 100m or 128Mi"
    if parse_quantity(value) is None and _QUANTITY_SHAPE.fullmatch(str(value)):
        return "out of range: not a quantity the API server can hold"
    return None  # well formed, or malformed text that BP040 reports with its advice


_STR, _INT, _BOOL, _INT_OR_STR, _QTY = _string, _integer, _boolean, _int_or_string, _quantity
_MAP: dict[str, Any] = {}  # a mapping whose keys are not read
_STRINGS: dict[str, Any] = {"*": _STR}  # labels, annotations, selectors

_HANDLER = {
    "exec": {"command": [_STR]},
    "httpGet": {"host": _STR, "path": _STR, "port": _INT_OR_STR, "scheme": _STR},
    "tcpSocket": {"host": _STR, "port": _INT_OR_STR},
    "grpc": {"port": _INT},
    "sleep": {"seconds": _INT},
}
_PROBE = {**_HANDLER, "initialDelaySeconds": _INT, "periodSeconds": _INT,
          "timeoutSeconds": _INT, "failureThreshold": _INT, "successThreshold": _INT,
          "terminationGracePeriodSeconds": _INT}
_SECURITY = {
    "runAsNonRoot": _BOOL, "runAsUser": _INT, "runAsGroup": _INT, "privileged": _BOOL,
    "allowPrivilegeEscalation": _BOOL, "readOnlyRootFilesystem": _BOOL,
    "capabilities": {"add": [_STR], "drop": [_STR]},
    "seccompProfile": {"type": _STR, "localhostProfile": _STR},
    "fsGroup": _INT, "supplementalGroups": [_INT], "sysctls": [{"name": _STR, "value": _STR}],
    "procMount": _STR,
}
_CONTAINER = {
    "name": _STR, "image": _STR, "imagePullPolicy": _STR, "command": [_STR], "args": [_STR],
    "workingDir": _STR,
    "env": [{"name": _STR, "value": _STR, "valueFrom": _MAP}],
    "envFrom": [_MAP],
    "ports": [{"name": _STR, "containerPort": _INT, "hostPort": _INT, "protocol": _STR}],
    "volumeMounts": [{"name": _STR, "mountPath": _STR, "readOnly": _BOOL, "subPath": _STR}],
    "volumeDevices": [_MAP],
    "resources": {"requests": {"*": _QTY}, "limits": {"*": _QTY}},
    "lifecycle": {"preStop": _HANDLER, "postStart": _HANDLER},
    "livenessProbe": _PROBE, "readinessProbe": _PROBE, "startupProbe": _PROBE,
    "securityContext": _SECURITY,
    "terminationMessagePolicy": _STR,
}
_POD_SPEC = {
    "containers": [_CONTAINER], "initContainers": [_CONTAINER],
    "ephemeralContainers": [_CONTAINER],
    "volumes": [{"name": _STR, "hostPath": {"path": _STR, "type": _STR},
                 "gitRepo": {"repository": _STR}, "emptyDir": _MAP, "configMap": _MAP,
                 "secret": _MAP, "persistentVolumeClaim": _MAP, "projected": _MAP}],
    "securityContext": _SECURITY,
    "terminationGracePeriodSeconds": _INT, "activeDeadlineSeconds": _INT,
    "automountServiceAccountToken": _BOOL, "serviceAccountName": _STR,
    "hostNetwork": _BOOL, "hostPID": _BOOL, "hostIPC": _BOOL, "dnsPolicy": _STR,
    "nodeSelector": _STRINGS, "imagePullSecrets": [_MAP], "tolerations": [_MAP],
}
_METADATA = {"name": _STR, "generateName": _STR, "namespace": _STR, "labels": _STRINGS,
             "annotations": _STRINGS}
_TEMPLATE = {"metadata": _METADATA, "spec": _POD_SPEC}
_SELECTOR = {"matchLabels": _STRINGS,
             "matchExpressions": [{"key": _STR, "operator": _STR, "values": [_STR]}]}
_PEER = {"podSelector": _SELECTOR, "namespaceSelector": _SELECTOR,
         "ipBlock": {"cidr": _STR, "except": [_STR]}}
_WORKLOAD = {"replicas": _INT, "selector": _SELECTOR, "template": _TEMPLATE,
             "serviceName": _STR, "minReadySeconds": _INT}
_SPECS: dict[str, Any] = {
    "Pod": _POD_SPEC,
    **dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"), _WORKLOAD),
    "ReplicationController": {**_WORKLOAD, "selector": _STRINGS},
    "CronJob": {"schedule": _STR, "jobTemplate": {"metadata": _METADATA, "spec": _WORKLOAD}},
    "Service": {"selector": _STRINGS, "clusterIP": _STR, "type": _STR,
                "ports": [{"name": _STR, "port": _INT, "targetPort": _INT_OR_STR,
                           "nodePort": _INT, "protocol": _STR}]},
    "PodDisruptionBudget": {"selector": _SELECTOR, "minAvailable": _INT_OR_STR,
                            "maxUnavailable": _INT_OR_STR},
    "NetworkPolicy": {
        "podSelector": _SELECTOR, "policyTypes": [_STR],
        "ingress": [{"from": [_PEER], "ports": [_MAP]}],
        "egress": [{"to": [_PEER], "ports": [_MAP]}],
    },
}
_TOP = {"metadata": _METADATA}
_SUBJECTS = {"subjects": [{"kind": _STR, "name": _STR, "namespace": _STR, "apiGroup": _STR}],
             "roleRef": {"kind": _STR, "name": _STR, "apiGroup": _STR}}
# Kinds whose read fields sit beside metadata rather than under spec.
_TOPS: dict[str, Any] = {"RoleBinding": {**_TOP, **_SUBJECTS},
                         "ClusterRoleBinding": {**_TOP, **_SUBJECTS}}
_CUSTOM_WORKLOAD = {"spec": {"template": _TEMPLATE,
                             "jobTemplate": {"spec": {"template": _TEMPLATE}}}}
_EXPECTED = {dict: "a mapping", list: "a list"}


#: Fields the API server requires, by kind: from the ``required`` lists of the Kubernetes 1.35
#: OpenAPI schemas, the chain from the object to its pods' containers (PodSpec: containers;
#: Deployment, StatefulSet and DaemonSet specs: template; JobSpec: template; CronJobSpec:
#: jobTemplate). A missing parent (a Deployment without spec) is reported once, as the parent;
#: ``null`` is absent, for the API server too. (The selectors the schemas also require are
#: left to the API server: lint reads no rule from them.)
_POD = ("template", "spec", "containers")
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "Pod": (("spec", "containers"),),
    **dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "Job"), (("spec", *_POD),)),
    "CronJob": (("spec", "jobTemplate", "spec", *_POD),),
}
#: A template, when present, holds a pod spec with containers.
_REQUIRED_IF_PRESENT: dict[str, tuple[str, ...]] = {
    "ReplicaSet": ("spec", *_POD), "ReplicationController": ("spec", *_POD)}
REQUIRED = "required: the API server refuses the object without it"


def _missing(manifest: Mapping[str, Any], kind: str) -> list[tuple[str, object, str]]:
    found: dict[str, tuple[str, object, str]] = {}
    paths = list(_REQUIRED.get(kind, ()))
    optional = _REQUIRED_IF_PRESENT.get(kind)
    if optional is not None and isinstance(_get(manifest, optional[:2]), dict):
        paths.append(optional)
    for path in paths:
        value: object = manifest
        for depth, key in enumerate(path):
            if not isinstance(value, dict):
                break  # a wrong type, reported as such
            value = value.get(key)
            if value is None or (value == [] and depth == len(path) - 1):
                where = ".".join(path[: depth + 1])
                found.setdefault(where, (where, value, REQUIRED if value is None
                                         else "must not be empty: the API server refuses it"))
                break
    return list(found.values())


def shape_problems(manifest: Mapping[str, Any]) -> list[tuple[str, object, str]]:
    """Each field of ``manifest`` that rules read and that has the wrong type or is out of
    range, and each required field that is missing: ``(path, value, what is wrong)``."""
    problems: list[tuple[str, object, str]] = []
    kind = manifest.get("kind")
    _walk(manifest, _TOPS.get(kind, _TOP) if isinstance(kind, str) else _TOP, [], problems)
    spec = _SPECS.get(kind) if isinstance(kind, str) else None
    if spec is not None:
        _walk(manifest.get("spec"), spec, ["spec"], problems)
    elif not (isinstance(kind, str) and kind in POD_SPEC_PATHS) and any(
        isinstance(_get(manifest, path), dict) for path in TEMPLATE_PATHS
    ):
        _walk(manifest, _CUSTOM_WORKLOAD, [], problems)
    if isinstance(kind, str) and (kind in _REQUIRED or kind in _REQUIRED_IF_PRESENT):
        problems += _missing(manifest, kind)
    return problems


def _get(obj: object, path: tuple[str, ...]) -> object:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _walk(value: object, schema: Any, stack: list[object],
          out: list[tuple[str, object, str]]) -> None:
    """Check ``value`` against ``schema``; ``stack`` is the path (formatted only for a
    problem: lint runs this over every object, so the walk stays lean)."""
    if value is None:
        return  # null is absent, for the API server too
    if type(schema) is dict:
        if type(value) is not dict:
            out.append((_path(stack), value, f"must be a mapping, not {_kind(value)}"))
            return
        if not schema:
            return
        star = schema.get("*")
        for key, item in value.items():
            if item is None:
                continue
            if type(key) is not str:
                if star is not None:
                    out.append((_path(stack), key, f"key {key!r} must be a string"))
                continue
            sub = schema.get(key, star)
            if sub is None or (sub is _STR and type(item) is str):
                continue
            stack.append(key)
            _walk(item, sub, stack, out)
            stack.pop()
    elif type(schema) is list:
        if type(value) is not list:
            out.append((_path(stack), value, f"must be a list, not {_kind(value)}"))
            return
        sub = schema[0]
        for i, item in enumerate(value):
            if sub is _STR and type(item) is str:
                continue
            stack.append(i)
            _walk(item, sub, stack, out)
            stack.pop()
    else:
        what = schema(value)
        if what is not None:
            out.append((_path(stack), value, f"{what}, not {_kind(value)}" if "must" in what
                        else what))


def _path(stack: list[object]) -> str:
    path = ""
    for step in stack:
        if isinstance(step, int):
            path += f"[{step}]"
        elif _SIMPLE_KEY.fullmatch(str(step)):
            path = f"{path}.{step}" if path else str(step)
        else:
            path += f"[{step!r}]"
    return path


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)

