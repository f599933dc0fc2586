"""The JSON Schema of ``blueprint.yaml``, generated from the props dataclasses."""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from blueprints.yaml.blueprint import _PYTHON_ONLY, API_VERSION, KINDS, _camel, _shape

__all__ = ["blueprint_schema", "schema_text"]

_TEMPLATE = {"type": "string", "pattern": r"\{\{.*\}\}"}
_TIMING = {k: {"anyOf": [{"type": "integer", "minimum": 0}, _TEMPLATE]} for k in (
    "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "port")}
_PROBE = {
    "type": "object",
    "description": "Exactly one of http, tcp, exec, grpc, plus timings.",
    "properties": {"http": {"type": "string"}, "tcp": {}, "grpc": {},
                   "exec": {"type": "array", "items": {"type": "string"}}, **_TIMING},
    "additionalProperties": False,
    "minProperties": 1,
}
_REF = {"type": "object", "properties": {"name": {"type": "string"}, "key": {"type": "string"}},
        "required": ["name", "key"], "additionalProperties": False}
_ENV = {"type": "object", "additionalProperties": {"anyOf": [
    {"type": "string"},
    {"type": "object", "properties": {"secretKeyRef": _REF, "configMapKeyRef": _REF},
     "minProperties": 1, "maxProperties": 1, "additionalProperties": False}]}}


_VOLUME = {
    "type": "object",
    "description": "name plus exactly one of emptyDir, hostPath, claim, newClaim, configMap, "
                   "secret, gitClone, forData, configFiles",
    "properties": {"name": {"type": "string"}, "emptyDir": {"type": "object"},
                   "hostPath": {"type": "object"}, "claim": {"type": "string"},
                   "newClaim": {"type": "object"}, "configMap": {"type": "string"},
                   "secret": {"type": "string"}, "gitClone": {"type": "object"},
                   "forData": {"type": "object"}, "configFiles": {"type": "string"},
                   "items": {"type": "object", "additionalProperties": {"type": "string"}},
                   "defaultMode": {"type": "integer"}, "readOnly": {"type": "boolean"}},
    "required": ["name"],
    "additionalProperties": False,
}
_MOUNT = {"type": "object", "properties": {"volume": _VOLUME, "path": {"type": "string"},
                                           "subPath": {"type": "string"},
                                           "readOnly": {"type": "boolean"}},
          "required": ["volume", "path"], "additionalProperties": False}
_HOOK = {"type": "object", "properties": {
    "exec": {"type": "array", "items": {"type": "string"}}, "http": {"type": "string"},
    "sleep": {"anyOf": [{"type": "integer"}, _TEMPLATE]}, "port": {"type": "integer"},
    "logToMain": {"type": "boolean"}}, "additionalProperties": False, "minProperties": 1}
_SIDECAR = {"type": "object", "properties": {
    "name": {"type": "string"}, "image": {"type": "string"},
    "command": {"type": "array", "items": {"type": "string"}},
    "args": {"type": "array", "items": {"type": "string"}}, "env": _ENV,
    "mounts": {"type": "array", "items": _MOUNT}, "resources": {"type": "object"}},
    "required": ["name", "image"], "additionalProperties": False}
_SPECIAL: dict[str, dict[str, Any]] = {
    "mounts": {"type": "array", "items": _MOUNT},
    "post_start": _HOOK,
    "pre_stop": _HOOK,
    "sidecars": {"type": "array", "items": _SIDECAR},
    "env_from": {"type": "array", "items": {"type": "object", "properties": {
        "secretRef": {"type": "string"}, "configMapRef": {"type": "string"}},
        "minProperties": 1, "maxProperties": 1, "additionalProperties": False}},
}


def blueprint_schema() -> dict[str, Any]:
    """The schema: top-level keys and one component shape per kind."""
    from blueprints.core.data_migration import DataMigrationProps

    components: list[dict[str, Any]] = [{
        "type": "object", "title": "ConfigFiles",
        "properties": {"kind": {"const": "ConfigFiles"}, "name": {"type": "string"},
                       "data": {"type": "object", "additionalProperties": {"type": "string"}},
                       "description": {"type": "string"},
                       "notSecret": {"type": "object",
                                     "additionalProperties": {"type": "string"}}},
        "required": ["kind", "name", "data"], "additionalProperties": False}]
    from blueprints.core.logging_stack import LoggingStackProps

    hints, keys = _shape(LoggingStackProps)
    components.append({
        "type": "object", "title": "LoggingStack",
        "properties": {"kind": {"const": "LoggingStack"}, "name": {"type": "string"},
                       **{key: _type_schema(hints[field]) for key, field in keys.items()}},
        "required": ["kind", "name", "credentialsSecret"], "additionalProperties": False})
    shapes = [(kind, props_class) for kind, (_, props_class) in KINDS.items()]
    shapes.append(("DataMigration", DataMigrationProps))
    for kind, props_class in shapes:
        hints, _ = _shape(props_class)
        properties: dict[str, Any] = {"kind": {"const": kind}, "name": {"type": "string"}}
        if kind == "DataMigration":
            properties["stateful"] = {"type": "string"}
        for field in dataclasses.fields(props_class):
            if field.name in _PYTHON_ONLY:
                continue
            properties[_camel(field.name)] = _field_schema(field.name, hints[field.name])
        components.append({"type": "object", "title": kind, "properties": properties,
                           "required": ["kind", "name", "image"],
                           "additionalProperties": False})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://blueprint.dev/schema/blueprint.schema.json",
        "title": "blueprint.yaml",
        "type": "object",
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "release": {"type": "string"},
            "version": {"type": "string"},
            "namespace": {"type": "string"},
            "createNamespace": {"type": "boolean"},
            "partOf": {"type": "string"},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            "egress": {"enum": ["open", "declared"]},
            "values": {"type": "object",
                       "description": "Declares every value and its type, inferred from its "
                                      "default (or given by values.schema.json next to the "
                                      "blueprint); overlays and --set may only set declared "
                                      "values, with their type."},
            "components": {"type": "array", "minItems": 1, "items": {"oneOf": components}},
        },
        "required": ["apiVersion", "release", "components"],
        "additionalProperties": False,
    }


