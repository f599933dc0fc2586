"""Checking a JSON patch (RFC 6902) before it reaches an object: the escape hatch's guard.

:func:`validate_patch` refuses an operation that the object or the Kubernetes API cannot take:

* against the object as rendered: the path's parent must exist (``add`` cannot create
  intermediate objects), ``remove``, ``replace`` and ``test`` need their target, an array index
  must be in range (``-`` appends), and ``move``/``copy`` need their ``from``;
* against the Kubernetes API: every field name on the path, and in an added value, must exist in
  the object's schema (``portt`` is refused, with "did you mean ports?").

The field names come from ``kube_fields.json``: the union, over every Kubernetes minor blueprint
targets, of the fields of the kinds the components render, taken from the schemas of
``kubernetes-validate`` by ``python -m blueprints.core.patches`` (a test keeps the two equal). A
field of any supported minor passes; ``synth --validate-schema`` checks the exact target. Pure
Python: no Node, no schema package at run time.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blueprints.errors import Problem, choices

__all__ = ["FIELDS_FILE", "ROOT_KINDS", "Operation", "apply_operation", "validate_patch"]

FIELDS_FILE = Path(__file__).with_name("kube_fields.json")
#: (apiVersion, kind) of the objects the components render, with their schema definitions.
ROOT_KINDS: tuple[tuple[str, str], ...] = (
    ("apps/v1", "DaemonSet"), ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
    ("batch/v1", "CronJob"), ("batch/v1", "Job"), ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy/v1", "PodDisruptionBudget"), ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("v1", "ConfigMap"), ("v1", "Namespace"), ("v1", "PersistentVolumeClaim"),
    ("v1", "Secret"), ("v1", "Service"), ("v1", "ServiceAccount"),
)
_OPS = ("add", "remove", "replace", "move", "copy", "test")


@dataclass(frozen=True, slots=True)
class Operation:
    """One JSON patch operation: ``op``, ``path``, and ``value`` or ``from_`` as the op needs."""

    op: str
    path: str
    value: Any = None
    from_: str | None = None

    def describe(self) -> str:
        """``add /spec/replicas``, ``move /a -> /b``: the operation as a message names it."""
        return f"{self.op} {self.from_} -> {self.path}" if self.from_ is not None else \
            f"{self.op} {self.path}"


def validate_patch(
    manifest: Mapping[str, Any],
    operation: Operation,
    *,
    component: str,
) -> Problem | None:
    """What is wrong with applying ``operation`` to ``manifest``, or ``None`` when it applies.

    Args:
        manifest: The object as it stands before this operation.
        operation: The operation.
        component: Where, for the message (``shop/web``).
    """
    where = f"{manifest.get('kind')}/{(manifest.get('metadata') or {}).get('name')} patch"
    what = _problem(manifest, operation)
    if what is None:
        return None
    text, fix = what
    return Problem(component, where, operation.describe(),
                   text.replace(f" (at {operation.path})", ""), fix)


def apply_operation(manifest: Mapping[str, Any], operation: Operation) -> dict[str, Any]:
    """``manifest`` with ``operation`` applied (a copy); call :func:`validate_patch` first."""
    document: dict[str, Any] = copy.deepcopy(dict(manifest))
    if operation.op == "test":
        return document
    if operation.op in ("move", "copy"):
        assert operation.from_ is not None
        value = copy.deepcopy(_get(document, _tokens(operation.from_)))
        if operation.op == "move":
            _remove(document, _tokens(operation.from_))
        _add(document, _tokens(operation.path), value)
    elif operation.op == "remove":
        _remove(document, _tokens(operation.path))
    elif operation.op == "replace":
        tokens = _tokens(operation.path)
        parent = _get(document, tokens[:-1])
        parent[int(tokens[-1]) if isinstance(parent, list) else tokens[-1]] = copy.deepcopy(
            operation.value)
    else:
        _add(document, _tokens(operation.path), copy.deepcopy(operation.value))
    return document


# -- the checks ------------------------------------------------------------------------------


def _problem(manifest: Mapping[str, Any], operation: Operation) -> tuple[str, str] | None:
    if operation.op not in _OPS:
        return f"not a JSON patch operation: {operation.op}", f"use one of {', '.join(_OPS)}"
    for pointer in (operation.path, operation.from_):
        if pointer is not None and pointer and not pointer.startswith("/"):
            return "a JSON pointer starts with /", f"write /{pointer}"
    if operation.path == "":
        return "the path names the whole object", "patch a field of it, e.g. /spec/replicas"
    if operation.from_ is not None:
        missing = _missing(manifest, _tokens(operation.from_), whole=True)
        if missing is not None:
            return f"from: {missing[0]}", missing[1]
        if operation.op == "move" and (operation.path + "/").startswith(operation.from_ + "/"):
            return "moves a field into itself", "move it elsewhere"
    tokens = _tokens(operation.path)
    missing = _missing(manifest, tokens, whole=operation.op in ("remove", "replace", "test"))
    if missing is not None:
        return missing
    if operation.op in ("add", "replace"):
        return _schema_problem(manifest, tokens, operation.value)
    if operation.op in ("move", "copy"):
        assert operation.from_ is not None
        return _schema_problem(manifest, tokens,
                               _get(manifest, _tokens(operation.from_)))
    return None


def _missing(document: Any, tokens: Sequence[str], *, whole: bool) -> tuple[str, str] | None:
    """Where ``tokens`` leaves ``document``: the parent must exist; with ``whole``, the target
    too. An array index must be in range (``-`` and ``len`` append when adding)."""
    node = document
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        prefix = _pointer(tokens[: depth + 1])
        if isinstance(node, list):
            if token == "-" and last and not whole:
                return None
            if not (token.isdigit() and (token == "0" or not token.startswith("0"))):
                return f"{prefix}: {token!r} is not an array index", "use 0, 1, ... or - to append"
            index, appending = int(token), last and not whole
            if index > len(node) - (0 if appending else 1):
                size = f"the array has {len(node)} item{'s' if len(node) != 1 else ''}"
                fix = (f"use 0 to {len(node)}, or - to append" if appending else
                       "use 0" if len(node) == 1 else
                       f"use 0 to {len(node) - 1}" if node else "the array is empty")
                return f"{prefix}: index {index} is out of range: {size}", fix
            if not last:
                node = node[index]
        elif isinstance(node, Mapping):
            if token not in node:
                if last and not whole:
                    return None
                near = difflib.get_close_matches(token, [str(k) for k in node], n=1)
                return (f"{prefix} does not exist in the object",
                        f"did you mean {_pointer([*tokens[:depth], near[0]])}?" if near else
                        "patch a path that exists; add creates only the last field")
            node = node[token]
        else:
            return (f"{_pointer(tokens[:depth])} is a value ({_json_type(node)}), it has no "
                    f"fields", "patch the value itself")
    return None


def _schema_problem(manifest: Mapping[str, Any], tokens: Sequence[str],
                    value: Any) -> tuple[str, str] | None:
    fields = _fields()
    root = fields["roots"].get(f"{manifest.get('apiVersion')} {manifest.get('kind')}")
    if root is None:
        return None  # a kind the index does not hold: the structural checks above are all
    node: Any = root
    for depth, token in enumerate(tokens):
        node, problem = _step(fields, node, token, tokens[:depth])
        if problem is not None:
            return problem
        if node == "*":
            return None
    return _value_problem(fields, node, value, list(tokens))


def _value_problem(fields: Mapping[str, Any], node: Any, value: Any,
                   tokens: list[str]) -> tuple[str, str] | None:
    """Field names inside an added value, against the schema below the path."""
    if isinstance(value, Mapping) and ((isinstance(node, str) and node not in ("", "*"))
                                       or (isinstance(node, dict) and "{}" in node)):
        for key, item in value.items():
            child, problem = _step(fields, node, str(key), tokens)
            if problem is not None:
                return problem
            problem = _value_problem(fields, child, item, [*tokens, str(key)])
            if problem is not None:
                return problem
    elif isinstance(value, list) and isinstance(node, dict) and "[]" in node:
        for index, item in enumerate(value):
            problem = _value_problem(fields, node["[]"], item, [*tokens, str(index)])
            if problem is not None:
                return problem
    return None


def _step(fields: Mapping[str, Any], node: Any, token: str,
          before: Sequence[str]) -> tuple[Any, tuple[str, str] | None]:
    if node == "*":
        return "*", None
    if isinstance(node, dict):
        return (node["[]"], None) if "[]" in node else (node["{}"], None)
    if node == "":
        return "", (f"{_pointer(before)} is a value, it has no field {token!r}",
                    "patch the value itself")
    properties = fields["definitions"][node]
    if token not in properties:
        kind = node.rsplit(".", 1)[-1]
        near = difflib.get_close_matches(token, list(properties), n=1)
        return "", (f"{kind} has no field {token!r} (at {_pointer([*before, token])})",
                    f"did you mean {near[0]}?" if near else
                    f"use one of {choices(sorted(properties), limit=12)}")
    return properties[token], None


# -- JSON pointers -----------------------------------------------------------------------------


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _pointer(tokens: Sequence[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _get(document: Any, tokens: Sequence[str]) -> Any:
    for token in tokens:
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def _add(document: Any, tokens: Sequence[str], value: Any) -> None:
    parent = _get(document, tokens[:-1])
    if isinstance(parent, list):
        parent.insert(len(parent) if tokens[-1] == "-" else int(tokens[-1]), value)
    else:
        parent[tokens[-1]] = value


def _remove(document: Any, tokens: Sequence[str]) -> None:
    parent = _get(document, tokens[:-1])
    del parent[int(tokens[-1]) if isinstance(parent, list) else tokens[-1]]


def _json_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value), type(value).__name__)


@functools.cache
def _fields() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIELDS_FILE.read_text(encoding="utf-8"))
    return loaded


# -- generating kube_fields.json from kubernetes-validate's schemas (development only) ---------


def generate_fields(versions: Sequence[str]) -> dict[str, Any]:
    """The field index: ``roots`` maps ``"<apiVersion> <kind>"`` to a definition, and
    ``definitions`` maps a definition to its fields. A field is a definition name, ``""`` (a
    value), ``"*"`` (anything), ``{"[]": field}`` (an array) or ``{"{}": field}`` (a map).
    Fields are the union over ``versions`` (``"1.35"``, ...)."""
    import importlib.resources

    definitions: dict[str, dict[str, Any]] = {}
    roots: dict[str, str] = {}
    base = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    for version in versions:
        schema = json.loads((base / f"v{version}.0-local-strict" / "_definitions.json")
                            .read_text(encoding="utf-8"))["$defs"]
        wanted = {(api, kind) for api, kind in ROOT_KINDS}
        for name, definition in schema.items():
            for gvk in definition.get("x-kubernetes-group-version-kind", []):
                api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                if (api, gvk["kind"]) in wanted:
                    roots[f"{api} {gvk['kind']}"] = name
        pending = [roots[key] for key in sorted(roots)]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            merged = definitions.setdefault(name, {})
            for field, spec in sorted(schema[name].get("properties", {}).items()):
                node = _node(schema, spec, pending)
                if field not in merged or merged[field] == "":
                    merged[field] = node
    return {"roots": dict(sorted(roots.items())),
            "definitions": {k: dict(sorted(v.items())) for k, v in sorted(definitions.items())}}


def _node(schema: Mapping[str, Any], spec: Mapping[str, Any], pending: list[str]) -> Any:
    ref = spec.get("$ref") or next((s["$ref"] for s in spec.get("allOf", []) if "$ref" in s), None)
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        target = schema[name]
        if target.get("properties"):
            pending.append(name)
            return name
        return _node(schema, target, pending)
    if "items" in spec:
        return {"[]": _node(schema, spec["items"], pending)}
    if isinstance(spec.get("additionalProperties"), Mapping):
        return {"{}": _node(schema, spec["additionalProperties"], pending)}
    kinds = spec.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "object" in kinds and not spec.get("properties"):
        return "*"
    return ""


def _main() -> None:
    from blueprints.kube import SUPPORTED

    fields = generate_fields([f"{major}.{minor}" for major, minor in SUPPORTED])
    # One field per line, so that a new Kubernetes minor reads as a reviewable diff.
    FIELDS_FILE.write_text(json.dumps(fields, indent=1, sort_keys=True) + "\n",
                           encoding="utf-8")


if __name__ == "__main__":
    _main()
