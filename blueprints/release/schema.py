"""Offline validation against the real Kubernetes JSON schemas (``kubernetes-validate``)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from blueprints.core.secrets import REDACTED, redact_secret, secret_values
from blueprints.errors import ConfigError, Problem
from blueprints.kube import KubeVersion

__all__ = ["schema_problems"]

#: API groups of CRDs that blueprint emits; kubernetes-validate knows only built-in kinds.
#: The tests check their shape against the upstream CRD instead (Gateway API's HTTPRoute).
_NOT_BUILT_IN = ("gateway.networking.k8s.io/",)


def schema_problems(
    manifests: Sequence[Mapping[str, Any]], kube_version: KubeVersion, *, strict: bool = True
) -> list[Problem]:
    """Every schema violation of ``manifests`` for the target, one :class:`Problem` each.

    No problem shows a value from a Secret's ``data`` or ``stringData`` (BP044).

    Raises:
        ConfigError: ``kubernetes-validate`` is not installed, or has no schema for the target.
    """
    try:
        kv = importlib.import_module("kubernetes_validate.utils")
    except ImportError as error:
        raise ConfigError(Problem("synth", "--validate-schema", True,
                                  "needs the kubernetes-validate package",
                                  "pip install kubernetes-validate in the environment that runs "
                                  "blueprint")) from error
    target = f"{kube_version[0]}.{kube_version[1]}"
    available = [tuple(int(p) for p in v.split(".")[:2]) for v in kv.all_versions()]
    if kube_version not in available:
        known = ", ".join(sorted({f"{a}.{b}" for a, b in available}))
        raise ConfigError(Problem("synth", "--kube-version", target,
                                  "kubernetes-validate has no schema for this target",
                                  f"validate against one it has ({known})"))
    problems = []
    for manifest in manifests:
        if str(manifest.get("apiVersion", "")).startswith(_NOT_BUILT_IN):
            continue
        where = f"{manifest.get('kind')}/{(manifest.get('metadata') or {}).get('name')}"
        try:
            kv.validate(dict(manifest), target, strict=strict)
        except kv.ValidationError as error:
            path = [str(p) for p in error.absolute_path]
            field = ".".join(path) or "<root>"
            value, message = error.instance, error.message
            secrets = secret_values(manifest)
            if path[:1] in (["data"], ["stringData"]) and manifest.get("kind") == "Secret":
                value = REDACTED
            if secrets:
                message = redact_secret(message, secrets)
                if value is not REDACTED and redact_secret(repr(value), secrets) != repr(value):
                    value = REDACTED
            problems.append(Problem(where, field, value, message,
                                    f"fix it to match the Kubernetes {target} schema"))
        except kv.SchemaNotFoundError as error:
            problems.append(Problem(where, "apiVersion", manifest.get("apiVersion"),
                                    error.message, "use an API version the target serves"))
    return problems