def schema_text() -> str:
    """The schema as deterministic JSON text."""
    return json.dumps(blueprint_schema(), indent=2, sort_keys=True) + "\n"


def _field_schema(name: str, hint: Any) -> dict[str, Any]:
    if name in _SPECIAL:
        return _SPECIAL[name]
    if name in ("readiness", "liveness", "startup"):
        return _PROBE
    if name == "env":
        return _ENV
    if name == "storage":
        item = _dataclass_schema("Storage")
        return {"anyOf": [item, {"type": "array", "items": item}]}
    if name == "resources":
        return _dataclass_schema("Resources")
    if name == "permissions":
        item = _dataclass_schema("Permission")
        item["required"] = ["verbs", "resources"]
        return {"type": "array", "items": item}
    if name == "wait_for":
        return {"type": "array", "items": {"type": "string"}}
    if name == "allow_from":
        return {"type": "array", "items": {"type": "string"}}
    if name == "calls":
        call = {"type": "object", "required": ["target"], "additionalProperties": False,
                "properties": {"target": {"type": "string"},
                               "port": {"type": ["string", "integer"]},
                               "hostEnv": {"type": "string"}, "portEnv": {"type": "string"}}}
        entry = {"anyOf": [{"type": "string"}, call]}
        return {"anyOf": [{"type": "array", "items": entry},
                          {"type": "object", "additionalProperties": entry}],
                "description": 'components of the blueprint ("cart", "cart:grpc") or external '
                               '"host:port"; a mapping names the address variables; '
                               "{target: db, hostEnv: DB_HOST, portEnv: DB_PORT} gives the "
                               "host and the port apart"}
    if name == "egress":
        return {"enum": ["open", "declared"]}
    if name == "expose":
        item = _exposure_schema()
        return {"anyOf": [item, {"type": "array", "items": item}]}
    return _type_schema(hint)


def _type_schema(hint: Any) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, type(int | None)):
        options = [_type_schema(a) for a in args if a is not type(None)]
        if type(None) in args:
            options.append({"type": "null"})
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin in (Sequence, list, tuple):
        return {"type": "array", "items": _type_schema(args[0]) if args else {}}
    if origin in (Mapping, dict):
        return {"type": "object",
                "additionalProperties": _type_schema(args[1]) if len(args) > 1 else {}}
    scalar = {int: "integer", str: "string", bool: "boolean"}.get(hint)
    if scalar is not None:
        return {"anyOf": [{"type": scalar}, _TEMPLATE]} if scalar != "string" else {
            "type": "string"}
    return {}


def _exposure_schema() -> dict[str, Any]:
    from blueprints.core import exposure
    from blueprints.yaml.blueprint import _EXPOSURES

    properties = {}
    for key, name in _EXPOSURES.items():
        cls = getattr(exposure, name)
        hints, keys = _shape(cls)
        required = [k for k, f in keys.items()
                    if next(d for d in dataclasses.fields(cls) if d.name == f).default
                    is dataclasses.MISSING]
        properties[key] = {"type": "object", "title": cls.__name__,
                           "properties": {k: _type_schema(hints[f]) for k, f in keys.items()},
                           "required": required, "additionalProperties": False}
    return {"type": "object", "properties": properties, "minProperties": 1,
            "maxProperties": 1, "additionalProperties": False}


def _dataclass_schema(name: str) -> dict[str, Any]:
    from blueprints.core.identity import Permission
    from blueprints.core.stateful_web_app import Storage
    from blueprints.core.workload import Resources

    cls = {"Storage": Storage, "Resources": Resources, "Permission": Permission}[name]
    hints, keys = _shape(cls)
    return {"type": "object", "title": name,
            "properties": {key: _type_schema(hints[field]) for key, field in keys.items()},
            "additionalProperties": False}
